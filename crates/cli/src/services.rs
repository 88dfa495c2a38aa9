//! `x402-zk serve issuer|seller` and `x402-zk fetch`: the parties as separate
//! processes.

use crate::files::write_file;
use anyhow::{bail, Context, Result};
use axum::{routing::get, Extension, Router};
use serde::{Deserialize, Serialize};
use std::{net::SocketAddr, path::PathBuf, sync::Arc};
use x402_zk_axum::{Price, RemoteFacilitator, ZkPayment, ZkPaywall};
use x402_zk_client::{Buyer, Wallet};
use x402_zk_issuer::{Config as IssuerConfig, LedgerKind};
use x402_zk_primitives::eddsa::PublicKey;
use x402_zk_protocol::zk_receipt::IssuerInfo;
use x402_zk_prover::ProvingKey;
use x402_zk_service::{service_router, shutdown_signal, LimitArgs, Limits, Readiness};
use x402_zk_svm::{Keypair, Ledger, LiteSvmLedger, Signer};
use x402_zk_verifier::VerifyingKey;

/// `serve issuer` flags: the issuer's own, plus the embedded chain's.
#[derive(clap::Args, Debug)]
pub struct IssuerArgs {
    #[command(flatten)]
    config: IssuerConfig,
    /// With `--ledger litesvm`: where to write the embedded chain's description
    /// (`chain.json`: network, mint, a seller recipient) and a funded buyer key
    /// (`buyer.keypair`, 0600), so a seller and a buyer can use this chain.
    #[arg(long, env = "X402ZK_DEV_CHAIN_DIR", default_value = "dev-chain")]
    dev_chain: PathBuf,
}

/// The embedded chain, described for the other processes.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevChain {
    network: String,
    mint: String,
    decimals: u8,
    pay_to: String,
    /// The issuer's pool wallet when it settles pooled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pool: Option<String>,
}

fn write_keypair(path: &std::path::Path, k: &Keypair) -> Result<()> {
    write_file(
        path,
        serde_json::to_string(&k.to_bytes().to_vec())?.as_bytes(),
        true,
        true,
    )
}

/// The keypair in `path`, created there (0600) if the file does not exist.
fn read_or_create_keypair(path: &std::path::Path, what: &str) -> Result<Keypair> {
    match x402_zk_issuer::read_keypair(path) {
        Ok(k) => Ok(k),
        Err(_) if !path.exists() => {
            let k = Keypair::new();
            write_keypair(path, &k)?;
            Ok(k)
        }
        Err(e) => bail!("{what} {}: {e}", path.display()),
    }
}

/// Sets up the embedded chain: a fee payer (written to `--fee-payer` if missing),
/// a mint, a funded buyer, a seller recipient, and with `--settlement pooled` the
/// pool's token account (its key written to `--pool-key` if missing).
fn dev_chain(args: &IssuerArgs) -> Result<(Arc<dyn Ledger>, String)> {
    let ledger = LiteSvmLedger::new();
    let fee_payer = read_or_create_keypair(&args.config.fee_payer, "fee payer")?;
    ledger.airdrop(&fee_payer.pubkey(), 100_000_000_000)?;
    let authority = ledger.funded_keypair(1_000_000_000)?;
    let mint = ledger.create_mint(&authority, 6)?;
    let buyer = Keypair::new();
    ledger.mint_to(&authority, &mint, &buyer.pubkey(), 100_000_000)?;
    let pay_to = Keypair::new().pubkey();
    ledger.create_token_account(&authority, &mint, &pay_to)?;
    let pool = match (args.config.settlement, &args.config.pool_key) {
        (x402_zk_issuer::SettlementMode::Pooled, Some(path)) => {
            let pool = read_or_create_keypair(path, "pool key")?.pubkey();
            ledger.create_token_account(&authority, &mint, &pool)?;
            Some(pool.to_string())
        }
        _ => None,
    };
    std::fs::create_dir_all(&args.dev_chain)?;
    write_keypair(&args.dev_chain.join("buyer.keypair"), &buyer)?;
    let chain = DevChain {
        network: args.config.network.clone(),
        mint: mint.to_string(),
        decimals: 6,
        pay_to: pay_to.to_string(),
        pool,
    };
    let path = args.dev_chain.join("chain.json");
    write_file(
        &path,
        serde_json::to_string_pretty(&chain)?.as_bytes(),
        false,
        true,
    )?;
    eprintln!(
        "embedded chain: mint {mint}, seller recipient {pay_to}; buyer key (100 tokens) in {}",
        args.dev_chain.join("buyer.keypair").display()
    );
    Ok((Arc::new(ledger), mint.to_string()))
}

/// Runs the issuer until SIGINT/SIGTERM.
pub async fn serve_issuer(args: IssuerArgs) -> Result<()> {
    let (ledger, dev_mint) = match args.config.ledger {
        LedgerKind::Litesvm => {
            let (ledger, mint) = dev_chain(&args)?;
            (Some(ledger), Some(mint))
        }
        LedgerKind::Rpc => (None, None),
    };
    let mut issuer = args.config.issuer(ledger).await?;
    if let Some(mint) = dev_mint {
        // The embedded chain's own mint is the one sold.
        issuer.state.assets = vec![mint];
    }
    let state = &issuer.state;
    let listener = tokio::net::TcpListener::bind(args.config.bind)
        .await
        .with_context(|| format!("listening on {}", args.config.bind))?;
    tracing::info!(addr = %args.config.bind, network = %state.network, fee_payer = %state.fee_payer.pubkey(), "issuer listening");
    x402_zk_issuer::serve_on(listener, issuer, shutdown_signal()).await;
    Ok(())
}

/// `serve seller` flags: a reference seller with one paid route.
#[derive(clap::Args, Debug)]
pub struct SellerArgs {
    /// Address to listen on.
    #[arg(long, env = "X402ZK_SELLER_BIND", default_value = "127.0.0.1:4022")]
    bind: SocketAddr,
    /// URL buyers reach this seller at (bound into every proof; defaults to `http://{bind}`).
    #[arg(long, env = "X402ZK_SELLER_PUBLIC_URL")]
    public_url: Option<String>,
    /// Facilitator URL (`/verify`, `/settle`); several, comma-separated, are
    /// tried in order (failover) and must share one PostgreSQL store.
    #[arg(
        long,
        env = "X402ZK_FACILITATOR_URL",
        default_value = "http://127.0.0.1:4020",
        value_delimiter = ','
    )]
    facilitator: Vec<String>,
    /// The verifying key proofs must verify under (its hash goes into `vkHash`).
    #[arg(long, env = "X402ZK_VK", default_value = "keys/verifying.key")]
    vk: PathBuf,
    /// The trusted issuer's public key, `{"ax","ay"}` (as `x402-zk issuer public` prints).
    #[arg(long, env = "X402ZK_ISSUER_PUBLIC_KEY")]
    issuer_key: PathBuf,
    /// Where buyers obtain receipts from that issuer.
    #[arg(
        long,
        env = "X402ZK_ISSUER_URL",
        default_value = "http://127.0.0.1:4021"
    )]
    issuer_url: String,
    /// The issuer's pool wallet, if it settles pooled (`GET /v1/issuer` shows
    /// it): buyers then pay the pool, and the issuer pays this seller in
    /// aggregate. Defaults to the chain description's.
    #[arg(long, env = "X402ZK_ISSUER_POOL")]
    issuer_pool: Option<String>,
    /// Chain description written by `serve issuer --ledger litesvm` (network, mint,
    /// recipient); or give `--network`, `--asset` and `--pay-to`.
    #[arg(long, env = "X402ZK_DEV_CHAIN", conflicts_with_all = ["asset", "pay_to"])]
    chain: Option<PathBuf>,
    /// CAIP-2 network.
    #[arg(
        long,
        env = "X402ZK_NETWORK",
        default_value = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
    )]
    network: String,
    /// Token mint.
    #[arg(long, env = "X402ZK_ASSET")]
    asset: Option<String>,
    /// The seller's recipient.
    #[arg(long, env = "X402ZK_PAY_TO")]
    pay_to: Option<String>,
    /// Price of the route, atomic units.
    #[arg(long, env = "X402ZK_PRICE", default_value_t = 10_000)]
    price: u64,
    /// How old the receipt's payment may be, seconds.
    #[arg(long, env = "X402ZK_MAX_PAYMENT_AGE_SECONDS", default_value_t = 3600)]
    max_payment_age_seconds: u64,
    /// The paid route.
    #[arg(long, env = "X402ZK_ROUTE", default_value = "/weather")]
    route: String,
    /// Request limits (shared flags).
    #[command(flatten)]
    limits: LimitArgs,
}

/// Runs the seller until SIGINT/SIGTERM.
pub async fn serve_seller(args: SellerArgs) -> Result<()> {
    let vk = VerifyingKey::from_bytes(
        &std::fs::read(&args.vk).with_context(|| format!("reading {}", args.vk.display()))?,
    )
    .with_context(|| format!("verifying key {}", args.vk.display()))?;
    let issuer: PublicKey = crate::files::read_json(&args.issuer_key, "issuer public key")?;
    let (network, asset, pay_to, pool) = match &args.chain {
        Some(path) => {
            let c: DevChain = crate::files::read_json(path, "chain description")?;
            (c.network, c.mint, c.pay_to, c.pool)
        }
        None => (
            args.network.clone(),
            args.asset
                .clone()
                .context("--asset (or --chain) is required")?,
            args.pay_to
                .clone()
                .context("--pay-to (or --chain) is required")?,
            None,
        ),
    };
    let price = Price {
        network,
        asset,
        pay_to,
        amount: args.price,
        max_payment_age_seconds: args.max_payment_age_seconds,
        issuers: vec![IssuerInfo {
            key: issuer,
            url: Some(args.issuer_url.clone()),
            pool: args.issuer_pool.clone().or(pool),
        }],
        vk_hash: vk.hash_hex(),
        description: Some(format!("paid route {}", args.route)),
    };
    let base = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.bind));
    let paywall = ZkPaywall::new(
        price,
        base,
        RemoteFacilitator::with_failover(args.facilitator.clone()),
        rand::random(),
    );
    let app = Router::new()
        .route(
            &args.route,
            get(|Extension(p): Extension<ZkPayment>| async move {
                tracing::info!(payer = %p.payer, "served a paid request");
                axum::Json(serde_json::json!({ "report": "sunny, 21 °C", "paidBy": p.payer }))
            }),
        )
        .layer(paywall);
    let readiness = Readiness::ready();
    let app = service_router(
        "seller",
        app,
        &args.limits.limits(Limits::default()),
        readiness.clone(),
    );
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("listening on {}", args.bind))?;
    tracing::info!(addr = %args.bind, route = %args.route, "seller listening");
    x402_zk_service::serve(listener, app, readiness, shutdown_signal()).await;
    Ok(())
}

/// `fetch` flags.
#[derive(clap::Args, Debug)]
pub struct FetchArgs {
    /// The URL to GET.
    url: String,
    /// The wallet directory (created 0700 if missing).
    #[arg(long, env = "X402ZK_WALLET", default_value = "wallet")]
    wallet: PathBuf,
    /// The proving key.
    #[arg(long, env = "X402ZK_PK", default_value = "keys/proving.key")]
    pk: PathBuf,
    /// Solana keypair that buys receipts (JSON array of 64 bytes); without it only
    /// receipts already in the wallet are used.
    #[arg(long, env = "X402ZK_SOLANA_KEYPAIR")]
    solana_keypair: Option<PathBuf>,
}

/// GETs a URL, paying privately on 402; the body goes to stdout, steps to stderr.
pub async fn fetch(args: FetchArgs) -> Result<()> {
    let pk = ProvingKey::from_bytes(
        &std::fs::read(&args.pk).with_context(|| format!("reading {}", args.pk.display()))?,
    )
    .with_context(|| format!("proving key {}", args.pk.display()))?;
    let payer = match &args.solana_keypair {
        Some(p) => Some(
            x402_zk_issuer::read_keypair(p)
                .map_err(|e| anyhow::anyhow!("Solana keypair {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let buyer = Buyer::new(Wallet::open(&args.wallet)?, pk, payer);
    let recovered = buyer.resume_purchases().await?;
    if recovered > 0 {
        eprintln!("recovered {recovered} receipt(s) from interrupted purchases");
    }
    let paid = buyer.get(&args.url).await?;
    for (step, d) in &paid.steps {
        eprintln!("  {step:<52}{:9.1} ms", d.as_secs_f64() * 1e3);
    }
    if let Some(s) = &paid.settlement {
        eprintln!(
            "paid privately: payer {}, nullifier {}",
            s.payer.as_deref().unwrap_or("?"),
            s.transaction
        );
    }
    use std::io::Write;
    std::io::stdout().write_all(&paid.body)?;
    if !paid.status.is_success() {
        bail!("{} answered {}", args.url, paid.status);
    }
    Ok(())
}
