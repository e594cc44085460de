// Loads wx-subscribe at launch, so it is ready before the first tap.
const wxs = require('wx-subscribe');

// Your cloud environment id (DevTools → 云开发). Empty: the demo works
// offline, reads its templates from data/templates.js, and says that sending
// needs a cloud environment.
const CLOUD_ENV = '';

App({
  onLaunch() {
    wxs.init().catch((error) => {
      // Base library below 2.13.0 has no WXWebAssembly: the pages say so.
      this.globalData.loadError = error.message;
    });
    if (CLOUD_ENV && wx.cloud) {
      wx.cloud.init({ env: CLOUD_ENV, traceUser: true });
      this.globalData.cloud = true;
    }
  },
  globalData: { loadError: '', cloud: false },
});
