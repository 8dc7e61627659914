//! The CRDs generated from the types equal upstream's `config/crd/{standard,experimental}`:
//! every property, type, required list, enum, pattern, format, bound, default, list/map marker
//! and CEL rule, plus names, scope, printer columns, subresources and served/storage flags.
//! Descriptions are ignored. `GATEWAY_API_KINDS=HTTPRoute,Gateway` restricts the comparison.

mod common;

use std::collections::BTreeMap;

use gateway_api_types::Channel;
use serde_json::{Value, json};

/// Removes `description` keywords from a schema (not properties named `description`), sorts
/// `required`, and turns every number into f64 so that `65535` equals `65535.0`.
fn normalize_schema(v: &mut Value) {
    let Value::Object(obj) = v else { return };
    obj.remove("description");
    if let Some(Value::Array(req)) = obj.get_mut("required") {
        req.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    for key in [
        "maximum",
        "minimum",
        "maxLength",
        "minLength",
        "maxItems",
        "minItems",
        "maxProperties",
        "minProperties",
    ] {
        if let Some(n) = obj.get(key).and_then(Value::as_f64) {
            obj.insert(key.into(), json!(n));
        }
    }
    if let Some(d) = obj.get_mut("default") {
        normalize_numbers(d);
    }
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for p in props.values_mut() {
            normalize_schema(p);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(s) = obj.get_mut(key) {
            normalize_schema(s);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(list)) = obj.get_mut(key) {
            list.iter_mut().for_each(normalize_schema);
        }
    }
}

fn normalize_numbers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                *v = json!(f);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize_numbers),
        Value::Object(o) => o.values_mut().for_each(normalize_numbers),
        _ => {}
    }
}

fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = format!("{path}/{k}");
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => diff(&p, va, vb, out),
                    (None, Some(vb)) => {
                        out.push(format!("{p}: missing, upstream has {}", short(vb)))
                    }
                    (Some(va), None) => out.push(format!("{p}: extra {}", short(va))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ if a != b => out.push(format!(
            "{path}: generated {} != upstream {}",
            short(a),
            short(b)
        )),
        _ => {}
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 300 {
        format!("{}…", &s[..300])
    } else {
        s
    }
}

/// The parts of a CRD that must match, keyed by `kind/version` (plus `kind` for CRD-level
/// fields).
fn comparable(crd: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let spec = &crd["spec"];
    let kind = spec["names"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    out.insert(
        kind.clone(),
        json!({
            "name": crd["metadata"]["name"],
            "labels": crd["metadata"]["labels"],
            "annotations": crd["metadata"]["annotations"],
            "group": spec["group"],
            "names": spec["names"],
            "scope": spec["scope"],
            "versions": spec["versions"].as_array().map(|vs| vs.iter().map(|v| v["name"].clone()).collect::<Vec<_>>()),
        }),
    );
    for v in spec["versions"].as_array().into_iter().flatten() {
        let mut schema = v["schema"]["openAPIV3Schema"].clone();
        normalize_schema(&mut schema);
        out.insert(
            format!("{kind}/{}", v["name"].as_str().unwrap_or_default()),
            json!({
                "served": v["served"],
                "storage": v["storage"],
                "deprecated": v.get("deprecated").cloned().unwrap_or(Value::Null),
                "deprecationWarning": v.get("deprecationWarning").cloned().unwrap_or(Value::Null),
                "subresources": v.get("subresources").cloned().unwrap_or(Value::Null),
                "additionalPrinterColumns": v.get("additionalPrinterColumns").cloned().unwrap_or(Value::Null),
                "schema": schema,
            }),
        );
    }
    out
}

fn compare_channel(channel: Channel) {
    let dir = common::upstream_dir().join("crds").join(channel.as_str());
    let filter: Option<Vec<String>> = std::env::var("GATEWAY_API_KINDS")
        .ok()
        .map(|s| s.split(',').map(|k| k.trim().to_string()).collect());
    let wanted = |key: &str| {
        let kind = key.split('/').next().unwrap_or_default();
        filter.as_ref().is_none_or(|f| f.iter().any(|k| k == kind))
    };

    let mut upstream = BTreeMap::new();
    for file in common::yaml_files(&dir) {
        for doc in common::yaml_documents(&file) {
            if doc["kind"] == "CustomResourceDefinition" {
                upstream.extend(comparable(&doc));
            }
        }
    }
    let mut generated = BTreeMap::new();
    for crd in gateway_api_types::crds(channel).expect("crds") {
        generated.extend(comparable(
            &serde_json::to_value(&crd).expect("crd to json"),
        ));
    }

    let mut problems = Vec::new();
    let mut compared_versions = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for (key, up) in &upstream {
        if !wanted(key) {
            continue;
        }
        match generated.get(key) {
            None => problems.push(format!("{channel} {key}: not generated")),
            Some(gen_) => {
                let mut d = Vec::new();
                diff("", gen_, up, &mut d);
                problems.extend(d.into_iter().map(|p| format!("{channel} {key}{p}")));
                if key.contains('/') {
                    compared_versions += 1;
                } else {
                    kinds.insert(key.clone());
                }
            }
        }
    }
    for key in generated.keys() {
        if wanted(key) && !upstream.contains_key(key) {
            problems.push(format!("{channel} {key}: generated but not upstream"));
        }
    }
    println!(
        "{channel}: compared {} kinds, {compared_versions} kind/versions against upstream: {} differences",
        kinds.len(),
        problems.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(
        problems.is_empty(),
        "{} differences in the {channel} channel (see above)",
        problems.len()
    );
}

#[test]
fn standard_channel_crds_equal_upstream() {
    compare_channel(Channel::Standard);
}

#[cfg(feature = "experimental")]
#[test]
fn experimental_channel_crds_equal_upstream() {
    compare_channel(Channel::Experimental);
}

#[cfg(not(feature = "experimental"))]
#[test]
fn experimental_channel_needs_the_feature() {
    assert!(matches!(
        gateway_api_types::crds(Channel::Experimental),
        Err(gateway_api_types::CrdError::ExperimentalFeatureDisabled)
    ));
}

/// kube's `CustomResourceExt::crd()` schema of `R` against
/// `GatewayApiResource::schema(Channel::COMPILED)` (numbers compared numerically); the
/// differences found.
///
/// schemars always gives a root schema a `title` (the kind); that one keyword is checked and
/// then left out. `Gateway` has no schema in `crd()` (see the type's docs): checked as such.
fn kube_crd_schema_differences<R: gateway_api_types::GatewayApiResource>() -> Vec<String> {
    let name = format!("{}/{}", R::api_version(&()), R::kind(&()));
    let crd = serde_json::to_value(R::crd()).expect("crd to json");
    let kube = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    if R::kind(&()) == "Gateway" {
        return match kube {
            Value::Null => Vec::new(),
            _ => vec![format!("{name}: crd() has a schema now; compare it")],
        };
    }
    let mut kube = kube.clone();
    let title = kube.as_object_mut().and_then(|o| o.remove("title"));
    let mut out = Vec::new();
    if title.as_ref().and_then(Value::as_str) != Some(&*R::kind(&())) {
        out.push(format!("{name}/title: {title:?}, expected the kind"));
    }
    let mut ours = R::schema(Channel::COMPILED);
    normalize_numbers(&mut kube);
    normalize_numbers(&mut ours);
    diff("", &kube, &ours, &mut out);
    out.into_iter().map(|d| format!("{name}{d}")).collect()
}

/// Every root type: `CustomResourceExt::crd()` (what kube users call, `HTTPRoute::crd()`)
/// carries exactly the schema the CRDs of this build's channel use.
#[test]
fn kube_crd_schema_equals_ours_for_every_root_type() {
    use gateway_api_types::{v1, v1alpha2, v1alpha3, v1beta1};
    macro_rules! check {
        ($($root:ty),+ $(,)?) => {{
            let mut problems = Vec::new();
            let mut names = std::collections::BTreeSet::new();
            $(
                problems.extend(kube_crd_schema_differences::<$root>());
                names.insert(format!(
                    "{}/{}",
                    <$root as kube_core::Resource>::api_version(&()),
                    <$root as kube_core::Resource>::kind(&())
                ));
            )+
            (problems, names)
        }};
    }
    #[allow(unused_mut)]
    let (mut problems, mut names) = check!(
        v1::BackendTLSPolicy,
        v1::GatewayClass,
        v1::Gateway,
        v1::GRPCRoute,
        v1::HTTPRoute,
        v1::ListenerSet,
        v1::ReferenceGrant,
        v1::TCPRoute,
        v1::TLSRoute,
        v1::UDPRoute,
        v1beta1::GatewayClass,
        v1beta1::Gateway,
        v1beta1::HTTPRoute,
        v1beta1::ReferenceGrant,
        v1alpha2::TCPRoute,
        v1alpha2::TLSRoute,
        v1alpha2::UDPRoute,
        v1alpha3::BackendTLSPolicy,
        v1alpha3::TLSRoute,
    );
    #[cfg(feature = "experimental")]
    {
        use gateway_api_types::x::v1alpha1 as x;
        let (p, n) = check!(x::XBackend, x::XBackendTrafficPolicy, x::XMesh);
        problems.extend(p);
        names.extend(n);
    }
    // The list above is every root type: every version of every generated CRD.
    let mut generated = std::collections::BTreeSet::new();
    for crd in gateway_api_types::crds(Channel::COMPILED).expect("crds") {
        for v in &crd.spec.versions {
            generated.insert(format!(
                "{}/{}/{}",
                crd.spec.group, v.name, crd.spec.names.kind
            ));
        }
    }
    assert_eq!(
        names, generated,
        "root types checked vs generated CRD versions"
    );
    let schemaless = names.iter().filter(|n| n.ends_with("/Gateway")).count();
    println!(
        "CustomResourceExt::crd() vs schema({}): compared {} root types ({schemaless} Gateway \
         versions checked to have no schema): {} differences",
        Channel::COMPILED,
        names.len() - schemaless,
        problems.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(
        problems.is_empty(),
        "{} differences (see above)",
        problems.len()
    );
}
