-- Reminders: a message the business schedules for later. Each holds one send
-- reserved from the ledger when it was made (given back if it is cancelled or
-- WeChat refuses it), and the checked send body. Times in milliseconds since
-- the epoch.
--
-- status: scheduled, sending (an instance holds it until lease_until_ms; it
-- called WeChat once called_at_ms is set), sent, failed, unknown (the answer
-- was lost: the sent event settles it), cancelled.
CREATE TABLE reminders (
  id TEXT PRIMARY KEY,
  idem_key TEXT NOT NULL UNIQUE,
  openid TEXT NOT NULL,
  template_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  send_at_ms BIGINT NOT NULL,
  deadline_ms BIGINT NOT NULL,
  next_try_ms BIGINT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  owner TEXT NOT NULL,
  lease_until_ms BIGINT NOT NULL,
  called_at_ms BIGINT,
  sent_at_ms BIGINT,
  msgid TEXT,
  errcode BIGINT,
  reason TEXT,
  created_at_ms BIGINT NOT NULL
);
-- The worker's claim reads this index only: scheduled reminders by due time.
CREATE INDEX reminders_due ON reminders (next_try_ms) WHERE status = 'scheduled';
CREATE INDEX reminders_leased ON reminders (lease_until_ms) WHERE status = 'sending';
CREATE INDEX reminders_user ON reminders (openid, send_at_ms);
