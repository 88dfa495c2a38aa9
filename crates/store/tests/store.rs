//! The same suite on SQLite and PostgreSQL: the nullifier state machine, expiry,
//! 32 concurrent spends with exactly one winner, idempotent settlement, one receipt
//! per payment, and durability across a restart. PostgreSQL runs in a throwaway
//! cluster made with the local `initdb`/`pg_ctl`; without them the tests say loudly
//! that they were skipped, unless `CI` or `X402ZK_REQUIRE_POSTGRES` is set.

use std::sync::Arc;
use x402_zk_primitives::FieldElement;
use x402_zk_store::testing::Cluster;
use x402_zk_store::{payouts::MAX_AMOUNT, *};

fn n(v: u64) -> FieldElement {
    FieldElement::from(v)
}

async fn state_machine(store: &Store) {
    use Conflict::*;
    let x = n(1);
    assert_eq!(store.state(&x, 0).await.unwrap(), NullifierState::Free);
    assert_eq!(
        store.reserve(&x, "p1", 1000, 1060).await.unwrap(),
        Reservation::Reserved
    );
    assert_eq!(
        store.reserve(&x, "p1", 1001, 1061).await.unwrap(),
        Reservation::Refused(Reserved),
        "replayed verify"
    );
    assert_eq!(
        store.reserve(&x, "p2", 1001, 1061).await.unwrap(),
        Reservation::Refused(Reserved)
    );
    assert_eq!(
        store.spend(&x, "p2", 1002).await.unwrap(),
        Spend::Refused(Reserved)
    );
    assert_eq!(store.spend(&x, "p1", 1003).await.unwrap(), Spend::Spent);
    assert_eq!(
        store.spend(&x, "p1", 1004).await.unwrap(),
        Spend::AlreadySpentBySamePayment
    );
    assert_eq!(
        store.spend(&x, "p2", 1005).await.unwrap(),
        Spend::Refused(Spent)
    );
    assert_eq!(
        store.reserve(&x, "p3", 99_999, 100_000).await.unwrap(),
        Reservation::Refused(Spent),
        "spent forever"
    );
    assert_eq!(
        store.state(&x, 99_999).await.unwrap(),
        NullifierState::Spent {
            payment: "p1".into()
        }
    );

    // A reservation that expires is released; its holder can no longer settle.
    let y = n(2);
    assert_eq!(
        store.reserve(&y, "p1", 1000, 1060).await.unwrap(),
        Reservation::Reserved
    );
    assert_eq!(store.state(&y, 1060).await.unwrap(), NullifierState::Free);
    assert_eq!(
        store.reserve(&y, "p2", 1060, 1120).await.unwrap(),
        Reservation::Reserved
    );
    assert_eq!(
        store.spend(&y, "p1", 1061).await.unwrap(),
        Spend::Refused(Reserved)
    );
    assert_eq!(store.spend(&y, "p2", 1062).await.unwrap(), Spend::Spent);

    // Settling up front: verify-and-spend in one step.
    assert_eq!(store.spend(&n(3), "p1", 1000).await.unwrap(), Spend::Spent);
}

async fn concurrency(store: &Store) {
    let store = Arc::new(store.clone());
    let spends = (0..32).map(|i| {
        let s = store.clone();
        tokio::spawn(async move {
            s.spend(&n(10), &format!("payment-{i}"), 1000)
                .await
                .unwrap()
        })
    });
    let results: Vec<Spend> = futures_join(spends).await;
    assert_eq!(
        results.iter().filter(|r| **r == Spend::Spent).count(),
        1,
        "{results:?}"
    );
    assert!(results
        .iter()
        .all(|r| matches!(r, Spend::Spent | Spend::Refused(Conflict::Spent))));

    let reserves = (0..32).map(|i| {
        let s = store.clone();
        tokio::spawn(async move {
            s.reserve(&n(11), &format!("payment-{i}"), 1000, 2000)
                .await
                .unwrap()
        })
    });
    let results: Vec<Reservation> = futures_join(reserves).await;
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == Reservation::Reserved)
            .count(),
        1,
        "{results:?}"
    );

    let records = (0..32).map(|i| {
        let s = store.clone();
        tokio::spawn(async move {
            s.record_issued(&n(12), &format!("receipt-{i}"), None, 1000)
                .await
                .unwrap()
        })
    });
    let results: Vec<Issued> = futures_join(records).await;
    assert_eq!(results.iter().filter(|r| **r == Issued::New).count(), 1);
}

async fn futures_join<T: std::fmt::Debug + Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = vec![];
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

async fn one_receipt_per_payment(store: &Store) {
    let id = n(20);
    assert_eq!(store.issued(&id).await.unwrap(), None);
    assert_eq!(
        store
            .record_issued(&id, "{\"receipt\":1}", None, 1000)
            .await
            .unwrap(),
        Issued::New
    );
    assert_eq!(
        store
            .record_issued(&id, "{\"receipt\":2}", None, 1001)
            .await
            .unwrap(),
        Issued::Existing("{\"receipt\":1}".into())
    );
    assert_eq!(
        store.issued(&id).await.unwrap().as_deref(),
        Some("{\"receipt\":1}")
    );
    // x402 payment-identifier ids: the first payment binds an id for good.
    let bind =
        |id: &'static str, digest: &'static str| store.bind_payment_identifier(id, digest, 1000);
    assert_eq!(
        bind("pay_0123456789abcdef", "d1").await.unwrap(),
        IdentifierBinding::New
    );
    assert_eq!(
        bind("pay_0123456789abcdef", "d1").await.unwrap(),
        IdentifierBinding::Same
    );
    assert_eq!(
        bind("pay_0123456789abcdef", "d2").await.unwrap(),
        IdentifierBinding::Conflict
    );
    assert_eq!(
        bind("pay_fedcba9876543210", "d2").await.unwrap(),
        IdentifierBinding::New
    );
}

fn debt(pay_to: &str, amount: u64) -> Debt {
    Debt {
        asset: "MINT".into(),
        pay_to: pay_to.into(),
        amount,
    }
}

/// Every pooled receipt is owed once: the debts of `pay_to` are exactly the sum of
/// its unassigned debts, its unfinished payouts and its confirmed payouts.
async fn assert_balanced(store: &Store, pay_to: &str, issued: u128) {
    let owed: u128 = store
        .owed()
        .await
        .unwrap()
        .iter()
        .filter(|o| o.pay_to == pay_to)
        .map(|o| o.amount)
        .sum();
    let in_payouts: u128 = store
        .payouts(1000)
        .await
        .unwrap()
        .iter()
        .filter(|p| p.pay_to == pay_to && p.state != PayoutState::Expired)
        .map(|p| u128::from(p.amount))
        .sum();
    assert_eq!(
        owed + in_payouts,
        issued,
        "{pay_to}: owed {owed} + paid {in_payouts}"
    );
}

async fn payout_accounting(store: &Store) {
    let receipt = |i: u64| format!("{{\"receipt\":{i}}}");
    for i in 1..=5 {
        let issued = store
            .record_issued(
                &n(100 + i),
                &receipt(i),
                Some(&debt("A", i * 100)),
                2000 + i,
            )
            .await
            .unwrap();
        assert_eq!(issued, Issued::New);
    }
    for i in 6..=7 {
        store
            .record_issued(&n(100 + i), &receipt(i), Some(&debt("B", 7)), 2000 + i)
            .await
            .unwrap();
    }
    // A direct receipt owes nothing; a retried pooled one is owed once.
    store
        .record_issued(&n(108), &receipt(8), None, 2008)
        .await
        .unwrap();
    assert!(matches!(
        store
            .record_issued(&n(101), &receipt(1), Some(&debt("A", 100)), 2010)
            .await
            .unwrap(),
        Issued::Existing(_)
    ));
    for bad in [0, MAX_AMOUNT + 1] {
        assert!(matches!(
            store
                .record_issued(&n(109), &receipt(9), Some(&debt("A", bad)), 2010)
                .await,
            Err(StoreError::Invalid(_))
        ));
    }
    assert_eq!(
        store.issued(&n(109)).await.unwrap(),
        None,
        "nothing half-recorded"
    );
    let owed = store.owed().await.unwrap();
    assert_eq!(owed.len(), 2);
    assert_eq!(
        (owed[0].amount, owed[0].receipts, owed[0].oldest),
        (1500, 5, 2001)
    );
    assert_eq!((owed[1].amount, owed[1].receipts), (14, 2));
    assert_balanced(store, "A", 1500).await;

    // The three oldest debts, then the rest to exactly one of eight racing jobs.
    let first = store
        .open_payout("p1", "MINT", "A", 3, 3000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.amount, first.receipts, first.state),
        (600, 3, PayoutState::Open)
    );
    let racing = (0..8).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .open_payout(&format!("race{i}"), "MINT", "A", 100, 3001)
                .await
                .unwrap()
        })
    });
    let won: Vec<Payout> = futures_join(racing).await.into_iter().flatten().collect();
    assert_eq!(won.len(), 1, "one job wins the remaining debts");
    assert_eq!((won[0].amount, won[0].receipts), (900, 2));
    assert!(store
        .open_payout("p-none", "MINT", "A", 100, 3002)
        .await
        .unwrap()
        .is_none());
    assert_balanced(store, "A", 1500).await;

    // The first recorded transaction wins; only the recorded one may expire.
    let signed = store
        .record_signed("p1", "tx1", "wire1", 3003)
        .await
        .unwrap();
    assert_eq!(
        (signed.state, signed.transaction.as_deref()),
        (PayoutState::Signed, Some("tx1"))
    );
    let again = store
        .record_signed("p1", "tx2", "wire2", 3004)
        .await
        .unwrap();
    assert_eq!(
        (again.transaction.as_deref(), again.wire.as_deref()),
        (Some("tx1"), Some("wire1"))
    );
    assert!(!store
        .expire_payout("p1", "tx2", "expired", 3005)
        .await
        .unwrap());
    assert!(store
        .expire_payout("p1", "tx1", "blockhash expired", 3005)
        .await
        .unwrap());
    assert!(
        !store.confirm_payout("p1", 3006).await.unwrap(),
        "expired is final"
    );
    assert_eq!(
        store.payout("p1").await.unwrap().unwrap().state,
        PayoutState::Expired
    );
    assert_balanced(store, "A", 1500).await;

    // Released debts go to the next payout, which lands.
    let next = store
        .open_payout("p3", "MINT", "A", 100, 3007)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((next.amount, next.receipts), (600, 3));
    assert!(
        !store.confirm_payout("p3", 3008).await.unwrap(),
        "not signed yet"
    );
    store
        .record_signed("p3", "tx3", "wire3", 3008)
        .await
        .unwrap();
    assert!(store.confirm_payout("p3", 3009).await.unwrap());
    assert!(!store.confirm_payout("p3", 3010).await.unwrap());
    assert!(
        !store
            .expire_payout("p3", "tx3", "late", 3010)
            .await
            .unwrap(),
        "confirmed is final"
    );
    let unfinished: Vec<String> = store
        .unfinished_payouts()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(unfinished, vec![won[0].id.clone()]);
    assert_balanced(store, "A", 1500).await;
    assert_balanced(store, "B", 14).await;

    // Two debts of the largest amount do not fit one transfer: one waits.
    for i in 0..2 {
        store
            .record_issued(
                &n(120 + i),
                &receipt(20 + i),
                Some(&debt("C", MAX_AMOUNT)),
                2020,
            )
            .await
            .unwrap();
    }
    let big = store
        .open_payout("p4", "MINT", "C", 100, 3011)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((big.amount, big.receipts), (MAX_AMOUNT, 1));
    assert_balanced(store, "C", 2 * u128::from(MAX_AMOUNT)).await;
    let history = store.payouts(2).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].id, "p4", "newest first");
}

async fn suite(store: &Store) {
    state_machine(store).await;
    concurrency(store).await;
    one_receipt_per_payment(store).await;
    payout_accounting(store).await;
}

async fn survives_restart(after: &Store) {
    assert_eq!(
        after.state(&n(1), 5000).await.unwrap(),
        NullifierState::Spent {
            payment: "p1".into()
        }
    );
    assert_eq!(
        after.spend(&n(10), "someone", 5000).await.unwrap(),
        Spend::Refused(Conflict::Spent)
    );
    assert_eq!(
        after.issued(&n(20)).await.unwrap().as_deref(),
        Some("{\"receipt\":1}")
    );
    assert_eq!(
        after.payout("p3").await.unwrap().unwrap().state,
        PayoutState::Confirmed
    );
    assert_balanced(after, "A", 1500).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/state.db", dir.path().display());
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    suite(&store).await;
    store.close().await;
    let reopened = Store::open(&url).await.unwrap();
    survives_restart(&reopened).await;
}

#[tokio::test]
async fn bad_urls_are_refused() {
    assert!(matches!(
        Store::open("mysql://x").await,
        Err(StoreError::Url(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    let Some(cluster) = Cluster::start_or_skip("PostgreSQL store tests") else {
        return;
    };
    let store = Store::open(&cluster.url()).await.unwrap();
    assert_eq!(store.backend(), "postgres");
    suite(&store).await;
    // A second instance on the same database sees the same state.
    let other = Store::open(&cluster.url()).await.unwrap();
    assert_eq!(
        other.spend(&n(3), "p9", 2000).await.unwrap(),
        Spend::Refused(Conflict::Spent)
    );
    store.close().await;
    other.close().await;
    cluster.pg_ctl("restart");
    let reopened = Store::open(&cluster.url()).await.unwrap();
    survives_restart(&reopened).await;
}
