// Where the demo lists templates, reports accepts and sends (data/backend.js):
// CLOUD_ENV: your cloud environment id (DevTools → 云开发), for the cloud function;
// SERVER_URL: the self-hosted server (miniprogram-demo/server), e.g.
//   'https://your.domain' (add it to the request legal domains in the admin console).
// With neither, the demo works offline from data/templates.js and says that
// sending needs a backend.
module.exports = {
  CLOUD_ENV: '',
  SERVER_URL: '',
};
