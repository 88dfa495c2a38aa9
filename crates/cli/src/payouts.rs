//! `x402-zk payouts owed | history | run`: a pooled issuer's accounting, for its
//! operator.

use anyhow::{Context, Result};
use clap::Subcommand;
use std::{path::PathBuf, sync::Arc, time::Duration};
use x402_zk_issuer::{read_keypair, PayoutArgs, PayoutJob, PayoutPolicy};
use x402_zk_store::{Payout, PayoutStore, Store};
use x402_zk_svm::RpcLedger;

/// The issuer's store.
#[derive(clap::Args, Debug)]
pub struct StoreArg {
    /// The issuer's store: `sqlite://PATH` or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "X402ZK_ISSUER_STORE_URL",
        default_value = "sqlite://data/issuer.db"
    )]
    store_url: String,
}

/// `payouts` subcommands.
#[derive(Subcommand, Debug)]
pub enum PayoutsCmd {
    /// What the pool owes each seller, not yet in a payout (exact, atomic units).
    Owed {
        #[command(flatten)]
        store: StoreArg,
    },
    /// Payouts, newest first, with their state and transaction.
    History {
        #[command(flatten)]
        store: StoreArg,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// One payout run on a Solana cluster (JSON-RPC): finishes unfinished payouts,
    /// then pays every seller that is due. `serve issuer` runs the same job every
    /// `--payout-interval-seconds`; this is for schedulers and for operators.
    Run {
        #[command(flatten)]
        store: StoreArg,
        /// The fee payer: a 0600 Solana keypair file.
        #[arg(long, env = "X402ZK_ISSUER_FEE_PAYER")]
        fee_payer: PathBuf,
        /// The pool: a 0600 Solana keypair file.
        #[arg(long, env = "X402ZK_ISSUER_POOL_KEY")]
        pool_key: PathBuf,
        /// Solana JSON-RPC URL.
        #[arg(
            long,
            env = "X402ZK_SOLANA_RPC_URL",
            hide_env_values = true,
            default_value = "https://api.devnet.solana.com"
        )]
        rpc_url: String,
        /// Longest wait for a confirmation, seconds.
        #[arg(long, env = "X402ZK_CONFIRM_TIMEOUT_SECONDS", default_value_t = 60)]
        confirm_timeout_seconds: u64,
        #[command(flatten)]
        policy: PayoutArgs,
        /// Pay every seller owed anything, whatever the period and threshold.
        #[arg(long)]
        all: bool,
    },
}

/// One line per payout.
pub fn describe(p: &Payout) -> String {
    format!(
        "{}  {:<9}  {} units for {} receipts of {} to {}  transaction {}{}",
        p.id,
        p.state.as_str(),
        p.amount,
        p.receipts,
        p.asset,
        p.pay_to,
        p.transaction.as_deref().unwrap_or("-"),
        p.detail
            .as_deref()
            .map(|d| format!("  ({d})"))
            .unwrap_or_default()
    )
}

async fn open(store: &StoreArg) -> Result<Arc<Store>> {
    Ok(Arc::new(Store::open(&store.store_url).await.with_context(
        || "opening the issuer's store (--store-url / X402ZK_ISSUER_STORE_URL)",
    )?))
}

/// Runs a `payouts` subcommand.
pub async fn run(cmd: PayoutsCmd) -> Result<()> {
    match cmd {
        PayoutsCmd::Owed { store } => {
            let owed = open(&store).await?.owed().await?;
            if owed.is_empty() {
                println!("nothing owed");
            }
            for o in owed {
                println!(
                    "{} units of {} to {}  ({} receipts, oldest at unix {})",
                    o.amount, o.asset, o.pay_to, o.receipts, o.oldest
                );
            }
        }
        PayoutsCmd::History { store, limit } => {
            for p in open(&store).await?.payouts(limit).await? {
                println!("{}", describe(&p));
            }
        }
        PayoutsCmd::Run {
            store,
            fee_payer,
            pool_key,
            rpc_url,
            confirm_timeout_seconds,
            policy,
            all,
        } => {
            let read = |path: &PathBuf, what: &str| {
                read_keypair(path).map_err(|e| anyhow::anyhow!("{what} {}: {e}", path.display()))
            };
            let ledger = RpcLedger::new(rpc_url, Duration::from_secs(confirm_timeout_seconds));
            let policy = if all {
                PayoutPolicy::everything()
            } else {
                policy.policy()
            };
            let job = PayoutJob::new(
                open(&store).await?,
                Arc::new(ledger),
                Arc::new(read(&fee_payer, "fee payer")?),
                Arc::new(read(&pool_key, "pool key")?),
                policy,
            );
            let run = job.run_once().await?;
            for (what, payouts) in [
                ("confirmed", &run.confirmed),
                ("expired (owed again)", &run.expired),
                ("pending (resent next run)", &run.pending),
            ] {
                println!("{what}: {}", payouts.len());
                for p in payouts {
                    println!("  {}", describe(p));
                }
            }
        }
    }
    Ok(())
}
