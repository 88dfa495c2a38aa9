//! `x402-zk demo`: the whole flow on loopback, narrated, with the time of each step.

use anyhow::{bail, Context, Result};
use std::{path::Path, time::Instant};
use x402_zk_cli::stack::{Stack, BUYER_FUNDS, DECIMALS, PRICE};
use x402_zk_client::{Buyer, Wallet};
use x402_zk_issuer::SettlementMode;
use x402_zk_protocol::{decode_header, PaymentRequired, PAYMENT_REQUIRED, PAYMENT_SIGNATURE};
use x402_zk_service::Limits;
use x402_zk_store::PayoutStore;
use x402_zk_svm::{Address, Signer};

fn tokens(atomic: u64) -> String {
    let unit = 10u64.pow(u32::from(DECIMALS));
    format!(
        "{}.{:0width$}",
        atomic / unit,
        atomic % unit,
        width = usize::from(DECIMALS)
    )
}

fn ms(d: std::time::Duration) -> String {
    format!("{:9.1} ms", d.as_secs_f64() * 1e3)
}

fn short(s: &str) -> String {
    if s.len() > 14 {
        format!("{}…", &s[..12])
    } else {
        s.to_string()
    }
}

/// Runs the demo; `keys` caches the dev proving key between runs.
pub async fn run(payments: usize, settlement: SettlementMode, keys: &Path) -> Result<()> {
    let dir = tempfile::tempdir()?;
    println!("x402-zk demo: private x402 payments, every party on its own loopback port\n");

    let t = Instant::now();
    let stack = Stack::start_with(dir.path(), keys, &Limits::default(), settlement).await?;
    println!(
        "started in {} (dev Groth16 keys in {})",
        ms(t.elapsed()),
        keys.display()
    );
    println!(
        "  chain        LiteSVM with the SPL Token, Associated Token Account and Memo programs"
    );
    println!(
        "               mint {} ({DECIMALS} decimals); buyer {} holds {}",
        stack.mint,
        stack.buyer.pubkey(),
        tokens(BUYER_FUNDS)
    );
    match stack.pool {
        Some(pool) => println!(
            "  issuer       {}  (pooled settlement: buyers pay its pool {}, it pays sellers in aggregate; SQLite)",
            stack.issuer.url(),
            pool
        ),
        None => println!(
            "  issuer       {}  (direct settlement: buyers pay the seller; SQLite)",
            stack.issuer.url()
        ),
    }
    let facilitator_url = stack
        .facilitator
        .as_ref()
        .map(|f| f.url())
        .unwrap_or_default();
    println!("  facilitator  {facilitator_url}  (SQLite nullifier store)");
    println!(
        "  seller       {}/weather  costs {} per request, verified through the facilitator\n",
        stack.seller.url(),
        tokens(PRICE)
    );

    let wallet = Wallet::open(dir.path().join("wallet"))?;
    let buyer = Buyer::new(
        wallet.clone(),
        stack.proving_key.clone(),
        Some(stack.buyer_keypair()),
    );
    let url = format!("{}/weather", stack.seller.url());
    let mut statements = Vec::new();
    let mut last_signature = None;
    for i in 1..=payments {
        let t = Instant::now();
        let paid = buyer
            .get(&url)
            .await
            .with_context(|| format!("payment {i}"))?;
        if !paid.status.is_success() {
            bail!("payment {i}: the seller answered {}", paid.status);
        }
        println!(
            "payment {i}/{payments}: GET /weather → {} {:?}  ({} in all)",
            paid.status.as_u16(),
            String::from_utf8_lossy(&paid.body),
            ms(t.elapsed()).trim()
        );
        for (step, d) in &paid.steps {
            println!("    {step:<52}{}", ms(*d));
        }
        statements.extend(paid.statement);
        last_signature = paid.payment_signature;
    }

    // The last proof again: the nullifier is spent.
    let replay = reqwest::Client::new()
        .get(&url)
        .header(
            PAYMENT_SIGNATURE,
            last_signature.context("no payment was made")?,
        )
        .send()
        .await?;
    let code = replay
        .headers()
        .get(PAYMENT_REQUIRED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| decode_header::<PaymentRequired>(v).ok())
        .and_then(|r| r.error)
        .unwrap_or_default();
    println!(
        "\nreplaying payment {payments}'s proof → {} {code}",
        replay.status().as_u16()
    );
    if replay.status() != reqwest::StatusCode::PAYMENT_REQUIRED
        || code != "invalid_zk_receipt_nullifier_used"
    {
        bail!("the replayed proof was not refused as spent");
    }

    println!("\nwhat each party saw");
    let seller_saw = stack
        .seller_log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    println!("  seller (its handler):");
    for line in &seller_saw {
        println!("    {line}");
    }
    println!("  seller and facilitator (the proof's public inputs):");
    for s in &statements {
        println!(
            "    nullifier {}  context {}  dest {}  min_amount {}  not_before {}  issuer {}",
            short(&s.nullifier.to_string()),
            short(&s.context.to_string()),
            short(&s.dest.to_string()),
            s.min_amount,
            s.not_before,
            short(&s.issuer.x().to_string())
        );
    }
    let receipts = wallet.receipts()?;
    println!("  issuer (payments it settled and signed receipts for; it never sees a proof):");
    for r in &receipts {
        println!(
            "    from {}  amount {}  paid_at {}  transaction {}  commitment {}",
            short(&stack.buyer.pubkey().to_string()),
            tokens(r.receipt.body.amount),
            r.receipt.body.paid_at,
            short(r.transaction.as_deref().unwrap_or("?")),
            short(&r.receipt.body.payer_commitment.to_string())
        );
    }
    // Pooled: the pool owes the seller until the payout job runs.
    if let Some(job) = &stack.payouts {
        println!("  issuer's books (x402-zk payouts owed):");
        for o in stack.issuer_store.owed().await? {
            println!(
                "    owes seller {} {} for {} receipts",
                short(&o.pay_to),
                tokens(u64::try_from(o.amount)?),
                o.receipts
            );
        }
        let t = Instant::now();
        let run = job.run_once().await?;
        println!(
            "  payout run ({}): {} payout(s) confirmed",
            ms(t.elapsed()).trim(),
            run.confirmed.len()
        );
        for p in &run.confirmed {
            println!(
                "    pool → seller {} {} for {} receipts, transaction {}",
                short(&p.pay_to),
                tokens(p.amount),
                p.receipts,
                short(p.transaction.as_deref().unwrap_or("?"))
            );
        }
    }
    let transfers = stack.ledger.transfers();
    let name = |a: &Address| {
        if *a == stack.buyer.pubkey() {
            format!("buyer {}", short(&a.to_string()))
        } else if *a == stack.seller_pay_to {
            format!("seller {}", short(&a.to_string()))
        } else if Some(*a) == stack.pool {
            format!("pool {}", short(&a.to_string()))
        } else {
            short(&a.to_string())
        }
    };
    println!("  chain observer (every token transfer on the chain since the start):");
    for t in &transfers {
        println!(
            "    {:<22} → {:<22} {}  transaction {}",
            name(&t.from),
            name(&t.to),
            tokens(t.amount),
            short(&t.transaction)
        );
    }
    let linked = transfers
        .iter()
        .filter(|t| t.from == stack.buyer.pubkey() && t.to == stack.seller_pay_to)
        .count();
    match stack.pool {
        Some(_) => println!(
            "    → no transfer from the buyer to the seller: {} into the pool, {} aggregate payout(s) out of it",
            transfers.iter().filter(|t| Some(t.to) == stack.pool).count(),
            transfers.iter().filter(|t| Some(t.from) == stack.pool).count()
        ),
        None => println!(
            "    → {linked} transfers from the buyer to the seller: direct settlement links them (--settlement pooled does not)"
        ),
    }
    let seller_balance = stack
        .ledger
        .token_balance(&stack.seller_pay_to, &stack.mint);
    let buyer_balance = stack
        .ledger
        .token_balance(&stack.buyer.pubkey(), &stack.mint);
    println!(
        "  balances: seller {}, buyer {}",
        tokens(seller_balance),
        tokens(buyer_balance)
    );
    if stack.pool.is_some() && linked > 0 {
        bail!("pooled settlement moved tokens from the buyer to the seller");
    }

    // The seller's view must hold none of the buyer's identifying data.
    let seller_view = format!("{seller_saw:?}{statements:?}");
    let mut leaks = vec![stack.buyer.pubkey().to_string()];
    for r in &receipts {
        leaks.extend(r.transaction.clone());
        leaks.push(r.receipt.body.paid_at.to_string());
        leaks.push(r.receipt.body.payment_id.to_string());
        leaks.push(r.receipt.body.payer_commitment.to_string());
    }
    if let Some(leak) = leaks.iter().find(|l| seller_view.contains(l.as_str())) {
        bail!("the seller's view contains {leak}");
    }
    if seller_balance != PRICE * payments as u64
        || statements.len() != payments
        || receipts.iter().any(|r| !r.spent)
    {
        bail!("balances or wallet do not add up");
    }
    println!("\ncheck: the seller's view holds no buyer address, transaction, payment id, commitment or payment time;");
    println!(
        "       {payments} receipts bought and spent once each; the seller received {}",
        tokens(seller_balance)
    );
    stack.stop().await;
    Ok(())
}
