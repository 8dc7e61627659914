//! Every document of upstream's examples and conformance manifests parses into the typed
//! objects and serializes back to the same JSON value; defaulting is idempotent and equals the
//! upstream CRDs' own defaults applied to the raw JSON.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use gateway_api_types::defaults::{apply_defaults, prune_unknown_fields};
use gateway_api_types::{GatewayObject, parse_documents};
use serde_json::Value;

/// Upstream CRD schemas of a channel by `(apiVersion, kind)`.
fn upstream_schemas(channel: &str) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for file in common::yaml_files(&common::upstream_dir().join("crds").join(channel)) {
        for doc in common::yaml_documents(&file) {
            if doc["kind"] != "CustomResourceDefinition" {
                continue;
            }
            let group = doc["spec"]["group"].as_str().unwrap_or_default();
            let kind = doc["spec"]["names"]["kind"].as_str().unwrap_or_default();
            for v in doc["spec"]["versions"].as_array().into_iter().flatten() {
                let api_version = format!("{group}/{}", v["name"].as_str().unwrap_or_default());
                out.insert(
                    (api_version, kind.to_string()),
                    v["schema"]["openAPIV3Schema"].clone(),
                );
            }
        }
    }
    out
}

/// Fills upstream's conformance placeholders as its suite does.
fn fill_placeholders(text: &str) -> String {
    text.replace("{GATEWAY_CLASS_NAME}", "gateway-conformance")
        .replace(
            "{GATEWAY_CONTROLLER_NAME}",
            "example.net/gateway-controller",
        )
        .replace("PLACEHOLDER_USABLE_ADDRS", "192.0.2.10")
        .replace("PLACEHOLDER_UNUSABLE_ADDRS", "198.51.100.10")
}

fn check_dir(dir: &Path, stats: &mut BTreeMap<String, usize>, failures: &mut Vec<String>) {
    let channel = if cfg!(feature = "experimental") {
        "experimental"
    } else {
        "standard"
    };
    let schemas = upstream_schemas(channel);
    for file in common::yaml_files(dir) {
        let text = fill_placeholders(&std::fs::read_to_string(&file).expect("read"));
        let raw: Vec<Value> = serde_saphyr::from_multiple(&text).expect("upstream YAML parses");
        let raw: Vec<Value> = raw.into_iter().filter(|d| !d.is_null()).collect();
        let parsed = parse_documents(&file.display().to_string(), &text);
        assert_eq!(
            raw.len(),
            parsed.len(),
            "{}: document count",
            file.display()
        );
        for (original, doc) in raw.iter().zip(parsed) {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    failures.push(e.to_string());
                    continue;
                }
            };
            if matches!(doc.object, GatewayObject::Other(_)) {
                continue;
            }
            *stats
                .entry(format!(
                    "{} {}",
                    doc.object.api_version(),
                    doc.object.kind()
                ))
                .or_default() += 1;
            let key = (
                doc.object.api_version().to_string(),
                doc.object.kind().to_string(),
            );
            let Some(schema) = schemas.get(&key) else {
                failures.push(format!("{}: no upstream schema for {key:?}", doc.location));
                continue;
            };
            // A standard-channel build keeps exactly what the standard CRDs keep (the API server
            // prunes experimental fields); an experimental build keeps everything.
            let mut original = original.clone();
            if channel == "standard" {
                let before = original.clone();
                prune_unknown_fields(&mut original, schema);
                if before != original {
                    *stats
                        .entry("(pruned: experimental fields in a standard build)".into())
                        .or_default() += 1;
                }
            }
            let original = &original;
            let back = doc.object.to_value().expect("serialize");
            if &back != original {
                failures.push(format!(
                    "{}: round trip changed the object:\n  in:  {original}\n  out: {back}",
                    doc.location
                ));
                continue;
            }
            // Defaulting: typed (our schema) == generic with upstream's CRD schema; idempotent.
            let key = (
                doc.object.api_version().to_string(),
                doc.object.kind().to_string(),
            );
            let Some(schema) = schemas.get(&key) else {
                failures.push(format!("{}: no upstream schema for {key:?}", doc.location));
                continue;
            };
            let mut expected = original.clone();
            apply_defaults(&mut expected, schema);
            let mut typed = doc.object.clone();
            typed.apply_defaults().expect("defaults");
            let once = typed.to_value().expect("serialize");
            if once != expected {
                failures.push(format!("{}: defaults differ from the CRD's:\n  typed:    {once}\n  upstream: {expected}", doc.location));
            }
            typed.apply_defaults().expect("defaults");
            assert_eq!(
                typed.to_value().expect("serialize"),
                once,
                "{}: defaults not idempotent",
                doc.location
            );
        }
    }
}

#[test]
fn upstream_examples_and_conformance_manifests_round_trip() {
    let up = common::upstream_dir();
    let mut stats = BTreeMap::new();
    let mut failures = Vec::new();
    let mut dirs = vec![
        up.join("examples/standard"),
        up.join("conformance/manifests"),
    ];
    if cfg!(feature = "experimental") {
        dirs.push(up.join("examples/experimental"));
    }
    for dir in dirs {
        check_dir(&dir, &mut stats, &mut failures);
    }
    let total: usize = stats
        .iter()
        .filter(|(k, _)| !k.starts_with('('))
        .map(|(_, n)| n)
        .sum();
    println!("round-tripped {total} Gateway API objects:");
    for (k, n) in &stats {
        println!("  {n:4} {k}");
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} documents failed (see above)",
        failures.len()
    );
    assert!(total > 300, "expected hundreds of objects, got {total}");
}
