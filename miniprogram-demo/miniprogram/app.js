// Loads wx-subscribe at launch, so it is ready before the first tap.
const wxs = require('wx-subscribe');
const { CLOUD_ENV } = require('./config.js');
const backend = require('./data/backend.js');

App({
  onLaunch() {
    wxs.init().catch((error) => {
      // Base library below 2.13.0 has no WXWebAssembly: the pages say so.
      this.globalData.loadError = wxs.userMessage(error);
    });
    if (backend.which() === 'cloud') wx.cloud.init({ env: CLOUD_ENV, traceUser: true });
    this.globalData.backend = backend.which();
  },
  globalData: { loadError: '', backend: '' },
});
