//! Upstream's table-driven validation cases (`tests/cel/*_test.go` at v1.6.1, as data in
//! `shared/upstream/cel-cases`): every case gets the same verdict as the API server, and every
//! expected message substring appears in our error text. `GATEWAY_API_CEL_FILES=gateway,httproute`
//! restricts the files while developing.

mod common;

use gateway_api_types::document::{Location, parse_value};
use gateway_api_types::{Channel, GatewayObject};
use gateway_api_validate::{Report, validate_manifest, validate_status, validate_update};
use serde_json::Value;

/// Parses a case object; a type error is a rejection with its message.
fn object(v: &Value) -> Result<GatewayObject, String> {
    let mut docs = parse_value(v.clone(), &Location::default());
    match docs.pop() {
        Some(Ok(d)) => Ok(d.object),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("no object".into()),
    }
}

/// The API server's `celErrorStringMatches`: `got` contains `want`, or `want` with "more"
/// replaced by "longer" (the Kubernetes 1.32 wording change).
fn matches(got: &str, want: &str) -> bool {
    got.contains(want) || got.contains(&want.replace("more", "longer"))
}

fn run_case(case: &Value, channel: Channel) -> Result<(), String> {
    let valid = case["valid"].as_bool().unwrap_or(false);
    let text = (|| -> Result<String, String> {
        let new = object(&case["object"])?;
        let report: Report = if case["subresource"] == "status" {
            validate_status(&new, channel)
        } else if let Some(old) = case.get("update_of") {
            validate_update(&object(old)?, &new, channel)
        } else {
            validate_manifest(&new, channel)
        };
        Ok(report
            .violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "))
    })()
    .unwrap_or_else(|parse_error| parse_error);
    let rejected = !text.is_empty();
    if valid && rejected {
        return Err(format!("expected valid, got: {text}"));
    }
    if !valid {
        if !rejected {
            return Err("expected invalid, got no error".into());
        }
        for want in case["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !matches(&text, want) {
                return Err(format!("missing {want:?} in: {text}"));
            }
        }
    }
    Ok(())
}

#[test]
fn upstream_cel_cases_agree() {
    let filter: Option<Vec<String>> = std::env::var("GATEWAY_API_CEL_FILES")
        .ok()
        .map(|s| s.split(',').map(|f| f.trim().to_string()).collect());
    let dir = common::upstream_dir().join("cel-cases");
    let (mut passed, mut total) = (0, 0);
    let mut failures = Vec::new();
    for file in common::yaml_files(&dir) {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if filter.as_ref().is_some_and(|f| !f.contains(&stem)) {
            continue;
        }
        let data = common::yaml_documents(&file).remove(0);
        let channels: Vec<Channel> = match data["channel"].as_str() {
            Some("standard") => vec![Channel::Standard],
            Some("experimental") => vec![Channel::Experimental],
            _ => vec![Channel::Standard, Channel::Experimental],
        };
        for channel in channels {
            if channel == Channel::Experimental && !cfg!(feature = "experimental") {
                continue;
            }
            for case in data["cases"].as_array().into_iter().flatten() {
                total += 1;
                match run_case(case, channel) {
                    Ok(()) => passed += 1,
                    Err(e) => failures.push(format!(
                        "{stem} [{channel}] {:?}: {e}",
                        case["name"].as_str().unwrap_or("?")
                    )),
                }
            }
        }
    }
    println!("cel-cases: {passed}/{total} case runs agree with the API server");
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {total} case runs disagree (see above)",
        failures.len()
    );
    assert!(total > 0, "no cases ran");
}
