//! Criterion benches: the compiled matcher against its baselines, side by
//! side, on every mix and size.
//!
//! ```text
//! cargo bench -p gateway-api-benches --bench matcher              # everything
//! cargo bench -p gateway-api-benches --bench matcher -- lookup/ingress
//! GW_BENCH_SIZES=10,1000 cargo bench -p gateway-api-benches --bench matcher
//! GW_BENCH_MIXES=ingress,path_only cargo bench ...
//! ```
//!
//! Groups `lookup/{mix}/{n}` hold, per request distribution:
//! `matcher/{uniform,zipf,cold}` (this crate), `reference/uniform` (the
//! literal reference matcher), `linear/uniform` (Envoy-style pre-sorted
//! first-match scan per host), `matchit/uniform` (path-only mix) and
//! `one_regex_at_a_time/uniform` (regex mix). Each iteration is one lookup.
//! `compile/{mix}/{n}` times `compile()` (the table clone is excluded).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gateway_api_benches::linear::LinearScan;
use gateway_api_benches::pathonly::MatchitRouter;
use gateway_api_benches::regexes::RegexScan;
use gateway_api_benches::workload::{Mix, Workload, requests};
use gateway_api_benches::{Req, dist, lookup};
use gateway_api_match::compile;
use gateway_api_match::reference::ReferenceMatcher;

/// Length of each request sequence (a power of two).
const SEQ: usize = 1 << 14;

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
}

fn sizes() -> Vec<usize> {
    env_list("GW_BENCH_SIZES").map_or_else(
        || vec![10, 1_000, 10_000, 100_000],
        |v| v.iter().filter_map(|s| s.parse().ok()).collect(),
    )
}

fn mixes() -> Vec<Mix> {
    env_list("GW_BENCH_MIXES").map_or_else(
        || Mix::ALL.to_vec(),
        |v| v.iter().filter_map(|s| Mix::parse(s)).collect(),
    )
}

/// Fewer samples for big tables (the baselines are slow there).
fn samples(n: usize) -> usize {
    match n {
        0..=1_000 => 30,
        1_001..=10_000 => 20,
        _ => 10,
    }
}

/// One lookup per iteration, walking `seq` over `pool`.
fn walk<'a, T>(
    pool: &'a [Req],
    seq: &'a [u32],
    mut f: impl FnMut(&'a Req) -> T + 'a,
) -> impl FnMut() -> T + 'a {
    let mut i = 0usize;
    move || {
        let r = &pool[seq[i & (seq.len() - 1)] as usize];
        i = i.wrapping_add(1);
        f(black_box(r))
    }
}

fn lookups(c: &mut Criterion) {
    for mix in mixes() {
        for n in sizes() {
            let w = Workload::new(mix, n);
            let m = compile(w.table.clone()).expect("compiles");
            let uniform = dist::uniform(w.requests.len(), SEQ, 1);
            let zipf = dist::zipf(w.requests.len(), SEQ, 1.1, 2);
            // Cold: never-seen requests (unique tails) over all routes,
            // each used once per pass over 65,536.
            let cold_pool = requests(mix, n, 1 << 16, 0xc01d, true);
            let cold_seq: Vec<u32> = (0..cold_pool.len() as u32).collect();
            let reference =
                ReferenceMatcher::new(w.table.clone(), &Default::default()).expect("compiles");
            let linear = LinearScan::new(&w.table);

            let mut g = c.benchmark_group(format!("lookup/{}/{n}", mix.name()));
            g.sample_size(samples(n));
            let reqs = &w.requests;
            g.bench_function("matcher/uniform", |b| {
                b.iter(walk(reqs, &uniform, |r| lookup(&m, r).is_some()))
            });
            g.bench_function("matcher/zipf", |b| {
                b.iter(walk(reqs, &zipf, |r| lookup(&m, r).is_some()))
            });
            g.bench_function("matcher/cold", |b| {
                b.iter(walk(&cold_pool, &cold_seq, |r| lookup(&m, r).is_some()))
            });
            g.bench_function("reference/uniform", |b| {
                b.iter(walk(reqs, &uniform, |r| {
                    let req = r.request();
                    if r.grpc {
                        reference.lookup_grpc(&req).is_some()
                    } else {
                        reference.lookup(&req).is_some()
                    }
                }))
            });
            g.bench_function("linear/uniform", |b| {
                b.iter(walk(reqs, &uniform, |r| linear.lookup(r).is_some()))
            });
            if mix == Mix::PathOnly {
                let router = MatchitRouter::new(&w.table);
                assert_eq!(router.rejected, 0, "matchit refused routes");
                g.bench_function("matchit/uniform", |b| {
                    b.iter(walk(reqs, &uniform, |r| router.lookup(&r.path).is_some()))
                });
            }
            if mix == Mix::RegexApi {
                let scan = RegexScan::new(&w.table);
                g.bench_function("one_regex_at_a_time/uniform", |b| {
                    b.iter(walk(reqs, &uniform, |r| scan.lookup(r).is_some()))
                });
            }
            g.finish();
        }
    }
}

fn compiles(c: &mut Criterion) {
    for mix in mixes() {
        for n in sizes().into_iter().filter(|&n| n >= 1_000) {
            let table = gateway_api_benches::workload::table(mix, n);
            let mut g = c.benchmark_group(format!("compile/{}", mix.name()));
            g.sample_size(10).measurement_time(Duration::from_secs(2));
            g.bench_function(format!("{n}"), |b| {
                b.iter_batched(
                    || table.clone(),
                    |t| compile(t).expect("compiles"),
                    BatchSize::PerIteration,
                )
            });
            g.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(800));
    targets = lookups, compiles
}
criterion_main!(benches);
