// Types of wx-subscribe's JS API. They mirror the Rust types in src/ as the
// wasm boundary serializes them.

/** One-time (getTemplateList type 2, the default), long-term (type 3) or device. */
export type TemplateKind = 'one-time' | 'long-term' | 'device';

/** A template: a bare id, or a record. getTemplateList records ({ priTmplId, title, type }) work as they are. */
export type TemplateInput =
  | string
  | { id: string; title?: string; kind?: TemplateKind | 2 | 3; want?: number; have?: number }
  | { priTmplId: string; title?: string; type?: 2 | 3; want?: number; have?: number };
// want: the sends the page wants in hand, 1 to 10 (default 1): the template is
// asked tap by tap until `have` and this round's accepts reach it.
// have: the sends in hand, from your server (default 0).

/** `res.subscriptionsSetting` of `wx.getSetting({ withSubscriptions: true })`, as it is. */
export interface SubscriptionsSetting {
  mainSwitch?: boolean;
  itemSettings?: Record<string, string>;
}

export interface PlanOptions {
  /** Most ids per request, 1 to 5 (default 3). Old clients get 1 whatever this says. */
  idsPerRequest?: number;
  /** Base library version (SDKVersion), e.g. '3.5.0'. */
  baseLibrary?: string;
  /** WeChat client version, e.g. '8.0.50'. */
  wechatVersion?: string;
  /** 'ios', 'android', 'devtools', ... */
  platform?: string;
  /** The time of planning (Date.now()): decides whether a remembered ban still holds. */
  now?: number;
}

/**
 * What this round already answered: { [templateId]: status as WeChat gave it }, or every
 * status of the round, oldest first (two that settle nothing leave it 'unsettled').
 */
export type Answered = Record<string, string | string[]>;

/**
 * What earlier visits learned, as the library stores it (see remember()): the last state per
 * template and when it was learned, accepts not yet reported, and the ids per request this
 * client took after a 20003. A ban holds 7 days; states and the limit are kept 30 days.
 */
export interface StoredRecord {
  v: 2;
  states: Record<string, { state: TemplateState; at: number }>;
  pending: Record<string, number>;
  idsPerRequest?: { ids: number; at: number };
}

/** One change to the record: plan states, accepts that add sends, reported accepts, a 20003. */
export interface RecordChange {
  states?: Record<string, TemplateState>;
  accepted?: Record<string, number>;
  reported?: Record<string, number>;
  tooMany?: number;
}

export type TemplateState =
  | 'ask' | 'top-up' | 'kept-rejected' | 'banned' | 'switched-off' | 'accepted' | 'rejected'
  /** Answered twice this round with nothing that settles it (filter, an unknown value, no value). */
  | 'unsettled';

export type KeptChoice =
  | { choice: 'accept' } | { choice: 'reject' } | { choice: 'ban' } | { choice: 'other'; raw: string };

export interface PlannedTemplate {
  id: string;
  title?: string;
  kind: TemplateKind;
  state: TemplateState;
  kept?: KeptChoice;
}

/** One request: the ids one tap asks for. */
export interface Batch {
  kind: TemplateKind;
  ids: string[];
  /** false: every id is kept as accepted, no popup shows, each id gains one send. */
  popup: boolean;
}

export interface Advice {
  code: 'open-settings' | 'banned' | 'unsettled' | 'renew-silently';
  ids: string[];
  /** A sentence for the user, in Chinese. */
  message: string;
}

export interface Plan {
  mainSwitch?: boolean;
  idsPerRequest: number;
  templates: PlannedTemplate[];
  /** One per tap: popup batches first, then silent ones. */
  batches: Batch[];
  counts: {
    ask: number; topUp: number; keptRejected: number; banned: number;
    switchedOff: number; accepted: number; rejected: number; unsettled: number;
  };
  advice: Advice[];
}

export type Status = 'accept' | 'reject' | 'ban' | 'filter' | 'unknown' | 'missing';

export interface Outcome {
  results: { id: string; status: Status; raw?: string }[];
  accepted: string[];
  /** The accepted ids that each add one send to the quota (one-time templates). */
  sends: string[];
  counts: { accepted: number; rejected: number; banned: number; filtered: number; unknown: number; missing: number };
}

export type ErrorKind =
  | 'input' | 'gesture' | 'busy' | 'cancelled' | 'network' | 'background' | 'settings'
  | 'banned' | 'template' | 'batch' | 'device' | 'unsupported' | 'not-ready'
  | 'quota' | 'token' | 'limit' | 'unknown'
  /** The module trapped (a bug, or out of memory): retry; the next call runs on a fresh module. */
  | 'internal'
  /** The wasm file could not be loaded from the code package: a packaging problem, not the user's WeChat. */
  | 'setup';

/**
 * Every code a WxSubscribeError of this package can have: switch on it, and a
 * typo is a type error (tests/js/codes.test.js keeps the list equal to the sources).
 */
export type ErrorCode =
  | 'answered-bad-status' | 'answered-not-an-object' | 'api-missing' | 'app-banned' | 'bad-data'
  | 'bad-openid' | 'bad-template-id' | 'batch-bad-ids' | 'cancelled' | 'content-bad-key'
  | 'content-duplicate-key' | 'content-no-keywords' | 'content-unclosed' | 'daily-limit'
  | 'data-invalid' | 'device-model-mismatch' | 'device-params-missing'
  | 'device-template-on-wrong-api' | 'device-template-unknown' | 'device-ticket-expired'
  | 'device-ticket-invalid' | 'empty-template-ids' | 'input-too-deep' | 'input-too-large'
  | 'input-unreadable' | 'invalid-template-id' | 'main-switch-off' | 'memory-bad-codes' | 'memory-bad-now'
  | 'mixed-template-kinds' | 'network-list-failed' | 'network-subscribe-failed' | 'no-quota'
  | 'no-tap-gesture' | 'not-initialised' | 'options-bad-ids-per-request' | 'options-bad-now'
  | 'options-bad-platform' | 'options-bad-sends' | 'options-bad-version' | 'options-not-an-object' | 'page-not-released' | 'plain-wasm-not-shipped'
  | 'plan-bad-codes' | 'options-not-kept'
  | 'popup-not-shown' | 'request-still-open' | 'result-not-an-object' | 'send-bad-field' | 'send-module-not-shipped'
  | 'send-bad-openid' | 'send-bad-page' | 'send-bad-request' | 'send-missing-field'
  | 'send-options-bad' | 'send-response-bad' | 'send-template-bad' | 'send-template-bad-enum'
  | 'send-template-bad-keyword' | 'send-template-enum-without-values' | 'send-template-no-keywords'
  | 'setting-bad-item-settings' | 'setting-bad-main-switch' | 'setting-not-an-object'
  | 'subscribe-unsupported' | 'template-bad-entry' | 'template-bad-id' | 'template-bad-kind' | 'template-bad-count'
  | 'template-bad-title' | 'template-duplicate-id' | 'templates-not-a-list'
  | 'templates-not-registered' | 'token-expired' | 'token-invalid' | 'too-many-ids'
  | 'too-many-keywords' | 'too-many-templates' | 'unknown' | 'unknown-template'
  | 'wasm-load-failed' | 'wasm-load-timeout' | 'wasm-trapped' | 'wasm-unsupported';

/** Every error of this library: the same fields as the Rust Error. */
export interface WxSubscribeError extends Error {
  name: 'WxSubscribeError';
  code: ErrorCode;
  kind: ErrorKind;
  advice: string;
  /** A sentence for the user, in Chinese, to show as it is. */
  userMessage: string;
  retryable: boolean;
  errCode?: number;
  errMsg?: string;
  /** The field WeChat named as wrong (47003). */
  field?: string;
}
export const WxSubscribeError: {
  new (fields: { code: ErrorCode; kind: ErrorKind; message: string; advice: string; userMessage?: string; retryable?: boolean; errCode?: number; errMsg?: string }): WxSubscribeError;
  /** The user's sentence per kind, in Chinese. */
  USER_MESSAGES: Record<ErrorKind, string>;
  /** The sentence to show the user for anything a call rejected or threw with. */
  userMessageOf(thrown: unknown): string;
  /**
   * A WxSubscribeError for an error value of the module; anything else comes back as it was.
   * A value that throws while it is read (a getter, a revoked Proxy) gives code 'input-unreadable'.
   */
  from<T>(thrown: T): T extends { code: string; kind: string } ? WxSubscribeError : T;
};

/** The Chinese sentence to show the user for any error a call rejected or threw with. */
export function userMessage(thrown: unknown): string;

/** Each plan state in the user's words, in Chinese (e.g. 'ask': '待订阅'). */
export const STATE_LABELS: Record<TemplateState, string>;

/** Where DevTools' "Build npm" puts the wasm: '/miniprogram_npm/wx-subscribe/wx_subscribe_bg.wasm'. */
export const DEFAULT_PATH: string;

/**
 * Loads the module through WXWebAssembly. Call in App.onLaunch. Every call returns the same
 * Promise; the .wasm.br beside `path` is preferred on base library >= 2.14.0.
 * Rejects with kind 'unsupported' where WXWebAssembly is missing (base library < 2.13.0), kind
 * 'setup' (code 'wasm-load-failed') where the wasm file cannot be loaded, and kind 'not-ready'
 * (code 'wasm-load-timeout') after `timeoutMs` (10 s by default; a module that loads later is
 * still used). A call without options uses those of the last call that gave some. Until the
 * module is ready, every export throws the failure, or 'not-ready' while it loads.
 */
export function init(options?: { path?: string; baseLibrary?: string; timeoutMs?: number }): Promise<typeof import('./index')>;
export function isReady(): boolean;

/**
 * The caps on one call's input; past them a call throws kind 'input', code 'input-too-large',
 * before anything is copied into the module.
 */
export const LIMITS: {
  /** UTF-16 code units of the arguments' JSON text (2,097,152). */
  units: number;
  /** Values in the arguments: strings, numbers, arrays, objects... (262,144). */
  values: number;
  /** UTF-16 code units of one string (524,288). */
  stringUnits: number;
  /** Levels of nested arrays and objects, the arguments' own array being the first (24). */
  depth: number;
};

/** A template list measured and written once (see templates()). */
export interface TemplateList {
  readonly text: string;
}

/**
 * Measures and writes a template list once, for plan() and subscriber() to take where they
 * take a list: later plans skip measuring it again. Throws kind 'input' for a list past LIMITS.
 */
export function templates(list: TemplateInput[]): TemplateList;

/** Plans what to ask. Throws WxSubscribeError (kind 'input') on bad input, 'not-ready' before init. */
export function plan(
  templates: TemplateInput[] | TemplateList,
  setting?: SubscriptionsSetting | null,
  options?: PlanOptions | null,
  answered?: Answered | null,
  remembered?: StoredRecord | null,
): Plan;

/** The stored record (anything: what is not a record reads as empty) with the changes applied at `now`, pruned. */
export function remember(stored: unknown, changes: RecordChange | RecordChange[] | null, now: number): StoredRecord;

/** Interprets a success or fail result for the batch asked; a fail result throws its WxSubscribeError. */
export function interpretResult(batch: Batch | string[], result: object): Outcome;

export function version(): string;

// ---- The tap-safe flow ----

/** Wraps a bindtap handler: request() and openSettings() may run only in its synchronous run. */
/**
 * Wraps a bindtap handler: request() and openSettings() may run only in its synchronous run.
 * The handler keeps its `this` (the page or component instance) and its arguments.
 */
export function tap<This, Args extends unknown[], R>(handler: (this: This, ...args: Args) => R): (this: This, ...args: Args) => R;

/** What request() resolves to: narrow on `asked`. */
export type RequestResult =
  | {
    /** A batch was asked for, and WeChat answered. */
    asked: true;
    batch: Batch;
    outcome: Outcome;
    /** The plan after this answer: what is left. */
    plan: Plan;
    /** How many templates are still to ask or top up ("N more to subscribe"). */
    left: number;
  }
  | {
    /** Nothing was left to ask (then see plan.advice). */
    asked: false;
    batch: null;
    outcome: null;
    plan: Plan;
    left: 0;
  };

export interface Subscriber {
  /** Reads wx.getSetting and plans; call in onLoad/onShow. */
  refresh(): Promise<Plan>;
  /** The current plan, or null before the first refresh(). */
  plan(): Plan | null;
  /** Asks for the next batch; call synchronously in a tap() handler. One tap, one batch. */
  request(): Promise<RequestResult>;
  /** Opens the settings page (tap() handler only), then plans again. */
  openSettings(): Promise<Plan>;
  /** Accepts not yet reported to the app's server: { [templateId]: count }. */
  pendingAccepts(): Record<string, number>;
  /** The app reported these accepts; returns what is still pending. */
  confirmReported(reported: Record<string, number>): Record<string, number>;
  /** The last known state per template id, from earlier visits too. */
  lastKnown(): Record<string, TemplateState>;
}

/** The subscribe flow for a page's templates. */
export function subscriber(options: {
  templates: TemplateInput[];
  idsPerRequest?: number;
  device?: { sn: string; snTicket: string; modelId: string };
  /** How long an unanswered request blocks new taps, in ms (default 5000); after that a tap asks again. */
  stuckAfterMs?: number;
  /** The sends in hand per template id, from your server: each template's `have`. */
  sends?: Record<string, number>;
}): Subscriber;

/** The wx storage key the library remembers under ('wx-subscribe:v1'). */
export const STORAGE_KEY: string;

/** The client as the planner reads it, once. */
export function clientInfo(): { baseLibrary?: string; wechatVersion?: string; platform?: string };

// ---- The send side (a second wasm module: load it with initSend()) ----

/** Loads the send module (keyword checks and payloads). Same rules as init(). */
export function initSend(options?: { path?: string; baseLibrary?: string; timeoutMs?: number }): Promise<typeof import('./index')>;
export function isSendReady(): boolean;
/** '/miniprogram_npm/wx-subscribe/wx_subscribe_send_bg.wasm' */
export const DEFAULT_SEND_PATH: string;

export type KeywordType =
  | 'thing' | 'number' | 'letter' | 'symbol' | 'character_string' | 'time' | 'date' | 'amount'
  | 'phone_number' | 'car_number' | 'name' | 'phrase' | 'enum';

/** getTemplateList's record as it is, or an explicit keyword list. */
export type SendTemplateInput =
  | { priTmplId?: string; id?: string; content: string; keywordEnumValueList?: { keywordCode: string; enumValueList: string[] }[] }
  | { id?: string; keywords: ({ key: string; rule?: KeywordType; name?: string; enumValues?: string[] } | { kid: number; rule: KeywordType; name?: string })[] };

export interface SendTemplate {
  id?: string;
  /** `example`: a value the keyword's rule accepts (an enum's first choice), for previews and demo messages. */
  keywords: { key: string; type: KeywordType; label?: string; hint: string; example: string; choices?: string[] }[];
}

export interface SendOptions {
  /** Field names of the send path: 'https' (template_id, default) or 'cloud' (templateId). */
  via?: 'https' | 'cloud';
  /** Trim, shorten a thing to 20 characters, format timestamps. Default false: values never change. */
  normalise?: boolean;
  /** Offset from UTC for timestamps, in minutes (default 480, China). */
  utcOffsetMinutes?: number;
}

/** data as WeChat takes it: { thing4: { value: '...' } } (the shorthand { thing4: '...' } is read too). */
export type MessageData = Record<string, { value: string | number } | string | number>;

export interface Violation {
  key: string;
  rule: KeywordType | 'data';
  code: 'empty' | 'too-long' | 'bad-character' | 'bad-format' | 'not-in-enum' | 'not-a-string' | 'lone-surrogate' | 'missing' | 'unknown-key' | 'not-an-object';
  message: string;
  /** A suggested fix. */
  fix: string;
  /** What is wrong, in Chinese, for the user who typed the value. */
  userMessage: string;
  /** Characters, counted as Unicode scalar values (a Chinese character is one). */
  length?: number;
  limit?: number;
  character?: string;
  /** The value corrected (shortened, or without the refused characters), where that needs no guess. */
  suggestion?: string;
}

export interface DataCheck {
  ok: boolean;
  data: Record<string, { value: string }>;
  violations: Violation[];
  changes: { key: string; from: string; to: string }[];
}

export interface SendRequest {
  touser: string;
  templateId?: string;
  page?: string;
  data: MessageData;
  miniprogramState?: 'developer' | 'trial' | 'formal';
  lang?: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW';
}

export function describeTemplate(template: SendTemplateInput): SendTemplate;
/** Never throws for bad values: each is a violation with a fix. Throws for a bad template or options. */
export function checkData(template: SendTemplateInput, data: MessageData, options?: SendOptions): DataCheck;
/** The body for subscribeMessage.send; throws 'data-invalid' naming every violation. */
export function buildPayload(template: SendTemplateInput, request: SendRequest, options?: SendOptions): {
  payload: Record<string, unknown>;
  changes: { key: string; from: string; to: string }[];
};
/** { msgid? } for errcode 0; throws WxSubscribeError (no-quota, bad-data with field, token-expired, ...) otherwise. */
export function interpretSend(response: object): { msgid?: string };
