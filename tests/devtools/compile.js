// Compiles miniprogram-demo (miniprogramRoot miniprogram/, cloudfunctionRoot
// cloudfunctions/, side by side) with miniprogram-ci (the DevTools compiler as a
// library), offline: a private key string that is never used for upload and
// an attr() of our own (docs/wechat.md section 7). Then runs checkCodeQuality and
// fails on any check that does not pass. Run after .ci/build.
'use strict';
const path = require('path');
const ci = require('miniprogram-ci');

const fs = require('fs');
const os = require('os');

const projectPath = path.join(__dirname, '../../miniprogram-demo');

function compile(projectPath) {
  const project = new ci.Project({
    appid: 'touristappid',
    type: 'miniProgram',
    projectPath,
    privateKey: 'offline: this key is never used, nothing is uploaded',
    ignores: ['node_modules/**/*'],
  });
  project.attr = async () => ({ platform: false, appType: 0, isSandbox: false, released: false, setting: {}, gameApp: false });
  return ci.getCompiledResult({ project, setting: { useProjectConfig: true }, onProgressUpdate: () => {} }).then((compiled) => ({ project, compiled }));
}

/** A budget of .ci/versions, by name. */
function budget(name) {
  const versions = fs.readFileSync(path.join(__dirname, '../../.ci/versions'), 'utf8');
  const found = versions.match(new RegExp('^' + name + '=(\\d+)$', 'm'));
  if (!found) throw new Error('.ci/versions has no ' + name);
  return Number(found[1]);
}

/** What an app that only subscribes may carry of this package, at most, in the end. */
const SUBSCRIBE_ONLY_GOAL = 45000;

// A fresh mini-program that only subscribes: the README's app.js and page, and
// the package as Build npm installs it (nothing opted in). Its compiled weight
// of this package is the figure an app that only subscribes pays: a problem
// when it is over its budget. Answers the number of problems.
async function subscribeOnly() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxs-subscribe-only-'));
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  for (const m of readme.matchAll(/```js\n\/\/ ([^\n]+)\n([\s\S]*?)```/g)) {
    fs.mkdirSync(path.dirname(path.join(dir, m[1])), { recursive: true });
    fs.writeFileSync(path.join(dir, m[1]), m[2]);
  }
  fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify({ pages: ['pages/subscribe/subscribe'] }));
  fs.writeFileSync(path.join(dir, 'pages/subscribe/subscribe.json'), '{}');
  fs.writeFileSync(path.join(dir, 'pages/subscribe/subscribe.wxml'), '<button bindtap="onSubscribe">订阅（还剩 {{left}} 个）</button>');
  fs.writeFileSync(path.join(dir, 'project.config.json'), JSON.stringify({ appid: 'touristappid', compileType: 'miniprogram', libVersion: '3.5.0', setting: { es6: true, minified: true } }));
  fs.cpSync(path.join(__dirname, '../../js/miniprogram_dist'), path.join(dir, 'miniprogram_npm/wx-subscribe'), { recursive: true });
  const { compiled } = await compile(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  const ours = Object.keys(compiled).filter((f) => f.startsWith('miniprogram_npm/wx-subscribe/'));
  const bytes = ours.reduce((n, f) => n + Buffer.byteLength(compiled[f]), 0);
  const say = (text) => console.log('compiled wx-subscribe in a subscribe-only mini-program: ' + text);
  const most = budget('BUDGET_SUBSCRIBE_ONLY');
  say(bytes + ' bytes in ' + ours.length + ' files (budget ' + most + ', goal ' + SUBSCRIBE_ONLY_GOAL + ')' +
    (bytes > most ? '; over budget by ' + (bytes - most) + ' bytes' : ''));
  // No package at all weighs nothing: that is a missing build, not a light one.
  const shipped = ours.includes('miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm.br');
  if (!shipped) say('no wx_subscribe_bg.wasm.br (run .ci/build first)');
  // A Babel helper lives outside the package's folder, so the weight above
  // leaves it out, but every app pays for it: none may be required.
  const helped = ours.filter((f) => compiled[f].includes('@babel/runtime'));
  if (helped.length) say('Babel helpers required by ' + helped.join(', '));
  return (bytes > most ? 1 : 0) + (shipped ? 0 : 1) + helped.length;
}

async function main() {
  // miniprogram-ci leaves empty folders, named by hashes, in the working
  // folder: give it one of its own (every path here is absolute).
  process.chdir(fs.mkdtempSync(path.join(os.tmpdir(), 'wxs-devtools-')));
  const { project, compiled } = await compile(projectPath);
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

  const subscribeOnlyProblems = await subscribeOnly();
  const checks = await ci.checkCodeQuality(project);
  const failed = checks.filter((c) => !c.success);
  for (const c of checks) console.log((c.success ? 'ok     ' : 'FAILED ') + c.name + ': ' + c.text);
  const problems = missing.length + failed.length + subscribeOnlyProblems;
  console.log(problems === 0 ? 'devtools: compiled, every quality check passes' : 'devtools: ' + problems + ' problem(s)');
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error('devtools: ' + (error && error.stack || error));
  process.exit(1);
});
