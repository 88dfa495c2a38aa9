//! Reproduces every value of the circomlibjs golden vectors bit for bit.

use ark_bn254::Fr;
use serde_json::Value;
use x402_zk_primitives::{
    babyjubjub::{self, base8, subgroup_order},
    eddsa::{self, SecretKey},
    field::modulus,
    poseidon::poseidon,
    FieldElement, PayerSecret, ReceiptBody, Statement,
};

fn vectors() -> Value {
    let text = include_str!("../../../test-vectors/circomlibjs/golden_vectors.json");
    serde_json::from_str(text).unwrap()
}

fn fe(v: &Value) -> FieldElement {
    v.as_str().unwrap().parse().unwrap()
}

fn u(v: &Value) -> u64 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn field_and_poseidon() {
    let v = vectors();
    assert_eq!(v["field_modulus"].as_str().unwrap(), modulus().to_string());
    for (key, inputs) in [
        ("[1]", vec![1u64]),
        ("[1,2]", vec![1, 2]),
        ("[1,2,3,4,5]", vec![1, 2, 3, 4, 5]),
    ] {
        let inputs: Vec<Fr> = inputs.into_iter().map(Fr::from).collect();
        assert_eq!(
            FieldElement(poseidon(&inputs)),
            fe(&v["poseidon"][key]),
            "{key}"
        );
    }
}

#[test]
fn baby_jubjub_constants() {
    let v = &vectors()["babyjubjub"];
    assert_eq!(FieldElement(babyjubjub::coeff_a()), fe(&v["a"]));
    assert_eq!(FieldElement(babyjubjub::coeff_d()), fe(&v["d"]));
    assert_eq!(FieldElement(base8().x), fe(&v["Base8"][0]));
    assert_eq!(FieldElement(base8().y), fe(&v["Base8"][1]));
    assert_eq!(
        subgroup_order().to_string(),
        v["subgroup_order"].as_str().unwrap()
    );
    assert_eq!(
        (subgroup_order() * 8u32).to_string(),
        v["order"].as_str().unwrap()
    );
    let g = babyjubjub::Point::new_unchecked(fe(&v["Generator"][0]).0, fe(&v["Generator"][1]).0);
    assert!(babyjubjub::is_on_curve(&g));
    assert_eq!(babyjubjub::mul(&g, &8u32.into()), base8());
}

#[test]
fn issuer_key_derivation() {
    let v = &vectors()["issuer"];
    let sk = SecretKey::from_hex(v["private_key_hex"].as_str().unwrap()).unwrap();
    let k = sk.expand();
    assert_eq!(
        hex::encode(k.digest),
        v["blake512_of_private_key_hex"].as_str().unwrap()
    );
    assert_eq!(k.s.to_string(), v["scalar_s_pruned"].as_str().unwrap());
    assert_eq!(
        (&k.s >> 3usize).to_string(),
        v["scalar_s_shr3"].as_str().unwrap()
    );
    let pk = sk.public_key();
    assert_eq!(pk.x(), fe(&v["public_key"]["Ax"]));
    assert_eq!(pk.y(), fe(&v["public_key"]["Ay"]));
    assert_eq!(
        hex::encode(pk.to_packed()),
        v["public_key_packed_hex"].as_str().unwrap()
    );
    assert_eq!(eddsa::PublicKey::from_packed(&pk.to_packed()).unwrap(), pk);
}

#[test]
fn receipt_signature_and_nullifier() {
    let v = vectors();
    let r = &v["receipt"];
    let sig_v = &v["signature"];
    let sk = SecretKey::from_hex(v["issuer"]["private_key_hex"].as_str().unwrap()).unwrap();
    let secret = PayerSecret::from_field(fe(&r["payer_secret"]));
    assert_eq!(secret.commitment(), fe(&r["payer_commitment"]));
    let body = ReceiptBody {
        amount: u(&r["amount"]),
        dest: fe(&r["recipient"]),
        paid_at: u(&r["paid_at"]),
        payment_id: fe(&r["tx_id"]),
        payer_commitment: secret.commitment(),
    };
    assert_eq!(FieldElement(body.message()), fe(&r["msg"]));

    let k = sk.expand();
    let nonce = eddsa::nonce(&k.digest, body.message());
    assert_eq!(nonce.to_string(), sig_v["nonce_r"].as_str().unwrap());
    let mut preimage = k.digest[32..].to_vec();
    preimage.extend_from_slice(
        &fe(&r["msg"])
            .to_be_bytes()
            .iter()
            .rev()
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        hex::encode(preimage),
        sig_v["nonce_preimage_hex"].as_str().unwrap()
    );

    let receipt = body.sign(&sk);
    assert_eq!(FieldElement(receipt.signature.r8.x), fe(&sig_v["R8x"]));
    assert_eq!(FieldElement(receipt.signature.r8.y), fe(&sig_v["R8y"]));
    assert_eq!(receipt.signature.s, fe(&sig_v["S"]));
    let hm = eddsa::challenge(
        &receipt.signature.r8,
        &receipt.issuer.point(),
        body.message(),
    );
    assert_eq!(FieldElement(hm), fe(&sig_v["challenge_hm"]));
    receipt.verify().unwrap();
    assert_eq!(secret.nullifier(body.payment_id), fe(&r["nullifier"]));

    let signals: Vec<&str> = v["public_signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let st = Statement::from_decimal_signals(&signals).unwrap();
    assert_eq!(st.nullifier, fe(&r["nullifier"]));
    assert_eq!(st.issuer, receipt.issuer);
    let round_trip: Vec<String> = st.public_inputs().iter().map(|f| f.to_string()).collect();
    assert_eq!(round_trip, signals);
}

#[test]
fn circomlibjs_reference_signature() {
    // iden3/circomlibjs test/eddsa.js "Sign (using Poseidon)" vector.
    let sk =
        SecretKey::from_hex("0001020304050607080900010203040506070809000102030405060708090001")
            .unwrap();
    let mut msg_bytes = [0u8; 32];
    msg_bytes[..12].copy_from_slice(&hex::decode("000102030405060708090000").unwrap());
    msg_bytes.reverse();
    let msg = FieldElement::from_be_bytes(&msg_bytes).unwrap().0;
    let pk = sk.public_key();
    assert_eq!(
        pk.x().to_string(),
        "13277427435165878497778222415993513565335242147425444199013288855685581939618"
    );
    assert_eq!(
        pk.y().to_string(),
        "13622229784656158136036771217484571176836296686641868549125388198837476602820"
    );
    let sig = sk.sign(msg);
    assert_eq!(
        sig.r8.x.to_string(),
        "11384336176656855268977457483345535180380036354188103142384839473266348197733"
    );
    assert_eq!(
        sig.r8.y.to_string(),
        "15383486972088797283337779941324724402501462225528836549661220478783371668959"
    );
    assert_eq!(
        sig.s.to_string(),
        "1672775540645840396591609181675628451599263765380031905495115170613215233181"
    );
    pk.verify(msg, &sig).unwrap();
}

#[test]
fn signature_rejections() {
    use eddsa::SignatureError::*;
    let sk = SecretKey::from_bytes([9; 32]);
    let pk = sk.public_key();
    let msg = Fr::from(5u64);
    let sig = sk.sign(msg);
    // S + l: same group element, refused by the range check.
    let mut malleable = sig;
    malleable.s = FieldElement(Fr::from(sig.s.to_biguint() + subgroup_order()));
    assert_eq!(pk.verify(msg, &malleable), Err(ScalarOutOfRange));
    let mut bumped = sig;
    bumped.s = FieldElement(sig.s.0 + Fr::from(1u64));
    assert_eq!(pk.verify(msg, &bumped), Err(Invalid));
    let mut swapped = sig;
    swapped.r8 = babyjubjub::Point::new_unchecked(sig.r8.y, sig.r8.x);
    assert_eq!(pk.verify(msg, &swapped), Err(NotOnCurve("R8")));
    let mut identity = sig;
    identity.r8 = babyjubjub::Point::new_unchecked(Fr::from(0u64), Fr::from(1u64));
    assert_eq!(pk.verify(msg, &identity), Err(SmallOrder("R8")));
    let other = SecretKey::from_bytes([10; 32]).public_key();
    assert_eq!(other.verify(msg, &sig), Err(Invalid));
    assert_eq!(
        eddsa::PublicKey::from_coordinates(FieldElement::ZERO, FieldElement::from(1u64)),
        Err(SmallOrder("public key"))
    );
    // A key plus the point of order 2, (0, −1): on the curve, not of small order,
    // outside the subgroup. Refused before and after the key itself is validated
    // (validated keys are cached; only keys that passed).
    let a = pk.point();
    let (x, y) = (FieldElement(a.x), FieldElement(a.y));
    let (neg_x, neg_y) = (FieldElement(-a.x), FieldElement(-a.y));
    for _ in 0..2 {
        assert_eq!(
            eddsa::PublicKey::from_coordinates(neg_x, neg_y),
            Err(eddsa::SignatureError::NotInSubgroup)
        );
        assert_eq!(eddsa::PublicKey::from_coordinates(x, y), Ok(pk));
    }
}
