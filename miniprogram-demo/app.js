// Loads wx-subscribe at launch, so it is ready before the first tap.
const wxs = require('wx-subscribe');

App({
  onLaunch() {
    wxs.init().catch((error) => {
      // Base library below 2.13.0 has no WXWebAssembly: the page says so.
      this.globalData.loadError = error.message;
    });
  },
  globalData: { loadError: '' },
});
