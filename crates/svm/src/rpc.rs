//! A Solana cluster over JSON-RPC (devnet, mainnet, or a local validator).

use crate::{Ledger, LedgerError, Outcome};
use async_trait::async_trait;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};
use solana_address::Address;
use solana_hash::Hash;
use solana_transaction::versioned::VersionedTransaction;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// Byte offset of `decimals` in an SPL Token mint account (82 bytes).
const MINT_DECIMALS_OFFSET: usize = 44;
const MINT_LEN: usize = 82;

/// JSON-RPC ledger at `commitment = confirmed`.
#[derive(Clone, Debug)]
pub struct RpcLedger {
    url: String,
    http: reqwest::Client,
    confirm_timeout: Duration,
    poll_interval: Duration,
}

impl RpcLedger {
    /// A ledger at `url` (e.g. `https://api.devnet.solana.com`) that waits up to
    /// `confirm_timeout` for a confirmation.
    pub fn new(url: impl Into<String>, confirm_timeout: Duration) -> Self {
        RpcLedger {
            url: url.into(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a TLS backend is compiled in"),
            confirm_timeout,
            poll_interval: Duration::from_millis(400),
        }
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let reply: Value = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            // Never the URL: RPC URLs often carry an API key.
            .map_err(|e| RpcError::Transport(format!("{method}: {}", e.without_url())))?
            .json()
            .await
            .map_err(|e| RpcError::Transport(format!("{method}: {}", e.without_url())))?;
        if let Some(err) = reply.get("error") {
            return Err(RpcError::Node {
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err.to_string(),
            });
        }
        reply
            .get("result")
            .cloned()
            .ok_or_else(|| RpcError::Transport(format!("{method}: reply has no result")))
    }

    /// The confirmation state of `signature`: `None` while unknown, `Some(Ok)` when
    /// confirmed, `Some(Err)` when it executed and failed.
    async fn status(&self, signature: &str) -> Result<Option<Result<(), String>>, LedgerError> {
        let result = self
            .call(
                "getSignatureStatuses",
                json!([[signature], {"searchTransactionHistory": true}]),
            )
            .await
            .map_err(RpcError::unavailable)?;
        let Some(status) = result.pointer("/value/0").filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        // Only a confirmed outcome is final, failure as much as success.
        let level = status.get("confirmationStatus").and_then(Value::as_str);
        if !matches!(level, Some("confirmed" | "finalized")) {
            return Ok(None);
        }
        match status.get("err").filter(|e| !e.is_null()) {
            Some(err) => Ok(Some(Err(err.to_string()))),
            None => Ok(Some(Ok(()))),
        }
    }
}

impl RpcLedger {
    async fn blockhash(&self, commitment: &str) -> Result<Hash, LedgerError> {
        let result = self
            .call("getLatestBlockhash", json!([{ "commitment": commitment }]))
            .await
            .map_err(RpcError::unavailable)?;
        result
            .pointer("/value/blockhash")
            .and_then(Value::as_str)
            .and_then(|s| Hash::from_str(s).ok())
            .ok_or_else(|| LedgerError::Unavailable("getLatestBlockhash: no blockhash".into()))
    }
}

#[derive(Debug)]
enum RpcError {
    Transport(String),
    Node { code: i64, message: String },
}

/// JSON-RPC code of "Transaction simulation failed" (preflight): nothing was sent.
const PREFLIGHT_FAILURE: i64 = -32002;

impl RpcError {
    fn unavailable(self) -> LedgerError {
        match self {
            RpcError::Transport(m) | RpcError::Node { message: m, .. } => {
                LedgerError::Unavailable(m)
            }
        }
    }
}

#[async_trait]
impl Ledger for RpcLedger {
    async fn latest_blockhash(&self) -> Result<Hash, LedgerError> {
        self.blockhash("confirmed").await
    }

    async fn payout_blockhash(&self) -> Result<Hash, LedgerError> {
        self.blockhash("finalized").await
    }

    async fn mint_decimals(&self, mint: &Address) -> Result<u8, LedgerError> {
        let result = self
            .call(
                "getAccountInfo",
                json!([mint.to_string(), {"encoding": "base64", "commitment": "confirmed"}]),
            )
            .await
            .map_err(RpcError::unavailable)?;
        let value = result.get("value").filter(|v| !v.is_null());
        let owner = value.and_then(|v| v.get("owner")).and_then(Value::as_str);
        if owner != Some(&crate::exact::token_program().to_string()) {
            return Err(LedgerError::NotAMint(*mint));
        }
        let data = value
            .and_then(|v| v.pointer("/data/0"))
            .and_then(Value::as_str)
            .and_then(|d| STANDARD.decode(d).ok())
            .filter(|d| d.len() == MINT_LEN)
            .ok_or(LedgerError::NotAMint(*mint))?;
        Ok(data[MINT_DECIMALS_OFFSET])
    }

    async fn settle(&self, tx: &VersionedTransaction) -> Result<(), LedgerError> {
        let signature = crate::exact::transaction_id(tx);
        // A retry of a transaction that already landed must not be refused.
        if let Some(done) = self.status(&signature).await? {
            return done.map_err(LedgerError::Refused);
        }
        let wire = STANDARD.encode(bincode::serialize(tx).expect("a transaction serializes"));
        let sent = self
            .call(
                "sendTransaction",
                json!([wire, {"encoding": "base64", "preflightCommitment": "confirmed"}]),
            )
            .await;
        match sent {
            Ok(_) => {}
            // "Already processed" is a landed retry: wait for its status below.
            Err(RpcError::Node { message, .. }) if message.contains("AlreadyProcessed") => {}
            // A preflight refusal (funds, blockhash, accounts): nothing was sent.
            Err(RpcError::Node { code, message }) if code == PREFLIGHT_FAILURE => {
                return Err(LedgerError::Refused(message))
            }
            // Anything else (node unhealthy, rate limits, transport): the outcome is
            // unknown, so the caller must retry the same transaction, not give up.
            Err(e) => return Err(e.unavailable()),
        }
        let started = Instant::now();
        while started.elapsed() < self.confirm_timeout {
            if let Some(done) = self.status(&signature).await? {
                return done.map_err(LedgerError::Refused);
            }
            tokio::time::sleep(self.poll_interval).await;
        }
        Err(LedgerError::NotConfirmed(self.confirm_timeout))
    }

    async fn has_token_account(
        &self,
        owner: &Address,
        mint: &Address,
    ) -> Result<bool, LedgerError> {
        let account = crate::exact::associated_token_address(owner, mint);
        let result = self
            .call(
                "getAccountInfo",
                json!([account.to_string(), {"encoding": "base64", "commitment": "confirmed"}]),
            )
            .await
            .map_err(RpcError::unavailable)?;
        let owner = result
            .get("value")
            .filter(|v| !v.is_null())
            .and_then(|v| v.get("owner"))
            .and_then(Value::as_str);
        Ok(owner == Some(&crate::exact::token_program().to_string()))
    }

    async fn outcome(&self, tx: &VersionedTransaction) -> Result<Outcome, LedgerError> {
        // Validity first, at `finalized`. The blockhash came from a finalized bank
        // (`payout_blockhash`), so the finalized bank knows it: once it refuses it,
        // it is too old for any later block, and a block that included the
        // transaction is an ancestor, finalized too, so the status read after
        // this is final.
        let blockhash = tx.message.recent_blockhash().to_string();
        let valid = self
            .call(
                "isBlockhashValid",
                json!([blockhash, {"commitment": "finalized"}]),
            )
            .await
            .map_err(RpcError::unavailable)?
            .get("value")
            .and_then(Value::as_bool)
            .ok_or_else(|| LedgerError::Unavailable("isBlockhashValid: no value".into()))?;
        Ok(
            match self.status(&crate::exact::transaction_id(tx)).await? {
                Some(Ok(())) => Outcome::Landed,
                Some(Err(e)) => Outcome::Failed(e),
                None if !valid => Outcome::Expired,
                None => Outcome::Pending,
            },
        )
    }
}
