-- Message push: each event delivery is taken once (WeChat delivers an event
-- again when no answer came within 5 s).
CREATE TABLE push_events (
  event_key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  openid TEXT NOT NULL,
  received_at BIGINT NOT NULL
);

-- Accepts a page reported while message push is on: the client's word,
-- pending until WeChat's popup event for the same user and template.
CREATE TABLE reported (
  openid TEXT NOT NULL,
  template_id TEXT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (openid, template_id)
);

-- Every send: when, to whom, which template, where it came from, what WeChat
-- answered (msgid, errcode) and, from the sent event, whether it was delivered.
CREATE TABLE send_log (
  id TEXT PRIMARY KEY,
  sent_at BIGINT NOT NULL,
  openid TEXT NOT NULL,
  template_id TEXT NOT NULL,
  source TEXT NOT NULL,
  outcome TEXT NOT NULL,
  msgid TEXT,
  errcode BIGINT,
  delivery BIGINT,
  delivery_status TEXT
);
CREATE INDEX send_log_user ON send_log (openid, sent_at);
CREATE INDEX send_log_msgid ON send_log (msgid);

-- Idempotency keys of internal sends: the first request's answer, kept, so
-- the same key again answers exactly that and never sends twice. Status 0
-- while the first request is still running.
CREATE TABLE send_keys (
  idem_key TEXT PRIMARY KEY,
  status BIGINT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
