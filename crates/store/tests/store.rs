//! The same suite on SQLite and PostgreSQL: the nullifier state machine, expiry,
//! 32 concurrent spends with exactly one winner, idempotent settlement, one receipt
//! per payment, and durability across a restart. PostgreSQL runs in a throwaway
//! cluster made with the local `initdb`/`pg_ctl`; without them the tests say loudly
//! that they were skipped, unless `CI` or `X402ZK_REQUIRE_POSTGRES` is set.

use std::{path::PathBuf, process::Command, sync::Arc};
use x402_zk_primitives::FieldElement;
use x402_zk_store::*;

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
            s.record_issued(&n(12), &format!("receipt-{i}"), 1000)
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
            .record_issued(&id, "{\"receipt\":1}", 1000)
            .await
            .unwrap(),
        Issued::New
    );
    assert_eq!(
        store
            .record_issued(&id, "{\"receipt\":2}", 1001)
            .await
            .unwrap(),
        Issued::Existing("{\"receipt\":1}".into())
    );
    assert_eq!(
        store.issued(&id).await.unwrap().as_deref(),
        Some("{\"receipt\":1}")
    );
}

async fn suite(store: &Store) {
    state_machine(store).await;
    concurrency(store).await;
    one_receipt_per_payment(store).await;
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

/// A throwaway PostgreSQL cluster in a temporary directory.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        let bin = find_pg_bin()?;
        let dir = tempfile::tempdir().unwrap();
        let as_root = running_as_root();
        if as_root {
            // initdb refuses to run as root: hand the directory to `postgres`.
            assert!(Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success());
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let c = Cluster { dir, bin, port };
        c.run(
            "initdb",
            &[
                "-D",
                &c.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        c.pg_ctl("start");
        Some(c)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, action: &str) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &opts,
                "-w",
                "-m",
                "fast",
                "-l",
                &format!("{}/log", self.dir.path().display()),
                action,
            ],
        );
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let out = if running_as_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(if running_as_root() { "runuser" } else { "true" })
            .args(if running_as_root() {
                vec!["-u", "postgres", "--"]
            } else {
                vec![]
            })
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

fn running_as_root() -> bool {
    // Effective uid from /proc (Linux), to avoid a libc dependency for one call.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

fn find_pg_bin() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    candidates.sort();
    candidates.reverse();
    candidates.push(PathBuf::from("/usr/local/bin"));
    candidates.push(PathBuf::from("/usr/bin"));
    candidates
        .into_iter()
        .find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    let Some(cluster) = Cluster::start() else {
        if std::env::var_os("CI").is_some() || std::env::var_os("X402ZK_REQUIRE_POSTGRES").is_some()
        {
            panic!("PostgreSQL binaries (initdb, pg_ctl) are required here: apt-get install postgresql");
        }
        eprintln!(
            "SKIPPED PostgreSQL store tests: no initdb/pg_ctl found (apt-get install postgresql)"
        );
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
