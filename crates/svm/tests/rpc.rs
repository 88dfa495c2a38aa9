//! `RpcLedger` against a JSON-RPC endpoint served over real HTTP on loopback,
//! backed by LiteSVM: the four methods the issuer uses, with Solana's shapes.

use axum::{routing::post, Json, Router};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use x402_zk_svm::{
    build_payment, check_payment, exact_requirement, Address, Ledger, LedgerError, LiteSvmLedger,
    Outcome, RpcLedger,
};

#[derive(Clone)]
struct Node {
    chain: Arc<LiteSvmLedger>,
    statuses: Arc<Mutex<HashMap<String, Value>>>,
    /// The commitment of each `getLatestBlockhash` and `isBlockhashValid` call.
    commitments: Arc<Mutex<Vec<(String, String)>>>,
}

async fn rpc(
    axum::extract::State(node): axum::extract::State<Node>,
    Json(req): Json<Value>,
) -> Json<Value> {
    let params = &req["params"];
    let result: Result<Value, Value> = match req["method"].as_str().unwrap_or_default() {
        "getLatestBlockhash" => {
            node.commitments.lock().unwrap().push((
                "getLatestBlockhash".into(),
                params[0]["commitment"].as_str().unwrap_or_default().into(),
            ));
            let hash = node.chain.latest_blockhash().await.unwrap();
            Ok(
                json!({"context": {"slot": 1}, "value": {"blockhash": hash.to_string(), "lastValidBlockHeight": 100}}),
            )
        }
        "getAccountInfo" => {
            let address = Address::from_str(params[0].as_str().unwrap()).unwrap();
            let value = node.chain.account(&address).map(|(owner, data)| {
                json!({"owner": owner.to_string(), "data": [STANDARD.encode(data), "base64"], "lamports": 1, "executable": false})
            });
            Ok(json!({"context": {"slot": 1}, "value": value}))
        }
        "sendTransaction" => {
            let bytes = STANDARD.decode(params[0].as_str().unwrap()).unwrap();
            let tx: VersionedTransaction = bincode::deserialize(&bytes).unwrap();
            let signature = tx.signatures[0].to_string();
            match node.chain.settle(&tx).await {
                Ok(()) => {
                    node.statuses.lock().unwrap().insert(
                        signature.clone(),
                        json!({"err": null, "confirmationStatus": "confirmed"}),
                    );
                    Ok(json!(signature))
                }
                Err(e) => Err(
                    json!({"code": -32002, "message": format!("Transaction simulation failed: {e}")}),
                ),
            }
        }
        "isBlockhashValid" => {
            node.commitments.lock().unwrap().push((
                "isBlockhashValid".into(),
                params[1]["commitment"].as_str().unwrap_or_default().into(),
            ));
            let latest = node.chain.latest_blockhash().await.unwrap().to_string();
            Ok(json!({"context": {"slot": 1}, "value": params[0].as_str() == Some(&latest)}))
        }
        "getSignatureStatuses" => {
            let statuses = node.statuses.lock().unwrap();
            let value: Vec<Value> = params[0]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    statuses
                        .get(s.as_str().unwrap())
                        .cloned()
                        .unwrap_or(Value::Null)
                })
                .collect();
            Ok(json!({"context": {"slot": 1}, "value": value}))
        }
        other => Err(json!({"code": -32601, "message": format!("method {other} not found")})),
    };
    Json(match result {
        Ok(r) => json!({"jsonrpc": "2.0", "id": req["id"], "result": r}),
        Err(e) => json!({"jsonrpc": "2.0", "id": req["id"], "error": e}),
    })
}

#[tokio::test]
async fn rpc_ledger_settles_through_json_rpc() {
    let chain = Arc::new(LiteSvmLedger::new());
    let fee_payer = chain.funded_keypair(1_000_000_000).unwrap();
    let (buyer, seller) = (Keypair::new(), Keypair::new());
    let mint = chain.create_mint(&fee_payer, 6).unwrap();
    chain
        .mint_to(&fee_payer, &mint, &buyer.pubkey(), 5_000)
        .unwrap();
    chain
        .create_token_account(&fee_payer, &mint, &seller.pubkey())
        .unwrap();
    let node = Node {
        chain: chain.clone(),
        statuses: Arc::default(),
        commitments: Arc::default(),
    };
    let commitments = node.commitments.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            Router::new().route("/", post(rpc)).with_state(node),
        )
        .await
    });

    let ledger = RpcLedger::new(url, Duration::from_secs(5));
    assert_eq!(ledger.mint_decimals(&mint).await.unwrap(), 6);
    assert!(ledger
        .has_token_account(&seller.pubkey(), &mint)
        .await
        .unwrap());
    assert!(!ledger
        .has_token_account(&Keypair::new().pubkey(), &mint)
        .await
        .unwrap());
    assert!(matches!(
        ledger.mint_decimals(&seller.pubkey()).await,
        Err(LedgerError::NotAMint(_))
    ));
    let hash = ledger.latest_blockhash().await.unwrap();
    assert_eq!(hash, chain.latest_blockhash().await.unwrap());

    let network = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
    let req = exact_requirement(
        network,
        &mint,
        &seller.pubkey(),
        1_000,
        60,
        &fee_payer.pubkey(),
        6,
        &hash,
    );
    let tx = check_payment(
        &build_payment(&buyer, &req).unwrap(),
        &req,
        &fee_payer.pubkey(),
    )
    .unwrap()
    .co_sign(&fee_payer);
    ledger.settle(&tx).await.unwrap();
    assert_eq!(chain.token_balance(&seller.pubkey(), &mint), 1_000);
    // A retry of a confirmed transaction is recognised by its status, not re-sent.
    ledger.settle(&tx).await.unwrap();
    assert_eq!(chain.token_balance(&seller.pubkey(), &mint), 1_000);

    // More than the buyer holds: refused at preflight, nothing moves.
    let big = exact_requirement(
        network,
        &mint,
        &seller.pubkey(),
        1_000_000,
        60,
        &fee_payer.pubkey(),
        6,
        &hash,
    );
    let tx = check_payment(
        &build_payment(&buyer, &big).unwrap(),
        &big,
        &fee_payer.pubkey(),
    )
    .unwrap()
    .co_sign(&fee_payer);
    assert!(matches!(
        ledger.settle(&tx).await,
        Err(LedgerError::Refused(_))
    ));

    // Payouts: a blockhash the finalized bank knows, and an outcome judged there.
    let pool = Keypair::new();
    chain
        .mint_to(&fee_payer, &mint, &pool.pubkey(), 500)
        .unwrap();
    let payout_hash = ledger.payout_blockhash().await.unwrap();
    let payout = |amount, memo: &str| {
        x402_zk_svm::payout_transaction(
            &fee_payer,
            &pool,
            &x402_zk_svm::PayoutTransfer {
                mint,
                decimals: 6,
                pay_to: seller.pubkey(),
                amount,
                memo: memo.into(),
            },
            payout_hash,
        )
        .unwrap()
    };
    let (landed, unsent) = (payout(100, "payout 1"), payout(100, "payout 2"));
    assert_ne!(
        landed.signatures[0], unsent.signatures[0],
        "the memo makes payouts of one amount distinct"
    );
    ledger.settle(&landed).await.unwrap();
    assert_eq!(ledger.outcome(&landed).await.unwrap(), Outcome::Landed);
    assert_eq!(
        ledger.outcome(&unsent).await.unwrap(),
        Outcome::Pending,
        "unsent but still valid: it could land"
    );
    chain.expire_blockhash();
    assert_eq!(ledger.outcome(&unsent).await.unwrap(), Outcome::Expired);
    assert_eq!(
        ledger.outcome(&landed).await.unwrap(),
        Outcome::Landed,
        "landed stays landed after its blockhash expires"
    );
    let asked = commitments.lock().unwrap().clone();
    assert!(asked.contains(&("getLatestBlockhash".into(), "finalized".into())));
    assert!(asked
        .iter()
        .filter(|(m, _)| m == "isBlockhashValid")
        .all(|(_, c)| c == "finalized"));
    assert_eq!(chain.token_balance(&seller.pubkey(), &mint), 1_100);

    // Nobody listening: unavailable, not refused.
    let dead = RpcLedger::new("http://127.0.0.1:9", Duration::from_secs(1));
    assert!(matches!(
        dead.latest_blockhash().await,
        Err(LedgerError::Unavailable(_))
    ));
}
