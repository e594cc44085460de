//! The ledger: sessions, and the sends each user has in hand per template.
//! The same queries run on SQLite (the default, one file) and PostgreSQL (for
//! more than one instance), through sqlx's `Any` driver.
//!
//! The schema comes from the numbered migrations in `migrations/`
//! (`sqlx::migrate!`), run at start; a database made by the first release
//! (tables made at start, no migrations) takes them too.
//!
//! A send is taken from the ledger before WeChat is called, in one
//! transaction that also writes a `spending` row carrying the instance that
//! took it and a lease; the row is deleted when WeChat answers. The send is
//! given back only when WeChat says it was not sent; on 43101 (the user has
//! no send left) the template's count is set to 0. At start, an instance gives
//! back the `spending` rows whose lease has ended (a stopped instance's), never
//! a live one's: no recorded accept is lost (if WeChat had taken that send, it
//! refuses the extra one with 43101).
//!
//! Sessions are kept by the SHA-256 of their token; expired ones are purged.

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sha2::{Digest, Sha256};
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use crate::push::{Event, Item, Kind};
use std::future::Future;
use std::pin::Pin;
use sqlx::{AnyPool, Row};

/// The most sends one template can hold for one user.
pub const MAX_SENDS: i64 = 10_000;

/// A per-user, per-template count: the sends in hand, or the reports pending.
#[derive(Clone, Copy)]
enum Counted {
    Sends,
    Reported,
}

/// Adds `n` to one user's count of one template, creating the row, and never
/// past [`MAX_SENDS`].
fn capped_add<'q>(counted: Counted, openid: &'q str, template_id: &'q str, n: i64) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let sql: &'static str = match counted {
        Counted::Sends => "INSERT INTO sends (openid, template_id, count) VALUES ($1, $2, $3) ON CONFLICT (openid, template_id) DO UPDATE SET count = \
                    CASE WHEN sends.count + excluded.count > $4 THEN $4 ELSE sends.count + excluded.count END",
        Counted::Reported => "INSERT INTO reported (openid, template_id, count) VALUES ($1, $2, $3) ON CONFLICT (openid, template_id) DO UPDATE SET count = \
              CASE WHEN reported.count + excluded.count > $4 THEN $4 ELSE reported.count + excluded.count END",
    };
    sqlx::query(sql).bind(openid).bind(template_id).bind(n.min(MAX_SENDS)).bind(MAX_SENDS)
}

/// The ledger's database.
#[derive(Clone)]
pub struct Ledger {
    pub(crate) pool: AnyPool,
    /// PostgreSQL (several instances): claims may skip rows another instance has locked.
    pub(crate) postgres: bool,
}

/// The schema's migrations, the files of `migrations/` in order, embedded in
/// the binary: (version, description, SQL). A test keeps this list equal to
/// the folder.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "ledger", include_str!("../migrations/0001_ledger.sql")),
    (2, "hashed sessions leases token", include_str!("../migrations/0002_hashed_sessions_leases_token.sql")),
    (3, "push events reports send log", include_str!("../migrations/0003_push_events_reports_send_log.sql")),
    (4, "reminders", include_str!("../migrations/0004_reminders.sql")),
];

/// [`MIGRATIONS`] as sqlx's migration source.
#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, sql)| Migration::new(version, description.into(), MigrationType::Simple, sql.into(), false))
                .collect())
        })
    }
}

/// The SHA-256 of a session token, as it is stored.
fn session_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Ledger {
    /// Opens the database and brings its schema up to date; with `recover_now`
    /// (the instance's clock), gives back the sends whose lease has ended.
    pub async fn open(url: &str, recover_now: Option<i64>) -> Result<Ledger, sqlx::Error> {
        install_default_drivers();
        let sqlite = url.starts_with("sqlite");
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 1 } else { 8 })
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if sqlite {
                        // In WAL mode, NORMAL syncs at checkpoints, not at each commit: a
                        // crash of the process loses nothing, a power cut may lose the
                        // last commits (SQLite's own advice for WAL).
                        sqlx::Executor::execute(&mut *connection, "PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if sqlite {
            // Readers go on while one instance writes (it persists in the file).
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        Migrator::new(Embedded).await?.run(&pool).await?;
        let ledger = Ledger { pool, postgres: url.starts_with("postgres") };
        if let Some(now) = recover_now {
            ledger.recover(now).await?;
        }
        Ok(ledger)
    }

    /// Gives back the sends in flight whose lease ended before `now`: how many.
    pub async fn recover(&self, now: i64) -> Result<usize, sqlx::Error> {
        let rows = sqlx::query("SELECT id FROM spending WHERE lease_until < $1").bind(now).fetch_all(&self.pool).await?;
        for row in &rows {
            self.settle(&row.try_get::<String, _>(0)?, Settle::GiveBack, None).await?;
        }
        Ok(rows.len())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.map(|_| ())
    }

    /// Records a session (its token's hash only), and purges the sessions expired by `now`.
    pub async fn add_session(&self, token: &str, openid: &str, now: i64, expires_at: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO sessions (token_hash, openid, expires_at) VALUES ($1, $2, $3)")
            .bind(session_hash(token))
            .bind(openid)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The openid of a session still valid at `now`.
    pub async fn session(&self, token: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT openid FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(session_hash(token))
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get(0)).transpose()
    }

    /// The shared access token: `(value, expires_at)`, empty before the first fetch.
    pub async fn token(&self) -> Result<(String, i64), sqlx::Error> {
        let row = sqlx::query("SELECT value, expires_at FROM access_token WHERE id = 'stable'").fetch_one(&self.pool).await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Takes the lease to fetch the token, until `until`, unless another
    /// instance holds one at `now`: whether `owner` holds it now.
    pub async fn lease_token(&self, owner: &str, now: i64, until: i64) -> Result<bool, sqlx::Error> {
        let taken = sqlx::query("UPDATE access_token SET lease_owner = $1, lease_until = $2 WHERE id = 'stable' AND (lease_until < $3 OR lease_owner = $1)")
            .bind(owner)
            .bind(until)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Stores a token fetched under `owner`'s lease, and ends the lease.
    pub async fn store_token(&self, owner: &str, value: &str, expires_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE access_token SET value = $1, expires_at = $2, lease_until = 0 WHERE id = 'stable' AND lease_owner = $3")
            .bind(value)
            .bind(expires_at)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends `owner`'s lease without a token (the fetch failed).
    pub async fn release_token(&self, owner: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE access_token SET lease_until = 0 WHERE id = 'stable' AND lease_owner = $1").bind(owner).execute(&self.pool).await?;
        Ok(())
    }

    /// Adds `n` sends, up to [`MAX_SENDS`]; gives the new count.
    pub async fn add(&self, openid: &str, template_id: &str, n: i64) -> Result<i64, sqlx::Error> {
        capped_add(Counted::Sends, openid, template_id, n).execute(&self.pool).await?;
        self.count(openid, template_id).await
    }

    /// The sends one user has for one template.
    pub async fn count(&self, openid: &str, template_id: &str) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT count FROM sends WHERE openid = $1 AND template_id = $2")
            .bind(openid)
            .bind(template_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
    }

    /// Every template's sends for one user.
    pub async fn all(&self, openid: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
        self.per_template("SELECT template_id, count FROM sends WHERE openid = $1 AND count > 0 ORDER BY template_id", openid).await
    }

    /// `(template, count)` rows of `query` for one user.
    async fn per_template(&self, query: &'static str, openid: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
        let rows = sqlx::query(query).bind(openid).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Takes one send, atomically, for `instance` until `lease_until`:
    /// `Some(spending id)` if there was one.
    pub async fn take(&self, openid: &str, template_id: &str, spending: &Spending<'_>) -> Result<Option<String>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let taken = sqlx::query("UPDATE sends SET count = count - 1 WHERE openid = $1 AND template_id = $2 AND count > 0")
            .bind(openid)
            .bind(template_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if taken != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        sqlx::query("INSERT INTO spending (id, openid, template_id, instance, lease_until) VALUES ($1, $2, $3, $4, $5)")
            .bind(spending.id)
            .bind(openid)
            .bind(template_id)
            .bind(spending.instance)
            .bind(spending.lease_until)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(spending.id.to_owned()))
    }

    /// Ends a send taken with [`Ledger::take`], and writes it into the send
    /// log, in one transaction.
    pub async fn settle(&self, spending: &str, how: Settle, log: Option<&LogEntry>) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // A write first: on SQLite a transaction that read first could not take the write lock later.
        let row = sqlx::query("DELETE FROM spending WHERE id = $1 RETURNING openid, template_id").bind(spending).fetch_optional(&mut *tx).await?;
        let Some(row) = row else { return tx.rollback().await };
        let (openid, template_id): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let update = match how {
            Settle::Sent => None,
            Settle::GiveBack => Some("UPDATE sends SET count = count + 1 WHERE openid = $1 AND template_id = $2"),
            Settle::NoneLeft => Some("UPDATE sends SET count = 0 WHERE openid = $1 AND template_id = $2"),
        };
        if let Some(update) = update {
            sqlx::query(update).bind(&openid).bind(&template_id).execute(&mut *tx).await?;
        }
        if let Some(log) = log {
            sqlx::query("INSERT INTO send_log (id, sent_at, openid, template_id, source, outcome, msgid, errcode) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(spending)
                .bind(log.at)
                .bind(&openid)
                .bind(&template_id)
                .bind(log.source)
                .bind(log.outcome)
                .bind(log.msgid.as_deref())
                .bind(log.errcode)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// Records accepts a page reported while message push is on: pending, not sends.
    pub async fn report_pending(&self, openid: &str, template_id: &str) -> Result<i64, sqlx::Error> {
        capped_add(Counted::Reported, openid, template_id, 1).execute(&self.pool).await?;
        let row = sqlx::query("SELECT count FROM reported WHERE openid = $1 AND template_id = $2").bind(openid).bind(template_id).fetch_one(&self.pool).await?;
        row.try_get(0)
    }

    /// Every template's pending reports for one user.
    pub async fn pending(&self, openid: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
        self.per_template("SELECT template_id, count FROM reported WHERE openid = $1 AND count > 0 ORDER BY template_id", openid).await
    }

    /// Takes a push event once, in one transaction: a popup accept adds one
    /// send (and settles one pending report), a change-event reject zeroes the
    /// sends in hand, a sent event records its delivery on the send of its
    /// msgid (or settles the oldest `unknown` send of that user and template).
    /// `Ok(false)`: this delivery of the event was taken before.
    pub async fn apply_push(&self, event: &Event, now: i64) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let fresh = sqlx::query("INSERT INTO push_events (event_key, kind, openid, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (event_key) DO NOTHING")
            .bind(event.key())
            .bind(event.kind.name())
            .bind(&event.openid)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if fresh == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        for item in &event.items {
            if event.kind == Kind::Popup && item.status.starts_with("accept") {
                capped_add(Counted::Sends, &event.openid, &item.template_id, 1).execute(&mut *tx).await?;
            }
            let statements: &[&str] = match (event.kind, item.status.as_str()) {
                (Kind::Popup, status) if status.starts_with("accept") => &["UPDATE reported SET count = count - 1 WHERE openid = $1 AND template_id = $2 AND count > 0"],
                (Kind::Change, "reject") => &[
                    "UPDATE sends SET count = 0 WHERE openid = $1 AND template_id = $2",
                    "UPDATE reported SET count = 0 WHERE openid = $1 AND template_id = $2",
                ],
                _ => &[],
            };
            for statement in statements {
                sqlx::query(statement).bind(&event.openid).bind(&item.template_id).execute(&mut *tx).await?;
            }
            if event.kind == Kind::Sent {
                self.record_delivery(&mut tx, &event.openid, item).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn record_delivery(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, openid: &str, item: &Item) -> Result<(), sqlx::Error> {
        let by_msgid = sqlx::query("UPDATE send_log SET delivery = $1, delivery_status = $2 WHERE msgid = $3 AND openid = $4")
            .bind(item.error_code)
            .bind(&item.error_status)
            .bind(&item.msgid)
            .bind(openid)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if by_msgid == 0 {
            // A send whose answer was lost: this event says what became of it.
            let unknown = sqlx::query("SELECT id FROM send_log WHERE openid = $1 AND template_id = $2 AND outcome = 'unknown' ORDER BY sent_at, id LIMIT 1")
                .bind(openid)
                .bind(&item.template_id)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(row) = unknown {
                let id: String = row.try_get(0)?;
                sqlx::query("UPDATE send_log SET outcome = 'sent', msgid = $1, delivery = $2, delivery_status = $3 WHERE id = $4")
                    .bind(&item.msgid)
                    .bind(item.error_code)
                    .bind(&item.error_status)
                    .bind(&id)
                    .execute(&mut **tx)
                    .await?;
                // A reminder's log row has the reminder's id: the reminder is settled with it.
                sqlx::query("UPDATE reminders SET status = 'sent', msgid = $1 WHERE id = $2 AND status = 'unknown'")
                    .bind(&item.msgid)
                    .bind(&id)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }

    /// Claims the idempotency key `key`: `None` when this call is the first,
    /// else what the first call kept (`status` 0 while it has no answer yet).
    pub async fn claim_key(&self, key: &str, now: i64) -> Result<Option<KeptAnswer>, sqlx::Error> {
        let claimed = sqlx::query("INSERT INTO send_keys (idem_key, status, body, created_at) VALUES ($1, 0, '', $2) ON CONFLICT (idem_key) DO NOTHING")
            .bind(key)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if claimed == 1 {
            return Ok(None);
        }
        let row = sqlx::query("SELECT status, body, created_at FROM send_keys WHERE idem_key = $1").bind(key).fetch_one(&self.pool).await?;
        Ok(Some(KeptAnswer { status: row.try_get(0)?, body: row.try_get(1)?, claimed_at: row.try_get(2)? }))
    }

    /// Keeps the answer for `key`, unless one was kept already (the first wins).
    pub async fn finish_key(&self, key: &str, status: i64, body: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE send_keys SET status = $1, body = $2 WHERE idem_key = $3 AND status = 0").bind(status).bind(body).bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// The send log of one user since `since` (seconds since the epoch), oldest first, at most `limit`.
    pub async fn send_log(&self, openid: &str, since: i64, limit: i64) -> Result<Vec<LogRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT sent_at, template_id, source, outcome, msgid, errcode, delivery, delivery_status FROM send_log \
             WHERE openid = $1 AND sent_at >= $2 ORDER BY sent_at, id LIMIT $3",
        )
        .bind(openid)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LogRow {
                    at: r.try_get(0)?,
                    template_id: r.try_get(1)?,
                    source: r.try_get(2)?,
                    outcome: r.try_get(3)?,
                    msgid: r.try_get(4)?,
                    errcode: r.try_get(5)?,
                    delivery: r.try_get(6)?,
                    delivery_status: r.try_get(7)?,
                })
            })
            .collect()
    }
}

/// What the send log keeps of a send, as it is settled.
pub struct LogEntry {
    /// When (seconds since the epoch).
    pub at: i64,
    /// Where the send came from: `page`, `internal`, `demo`, `reminder`.
    pub source: &'static str,
    /// `sent`, `failed` or `unknown`.
    pub outcome: &'static str,
    /// The msgid WeChat answered.
    pub msgid: Option<String>,
    /// The errcode WeChat answered (none when no answer came).
    pub errcode: Option<i64>,
}

/// What the first request with an idempotency key kept.
#[derive(Debug, Clone)]
pub struct KeptAnswer {
    /// The HTTP status answered; 0 while the first request runs.
    pub status: i64,
    /// The JSON body answered.
    pub body: String,
    /// When the key was claimed (seconds since the epoch).
    pub claimed_at: i64,
}

/// One send of the send log.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRow {
    /// When (seconds since the epoch).
    pub at: i64,
    /// The template.
    pub template_id: String,
    /// Where the send came from.
    pub source: String,
    /// `sent`, `failed` or `unknown` (until its sent event settles it).
    pub outcome: String,
    /// The msgid WeChat answered.
    pub msgid: Option<String>,
    /// The errcode WeChat answered.
    pub errcode: Option<i64>,
    /// From the sent event: 0 delivered, anything else not.
    pub delivery: Option<i64>,
    /// The delivery in words.
    pub delivery_status: Option<String>,
}

/// A send being taken: its id, the instance taking it, and when its lease ends.
pub struct Spending<'a> {
    /// The row's id.
    pub id: &'a str,
    /// The instance that sends it.
    pub instance: &'a str,
    /// Until when (seconds since the epoch) no other instance gives it back.
    pub lease_until: i64,
}

/// How a send taken from the ledger ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// WeChat sent it.
    Sent,
    /// WeChat did not send it: the send goes back.
    GiveBack,
    /// WeChat said the user has no send left (43101): the count becomes 0.
    NoneLeft,
}
