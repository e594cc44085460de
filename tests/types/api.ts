// Type test of js/lib/index.d.ts: the calls the README shows must type-check
// (npx tsc -p tests/types). Compiled, never run.
import * as wxs from '../../js/lib/index';

export async function page(): Promise<number> {
  await wxs.init();
  const subs = wxs.subscriber({ templates: [{ id: 'A', title: '订单发货提醒' }, 'B', { priTmplId: 'C', type: 3 }] });
  const plan = await subs.refresh();
  const left: number = plan.counts.ask + plan.counts.topUp;
  const list = wxs.templates(['A', 'B']);
  const again: number = wxs.plan(list, null, { idsPerRequest: 3 }).batches.length + wxs.LIMITS.values;
  void again;
  const internal: wxs.ErrorKind = 'internal';
  void internal;
  // @ts-expect-error: kinds are checked
  wxs.subscriber({ templates: [{ id: "X", kind: "weekly" }] });
  const handler = wxs.tap(function (event: object) {
    void event;
    subs.request().then((result) => {
      // @ts-expect-error: batch is null when nothing was asked, until `asked` is checked
      void result.batch.ids;
      // The result narrows on `asked`: an answered request has its batch and outcome.
      if (result.asked) subs.confirmReported({ [result.batch.ids[0]]: result.outcome.sends.length });
      else { const none: null = result.outcome; void none; }
      return result.plan.batches.map((b) => b.ids.length);
    }).catch((error: wxs.WxSubscribeError) => {
      // Codes are a literal union: a typo does not compile.
      // @ts-expect-error: 'main-switch-of' is no code
      if (error.code === 'main-switch-of') return false;
      return error.code === 'main-switch-off' || (error.kind === 'gesture' && error.userMessage.length > 0);
    });
  });
  handler({});
  // tap() keeps the handler's `this` and arguments.
  const page = { count: 1, onTap: wxs.tap(function (this: { count: number }, n: number) { return this.count + n; }) };
  const total: number = page.onTap(2);
  const fromModule: wxs.WxSubscribeError = wxs.WxSubscribeError.from({ code: 'x', kind: 'input' as const, message: 'm', advice: 'a' });
  const passed: string = wxs.WxSubscribeError.from('not an error');
  void total; void fromModule; void passed;
  return left;
}

export async function send(): Promise<string | undefined> {
  await wxs.initSend();
  const template = { priTmplId: 'TPL', content: '商品名称:{{thing4.DATA}}' };
  const check = wxs.checkData(template, { thing4: { value: '阿里巴巴' } }, { normalise: true });
  const first = check.violations[0];
  if (first && first.suggestion) return first.suggestion;
  const built = wxs.buildPayload(template, { touser: 'o1', data: { thing4: '阿里巴巴' } }, { via: 'cloud' });
  return wxs.interpretSend({ errcode: 0 }).msgid ?? String(built.changes.length);
}
