//! Peak memory of the resolver bench world: builds the snapshot of 1 Gateway x 20 listeners x
//! 10,000 HTTPRoutes, resolves it fully, builds an incremental resolver and applies a change,
//! then prints timings and the peak resident set (`VmHWM` of `/proc/self/status`, Linux).
//!
//! `cargo run --release -p gateway-api-benches --example resolve_memory`

use std::time::Instant;

use gateway_api_validate::resolve::{Config, IncrementalResolver, Snapshot, resolve};

#[path = "../benches/world/mod.rs"]
mod world;

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".to_string())
}

/// CPU time (user + system) of this thread so far, from `/proc/thread-self/stat` (clock ticks
/// of 10 ms); on a loaded machine it tells the work apart from the waiting.
fn cpu_time() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(std::time::Duration::from_millis(ticks * 10))
}

fn main() {
    let t = Instant::now();
    let objects = world::objects();
    let snapshot = match Snapshot::from_objects(&objects) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("snapshot: {e}");
            std::process::exit(1);
        }
    };
    drop(objects);
    println!("world built in {:?}; peak RSS {}", t.elapsed(), peak_rss());
    let config = Config::new(world::CONTROLLER);
    let t = Instant::now();
    let full = resolve(&snapshot, &config);
    let rules: usize = full
        .data_plane
        .iter()
        .flat_map(|g| &g.listeners)
        .map(|l| l.rules.len())
        .sum();
    println!(
        "full resolve in {:?}: {} statuses, {rules} rules; peak RSS {}",
        t.elapsed(),
        full.statuses.len(),
        peak_rss()
    );
    // Dropping the output is part of what a caller pays (criterion's `iter` includes it).
    let t = Instant::now();
    drop(full);
    println!("its drop in {:?}", t.elapsed());
    // For profiling: `RESOLVE_REPEAT=20 perf record ...` spends its time in `resolve`.
    let repeat: usize = std::env::var("RESOLVE_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if repeat > 0 {
        let t = Instant::now();
        let cpu = cpu_time();
        for _ in 0..repeat {
            std::hint::black_box(resolve(&snapshot, &config));
        }
        let n = u32::try_from(repeat).unwrap_or(u32::MAX);
        let cpu = cpu.zip(cpu_time()).map(|(a, b)| (b - a) / n);
        println!(
            "{repeat} more full resolves: {:?} wall, {cpu:?} CPU each",
            t.elapsed() / n
        );
    }
    let t = Instant::now();
    let mut inc = IncrementalResolver::new(snapshot, config);
    println!(
        "incremental resolver built in {:?}; peak RSS {}",
        t.elapsed(),
        peak_rss()
    );
    let t = Instant::now();
    if let Err(e) = inc.upsert(&world::route(4242, 1)) {
        eprintln!("upsert: {e}");
        std::process::exit(1);
    }
    println!(
        "one route change in {:?}; peak RSS {}",
        t.elapsed(),
        peak_rss()
    );
}
