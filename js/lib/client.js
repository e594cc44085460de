// The client as the planner needs it: { baseLibrary, wechatVersion, platform },
// read once (wx.getAppBaseInfo where present, wx.getSystemInfoSync otherwise).
'use strict';

var client = null;

function versionOrNothing(text) {
  return typeof text === 'string' && /^\d+(\.\d+){0,2}$/.test(text) ? text : undefined;
}

/**
 * Whether a dotted version is at least `wanted` ([major, minor, patch]).
 * Not `semver` (checked, issue 12): WeChat versions are not always three
 * numbers ('8.0' and '2.10' occur), which semver refuses, and it would bring a
 * package written for Node into the mini-program package for one comparison.
 */
function versionAtLeast(version, wanted) {
  var parts = String(version || '0').split('.');
  for (var i = 0; i < wanted.length; i++) {
    var n = parseInt(parts[i] || '0', 10) || 0;
    if (n !== wanted[i]) return n > wanted[i];
  }
  return true;
}

function clientInfo() {
  if (client) return client;
  var wxApi = typeof wx !== 'undefined' ? wx : undefined;
  var info = {};
  var device = {};
  try {
    if (wxApi && typeof wxApi.getAppBaseInfo === 'function') {
      info = wxApi.getAppBaseInfo() || {};
      device = typeof wxApi.getDeviceInfo === 'function' ? wxApi.getDeviceInfo() || {} : {};
    } else if (wxApi && typeof wxApi.getSystemInfoSync === 'function') {
      info = device = wxApi.getSystemInfoSync() || {};
    }
  } catch (e) {
    info = {};
  }
  client = {
    baseLibrary: versionOrNothing(info.SDKVersion),
    wechatVersion: versionOrNothing(info.version),
    platform: typeof device.platform === 'string' ? device.platform : undefined,
  };
  return client;
}

module.exports = { clientInfo: clientInfo, versionAtLeast: versionAtLeast };
