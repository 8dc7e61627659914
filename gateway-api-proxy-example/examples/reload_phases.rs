//! Times each phase of loading a configuration (the work a reload does), on the files given.
//!
//! `cargo run --release -p gateway-api-proxy-example --example reload_phases -- DIR...`

use std::path::PathBuf;
use std::time::Instant;

use gateway_api_proxy_example::serve::load;
use gateway_api_proxy_example::serve::table::shared_table;
use gateway_api_types::{Channel, parse_documents};
use gateway_api_validate::resolve::{Config, IncrementalResolver, Snapshot, resolve};
use gateway_api_validate::validate_manifest;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let channel = Channel::Standard;
    let rounds = if std::env::var_os("RELOAD_ONLY").is_some() {
        0
    } else {
        3
    };
    let sources = gateway_api_proxy_example::check::read_sources(&paths)?;
    let first = sources.first().map(|s| vec![s.clone()]).unwrap_or_default();
    for _ in 0..3 {
        // What a reload does: the first source loaded, then all of them (the others new),
        // then all again (nothing changed).
        let mut reloader = load::Reloader::new();
        reloader.load(&first, &[], channel, None, false)?;
        let t = Instant::now();
        reloader.load(&sources, &[], channel, None, false)?;
        let reload_new = t.elapsed();
        let t = Instant::now();
        reloader.load(&sources, &[], channel, None, false)?;
        let reload_same = t.elapsed();
        println!(
            "Reloader: first source then all {reload_new:?}, all again (unchanged) {reload_same:?}"
        );
    }
    for round in 0..rounds {
        let t = Instant::now();
        let sources = gateway_api_proxy_example::check::read_sources(&paths)?;
        let read = t.elapsed();
        let t = Instant::now();
        let mut docs = Vec::new();
        for (name, text) in &sources {
            docs.extend(
                parse_documents(name, text)
                    .into_iter()
                    .filter_map(Result::ok),
            );
        }
        let parse = t.elapsed();
        let t = Instant::now();
        let mut bad = 0;
        for d in &docs {
            bad += validate_manifest(&d.object, channel).violations.len();
        }
        let validate = t.elapsed();
        let t = Instant::now();
        let objects = load::objects(&sources, channel)?;
        let objects_total = t.elapsed();
        let t = Instant::now();
        let snapshot = Snapshot::from_objects(&objects)?;
        let snap = t.elapsed();
        let t = Instant::now();
        let config = Config::new("gateway-api-rs.dev/gwproxy".to_owned())
            .with_features(load::features(channel));
        let resolution = resolve(&snapshot, &config);
        let res = t.elapsed();
        // Incremental: the objects of the first file resolved, then every other object upserted.
        let first = sources.first().map(|s| vec![s.clone()]).unwrap_or_default();
        let base = load::objects(&first, channel)?;
        let t = Instant::now();
        let mut inc = IncrementalResolver::new(Snapshot::from_objects(&base)?, config.clone());
        let inc_new = t.elapsed();
        let t = Instant::now();
        let mut upserts = 0;
        for o in objects.iter().skip(base.len()) {
            inc.upsert(o)?;
            upserts += 1;
        }
        let inc_upserts = t.elapsed();
        let t = Instant::now();
        let full_inc = IncrementalResolver::new(snapshot.clone(), config.clone());
        let inc_full = t.elapsed();
        let t = Instant::now();
        let mut one = objects[objects.len() - 1].clone();
        if let gateway_api_types::GatewayObject::HTTPRoute(r) = &mut one {
            r.spec.hostnames = Some(vec!["other.local".into()]);
        }
        let mut full_inc = full_inc;
        full_inc.upsert(&one)?;
        let inc_one = t.elapsed();
        println!(
            "  incremental: new(base) {inc_new:?}, {upserts} upserts {inc_upserts:?}, new(all) {inc_full:?}, one upsert {inc_one:?}, same: {}",
            inc.resolution() == &resolution
        );
        let t = Instant::now();
        let table = shared_table(&resolution, &snapshot)?;
        let tab = t.elapsed();
        let t = Instant::now();
        let loaded = load::load(&sources, &[], channel, None, false)?;
        let total = t.elapsed();

        println!(
            "round {round}: {} docs ({bad} violations), read {read:?}, parse {parse:?}, validate {validate:?}, objects() {objects_total:?}, snapshot {snap:?}, resolve {res:?}, table {tab:?}, load() {total:?} [{} listeners, {} tables]",
            docs.len(),
            table.listeners.len(),
            loaded.tables.len()
        );
    }
    Ok(())
}
