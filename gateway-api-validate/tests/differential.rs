//! Differential test: the native validator against the real rules of upstream's CRDs.
//!
//! For every served version of every CRD in `shared/upstream/crds/<channel>/` (standard, and
//! experimental with the `experimental` feature), objects are generated with proptest from the
//! CRD's own `openAPIV3Schema`, biased toward boundaries: strings at `maxLength` and one past,
//! pattern-breaking characters, bad paths (`/a//b`, `/a/../b`, no leading slash, `%2F`), the
//! string literals of the CEL rules above a field (`'//'`, `'TCP'`, `'.cluster.local'`...), every
//! enum value plus an unknown one, numbers at `minimum`/`maximum` and one past, empty lists, lists
//! at `maxItems` and one past, duplicate and near-duplicate list items (same list-map keys, one
//! optional field less), discriminated unions (filters) with every `type` and its member, without
//! it, or with a second member, one missing required field in one case of ten, and values taken
//! from upstream's cel-cases and examples at the same field path. CRD defaults are applied first
//! (`gateway_api_types::defaults::apply_defaults` with the upstream schema) and `status` is dropped
//! (the API server ignores it on create and update). Kinds with transition rules (`oldSelf`) also
//! get updates: against the same object or another generated one that is valid as a create.
//!
//! The oracle:
//! * CEL: `kube-cel` evaluates the CRD's own `x-kubernetes-validations` (compiled once per
//!   schema); every rule it reports failing (false, runtime error or non-bool result) rejects;
//! * OpenAPI: the `jsonschema` crate checks the schema converted to JSON Schema (`x-kubernetes-*`
//!   keys dropped, `nullable` mapped, `list-type: set` as `uniqueItems`, formats checked), plus a
//!   check of `list-type: map` key uniqueness, which JSON Schema cannot express.
//!
//! The oracle is itself checked against the API server's verdicts on upstream's cel-cases and on
//! upstream's examples and invalid examples, for every kind (`oracle_agrees_with_*`).
//!
//! Ours: `validate_manifest` (`validate_update` for updates). CEL verdicts are compared rule by
//! rule (our `Origin::Cel(rule)` set against the rules kube-cel reports, whitespace-normalized);
//! OpenAPI verdicts are compared overall. An object that our typed parse rejects (a missing
//! required field) gets no rule run by us, as with `validate_value`, and a blocking schema error
//! (`Unsupported value`, `Required`, `Too long`, `Too many`) makes the API server, and us, skip
//! every CEL rule while kube-cel still runs them: for those cases (counted and printed, with the
//! reasons) only the overall verdict is compared, and the generator keeps blocking values rare
//! (an unknown enum value, one past a maximum, one missing required field per ten cases).
//!
//! Besides the generated cases, [`directed_specs`] gives each kind a few hand-built specs that
//! break one rule each without any blocking schema error (pairwise `parentRefs` and rule-name
//! rules, match totals over 128, repeated filters, forbidden path substrings, listener and TLS
//! rules): the generator alone rarely makes those rules fail in an object the API server still
//! runs the CEL rules on. They go through the same comparison; nothing is expected of them.
//!
//! Only the kinds in [`IMPLEMENTED_KINDS`] are compared (extend it as kinds land); every other kind
//! is listed as skipped. Rules where the oracle itself is wrong or cannot evaluate are in
//! [`ORACLE_EXCLUSIONS`] with the reason; nothing else is excluded. For every rule the test counts
//! the cases where it passed and failed and prints `exercised N rules both ways (of M)` and the
//! rules not yet exercised both ways. A rule that cannot fail unless a blocking schema error
//! keeps the API server from running the CEL rules (an enum checked again by CEL) is listed in
//! [`UNFLIPPABLE_RULES`] with the reason: still compared, not counted.
//!
//! `GATEWAY_API_DIFF_CASES` sets the number of generated objects per kind, version and channel
//! (default [`DEFAULT_CASES`]); `GATEWAY_API_DIFF_SEED` changes the seed;
//! `GATEWAY_API_DIFF_KINDS=HTTPRoute,Gateway` compares only these kinds, whether or not they are in
//! [`IMPLEMENTED_KINDS`] (to try a kind before adding it there).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Instant;

use gateway_api_types::document::{Location, parse_value};
use gateway_api_types::{Channel, GatewayObject};
use gateway_api_validate::{Origin, Report, validate_manifest, validate_update};
use kube_cel::{CompiledSchema, ErrorKind, Validator};
use proptest::prelude::*;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};
use serde_json::{Map, Value, json};

/// The kinds the native validator implements (all of them). The differential test compares only
/// these (unless
/// `GATEWAY_API_DIFF_KINDS` names kinds); the others are listed as skipped. Extend this list as
/// kinds land.
const IMPLEMENTED_KINDS: &[&str] = &[
    "BackendTLSPolicy",
    "Gateway",
    "GatewayClass",
    "GRPCRoute",
    "HTTPRoute",
    "ListenerSet",
    "ReferenceGrant",
    "TCPRoute",
    "TLSRoute",
    "UDPRoute",
    "XBackend",
    "XBackendTrafficPolicy",
    "XMesh",
];

/// CEL rules where the oracle (kube-cel) is wrong or cannot evaluate: `(rule text, reason)`.
/// A rule listed here is left out of the rule-by-rule comparison, and only that rule. Every entry
/// must name a rule of the CRDs (checked). A rule kube-cel cannot evaluate (a missing function or
/// macro: `UnsupportedReference`, `CompilationFailure`) fails the test until it is listed here.
///
/// Empty at v1.6.1 with kube-cel 0.8: every rule of every CRD (both channels) compiles and
/// evaluates, and the oracle agrees with the API server on all of upstream's cel-cases and
/// examples (the `oracle_agrees_with_*` tests). Checked and deliberately NOT excluded:
/// * XBackend `spec.port.name`:
///   `size(self) == 0 || format.dns1123Label().validate(self) == null` fails for every non-empty
///   name in kube-cel. That is also cel-go's answer (`validate` returns `optional.none()` for a
///   valid name, and `optional.none() == null` is false in cel-go's `types.Equal`), so the API
///   server rejects every non-empty port name too: the native validator must agree. Only an
///   empty name passes it.
const ORACLE_EXCLUSIONS: &[(&str, &str)] = &[];

/// Generated objects per kind, version and channel when `GATEWAY_API_DIFF_CASES` is not set.
const DEFAULT_CASES: usize = 100;

/// Seed of the deterministic generator when `GATEWAY_API_DIFF_SEED` is not set.
const DEFAULT_SEED: u64 = 0x6761_7465_7761_7921;

/// Strings that break patterns or sit on edges, tried for every string field.
const INTERESTING_STRINGS: &[&str] = &[
    "",
    "a",
    "A",
    "0",
    "-",
    "a-",
    "-a",
    "a.b",
    "a..b",
    ".a",
    "a_b",
    "a b",
    "*",
    "*.example.com",
    "foo.*.com",
    "example.com",
    "Example.com",
    "example.com/controller",
    "example.net/gateway-controller",
    "/",
    "/a",
    "/a/b",
    "/a//b",
    "/a/../b",
    "/a/./b",
    "/..",
    "/a/..",
    "/.",
    "a/b",
    "/a/",
    "/%2F",
    "/a%2fb",
    "/a%2Fb",
    "/a?b",
    "/a#b",
    "/a b",
    "//",
    "http://example.com",
    "https://*.example.com:8080",
    "https://example.com",
    "*://x",
    "ftp://x",
    "1.2.3.4",
    "256.1.1.1",
    "01.2.3.4",
    "::1",
    "2001:db8::1",
    "10s",
    "1h",
    "500ms",
    "0s",
    "1d",
    "100000s",
    "1h1m1s1ms",
    "Service",
    "Gateway",
    "core",
    "gateway.networking.k8s.io",
    "v1",
    "\u{e9}",
    "\u{0}",
    "a\nb",
    ":",
    "x-header",
    "X-Header",
    "a,b",
    "%",
    ";",
    "'",
    "foo.bar.Service",
    "Method",
    "/%2f",
    "/a/b/..",
    "HTTP",
    "HTTPS",
    "TCP",
    "UDP",
    "TLS",
    "GRPC",
    "Terminate",
    "Passthrough",
    "svc.cluster.local",
    "backend.ns.svc.cluster.local",
];

// ---------------------------------------------------------------------------------------------
// CRDs and their rules

/// One step of a schema path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Prop(String),
    Items,
    Map,
}

/// Where a CEL rule sits in a schema.
#[derive(Clone, Debug)]
struct RuleSite {
    /// Whitespace-normalized rule text.
    rule: String,
    path: Vec<Seg>,
    transition: bool,
}

/// One served version of a CRD in one channel, ready for generation and both verdicts.
struct Target {
    channel: Channel,
    api_version: String,
    kind: String,
    schema: Value,
    compiled: CompiledSchema,
    json: jsonschema::Validator,
    sites: Vec<RuleSite>,
    /// Whether the kind is compared (in [`IMPLEMENTED_KINDS`]).
    implemented: bool,
}

/// Collapses whitespace so rule texts compare regardless of YAML line folding.
fn norm(rule: &str) -> String {
    rule.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn excluded(rule: &str) -> bool {
    ORACLE_EXCLUSIONS.iter().any(|(r, _)| norm(r) == rule)
}

fn collect_sites(schema: &Value, path: &mut Vec<Seg>, out: &mut Vec<RuleSite>) {
    if let Some(rules) = schema
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
    {
        for r in rules {
            let text = r["rule"].as_str().unwrap_or_default();
            out.push(RuleSite {
                rule: norm(text),
                path: path.clone(),
                transition: text.contains("oldSelf"),
            });
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            path.push(Seg::Prop(k.clone()));
            collect_sites(v, path, out);
            path.pop();
        }
    }
    if let Some(items) = schema.get("items") {
        path.push(Seg::Items);
        collect_sites(items, path, out);
        path.pop();
    }
    if let Some(ap) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        path.push(Seg::Map);
        collect_sites(ap, path, out);
        path.pop();
    }
}

/// Whether `value` has at least one node at `path`.
fn present(value: &Value, path: &[Seg]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return !value.is_null();
    };
    match (first, value) {
        (Seg::Prop(p), Value::Object(o)) => o.get(p).is_some_and(|v| present(v, rest)),
        (Seg::Items, Value::Array(a)) => a.iter().any(|v| present(v, rest)),
        (Seg::Map, Value::Object(o)) => o.values().any(|v| present(v, rest)),
        _ => false,
    }
}

/// The CRD schema as a JSON Schema the `jsonschema` crate accepts: `x-kubernetes-*`, `default`
/// and `description` dropped, `nullable` as a `null` type, `list-type: set` as `uniqueItems`.
fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(obj) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in obj {
        match k.as_str() {
            "description" | "default" | "nullable" | "example" => {}
            k if k.starts_with("x-kubernetes-") => {}
            "properties" => {
                let props = v
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, s)| (name.clone(), to_json_schema(s)))
                    .collect();
                out.insert(k.to_string(), Value::Object(props));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(k.to_string(), to_json_schema(v));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let branches = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(to_json_schema)
                    .collect();
                out.insert(k.to_string(), Value::Array(branches));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if obj.get("nullable") == Some(&Value::Bool(true))
        && let Some(t) = out.get("type").cloned()
    {
        out.insert("type".into(), json!([t, "null"]));
    }
    if obj.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("set") {
        out.insert("uniqueItems".into(), Value::Bool(true));
    }
    if obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        out.remove("type");
        out.insert(
            "anyOf".into(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    Value::Object(out)
}

/// `x-kubernetes-list-type: map` key uniqueness (JSON Schema cannot say it).
fn list_map_duplicates(value: &Value, schema: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(o) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in o {
                    if let Some(s) = props.get(k) {
                        list_map_duplicates(v, s, &format!("{path}.{k}"), out);
                    }
                }
            } else if let Some(ap) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for (k, v) in o {
                    list_map_duplicates(v, ap, &format!("{path}[{k}]"), out);
                }
            }
        }
        Value::Array(items) => {
            if schema.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("map") {
                let keys: Vec<&str> = schema["x-kubernetes-list-map-keys"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut seen = HashSet::new();
                for (i, item) in items.iter().enumerate() {
                    let key: Vec<String> = keys.iter().map(|k| item[k].to_string()).collect();
                    if !seen.insert(key) {
                        out.push(format!("{path}[{i}]: Duplicate value"));
                    }
                }
            }
            if let Some(s) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    list_map_duplicates(item, s, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// Every CRD document of a channel directory.
fn crd_documents(channel: Channel) -> Vec<Value> {
    let dir = common::upstream_dir().join("crds").join(channel.as_str());
    common::yaml_files(&dir)
        .iter()
        .flat_map(|f| common::yaml_documents(f))
        .filter(|d| d["kind"] == "CustomResourceDefinition")
        .collect()
}

fn channels() -> Vec<Channel> {
    if cfg!(feature = "experimental") {
        vec![Channel::Standard, Channel::Experimental]
    } else {
        vec![Channel::Standard]
    }
}

/// Every served version of every CRD of the channels this build validates.
fn targets() -> Vec<Target> {
    let only: Option<Vec<String>> = std::env::var("GATEWAY_API_DIFF_KINDS")
        .ok()
        .map(|s| s.split(',').map(|k| k.trim().to_string()).collect());
    let known = GatewayObject::known_kinds();
    let mut out = Vec::new();
    for channel in channels() {
        for crd in crd_documents(channel) {
            let group = crd["spec"]["group"].as_str().unwrap_or_default();
            let kind = crd["spec"]["names"]["kind"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if only.as_ref().is_some_and(|o| !o.contains(&kind)) {
                continue;
            }
            let implemented = only.is_some() || IMPLEMENTED_KINDS.contains(&kind.as_str());
            for version in crd["spec"]["versions"].as_array().into_iter().flatten() {
                if version["served"] != true {
                    continue;
                }
                let api_version = format!("{group}/{}", version["name"].as_str().unwrap_or(""));
                assert!(
                    known.contains(&(api_version.as_str(), kind.as_str())),
                    "{api_version} {kind} of the {channel} CRDs is not a known kind of this build"
                );
                let schema = version["schema"]["openAPIV3Schema"].clone();
                let mut sites = Vec::new();
                collect_sites(&schema, &mut Vec::new(), &mut sites);
                // Status rules run on status updates only; objects here are creates and updates.
                sites.retain(|s| s.path.first() != Some(&Seg::Prop("status".into())));
                let json = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft4)
                    .should_validate_formats(true)
                    .build(&to_json_schema(&schema))
                    .unwrap_or_else(|e| panic!("{api_version} {kind}: JSON Schema: {e}"));
                out.push(Target {
                    channel,
                    implemented,
                    compiled: kube_cel::compile_schema(&schema),
                    api_version,
                    kind: kind.clone(),
                    schema,
                    json,
                    sites,
                });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Generation

/// Values seen in upstream's cel-cases and examples, by `Kind:field.path[]`.
type Corpus = HashMap<String, Vec<Value>>;

fn add_to_corpus(corpus: &mut Corpus, kind: &str, path: &str, v: &Value) {
    let entry = corpus.entry(format!("{kind}:{path}")).or_default();
    if !entry.contains(v) {
        entry.push(v.clone());
    }
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                add_to_corpus(corpus, kind, &format!("{path}.{k}"), c);
            }
        }
        Value::Array(a) => {
            for c in a {
                add_to_corpus(corpus, kind, &format!("{path}[]"), c);
            }
        }
        _ => {}
    }
}

fn corpus() -> Corpus {
    let root = common::upstream_dir();
    let mut corpus = Corpus::new();
    let mut objects = Vec::new();
    for f in common::yaml_files(&root.join("cel-cases")) {
        for data in common::yaml_documents(&f) {
            for case in data["cases"].as_array().into_iter().flatten() {
                objects.push(case["object"].clone());
                if let Some(old) = case.get("update_of") {
                    objects.push(old.clone());
                }
            }
        }
    }
    for dir in ["examples", "invalid-examples"] {
        for f in common::yaml_files(&root.join(dir)) {
            objects.extend(common::yaml_documents(&f));
        }
    }
    for o in objects {
        if let (Some(kind), Some(spec)) = (o["kind"].as_str(), o.get("spec")) {
            add_to_corpus(&mut corpus, kind, "spec", spec);
        }
    }
    corpus
}

/// Anchors and word boundaries removed (proptest generates no lookarounds), unbounded
/// repetitions capped so generated strings stay short.
fn strip_looks(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: Some(r.max.unwrap_or(r.min + 12)),
            greedy: r.greedy,
            sub: Box::new(strip_looks(&r.sub)),
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(strip_looks(&c.sub)),
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(strip_looks).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(strip_looks).collect()),
        _ => h.clone(),
    }
}

fn pattern_strategy(pattern: &str) -> Option<BoxedStrategy<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let s = proptest::string::string_regex_parsed(&strip_looks(&hir)).ok()?;
    Some(s.boxed())
}

fn string_value(s: BoxedStrategy<String>) -> BoxedStrategy<Value> {
    s.prop_map(Value::String).boxed()
}

fn just(v: Value) -> BoxedStrategy<Value> {
    Just(v).boxed()
}

/// The string literals of the CEL rules of a schema node (`'//'`, `'%2F'`, `'TCP'`...): strings
/// below the node are biased toward them.
fn rule_literals(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in schema["x-kubernetes-validations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let rule = r["rule"].as_str().unwrap_or_default();
        for quote in ['\'', '"'] {
            let parts: Vec<&str> = rule.split(quote).collect();
            for lit in parts.iter().skip(1).step_by(2) {
                if lit.len() <= 64 && !lit.contains('\\') && !out.iter().any(|o| o == lit) {
                    out.push(lit.to_string());
                }
            }
        }
    }
    out
}

struct Gen<'a> {
    kind: &'a str,
    corpus: &'a Corpus,
    /// Literals of the rules of the nodes being generated (a stack while strategies are built).
    hints: std::cell::RefCell<Vec<String>>,
}

impl Gen<'_> {
    fn node(&self, schema: &Value, path: &str, list_depth: usize) -> BoxedStrategy<Value> {
        let literals = rule_literals(schema);
        let depth = self.hints.borrow().len();
        self.hints.borrow_mut().extend(literals);
        let s = self.node_inner(schema, path, list_depth);
        self.hints.borrow_mut().truncate(depth);
        s
    }

    fn node_inner(&self, schema: &Value, path: &str, list_depth: usize) -> BoxedStrategy<Value> {
        let mut alts: Vec<(u32, BoxedStrategy<Value>)> = Vec::new();
        // Values that make the API server skip every CEL rule of the object (`Too long`): rare,
        // so that most cases still run the rules.
        let mut rare: Vec<(u32, BoxedStrategy<Value>)> = Vec::new();
        if let Some(values) = self.corpus.get(&format!("{}:{path}", self.kind)) {
            alts.push((3, proptest::sample::select(values.clone()).boxed()));
        }
        match schema["type"].as_str() {
            Some("string") => self.string(schema, &mut alts, &mut rare),
            Some("integer") | Some("number") => Self::integer(schema, &mut alts),
            Some("boolean") => alts.push((6, any::<bool>().prop_map(Value::Bool).boxed())),
            Some("array") => alts.push((9, self.array(schema, path, list_depth))),
            Some("object") => alts.push((9, self.object(schema, path, list_depth))),
            _ => alts.push((1, just(Value::Null))),
        }
        for a in &mut alts {
            a.0 *= 8;
        }
        alts.extend(rare);
        Union::new_weighted(alts).boxed()
    }

    fn string(
        &self,
        schema: &Value,
        alts: &mut Vec<(u32, BoxedStrategy<Value>)>,
        rare: &mut Vec<(u32, BoxedStrategy<Value>)>,
    ) {
        if let Some(values) = schema["enum"].as_array() {
            // An unknown value is `Unsupported value`, which makes the API server (and us) skip
            // the CEL rules of the whole object: rare enough that most cases still run them.
            alts.push((40, proptest::sample::select(values.clone()).boxed()));
            alts.push((1, just(json!("NotAnEnumValue"))));
            return;
        }
        let max = schema["maxLength"].as_u64().map(|m| m as usize);
        let min = schema["minLength"].as_u64().map(|m| m as usize);
        match schema["pattern"].as_str().and_then(pattern_strategy) {
            Some(s) => alts.push((8, string_value(s))),
            None => alts.push((
                4,
                string_value(
                    proptest::string::string_regex("[a-zA-Z0-9._/-]{1,16}")
                        .expect("regex")
                        .boxed(),
                ),
            )),
        }
        alts.push((
            8,
            proptest::sample::select(INTERESTING_STRINGS)
                .prop_map(|s| Value::String(s.to_string()))
                .boxed(),
        ));
        if let Some(max) = max {
            alts.push((1, just(Value::String("a".repeat(max)))));
            alts.push((1, just(Value::String(format!("/{}", "a".repeat(max - 1))))));
            rare.push((1, just(Value::String("a".repeat(max + 1)))));
            rare.push((1, just(Value::String(format!("/{}", "a".repeat(max))))));
        }
        if let Some(min) = min.filter(|m| *m > 0) {
            alts.push((1, just(Value::String("a".repeat(min - 1)))));
        }
        let hints: Vec<String> = self
            .hints
            .borrow()
            .iter()
            .flat_map(|l| [l.clone(), format!("/a{l}"), format!("/a{l}b")])
            .collect();
        if !hints.is_empty() {
            alts.push((
                6,
                proptest::sample::select(hints)
                    .prop_map(Value::String)
                    .boxed(),
            ));
        }
    }

    fn integer(schema: &Value, alts: &mut Vec<(u32, BoxedStrategy<Value>)>) {
        let int32 = schema["format"] == "int32";
        let min = schema["minimum"].as_i64();
        let max = schema["maximum"].as_i64();
        let mut edges: Vec<i64> = vec![0, 1, -1, 80, 443, 65535, 65536];
        edges.extend(min.into_iter().flat_map(|m| [m, m - 1]));
        edges.extend(max.into_iter().flat_map(|m| [m, m + 1]));
        if int32 {
            edges.retain(|v| i32::try_from(*v).is_ok());
        }
        alts.push((
            6,
            proptest::sample::select(edges)
                .prop_map(Value::from)
                .boxed(),
        ));
        let lo = min.unwrap_or(0);
        let hi = max.unwrap_or(lo + 100_000).max(lo);
        alts.push((3, (lo..=hi).prop_map(Value::from).boxed()));
    }

    fn array(&self, schema: &Value, path: &str, list_depth: usize) -> BoxedStrategy<Value> {
        let item = self.node(&schema["items"], &format!("{path}[]"), list_depth + 1);
        // One past `maxItems` (`Too many`) makes the API server skip the CEL rules: rare.
        let mut lengths: Vec<(u32, usize)> = vec![(16, 0), (40, 1), (24, 2), (8, 3)];
        let max = schema["maxItems"].as_u64().map(|m| m as usize);
        if let Some(m) = max.filter(|m| list_depth == 0 || *m <= 64) {
            lengths.push((8, m));
            lengths.push((1, m + 1));
        }
        if let Some(m) = schema["minItems"]
            .as_u64()
            .map(|m| m as usize)
            .filter(|m| *m > 1)
        {
            lengths.push((8, m - 1));
            lengths.push((8, m));
        }
        let len = Union::new_weighted(lengths.into_iter().map(|(w, n)| (w, Just(n))).collect());
        let list = len.prop_flat_map(move |n| proptest::collection::vec(item.clone(), n));
        let list_type = schema["x-kubernetes-list-type"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let keys: Vec<String> = schema["x-kubernetes-list-map-keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str().map(String::from))
            .collect();
        let optional: Vec<String> = schema["items"]["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .filter(|k| {
                !schema["items"]["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|x| x == k.as_str()))
            })
            .collect();
        // Near-duplicates (for list-map keys and the CEL uniqueness and pairwise rules).
        (list, 0u8..12, any::<usize>())
            .prop_map(move |(mut items, dup, pick)| {
                let Some(first) = items.first().cloned() else {
                    return Value::Array(items);
                };
                let last = items.len() - 1;
                match dup {
                    // The first item again.
                    0 => items.push(first),
                    // The first item again, less one of its optional fields.
                    1 => {
                        let mut copy = first;
                        if let Some(o) = copy.as_object_mut() {
                            let present: Vec<&String> =
                                optional.iter().filter(|k| o.contains_key(*k)).collect();
                            if !present.is_empty() {
                                o.remove(present[pick % present.len()].as_str());
                            }
                        }
                        items.push(copy);
                    }
                    // The last item with the first item's map keys.
                    2 if list_type == "map" && last > 0 => {
                        for k in &keys {
                            match first.get(k) {
                                Some(v) => items[last][k] = v.clone(),
                                None => {
                                    if let Some(o) = items[last].as_object_mut() {
                                        o.remove(k);
                                    }
                                }
                            }
                        }
                    }
                    _ => {}
                }
                Value::Array(items)
            })
            .boxed()
    }

    fn object(&self, schema: &Value, path: &str, list_depth: usize) -> BoxedStrategy<Value> {
        let Some(props) = schema["properties"].as_object() else {
            if let Some(ap) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                let value = self.node(ap, &format!("{path}[]"), list_depth + 1);
                let key = prop_oneof![
                    proptest::sample::select(vec!["a", "example.com/key", "Key", "a b", ""])
                        .prop_map(String::from),
                    proptest::string::string_regex("[a-z]{1,8}").expect("regex"),
                ];
                return proptest::collection::vec((key, value), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect()))
                    .boxed();
            }
            return just(json!({}));
        };
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let names: Vec<String> = props.keys().cloned().collect();
        let members: Vec<BoxedStrategy<Option<Value>>> = props
            .iter()
            .map(|(name, s)| {
                // Required fields are always generated; `drop_required` removes one from some
                // whole objects (our typed parse stops there, so the rules of such a case are not
                // compared: one missing field per case is enough).
                let value = self.node(s, &format!("{path}.{name}"), list_depth);
                if required.contains(&name.as_str()) {
                    value.prop_map(Some).boxed()
                } else if s.get("default").is_some() {
                    // Absent, it is just the default: mostly generate it.
                    proptest::option::weighted(0.8, value).boxed()
                } else {
                    proptest::option::of(value).boxed()
                }
            })
            .collect();
        // A discriminated union (`type` + one member per value, like filters): half the time,
        // `type` and exactly its member.
        let variants: Vec<String> = props
            .get("type")
            .and_then(|t| t["enum"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        let member_of = |v: &str| names.iter().find(|n| n.eq_ignore_ascii_case(v)).cloned();
        if !variants.iter().any(|v| member_of(v).is_some()) {
            return members
                .prop_map(move |members| {
                    let obj = names
                        .iter()
                        .zip(members)
                        .filter_map(|(n, v)| v.map(|v| (n.clone(), v)))
                        .collect();
                    Value::Object(obj)
                })
                .boxed();
        }
        let union_members: Vec<String> = variants.iter().filter_map(|v| member_of(v)).collect();
        // One variant: its `type` value and its member's value (if it has a member).
        let variant = Union::new(variants.iter().map(|v| {
            let v = v.clone();
            match member_of(&v) {
                Some(m) => self
                    .node(&props[&m], &format!("{path}.{m}"), list_depth)
                    .prop_map(move |x| (v.clone(), Some((m.clone(), x))))
                    .boxed(),
                None => Just((v, None)).boxed(),
            }
        }));
        // Modes: 0-1 all random; 2-5 `type` and its member; 6 `type` without its member;
        // 7 `type`, its member and another member.
        (members, 0u8..8, variant)
            .prop_map(move |(members, mode, (variant, member))| {
                let mut obj: Map<String, Value> = names
                    .iter()
                    .zip(members)
                    .filter_map(|(n, v)| v.map(|v| (n.clone(), v)))
                    .collect();
                if mode >= 2 {
                    let other = obj
                        .iter()
                        .find(|(k, _)| {
                            union_members.contains(k)
                                && member.as_ref().is_none_or(|(m, _)| m != *k)
                        })
                        .map(|(k, v)| (k.clone(), v.clone()));
                    obj.retain(|k, _| !union_members.contains(k));
                    obj.insert("type".into(), Value::String(variant));
                    if let Some((m, x)) = member.filter(|_| mode != 6) {
                        obj.insert(m, x);
                    }
                    if let Some((k, v)) = other.filter(|_| mode == 7) {
                        obj.insert(k, v);
                    }
                }
                Value::Object(obj)
            })
            .boxed()
    }

    /// A whole object: `apiVersion`, `kind`, a valid name, and a generated `spec`.
    fn root(&self, t: &Target) -> BoxedStrategy<Value> {
        let spec = self.node(&t.schema["properties"]["spec"], "spec", 0);
        let (api_version, kind) = (t.api_version.clone(), t.kind.clone());
        spec.prop_map(move |spec| {
            json!({
                "apiVersion": api_version,
                "kind": kind,
                "metadata": {"name": "diff-case", "namespace": "default"},
                "spec": spec,
            })
        })
        .boxed()
    }
}

/// JSON pointers of every required field present in `value`.
fn required_fields(value: &Value, schema: &Value, pointer: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(o) => {
            for r in schema["required"].as_array().into_iter().flatten() {
                if let Some(r) = r.as_str().filter(|r| o.contains_key(*r)) {
                    out.push(format!(
                        "{pointer}/{}",
                        r.replace('~', "~0").replace('/', "~1")
                    ));
                }
            }
            if let Some(props) = schema["properties"].as_object() {
                for (k, v) in o {
                    if let Some(s) = props.get(k) {
                        let p = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                        required_fields(v, s, &p, out);
                    }
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                required_fields(v, &schema["items"], &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Removes one required field (the `pick`-th present one) below `spec`.
fn drop_required(obj: &mut Value, schema: &Value, pick: usize) {
    let mut fields = Vec::new();
    required_fields(
        &obj["spec"],
        &schema["properties"]["spec"],
        "/spec",
        &mut fields,
    );
    if fields.is_empty() {
        return;
    }
    let field = &fields[pick % fields.len()];
    let (parent, key) = field.rsplit_once('/').unwrap_or_default();
    let key = key.replace("~1", "/").replace("~0", "~");
    if let Some(o) = obj.pointer_mut(parent).and_then(Value::as_object_mut) {
        o.remove(&key);
    }
}

// ---------------------------------------------------------------------------------------------
// Verdicts

#[derive(Debug, Default)]
struct Verdict {
    /// Failing CEL rules (normalized text).
    cel: BTreeSet<String>,
    /// OpenAPI/structural violations (empty when the object passes them).
    openapi: Vec<String>,
    /// Ours only: the object did not parse into its typed form (a missing required field, a
    /// number out of the type's range), so no rule ran; or our CEL rules were left unchecked.
    parse_error: Option<String>,
}

/// What the oracle says, and the rules it could not evaluate.
fn oracle(
    v: &Validator,
    t: &Target,
    obj: &Value,
    old: Option<&Value>,
) -> (Verdict, BTreeSet<String>) {
    let mut verdict = Verdict::default();
    let mut gaps = BTreeSet::new();
    if let Err(errors) = v.validate_compiled(&t.compiled, obj, old) {
        for e in errors {
            match e.kind {
                ErrorKind::ValidationFailure
                | ErrorKind::EvaluationError
                | ErrorKind::InvalidResult => {
                    verdict.cel.insert(norm(&e.rule));
                }
                ErrorKind::UnsupportedReference | ErrorKind::CompilationFailure => {
                    gaps.insert(norm(&e.rule));
                }
                _ => panic!("kube-cel: {e}"),
            }
        }
    }
    verdict.openapi = t
        .json
        .iter_errors(obj)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    list_map_duplicates(obj, &t.schema, "", &mut verdict.openapi);
    (verdict, gaps)
}

fn typed(v: &Value) -> Result<GatewayObject, String> {
    match parse_value(v.clone(), &Location::default()).pop() {
        Some(Ok(d)) => Ok(d.object),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("no object".into()),
    }
}

fn ours(t: &Target, obj: &Value, old: Option<&Value>) -> Verdict {
    let mut verdict = Verdict::default();
    let report: Report = match (typed(obj), old.map(typed)) {
        (Ok(new), None) => validate_manifest(&new, t.channel),
        (Ok(new), Some(Ok(old))) => validate_update(&old, &new, t.channel),
        (Err(e), _) | (_, Some(Err(e))) => {
            verdict.parse_error = Some(e);
            return verdict;
        }
    };
    for v in report.violations {
        if let Origin::Cel(rule) = v.origin {
            verdict.cel.insert(norm(rule));
        } else {
            if v.origin != Origin::OpenApi {
                // Not a schema rule (the API server itself, e.g. CEL rules left unchecked after
                // a blocking schema error): the rules of this case cannot be compared.
                verdict
                    .parse_error
                    .get_or_insert_with(|| format!("stopped before the CEL rules: {v}"));
            }
            verdict.openapi.push(v.to_string());
        }
    }
    verdict
}

/// One kind of disagreement, with how often it happened and the first object that showed it.
struct Disagreement {
    count: usize,
    example: String,
}

#[derive(Default)]
struct Stats {
    /// `(kind, rule)` -> (cases where it passed, cases where it failed).
    rules: BTreeMap<(String, String), (usize, usize)>,
    disagreements: BTreeMap<String, Disagreement>,
    gaps: BTreeSet<String>,
    cases: usize,
    /// Cases where our typed parse rejected the object before any rule ran: only the overall
    /// verdict is compared for them.
    parse_rejected: usize,
    /// Why, by message (indices dropped), with counts.
    parse_errors: BTreeMap<String, usize>,
}

impl Stats {
    fn disagree(&mut self, key: String, example: impl FnOnce() -> String) {
        self.disagreements
            .entry(key)
            .and_modify(|d| d.count += 1)
            .or_insert_with(|| Disagreement {
                count: 1,
                example: example(),
            });
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run_target(t: &Target, corpus: &Corpus, validator: &Validator, stats: &mut Stats) {
    let cases = env_usize("GATEWAY_API_DIFF_CASES", DEFAULT_CASES);
    let seed = std::env::var("GATEWAY_API_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let generator = Gen {
        kind: &t.kind,
        corpus,
        hints: Default::default(),
    };
    let root = generator.root(t);
    let has_transition = t.sites.iter().any(|s| s.transition);
    // Updates exercise the transition rules: unchanged (0), against another object (1), or
    // none (a create).
    let strategy = if has_transition {
        (root.clone(), root, 0u8..4).boxed()
    } else {
        (root, Just(Value::Null), Just(3u8)).boxed()
    };
    // One case in 10 misses one required field.
    let strategy = (strategy, 0u8..10, any::<usize>());
    let label = format!("{} {} [{}]", t.api_version, t.kind, t.channel);
    for _ in 0..cases {
        let ((mut obj, mut other, mode), drop, pick) = strategy
            .new_tree(&mut runner)
            .expect("generate an object")
            .current();
        if drop == 0 {
            drop_required(&mut obj, &t.schema, pick);
        }
        // Defaults, then status dropped: the API server ignores it on create and update of
        // kinds with a status subresource (its rules belong to status updates).
        for o in [&mut obj, &mut other] {
            gateway_api_types::defaults::apply_defaults(o, &t.schema);
            if let Some(m) = o.as_object_mut() {
                m.remove("status");
            }
        }
        // The old object of an update is one the API server stored: valid as a create.
        let valid_create = |o: &Value| {
            let (v, gaps) = oracle(validator, t, o, None);
            v.cel.is_empty() && v.openapi.is_empty() && gaps.is_empty()
        };
        let old = match mode {
            0 if valid_create(&obj) => Some(obj.clone()),
            1 if valid_create(&other) => Some(other),
            _ => None,
        };
        compare(t, validator, stats, &label, &obj, old.as_ref());
    }
}

/// CEL rules that no object can make fail while the API server still runs the CEL rules: their
/// failure needs a blocking schema error (`Unsupported value`), after which the API server (and
/// the native validator) skip every CEL rule. They are still compared on every case; they are
/// only left out of the "exercised both ways" count. `(kind, rule text, reason)`.
const UNFLIPPABLE_RULES: &[(&str, &str, &str)] = &[(
    "HTTPRoute",
    "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'",
    "`type` has the OpenAPI enum [Exact, PathPrefix, RegularExpression] (and a default): any \
     other value is `Unsupported value`, which blocks the CEL rules",
)];

fn unflippable(kind: &str, rule: &str) -> bool {
    UNFLIPPABLE_RULES
        .iter()
        .any(|(k, r, _)| *k == kind && norm(r) == rule)
}

/// `n` copies of `item`.
fn copies(item: Value, n: usize) -> Value {
    Value::Array(vec![item; n])
}

/// Directed cases: for the rules that the random generator rarely makes fail without also
/// producing a blocking schema error elsewhere in the object (pairwise list rules, match
/// totals, repeated filters, forbidden path substrings...), one `spec` each that breaks the
/// rule and nothing blocking. They run through the same comparison as the generated cases (the
/// verdicts come from the oracle and from us, nothing is expected here); a spec given to a
/// kind or version whose CRD lacks the rule is just one more case.
fn directed_specs(kind: &str) -> Vec<Value> {
    let route_parent = json!([{"name": "gw"}]);
    let backend = json!([{"name": "svc", "port": 80}]);
    // Rules shared by every route kind: unique rule names (experimental) and the parentRefs
    // pairs ("sectionName must be specified" / "must be unique").
    let route_rules = |extra: Value| {
        let mut rule = json!({"backendRefs": backend});
        if let (Some(r), Some(e)) = (rule.as_object_mut(), extra.as_object()) {
            r.extend(e.clone());
        }
        rule
    };
    let mut base = json!({"parentRefs": route_parent});
    if kind == "TLSRoute" {
        base["hostnames"] = json!(["a.example.com"]);
    }
    let with = |base: &Value, key: &str, v: Value| {
        let mut b = base.clone();
        b[key] = v;
        b
    };
    let mut specs = Vec::new();
    if ["HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"].contains(&kind) {
        let rules = json!([route_rules(json!({}))]);
        let base = with(&base, "rules", rules);
        specs.push(with(
            &base,
            "rules",
            json!([
                route_rules(json!({"name": "a"})),
                route_rules(json!({"name": "a"}))
            ]),
        ));
        specs.push(with(
            &base,
            "parentRefs",
            json!([{"name": "gw"}, {"name": "gw", "sectionName": "a"}]),
        ));
        specs.push(with(
            &base,
            "parentRefs",
            json!([{"name": "gw"}, {"name": "gw"}]),
        ));
        specs.push(with(
            &base,
            "parentRefs",
            json!([{"name": "gw", "port": 80}, {"name": "gw"}]),
        ));
    }
    match kind {
        "GRPCRoute" => {
            let m = json!({"method": {"service": "a.B", "method": "M"}});
            let rule = json!({"matches": copies(m, 43), "backendRefs": backend});
            specs.push(with(&base, "rules", copies(rule, 3)));
            let rule = |v: Value| with(&base, "rules", json!([v]));
            let header = json!({"set": [{"name": "a", "value": "b"}]});
            specs.push(rule(json!({"filters": [{"type": "RequestHeaderModifier",
                "requestHeaderModifier": header,
                "extensionRef": {"group": "", "kind": "K", "name": "n"}}]})));
            specs.push(rule(json!({"matches": [{"method": {"type": "Exact"}}]})));
            for (ty, member) in [
                ("RequestHeaderModifier", "requestHeaderModifier"),
                ("ResponseHeaderModifier", "responseHeaderModifier"),
            ] {
                let filter = json!({"type": ty, member: header});
                specs.push(rule(json!({"filters": [filter.clone(), filter]})));
            }
            specs.push(rule(
                json!({"filters": [{"type": "RequestMirror", "requestMirror": {
                "backendRef": {"name": "s", "port": 80},
                "fraction": {"numerator": 5, "denominator": 2}}}]}),
            ));
        }
        "HTTPRoute" => {
            let rule = |v: Value| with(&base, "rules", json!([v]));
            let prefix = |v: &str| json!({"path": {"type": "PathPrefix", "value": v}});
            let header = json!({"set": [{"name": "a", "value": "b"}]});
            specs.push(with(
                &base,
                "rules",
                copies(json!({"matches": copies(prefix("/a"), 43)}), 3),
            ));
            for (ty, member) in [
                ("RequestRedirect", "requestRedirect"),
                ("URLRewrite", "urlRewrite"),
            ] {
                let filter = json!({"type": ty, member: {"path":
                    {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/x"}}});
                specs.push(rule(json!({
                    "matches": [prefix("/a"), prefix("/b")],
                    "filters": [filter],
                })));
            }
            let bad_paths = [
                "/a#b", "/a%2Fb", "/a%2fb", "/a/./b", "/a//b", "/a/..", "/a/.",
            ];
            specs.push(rule(json!({"matches": bad_paths
                .iter()
                .map(|p| json!({"path": {"type": "Exact", "value": p}}))
                .collect::<Vec<_>>()})));
            for ty in [
                "ResponseHeaderModifier",
                "CORS",
                "RequestRedirect",
                "URLRewrite",
            ] {
                specs.push(rule(json!({"filters": [{"type": ty}]})));
            }
            specs.push(rule(json!({"filters": [{"type": "RequestHeaderModifier",
                "requestHeaderModifier": header, "responseHeaderModifier": header}]})));
            specs.push(rule(json!({"filters": [
                {"type": "RequestRedirect", "requestRedirect": {"scheme": "https"}},
                {"type": "URLRewrite", "urlRewrite": {"hostname": "a.example.com"}},
            ]})));
            specs.push(rule(
                json!({"filters": [{"type": "URLRewrite", "urlRewrite": {"path":
                {"type": "ReplaceFullPath"}}}]}),
            ));
            specs.push(rule(
                json!({"filters": [{"type": "RequestMirror", "requestMirror": {
                "backendRef": {"name": "s", "port": 80}, "percent": 10,
                "fraction": {"numerator": 1}}}]}),
            ));
            specs.push(rule(json!({"filters": [{"type": "URLRewrite", "urlRewrite": {"path":
                {"type": "ReplaceFullPath", "replaceFullPath": "/a", "replacePrefixMatch": "/b"}}}]})));
            for (ty, member, config) in [
                (
                    "RequestHeaderModifier",
                    "requestHeaderModifier",
                    header.clone(),
                ),
                ("ResponseHeaderModifier", "responseHeaderModifier", header),
                (
                    "RequestRedirect",
                    "requestRedirect",
                    json!({"scheme": "https"}),
                ),
            ] {
                let filter = json!({"type": ty, member: config});
                specs.push(with(
                    &base,
                    "rules",
                    json!([{"filters": [filter.clone(), filter]}]),
                ));
            }
            specs.push(rule(json!({"sessionPersistence": {"type": "Header",
                "sessionName": "s", "cookieConfig": {"lifetimeType": "Permanent"}}})));
        }
        "ListenerSet" => {
            let listeners = [
                json!({"name": "a", "port": 443, "protocol": "HTTPS", "tls": {"mode": "Passthrough",
                    "certificateRefs": [{"name": "c"}]}}),
                json!({"name": "a", "port": 80, "protocol": "HTTP", "tls": {"mode": "Terminate",
                    "certificateRefs": [{"name": "c"}]}}),
                json!({"name": "a", "port": 80, "protocol": "TCP", "hostname": "a.example.com"}),
            ];
            for l in listeners {
                specs.push(json!({"parentRef": {"name": "gw"}, "listeners": [l]}));
            }
        }
        "Gateway" => {
            for (ty, value) in [("Hostname", "a.example.com"), ("IPAddress", "10.0.0.1")] {
                specs.push(json!({
                    "gatewayClassName": "c",
                    "listeners": [{"name": "a", "port": 80, "protocol": "HTTP"}],
                    "addresses": copies(json!({"type": ty, "value": value}), 2),
                }));
            }
            let per_port = json!({"port": 443, "tls": {"validation": {"caCertificateRefs":
                [{"group": "", "kind": "ConfigMap", "name": "ca"}]}}});
            specs.push(json!({
                "gatewayClassName": "c",
                "listeners": [{"name": "a", "port": 80, "protocol": "HTTP"}],
                "tls": {"frontend": {
                    "default": {"validation": {"caCertificateRefs":
                        [{"group": "", "kind": "ConfigMap", "name": "ca"}]}},
                    "perPort": copies(per_port, 2),
                }},
            }));
        }
        "XBackend" => {
            let base = json!({"type": "ExternalHostname",
                "externalHostname": {"hostname": "a.example.com"}, "port": {"port": 443}});
            let mut both = base.clone();
            both["tls"] = json!({"mode": "ServerOnly", "validation": {"hostname": "a.example.com",
                "caCertificateRefs": [{"group": "", "kind": "ConfigMap", "name": "ca"}],
                "wellKnownCACertificates": "System"}});
            specs.push(both);
            let mut empty_name = base;
            empty_name["port"]["name"] = json!("");
            specs.push(empty_name);
        }
        _ => {}
    }
    specs
}

fn run_directed(t: &Target, validator: &Validator, stats: &mut Stats) {
    let label = format!("{} {} [{}] (directed)", t.api_version, t.kind, t.channel);
    for spec in directed_specs(&t.kind) {
        let mut obj = json!({
            "apiVersion": t.api_version,
            "kind": t.kind,
            "metadata": {"name": "diff-case", "namespace": "default"},
            "spec": spec,
        });
        gateway_api_types::defaults::apply_defaults(&mut obj, &t.schema);
        compare(t, validator, stats, &label, &obj, None);
    }
}

/// Compares both verdicts on one case (`old`: an update of it) and records which rules it
/// exercised.
fn compare(
    t: &Target,
    validator: &Validator,
    stats: &mut Stats,
    label: &str,
    obj: &Value,
    old: Option<&Value>,
) {
    stats.cases += 1;
    let (want, gaps) = oracle(validator, t, obj, old);
    let got = ours(t, obj, old);
    let example = || {
        let mut s = serde_json::to_string(obj).unwrap_or_default();
        if let Some(o) = old {
            s.push_str(&format!(
                "\n    (update of {})",
                serde_json::to_string(o).unwrap_or_default()
            ));
        }
        s
    };
    for g in gaps {
        if !excluded(&g) {
            stats.gaps.insert(format!("{}: {g}", t.kind));
        }
    }
    // Ours stops at a typed-parse error (as `validate_value` does) or before the CEL rules,
    // so the rules are not compared; the oracle must reject too.
    if let Some(e) = &got.parse_error {
        stats.parse_rejected += 1;
        let why: String = e
            .split_once("diff-case: ")
            .map_or(e.as_str(), |(_, w)| w)
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect();
        *stats
            .parse_errors
            .entry(format!("{}: {why}", t.kind))
            .or_default() += 1;
        if want.openapi.is_empty() && want.cel.iter().all(|r| excluded(r)) {
            stats.disagree(
                format!("{label}: oracle accepts, our typed parse rejects: {e}"),
                example,
            );
        }
        return;
    }
    for site_rule in t
        .sites
        .iter()
        .map(|s| s.rule.clone())
        .collect::<BTreeSet<_>>()
    {
        if excluded(&site_rule) {
            continue;
        }
        let exercised = t.sites.iter().any(|s| {
            s.rule == site_rule
                && present(obj, &s.path)
                && (!s.transition || old.is_some_and(|o| present(o, &s.path)))
        });
        let (w, g) = (want.cel.contains(&site_rule), got.cel.contains(&site_rule));
        if w != g {
            let word = |b| if b { "fails" } else { "passes" };
            stats.disagree(
                format!(
                    "{label}: CEL rule {site_rule:?}: oracle {}, ours {}",
                    word(w),
                    word(g)
                ),
                example,
            );
        }
        if exercised || w {
            let e = stats
                .rules
                .entry((t.kind.clone(), site_rule.clone()))
                .or_default();
            if w { e.1 += 1 } else { e.0 += 1 }
        }
    }
    for rule in got.cel.difference(&want.cel) {
        if !t.sites.iter().any(|s| &s.rule == rule) {
            stats.disagree(
                format!("{label}: ours reports a CEL rule the CRD does not have: {rule:?}"),
                example,
            );
        }
    }
    if want.openapi.is_empty() != got.openapi.is_empty() {
        let key = if want.openapi.is_empty() {
            format!(
                "{label}: OpenAPI: oracle accepts, ours rejects: {}",
                got.openapi[0]
            )
        } else {
            format!(
                "{label}: OpenAPI: oracle rejects ({}), ours accepts",
                want.openapi[0]
            )
        };
        stats.disagree(key, example);
    }
}

#[test]
fn native_validator_agrees_with_kube_cel_and_json_schema() {
    let start = Instant::now();
    let targets = targets();
    assert!(!targets.is_empty(), "no CRDs found");
    let corpus = corpus();
    let validator = Validator::new();

    // The exclusion table names only real rules.
    let all_rules: BTreeSet<&str> = targets
        .iter()
        .flat_map(|t| t.sites.iter().map(|s| s.rule.as_str()))
        .collect();
    for (rule, _) in ORACLE_EXCLUSIONS {
        assert!(
            all_rules.contains(norm(rule).as_str()),
            "ORACLE_EXCLUSIONS names {rule:?}, which no CRD has"
        );
    }
    for (kind, rule, _) in UNFLIPPABLE_RULES {
        assert!(
            targets
                .iter()
                .any(|t| t.kind == *kind && t.sites.iter().any(|s| s.rule == norm(rule))),
            "UNFLIPPABLE_RULES names {kind} {rule:?}, which its CRDs do not have"
        );
    }

    let mut stats = Stats::default();
    let (mut covered, mut skipped) = (BTreeSet::new(), BTreeSet::new());
    for t in &targets {
        let label = format!("{} {} [{}]", t.api_version, t.kind, t.channel);
        if t.implemented {
            let (start, cases) = (Instant::now(), stats.cases);
            run_target(t, &corpus, &validator, &mut stats);
            run_directed(t, &validator, &mut stats);
            covered.insert(format!(
                "{label}: {} cases in {:.1?}",
                stats.cases - cases,
                start.elapsed()
            ));
        } else {
            skipped.insert(label);
        }
    }

    println!("covered ({}):", covered.len());
    for c in &covered {
        println!("  {c}");
    }
    println!("skipped, not in IMPLEMENTED_KINDS ({}):", skipped.len());
    for s in &skipped {
        println!("  {s}");
    }
    let total_rules: BTreeSet<(String, String)> = targets
        .iter()
        .filter(|t| t.implemented)
        .flat_map(|t| {
            t.sites
                .iter()
                .filter(|s| !excluded(&s.rule) && !unflippable(&t.kind, &s.rule))
                .map(|s| (t.kind.clone(), s.rule.clone()))
        })
        .collect();
    let both = total_rules
        .iter()
        .filter(|k| stats.rules.get(*k).is_some_and(|(p, f)| *p > 0 && *f > 0))
        .count();
    println!(
        "{} cases ({} stopped at our typed parse or before our CEL rules: verdict compared, \
         rules not); \
         exercised {both} rules both ways (of {}); {} excluded by ORACLE_EXCLUSIONS; \
         {} rule(s) that cannot fail without blocking the CEL rules (UNFLIPPABLE_RULES) not counted",
        stats.cases,
        stats.parse_rejected,
        total_rules.len(),
        ORACLE_EXCLUSIONS.len(),
        UNFLIPPABLE_RULES.len()
    );
    for k in &total_rules {
        let (p, f) = stats.rules.get(k).copied().unwrap_or_default();
        if p == 0 || f == 0 {
            println!("  not both ways: {} {:?}: {p} pass, {f} fail", k.0, k.1);
        }
    }
    for (why, n) in &stats.parse_errors {
        println!("  stopped x{n}: {why}");
    }
    for g in &stats.gaps {
        println!(
            "ORACLE GAP (kube-cel cannot evaluate; add to ORACLE_EXCLUSIONS with a reason): {g}"
        );
    }
    for (key, d) in &stats.disagreements {
        println!("DISAGREE x{}: {key}\n    e.g. {}", d.count, d.example);
    }
    println!("differential test took {:.1?}", start.elapsed());
    assert!(
        stats.gaps.is_empty() && stats.disagreements.is_empty(),
        "{} disagreements, {} unexplained oracle gaps (see above)",
        stats.disagreements.len(),
        stats.gaps.len()
    );
}

/// The oracle itself against upstream's cel-cases, for every kind (implemented or not): a case
/// where kube-cel + JSON Schema disagree with the API server's verdict shows an oracle problem,
/// which must be explained by [`ORACLE_EXCLUSIONS`].
#[test]
fn oracle_agrees_with_upstream_cel_cases() {
    let targets = targets();
    let validator = Validator::new();
    let dir = common::upstream_dir().join("cel-cases");
    let (mut agree, mut total) = (0, 0);
    let mut problems = Vec::new();
    for file in common::yaml_files(&dir) {
        let data = common::yaml_documents(&file).remove(0);
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        for case in data["cases"].as_array().into_iter().flatten() {
            if case["subresource"] == "status" {
                continue;
            }
            let obj = &case["object"];
            let wanted_channel = data["channel"].as_str().unwrap_or("both");
            for t in targets.iter().filter(|t| {
                obj["apiVersion"] == t.api_version.as_str()
                    && obj["kind"] == t.kind.as_str()
                    && (wanted_channel == "both" || wanted_channel == t.channel.as_str())
            }) {
                total += 1;
                let mut new = obj.clone();
                gateway_api_types::defaults::apply_defaults(&mut new, &t.schema);
                let old = case.get("update_of").map(|o| {
                    let mut o = o.clone();
                    gateway_api_types::defaults::apply_defaults(&mut o, &t.schema);
                    o
                });
                let (verdict, gaps) = oracle(&validator, t, &new, old.as_ref());
                let failing: BTreeSet<&String> =
                    verdict.cel.iter().filter(|r| !excluded(r)).collect();
                let rejected = !failing.is_empty() || !verdict.openapi.is_empty();
                let valid = case["valid"] == true;
                let explained = gaps.iter().chain(&verdict.cel).any(|r| excluded(r));
                if rejected == valid && !explained {
                    problems.push(format!(
                        "{stem} [{}] {:?}: expected {}, oracle: CEL {failing:?}, OpenAPI {:?}, \
                         cannot evaluate {gaps:?}",
                        t.channel,
                        case["name"].as_str().unwrap_or("?"),
                        if valid { "valid" } else { "invalid" },
                        verdict.openapi
                    ));
                } else {
                    agree += 1;
                }
            }
        }
    }
    println!("oracle agrees with the API server on {agree}/{total} cel-case runs");
    for p in &problems {
        println!("ORACLE WRONG: {p}");
    }
    assert!(total > 0, "no cel-cases ran");
    assert!(problems.is_empty(), "{} oracle problems", problems.len());
}

/// The JSON Schema conversion keeps constraints and drops Kubernetes extensions.
#[test]
fn json_schema_conversion() {
    let s = json!({"type": "object", "x-kubernetes-validations": [{"rule": "true"}],
        "properties": {"l": {"type": "array", "x-kubernetes-list-type": "set",
            "items": {"type": "string", "maxLength": 3}}, "n": {"type": "string", "nullable": true}}});
    assert_eq!(
        to_json_schema(&s),
        json!({"type": "object", "properties": {
            "l": {"type": "array", "uniqueItems": true, "items": {"type": "string", "maxLength": 3}},
            "n": {"type": ["string", "null"]}}})
    );
}

/// The oracle on upstream's examples (all valid) and invalid examples (all invalid), every
/// kind, in the channels whose directory holds them.
#[test]
fn oracle_agrees_with_upstream_examples() {
    let targets = targets();
    let validator = Validator::new();
    let root = common::upstream_dir();
    let (mut agree, mut total) = (0, 0);
    let mut problems = Vec::new();
    for (dir, valid) in [("examples", true), ("invalid-examples", false)] {
        for channel in channels() {
            for file in common::yaml_files(&root.join(dir).join(channel.as_str())) {
                for doc in common::yaml_documents(&file) {
                    let Some(t) = targets.iter().find(|t| {
                        t.channel == channel
                            && doc["apiVersion"] == t.api_version.as_str()
                            && doc["kind"] == t.kind.as_str()
                    }) else {
                        continue;
                    };
                    total += 1;
                    let mut obj = doc.clone();
                    gateway_api_types::defaults::apply_defaults(&mut obj, &t.schema);
                    if let Some(m) = obj.as_object_mut() {
                        m.remove("status");
                    }
                    let (verdict, gaps) = oracle(&validator, t, &obj, None);
                    let failing: BTreeSet<&String> =
                        verdict.cel.iter().filter(|r| !excluded(r)).collect();
                    let rejected = !failing.is_empty() || !verdict.openapi.is_empty();
                    let explained = gaps.iter().chain(&verdict.cel).any(|r| excluded(r));
                    if rejected != valid || explained {
                        agree += 1;
                    } else {
                        problems.push(format!(
                            "{} [{channel}] {} {:?}: expected {}, oracle: CEL {failing:?}, \
                             OpenAPI {:?}, cannot evaluate {gaps:?}",
                            file.strip_prefix(&root).unwrap_or(&file).display(),
                            t.kind,
                            doc["metadata"]["name"],
                            if valid { "valid" } else { "invalid" },
                            verdict.openapi
                        ));
                    }
                }
            }
        }
    }
    println!("oracle agrees with upstream on {agree}/{total} example objects");
    for p in &problems {
        println!("ORACLE WRONG: {p}");
    }
    assert!(total > 0, "no examples ran");
    assert!(problems.is_empty(), "{} oracle problems", problems.len());
}
