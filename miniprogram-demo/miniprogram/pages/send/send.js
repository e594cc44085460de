// Send page: pick a template, fill its keywords, see each value checked live
// against WeChat's rules (the send module of wx-subscribe), and send a message
// to yourself through the demo send of the cloud function or the self-hosted
// server, which sends content written there (data/backend.js).
const wxs = require('wx-subscribe');
const backend = require('../../data/backend.js');

function sendTemplate(template) {
  return { priTmplId: template.id, content: template.content };
}

Page({
  data: {
    titles: [],
    index: 0,
    keywords: [],
    canSend: false,
    backend: '',
    sending: false,
    message: '',
  },

  onLoad() {
    this.setData({ backend: getApp().globalData.backend });
    Promise.all([backend.list(), wxs.initSend()])
      .then(([templates]) => {
        this.templates = templates;
        this.setData({ titles: templates.map((t) => t.title) });
        this.pick(0);
      })
      .catch((error) => this.setData({ message: wxs.userMessage(error) }));
  },

  onPick(event) {
    this.pick(Number(event.detail.value));
  },

  pick(index) {
    const { keywords } = wxs.describeTemplate(sendTemplate(this.templates[index]));
    this.values = {};
    this.touched = {};
    this.setData({
      index,
      message: '',
      keywords: keywords.map((k) => ({ key: k.key, label: k.label || k.key, hint: k.hint, value: '', problem: '', fix: '' })),
    });
    this.check();
  },

  onInput(event) {
    const key = event.currentTarget.dataset.key;
    this.values[key] = event.detail.value;
    this.touched[key] = true;
    this.check();
  },

  // Checks every value; shows the reason and a fix under the fields the user has touched.
  check() {
    const result = wxs.checkData(sendTemplate(this.templates[this.data.index]), this.values);
    const problems = {};
    result.violations.forEach((v) => { problems[v.key] = v; });
    const patch = { canSend: result.ok };
    this.data.keywords.forEach((k, i) => {
      const v = this.touched[k.key] ? problems[k.key] : null;
      patch['keywords[' + i + '].value'] = this.values[k.key] || '';
      patch['keywords[' + i + '].problem'] = v ? v.userMessage : '';
      patch['keywords[' + i + '].fix'] = v && v.suggestion ? '改为「' + v.suggestion + '」' : '';
    });
    this.setData(patch);
  },

  // "Remind me in a minute" (server mode): the server schedules its demo message.
  onRemind() {
    if (this.sending) return;
    this.sending = true;
    this.setData({ sending: true, message: '' });
    backend.remind(this.templates[this.data.index].id)
      .then((result) => {
        this.setData({ message: result.status === 'scheduled' ? '已安排：1 分钟后请在微信「服务通知」里查看。' : wxs.userMessage(result.error) });
      }, () => this.setData({ message: '服务暂时不可用，请稍后再试。' }))
      .then(() => {
        this.sending = false;
        this.setData({ sending: false });
      });
  },

  onSend() {
    if (!this.data.canSend || this.sending) return;
    // One send at a time: a double tap sends once.
    this.sending = true;
    this.setData({ sending: true, message: '' });
    const template = this.templates[this.data.index];
    backend.send(template.id)
      .then((result) => {
        this.setData({ message: result.ok ? '已发送：请在微信「服务通知」里查看。' : wxs.userMessage(result.error) });
      }, () => this.setData({ message: '服务暂时不可用，请稍后再试。' }))
      .then(() => {
        this.sending = false;
        this.setData({ sending: false });
      });
  },
});
