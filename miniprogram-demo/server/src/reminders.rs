//! Reminders in the ledger: messages the business schedules for later.
//!
//! A reminder is made with one send reserved from the user's sends in hand,
//! in the same transaction, so that a reminder never waits for a send that is
//! not there. An instance claims a due reminder by moving it to `sending`
//! with its name and a lease (on PostgreSQL, skipping rows another instance
//! has locked); it marks the reminder called just before it calls WeChat. A
//! lease that ends on a reminder never called makes it `scheduled` again, for
//! any instance; one that ends on a called reminder makes it `unknown`, never
//! sent again blindly: WeChat's sent event settles it. Every end (sent,
//! failed, unknown, rescheduled) is one transaction that holds only while the
//! instance still owns the reminder.

use crate::db::Ledger;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The columns a [`Reminder`] reads, joined with its send-log row.
const COLUMNS: &str = "r.id, r.openid, r.template_id, r.status, r.send_at_ms, r.deadline_ms, r.attempts, r.msgid, r.errcode, r.reason, \
                       r.sent_at_ms, r.created_at_ms, l.delivery, l.delivery_status \
                       FROM reminders r LEFT JOIN send_log l ON l.id = r.id";

/// A reminder, as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Its id.
    pub id: String,
    /// Who receives it.
    pub openid: String,
    /// Its template.
    pub template_id: String,
    /// `scheduled`, `sending`, `sent`, `failed`, `unknown` or `cancelled`.
    pub status: String,
    /// When it is due (ms since the epoch).
    pub send_at_ms: i64,
    /// The last moment a busy WeChat may delay it to (ms since the epoch).
    pub deadline_ms: i64,
    /// Calls to WeChat so far.
    pub attempts: i64,
    /// The msgid WeChat answered.
    pub msgid: Option<String>,
    /// The errcode that failed it, or the last busy one.
    pub errcode: Option<i64>,
    /// Why it failed, in words.
    pub reason: Option<String>,
    /// When WeChat took it (ms since the epoch).
    pub sent_at_ms: Option<i64>,
    /// When it was made (ms since the epoch).
    pub created_at_ms: i64,
    /// From the sent event: 0 delivered, anything else not.
    pub delivery: Option<i64>,
    /// The delivery in words.
    pub delivery_status: Option<String>,
}

impl Reminder {
    fn read(row: &AnyRow) -> Result<Reminder, sqlx::Error> {
        Ok(Reminder {
            id: row.try_get(0)?,
            openid: row.try_get(1)?,
            template_id: row.try_get(2)?,
            status: row.try_get(3)?,
            send_at_ms: row.try_get(4)?,
            deadline_ms: row.try_get(5)?,
            attempts: row.try_get(6)?,
            msgid: row.try_get(7)?,
            errcode: row.try_get(8)?,
            reason: row.try_get(9)?,
            sent_at_ms: row.try_get(10)?,
            created_at_ms: row.try_get(11)?,
            delivery: row.try_get(12)?,
            delivery_status: row.try_get(13)?,
        })
    }
}

/// A reminder to make.
pub struct NewReminder<'a> {
    /// Its id.
    pub id: &'a str,
    /// The idempotency key: the same key gives the same reminder.
    pub key: &'a str,
    /// Who receives it.
    pub openid: &'a str,
    /// Its template.
    pub template_id: &'a str,
    /// The checked send body (JSON).
    pub payload: &'a str,
    /// When it is due (ms since the epoch).
    pub send_at_ms: i64,
    /// The last moment a busy WeChat may delay it to.
    pub deadline_ms: i64,
    /// Now (ms since the epoch).
    pub now_ms: i64,
}

/// What making a reminder did.
#[derive(Debug)]
pub enum Made {
    /// It was made, and one send reserved.
    New,
    /// The key made this reminder before: nothing more reserved.
    Before(Box<Reminder>),
    /// No send in hand to reserve: this many (0), and nothing stored.
    NoAccept(i64),
}

/// A due reminder an instance claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Its id.
    pub id: String,
    /// Who receives it.
    pub openid: String,
    /// Its template.
    pub template_id: String,
    /// The checked send body (JSON).
    pub payload: String,
    /// When it was due (ms since the epoch).
    pub send_at_ms: i64,
    /// The last moment a busy WeChat may delay it to.
    pub deadline_ms: i64,
    /// Calls to WeChat so far, this one included.
    pub attempts: i64,
}

/// How a claimed reminder's call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// WeChat took it.
    Sent { msgid: Option<String> },
    /// WeChat refused it: the reserved send comes back, unless the user has
    /// none left (43101), which zeroes the template.
    Failed { errcode: Option<i64>, reason: String, none_left: bool },
    /// The answer was lost: it may have been sent. The sent event settles it.
    Unknown,
    /// WeChat was busy or out of reach: try again at `next_try_ms`.
    Later { next_try_ms: i64, errcode: Option<i64>, reason: String },
}

impl Ledger {
    /// Makes a reminder and reserves one send for it, in one transaction.
    pub async fn make_reminder(&self, new: &NewReminder<'_>) -> Result<Made, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO reminders (id, idem_key, openid, template_id, payload, send_at_ms, deadline_ms, next_try_ms, status, attempts, owner, \
             lease_until_ms, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $6, 'scheduled', 0, '', 0, $8) ON CONFLICT (idem_key) DO NOTHING",
        )
        .bind(new.id)
        .bind(new.key)
        .bind(new.openid)
        .bind(new.template_id)
        .bind(new.payload)
        .bind(new.send_at_ms)
        .bind(new.deadline_ms)
        .bind(new.now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            let row = sqlx::query(&format!("SELECT {COLUMNS} WHERE r.idem_key = $1")).bind(new.key).fetch_one(&self.pool).await?;
            return Ok(Made::Before(Box::new(Reminder::read(&row)?)));
        }
        let reserved = sqlx::query("UPDATE sends SET count = count - 1 WHERE openid = $1 AND template_id = $2 AND count > 0")
            .bind(new.openid)
            .bind(new.template_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if reserved == 0 {
            tx.rollback().await?;
            return Ok(Made::NoAccept(self.count(new.openid, new.template_id).await?));
        }
        tx.commit().await?;
        Ok(Made::New)
    }

    /// One reminder.
    pub async fn reminder(&self, id: &str) -> Result<Option<Reminder>, sqlx::Error> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} WHERE r.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Reminder::read).transpose()
    }

    /// One user's reminders, by due time, at most `limit`.
    pub async fn reminders_of(&self, openid: &str, limit: i64) -> Result<Vec<Reminder>, sqlx::Error> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} WHERE r.openid = $1 ORDER BY r.send_at_ms, r.id LIMIT $2"))
            .bind(openid)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Reminder::read).collect()
    }

    /// Cancels a scheduled reminder and gives its reserved send back, in one
    /// transaction: `true` if it was scheduled.
    pub async fn cancel_reminder(&self, id: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("UPDATE reminders SET status = 'cancelled' WHERE id = $1 AND status = 'scheduled' RETURNING openid, template_id")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        give_back(&mut tx, &row.try_get::<String, _>(0)?, &row.try_get::<String, _>(1)?).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Claims at most `limit` reminders due by `now_ms` for `owner`, until `lease_until_ms`.
    ///
    /// The due ids are chosen once, in a materialized CTE. As a plain `IN`
    /// subquery, PostgreSQL may run the chooser again for every row it
    /// updates when its statistics are stale (a burst made after the last
    /// ANALYZE): each run then skips the rows just taken and picks the next
    /// ones, so one claim took every due reminder, for longer than its lease.
    pub async fn claim_due(&self, owner: &str, now_ms: i64, lease_until_ms: i64, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
        let skip = if self.postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "WITH due AS MATERIALIZED (SELECT id FROM reminders WHERE status = 'scheduled' AND next_try_ms <= $1 ORDER BY next_try_ms LIMIT $2{skip}) \
             UPDATE reminders SET status = 'sending', owner = $3, lease_until_ms = $4, attempts = attempts + 1 \
             WHERE status = 'scheduled' AND id IN (SELECT id FROM due) \
             RETURNING id, openid, template_id, payload, send_at_ms, deadline_ms, attempts"
        );
        let rows = sqlx::query(&sql).bind(now_ms).bind(limit).bind(owner).bind(lease_until_ms).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Claimed {
                    id: r.try_get(0)?,
                    openid: r.try_get(1)?,
                    template_id: r.try_get(2)?,
                    payload: r.try_get(3)?,
                    send_at_ms: r.try_get(4)?,
                    deadline_ms: r.try_get(5)?,
                    attempts: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// Marks a claimed reminder called, just before the call: `false` if
    /// `owner` no longer holds it (its lease ended), and it must not be sent.
    pub async fn mark_called(&self, id: &str, owner: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
        let marked = sqlx::query("UPDATE reminders SET called_at_ms = $1 WHERE id = $2 AND owner = $3 AND status = 'sending' AND lease_until_ms > $1")
            .bind(now_ms)
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(marked == 1)
    }

    /// Ends `owner`'s call of a reminder, in one transaction: the reminder, the
    /// ledger and the send log. `false` if `owner` no longer held it.
    pub async fn end_reminder(&self, id: &str, owner: &str, ending: &Ending, now_ms: i64) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let (status, msgid, errcode, reason, next_try) = match ending {
            Ending::Sent { msgid } => ("sent", msgid.clone(), Some(0), None, 0),
            Ending::Failed { errcode, reason, .. } => ("failed", None, *errcode, Some(reason.clone()), 0),
            Ending::Unknown => ("unknown", None, None, None, 0),
            Ending::Later { next_try_ms, errcode, reason } => ("scheduled", None, *errcode, Some(reason.clone()), *next_try_ms),
        };
        let row = sqlx::query(
            "UPDATE reminders SET status = $1, msgid = $2, errcode = $3, reason = $4, next_try_ms = $5, owner = '', lease_until_ms = 0, \
             called_at_ms = CASE WHEN $1 = 'scheduled' THEN NULL ELSE called_at_ms END, \
             sent_at_ms = CASE WHEN $1 = 'sent' THEN $6 ELSE sent_at_ms END \
             WHERE id = $7 AND owner = $8 AND status = 'sending' RETURNING openid, template_id",
        )
        .bind(status)
        .bind(msgid.as_deref())
        .bind(errcode)
        .bind(reason.as_deref())
        .bind(next_try)
        .bind(now_ms)
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let (openid, template_id): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        if let Ending::Failed { none_left, .. } = ending {
            if *none_left {
                sqlx::query("UPDATE sends SET count = 0 WHERE openid = $1 AND template_id = $2").bind(&openid).bind(&template_id).execute(&mut *tx).await?;
            } else {
                give_back(&mut tx, &openid, &template_id).await?;
            }
        }
        if status != "scheduled" {
            log_row(&mut tx, id, now_ms, &openid, &template_id, status, msgid.as_deref(), errcode).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Ends the leases that ran out by `now_ms`: a reminder never called is
    /// scheduled again at once, a called one is `unknown`. How many of each.
    pub async fn recover_reminders(&self, now_ms: i64) -> Result<(u64, u64), sqlx::Error> {
        let again = sqlx::query(
            "UPDATE reminders SET status = 'scheduled', owner = '', lease_until_ms = 0, next_try_ms = $1 \
             WHERE status = 'sending' AND lease_until_ms < $1 AND called_at_ms IS NULL",
        )
        .bind(now_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        // One transaction: the rows taken stay locked until their log rows are
        // written, so a late end of the same call finds them taken.
        let mut tx = self.pool.begin().await?;
        let taken = sqlx::query(
            "UPDATE reminders SET status = 'unknown', owner = '', lease_until_ms = 0 \
             WHERE status = 'sending' AND lease_until_ms < $1 AND called_at_ms IS NOT NULL RETURNING id, openid, template_id",
        )
        .bind(now_ms)
        .fetch_all(&mut *tx)
        .await?;
        for r in &taken {
            log_row(&mut tx, &r.try_get::<String, _>(0)?, now_ms, &r.try_get::<String, _>(1)?, &r.try_get::<String, _>(2)?, "unknown", None, None).await?;
        }
        tx.commit().await?;
        Ok((again, taken.len() as u64))
    }
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

async fn give_back(tx: &mut Tx<'_>, openid: &str, template_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sends SET count = count + 1 WHERE openid = $1 AND template_id = $2").bind(openid).bind(template_id).execute(&mut **tx).await?;
    Ok(())
}

/// The send-log row of a reminder's end: its id is the reminder's, so the
/// sent event that settles an `unknown` row settles the reminder too.
#[allow(clippy::too_many_arguments)]
async fn log_row(tx: &mut Tx<'_>, id: &str, now_ms: i64, openid: &str, template_id: &str, outcome: &str, msgid: Option<&str>, errcode: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO send_log (id, sent_at, openid, template_id, source, outcome, msgid, errcode) VALUES ($1, $2, $3, $4, 'reminder', $5, $6, $7)")
        .bind(id)
        .bind(now_ms / 1000)
        .bind(openid)
        .bind(template_id)
        .bind(outcome)
        .bind(msgid)
        .bind(errcode)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
