//! Runs `LOOKUPS` lookups on a `MIX` table of `N` routes, after building,
//! compiling and one warm-up pass over the request pool. Used by
//! `scripts/instructions.sh` under callgrind: the difference between a run
//! with `LOOKUPS` and one with 0 is the cost of the lookups alone.
//!
//! `cargo run --release --example lookups -- MIX N LOOKUPS [uniform|zipf|cold|check|matchit|linear]`
//!
//! `matchit` (path-only mix only) and `linear` run the same uniform sequence
//! through the `matchit` router or the first-match scan instead of the
//! matcher, so their instruction counts compare directly.
//!
//! `check` compares the matcher with the reference and the linear baseline
//! on the pool and prints the agreement.

use std::hint::black_box;

use gateway_api_benches::linear::LinearScan;
use gateway_api_benches::pathonly::MatchitRouter;
use gateway_api_benches::workload::{Mix, Workload, requests};
use gateway_api_benches::{dist, lookup, summary};
use gateway_api_match::compile;
use gateway_api_match::reference::ReferenceMatcher;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: lookups MIX N LOOKUPS [uniform|zipf|cold|check|matchit|linear]";
    let mix = args.get(1).and_then(|s| Mix::parse(s)).expect(usage);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).expect(usage);
    let count: usize = args.get(3).and_then(|s| s.parse().ok()).expect(usage);
    let mode = args.get(4).map_or("uniform", String::as_str);
    let w = Workload::new(mix, n);
    let m = compile(w.table.clone()).expect("compiles");
    if mode == "check" {
        let reference = ReferenceMatcher::new(w.table.clone(), &Default::default()).expect("ok");
        let linear = LinearScan::new(&w.table);
        let pool = &w.requests[..w.requests.len().min(2000)];
        let (mut same_ref, mut same_lin, mut hits) = (0, 0, 0);
        for r in pool {
            let got = summary(lookup(&m, r));
            let req = r.request();
            let want = summary(if r.grpc {
                reference.lookup_grpc(&req)
            } else {
                reference.lookup(&req)
            });
            hits += usize::from(got.is_some());
            same_ref += usize::from(got == want);
            let lin = linear.lookup(r).map(|(ri, rule, mi)| {
                let l = &w.table.listeners[0];
                let name = if r.grpc {
                    l.grpc_routes[ri as usize].id.name.clone()
                } else {
                    l.http_routes[ri as usize].id.name.clone()
                };
                (name, rule as usize, mi.map(|x| x as usize))
            });
            same_lin += usize::from(got == lin);
        }
        println!(
            "{} n={n}: {} requests, {hits} matched, reference agrees {same_ref}, linear agrees {same_lin}",
            mix.name(),
            pool.len()
        );
        return;
    }
    if mode == "matchit" || mode == "linear" {
        let seq = dist::uniform(w.requests.len(), count, 7);
        let mut found = 0usize;
        if mode == "matchit" {
            let router = MatchitRouter::new(&w.table);
            assert_eq!(router.rejected, 0, "matchit refused routes");
            for r in &w.requests {
                found += usize::from(router.lookup(&r.path).is_some());
            }
            for &i in &seq {
                found +=
                    usize::from(black_box(router.lookup(&w.requests[i as usize].path)).is_some());
            }
        } else {
            let linear = LinearScan::new(&w.table);
            for r in &w.requests {
                found += usize::from(linear.lookup(r).is_some());
            }
            for &i in &seq {
                found += usize::from(black_box(linear.lookup(&w.requests[i as usize])).is_some());
            }
        }
        println!("{} n={n} {mode} lookups={count} found={found}", mix.name());
        return;
    }
    let pool = if mode == "cold" {
        requests(mix, n, 65_536, 0xc01d, true)
    } else {
        w.requests.clone()
    };
    // Warm-up: every pooled request once (also in the 0-lookup run).
    let mut found = 0usize;
    for r in &pool {
        found += usize::from(lookup(&m, r).is_some());
    }
    let seq = match mode {
        "zipf" => dist::zipf(pool.len(), count, 1.1, 7),
        "cold" => (0..count as u32).map(|i| i % pool.len() as u32).collect(),
        _ => dist::uniform(pool.len(), count, 7),
    };
    for &i in &seq {
        found += usize::from(black_box(lookup(&m, &pool[i as usize])).is_some());
    }
    println!("{} n={n} lookups={count} found={found}", mix.name());
}
