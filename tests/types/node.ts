// Type test of the Node build's types (js/node/index.d.ts), as a cloud function uses them.
import * as wxs from '../../js/node_dist/index';

export function send(openid: string): string {
  const template = { priTmplId: 'TPL', content: '商品名称:{{thing4.DATA}}' };
  const check = wxs.checkData(template, { thing4: '阿里巴巴' });
  if (!check.ok) return check.violations.map((v) => v.userMessage).join('\n');
  const built = wxs.buildPayload(template, { touser: openid, data: check.data }, { via: 'cloud' });
  try {
    return wxs.interpretSend({ errCode: 0 }).msgid ?? String(built.changes.length);
  } catch (thrown) {
    const error = wxs.WxSubscribeError.from(thrown);
    return error instanceof wxs.WxSubscribeError ? error.userMessage : 'unknown';
  }
}
