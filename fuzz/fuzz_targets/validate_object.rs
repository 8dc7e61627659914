//! Arbitrary bytes -> `parse_documents` -> `validate_manifest` in both channels (and
//! `validate_status`, `validate_update` against itself): never panics.
//!
//! From `fuzz/`: `RUSTC_BOOTSTRAP=1 cargo fuzz run validate_object` (add a seed directory such as
//! upstream's `examples/` after the corpus directory to start from real manifests:
//! `cargo fuzz run validate_object corpus/validate_object <seeds> -- -max_len=65536`).
#![no_main]

use gateway_api_types::Channel;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for doc in gateway_api_types::parse_documents("fuzz", text).into_iter().flatten() {
        for channel in [Channel::Standard, Channel::Experimental] {
            let report = gateway_api_validate::validate_manifest(&doc.object, channel);
            for v in &report.violations {
                let _ = v.to_string();
            }
            let _ = gateway_api_validate::validate_status(&doc.object, channel);
            let _ = gateway_api_validate::validate_update(&doc.object, &doc.object, channel);
        }
    }
});
