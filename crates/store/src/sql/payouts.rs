//! [`PayoutStore`] on SQLite and PostgreSQL. Debts are assigned to a payout by a
//! conditional `UPDATE … WHERE payout_id IS NULL` (its first statement, so SQLite
//! takes the write lock at once and PostgreSQL skips rows another job took), and
//! every state change names the state it leaves.

use super::{int_value, Backend, Store};
use crate::payouts::*;
use crate::StoreError;
use async_trait::async_trait;

const OWED: &str = "SELECT asset, pay_to, amount, created_at FROM debts
    WHERE payout_id IS NULL ORDER BY asset, pay_to";

const ASSIGN: &str = "UPDATE debts SET payout_id = $1
    WHERE payout_id IS NULL AND payment_id IN (
        SELECT payment_id FROM debts
        WHERE payout_id IS NULL AND asset = $2 AND pay_to = $3
        ORDER BY created_at, payment_id LIMIT $4)";

const ASSIGNED: &str = "SELECT payment_id, amount FROM debts WHERE payout_id = $1
    ORDER BY created_at, payment_id";

const UNASSIGN_ONE: &str = "UPDATE debts SET payout_id = NULL WHERE payment_id = $1";

const INSERT: &str = "INSERT INTO payouts
    (id, asset, pay_to, amount, receipts, state, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, 'open', $6, $6)";

const SIGN: &str = "UPDATE payouts SET state = 'signed', transaction_id = $2, wire = $3,
    updated_at = $4 WHERE id = $1 AND state = 'open'";

const CONFIRM: &str = "UPDATE payouts SET state = 'confirmed', updated_at = $2
    WHERE id = $1 AND state = 'signed'";

const EXPIRE: &str = "UPDATE payouts SET state = 'expired', detail = $3, updated_at = $4
    WHERE id = $1 AND state = 'signed' AND transaction_id = $2";

const RELEASE: &str = "UPDATE debts SET payout_id = NULL WHERE payout_id = $1";

const COLUMNS: &str = "id, asset, pay_to, amount, receipts, state, transaction_id, wire, detail,
    created_at, updated_at";

fn select(filter: &str) -> String {
    format!("SELECT {COLUMNS} FROM payouts {filter}")
}

/// A `payouts` row as [`COLUMNS`] orders it.
type PayoutRow = (
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn payout(row: PayoutRow) -> Result<Payout, StoreError> {
    let (id, asset, pay_to, amount, receipts, state, transaction, wire, detail, created, updated) =
        row;
    let unsigned = |column: &str, v: i64| {
        u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("payout {id} {column} {v}")))
    };
    Ok(Payout {
        amount: unsigned("amount", amount)?,
        receipts: unsigned("receipts", receipts)?,
        state: PayoutState::parse(&state)?,
        created_at: unsigned("created_at", created)?,
        updated_at: unsigned("updated_at", updated)?,
        id,
        asset,
        pay_to,
        transaction,
        wire,
        detail,
    })
}

impl Store {
    async fn payouts_where(
        &self,
        filter: &str,
        arg: Option<&str>,
    ) -> Result<Vec<Payout>, StoreError> {
        on_pool!(self, |pool, q| {
            let sql = q(&select(filter));
            let mut query = sqlx::query_as::<_, PayoutRow>(&sql);
            if let Some(a) = arg {
                query = query.bind(a);
            }
            query
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(payout)
                .collect()
        })
    }
}

#[async_trait]
impl PayoutStore for Store {
    async fn owed(&self) -> Result<Vec<Owed>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> = on_pool!(self, |pool, q| {
            sqlx::query_as(&q(OWED)).fetch_all(pool).await?
        });
        let mut owed: Vec<Owed> = Vec::new();
        for (asset, pay_to, amount, created_at) in rows {
            let (amount, created_at) = (amount as u64, created_at as u64);
            match owed.last_mut() {
                Some(o) if o.asset == asset && o.pay_to == pay_to => {
                    o.amount += u128::from(amount);
                    o.receipts += 1;
                    o.oldest = o.oldest.min(created_at);
                }
                _ => owed.push(Owed {
                    asset,
                    pay_to,
                    amount: u128::from(amount),
                    receipts: 1,
                    oldest: created_at,
                }),
            }
        }
        Ok(owed)
    }

    async fn open_payout(
        &self,
        id: &str,
        asset: &str,
        pay_to: &str,
        max_receipts: u64,
        now: u64,
    ) -> Result<Option<Payout>, StoreError> {
        let limit = int_value(max_receipts.max(1));
        let opened = in_transaction!(self, |tx, q| {
            let assigned = sqlx::query(&q(ASSIGN))
                .bind(id)
                .bind(asset)
                .bind(pay_to)
                .bind(limit)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if assigned == 0 {
                None
            } else {
                let rows: Vec<(String, i64)> = sqlx::query_as(&q(ASSIGNED))
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
                // Keep the oldest debts whose sum fits one transfer; the rest stay owed.
                let (mut total, mut count, mut full) = (0u64, 0u64, false);
                for (payment_id, amount) in &rows {
                    // Amounts are CHECKed positive, so the cast is exact.
                    let amount = *amount as u64;
                    match total
                        .checked_add(amount)
                        .filter(|t| !full && *t <= MAX_AMOUNT)
                    {
                        Some(t) => {
                            total = t;
                            count += 1;
                        }
                        None => {
                            full = true;
                            sqlx::query(&q(UNASSIGN_ONE))
                                .bind(payment_id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
                sqlx::query(&q(INSERT))
                    .bind(id)
                    .bind(asset)
                    .bind(pay_to)
                    .bind(int_value(total))
                    .bind(int_value(count))
                    .bind(int_value(now))
                    .execute(&mut *tx)
                    .await?;
                Some(())
            }
        });
        match opened {
            Some(()) => self.payout(id).await,
            None => Ok(None),
        }
    }

    async fn record_signed(
        &self,
        id: &str,
        transaction: &str,
        wire: &str,
        now: u64,
    ) -> Result<Payout, StoreError> {
        on_pool!(self, |pool, q| {
            sqlx::query(&q(SIGN))
                .bind(id)
                .bind(transaction)
                .bind(wire)
                .bind(int_value(now))
                .execute(pool)
                .await?;
        });
        self.payout(id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no payout {id}")))
    }

    async fn confirm_payout(&self, id: &str, now: u64) -> Result<bool, StoreError> {
        Ok(on_pool!(self, |pool, q| {
            sqlx::query(&q(CONFIRM))
                .bind(id)
                .bind(int_value(now))
                .execute(pool)
                .await?
                .rows_affected()
                == 1
        }))
    }

    async fn expire_payout(
        &self,
        id: &str,
        transaction: &str,
        detail: &str,
        now: u64,
    ) -> Result<bool, StoreError> {
        Ok(in_transaction!(self, |tx, q| {
            let expired = sqlx::query(&q(EXPIRE))
                .bind(id)
                .bind(transaction)
                .bind(detail)
                .bind(int_value(now))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if expired {
                sqlx::query(&q(RELEASE)).bind(id).execute(&mut *tx).await?;
            }
            expired
        }))
    }

    async fn unfinished_payouts(&self) -> Result<Vec<Payout>, StoreError> {
        self.payouts_where(
            "WHERE state IN ('open', 'signed') ORDER BY created_at, id",
            None,
        )
        .await
    }

    async fn payouts(&self, limit: u64) -> Result<Vec<Payout>, StoreError> {
        let filter = format!("ORDER BY created_at DESC, id LIMIT {}", int_value(limit));
        self.payouts_where(&filter, None).await
    }

    async fn payout(&self, id: &str) -> Result<Option<Payout>, StoreError> {
        Ok(self
            .payouts_where("WHERE id = $1", Some(id))
            .await?
            .into_iter()
            .next())
    }
}
