//! The facilitator's `/verify` and `/settle` bodies as the service reads them:
//! the duplicate-key guard every JSON body passes (`check_no_duplicate_keys`),
//! then `FacilitatorRequest::from_json` (v1 or v2).
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_protocol::{check_no_duplicate_keys, FacilitatorRequest};

fuzz_target!(|data: &[u8]| {
    let guard = check_no_duplicate_keys(data);
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        assert!(guard.is_err(), "the guard passed what is not JSON");
        return;
    };
    if let Err(e) = &guard {
        // Valid JSON is refused only for a key seen twice.
        assert!(e.is_data(), "{e}");
        return;
    }
    let reencoded = serde_json::to_vec(&body).unwrap();
    assert!(check_no_duplicate_keys(&reencoded).is_ok());
    let Ok(request) = FacilitatorRequest::from_json(body) else {
        return;
    };
    // A v2 request reads back as itself; a v1 request became a v2 one and keeps
    // version 1, so it does not (its v2 form is not a v1 body).
    if request.x402_version == 2 {
        let again = FacilitatorRequest::from_json(serde_json::to_value(&request).unwrap())
            .expect("a v2 request reads back");
        assert_eq!(again, request);
    } else {
        assert_eq!(request.x402_version, 1);
        assert_eq!(request.payment_payload.accepted, request.payment_requirements);
    }
});
