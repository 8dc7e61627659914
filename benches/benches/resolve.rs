//! Resolver benches (issue 4): a full resolve of 1 Gateway x 20 listeners x 10,000 HTTPRoutes
//! (3 rules each, 1,000 hostnames), and one Route change applied incrementally in that world.
//! Targets: full < 100 ms, incremental < 1 ms (peak memory: `cargo run --release --example
//! resolve_memory -p gateway-api-benches`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gateway_api_validate::resolve::{Config, IncrementalResolver, Snapshot, resolve};

#[path = "world/mod.rs"]
mod world;

fn benches(c: &mut Criterion) {
    let objects = world::objects();
    let snapshot = Snapshot::from_objects(&objects).expect("snapshot");
    let config = Config::new(world::CONTROLLER);

    let mut g = c.benchmark_group("resolve");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("full_1gw_20l_10k_routes", |b| {
        b.iter(|| resolve(black_box(&snapshot), &config))
    });

    let mut inc = IncrementalResolver::new(snapshot.clone(), config.clone());
    let versions = [world::route(4242, 1), world::route(4242, 0)];
    let mut n = 0usize;
    g.sample_size(100);
    g.bench_function("incremental_one_route_change", |b| {
        b.iter(|| {
            n += 1;
            inc.upsert(black_box(&versions[n % 2])).expect("upsert");
        })
    });
    // The snapshot part of a change alone (CRD defaulting and conversion of the object), to
    // tell it apart from the resolver's part in the figure above.
    let mut snap = snapshot.clone();
    g.bench_function("snapshot_upsert_only", |b| {
        b.iter(|| {
            n += 1;
            snap.upsert(black_box(&versions[n % 2])).expect("upsert");
        })
    });
    g.finish();
}

criterion_group!(resolve_benches, benches);
criterion_main!(resolve_benches);
