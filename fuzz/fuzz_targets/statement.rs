//! Public inputs: snarkjs `public.json` (`Statement::from_decimal_signals`), 32-byte
//! big-endian field elements (`Statement::from_public_inputs`) and the named JSON form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_primitives::{FieldElement, Statement, PUBLIC_INPUTS};

fn check(statement: &Statement) {
    let inputs = statement.public_inputs();
    assert_eq!(&Statement::from_public_inputs(&inputs).expect("own inputs"), statement);
    let signals: Vec<String> = inputs.iter().map(ToString::to_string).collect();
    assert_eq!(&Statement::from_decimal_signals(&signals).expect("own signals"), statement);
    let json = serde_json::to_vec(statement).unwrap();
    assert_eq!(&serde_json::from_slice::<Statement>(&json).expect("own JSON"), statement);
}

fuzz_target!(|data: &[u8]| {
    // snarkjs public.json: an array of decimal strings.
    if let Ok(signals) = serde_json::from_slice::<Vec<String>>(data) {
        if let Ok(statement) = Statement::from_decimal_signals(&signals) {
            check(&statement);
            assert_eq!(
                statement.public_inputs().map(|x| x.to_string()).to_vec(),
                signals,
                "decimal signals are canonical"
            );
        }
    }
    // The named JSON form (prover service answers, CLI files).
    if let Ok(statement) = serde_json::from_slice::<Statement>(data) {
        check(&statement);
    }
    // Seven 32-byte big-endian values (on-chain instruction data, proof buffers).
    if data.len() == 32 * PUBLIC_INPUTS {
        let values: Result<Vec<FieldElement>, _> =
            data.chunks(32).map(FieldElement::from_be_bytes).collect();
        if let Ok(values) = values {
            if let Ok(statement) = Statement::from_public_inputs(&values) {
                check(&statement);
                let bytes: Vec<u8> =
                    statement.public_inputs().iter().flat_map(|x| x.to_be_bytes()).collect();
                assert_eq!(bytes, data);
            }
        }
    }
});
