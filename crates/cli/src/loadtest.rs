//! `x402-zk loadtest`: drives the prover service, the facilitator or the whole
//! paid-route flow with C concurrent clients for N requests or T seconds, and
//! prints throughput, latency percentiles and errors by class; `--stress` ramps
//! the clients until p99 or the error rate crosses a limit, and shows the level
//! beyond it. Loopback only, and bounded in count and time.

use anyhow::{bail, ensure, Context, Result};
use futures_util::future::BoxFuture;
use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use x402_zk_cli::stack::{dev_keys, Running, Stack, NETWORK};
use x402_zk_client::{Buyer, Wallet};
use x402_zk_primitives::{eddsa::SecretKey, h2f, PayerSecret, Policy, ReceiptBody};
use x402_zk_protocol::{
    decode_header,
    proving::{ProofRequest, SellerPolicy, PROOFS_PATH},
    FacilitatorRequest, PaymentPayload, PaymentRequired, ZkReceiptPayload, PAYMENT_REQUIRED,
    X402_VERSION,
};
use x402_zk_prover::Prover;
use x402_zk_prover_service::{PoolOptions, ProverState};
use x402_zk_service::{Limits, RateLimit};

/// Most requests one run may send.
const MAX_REQUESTS: u64 = 100_000;
/// Longest a run (or a stress ramp) may last.
const MAX_SECONDS: u64 = 900;
/// Most concurrent clients.
const MAX_CLIENTS: usize = 512;

/// What to drive.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `POST /v1/proofs` on a prover service (each request a fresh proof).
    Prover,
    /// `POST /verify` on a facilitator with pre-made proofs.
    Facilitator,
    /// The whole flow per request: buy a receipt from the issuer (a payment on
    /// the embedded chain), prove, pay the seller, verify and settle.
    PaidRoute,
}

/// `loadtest` flags.
#[derive(clap::Args, Debug)]
pub struct LoadtestArgs {
    /// What to drive.
    #[arg(value_enum)]
    target: Target,
    /// Concurrent clients (the first level with --stress).
    #[arg(long, short = 'c', default_value_t = 4)]
    concurrency: usize,
    /// Requests to send [default: 200 unless --duration].
    #[arg(long, short = 'n')]
    requests: Option<u64>,
    /// Seconds to run (instead of, or as a cap on, --requests).
    #[arg(long, short = 'd')]
    duration: Option<u64>,
    /// A prover service already running on loopback (`serve prover`), instead of
    /// one started in this process. Only with the `prover` target.
    #[arg(long)]
    url: Option<String>,
    /// Send the same proof request every time (cache hits after the first).
    #[arg(long)]
    repeat: bool,
    /// Ignore Retry-After: clients send their next request at once after a 429
    /// or 503 (a hostile or broken client) instead of waiting as told.
    #[arg(long)]
    no_backoff: bool,
    /// Ramp the clients (doubling from --concurrency) until p99 or the error rate
    /// crosses its limit, then run one level beyond.
    #[arg(long)]
    stress: bool,
    /// With --stress: seconds per level.
    #[arg(long, default_value_t = 5)]
    step_seconds: u64,
    /// With --stress: most clients tried.
    #[arg(long, default_value_t = 256)]
    max_concurrency: usize,
    /// With --stress: the p99 latency limit, milliseconds.
    #[arg(long, default_value_t = 1000.0)]
    p99_limit_ms: f64,
    /// With --stress: the error-rate limit (errors / answers).
    #[arg(long, default_value_t = 0.01)]
    error_limit: f64,
    /// In-process prover: workers [default: cores].
    #[arg(long)]
    workers: Option<usize>,
    /// In-process prover: queue length.
    #[arg(long, default_value_t = 32)]
    queue: usize,
    /// In-process services: per-client rate limit, requests/s (all load clients
    /// share 127.0.0.1, so it is off unless given).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Facilitator target: distinct receipts proved up front (later requests
    /// reuse them and are answered `…_nullifier_reserved` after the same checks).
    #[arg(long, default_value_t = 64)]
    distinct: usize,
    /// Where the dev proving key is kept between runs (created if missing).
    #[arg(long, default_value = "target/x402-zk-demo-keys")]
    keys: PathBuf,
}

/// One answer: how long it took, its class (`ok`, `503 overloaded`, …) and the
/// `Retry-After` of a 429 or 503.
struct Outcome {
    latency: Duration,
    class: String,
    retry_after: Option<Duration>,
}

type Call = Arc<dyn Fn(u64, usize) -> BoxFuture<'static, Outcome> + Send + Sync>;

/// What one level measured.
struct Report {
    clients: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    classes: BTreeMap<String, u64>,
    peak_rss_mib: Option<f64>,
}

impl Report {
    fn answers(&self) -> u64 {
        self.latencies.len() as u64
    }
    fn ok(&self) -> u64 {
        self.classes.get("ok").copied().unwrap_or(0)
    }
    fn error_rate(&self) -> f64 {
        let n = self.answers();
        if n == 0 {
            return 0.0;
        }
        (n - self.ok()) as f64 / n as f64
    }
    fn percentile_ms(&self, p: f64) -> f64 {
        percentile(&self.latencies, p).as_secs_f64() * 1e3
    }
    fn per_second(&self, n: u64) -> f64 {
        n as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    fn errors(&self) -> String {
        let errors: Vec<String> = self
            .classes
            .iter()
            .filter(|(c, _)| c.as_str() != "ok")
            .map(|(c, n)| format!("{c}: {n}"))
            .collect();
        if errors.is_empty() {
            "none".into()
        } else {
            errors.join(", ")
        }
    }
}

/// The `p` quantile (0..=1) of `sorted` by nearest rank.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Peak resident memory of this process (load generator and in-process
/// services), MiB; Linux only.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Runs `clients` workers calling `call` until `requests` answers or `duration`.
async fn level(
    call: &Call,
    clients: usize,
    requests: Option<u64>,
    duration: Option<Duration>,
    backoff: bool,
) -> Report {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = duration.map(|d| start + d);
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        let (call, next) = (call.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                if requests.is_some_and(|n| i >= n) {
                    break;
                }
                let outcome = call(i, client).await;
                let wait = outcome.retry_after.filter(|_| backoff);
                mine.push(outcome);
                if let Some(wait) = wait {
                    let wait = wait.min(Duration::from_secs(10));
                    match deadline {
                        Some(d) => {
                            tokio::time::sleep_until((Instant::now() + wait).min(d).into()).await
                        }
                        None => tokio::time::sleep(wait).await,
                    }
                }
            }
            mine
        }));
    }
    let mut latencies = Vec::new();
    let mut classes = BTreeMap::new();
    for t in tasks {
        for o in t.await.unwrap_or_default() {
            latencies.push(o.latency);
            *classes.entry(o.class).or_insert(0) += 1;
        }
    }
    latencies.sort();
    Report {
        clients,
        elapsed: start.elapsed(),
        latencies,
        classes,
        peak_rss_mib: peak_rss_mib(),
    }
}

/// Times `request` and classes the answer: `ok` for a 2xx, else the status and
/// the `error` code of a JSON body (`429 rate_limited`), or the transport error.
async fn classify(
    request: reqwest::RequestBuilder,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> Outcome {
    let t = Instant::now();
    let mut retry_after = None;
    let class = match request.send().await {
        Err(e) if e.is_timeout() => "client timeout".to_string(),
        Err(e) if e.is_connect() => "connection refused".to_string(),
        Err(_) => "transport error".to_string(),
        Ok(r) => {
            let status = r.status();
            retry_after = r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .map(Duration::from_secs);
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            if status.is_success() && ok(&body) {
                "ok".into()
            } else {
                let code = ["error", "invalidReason", "errorReason"]
                    .iter()
                    .find_map(|k| body[k].as_str())
                    .unwrap_or("-");
                format!("{} {code}", status.as_u16())
            }
        }
    };
    Outcome {
        latency: t.elapsed(),
        class,
        retry_after,
    }
}

fn http() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(MAX_CLIENTS)
        // A loopback URL must not redirect the load elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// Refuses any URL whose host is not a loopback address.
fn loopback(url: &str) -> Result<()> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("--url {url}"))?;
    let host = parsed.host_str().unwrap_or_default();
    let ip: Option<IpAddr> = host.trim_matches(['[', ']']).parse().ok();
    ensure!(
        host == "localhost" || ip.is_some_and(|ip| ip.is_loopback()),
        "the load test only drives services on loopback (127.0.0.1, ::1, localhost), not {host}"
    );
    Ok(())
}

/// The request of the prover target: one receipt, a fresh challenge each time
/// (so every request is proved) unless `repeat`.
fn proof_requests(repeat: bool) -> impl Fn(u64) -> String {
    let issuer = SecretKey::from_bytes(rand::random());
    let secret = PayerSecret::generate();
    let dest = h2f::dest(NETWORK, "load-asset", "load-seller");
    let receipt = ReceiptBody {
        amount: 25_000,
        dest,
        paid_at: x402_zk_protocol::unix_now(),
        payment_id: h2f::payment_id(NETWORK, &format!("load-{}", rand::random::<u64>())),
        payer_commitment: secret.commitment(),
    }
    .sign(&issuer);
    let run: u64 = rand::random();
    // A sequence of its own: request numbers restart at every stress level, and
    // a repeated challenge would be a cache hit.
    let sequence = AtomicU64::new(0);
    move |_| {
        let i = sequence.fetch_add(1, Ordering::Relaxed);
        let req = ProofRequest {
            receipt,
            payer_secret: secret.clone(),
            policy: SellerPolicy {
                network: NETWORK.into(),
                asset: "load-asset".into(),
                pay_to: "load-seller".into(),
                min_amount: 10_000,
                not_before: 0,
                issuer: issuer.public_key(),
                resource: "http://127.0.0.1/load".into(),
                challenge: if repeat {
                    "same".into()
                } else {
                    format!("{run}-{i}")
                },
            },
        };
        serde_json::to_string(&req).expect("plain data serializes")
    }
}

/// The running services a run drives and the call that drives them.
struct Setup {
    call: Call,
    describe: String,
    _dir: tempfile::TempDir,
    _stack: Option<Stack>,
    _prover: Option<Running>,
}

/// The in-process stack the facilitator and paid-route targets load (direct
/// settlement: the payout job is not under test).
async fn load_stack(dir: &std::path::Path, args: &LoadtestArgs) -> Result<Stack> {
    let limits = service_limits(args);
    Stack::start_with(
        dir,
        &args.keys,
        &limits,
        x402_zk_issuer::SettlementMode::Direct,
    )
    .await
}

fn service_limits(args: &LoadtestArgs) -> Limits {
    Limits {
        rate_limit: args
            .rate_limit
            .and_then(std::num::NonZeroU32::new)
            .map(|r| RateLimit {
                per_second: r,
                burst: r.saturating_mul(std::num::NonZeroU32::new(2).expect("non-zero")),
            }),
        ..Limits::default()
    }
}

async fn setup(args: &LoadtestArgs) -> Result<Setup> {
    let dir = tempfile::tempdir()?;
    let client = http()?;
    match args.target {
        Target::Prover => {
            let (url, prover, describe) = match &args.url {
                Some(url) => {
                    loopback(url)?;
                    (
                        url.trim_end_matches('/').to_string(),
                        None,
                        format!("prover service at {url}"),
                    )
                }
                None => {
                    let (pk, _) = dev_keys(&args.keys)?;
                    let options = PoolOptions {
                        workers: args.workers.unwrap_or(PoolOptions::default().workers),
                        queue: args.queue,
                        ..PoolOptions::default()
                    };
                    let describe = format!(
                        "in-process prover service, {} workers, queue {}",
                        options.workers, options.queue
                    );
                    let state =
                        tokio::task::spawn_blocking(move || ProverState::prepared(&pk, options))
                            .await??;
                    let app = x402_zk_prover_service::app(state, &service_limits(args));
                    let listener =
                        tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                            .await?;
                    let running = Running::start(app, listener)?;
                    (running.url(), Some(running), describe)
                }
            };
            let endpoint = format!("{url}{PROOFS_PATH}");
            let make = Arc::new(proof_requests(args.repeat));
            let call: Call = Arc::new(move |i, _| {
                let request = client
                    .post(&endpoint)
                    .header("content-type", "application/json")
                    .body(make(i));
                Box::pin(classify(request, |_| true))
            });
            Ok(Setup {
                call,
                describe,
                _dir: dir,
                _stack: None,
                _prover: prover,
            })
        }
        Target::Facilitator => {
            ensure!(
                args.url.is_none(),
                "--url is for the prover target; the facilitator target starts its own"
            );
            let stack = load_stack(dir.path(), args).await?;
            let facilitator = stack
                .facilitator
                .as_ref()
                .context("facilitator not running")?
                .url();
            let bodies = Arc::new(facilitator_bodies(&stack, args.distinct.max(1)).await?);
            let endpoint = format!("{facilitator}/verify");
            let call: Call = Arc::new(move |i, _| {
                let body = bodies[(i % bodies.len() as u64) as usize].clone();
                let request = client
                    .post(&endpoint)
                    .header("content-type", "application/json")
                    .body(body);
                // A reserved nullifier is refused after the same checks and the
                // same Groth16 verification as a first use: both count as served.
                Box::pin(classify(request, |b| {
                    b["isValid"] == true
                        || b["invalidReason"] == "invalid_zk_receipt_nullifier_reserved"
                }))
            });
            let describe = format!(
                "in-process facilitator (SQLite), {} distinct receipts; repeats answered nullifier_reserved count as ok",
                args.distinct.max(1)
            );
            Ok(Setup {
                call,
                describe,
                _dir: dir,
                _stack: Some(stack),
                _prover: None,
            })
        }
        Target::PaidRoute => {
            ensure!(
                args.url.is_none(),
                "--url is for the prover target; the paid-route target starts its own"
            );
            let stack = load_stack(dir.path(), args).await?;
            let first = Buyer::new(
                Wallet::open(dir.path().join("wallet-0"))?,
                stack.proving_key.clone(),
                Some(stack.buyer_keypair()),
            );
            let clients = if args.stress {
                args.max_concurrency
            } else {
                args.concurrency
            };
            let mut buyers = vec![Arc::new(first)];
            for c in 1..clients.min(MAX_CLIENTS) {
                let wallet = Wallet::open(dir.path().join(format!("wallet-{c}")))?;
                buyers.push(Arc::new(buyers[0].with_wallet(wallet)));
            }
            let buyers = Arc::new(buyers);
            let url = format!("{}/weather", stack.seller.url());
            let call: Call = Arc::new(move |_, client| {
                let (buyers, url) = (buyers.clone(), url.clone());
                Box::pin(async move {
                    let t = Instant::now();
                    let class = match buyers[client % buyers.len()].get(&url).await {
                        Ok(paid) if paid.status.is_success() => "ok".to_string(),
                        Ok(paid) => format!("{} seller", paid.status.as_u16()),
                        Err(e) => format!("client error: {}", first_words(&e.to_string())),
                    };
                    Outcome {
                        latency: t.elapsed(),
                        class,
                        retry_after: None,
                    }
                })
            });
            Ok(Setup {
                call,
                describe: "in-process chain, issuer, facilitator and seller; each request buys, proves, pays".into(),
                _dir: dir,
                _stack: Some(stack),
                _prover: None,
            })
        }
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(6).collect::<Vec<_>>().join(" ")
}

/// `distinct` valid `/verify` bodies for the stack's `/weather` requirement:
/// receipts signed by the stack's issuer, proved up front.
async fn facilitator_bodies(stack: &Stack, distinct: usize) -> Result<Vec<String>> {
    let quote = reqwest::get(format!("{}/weather", stack.seller.url())).await?;
    let required: PaymentRequired = quote
        .headers()
        .get(PAYMENT_REQUIRED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| decode_header(v).ok())
        .context("the seller sent no PAYMENT-REQUIRED")?;
    let requirement = required.accepts.first().context("no requirement")?.clone();
    let extra = x402_zk_protocol::ZkReceiptExtra::from_requirements(&requirement)?;
    let (pk, issuer) = (stack.proving_key.clone(), stack.issuer_secret.clone());
    let (pay_to, mint) = (stack.seller_pay_to.to_string(), stack.mint.to_string());
    let resource = required.resource.clone();
    eprintln!("proving {distinct} receipts for the facilitator target…");
    let proofs = tokio::task::spawn_blocking(move || -> Result<Vec<ZkReceiptPayload>> {
        let prover = Prover::new(&pk)?;
        let now = x402_zk_protocol::unix_now();
        let dest = h2f::dest(NETWORK, &mint, &pay_to);
        (0..distinct)
            .map(|i| {
                let secret = PayerSecret::generate();
                let body = ReceiptBody {
                    amount: 1_000_000,
                    dest,
                    paid_at: now - 10,
                    payment_id: h2f::payment_id(
                        NETWORK,
                        &format!("load-{i}-{}", rand::random::<u64>()),
                    ),
                    payer_commitment: secret.commitment(),
                };
                let witness = x402_zk_primitives::Witness {
                    receipt: body.sign(&issuer),
                    payer_secret: secret,
                };
                let policy = Policy {
                    dest,
                    min_amount: 10_000,
                    not_before: now - 60,
                    issuer: issuer.public_key(),
                    context: h2f::context(&resource.url, &extra.challenge),
                };
                let (statement, proof) = prover.prove(&witness, &policy, &mut rand::rngs::OsRng)?;
                Ok(ZkReceiptPayload::new(&statement, &proof))
            })
            .collect()
    })
    .await??;
    Ok(proofs
        .into_iter()
        .map(|payload| {
            let request = FacilitatorRequest {
                x402_version: X402_VERSION,
                payment_payload: PaymentPayload {
                    x402_version: X402_VERSION,
                    resource: Some(required.resource.clone()),
                    accepted: requirement.clone(),
                    payload: payload.to_value(),
                    extensions: Default::default(),
                },
                payment_requirements: requirement.clone(),
            };
            serde_json::to_string(&request).expect("plain data serializes")
        })
        .collect())
}

fn print_report(r: &Report, in_process: bool) {
    println!(
        "  answered   {} in {:.1} s: {:.1}/s; ok {} ({:.1}/s)",
        r.answers(),
        r.elapsed.as_secs_f64(),
        r.per_second(r.answers()),
        r.ok(),
        r.per_second(r.ok())
    );
    println!(
        "  latency    p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms (every answer)",
        r.percentile_ms(0.50),
        r.percentile_ms(0.95),
        r.percentile_ms(0.99),
        r.percentile_ms(1.0)
    );
    println!("  errors     {}", r.errors());
    if let Some(rss) = r.peak_rss_mib {
        let what = if in_process {
            "load clients and in-process services"
        } else {
            "load clients only"
        };
        println!("  memory     peak RSS {rss:.0} MiB (this process: {what})");
    }
}

fn stress_row(r: &Report) {
    println!(
        "  {:>7} {:>8.1} {:>8.1} {:>9.1} {:>9.1} {:>9.1} {:>7.1}% {:>8.0}  {}",
        r.clients,
        r.per_second(r.answers()),
        r.per_second(r.ok()),
        r.percentile_ms(0.50),
        r.percentile_ms(0.95),
        r.percentile_ms(0.99),
        r.error_rate() * 100.0,
        r.peak_rss_mib.unwrap_or(0.0),
        r.errors()
    );
}

/// `x402-zk loadtest`.
pub async fn run(args: LoadtestArgs) -> Result<()> {
    ensure!(
        (1..=MAX_CLIENTS).contains(&args.concurrency) && args.max_concurrency <= MAX_CLIENTS,
        "--concurrency and --max-concurrency must be 1..={MAX_CLIENTS}"
    );
    if args.url.is_some() && args.target != Target::Prover {
        bail!("--url is for the prover target only");
    }
    let setup = setup(&args).await?;
    let target = clap::ValueEnum::to_possible_value(&args.target)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    if !args.stress {
        let requests = match (args.requests, args.duration) {
            (None, None) => Some(200),
            (n, _) => n.or(Some(MAX_REQUESTS)),
        };
        ensure!(
            requests.unwrap_or(0) <= MAX_REQUESTS,
            "--requests is capped at {MAX_REQUESTS}"
        );
        ensure!(
            args.duration.unwrap_or(0) <= MAX_SECONDS,
            "--duration is capped at {MAX_SECONDS} s"
        );
        println!(
            "loadtest {target}: {} clients, {} ({})",
            args.concurrency,
            match (requests, args.duration) {
                (Some(n), Some(d)) => format!("{n} requests or {d} s"),
                (Some(n), None) => format!("{n} requests"),
                (None, Some(d)) => format!("{d} s"),
                (None, None) => unreachable!(),
            },
            setup.describe
        );
        let report = level(
            &setup.call,
            args.concurrency,
            requests,
            args.duration.map(Duration::from_secs),
            !args.no_backoff,
        )
        .await;
        print_report(&report, args.url.is_none());
        return Ok(());
    }

    let step = Duration::from_secs(args.step_seconds.clamp(1, 60));
    println!(
        "stress {target}: from {} clients doubling to {}, {} s per level; limits p99 {} ms, errors {:.1}% ({})",
        args.concurrency,
        args.max_concurrency,
        step.as_secs(),
        args.p99_limit_ms,
        args.error_limit * 100.0,
        setup.describe
    );
    println!(
        "  {:>7} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>8}  errors",
        "clients", "answers/s", "ok/s", "p50 ms", "p95 ms", "p99 ms", "err", "rss MiB"
    );
    let started = Instant::now();
    let mut clients = args.concurrency;
    let mut broke: Option<(usize, String)> = None;
    loop {
        ensure!(
            started.elapsed().as_secs() <= MAX_SECONDS,
            "stress ramp stopped at the {MAX_SECONDS} s cap"
        );
        let r = level(
            &setup.call,
            clients,
            Some(MAX_REQUESTS),
            Some(step),
            !args.no_backoff,
        )
        .await;
        stress_row(&r);
        if let Some((at, why)) = &broke {
            println!("breaking point: {at} clients ({why}); beyond it, {clients} clients: {:.1} answers/s, {:.1}% errors ({}), p99 {:.1} ms",
                r.per_second(r.answers()), r.error_rate() * 100.0, r.errors(), r.percentile_ms(0.99));
            return Ok(());
        }
        let p99 = r.percentile_ms(0.99);
        if p99 > args.p99_limit_ms {
            broke = Some((
                clients,
                format!("p99 {p99:.1} ms > {} ms", args.p99_limit_ms),
            ));
        } else if r.error_rate() > args.error_limit {
            broke = Some((
                clients,
                format!(
                    "errors {:.1}% > {:.1}%",
                    r.error_rate() * 100.0,
                    args.error_limit * 100.0
                ),
            ));
        }
        if clients >= args.max_concurrency {
            match &broke {
                Some((at, why)) => println!(
                    "breaking point: {at} clients ({why}); no level beyond --max-concurrency"
                ),
                None => println!("no breaking point up to {clients} clients"),
            }
            return Ok(());
        }
        clients = (clients * 2).min(args.max_concurrency);
    }
}
