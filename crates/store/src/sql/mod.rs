//! SQLite and PostgreSQL behind one `Store`. Each operation is a single atomic
//! upsert whose `WHERE` clause encodes the state machine:
//!
//! ```text
//! free ──reserve──▶ reserved(payment, expires_at) ──spend(same payment)──▶ spent(payment)
//!   │                  │ expires_at ≤ now: free again                          ▲
//!   └──────────────────┴────────────spend (free or expired)───────────────────┘
//! ```

use crate::*;
use sqlx::{
    postgres::{PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
    Row,
};
use std::{str::FromStr, time::Duration};

const SCHEMA: [&str; 7] = [
    "CREATE TABLE IF NOT EXISTS nullifiers (
        nullifier TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('reserved', 'spent')),
        payment TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS issued_receipts (
        payment_id TEXT PRIMARY KEY,
        receipt TEXT NOT NULL,
        created_at BIGINT NOT NULL)",
    // One row per pooled receipt, written with it; `payout_id` is NULL while owed.
    "CREATE TABLE IF NOT EXISTS debts (
        payment_id TEXT PRIMARY KEY,
        asset TEXT NOT NULL,
        pay_to TEXT NOT NULL,
        amount BIGINT NOT NULL CHECK (amount > 0),
        created_at BIGINT NOT NULL,
        payout_id TEXT)",
    "CREATE INDEX IF NOT EXISTS debts_owed ON debts (asset, pay_to, created_at)
        WHERE payout_id IS NULL",
    "CREATE INDEX IF NOT EXISTS debts_by_payout ON debts (payout_id)",
    // x402 `payment-identifier` ids, each bound to the payment it first came with.
    "CREATE TABLE IF NOT EXISTS payment_identifiers (
        id TEXT PRIMARY KEY,
        digest TEXT NOT NULL,
        created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS payouts (
        id TEXT PRIMARY KEY,
        asset TEXT NOT NULL,
        pay_to TEXT NOT NULL,
        amount BIGINT NOT NULL CHECK (amount > 0),
        receipts BIGINT NOT NULL CHECK (receipts > 0),
        state TEXT NOT NULL CHECK (state IN ('open', 'signed', 'confirmed', 'expired')),
        transaction_id TEXT,
        wire TEXT,
        detail TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL)",
];

const RESERVE: &str = "INSERT INTO nullifiers (nullifier, state, payment, expires_at, updated_at)
    VALUES ($1, 'reserved', $2, $3, $4)
    ON CONFLICT (nullifier) DO UPDATE SET state = 'reserved', payment = excluded.payment,
        expires_at = excluded.expires_at, updated_at = excluded.updated_at
    WHERE nullifiers.state = 'reserved' AND nullifiers.expires_at <= $4";

const SPEND: &str = "INSERT INTO nullifiers (nullifier, state, payment, expires_at, updated_at)
    VALUES ($1, 'spent', $2, 0, $3)
    ON CONFLICT (nullifier) DO UPDATE SET state = 'spent', payment = excluded.payment,
        expires_at = 0, updated_at = excluded.updated_at
    WHERE nullifiers.state = 'reserved'
        AND (nullifiers.payment = excluded.payment OR nullifiers.expires_at <= $3)";

const STATE: &str = "SELECT state, payment, expires_at FROM nullifiers WHERE nullifier = $1";

const RECORD_ISSUED: &str = "INSERT INTO issued_receipts (payment_id, receipt, created_at)
    VALUES ($1, $2, $3) ON CONFLICT (payment_id) DO NOTHING";

const ISSUED: &str = "SELECT receipt FROM issued_receipts WHERE payment_id = $1";

const BIND_IDENTIFIER: &str = "INSERT INTO payment_identifiers (id, digest, created_at)
    VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING";

const IDENTIFIER: &str = "SELECT digest FROM payment_identifiers WHERE id = $1";

const RECORD_DEBT: &str =
    "INSERT INTO debts (payment_id, asset, pay_to, amount, created_at, payout_id)
    VALUES ($1, $2, $3, $4, $5, NULL)";

/// Binds `args` in order to a query of either backend (their query types differ).
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Text(t) => q.bind(*t),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}
/// Runs `$body` inside one database transaction on either backend: `$tx` is the
/// transaction and `$q` turns a `$n`-numbered statement into the backend's
/// dialect. An early `?` return drops the transaction, which rolls it back.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident, $q:ident| $body:block) => {
        match &$store.0 {
            Backend::Sqlite(pool) => {
                let mut $tx = pool.begin().await?;
                let $q = crate::sql::sqlite_placeholders;
                let result = $body;
                $tx.commit().await?;
                result
            }
            Backend::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let $q = |s: &str| s.to_string();
                let result = $body;
                $tx.commit().await?;
                result
            }
        }
    };
}

/// Runs `$body` with `$conn` a pool of either backend and `$q` as above.
macro_rules! on_pool {
    ($store:expr, |$conn:ident, $q:ident| $body:block) => {
        match &$store.0 {
            Backend::Sqlite($conn) => {
                let $q = crate::sql::sqlite_placeholders;
                $body
            }
            Backend::Postgres($conn) => {
                let $q = |s: &str| s.to_string();
                $body
            }
        }
    };
}

mod payouts;

/// The stores on one database: SQLite (`sqlite://PATH`, created if missing) or
/// PostgreSQL (`postgres://…`).
#[derive(Clone, Debug)]
pub struct Store(Backend);

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Store {
    /// Opens (and creates the tables of) the database at `url`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let backend = if let Some(rest) = url.strip_prefix("sqlite:") {
            // Create the data directory of a file database on first use.
            let path = std::path::Path::new(
                rest.trim_start_matches("//")
                    .split('?')
                    .next()
                    .unwrap_or(""),
            );
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Backend(sqlx::Error::Io(e)))?;
            }
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a committed spend survives power loss, not only a crash.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10));
            Backend::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(opts)
                    .await?,
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    // A database that is down answers in seconds, as a 503 the
                    // caller can retry, rather than holding the request for
                    // sqlx's default 30 s; connections are re-made when it is back.
                    .acquire_timeout(Duration::from_secs(3))
                    .connect(url)
                    .await?,
            )
        } else {
            return Err(StoreError::Url(url.into()));
        };
        let store = Store(backend);
        store.create_schema().await?;
        Ok(store)
    }

    /// Which backend this is: `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.0 {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// `SELECT 1`: one round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.0 {
            Backend::Sqlite(p) => {
                sqlx::query("SELECT 1").execute(p).await?;
            }
            Backend::Postgres(p) => {
                sqlx::query("SELECT 1").execute(p).await?;
            }
        }
        Ok(())
    }

    /// Closes the connections (tests use it to simulate a restart).
    pub async fn close(&self) {
        match &self.0 {
            Backend::Sqlite(p) => p.close().await,
            Backend::Postgres(p) => p.close().await,
        }
    }

    async fn create_schema(&self) -> Result<(), StoreError> {
        match &self.0 {
            Backend::Sqlite(p) => {
                for s in SCHEMA {
                    sqlx::query(s).execute(p).await?;
                }
            }
            Backend::Postgres(p) => {
                // Several instances may start at once: serialize the DDL.
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(4020402)")
                    .execute(&mut *tx)
                    .await?;
                for s in SCHEMA {
                    sqlx::query(s).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Runs a statement with text/integer arguments; returns rows affected.
    async fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        Ok(match &self.0 {
            Backend::Sqlite(p) => {
                let sql = sqlite_placeholders(sql);
                bind_all!(sqlx::query(&sql), args)
                    .execute(p)
                    .await?
                    .rows_affected()
            }
            Backend::Postgres(p) => bind_all!(sqlx::query(sql), args)
                .execute(p)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a one-row query returning (text, text, int) columns as available.
    async fn fetch_nullifier(
        &self,
        nullifier: &str,
    ) -> Result<Option<(String, String, i64)>, StoreError> {
        Ok(match &self.0 {
            Backend::Sqlite(p) => sqlx::query(&sqlite_placeholders(STATE))
                .bind(nullifier)
                .fetch_optional(p)
                .await?
                .map(|r| (r.get(0), r.get(1), r.get(2))),
            Backend::Postgres(p) => sqlx::query(STATE)
                .bind(nullifier)
                .fetch_optional(p)
                .await?
                .map(|r| (r.get(0), r.get(1), r.get(2))),
        })
    }

    async fn fetch_issued(&self, payment_id: &str) -> Result<Option<String>, StoreError> {
        self.fetch_text(ISSUED, payment_id).await
    }

    /// The one text column `sql` selects for `key`, if a row has it.
    async fn fetch_text(&self, sql: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(match &self.0 {
            Backend::Sqlite(p) => sqlx::query(&sqlite_placeholders(sql))
                .bind(key)
                .fetch_optional(p)
                .await?
                .map(|r| r.get(0)),
            Backend::Postgres(p) => sqlx::query(sql)
                .bind(key)
                .fetch_optional(p)
                .await?
                .map(|r| r.get(0)),
        })
    }
}

enum Arg<'a> {
    Text(&'a str),
    Int(i64),
}

/// SQLite numbers its parameters `?1`, PostgreSQL `$1`.
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    sql.replace('$', "?")
}

fn int(v: u64) -> Arg<'static> {
    Arg::Int(int_value(v))
}

fn to_state(row: Option<(String, String, i64)>, now: u64) -> Result<NullifierState, StoreError> {
    Ok(match row {
        None => NullifierState::Free,
        Some((state, payment, expires_at)) => match state.as_str() {
            "spent" => NullifierState::Spent { payment },
            "reserved" if expires_at > int_value(now) => NullifierState::Reserved {
                payment,
                expires_at: expires_at as u64,
            },
            "reserved" => NullifierState::Free,
            other => return Err(StoreError::Corrupt(format!("nullifier state {other:?}"))),
        },
    })
}

fn int_value(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[async_trait]
impl NullifierStore for Store {
    async fn reserve(
        &self,
        nullifier: &FieldElement,
        payment: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<Reservation, StoreError> {
        let key = nullifier.to_string();
        let args = [
            Arg::Text(&key),
            Arg::Text(payment),
            int(expires_at),
            int(now),
        ];
        if self.execute(RESERVE, &args).await? == 1 {
            return Ok(Reservation::Reserved);
        }
        Ok(match self.state(nullifier, now).await? {
            NullifierState::Spent { .. } => Reservation::Refused(Conflict::Spent),
            // Free means the blocking reservation expired a moment ago: still refuse
            // rather than loop; the client retries.
            NullifierState::Reserved { .. } | NullifierState::Free => {
                Reservation::Refused(Conflict::Reserved)
            }
        })
    }

    async fn spend(
        &self,
        nullifier: &FieldElement,
        payment: &str,
        now: u64,
    ) -> Result<Spend, StoreError> {
        let key = nullifier.to_string();
        let args = [Arg::Text(&key), Arg::Text(payment), int(now)];
        if self.execute(SPEND, &args).await? == 1 {
            return Ok(Spend::Spent);
        }
        Ok(match self.state(nullifier, now).await? {
            NullifierState::Spent { payment: p } if p == payment => {
                Spend::AlreadySpentBySamePayment
            }
            NullifierState::Spent { .. } => Spend::Refused(Conflict::Spent),
            NullifierState::Reserved { .. } | NullifierState::Free => {
                Spend::Refused(Conflict::Reserved)
            }
        })
    }

    async fn state(
        &self,
        nullifier: &FieldElement,
        now: u64,
    ) -> Result<NullifierState, StoreError> {
        to_state(self.fetch_nullifier(&nullifier.to_string()).await?, now)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Store::ping(self).await
    }
}

#[async_trait]
impl IssuedStore for Store {
    async fn record_issued(
        &self,
        payment_id: &FieldElement,
        receipt: &str,
        debt: Option<&Debt>,
        now: u64,
    ) -> Result<Issued, StoreError> {
        let key = payment_id.to_string();
        if let Some(d) = debt.filter(|d| d.amount == 0 || d.amount > crate::payouts::MAX_AMOUNT) {
            return Err(StoreError::Invalid(format!(
                "a debt must be 1..={} units, not {}",
                crate::payouts::MAX_AMOUNT,
                d.amount
            )));
        }
        let now_value = int_value(now);
        let recorded = in_transaction!(self, |tx, q| {
            let inserted = sqlx::query(&q(RECORD_ISSUED))
                .bind(&key)
                .bind(receipt)
                .bind(now_value)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if let (true, Some(d)) = (inserted, debt) {
                sqlx::query(&q(RECORD_DEBT))
                    .bind(&key)
                    .bind(&d.asset)
                    .bind(&d.pay_to)
                    .bind(int_value(d.amount))
                    .bind(now_value)
                    .execute(&mut *tx)
                    .await?;
            }
            inserted
        });
        if recorded {
            return Ok(Issued::New);
        }
        match self.fetch_issued(&key).await? {
            Some(existing) => Ok(Issued::Existing(existing)),
            None => Err(StoreError::Corrupt("issued receipt vanished".into())),
        }
    }

    async fn issued(&self, payment_id: &FieldElement) -> Result<Option<String>, StoreError> {
        self.fetch_issued(&payment_id.to_string()).await
    }

    async fn bind_payment_identifier(
        &self,
        id: &str,
        digest: &str,
        now: u64,
    ) -> Result<IdentifierBinding, StoreError> {
        let args = [Arg::Text(id), Arg::Text(digest), int(now)];
        if self.execute(BIND_IDENTIFIER, &args).await? == 1 {
            return Ok(IdentifierBinding::New);
        }
        match self.fetch_text(IDENTIFIER, id).await? {
            Some(bound) if bound == digest => Ok(IdentifierBinding::Same),
            Some(_) => Ok(IdentifierBinding::Conflict),
            None => Err(StoreError::Corrupt("payment identifier vanished".into())),
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Store::ping(self).await
    }
}
