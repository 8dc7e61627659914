//! Property: arbitrary objects of every kind and version (generated from the CRD schemas this
//! crate produces) parse into the typed objects and serialize back unchanged, through JSON and
//! through YAML; `apply_defaults` equals structural defaulting with the schema and is
//! idempotent. `PROPTEST_CASES` raises the case count (default 64 per kind/version).

use gateway_api_types::defaults::apply_defaults;
use gateway_api_types::document::{Location, parse_value};
use gateway_api_types::{Channel, GatewayObject};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

/// A small deterministic generator driven by a proptest-chosen seed (splitmix64).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn string(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a",
            "example.com",
            "/",
            "*",
            "x-y",
            "Foo",
            "0",
            "é",
            " ",
            "\"",
            ":",
            "ns-1",
        ];
        let n = self.below(4);
        (0..n)
            .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
            .collect()
    }

    /// A value for `schema`; `depth` bounds recursion.
    fn value(&mut self, schema: &Value, depth: u32) -> Value {
        if let Some(Value::Array(values)) = schema.get("enum") {
            if !values.is_empty() && self.chance(90) {
                return values[self.below(values.len() as u64) as usize].clone();
            }
            return Value::String(format!("Unknown{}", self.below(3)));
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => {
                let mut obj = Map::new();
                let required: Vec<&str> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(Value::Object(props)) = schema.get("properties") {
                    for (name, p) in props {
                        if required.contains(&name.as_str()) || (depth < 6 && self.chance(40)) {
                            obj.insert(name.clone(), self.value(p, depth + 1));
                        }
                    }
                } else if let Some(ap) =
                    schema.get("additionalProperties").filter(|a| a.is_object())
                {
                    for _ in 0..self.below(3) {
                        obj.insert(self.string() + "k", self.value(ap, depth + 1));
                    }
                }
                Value::Object(obj)
            }
            Some("array") => {
                let n = if depth < 6 { self.below(3) } else { 0 };
                let items = schema
                    .get("items")
                    .cloned()
                    .unwrap_or(json!({"type": "string"}));
                Value::Array((0..n).map(|_| self.value(&items, depth + 1)).collect())
            }
            Some("integer") => {
                let lo = schema.get("minimum").and_then(Value::as_i64).unwrap_or(-5);
                let hi = schema
                    .get("maximum")
                    .and_then(Value::as_i64)
                    .unwrap_or(70000);
                let span = (hi - lo).max(0) as u64 + 1;
                json!(lo + self.below(span) as i64)
            }
            Some("boolean") => json!(self.chance(50)),
            Some("number") => json!(self.below(1000) as f64 / 8.0),
            _ => {
                if schema.get("format") == Some(&json!("date-time")) {
                    json!("2024-05-06T07:08:09Z")
                } else {
                    Value::String(self.string())
                }
            }
        }
    }
}

/// Generates an object of `(api_version, kind)` from its schema.
fn object(g: &mut Gen, api_version: &str, kind: &str, schema: &Value) -> Value {
    let mut v = g.value(schema, 0);
    v["apiVersion"] = json!(api_version);
    v["kind"] = json!(kind);
    v["metadata"] = json!({"name": "obj", "namespace": "ns"});
    v
}

#[test]
fn arbitrary_objects_round_trip_and_default_consistently() {
    let cases: u32 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    let mut checked = 0usize;
    for crd in gateway_api_types::crds(Channel::COMPILED).expect("crds") {
        let group = crd.spec.group.clone();
        let kind = crd.spec.names.kind.clone();
        for version in &crd.spec.versions {
            let api_version = format!("{group}/{}", version.name);
            if !GatewayObject::known_kinds().contains(&(api_version.as_str(), kind.as_str())) {
                continue;
            }
            let schema = serde_json::to_value(
                version
                    .schema
                    .as_ref()
                    .and_then(|s| s.open_api_v3_schema.as_ref())
                    .expect("schema"),
            )
            .expect("schema json");
            let mut runner = TestRunner::new(Config {
                cases,
                ..Config::default()
            });
            runner
                .run(&any::<u64>(), |seed| {
                    let mut g = Gen(seed);
                    let original = object(&mut g, &api_version, &kind, &schema);
                    let loc = Location::default();
                    let mut docs = parse_value(original.clone(), &loc);
                    prop_assert_eq!(docs.len(), 1);
                    let doc = docs
                        .pop()
                        .expect("one")
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    // JSON round trip.
                    prop_assert_eq!(&doc.object.to_value().expect("json"), &original);
                    // YAML round trip.
                    let yaml = serde_saphyr::to_string(&doc.object.to_value().expect("json"))
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let reparsed: Value = serde_saphyr::from_str(&yaml)
                        .map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
                    prop_assert_eq!(&reparsed, &original, "YAML:\n{}", yaml);
                    // Defaults: typed == structural defaulting with the schema; idempotent.
                    let mut expected = original.clone();
                    apply_defaults(&mut expected, &schema);
                    let mut typed = doc.object.clone();
                    typed.apply_defaults().expect("defaults");
                    let once = typed.to_value().expect("json");
                    prop_assert_eq!(&once, &expected);
                    typed.apply_defaults().expect("defaults");
                    prop_assert_eq!(&typed.to_value().expect("json"), &once);
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{api_version} {kind}: {e}"));
            checked += 1;
        }
    }
    println!("checked {checked} kind/versions x {cases} cases");
    assert!(checked >= 2);
}
