// Your cloud environment id (DevTools → 云开发). Empty: the demo works
// offline, reads its templates from data/templates.js, and says that sending
// needs a cloud environment.
module.exports = {
  CLOUD_ENV: '',
};
