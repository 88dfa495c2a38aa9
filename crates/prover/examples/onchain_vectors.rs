//! Writes `test-vectors/onchain/`: a development key, 16 proofs of distinct
//! receipts for one seller (`proofs.json`) and 2 for another seller, price and
//! issuer (`other_seller.json`), which the Solana program and the EVM verifier
//! are tested and measured with. Deterministic (seeded); regenerate only on purpose:
//!
//! ```sh
//! cargo run --release -p x402-zk-prover --example onchain_vectors -- test-vectors/onchain
//! ```
//!
//! The key is a single-party development key: its toxic waste is derivable from
//! the seed in this file. Never deploy a verifier built from it.
//!
//! The committed vectors were made when `setup_dev` still made keys over 2^13
//! points for the 4,361-row circuit; it now makes them over 4,096 points for the
//! 4,071-row one (same statement, same public inputs), so a re-run writes another
//! key. Verification depends only on the verifying key, so the committed proofs
//! stay valid under theirs; they were not regenerated.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::json;
use x402_zk_primitives::{
    eddsa::SecretKey, h2f, FieldElement, PayerSecret, Policy, ReceiptBody, Witness,
};

const PROOFS: u64 = 16;
const NETWORK: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: onchain_vectors <out-dir>")?,
    );
    let mut rng = ChaCha20Rng::from_seed(*b"x402-zk onchain test vectors v1!");
    let (pk, vk) = x402_zk_prover::setup_dev(&mut rng)?;
    let mut prove_for =
        |seller: &str, issuer: &SecretKey, price: u64, ids: std::ops::Range<u64>| {
            prove_all(&pk, &mut rng, seller, issuer, price, ids)
        };
    let proofs = prove_for(
        "seller",
        &SecretKey::from_bytes([7; 32]),
        1_000_000,
        0..PROOFS,
    )?;
    let other = prove_for(
        "another seller",
        &SecretKey::from_bytes([8; 32]),
        2_000_000,
        PROOFS..PROOFS + 2,
    )?;
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("verifying.key"), vk.to_bytes())?;
    std::fs::write(
        out.join("verification_key.json"),
        serde_json::to_string_pretty(&vk.to_snarkjs())? + "\n",
    )?;
    for (name, list) in [("proofs.json", &proofs), ("other_seller.json", &other)] {
        std::fs::write(out.join(name), serde_json::to_string_pretty(list)? + "\n")?;
    }
    println!(
        "wrote {} proofs and the key (vkHash {}) to {}",
        proofs.len() + other.len(),
        vk.hash_hex(),
        out.display()
    );
    Ok(())
}

/// Proofs of receipts `ids` (distinct buyers and payments) for one seller.
fn prove_all(
    pk: &x402_zk_prover::ProvingKey,
    rng: &mut ChaCha20Rng,
    seller: &str,
    issuer: &SecretKey,
    price: u64,
    ids: std::ops::Range<u64>,
) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let dest = h2f::dest(NETWORK, "USDC", seller);
    let mut proofs = Vec::new();
    for i in ids {
        let buyer = PayerSecret::from_field(FieldElement::from(1_000 + i));
        let receipt = ReceiptBody {
            amount: 1_000_000 + i * 250_000,
            dest,
            paid_at: 1_760_000_000 + i * 60,
            payment_id: h2f::payment_id(NETWORK, &format!("tx-{i}")),
            payer_commitment: buyer.commitment(),
        }
        .sign(issuer);
        let policy = Policy {
            dest,
            min_amount: price,
            not_before: 1_759_990_000 + i,
            issuer: issuer.public_key(),
            context: h2f::context("https://api.example/report", &format!("challenge-{i}")),
        };
        let witness = Witness {
            receipt,
            payer_secret: buyer,
        };
        let (statement, proof) = x402_zk_prover::prove(pk, &witness, &policy, rng)?;
        let inputs: Vec<String> = statement
            .public_inputs()
            .iter()
            .map(|x| x.to_string())
            .collect();
        proofs.push(json!({ "proof": hex::encode(proof.to_bytes()), "publicInputs": inputs }));
    }
    Ok(proofs)
}
