//! Field elements and integers: `FieldElement::from_be_bytes`, the decimal form
//! (`FromStr`, JSON) and `parse_u64`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_primitives::{field::parse_u64, FieldElement};

fuzz_target!(|data: &[u8]| {
    if let Ok(x) = FieldElement::from_be_bytes(data) {
        assert_eq!(x.to_be_bytes(), data, "bytes are canonical");
        assert_eq!(x.to_string().parse::<FieldElement>(), Ok(x));
    }
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(x) = s.parse::<FieldElement>() {
        assert_eq!(x.to_string(), s, "decimals are canonical");
        assert_eq!(FieldElement::from_be_bytes(&x.to_be_bytes()), Ok(x));
    }
    if let Ok(n) = parse_u64(s) {
        assert_eq!(n.to_string(), s);
        assert_eq!(FieldElement::from(n).to_string(), s);
    }
    if let Ok(x) = serde_json::from_str::<FieldElement>(s) {
        assert_eq!(serde_json::to_string(&x).unwrap(), format!("\"{x}\""));
    }
});
