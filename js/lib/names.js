// Generated from the Rust core by `cargo run -p wasm-check --bin js-names -- --write js/lib/names.js`;
// .ci/build fails when it differs from what the core declares. Do not edit.
'use strict';

module.exports = {
  // Each template state's name (TemplateState::NAMES); in the numbers a state is its index plus one.
  STATES: ["ask", "top-up", "kept-rejected", "banned", "switched-off", "accepted", "rejected", "unsettled"],
  // Each result status's name, by its number (Status::NAMES).
  STATUSES: ["accept", "reject", "ban", "filter", "unknown", "missing"],
  // An outcome's counts, in the order the numbers give them (OutcomeCounts::NAMES).
  OUTCOME_COUNTS: ["accepted", "rejected", "banned", "filtered", "unknown", "missing"],
  // A sentence for the user per error kind, in Chinese (ErrorKind::user_message).
  USER_MESSAGES: {
    "input": "内容不符合要求，请按提示修改。",
    "gesture": "请直接点击按钮订阅。",
    "busy": "上一次订阅还没有完成，请稍候。",
    "cancelled": "已取消，可以稍后再订阅。",
    "network": "网络不太好，请稍后再试。",
    "background": "请回到小程序后再点一次。",
    "settings": "订阅消息已关闭，请到设置页打开。",
    "banned": "这个小程序暂时无法订阅消息。",
    "template": "这个通知暂时无法订阅，请稍后再试。",
    "batch": "已重新分组，请再点一次订阅。",
    "device": "设备信息已失效，请重新连接设备后再订阅。",
    "unsupported": "当前微信版本过低，请升级微信后再订阅。",
    "not-ready": "正在加载，请稍后再试。",
    "quota": "还没有可用的订阅次数，请先订阅这个通知。",
    "token": "服务暂时不可用，请稍后再试。",
    "limit": "今天的发送次数已用完，请明天再试。",
    "unknown": "订阅暂时不可用，请稍后再试。",
    "internal": "出了点问题，请再试一次。",
    "setup": "小程序安装不完整，请联系开发者。",
  },
  // A plan's numbers (src/registry.rs): how many come before the templates' and how many per
  // template; the base of the number that gives a template's answers, and the most it holds.
  PLAN_HEAD: 5,
  CODES_PER_TEMPLATE: 4,
  ANSWER_BASE: 8,
  MAX_CODED_ANSWERS: 17,
  // How many template lists a module keeps registered (src/registry.rs).
  KEPT_LISTS: 8,
};
