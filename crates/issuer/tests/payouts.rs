//! The payout job killed between every pair of steps, on SQLite and PostgreSQL.
//!
//! A "crash" at step `k` is a job whose `k`-th call to its store or ledger (and
//! every later one) fails, either before the call takes effect or just after it
//! (the effect happened, the job never learnt of it), as when the process dies
//! there. Then the job is restarted on the same database and chain, soon (the
//! recorded transaction's blockhash is still valid) or late (it expired). Every
//! run must end with each seller paid exactly what it is owed, once, and the
//! accounting balanced.

use async_trait::async_trait;
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};
use x402_zk_issuer::{PayoutJob, PayoutPolicy};
use x402_zk_primitives::FieldElement;
use x402_zk_store::{
    testing::Cluster, Debt, IssuedStore, Owed, Payout, PayoutState, PayoutStore, Store, StoreError,
};
use x402_zk_svm::{
    Address, Hash, Keypair, Ledger, LedgerError, LiteSvmLedger, Outcome, Signer,
    VersionedTransaction,
};

/// Where the job dies: the `at`-th call fails, before or after its effect, and
/// every later call fails too.
struct Crash {
    at: usize,
    after_effect: bool,
    calls: AtomicUsize,
}

impl Crash {
    async fn around<T, E>(
        &self,
        call: impl std::future::Future<Output = Result<T, E>>,
        dead: impl Fn() -> E,
    ) -> Result<T, E> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n > self.at || (n == self.at && !self.after_effect) {
            return Err(dead());
        }
        let result = call.await;
        if n == self.at {
            return Err(dead());
        }
        result
    }

    fn store_dead() -> StoreError {
        StoreError::Invalid("the job was killed".into())
    }

    fn ledger_dead() -> LedgerError {
        LedgerError::Unavailable("the job was killed".into())
    }
}

struct CrashingStore {
    inner: Arc<Store>,
    crash: Arc<Crash>,
}

#[async_trait]
impl PayoutStore for CrashingStore {
    async fn owed(&self) -> Result<Vec<Owed>, StoreError> {
        let c = &self.crash;
        c.around(self.inner.owed(), Crash::store_dead).await
    }
    async fn open_payout(
        &self,
        id: &str,
        asset: &str,
        pay_to: &str,
        max: u64,
        now: u64,
    ) -> Result<Option<Payout>, StoreError> {
        let call = self.inner.open_payout(id, asset, pay_to, max, now);
        self.crash.around(call, Crash::store_dead).await
    }
    async fn record_signed(
        &self,
        id: &str,
        tx: &str,
        wire: &str,
        now: u64,
    ) -> Result<Payout, StoreError> {
        let call = self.inner.record_signed(id, tx, wire, now);
        self.crash.around(call, Crash::store_dead).await
    }
    async fn confirm_payout(&self, id: &str, now: u64) -> Result<bool, StoreError> {
        let call = self.inner.confirm_payout(id, now);
        self.crash.around(call, Crash::store_dead).await
    }
    async fn expire_payout(
        &self,
        id: &str,
        tx: &str,
        detail: &str,
        now: u64,
    ) -> Result<bool, StoreError> {
        let call = self.inner.expire_payout(id, tx, detail, now);
        self.crash.around(call, Crash::store_dead).await
    }
    async fn unfinished_payouts(&self) -> Result<Vec<Payout>, StoreError> {
        let c = &self.crash;
        c.around(self.inner.unfinished_payouts(), Crash::store_dead)
            .await
    }
    async fn payouts(&self, limit: u64) -> Result<Vec<Payout>, StoreError> {
        let c = &self.crash;
        c.around(self.inner.payouts(limit), Crash::store_dead).await
    }
    async fn payout(&self, id: &str) -> Result<Option<Payout>, StoreError> {
        let c = &self.crash;
        c.around(self.inner.payout(id), Crash::store_dead).await
    }
}

struct CrashingLedger {
    inner: Arc<LiteSvmLedger>,
    crash: Arc<Crash>,
}

#[async_trait]
impl Ledger for CrashingLedger {
    async fn latest_blockhash(&self) -> Result<Hash, LedgerError> {
        let c = &self.crash;
        c.around(self.inner.latest_blockhash(), Crash::ledger_dead)
            .await
    }
    async fn mint_decimals(&self, mint: &Address) -> Result<u8, LedgerError> {
        let c = &self.crash;
        c.around(self.inner.mint_decimals(mint), Crash::ledger_dead)
            .await
    }
    async fn settle(&self, tx: &VersionedTransaction) -> Result<(), LedgerError> {
        let c = &self.crash;
        c.around(self.inner.settle(tx), Crash::ledger_dead).await
    }
    async fn has_token_account(
        &self,
        owner: &Address,
        mint: &Address,
    ) -> Result<bool, LedgerError> {
        let c = &self.crash;
        c.around(
            self.inner.has_token_account(owner, mint),
            Crash::ledger_dead,
        )
        .await
    }
    async fn outcome(&self, tx: &VersionedTransaction) -> Result<Outcome, LedgerError> {
        let c = &self.crash;
        c.around(self.inner.outcome(tx), Crash::ledger_dead).await
    }
}

/// A chain with a funded pool and two sellers, and their debts recorded as
/// pooled receipts would.
struct World {
    ledger: Arc<LiteSvmLedger>,
    fee_payer: Arc<Keypair>,
    pool: Arc<Keypair>,
    authority: Keypair,
    mint: Address,
    sellers: [(Address, u64); 2],
}

const DEBTS: [(usize, u64); 5] = [(0, 100), (0, 200), (1, 50), (0, 300), (1, 70)];

/// One chain for many worlds (each has its own pool and sellers).
fn chain() -> Arc<LiteSvmLedger> {
    Arc::new(LiteSvmLedger::new())
}

async fn world(store: &Store, ledger: &Arc<LiteSvmLedger>, run: u64, pool_funds: u64) -> World {
    let ledger = ledger.clone();
    let fee_payer = Arc::new(ledger.funded_keypair(1_000_000_000).unwrap());
    let authority = ledger.funded_keypair(1_000_000_000).unwrap();
    let mint = ledger.create_mint(&authority, 6).unwrap();
    let pool = Arc::new(Keypair::new());
    ledger
        .mint_to(&authority, &mint, &pool.pubkey(), pool_funds)
        .unwrap();
    let (a, b) = (Keypair::new().pubkey(), Keypair::new().pubkey());
    for seller in [a, b] {
        ledger
            .create_token_account(&authority, &mint, &seller)
            .unwrap();
    }
    let mut sellers = [(a, 0), (b, 0)];
    for (i, (seller, amount)) in DEBTS.iter().enumerate() {
        let debt = Debt {
            asset: mint.to_string(),
            pay_to: sellers[*seller].0.to_string(),
            amount: *amount,
        };
        let id = FieldElement::from(run * 1000 + i as u64);
        store
            .record_issued(&id, "{}", Some(&debt), 1_000 + i as u64)
            .await
            .unwrap();
        sellers[*seller].1 += amount;
    }
    World {
        ledger,
        fee_payer,
        pool,
        authority,
        mint,
        sellers,
    }
}

impl World {
    fn job(&self, store: Arc<dyn PayoutStore>, ledger: Arc<dyn Ledger>) -> PayoutJob {
        PayoutJob::new(
            store,
            ledger,
            self.fee_payer.clone(),
            self.pool.clone(),
            PayoutPolicy {
                max_receipts: 2,
                ..PayoutPolicy::everything()
            },
        )
    }

    /// Each seller holds exactly what it was owed; its confirmed payouts sum to
    /// it; nothing is owed or unfinished.
    async fn assert_paid_once(&self, store: &Store, pool_left: u64, what: &str) {
        let history = store.payouts(100_000).await.unwrap();
        for (seller, owed) in &self.sellers {
            assert_eq!(
                self.ledger.token_balance(seller, &self.mint),
                *owed,
                "{what}: seller balance"
            );
            let confirmed: u64 = history
                .iter()
                .filter(|p| p.pay_to == seller.to_string() && p.state == PayoutState::Confirmed)
                .map(|p| p.amount)
                .sum();
            assert_eq!(confirmed, *owed, "{what}: confirmed payouts");
        }
        assert_eq!(
            self.ledger.token_balance(&self.pool.pubkey(), &self.mint),
            pool_left,
            "{what}: pool balance"
        );
        assert!(store.owed().await.unwrap().is_empty(), "{what}: still owed");
        assert!(
            store.unfinished_payouts().await.unwrap().is_empty(),
            "{what}: unfinished payouts"
        );
    }
}

const TOTAL: u64 = 100 + 200 + 50 + 300 + 70;

fn crashing_job(w: &World, store: &Arc<Store>, crash: &Arc<Crash>) -> PayoutJob {
    w.job(
        Arc::new(CrashingStore {
            inner: store.clone(),
            crash: crash.clone(),
        }),
        Arc::new(CrashingLedger {
            inner: w.ledger.clone(),
            crash: crash.clone(),
        }),
    )
}

/// Kills the job at every call it makes (before and after each effect;
/// restarting soon and late) and checks nothing is paid twice or forgotten;
/// returns the number of killed runs.
async fn kill_at_every_step(store: &Arc<Store>) -> usize {
    // How many calls a whole run makes: count them in one that never dies.
    let ledger = chain();
    let w = world(store, &ledger, 0, 2 * TOTAL).await;
    let counter = Arc::new(Crash {
        at: usize::MAX,
        after_effect: false,
        calls: AtomicUsize::new(0),
    });
    crashing_job(&w, store, &counter).run_once().await.unwrap();
    w.assert_paid_once(store, TOTAL, "no crash").await;
    let calls = counter.calls.load(Ordering::SeqCst);
    assert!(calls >= 20, "a run pays three payouts: {calls} calls");

    let mut killed = 0;
    let mut run = 0u64;
    for at in 0..calls {
        for after_effect in [false, true] {
            for late in [false, true] {
                run += 1;
                let w = world(store, &ledger, run, 2 * TOTAL).await;
                let crash = Arc::new(Crash {
                    at,
                    after_effect,
                    calls: AtomicUsize::new(0),
                });
                let died = crashing_job(&w, store, &crash).run_once().await.is_err();
                assert!(died, "call {at} of {calls} fails");
                if late {
                    w.ledger.expire_blockhash();
                }
                let restarted = w.job(store.clone(), w.ledger.clone());
                for _ in 0..2 {
                    restarted.run_once().await.unwrap();
                }
                let what = format!(
                    "killed at call {at} of {calls} (after its effect: {after_effect}, \
                     restarted late: {late})"
                );
                w.assert_paid_once(store, TOTAL, &what).await;
                killed += 1;
            }
        }
    }
    // The late restarts went through expiry: payouts whose recorded transaction
    // could never land, replaced by new ones (at least the first payout killed
    // after recording its transaction, and killed before sending it).
    let history = store.payouts(100_000).await.unwrap();
    let expired = history
        .iter()
        .filter(|p| p.state == PayoutState::Expired)
        .count();
    assert!(expired >= 2, "{expired} payouts expired and were replaced");
    eprintln!(
        "{} payouts, {expired} of them expired and replaced",
        history.len()
    );
    killed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_a_kill_at_every_step() {
    // One database for every run, as for PostgreSQL: earlier runs end fully paid.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/issuer.db", dir.path().display());
    let store = Arc::new(Store::open(&url).await.unwrap());
    let killed = kill_at_every_step(&store).await;
    eprintln!("sqlite: {killed} killed payout runs recovered, each seller paid once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_a_kill_at_every_step() {
    let Some(cluster) = Cluster::start_or_skip("PostgreSQL payout crash tests") else {
        return;
    };
    // One database for every run: earlier runs end fully paid.
    let store = Arc::new(Store::open(&cluster.url()).await.unwrap());
    let killed = kill_at_every_step(&store).await;
    eprintln!("postgres: {killed} killed payout runs recovered, each seller paid once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_jobs_pay_each_debt_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/issuer.db", dir.path().display());
    let store = Arc::new(Store::open(&url).await.unwrap());
    // Twice the debts in the pool: a double payment would succeed, and show.
    let w = world(&store, &chain(), 1, 2 * TOTAL).await;
    let jobs = (0..4).map(|_| {
        let job = w.job(store.clone(), w.ledger.clone());
        tokio::spawn(async move { job.run_once().await })
    });
    let mut confirmed = 0;
    for j in jobs.collect::<Vec<_>>() {
        match j.await.unwrap() {
            Ok(run) => confirmed += run.confirmed.len(),
            // A job may lose a race on SQLite's write lock; the others carry on.
            Err(x402_zk_issuer::PayoutError::Store(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let last = w.job(store.clone(), w.ledger.clone()).run_once().await;
    confirmed += last.unwrap().confirmed.len();
    assert_eq!(
        confirmed, 3,
        "three payouts (two for A, one for B), each confirmed once"
    );
    w.assert_paid_once(&store, TOTAL, "four jobs at once").await;
}

#[tokio::test]
async fn a_seller_without_a_token_account_is_paid_once_it_has_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/issuer.db", dir.path().display());
    let store = Arc::new(Store::open(&url).await.unwrap());
    let ledger = chain();
    let w = world(&store, &ledger, 1, TOTAL).await;
    let homeless = Keypair::new().pubkey();
    let debt = Debt {
        asset: w.mint.to_string(),
        pay_to: homeless.to_string(),
        amount: 5,
    };
    // (A new blockhash first: the same setup transaction again would be a replay.)
    w.ledger.expire_blockhash();
    w.ledger
        .mint_to(&w.authority, &w.mint, &w.pool.pubkey(), 5)
        .unwrap();
    store
        .record_issued(&FieldElement::from(99u64), "{}", Some(&debt), 2_000)
        .await
        .unwrap();
    let job = w.job(store.clone(), w.ledger.clone());
    let run = job.run_once().await.unwrap();
    assert_eq!(run.confirmed.len(), 3, "the others are paid");
    assert_eq!(
        run.expired.len(),
        1,
        "the transfer to a missing account fails"
    );
    assert_eq!(w.ledger.token_balance(&homeless, &w.mint), 0);
    let owed = store.owed().await.unwrap();
    assert_eq!((owed.len(), owed[0].amount), (1, 5), "still owed");
    assert!(
        w.ledger
            .account(&x402_zk_svm::exact::associated_token_address(
                &homeless, &w.mint
            ))
            .is_none(),
        "the issuer created no account (it would pay its rent)"
    );

    w.ledger.expire_blockhash();
    w.ledger
        .create_token_account(&w.authority, &w.mint, &homeless)
        .unwrap();
    job.run_once().await.unwrap();
    assert_eq!(w.ledger.token_balance(&homeless, &w.mint), 5);
    w.assert_paid_once(&store, 0, "after the seller made its account")
        .await;
}

#[tokio::test]
async fn an_underfunded_pool_keeps_the_debt_until_it_can_pay() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/issuer.db", dir.path().display());
    let store = Arc::new(Store::open(&url).await.unwrap());
    let w = world(&store, &chain(), 1, 10).await;
    let job = w.job(store.clone(), w.ledger.clone());
    let run = job.run_once().await.unwrap();
    assert!(run.confirmed.is_empty());
    assert!(!run.expired.is_empty(), "the failed transfers expire");
    assert!(
        run.expired.iter().all(|p| p.detail.is_some()),
        "with the reason"
    );
    let owed: u128 = store.owed().await.unwrap().iter().map(|o| o.amount).sum();
    assert_eq!(owed, u128::from(TOTAL), "every debt is owed again");

    // (A new blockhash first: the same setup transaction again would be a replay.)
    w.ledger.expire_blockhash();
    w.ledger
        .mint_to(&w.authority, &w.mint, &w.pool.pubkey(), TOTAL - 10)
        .unwrap();
    job.run_once().await.unwrap();
    w.assert_paid_once(&store, 0, "after funding the pool")
        .await;
}
