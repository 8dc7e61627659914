//! Unit-test access to upstream's data set (`shared/upstream`: examples, CRDs, conformance
//! manifests).
//!
//! The data is looked up in `GATEWAY_API_UPSTREAM` when set, else in `../../shared/upstream`
//! relative to this crate. A missing data set or file is a test failure, never a skip.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The upstream data directory; panics with a clear message when it is missing.
pub(crate) fn upstream_dir() -> PathBuf {
    let dir = std::env::var("GATEWAY_API_UPSTREAM").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/upstream"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "upstream Gateway API data not found at {} (set GATEWAY_API_UPSTREAM to the \
         directory holding examples/, crds/ and conformance/)",
        dir.display()
    );
    dir
}

/// Every non-empty YAML document of an upstream file (`rel` to [`upstream_dir`]), as JSON.
pub(crate) fn upstream_documents(rel: impl AsRef<Path>) -> Vec<Value> {
    let path = upstream_dir().join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading upstream file {}: {e}", path.display()));
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
        .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

/// The documents of one upstream file with the given `apiVersion` and `kind`; panics when
/// there are none.
pub(crate) fn upstream_example(rel: &str, api_version: &str, kind: &str) -> Vec<Value> {
    let found: Vec<Value> = upstream_documents(rel)
        .into_iter()
        .filter(|d| d["kind"] == kind && d["apiVersion"] == api_version)
        .collect();
    assert!(!found.is_empty(), "{rel} has no {api_version} {kind}");
    found
}

/// Every document of `kind` in upstream's examples of the channels this build knows, with
/// the file it comes from.
pub(crate) fn upstream_examples(kind: &str) -> Vec<(PathBuf, Value)> {
    let mut channels = vec!["standard"];
    if cfg!(feature = "experimental") {
        channels.push("experimental");
    }
    let mut out = Vec::new();
    for channel in channels {
        let mut stack = vec![upstream_dir().join("examples").join(channel)];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
            for entry in entries {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    out.extend(
                        upstream_documents(&path)
                            .into_iter()
                            .filter(|d| d["kind"] == kind)
                            .map(|d| (path.clone(), d)),
                    );
                }
            }
        }
    }
    assert!(!out.is_empty(), "no upstream example of kind {kind}");
    out
}
