// Types of wx-subscribe's Node build (cloud functions, servers): the send side,
// with the same signatures and the same WxSubscribeError as the mini-program package.
export {
  WxSubscribeError, LIMITS, describeTemplate, checkData, buildPayload, interpretSend, version,
} from '../miniprogram_dist/index';
