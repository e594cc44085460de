const path = require('path');

module.exports = function (merge) {
  return {
    projectName: 'taro-check',
    date: '2026-11-23',
    designWidth: 750,
    deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
    sourceRoot: 'src',
    outputRoot: 'dist',
    framework: 'react',
    compiler: 'webpack5',
    cache: { enable: false },
    plugins: [],
    // wx-subscribe's wasm is not JS: Taro bundles the JS and copies the module here.
    copy: {
      patterns: [
        { from: 'node_modules/wx-subscribe/miniprogram_dist/wx_subscribe_bg.wasm.br', to: 'dist/wx-subscribe/wx_subscribe_bg.wasm.br' },
      ],
      options: {},
    },
    mini: { postcss: { pxtransform: { enable: true, config: {} } } },
  };
};
