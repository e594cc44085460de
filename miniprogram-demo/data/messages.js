// Sentences a user understands, for each template state and error kind.
const STATE_LABELS = {
  'ask': '待订阅',
  'top-up': '已保持订阅 · 自动续订',
  'kept-rejected': '已拒绝 · 需在设置中打开',
  'banned': '暂不可订阅',
  'switched-off': '订阅消息已关闭',
  'accepted': '本次已订阅',
  'rejected': '本次未订阅',
};

const ERROR_SENTENCES = {
  'gesture': '请直接点击按钮订阅。',
  'busy': '上一次订阅还没有完成，请稍候。',
  'cancelled': '已取消，可以稍后再订阅。',
  'network': '网络不太好，请稍后再试。',
  'background': '请回到小程序后再点一次。',
  'settings': '订阅消息已关闭，请到设置页打开。',
  'batch': '已重新分组，请再点一次订阅。',
  'not-ready': '正在加载，请稍后再试。',
  'unsupported': '当前微信版本过低，请升级微信后再订阅。',
};

function errorSentence(error) {
  return ERROR_SENTENCES[error.kind] || '订阅暂时不可用（' + error.code + '），请稍后再试。';
}

module.exports = { STATE_LABELS, errorSentence };
