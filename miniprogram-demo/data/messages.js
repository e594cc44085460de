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
  'setup': '小程序安装不完整，请联系开发者。',
  'internal': '出了点问题，请再试一次。',
  'quota': '还没有可用的订阅次数：请先在「订阅」页订阅这个通知。',
  'token': '服务暂时不可用，请稍后再试。',
  'limit': '今天的发送次数已用完，请明天再试。',
  'input': '内容不符合模板要求，请按提示修改。',
};

// What each keyword type takes, for the input placeholders.
const TYPE_HINTS = {
  thing: '20 个字以内',
  number: '32 位以内数字，可带小数',
  letter: '32 个以内字母',
  symbol: '5 个以内符号',
  character_string: '32 位以内数字、字母或符号',
  time: '24 小时制，如 15:01',
  date: '如 2019-10-01 或 2019年10月1日',
  amount: '如 ¥128.50',
  phone_number: '17 位以内数字或符号',
  car_number: '8 位以内车牌号，如 粤A12345',
  name: '10 个汉字或 20 个字母以内',
  phrase: '5 个以内汉字',
  enum: '模板给定的值',
};

// The reason a value is refused, in Chinese, from the library's violation.
function violationSentence(v) {
  switch (v.code) {
    case 'empty':
    case 'missing':
      return '请填写这一项';
    case 'too-long':
      return '太长了：' + v.length + ' 个字，最多 ' + v.limit + ' 个';
    case 'bad-character':
      return '不能包含「' + v.character + '」';
    case 'bad-format':
      return '格式不对（' + (TYPE_HINTS[v.rule] || v.rule) + '）';
    case 'not-in-enum':
      return '只能填写模板给定的值';
    default:
      return v.message;
  }
}

function errorSentence(error) {
  return ERROR_SENTENCES[error.kind] || '订阅暂时不可用（' + error.code + '），请稍后再试。';
}

module.exports = { STATE_LABELS, TYPE_HINTS, errorSentence, violationSentence };
