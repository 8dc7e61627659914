//! Results of a run: the text table, the JSON summary of issue #7, and upstream's
//! `ConformanceReport` (`conformance/apis/v1/conformancereport.go`, `profilereport.go`,
//! `result.go`, `statistics.go` at v1.6.1) as YAML.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use gateway_api_types::features::{FeatureKind, SupportLevel, all_features_of};
use serde_json::{Value, json};

use super::case::Group;

/// How a test ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Every case passed.
    Pass,
    /// A case failed (or the setup did).
    Fail,
    /// Not run (unsupported by this harness; the reason says why).
    Skip,
}

impl Outcome {
    /// `pass`, `fail`, `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Skip => "skip",
        }
    }
}

/// The result of one conformance test.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    /// ShortName.
    pub name: String,
    /// Group.
    pub group: Group,
    /// Features the test exercises.
    pub features: Vec<String>,
    /// Upstream provisional flag.
    pub provisional: bool,
    /// Outcome.
    pub outcome: Outcome,
    /// Why it failed or was skipped (first failure).
    pub reason: String,
    /// Cases that passed.
    pub cases_passed: usize,
    /// Cases that failed.
    pub cases_failed: usize,
    /// One line per failed case.
    pub failures: Vec<String>,
}

/// Who we are in the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Implementation {
    /// Organization.
    pub organization: String,
    /// Project.
    pub project: String,
    /// URL.
    pub url: String,
    /// Version.
    pub version: String,
    /// Contacts.
    pub contact: Vec<String>,
}

impl Default for Implementation {
    fn default() -> Self {
        Self {
            organization: "gateway-api-rs".into(),
            project: "gwproxy".into(),
            url: "https://gateway-api-rs.dev/gwproxy".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contact: vec!["@gateway-api-rs/maintainers".into()],
        }
    }
}

/// All results of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SuiteResult {
    /// Per test, in suite order.
    pub tests: Vec<TestResult>,
}

/// The Gateway API version the suite comes from.
pub const GATEWAY_API_VERSION: &str = "v1.6.1";

impl SuiteResult {
    /// `(passed, failed, skipped)` test counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        let c = |o| self.tests.iter().filter(|t| t.outcome == o).count();
        (c(Outcome::Pass), c(Outcome::Fail), c(Outcome::Skip))
    }

    /// Features claimed: listed by at least one test, and every test listing it ran and
    /// passed.
    pub fn claimed_features(&self) -> BTreeSet<String> {
        let mut all: BTreeMap<&str, bool> = BTreeMap::new();
        for t in &self.tests {
            for f in &t.features {
                let ok = all.entry(f).or_insert(true);
                *ok &= t.outcome == Outcome::Pass;
            }
        }
        all.into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(f, _)| f.to_string())
            .collect()
    }

    /// Tests that did not pass although every feature they exercise is in `supported` (the
    /// explicit supported-feature list): each one breaks a claim.
    pub fn broken_claims<'a>(&'a self, supported: &[&str]) -> Vec<&'a TestResult> {
        self.tests
            .iter()
            .filter(|t| {
                t.outcome != Outcome::Pass
                    && t.features.iter().all(|f| supported.contains(&f.as_str()))
            })
            .collect()
    }

    /// The table printed by `gwproxy conformance`.
    pub fn render_text(&self) -> String {
        let width = self
            .tests
            .iter()
            .map(|t| t.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:width$}  {:6}  {:6}  {:>7}  REASON",
            "TEST", "GROUP", "RESULT", "CASES"
        );
        for t in &self.tests {
            let cases = format!("{}/{}", t.cases_passed, t.cases_passed + t.cases_failed);
            let _ = writeln!(
                out,
                "{:width$}  {:6}  {:6}  {:>7}  {}",
                t.name,
                t.group.as_str(),
                t.outcome.as_str(),
                cases,
                t.reason
            );
            for f in t.failures.iter().skip(1) {
                let _ = writeln!(out, "{:width$}  {:6}  {:6}  {:>7}  {}", "", "", "", "", f);
            }
        }
        let (p, f, s) = self.counts();
        let cases: usize = self.tests.iter().map(|t| t.cases_passed).sum();
        let all: usize = self
            .tests
            .iter()
            .map(|t| t.cases_passed + t.cases_failed)
            .sum();
        let _ = writeln!(
            out,
            "{p} passed, {f} failed, {s} skipped of {} tests; {cases}/{all} cases passed",
            self.tests.len()
        );
        out
    }

    /// The JSON summary (`--format json`).
    pub fn to_json(&self) -> Value {
        let tests: Vec<Value> = self
            .tests
            .iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "group": t.group.as_str(),
                    "features": t.features,
                    "result": t.outcome.as_str(),
                    "reason": t.reason,
                    "cases": {"passed": t.cases_passed, "failed": t.cases_failed},
                })
            })
            .collect();
        let (p, f, s) = self.counts();
        json!({"tests": tests, "summary": {"passed": p, "failed": f, "skipped": s}})
    }

    /// Upstream's `ConformanceReport` as JSON (profiles GATEWAY-HTTP and GATEWAY-GRPC).
    pub fn conformance_report(&self, implementation: &Implementation, date: &str) -> Value {
        let claimed = self.claimed_features();
        let profiles: Vec<Value> = [
            ("GATEWAY-HTTP", Group::Http, "HTTPRoute"),
            ("GATEWAY-GRPC", Group::Grpc, "GRPCRoute"),
        ]
        .into_iter()
        .filter(|(_, _, route)| {
            self.tests
                .iter()
                .any(|t| t.features.iter().any(|f| f == route))
        })
        .map(|(name, group, route)| self.profile(name, group, route, &claimed))
        .collect();
        let provisional: Vec<&str> = self
            .tests
            .iter()
            .filter(|t| t.provisional && t.outcome == Outcome::Pass)
            .map(|t| t.name.as_str())
            .collect();
        let mut report = json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "ConformanceReport",
            "implementation": {
                "organization": implementation.organization,
                "project": implementation.project,
                "url": implementation.url,
                "version": implementation.version,
                "contact": implementation.contact,
            },
            "date": date,
            "gatewayAPIVersion": GATEWAY_API_VERSION,
            "mode": "default",
            "gatewayAPIChannel": "experimental",
            "profiles": profiles,
        });
        if !provisional.is_empty() {
            report["succeededProvisionalTests"] = json!(provisional);
        }
        report
    }

    fn profile(&self, name: &str, group: Group, route: &str, claimed: &BTreeSet<String>) -> Value {
        let core_features: BTreeSet<&str> =
            ["Gateway", "ReferenceGrant", route].into_iter().collect();
        // Upstream: GATEWAY-HTTP extended = Gateway + HTTPRoute extended + BackendTLSPolicy;
        // GATEWAY-GRPC extended = Gateway extended.
        let mut extended: BTreeSet<String> = BTreeSet::new();
        let mut add = |kind, all_levels: bool| {
            for f in all_features_of(kind) {
                if all_levels || f.level == SupportLevel::Extended {
                    extended.insert(f.name.as_str().to_string());
                }
            }
        };
        add(FeatureKind::Gateway, false);
        if group == Group::Grpc {
            // Upstream's GATEWAY-GRPC profile lists only Gateway extended features; GRPCRoute's
            // own extended features (GRPCRouteNamedRouteRule) are added so they can be claimed.
            add(FeatureKind::GRPCRoute, false);
        }
        if group == Group::Http {
            add(FeatureKind::HTTPRoute, false);
            add(FeatureKind::BackendTLSPolicy, true);
        }
        // A profile's tests are those exercising its route kind (HTTPS listener tests of the
        // tls-l4 group count for GATEWAY-HTTP too, as upstream selects tests by feature).
        let tests: Vec<&TestResult> = self
            .tests
            .iter()
            .filter(|t| t.features.iter().any(|f| f == route))
            .collect();
        let (core_tests, ext_tests): (Vec<&TestResult>, Vec<&TestResult>) =
            tests.iter().partition(|t| {
                t.features
                    .iter()
                    .all(|f| core_features.contains(f.as_str()))
            });
        let status = |ts: &[&TestResult]| {
            let passed = ts.iter().filter(|t| t.outcome == Outcome::Pass).count();
            let failed: Vec<&str> = ts
                .iter()
                .filter(|t| t.outcome == Outcome::Fail)
                .map(|t| t.name.as_str())
                .collect();
            let skipped: Vec<&str> = ts
                .iter()
                .filter(|t| t.outcome == Outcome::Skip)
                .map(|t| t.name.as_str())
                .collect();
            let result = if !failed.is_empty() {
                "failure"
            } else if !skipped.is_empty() {
                "partial"
            } else {
                "success"
            };
            let mut v = json!({
                "result": result,
                "statistics": {"Passed": passed, "Skipped": skipped.len(), "Failed": failed.len()},
            });
            if !skipped.is_empty() {
                v["skippedTests"] = json!(skipped);
            }
            if !failed.is_empty() {
                v["failedTests"] = json!(failed);
            }
            v
        };
        let core = status(&core_tests);
        let mut ext = status(&ext_tests);
        let supported: Vec<&String> = extended.iter().filter(|f| claimed.contains(*f)).collect();
        let unsupported: Vec<&String> = extended.iter().filter(|f| !claimed.contains(*f)).collect();
        if !supported.is_empty() {
            ext["supportedFeatures"] = json!(supported);
        }
        if !unsupported.is_empty() {
            ext["unsupportedFeatures"] = json!(unsupported);
        }
        let (p, f, s) = {
            let c = |o| tests.iter().filter(|t| t.outcome == o).count();
            (c(Outcome::Pass), c(Outcome::Fail), c(Outcome::Skip))
        };
        json!({
            "name": name,
            "summary": format!("Core tests {}, {p} test(s) passed, {f} failed, {s} skipped.",
                core["result"].as_str().unwrap_or_default()),
            "core": core,
            "extended": ext,
        })
    }
}

/// Checks a report against the shape of upstream's `ConformanceReport` (required fields and
/// their types, `Implementation.Validate`'s non-empty fields, profile statuses).
pub fn validate_report(r: &Value) -> Result<(), String> {
    let str_field = |v: &Value, path: &str| -> Result<(), String> {
        match v.pointer(path).and_then(Value::as_str) {
            Some(s) if !s.is_empty() => Ok(()),
            _ => Err(format!("{path} must be a non-empty string")),
        }
    };
    if r.get("apiVersion").and_then(Value::as_str) != Some("gateway.networking.k8s.io/v1")
        || r.get("kind").and_then(Value::as_str) != Some("ConformanceReport")
    {
        return Err(
            "apiVersion/kind must be gateway.networking.k8s.io/v1 ConformanceReport".into(),
        );
    }
    for p in [
        "/implementation/organization",
        "/implementation/project",
        "/implementation/url",
        "/implementation/version",
        "/date",
        "/gatewayAPIVersion",
        "/mode",
        "/gatewayAPIChannel",
    ] {
        str_field(r, p)?;
    }
    if r.pointer("/implementation/contact")
        .and_then(Value::as_array)
        .is_none_or(|c| c.is_empty())
    {
        return Err("/implementation/contact must be a non-empty list".into());
    }
    let profiles = r
        .get("profiles")
        .and_then(Value::as_array)
        .ok_or("profiles must be a list")?;
    for (i, p) in profiles.iter().enumerate() {
        str_field(p, "/name").map_err(|e| format!("profiles[{i}]{e}"))?;
        for part in ["core", "extended"] {
            let Some(s) = p.get(part) else {
                if part == "core" {
                    return Err(format!("profiles[{i}].core is required"));
                }
                continue;
            };
            match s.get("result").and_then(Value::as_str) {
                Some("success" | "partial" | "failure") => {}
                other => return Err(format!("profiles[{i}].{part}.result: {other:?}")),
            }
            for k in ["Passed", "Skipped", "Failed"] {
                if s.pointer(&format!("/statistics/{k}"))
                    .and_then(Value::as_u64)
                    .is_none()
                {
                    return Err(format!(
                        "profiles[{i}].{part}.statistics.{k} must be a count"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Writes a JSON value as block-style YAML (strings double-quoted as JSON, which YAML reads).
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    write_yaml(v, 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Array(a) if !a.is_empty()) || matches!(v, Value::Object(o) if !o.is_empty())
}

/// Field order of upstream's Go structs (`ConformanceReport`, `Implementation`, `ProfileReport`,
/// `Status`, `Statistics`), so the file reads like upstream's reports; other keys follow,
/// alphabetically.
const FIELD_ORDER: &[&str] = &[
    "apiVersion",
    "kind",
    "implementation",
    "organization",
    "project",
    "url",
    "version",
    "contact",
    "date",
    "gatewayAPIVersion",
    "mode",
    "gatewayAPIChannel",
    "profiles",
    "name",
    "summary",
    "core",
    "extended",
    "result",
    "statistics",
    "Passed",
    "Skipped",
    "Failed",
    "skippedTests",
    "failedTests",
    "supportedFeatures",
    "unsupportedFeatures",
    "succeededProvisionalTests",
];

fn write_yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(o) if !o.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = o.iter().collect();
            entries.sort_by_key(|(k, _)| {
                (
                    FIELD_ORDER
                        .iter()
                        .position(|f| f == k)
                        .unwrap_or(FIELD_ORDER.len()),
                    k.as_str(),
                )
            });
            for (k, x) in entries {
                if is_block(x) {
                    let _ = writeln!(out, "{pad}{k}:");
                    let child = if matches!(x, Value::Array(_)) {
                        indent
                    } else {
                        indent + 2
                    };
                    write_yaml(x, child, out);
                } else {
                    let _ = writeln!(out, "{pad}{k}: {}", scalar(x));
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for x in a {
                if is_block(x) {
                    let mut inner = String::new();
                    write_yaml(x, indent + 2, &mut inner);
                    // Put the first line after the dash.
                    let trimmed = inner.trim_start_matches(' ');
                    let _ = write!(out, "{pad}- {trimmed}");
                } else {
                    let _ = writeln!(out, "{pad}- {}", scalar(x));
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, group: Group, features: &[&str], outcome: Outcome) -> TestResult {
        TestResult {
            name: name.into(),
            group,
            features: features.iter().map(|s| s.to_string()).collect(),
            provisional: false,
            outcome,
            reason: String::new(),
            cases_passed: 1,
            cases_failed: usize::from(outcome == Outcome::Fail),
            failures: vec![],
        }
    }

    fn suite() -> SuiteResult {
        SuiteResult {
            tests: vec![
                result("A", Group::Http, &["Gateway", "HTTPRoute"], Outcome::Pass),
                result(
                    "B",
                    Group::Http,
                    &["Gateway", "HTTPRoute", "HTTPRouteMethodMatching"],
                    Outcome::Pass,
                ),
                result(
                    "C",
                    Group::Http,
                    &["Gateway", "HTTPRoute", "HTTPRouteRequestMirror"],
                    Outcome::Pass,
                ),
                result(
                    "D",
                    Group::Http,
                    &[
                        "Gateway",
                        "HTTPRoute",
                        "HTTPRouteRequestMirror",
                        "HTTPRouteRequestMultipleMirrors",
                    ],
                    Outcome::Fail,
                ),
                result("E", Group::Grpc, &["Gateway", "GRPCRoute"], Outcome::Pass),
            ],
        }
    }

    #[test]
    fn a_feature_is_claimed_only_when_all_its_tests_pass() {
        let claimed = suite().claimed_features();
        assert!(claimed.contains("HTTPRouteMethodMatching"));
        assert!(!claimed.contains("HTTPRouteRequestMirror"));
        assert!(!claimed.contains("HTTPRouteRequestMultipleMirrors"));
        assert!(!claimed.contains("Gateway"), "D failed and lists Gateway");
        assert!(claimed.contains("GRPCRoute"));
    }

    #[test]
    fn report_has_upstream_shape() {
        let r = suite().conformance_report(&Implementation::default(), "2026-01-01T00:00:00Z");
        assert_eq!(r["kind"], "ConformanceReport");
        assert_eq!(r["gatewayAPIVersion"], "v1.6.1");
        let http = &r["profiles"][0];
        assert_eq!(http["name"], "GATEWAY-HTTP");
        assert_eq!(http["core"]["result"], "success");
        assert_eq!(http["core"]["statistics"]["Passed"], 1);
        assert_eq!(http["extended"]["result"], "failure");
        assert_eq!(http["extended"]["failedTests"][0], "D");
        let sup: Vec<&str> = http["extended"]["supportedFeatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(sup.contains(&"HTTPRouteMethodMatching"));
        assert!(!sup.contains(&"HTTPRouteRequestMirror"));
        assert_eq!(r["profiles"][1]["name"], "GATEWAY-GRPC");
        assert_eq!(r["profiles"][1]["core"]["result"], "success");
    }

    #[test]
    fn yaml_round_trips_through_a_yaml_parser() {
        let r = suite().conformance_report(&Implementation::default(), "2026-01-01T00:00:00Z");
        let text = to_yaml(&r);
        assert!(
            text.starts_with("apiVersion: \"gateway.networking.k8s.io/v1\"\nkind: "),
            "{text}"
        );
        assert!(
            text.contains("profiles:\n- name: \"GATEWAY-HTTP\"\n  summary: "),
            "{text}"
        );
        let back: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back, r, "{text}");
        assert_eq!(validate_report(&back), Ok(()));
        let mut broken = back.clone();
        broken["implementation"]["contact"] = serde_json::json!([]);
        assert!(validate_report(&broken).unwrap_err().contains("contact"));
        broken = back;
        broken["profiles"][0]["core"]["result"] = serde_json::json!("great");
        assert!(validate_report(&broken).is_err());
    }

    #[test]
    fn broken_claims_are_failures_of_supported_features_only() {
        let s = suite();
        let broken = s.broken_claims(&["Gateway", "HTTPRoute", "HTTPRouteRequestMirror"]);
        assert!(broken.is_empty());
        let broken = s.broken_claims(&[
            "Gateway",
            "HTTPRoute",
            "HTTPRouteRequestMirror",
            "HTTPRouteRequestMultipleMirrors",
        ]);
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].name, "D");
    }

    #[test]
    fn json_summary_counts() {
        let j = suite().to_json();
        assert_eq!(j["summary"]["passed"], 4);
        assert_eq!(j["summary"]["failed"], 1);
        assert_eq!(j["tests"][3]["cases"]["failed"], 1);
        assert_eq!(j["tests"][3]["result"], "fail");
    }
}
