//! The payout job of a pooled issuer: pays each seller what its receipts are
//! owed, in one ordinary token transfer pool → seller per payout.
//!
//! Each step is recorded before the next is taken (see
//! [`x402_zk_store::payouts`]): debts are assigned to an `Open` payout; its signed
//! transaction is recorded (`Signed`) before it is sent; it is `Confirmed` once
//! the ledger says it landed. A job killed anywhere resumes from the store: an
//! `Open` payout was never sent and is signed now; a `Signed` one is sent again
//! as recorded (a transaction lands at most once) until it lands, or until the
//! ledger says it never can (its blockhash expired, or it failed), when its debts
//! are released to a new payout. So no debt is paid twice or forgotten.
//!
//! ```no_run
//! # async fn run(job: x402_zk_issuer::PayoutJob) {
//! let run = job.run_once().await.unwrap();
//! println!("{} payouts confirmed", run.confirmed.len());
//! # }
//! ```

use crate::Clock;
use std::{collections::BTreeSet, str::FromStr, sync::Arc, time::Duration};
use x402_zk_store::{Owed, Payout, PayoutState, PayoutStore, StoreError};
use x402_zk_svm::{
    exact::transaction_id, payout_transaction, Address, Keypair, Ledger, LedgerError, Outcome,
    PayoutTransfer,
};

/// How long after signing a payout the job trusts the ledger's "this transaction
/// can never land". Older signed payouts may predate what the ledger's history
/// still holds, so an operator checks them (they stay `signed`, and show in
/// `payouts_unfinished`).
pub const AUTO_EXPIRY_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// When a seller's debts are paid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutPolicy {
    /// Pay a seller once its oldest unpaid receipt is this old. Longer periods
    /// aggregate more receipts per transfer, so the chain says less about when
    /// buyers paid.
    pub period: Duration,
    /// …or once it is owed at least this much (atomic units; 0: no threshold).
    pub threshold: u64,
    /// Receipts per payout, at most (more are paid by further payouts).
    pub max_receipts: u64,
}

impl Default for PayoutPolicy {
    /// Daily, no threshold, 10,000 receipts per payout.
    fn default() -> Self {
        PayoutPolicy {
            period: Duration::from_secs(86_400),
            threshold: 0,
            max_receipts: 10_000,
        }
    }
}

impl PayoutPolicy {
    /// Every seller with a debt is due (the demo, `x402-zk payouts run --all`).
    pub fn everything() -> Self {
        PayoutPolicy {
            period: Duration::ZERO,
            ..Self::default()
        }
    }

    fn due(&self, owed: &Owed, now: u64) -> bool {
        let old_enough = now.saturating_sub(owed.oldest) >= self.period.as_secs();
        let large_enough = self.threshold > 0 && owed.amount >= u128::from(self.threshold);
        old_enough || large_enough
    }
}

/// Why a payout run stopped. The next run resumes where it stopped.
#[derive(Debug, thiserror::Error)]
pub enum PayoutError {
    /// The accounting database failed.
    #[error("payout store: {0}; the next run resumes from the recorded state")]
    Store(#[from] StoreError),
    /// The ledger could not be asked.
    #[error("ledger: {0}; the next run resumes from the recorded state")]
    Ledger(#[from] LedgerError),
    /// A recorded value does not parse (an address, a transaction).
    #[error("payout {id}: {reason}")]
    Corrupt {
        /// The payout.
        id: String,
        /// What is wrong.
        reason: String,
    },
}

/// What one run did.
#[derive(Debug, Default, Clone)]
pub struct PayoutRun {
    /// Payouts that landed in this run.
    pub confirmed: Vec<Payout>,
    /// Payouts whose transaction can never land; their debts were released.
    pub expired: Vec<Payout>,
    /// Payouts sent but not seen landed yet (resent next run).
    pub pending: Vec<Payout>,
}

/// Pays sellers from the pool.
#[derive(Clone)]
pub struct PayoutJob {
    store: Arc<dyn PayoutStore>,
    ledger: Arc<dyn Ledger>,
    fee_payer: Arc<Keypair>,
    pool: Arc<Keypair>,
    policy: PayoutPolicy,
    clock: Clock,
}

impl PayoutJob {
    /// A job paying from `pool`'s token accounts; `fee_payer` pays the fees (and
    /// the rent of a seller's token account the payout has to create).
    pub fn new(
        store: Arc<dyn PayoutStore>,
        ledger: Arc<dyn Ledger>,
        fee_payer: Arc<Keypair>,
        pool: Arc<Keypair>,
        policy: PayoutPolicy,
    ) -> Self {
        PayoutJob {
            store,
            ledger,
            fee_payer,
            pool,
            policy,
            clock: Arc::new(x402_zk_protocol::unix_now),
        }
    }

    /// The same job with another clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// One pass: finishes the payouts earlier runs left unfinished, then pays every
    /// seller the policy says is due.
    pub async fn run_once(&self) -> Result<PayoutRun, PayoutError> {
        let mut run = PayoutRun::default();
        for payout in self.store.unfinished_payouts().await? {
            self.advance(payout, &mut run).await?;
        }
        let now = (self.clock)();
        for owed in self.store.owed().await? {
            if !self.policy.due(&owed, now) {
                continue;
            }
            // Payout after payout while they land; one that does not waits for the
            // next run, with the seller's remaining debts.
            while let Some(payout) = self
                .store
                .open_payout(
                    &new_id(),
                    &owed.asset,
                    &owed.pay_to,
                    self.policy.max_receipts,
                    (self.clock)(),
                )
                .await?
            {
                if self.advance(payout, &mut run).await? != PayoutState::Confirmed {
                    break;
                }
            }
        }
        Ok(run)
    }

    /// Runs [`PayoutJob::run_once`] every `interval` until `shutdown`, logging
    /// failures (the next run resumes) and exporting what is owed.
    pub async fn run_every(
        self,
        interval: Duration,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut exported = BTreeSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = ticks.tick() => {}
            }
            match self.run_once().await {
                Ok(run) if run.confirmed.len() + run.expired.len() + run.pending.len() > 0 => {
                    tracing::info!(
                        confirmed = run.confirmed.len(),
                        expired = run.expired.len(),
                        pending = run.pending.len(),
                        "payout run"
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    metrics::counter!("payout_run_failures_total").increment(1);
                    tracing::error!(error = %e, "payout run failed");
                }
            }
            if let Err(e) = self.export_metrics(&mut exported).await {
                tracing::warn!(error = %e, "could not read what the pool owes");
            }
        }
    }

    /// Sets `pool_owed_amount` and `pool_owed_receipts` per seller (and zero for
    /// sellers no longer owed anything), and `payouts_unfinished`.
    pub async fn export_metrics(
        &self,
        exported: &mut BTreeSet<(String, String)>,
    ) -> Result<(), StoreError> {
        let owed = self.store.owed().await?;
        let now: BTreeSet<(String, String)> = owed
            .iter()
            .map(|o| (o.asset.clone(), o.pay_to.clone()))
            .collect();
        for (asset, pay_to) in exported.difference(&now) {
            let labels = [("asset", asset.clone()), ("pay_to", pay_to.clone())];
            metrics::gauge!("pool_owed_amount", &labels).set(0.0);
            metrics::gauge!("pool_owed_receipts", &labels).set(0.0);
        }
        for o in &owed {
            let labels = [("asset", o.asset.clone()), ("pay_to", o.pay_to.clone())];
            // A gauge is an f64: exact below 2^53 atomic units, close above.
            metrics::gauge!("pool_owed_amount", &labels).set(o.amount as f64);
            metrics::gauge!("pool_owed_receipts", &labels).set(o.receipts as f64);
        }
        *exported = now;
        let unfinished = self.store.unfinished_payouts().await?.len();
        metrics::gauge!("payouts_unfinished").set(unfinished as f64);
        Ok(())
    }

    /// Takes `payout` as far as it goes now and returns the state it reached.
    async fn advance(
        &self,
        mut payout: Payout,
        run: &mut PayoutRun,
    ) -> Result<PayoutState, PayoutError> {
        if payout.state == PayoutState::Open {
            payout = self.sign(&payout).await?;
        }
        if payout.state != PayoutState::Signed {
            return Ok(payout.state);
        }
        let (transaction, tx) = recorded_transaction(&payout)?;
        let settled = self.ledger.settle(&tx).await;
        let outcome = match settled {
            Ok(()) => Outcome::Landed,
            Err(e) => {
                tracing::warn!(payout = %payout.id, error = %e, "payout not settled yet");
                self.ledger.outcome(&tx).await?
            }
        };
        let now = (self.clock)();
        match outcome {
            Outcome::Landed => self.confirm(payout, &transaction, run).await,
            Outcome::Failed(_) | Outcome::Expired
                if now.saturating_sub(payout.updated_at) > AUTO_EXPIRY_WINDOW.as_secs() =>
            {
                tracing::error!(payout = %payout.id, %transaction,
                    "a payout signed over a day ago is not found landed; check the transaction \
                     by hand: the ledger's history may not reach back that far");
                run.pending.push(payout);
                Ok(PayoutState::Signed)
            }
            Outcome::Failed(reason) => self.expire(payout, &transaction, &reason, run).await,
            Outcome::Expired => {
                self.expire(payout, &transaction, "blockhash expired unused", run)
                    .await
            }
            Outcome::Pending => {
                run.pending.push(payout);
                Ok(PayoutState::Signed)
            }
        }
    }

    async fn confirm(
        &self,
        mut payout: Payout,
        transaction: &str,
        run: &mut PayoutRun,
    ) -> Result<PayoutState, PayoutError> {
        if !self
            .store
            .confirm_payout(&payout.id, (self.clock)())
            .await?
        {
            // Another job confirmed it, or (never, if the ledger's outcomes are
            // right) it was expired and its debts released: say so loudly.
            let now = self.store.payout(&payout.id).await?;
            let state = now.as_ref().map(|p| p.state);
            if state == Some(PayoutState::Expired) {
                metrics::counter!("payouts_landed_after_expiry_total").increment(1);
                tracing::error!(payout = %payout.id, %transaction,
                    "a payout marked expired has landed: its debts may be paid twice");
            }
            return Ok(state.unwrap_or(PayoutState::Confirmed));
        }
        metrics::counter!("payouts_total", "result" => "confirmed").increment(1);
        metrics::counter!("payout_amount_total", "asset" => payout.asset.clone())
            .increment(payout.amount);
        tracing::info!(payout = %payout.id, %transaction, amount = payout.amount,
            receipts = payout.receipts, "payout confirmed");
        payout.state = PayoutState::Confirmed;
        run.confirmed.push(payout);
        Ok(PayoutState::Confirmed)
    }

    async fn expire(
        &self,
        mut payout: Payout,
        transaction: &str,
        reason: &str,
        run: &mut PayoutRun,
    ) -> Result<PayoutState, PayoutError> {
        let now = (self.clock)();
        if !self
            .store
            .expire_payout(&payout.id, transaction, reason, now)
            .await?
        {
            // Another job finished it first.
            let state = self.store.payout(&payout.id).await?.map(|p| p.state);
            return Ok(state.unwrap_or(PayoutState::Expired));
        }
        metrics::counter!("payouts_total", "result" => "expired").increment(1);
        tracing::warn!(payout = %payout.id, %transaction, reason, "payout can never land; its debts are owed again");
        payout.state = PayoutState::Expired;
        payout.detail = Some(reason.to_string());
        run.expired.push(payout);
        Ok(PayoutState::Expired)
    }

    /// Builds, signs and records the transaction of an `Open` payout; returns the
    /// payout as recorded (another job's transaction if it recorded first).
    async fn sign(&self, payout: &Payout) -> Result<Payout, PayoutError> {
        let corrupt = |reason: String| PayoutError::Corrupt {
            id: payout.id.clone(),
            reason,
        };
        let mint = Address::from_str(&payout.asset).map_err(|e| corrupt(format!("asset: {e}")))?;
        let pay_to =
            Address::from_str(&payout.pay_to).map_err(|e| corrupt(format!("payTo: {e}")))?;
        let decimals = self.ledger.mint_decimals(&mint).await?;
        let blockhash = self.ledger.payout_blockhash().await?;
        let transfer = PayoutTransfer {
            mint,
            decimals,
            pay_to,
            amount: payout.amount,
            memo: format!("x402-zk payout {}", payout.id),
        };
        let tx = payout_transaction(&self.fee_payer, &self.pool, &transfer, blockhash)
            .map_err(corrupt)?;
        let wire = x402_zk_svm::transaction_to_wire(&tx);
        Ok(self
            .store
            .record_signed(&payout.id, &transaction_id(&tx), &wire, (self.clock)())
            .await?)
    }
}

fn recorded_transaction(
    payout: &Payout,
) -> Result<(String, x402_zk_svm::VersionedTransaction), PayoutError> {
    let corrupt = |reason: &str| PayoutError::Corrupt {
        id: payout.id.clone(),
        reason: reason.into(),
    };
    let (Some(transaction), Some(wire)) = (&payout.transaction, &payout.wire) else {
        return Err(corrupt("signed without a transaction"));
    };
    let tx = x402_zk_svm::transaction_from_wire(wire)
        .ok_or_else(|| corrupt("its recorded transaction does not decode"))?;
    Ok((transaction.clone(), tx))
}

/// A fresh payout id: 128 random bits, hex.
fn new_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}
