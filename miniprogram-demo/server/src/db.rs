//! The ledger: sessions, and the sends each user has in hand per template.
//! The same queries run on SQLite (the default, one file) and PostgreSQL (for
//! more than one instance), through sqlx's `Any` driver.
//!
//! A send is taken from the ledger before WeChat is called, in one
//! transaction that also writes a `spending` row; the row is deleted when
//! WeChat answers. The send is given back only when WeChat says it was not
//! sent; on 43101 (the user has no send left) the template's count is set to
//! 0. A server that dies mid-send gives its `spending` rows back at the next
//! start: no recorded accept is lost (if WeChat had taken that send, it
//! refuses the extra one with 43101).

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::{AnyPool, Row};

/// The most sends one template can hold for one user.
pub const MAX_SENDS: i64 = 10_000;

/// The ledger's database.
#[derive(Clone)]
pub struct Ledger {
    pool: AnyPool,
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, openid TEXT NOT NULL, expires_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sends (openid TEXT NOT NULL, template_id TEXT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (openid, template_id))",
    "CREATE TABLE IF NOT EXISTS spending (id TEXT PRIMARY KEY, openid TEXT NOT NULL, template_id TEXT NOT NULL)",
];

impl Ledger {
    /// Opens the database, makes the tables, and gives back sends a stopped server left in flight.
    pub async fn open(url: &str) -> Result<Ledger, sqlx::Error> {
        install_default_drivers();
        let pool = AnyPoolOptions::new().max_connections(if url.starts_with("sqlite") { 1 } else { 8 }).connect(url).await?;
        for statement in SCHEMA {
            sqlx::query(statement).execute(&pool).await?;
        }
        let ledger = Ledger { pool };
        ledger.recover().await?;
        Ok(ledger)
    }

    async fn recover(&self) -> Result<(), sqlx::Error> {
        let rows = sqlx::query("SELECT id FROM spending").fetch_all(&self.pool).await?;
        for row in rows {
            self.settle(&row.try_get::<String, _>(0)?, Settle::GiveBack).await?;
        }
        Ok(())
    }

    /// Records a session.
    pub async fn add_session(&self, token: &str, openid: &str, expires_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO sessions (token, openid, expires_at) VALUES ($1, $2, $3)")
            .bind(token)
            .bind(openid)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The openid of a session still valid at `now`.
    pub async fn session(&self, token: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT openid FROM sessions WHERE token = $1 AND expires_at > $2")
            .bind(token)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get(0)).transpose()
    }

    /// Adds `n` sends, up to [`MAX_SENDS`]; gives the new count.
    pub async fn add(&self, openid: &str, template_id: &str, n: i64) -> Result<i64, sqlx::Error> {
        sqlx::query(
            "INSERT INTO sends (openid, template_id, count) VALUES ($1, $2, $3) \
             ON CONFLICT (openid, template_id) DO UPDATE SET count = \
             CASE WHEN sends.count + excluded.count > $4 THEN $4 ELSE sends.count + excluded.count END",
        )
        .bind(openid)
        .bind(template_id)
        .bind(n.min(MAX_SENDS))
        .bind(MAX_SENDS)
        .execute(&self.pool)
        .await?;
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
        let rows = sqlx::query("SELECT template_id, count FROM sends WHERE openid = $1 AND count > 0 ORDER BY template_id")
            .bind(openid)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Takes one send, atomically: `Some(spending id)` if there was one.
    pub async fn take(&self, openid: &str, template_id: &str, spending: &str) -> Result<Option<String>, sqlx::Error> {
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
        sqlx::query("INSERT INTO spending (id, openid, template_id) VALUES ($1, $2, $3)")
            .bind(spending)
            .bind(openid)
            .bind(template_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(spending.to_owned()))
    }

    /// Ends a send taken with [`Ledger::take`].
    pub async fn settle(&self, spending: &str, how: Settle) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT openid, template_id FROM spending WHERE id = $1").bind(spending).fetch_optional(&mut *tx).await?;
        let Some(row) = row else { return tx.rollback().await };
        let (openid, template_id): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        sqlx::query("DELETE FROM spending WHERE id = $1").bind(spending).execute(&mut *tx).await?;
        let update = match how {
            Settle::Sent => None,
            Settle::GiveBack => Some("UPDATE sends SET count = count + 1 WHERE openid = $1 AND template_id = $2"),
            Settle::NoneLeft => Some("UPDATE sends SET count = 0 WHERE openid = $1 AND template_id = $2"),
        };
        if let Some(update) = update {
            sqlx::query(update).bind(&openid).bind(&template_id).execute(&mut *tx).await?;
        }
        tx.commit().await
    }
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
