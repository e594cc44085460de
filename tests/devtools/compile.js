// Compiles miniprogram-demo (miniprogramRoot miniprogram/, cloudfunctionRoot
// cloudfunctions/, side by side) with miniprogram-ci (the DevTools compiler as a
// library), offline: a private key string that is never used for upload and
// an attr() of our own (WECHAT.md section 7). Then runs checkCodeQuality and
// fails on any check that does not pass. Run after .ci/build.
'use strict';
const path = require('path');
const ci = require('miniprogram-ci');

const projectPath = path.join(__dirname, '../../miniprogram-demo');

async function main() {
  const project = new ci.Project({
    appid: 'touristappid',
    type: 'miniProgram',
    projectPath,
    privateKey: 'offline: this key is never used, nothing is uploaded',
    ignores: ['node_modules/**/*'],
  });
  project.attr = async () => ({ platform: false, appType: 0, isSandbox: false, released: false, setting: {}, gameApp: false });

  const compiled = await ci.getCompiledResult({ project, setting: { useProjectConfig: true }, onProgressUpdate: () => {} });
  const files = Object.keys(compiled);
  const needed = ['app.js', 'app.json', 'pages/subscribe/subscribe.js', 'pages/subscribe/subscribe.wxml',
    'miniprogram_npm/wx-subscribe/index.js', 'miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm.br'];
  // The official layout keeps the backends out of the mini-program package.
  // ...and the plain .wasm files, an opt-in for base library 2.13.x, out of it by default.
  const stray = files.filter((f) => /^(cloudfunctions|server)\//.test(f) || /\.(rs|toml|wasm)$/.test(f));
  const missing = needed.filter((f) => !files.includes(f)).concat(stray.map((f) => 'not ' + f));
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(compiled[f]), 0);
  console.log('compiled ' + files.length + ' files, ' + bytes + ' bytes' + (missing.length ? '; missing: ' + missing.join(', ') : ''));
  const ours = files.filter((f) => f.startsWith('miniprogram_npm/wx-subscribe/'));
  const weight = (list) => list.reduce((n, f) => n + Buffer.byteLength(compiled[f]), 0);
  const send = ours.filter((f) => /send/.test(f));
  console.log('compiled wx-subscribe: ' + weight(ours) + ' bytes in ' + ours.length + ' files, of which the send module ' + weight(send) + ' bytes');

  const checks = await ci.checkCodeQuality(project);
  const failed = checks.filter((c) => !c.success);
  for (const c of checks) console.log((c.success ? 'ok     ' : 'FAILED ') + c.name + ': ' + c.text);
  const problems = missing.length + failed.length;
  console.log(problems === 0 ? 'devtools: compiled, every quality check passes' : 'devtools: ' + problems + ' problem(s)');
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error('devtools: ' + (error && error.stack || error));
  process.exit(1);
});
