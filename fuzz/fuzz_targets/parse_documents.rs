//! Arbitrary bytes -> `parse_documents` -> defaults and serialization: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for doc in gateway_api_types::parse_documents("fuzz", text).into_iter().flatten() {
        let mut object = doc.object;
        let _ = object.apply_defaults();
        let _ = object.to_value();
    }
});
