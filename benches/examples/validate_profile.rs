//! Validates the `validate` bench's objects N times, for instruction counts under callgrind.
//!
//! `cargo run --release -p gateway-api-benches --example validate_profile -- httproute|gateway N`
//!
//! `benches/scripts/validate_instructions.sh` runs it with N and with 0 and prints the
//! instructions per validation.

use std::hint::black_box;

#[path = "../benches/common/objects.rs"]
mod objects;
use objects::{CHANNEL, gateway_yaml, httproute_yaml, object};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("httproute", String::as_str);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let yaml = match which {
        "gateway" => gateway_yaml(),
        _ => httproute_yaml(),
    };
    let obj = object(&yaml);
    let report = gateway_api_validate::validate(&obj, CHANNEL);
    assert!(report.is_empty(), "{which} must be valid: {report:?}");
    let mut violations = 0;
    for _ in 0..n {
        violations += gateway_api_validate::validate(black_box(&obj), CHANNEL)
            .violations
            .len();
    }
    println!("{which}: {n} validations, {violations} violations");
}
