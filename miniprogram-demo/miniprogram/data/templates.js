// The app's templates, as the server's getTemplateList would describe them.
// With no cloud environment, the demo reads them from here. The ids of the
// first three are the ones in the seed article (seed 000); keyword keys follow
// the seed articles (seeds 000 to 002).
module.exports = [
  { id: '3icSr0YIBLcMSYXchHBTWgCiAAom4lrkJqZAf2pVc', title: '订单状态通知', kind: 'one-time',
    content: '下单时间:{{date2.DATA}}\n商品名称:{{thing4.DATA}}\n订单号:{{character_string9.DATA}}' },
  { id: 'xVA_zdzgM8zPtpDOO92rpK9kQumz4O84E7sTy9Ihfds', title: '作业提交提醒', kind: 'one-time',
    content: '作业名称:{{thing1.DATA}}\n备注:{{thing10.DATA}}\n班级:{{thing9.DATA}}' },
  { id: 'sG80CJj2GvArifGRCWOJhumIyY5mQnM94RWGQkdctGc', title: '登录提醒', kind: 'one-time',
    content: '用户名:{{name1.DATA}}\n登录时间:{{date2.DATA}}' },
  { id: 'demo-refund-0000000000000000000000000000000', title: '退款成功通知', kind: 'one-time',
    content: '退款金额:{{amount1.DATA}}\n退款时间:{{time2.DATA}}' },
  { id: 'demo-class-00000000000000000000000000000000', title: '课程开始提醒', kind: 'one-time',
    content: '课程名称:{{thing1.DATA}}\n上课时间:{{time2.DATA}}' },
  { id: 'demo-checkin-000000000000000000000000000000', title: '签到提醒', kind: 'one-time',
    content: '活动名称:{{thing1.DATA}}\n签到时间:{{time3.DATA}}' },
  { id: 'demo-event-00000000000000000000000000000000', title: '活动开始提醒', kind: 'one-time',
    content: '活动名称:{{thing1.DATA}}\n开始时间:{{date2.DATA}}' },
];
