//! The whole system on loopback in one process: an embedded Solana chain
//! (LiteSVM, a USDC-like mint, a funded buyer), the issuer (settling direct or
//! pooled, with its payout job), the facilitator
//! (SQLite) and a seller with paid routes behind [`ZkPaywall`] (`/weather` and
//! `/slow` through the facilitator's HTTP API, `/local` verified in-process and settled before its handler), each on its own
//! port and its own task. `x402-zk demo` and the integration tests run it.

use anyhow::{Context, Result};
use axum::{routing::get, Extension, Router};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use x402_zk_axum::{Price, RemoteFacilitator, ZkPayment, ZkPaywall};
use x402_zk_issuer::{PayoutJob, PayoutPolicy, Settlement, SettlementMode};
use x402_zk_primitives::eddsa::{PublicKey, SecretKey};
use x402_zk_protocol::zk_receipt::IssuerInfo;
use x402_zk_prover::ProvingKey;
use x402_zk_service::{service_router, Limits, Readiness};
use x402_zk_store::Store;
use x402_zk_svm::{Address, Keypair, LiteSvmLedger, Signer};
use x402_zk_verifier::VerifyingKey;

/// The demo chain's network id (Solana devnet's CAIP-2 id; the chain is local).
pub const NETWORK: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
/// Decimals of the USDC-like mint.
pub const DECIMALS: u8 = 6;
/// The buyer's starting balance: 100 tokens.
pub const BUYER_FUNDS: u64 = 100_000_000;
/// Price of the paid routes: 0.01 token.
pub const PRICE: u64 = 10_000;

/// What the seller's handlers saw, one line per served request.
pub type SellerLog = Arc<Mutex<Vec<String>>>;

/// A service on a loopback port, stoppable.
pub struct Running {
    /// Its address.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    /// Serves `router` on `listener` (with peer addresses, for the rate limits).
    pub fn start(router: Router, listener: TcpListener) -> Result<Self> {
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        });
        Ok(Running {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Everything started by [`Stack::start`].
pub struct Stack {
    /// The chain.
    pub ledger: Arc<LiteSvmLedger>,
    /// The USDC-like mint.
    pub mint: Address,
    /// The buyer's Solana key (holds [`BUYER_FUNDS`]).
    pub buyer: Keypair,
    /// The seller's recipient.
    pub seller_pay_to: Address,
    /// The issuer's pool wallet (pooled settlement).
    pub pool: Option<Address>,
    /// The issuer's payout job (pooled settlement; run it with `run_once`).
    pub payouts: Option<PayoutJob>,
    /// The issuer's store (issued receipts, debts, payouts).
    pub issuer_store: Arc<Store>,
    /// The issuer's receipt key.
    pub issuer_key: PublicKey,
    /// The key pair of the statement.
    pub proving_key: ProvingKey,
    /// Its verifying key.
    pub verifying_key: VerifyingKey,
    /// Services.
    pub issuer: Running,
    /// Facilitator (restartable, see [`Stack::restart_facilitator`]).
    pub facilitator: Option<Running>,
    /// Seller.
    pub seller: Running,
    /// What the seller's handlers saw.
    pub seller_log: SellerLog,
    /// Gate the `/slow` route waits on (tests hold a request between verify and settle).
    pub slow_gate: Arc<tokio::sync::Semaphore>,
    /// Notified when a `/slow` request reaches its handler (it is verified).
    pub slow_entered: Arc<tokio::sync::Notify>,
    /// The issuer's signing key, for tests that forge or vary receipts.
    pub issuer_secret: SecretKey,
    dir: PathBuf,
    limits: Limits,
}

/// Reads dev keys from `dir` (`proving.key`), or creates them there. It is a
/// cache: a key that no longer fits the circuit (its shape is checked on load) is
/// replaced.
pub fn dev_keys(dir: &Path) -> Result<(ProvingKey, VerifyingKey)> {
    let path = dir.join("proving.key");
    if let Some(pk) = std::fs::read(&path)
        .ok()
        .and_then(|bytes| ProvingKey::from_bytes(&bytes).ok())
    {
        let vk = pk.verifying_key()?;
        return Ok((pk, vk));
    }
    let (pk, vk) = x402_zk_prover::setup_dev(&mut rand::rngs::OsRng)?;
    std::fs::create_dir_all(dir)?;
    std::fs::write(&path, pk.to_bytes())?;
    std::fs::write(dir.join("verifying.key"), vk.to_bytes())?;
    Ok((pk, vk))
}

async fn facilitator_router(
    dir: &Path,
    vk: &VerifyingKey,
    issuer: PublicKey,
    limits: &Limits,
) -> Result<Router> {
    let url = format!("sqlite://{}", dir.join("facilitator.db").display());
    let store = Store::open(&url).await?;
    let mut state = x402_zk_facilitator::AppState::new(
        vk.clone(),
        vec![issuer],
        vec![NETWORK.into()],
        Arc::new(store),
    );
    state.limits = limits.clone();
    Ok(x402_zk_facilitator::app(state))
}

impl Stack {
    /// Starts the chain and the three services on loopback with the default
    /// limits and direct settlement; `dir` holds the databases and `keys` the
    /// proving key (created there if missing).
    pub async fn start(dir: &Path, keys: &Path) -> Result<Stack> {
        Self::start_with(dir, keys, &Limits::default(), SettlementMode::Direct).await
    }

    /// [`Stack::start`] with the issuer's, facilitator's and seller's request
    /// limits set to `limits` (the load test lifts the per-client rate, since all
    /// its clients share one address) and the issuer settling as `settlement`
    /// says (pooled: the seller names the pool, and [`Stack::payouts`] pays it).
    pub async fn start_with(
        dir: &Path,
        keys: &Path,
        limits: &Limits,
        settlement: SettlementMode,
    ) -> Result<Stack> {
        let (proving_key, verifying_key) = dev_keys(keys)?;
        let any = SocketAddr::from(([127, 0, 0, 1], 0));

        // The chain: fee payer, mint, funded buyer, seller's token account.
        let ledger = Arc::new(LiteSvmLedger::new());
        let fee_payer = ledger.funded_keypair(10_000_000_000)?;
        let mint_authority = ledger.funded_keypair(1_000_000_000)?;
        let mint = ledger.create_mint(&mint_authority, DECIMALS)?;
        let buyer = Keypair::new();
        ledger.mint_to(&mint_authority, &mint, &buyer.pubkey(), BUYER_FUNDS)?;
        let seller_pay_to = Keypair::new().pubkey();
        ledger.create_token_account(&mint_authority, &mint, &seller_pay_to)?;
        // The pool's token account receives pooled payments.
        let pool = (settlement == SettlementMode::Pooled).then(Keypair::new);
        if let Some(pool) = &pool {
            ledger.create_token_account(&mint_authority, &mint, &pool.pubkey())?;
        }

        // Issuer.
        let issuer_bytes: [u8; 32] = rand::random();
        let issuer_secret = SecretKey::from_bytes(issuer_bytes);
        let issuer_key = issuer_secret.public_key();
        let issuer_listener = TcpListener::bind(any).await?;
        let issuer_addr = issuer_listener.local_addr()?;
        let issuer_store =
            Arc::new(Store::open(&format!("sqlite://{}", dir.join("issuer.db").display())).await?);
        let mut issuer_state = x402_zk_issuer::IssuerState::new(
            issuer_secret,
            fee_payer,
            ledger.clone(),
            NETWORK,
            issuer_store.clone(),
            format!("http://{issuer_addr}"),
        );
        issuer_state.assets = vec![mint.to_string()];
        let payouts = pool.map(|pool| {
            issuer_state.settlement = Settlement::Pooled {
                pool: pool.pubkey(),
            };
            PayoutJob::new(
                issuer_store.clone(),
                ledger.clone(),
                issuer_state.fee_payer.clone(),
                Arc::new(pool),
                PayoutPolicy::everything(),
            )
        });
        let pool = match issuer_state.settlement {
            Settlement::Pooled { pool } => Some(pool),
            Settlement::Direct => None,
        };
        issuer_state.limits = Limits {
            request_timeout: x402_zk_issuer::default_limits().request_timeout,
            ..limits.clone()
        };
        let issuer = Running::start(x402_zk_issuer::app(issuer_state), issuer_listener)?;

        // Facilitator.
        let facilitator = Running::start(
            facilitator_router(dir, &verifying_key, issuer_key, limits).await?,
            TcpListener::bind(any).await?,
        )?;

        // Seller: two paid routes through the facilitator's HTTP API.
        let seller_listener = TcpListener::bind(any).await?;
        let seller_addr = seller_listener.local_addr()?;
        let price = Price {
            network: NETWORK.into(),
            asset: mint.to_string(),
            pay_to: seller_pay_to.to_string(),
            amount: PRICE,
            max_payment_age_seconds: 3600,
            issuers: vec![IssuerInfo {
                key: issuer_key,
                url: Some(issuer.url()),
                pool: pool.map(|p| p.to_string()),
            }],
            vk_hash: verifying_key.hash_hex(),
            description: Some("a private weather report".into()),
        };
        let paywall = ZkPaywall::new(
            price.clone(),
            format!("http://{seller_addr}"),
            RemoteFacilitator::new(facilitator.url()),
            rand::random(),
        );
        // `/local` verifies in-process, with its own nullifier store, and settles
        // before its handler runs.
        let local_store = Store::open(&format!(
            "sqlite://{}",
            dir.join("seller-local.db").display()
        ))
        .await?;
        let local_verifier = x402_zk_facilitator::AppState::new(
            verifying_key.clone(),
            vec![issuer_key],
            vec![NETWORK.into()],
            Arc::new(local_store),
        );
        let local_paywall = ZkPaywall::new(
            price,
            format!("http://{seller_addr}"),
            local_verifier,
            rand::random(),
        )
        .settle_first();
        let seller_log: SellerLog = Arc::default();
        let log3 = seller_log.clone();
        let local = Router::new()
            .route(
                "/local",
                get(move |Extension(p): Extension<ZkPayment>| async move {
                    let settled = p.settlement.is_some_and(|s| s.success);
                    log3.lock().unwrap_or_else(|e| e.into_inner()).push(format!(
                        "/local paid by {} (settled before the handler: {settled})",
                        p.payer
                    ));
                    if settled {
                        "verified in-process"
                    } else {
                        "not settled"
                    }
                }),
            )
            .layer(local_paywall);
        let slow_gate = Arc::new(tokio::sync::Semaphore::new(0));
        let slow_entered = Arc::new(tokio::sync::Notify::new());
        let (log, gate, entered) = (seller_log.clone(), slow_gate.clone(), slow_entered.clone());
        let log2 = seller_log.clone();
        let router = Router::new()
            .route(
                "/weather",
                get(move |Extension(p): Extension<ZkPayment>| async move {
                    log.lock().unwrap_or_else(|e| e.into_inner()).push(format!(
                        "/weather paid by {} (price {})",
                        p.payer, p.requirement.amount
                    ));
                    "sunny, 21 °C"
                }),
            )
            .route(
                "/slow",
                get(move |Extension(p): Extension<ZkPayment>| async move {
                    entered.notify_one();
                    if let Ok(permit) = gate.acquire().await {
                        permit.forget();
                    }
                    log2.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(format!("/slow paid by {}", p.payer));
                    "worth the wait"
                }),
            )
            .layer(paywall)
            .merge(local);
        let router = service_router("seller", router, limits, Readiness::ready());
        let seller = Running::start(router, seller_listener)?;

        Ok(Stack {
            ledger,
            mint,
            buyer,
            seller_pay_to,
            pool,
            payouts,
            issuer_store,
            issuer_key,
            proving_key,
            verifying_key,
            issuer,
            facilitator: Some(facilitator),
            seller,
            seller_log,
            slow_gate,
            slow_entered,
            issuer_secret: SecretKey::from_bytes(issuer_bytes),
            dir: dir.to_path_buf(),
            limits: limits.clone(),
        })
    }

    /// Stops the facilitator (in-flight requests finish) and starts a new one on
    /// the same port and the same database, as after a crash and restart.
    pub async fn restart_facilitator(&mut self) -> Result<()> {
        let old = self.facilitator.take().context("facilitator not running")?;
        let addr = old.addr;
        old.stop().await;
        let router = facilitator_router(
            &self.dir,
            &self.verifying_key,
            self.issuer_key,
            &self.limits,
        )
        .await?;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        self.facilitator = Some(Running::start(router, listener)?);
        Ok(())
    }

    /// The buyer's Solana key, copied.
    pub fn buyer_keypair(&self) -> Keypair {
        Keypair::try_from(self.buyer.to_bytes().as_slice()).expect("a keypair round-trips")
    }

    /// Stops every service.
    pub async fn stop(mut self) {
        self.seller.stop().await;
        if let Some(f) = self.facilitator.take() {
            f.stop().await;
        }
        self.issuer.stop().await;
    }
}
