//! Heap bytes held by a compiled matcher, counted by `dhat`.
//!
//! `cargo run --release -p gateway-api-benches --example memory -- N MIX...`

use gateway_api_benches::workload::{Mix, table};
use gateway_api_match::compile;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let mixes: Vec<Mix> = if args.len() > 2 {
        args[2..].iter().filter_map(|s| Mix::parse(s)).collect()
    } else {
        Mix::ALL.to_vec()
    };
    let _profiler = dhat::Profiler::builder().testing().build();
    println!(
        "{:<14} {:>8} {:>14} {:>12}",
        "mix", "routes", "matcher bytes", "bytes/route"
    );
    for mix in mixes {
        let before = dhat::HeapStats::get().curr_bytes;
        let t = table(mix, n);
        let m = compile(t).expect("compiles");
        // The table is consumed: what is left is the matcher.
        let bytes = dhat::HeapStats::get().curr_bytes - before;
        println!(
            "{:<14} {:>8} {:>14} {:>12.0}",
            mix.name(),
            n,
            bytes,
            bytes as f64 / n as f64
        );
        drop(m);
    }
}
