//! Zero allocations per lookup after warm-up, counted by `dhat` as the
//! global allocator: HTTP (every mix), gRPC, regex paths and regex
//! header/query values, from the thread that compiled the matcher and from
//! other threads (the regex engines' per-thread scratch caches).
//!
//! One test function: `dhat` allows one profiler per process.

use std::hint::black_box;

use gateway_api_benches::workload::{Mix, Workload};
use gateway_api_benches::{Req, lookup};
use gateway_api_match::{Matcher, compile};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn run(m: &Matcher<u32, u32>, reqs: &[Req]) -> usize {
    reqs.iter()
        .map(|r| usize::from(black_box(lookup(m, r)).is_some()))
        .sum()
}

/// Allocated blocks during `passes` passes over `reqs`, after one warm-up.
fn allocations(m: &Matcher<u32, u32>, reqs: &[Req], passes: usize) -> (u64, usize) {
    run(m, reqs);
    let before = dhat::HeapStats::get().total_blocks;
    let mut hits = 0;
    for _ in 0..passes {
        hits += run(m, reqs);
    }
    (dhat::HeapStats::get().total_blocks - before, hits)
}

#[test]
fn warm_lookups_do_not_allocate() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let mut matchers = Vec::new();
    for mix in Mix::ALL {
        let w = Workload::new(mix, 500);
        let reqs: Vec<Req> = w.requests.iter().take(300).cloned().collect();
        let m = compile(w.table.clone()).expect("compiles");
        let (blocks, hits) = allocations(&m, &reqs, 3);
        assert!(hits > 0, "{}: no request matched", mix.name());
        dhat::assert_eq!(blocks, 0, "{}: lookups allocated", mix.name());
        matchers.push((mix, m, reqs));
    }
    // Other threads (one at a time: the counters are process-wide): regex
    // scratch space is taken on first use (warm-up), then reused.
    for _ in 0..2 {
        std::thread::scope(|s| {
            s.spawn(|| {
                for (mix, m, reqs) in &matchers {
                    let (blocks, _) = allocations(m, reqs, 2);
                    dhat::assert_eq!(
                        blocks,
                        0,
                        "{}: lookups on another thread allocated",
                        mix.name()
                    );
                }
            });
        });
    }
    // `http::request::Parts` input, gRPC by content-type.
    let (_, m, _) = &matchers[Mix::Grpc as usize];
    let parts = http::Request::post("http://grpc0.example.com/pkg0.v1.Service0/Getorders")
        .header("content-type", "application/grpc")
        .body(())
        .expect("request")
        .into_parts()
        .0;
    assert!(m.lookup_parts(80, &parts).is_some());
    let before = dhat::HeapStats::get().total_blocks;
    for _ in 0..100 {
        black_box(m.lookup_parts(80, &parts));
    }
    let blocks = dhat::HeapStats::get().total_blocks - before;
    dhat::assert_eq!(blocks, 0, "lookup_parts allocated");
}
