// Where the pages get the app's templates: from the cloud function's list
// (the server's allowlist) when a cloud environment is configured, else from
// the local file, so the demo works offline.
const LOCAL = require('./templates.js');

function loadTemplates() {
  if (!getApp().globalData.cloud) return Promise.resolve(LOCAL);
  return wx.cloud.callFunction({ name: 'subscribe', data: { action: 'list' } })
    .then(({ result }) => (result && result.ok ? result.templates : LOCAL), () => LOCAL);
}

module.exports = { loadTemplates };
