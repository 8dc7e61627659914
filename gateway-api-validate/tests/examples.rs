//! Upstream's examples are all valid; upstream's invalid examples (`hack/invalid-examples`) are
//! all rejected.

mod common;

use gateway_api_types::{Channel, GatewayObject, parse_documents};
use gateway_api_validate::validate_manifest;

fn channels_for(rel: &str) -> Vec<Channel> {
    if rel.contains("/experimental/") {
        if cfg!(feature = "experimental") {
            vec![Channel::Experimental]
        } else {
            vec![]
        }
    } else if cfg!(feature = "experimental") {
        vec![Channel::Standard, Channel::Experimental]
    } else {
        vec![Channel::Standard]
    }
}

/// `(file, channel, error text)` for every Gateway API object of the files below `dir`.
fn verdicts(dir: &str) -> Vec<(String, Channel, String)> {
    let root = common::upstream_dir();
    let mut out = Vec::new();
    for file in common::yaml_files(&root.join(dir)) {
        let rel = file.display().to_string();
        let text = std::fs::read_to_string(&file).expect("read");
        for channel in channels_for(&rel) {
            for doc in parse_documents(&rel, &text) {
                match doc {
                    Err(e) => out.push((rel.clone(), channel, e.to_string())),
                    Ok(d) if matches!(d.object, GatewayObject::Other(_)) => {}
                    Ok(d) => {
                        let r = validate_manifest(&d.object, channel);
                        let text = r
                            .violations
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ");
                        out.push((
                            format!("{rel} {} {:?}", d.object.kind(), d.object.metadata().name),
                            channel,
                            text,
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn upstream_examples_are_valid() {
    let v = verdicts("examples");
    let bad: Vec<_> = v.iter().filter(|(_, _, e)| !e.is_empty()).collect();
    println!(
        "examples: {} of {} object checks valid",
        v.len() - bad.len(),
        v.len()
    );
    for (f, c, e) in &bad {
        println!("FAIL {f} [{c}]: {e}");
    }
    assert!(bad.is_empty());
    // 92 objects in the standard examples, 195 with the experimental ones.
    assert!(v.len() >= 90, "only {} objects checked", v.len());
}

#[test]
fn upstream_invalid_examples_are_rejected() {
    let root = common::upstream_dir().join("invalid-examples");
    let mut checked = 0;
    let mut accepted = Vec::new();
    for file in common::yaml_files(&root) {
        let rel = file.display().to_string();
        let text = std::fs::read_to_string(&file).expect("read");
        for channel in channels_for(&rel) {
            checked += 1;
            // A file is invalid when any of its documents is rejected.
            let rejected = parse_documents(&rel, &text).into_iter().any(|d| match d {
                Err(_) => true,
                Ok(d) => !validate_manifest(&d.object, channel).is_empty(),
            });
            if !rejected {
                accepted.push(format!("{rel} [{channel}]"));
            }
        }
    }
    println!(
        "invalid-examples: {} of {checked} rejected",
        checked - accepted.len()
    );
    for a in &accepted {
        println!("FAIL accepted: {a}");
    }
    assert!(accepted.is_empty());
    assert!(checked >= 32);
}
