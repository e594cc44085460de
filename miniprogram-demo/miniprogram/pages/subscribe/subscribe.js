// Subscribe page: every template with its state, one batch per tap, the
// settings-page path, and the sends each template has in hand.
const wxs = require('wx-subscribe');
const backend = require('../../data/backend.js');

// The sends in hand per template, as this page shows them. With a backend
// (cloud function or server) it keeps the real count; accepts are confirmed
// only once it has recorded them.
const LEDGER_KEY = 'demo:sends';

function ledger() {
  const stored = wx.getStorageSync(LEDGER_KEY);
  return stored && typeof stored === 'object' ? stored : {};
}

Page({
  data: {
    templates: [],
    left: 0,
    buttonText: '订阅',
    message: '',
    advice: [],
    showSettings: false,
    loadError: '',
  },

  onLoad() {
    this.loaded = backend.list().then((templates) => {
      this.subs = wxs.subscriber({ templates: templates.map(({ id, title, kind }) => ({ id, title, kind })) });
    });
  },

  onShow() {
    this.setData({ loadError: getApp().globalData.loadError });
    this.loaded
      .then(() => this.subs.refresh())
      .then((plan) => this.show(plan, ''))
      .catch((error) => this.setData({ message: wxs.userMessage(error) }));
  },

  onSubscribe: wxs.tap(function () {
    if (!this.subs) return this.setData({ message: '正在加载，请稍后再试。' });
    this.subs.request()
      .then((result) => this.report().then(() => result))
      .then((result) => {
        if (!result.asked) return this.show(result.plan, '没有需要订阅的通知。');
        const c = result.outcome.counts;
        const parts = [];
        if (c.accepted) parts.push(result.batch.popup ? '已订阅 ' + c.accepted + ' 个' : '已自动续订 ' + c.accepted + ' 个');
        if (c.rejected) parts.push('未订阅 ' + c.rejected + ' 个');
        if (c.banned) parts.push(c.banned + ' 个暂不可订阅');
        if (c.filtered + c.unknown + c.missing) parts.push((c.filtered + c.unknown + c.missing) + ' 个未能订阅');
        return this.show(result.plan, parts.join('，') + '。');
      })
      .catch((error) => {
        const plan = this.subs.plan();
        if (plan) this.show(plan, wxs.userMessage(error));
        else this.setData({ message: wxs.userMessage(error) });
      });
  }),

  onOpenSettings: wxs.tap(function () {
    if (!this.subs) return this.setData({ message: '正在加载，请稍后再试。' });
    this.subs.openSettings()
      .then((plan) => this.show(plan, '设置已更新。'))
      .catch((error) => this.setData({ message: wxs.userMessage(error) }));
  }),

  // Reports pending accepts to the backend, then counts what it recorded in
  // the page's ledger and confirms that to the library.
  report() {
    const pending = this.subs.pendingAccepts();
    if (Object.keys(pending).length === 0) return Promise.resolve();
    return backend.report(pending).then((answer) => {
      if (!answer || !answer.ok) return;
      const sends = ledger();
      Object.keys(answer.recorded).forEach((id) => { sends[id] = (sends[id] || 0) + answer.recorded[id]; });
      wx.setStorageSync(LEDGER_KEY, sends);
      this.subs.confirmReported(answer.recorded);
    }, () => undefined);
  },

  show(plan, message) {
    const sends = ledger();
    const left = plan.counts.ask + plan.counts.topUp;
    this.setData({
      templates: plan.templates.map((t) => ({
        id: t.id,
        title: t.title,
        label: wxs.STATE_LABELS[t.state] || t.state,
        sends: sends[t.id] || 0,
      })),
      left,
      buttonText: left > 0 ? '订阅（还剩 ' + left + ' 个）' : plan.counts.switchedOff > 0 ? '订阅消息已关闭' : '已全部订阅',
      message,
      advice: plan.advice.map((a) => a.message),
      showSettings: plan.advice.some((a) => a.code === 'open-settings'),
    });
  },
});
