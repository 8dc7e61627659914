//! Running tests: proxy per test, shared echo backends, case evaluation with retries.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gateway_api_types::GatewayObject;
use gateway_api_validate::resolve::{ObjectKind, ObjectRef, ObjectStatus, Resolution};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use serde_json::Value;

use super::case::{Case, CaseError, Group, TestFile, Weighted, load_cases};
use super::http::{compare, make_request, round_trip};
use super::report::{Outcome, SuiteResult, TestResult};
use super::{CONTROLLER_NAME, GATEWAY_CLASS_NAME};
use crate::grpc;
use crate::serve::{Bind, ConfigSource, Proxy};
use crate::testbed::{self, Testbed, deployment_of_pod};

/// How to run the suite.
#[derive(Clone, Debug)]
pub struct ConformanceOptions {
    /// The suite directory (`.../shared/upstream/conformance`).
    pub suite: PathBuf,
    /// Only these ShortNames (empty = all of the selected groups).
    pub tests: Vec<String>,
    /// Groups to run (default http and grpc); tests of other groups are reported as skipped.
    pub groups: Vec<Group>,
    /// Longest time a case may take to reach its consecutive successes.
    pub case_timeout: Duration,
    /// Wait after a failed attempt (upstream: 1 s).
    pub retry_wait: Duration,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// Consecutive matching answers a case needs (upstream: 3).
    pub consecutive_successes: usize,
    /// Tests run at the same time.
    pub parallel: usize,
    /// Longest wait for Gateways and Routes to be Accepted.
    pub accept_timeout: Duration,
}

impl ConformanceOptions {
    /// Defaults for `suite`: groups http+grpc, 10 s per case, 100 ms between failed attempts,
    /// 10 s per request, 3 consecutive successes, 4 tests at a time.
    pub fn new(suite: impl Into<PathBuf>) -> Self {
        Self {
            suite: suite.into(),
            tests: Vec::new(),
            groups: vec![Group::Http, Group::Grpc],
            case_timeout: Duration::from_secs(10),
            retry_wait: Duration::from_millis(100),
            request_timeout: Duration::from_secs(10),
            consecutive_successes: 3,
            parallel: 4,
            accept_timeout: Duration::from_secs(5),
        }
    }
}

/// Errors that stop the whole run (a single test's problems are its result instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConformanceError {
    /// The case files could not be read.
    #[error(transparent)]
    Cases(#[from] CaseError),
    /// A manifest could not be read.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `--test` named a test the suite does not have.
    #[error("unknown test {0} (not a ShortName of the suite)")]
    UnknownTest(String),
    /// The echo backends could not start.
    #[error(transparent)]
    Testbed(#[from] testbed::TestbedError),
    /// A test task was cancelled.
    #[error("a test task did not complete: {0}")]
    Task(String),
}

/// The tls-l4 tests this harness runs (HTTPS termination, misdirected requests over HTTP/2,
/// redirects from HTTPS, an h2c client, a WebSocket through the proxy).
const TLS_TESTS: &[&str] = &[
    "HTTPRouteHTTPSListener",
    "HTTPRouteHTTPSListenerDetectMisdirectedRequests",
    "HTTPRouteRedirectPortAndScheme",
    "HTTPRouteBackendProtocolH2C",
    "HTTPRouteBackendProtocolWebSocket",
];

/// Everything the tests share.
struct Shared {
    options: ConformanceOptions,
    base: String,
    testbed: Testbed,
}

/// Runs the suite and returns one result per test (selected groups/tests run; the others are
/// listed as skipped only when named with `--test`).
pub async fn run(options: ConformanceOptions) -> Result<SuiteResult, ConformanceError> {
    let all = load_cases(&options.suite)?;
    for name in &options.tests {
        if !all.iter().any(|t| &t.short_name == name) {
            return Err(ConformanceError::UnknownTest(name.clone()));
        }
    }
    let selected: Vec<TestFile> = all
        .into_iter()
        .filter(|t| {
            if options.tests.is_empty() {
                options.groups.contains(&t.group)
            } else {
                options.tests.contains(&t.short_name)
            }
        })
        .collect();
    let base_path = options.suite.join("manifests/base/manifests.yaml");
    let base = fill_placeholders(&read(&base_path)?);
    let base_objects = parse(&base_path, &base)?;
    let testbed = Testbed::start(testbed::echo_deployments(&base_objects)?).await?;
    let shared = Arc::new(Shared {
        options,
        base,
        testbed,
    });

    let semaphore = Arc::new(tokio::sync::Semaphore::new(shared.options.parallel.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (index, test) in selected.into_iter().enumerate() {
        let shared = Arc::clone(&shared);
        let semaphore = Arc::clone(&semaphore);
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            (index, run_test(&shared, &test).await)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(r) => results.push(r),
            // A panicking test task is a harness bug; surface it instead of hiding it.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(ConformanceError::Task(e.to_string())),
        }
    }
    results.sort_by_key(|(i, _)| *i);
    shared.testbed.shutdown();
    Ok(SuiteResult {
        tests: results.into_iter().map(|(_, r)| r).collect(),
    })
}

fn read(path: &Path) -> Result<String, ConformanceError> {
    std::fs::read_to_string(path).map_err(|e| ConformanceError::Manifest {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn parse(path: &Path, text: &str) -> Result<Vec<GatewayObject>, ConformanceError> {
    testbed::parse_sources(&[(path.display().to_string(), text.to_string())]).map_err(|e| {
        ConformanceError::Manifest {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })
}

/// Replaces the suite's template placeholders (README "Template placeholders").
fn fill_placeholders(text: &str) -> String {
    text.replace("{GATEWAY_CLASS_NAME}", GATEWAY_CLASS_NAME)
        .replace("{GATEWAY_CONTROLLER_NAME}", CONTROLLER_NAME)
}

fn gateway_class_yaml() -> String {
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: {GATEWAY_CLASS_NAME}\nspec:\n  controllerName: {CONTROLLER_NAME}\n"
    )
}

/// A fresh random UUID (version 4 layout) without a UUID crate: two std `RandomState`
/// hashes of a process-wide counter.
pub(crate) fn uuid() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut words = [0u64; 2];
    for (i, w) in words.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_usize(i);
        *w = h.finish();
    }
    let b: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
    let hex: String = b
        .iter()
        .enumerate()
        .map(|(i, x)| match i {
            6 => format!("{:02x}", (x & 0x0f) | 0x40),
            8 => format!("{:02x}", (x & 0x3f) | 0x80),
            _ => format!("{x:02x}"),
        })
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn skipped(test: &TestFile, reason: impl Into<String>) -> TestResult {
    TestResult {
        name: test.short_name.clone(),
        group: test.group,
        features: test.features.clone(),
        provisional: test.provisional,
        outcome: Outcome::Skip,
        reason: reason.into(),
        cases_passed: 0,
        cases_failed: 0,
        failures: Vec::new(),
    }
}

/// The manifests of one test: `(source name, text)` documents, so a `preAction` can remove one.
struct Sources {
    docs: Vec<(String, String)>,
}

impl Sources {
    fn to_inline(&self) -> ConfigSource {
        ConfigSource::Inline(self.docs.clone())
    }

    /// Removes the document holding `kind namespace/name`; false when there is none.
    fn remove(&mut self, kind: &str, namespace: &str, name: &str) -> bool {
        let before = self.docs.len();
        self.docs.retain(|(source, text)| {
            !gateway_api_types::parse_documents(source, text)
                .iter()
                .flatten()
                .any(|d| {
                    let m = d.object.metadata();
                    d.object.kind() == kind
                        && m.namespace.as_deref().unwrap_or("default") == namespace
                        && m.name.as_deref() == Some(name)
                })
        });
        self.docs.len() != before
    }
}

/// Splits a manifest into one source per document (`name#index`).
fn split_documents(name: &str, text: &str) -> Vec<(String, String)> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line == "---" || line.starts_with("--- ") {
            if !current.trim().is_empty() {
                docs.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    if !current.trim().is_empty() {
        docs.push(current);
    }
    docs.into_iter()
        .enumerate()
        .map(|(i, d)| (format!("{name}#{}", i + 1), d))
        .collect()
}

async fn run_test(shared: &Shared, test: &TestFile) -> TestResult {
    if !shared.options.groups.contains(&test.group) && shared.options.tests.is_empty() {
        return skipped(test, format!("group {} not selected", test.group.as_str()));
    }
    match test.group {
        Group::Http | Group::Grpc => {
            if !test.is_complete() {
                return skipped(test, "translation incomplete (complete: false)");
            }
        }
        // Their translations are partial only in the TLS parameters, which the harness
        // supplies (SNI from `request.sni`, the suite's test certificate, see `tls`).
        Group::TlsL4 if TLS_TESTS.contains(&test.short_name.as_str()) => {}
        Group::TlsL4 => {
            return skipped(
                test,
                "needs backend TLS, client certificates or an L4 client (not run by this harness)",
            );
        }
        Group::Status | Group::Mesh => {
            return skipped(
                test,
                format!(
                    "group {} is not run by this harness (data plane over HTTP only)",
                    test.group.as_str()
                ),
            );
        }
    }
    let mut result = skipped(test, "");
    match run_test_inner(shared, test, &mut result).await {
        Ok(()) if result.failures.is_empty() => {
            result.outcome = Outcome::Pass;
        }
        Ok(()) => {
            result.outcome = Outcome::Fail;
            result.reason = result.failures.first().cloned().unwrap_or_default();
        }
        Err(e) => {
            result.outcome = Outcome::Fail;
            result.failures.insert(0, e.clone());
            result.reason = e;
            result.cases_failed = test.cases.len().saturating_sub(result.cases_passed).max(1);
        }
    }
    result
}

async fn run_test_inner(
    shared: &Shared,
    test: &TestFile,
    result: &mut TestResult,
) -> Result<(), String> {
    let opts = &shared.options;
    let mut sources = Sources {
        docs: vec![("gatewayclass.yaml".to_string(), gateway_class_yaml())],
    };
    sources
        .docs
        .push(("base/manifests.yaml".into(), shared.base.clone()));
    let mut test_objects = Vec::new();
    for m in &test.manifests {
        let path = opts.suite.join("manifests").join(m);
        let text = fill_placeholders(&read(&path).map_err(|e| e.to_string())?);
        test_objects.extend(parse(&path, &text).map_err(|e| e.to_string())?);
        sources.docs.extend(split_documents(m, &text));
    }
    // Echo Deployments of the test's own manifests (rare) get their own Pods.
    let extra =
        Testbed::start(testbed::echo_deployments(&test_objects).map_err(|e| e.to_string())?)
            .await
            .map_err(|e| e.to_string())?;
    let base_objects: Vec<GatewayObject> =
        parse(Path::new("base/manifests.yaml"), &shared.base).map_err(|e| e.to_string())?;
    let all: Vec<GatewayObject> = base_objects
        .into_iter()
        .chain(test_objects.iter().cloned())
        .collect();
    let mut extra_objects = shared.testbed.endpoint_slices(&all);
    extra_objects.extend(extra.endpoint_slices(&all));
    extra_objects.extend(manual_endpoint_slices(&shared.testbed, &test_objects));
    // The Secret upstream's suite creates for the base HTTPS Gateway.
    extra_objects.extend(super::tls::validity_checks_secret());

    let mut options = crate::serve::ServeOptions::new(
        sources.to_inline(),
        Bind::PerGateway {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        },
    );
    options.extra_objects = extra_objects;
    options.controller_name = Some(CONTROLLER_NAME.to_string());
    options.channel = gateway_api_types::Channel::Experimental;
    let proxy = Proxy::start(options)
        .await
        .map_err(|e| format!("proxy did not start: {e}"))?;
    let outcome = run_cases(shared, test, &proxy, &mut sources, result).await;
    proxy.shutdown().await;
    extra.shutdown();
    outcome
}

/// EndpointSlices of the manifests without endpoints, for Services without a selector: the
/// upstream test (HTTPRouteServiceTypes) patches them with the addresses of the
/// infra-backend-v1 Pods; here they get slices pointing at those Pods.
fn manual_endpoint_slices(bed: &Testbed, objects: &[GatewayObject]) -> Vec<GatewayObject> {
    let mut out = Vec::new();
    for slice in testbed::others_of_kind(objects, "EndpointSlice") {
        let has_endpoints = slice
            .get("endpoints")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty());
        if has_endpoints || slice.get("addressType").and_then(Value::as_str) != Some("IPv4") {
            continue;
        }
        let ns = slice
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default");
        let Some(service_name) = slice
            .pointer("/metadata/labels/kubernetes.io~1service-name")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let Some(service) = testbed::others_of_kind(objects, "Service").find(|s| {
            s.pointer("/metadata/name").and_then(Value::as_str) == Some(service_name)
                && s.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)
        }) else {
            continue;
        };
        if service.pointer("/spec/selector").is_some() {
            continue;
        }
        let pods: Vec<_> = bed.pods_of(ns, "infra-backend-v1").collect();
        let prefix = slice
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or(service_name);
        out.extend(bed.slices_for(service, &pods, prefix));
    }
    out
}

fn accepted(conditions: Option<&Vec<Condition>>) -> bool {
    conditions.is_some_and(|c| {
        c.iter()
            .any(|c| c.type_ == "Accepted" && c.status == "True")
    })
}

/// Whether every parent and route of the test is Accepted; `Err` names the first that is not.
fn check_accepted(test: &TestFile, res: &Resolution) -> Result<(), String> {
    for g in &test.gateways {
        let kind = if g.kind == "ListenerSet" {
            ObjectKind::ListenerSet
        } else {
            ObjectKind::Gateway
        };
        let key = ObjectRef::new(kind, g.namespace.clone(), g.name.clone());
        let ok = match res.statuses.get(&key) {
            Some(ObjectStatus::Gateway(s)) => accepted(s.conditions.as_ref()),
            Some(ObjectStatus::ListenerSet(s)) => accepted(s.conditions.as_ref()),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "{} {}/{} is not Accepted",
                g.kind, g.namespace, g.name
            ));
        }
    }
    for r in &test.routes {
        let kind = match r.kind.as_str() {
            "HTTPRoute" => ObjectKind::HTTPRoute,
            "GRPCRoute" => ObjectKind::GRPCRoute,
            "TLSRoute" => ObjectKind::TLSRoute,
            "TCPRoute" => ObjectKind::TCPRoute,
            "UDPRoute" => ObjectKind::UDPRoute,
            other => return Err(format!("routes: unknown kind {other}")),
        };
        let key = ObjectRef::new(kind, r.namespace.clone(), r.name.clone());
        let Some(ObjectStatus::Route(status)) = res.statuses.get(&key) else {
            return Err(format!(
                "{} {}/{} has no status",
                r.kind, r.namespace, r.name
            ));
        };
        let on_listed_parent = status.parents.iter().any(|p| {
            let pns = p
                .parent_ref
                .namespace
                .as_ref()
                .map_or(r.namespace.as_str(), |n| n.as_str());
            test.gateways
                .iter()
                .any(|g| g.name == p.parent_ref.name.as_str() && g.namespace == pns)
                && accepted(Some(&p.conditions))
        });
        if !on_listed_parent {
            return Err(format!(
                "{} {}/{} is not Accepted on the test's parents",
                r.kind, r.namespace, r.name
            ));
        }
    }
    Ok(())
}

/// The Host a request without `host` carries: the gateway address, with the port omitted for
/// 80 and 443 (README: "a request without host uses the gateway address as Host").
fn gateway_host(port: u16) -> String {
    if port == 80 || port == 443 {
        "127.0.0.1".into()
    } else {
        format!("127.0.0.1:{port}")
    }
}

async fn run_cases(
    shared: &Shared,
    test: &TestFile,
    proxy: &Proxy,
    sources: &mut Sources,
    result: &mut TestResult,
) -> Result<(), String> {
    let opts = &shared.options;
    // Wait (bounded) until the parents and routes are Accepted.
    let deadline = Instant::now() + opts.accept_timeout;
    loop {
        match check_accepted(test, &proxy.resolution()) {
            Ok(()) => break,
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    // The status assertions (`conditions:`), as upstream's helpers check them.
    result
        .failures
        .extend(super::conditions::failures(test, &proxy.resolution()));
    let default_gw = test
        .gateways
        .iter()
        .find(|g| g.kind == "Gateway")
        .ok_or_else(|| "the test names no Gateway".to_string())?;
    for (i, case) in test.cases.iter().enumerate() {
        if let Some(action) = &case.pre_action {
            apply_pre_action(proxy, sources, action).await?;
        }
        let (ns, name, port) = match &case.gateway {
            Some(g) => (g.namespace.as_str(), g.name.as_str(), g.port.unwrap_or(80)),
            None => (
                default_gw.namespace.as_str(),
                default_gw.name.as_str(),
                default_gw.port.unwrap_or(80),
            ),
        };
        let label = case_label(i, case);
        let Some(addr) = proxy.address_of(ns, name, port) else {
            result.cases_failed += 1;
            result.failures.push(format!(
                "{label}: Gateway {ns}/{name} has no address for port {port}"
            ));
            continue;
        };
        let outcome = if case.grpc.is_some() {
            run_grpc_case(opts, case, addr, &gateway_host(port)).await
        } else {
            run_http_case(shared, test, case, addr, &gateway_host(port)).await
        };
        match outcome {
            Ok(()) => result.cases_passed += 1,
            Err(e) => {
                result.cases_failed += 1;
                result.failures.push(format!("{label}: {e}"));
            }
        }
    }
    if let Some(w) = &test.weighted
        && result.cases_failed == 0
    {
        {
            let addr = proxy
                .address_of(
                    &default_gw.namespace,
                    &default_gw.name,
                    default_gw.port.unwrap_or(80),
                )
                .ok_or_else(|| "weighted: the Gateway has no address".to_string())?;
            let first = test
                .cases
                .first()
                .ok_or_else(|| "weighted: no readiness case".to_string())?;
            let host = gateway_host(default_gw.port.unwrap_or(80));
            if let Err(e) = weighted(opts, first, w, addr, &host).await {
                result.cases_failed += 1;
                result.failures.push(format!("weighted distribution: {e}"));
            }
        }
    }
    Ok(())
}

fn case_label(i: usize, case: &Case) -> String {
    let what = case
        .name
        .clone()
        .or_else(|| case.grpc.as_ref().map(|g| format!("gRPC {}", g.method)))
        .unwrap_or_else(|| {
            format!(
                "{} {}{}",
                case.request.method.as_deref().unwrap_or("GET"),
                case.request.host.as_deref().unwrap_or(""),
                case.request.path.as_deref().unwrap_or("/")
            )
        });
    format!("case {} ({what})", i + 1)
}

/// `delete <Kind> <namespace>/<name>`: the object is removed from the sources and the proxy
/// reloads them.
async fn apply_pre_action(
    proxy: &Proxy,
    sources: &mut Sources,
    action: &str,
) -> Result<(), String> {
    let words: Vec<&str> = action.split_whitespace().collect();
    let (kind, ns, name) = match words.as_slice() {
        ["delete", kind, key] => match key.split_once('/') {
            Some((ns, name)) => (*kind, ns, name),
            None => return Err(format!("preAction {action:?}: expected namespace/name")),
        },
        _ => return Err(format!("preAction {action:?} is not supported")),
    };
    if !sources.remove(kind, ns, name) {
        return Err(format!(
            "preAction {action:?}: no such object in the manifests"
        ));
    }
    proxy
        .replace_sources(sources.to_inline())
        .await
        .map_err(|e| format!("preAction {action:?}: reload failed: {e}"))?;
    Ok(())
}

/// Sends the case until it matches `consecutive_successes` times in a row, or the case
/// timeout passes.
async fn run_http_case(
    shared: &Shared,
    test: &TestFile,
    case: &Case,
    addr: SocketAddr,
    default_host: &str,
) -> Result<(), String> {
    let opts = &shared.options;
    // Mirror cases carry a request id so the mirror's log line is unique (upstream appends
    // gateway-api-conformance-request-id=<uuid>).
    let request_id = (!case.mirrored_to.is_empty())
        .then(|| format!("gateway-api-conformance-request-id={}", uuid()));
    let deadline = Instant::now() + opts.case_timeout;
    let mut streak = 0;
    let mut last_path;
    loop {
        let (req, expected_path) = build_request(case, default_host, request_id.as_deref());
        last_path = req.path.clone();
        let attempt = if let Some(ws) = &case.websocket {
            let id = uuid().replace('-', "");
            let key_bytes: Vec<u8> = (0..16)
                .filter_map(|i| u8::from_str_radix(id.get(2 * i..2 * i + 2)?, 16).ok())
                .collect();
            let key = super::websocket::base64(&key_bytes);
            let mut ws = ws.clone();
            ws.origin = ws
                .origin
                .map(|o| o.replace("<test name>", &test.short_name));
            super::websocket::exchange(addr, &req.host, &req.path, &ws, &key, opts.request_timeout)
                .await
                .and_then(|status| {
                    let codes = &case.response.status_codes;
                    if codes.is_empty() || codes.contains(&status) {
                        Ok(())
                    } else {
                        Err(format!("expected status one of {codes:?}, got {status}"))
                    }
                })
        } else {
            match round_trip(addr, &req, opts.request_timeout).await {
                Ok((cap, res)) => compare(case, &req, expected_path.as_deref(), &cap, &res),
                Err(e) => Err(e.to_string()),
            }
        };
        match attempt {
            Ok(()) => {
                streak += 1;
                if streak >= opts.consecutive_successes {
                    break;
                }
            }
            Err(e) => {
                streak = 0;
                if Instant::now() >= deadline {
                    return Err(e);
                }
                tokio::time::sleep(opts.retry_wait).await;
            }
        }
    }
    if !case.mirrored_to.is_empty() {
        check_mirrors(shared, case, &last_path, addr, default_host).await?;
    }
    if test.short_name == "HTTPRouteRequestHeaderModifierBackendWeights" {
        backend_header_replay(opts, case, addr, default_host).await?;
    }
    Ok(())
}

/// The request of one attempt (fresh `<uuid>`) and the path the backend must see when the
/// sent path differs from the case's literal (request id, uuid).
fn build_request(
    case: &Case,
    default_host: &str,
    request_id: Option<&str>,
) -> (super::http::WireRequest, Option<String>) {
    let id = uuid();
    let mut req = make_request(case, default_host, request_id);
    req.path = req.path.replace("<uuid>", &id);
    let expected_path = match &case.expected_request {
        None => Some(req.path.clone()),
        Some(e) => e.path.as_ref().map(|p| {
            let mut p = p.replace("<uuid>", &id);
            if let Some(q) = request_id {
                p.push(if p.contains('?') { '&' } else { '?' });
                p.push_str(q);
            }
            p
        }),
    };
    (req, expected_path)
}

fn mirror_line(path: &str) -> String {
    format!("Echoing back request made to {path} to client")
}

async fn check_mirrors(
    shared: &Shared,
    case: &Case,
    path: &str,
    addr: SocketAddr,
    default_host: &str,
) -> Result<(), String> {
    let opts = &shared.options;
    if case.mirrored_to.iter().any(|m| m.percent.is_some()) {
        // Percentage mirrors (HTTPRouteRequestPercentageMirror): upstream checks only the
        // distribution over rounds of requests, never that one given request was mirrored.
        return percentage_mirror(shared, case, addr, default_host).await;
    }
    let needle = mirror_line(path);
    for m in &case.mirrored_to {
        let deadline = Instant::now() + opts.request_timeout;
        while shared.testbed.count_logged(&m.namespace, &m.name, &needle) == 0 {
            if Instant::now() >= deadline {
                return Err(format!(
                    "no mirrored request for {path} in the logs of {}/{}",
                    m.namespace, m.name
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(())
}

/// Percentage mirrors: rounds of 500 requests (10 concurrent, one request id per round); the
/// mirrored count of each mirror must be within 3 binomial standard deviations of
/// `500 * percent / 100` (upstream's check); up to 5 rounds.
async fn percentage_mirror(
    shared: &Shared,
    case: &Case,
    addr: SocketAddr,
    default_host: &str,
) -> Result<(), String> {
    const REQUESTS: usize = 500;
    const ROUNDS: usize = 5;
    let mut last = String::new();
    for _ in 0..ROUNDS {
        let id = format!("gateway-api-conformance-request-id={}", uuid());
        let (req, expected_path) = build_request(case, default_host, Some(&id));
        let judge = Some((Arc::new(case.clone()), expected_path));
        let sent = send_many(&shared.options, &req, addr, REQUESTS, 10, judge).await;
        if let Some(e) = sent.iter().find_map(|r| r.as_ref().err()) {
            last = format!("request failed during the percentage rounds: {e}");
            continue;
        }
        // Mirrors are fire-and-forget: give them a moment to land.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let needle = mirror_line(&req.path);
        let mut ok = true;
        for m in &case.mirrored_to {
            let Some(pct) = m.percent else { continue };
            let p = f64::from(pct) / 100.0;
            let n = REQUESTS as f64;
            let mean = n * p;
            let sd = (n * p * (1.0 - p)).sqrt();
            let got = shared.testbed.count_logged(&m.namespace, &m.name, &needle) as f64;
            if (got - mean).abs() > 3.0 * sd {
                ok = false;
                last = format!(
                    "{}/{} got {got} mirrored of {REQUESTS}, expected {mean} ± {:.1}",
                    m.namespace,
                    m.name,
                    3.0 * sd
                );
            }
        }
        if ok {
            return Ok(());
        }
    }
    Err(last)
}

/// Sends `total` copies of `req` with `concurrency` in flight; each copy gets a random
/// `X-Jitter` header. Returns the answering Pod per request, or why the answer is wrong (not
/// 200, or, with `judge`, not matching that case and expected backend path).
async fn send_many(
    opts: &ConformanceOptions,
    req: &super::http::WireRequest,
    addr: SocketAddr,
    total: usize,
    concurrency: usize,
    judge: Option<(Arc<Case>, Option<String>)>,
) -> Vec<Result<String, String>> {
    let next = Arc::new(AtomicU64::new(0));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let next = Arc::clone(&next);
        let req = req.clone();
        let judge = judge.clone();
        let timeout = opts.request_timeout;
        set.spawn(async move {
            let mut out = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total as u64 {
                let mut r = req.clone();
                r.headers.push(("X-Jitter".into(), uuid()));
                out.push(match round_trip(addr, &r, timeout).await {
                    // With a case, each answer is judged as the case (upstream sends these
                    // through MakeRequestAndExpectEventuallyConsistentResponse).
                    Ok((cap, res)) => match &judge {
                        Some((case, expected_path)) => {
                            compare(case, &r, expected_path.as_deref(), &cap, &res)
                                .map(|()| cap.pod)
                        }
                        None if res.status == 200 => Ok(cap.pod),
                        None => Err(format!("status {}", res.status)),
                    },
                    Err(e) => Err(e.to_string()),
                });
            }
            out
        });
    }
    let mut all = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(v) => all.extend(v),
            Err(e) => all.push(Err(format!("sender task failed: {e}"))),
        }
    }
    all
}

/// HTTPRouteRequestHeaderModifierBackendWeights: 100 replays, each must reach a Pod whose
/// name starts with the single `Backend` header the backend-level filter set.
async fn backend_header_replay(
    opts: &ConformanceOptions,
    case: &Case,
    addr: SocketAddr,
    default_host: &str,
) -> Result<(), String> {
    let req = make_request(case, default_host, None);
    for i in 0..100 {
        let (cap, res) = round_trip(addr, &req, opts.request_timeout)
            .await
            .map_err(|e| format!("replay {i}: {e}"))?;
        if res.status != 200 {
            return Err(format!("replay {i}: status {}", res.status));
        }
        let values: Vec<&String> = cap
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("backend"))
            .flat_map(|(_, v)| v)
            .collect();
        match values.as_slice() {
            [one] if cap.pod.starts_with(one.as_str()) => {}
            _ => {
                return Err(format!(
                    "replay {i}: Backend header {values:?} at pod {}",
                    cap.pod
                ));
            }
        }
    }
    Ok(())
}

/// Weighted distribution (`weight.TestWeightedDistribution`): `requests` requests,
/// `concurrency` at a time; each answering Pod is mapped to its Deployment and every share
/// must be within `tolerance` of the expected one; up to `max_attempts` attempts.
async fn weighted(
    opts: &ConformanceOptions,
    case: &Case,
    w: &Weighted,
    addr: SocketAddr,
    default_host: &str,
) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..w.max_attempts.max(1) {
        let pods: Vec<Result<String, String>> = if case.grpc.is_some() {
            grpc_many(opts, case, addr, default_host, w.requests, w.concurrency).await
        } else {
            let req = make_request(case, default_host, None);
            send_many(opts, &req, addr, w.requests, w.concurrency, None).await
        };
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut failed = 0;
        for p in &pods {
            match p {
                Ok(pod) => {
                    *counts
                        .entry(deployment_of_pod(pod).to_string())
                        .or_default() += 1
                }
                Err(_) => failed += 1,
            }
        }
        if failed > 0 {
            last = format!("{failed} of {} requests failed", w.requests);
            continue;
        }
        let total = pods.len() as f64;
        let mut problems = Vec::new();
        for name in counts.keys() {
            if !w.expected.contains_key(name) {
                problems.push(format!("unexpected backend {name}"));
            }
        }
        for (name, want) in &w.expected {
            let got = counts.get(name).copied().unwrap_or(0) as f64 / total;
            if (got - want).abs() > w.tolerance {
                problems.push(format!(
                    "{name}: {got:.3} (expected {want} ± {})",
                    w.tolerance
                ));
            }
        }
        if problems.is_empty() {
            return Ok(());
        }
        last = problems.join("; ");
    }
    Err(last)
}

fn grpc_metadata(case: &Case) -> Vec<(String, String)> {
    case.request
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect()
}

fn grpc_authority(case: &Case, default_host: &str) -> String {
    match case.request.host.as_deref() {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => default_host.to_string(),
    }
}

async fn grpc_many(
    opts: &ConformanceOptions,
    case: &Case,
    addr: SocketAddr,
    default_host: &str,
    total: usize,
    concurrency: usize,
) -> Vec<Result<String, String>> {
    let next = Arc::new(AtomicU64::new(0));
    let mut set = tokio::task::JoinSet::new();
    let method = case
        .grpc
        .as_ref()
        .map_or_else(|| "Echo".to_string(), |g| g.method.clone());
    let authority = grpc_authority(case, default_host);
    let metadata = grpc_metadata(case);
    for _ in 0..concurrency.max(1) {
        let next = Arc::clone(&next);
        let (method, authority, mut metadata) =
            (method.clone(), authority.clone(), metadata.clone());
        let timeout = opts.request_timeout;
        set.spawn(async move {
            let mut out = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total as u64 {
                metadata.retain(|(k, _)| k != "x-jitter");
                metadata.push(("x-jitter".into(), uuid()));
                let r = grpc::call_echo(addr, &authority, &method, &metadata, timeout).await;
                out.push(match r {
                    Ok(reply) if reply.code == grpc::Code::Ok => Ok(reply
                        .response
                        .and_then(|r| r.assertions)
                        .and_then(|a| a.context)
                        .map(|c| c.pod)
                        .unwrap_or_default()),
                    Ok(reply) => Err(format!("grpc status {}", reply.code)),
                    Err(e) => Err(e.to_string()),
                });
            }
            out
        });
    }
    let mut all = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(v) => all.extend(v),
            Err(e) => all.push(Err(format!("sender task failed: {e}"))),
        }
    }
    all
}

/// One gRPC case (`utils/grpc/grpc.go`): code, then on OK the fully qualified method, the
/// namespace (when set) and the Pod-name prefix; 3 consecutive matches, bounded.
async fn run_grpc_case(
    opts: &ConformanceOptions,
    case: &Case,
    addr: SocketAddr,
    default_host: &str,
) -> Result<(), String> {
    let Some(call) = &case.grpc else {
        return Err("not a gRPC case".into());
    };
    let authority = grpc_authority(case, default_host);
    let metadata = grpc_metadata(case);
    let want_code = case
        .response
        .grpc_code
        .clone()
        .unwrap_or_else(|| "OK".into());
    let deadline = Instant::now() + opts.case_timeout;
    let mut streak = 0;
    loop {
        let attempt = match grpc::call_echo(
            addr,
            &authority,
            &call.method,
            &metadata,
            opts.request_timeout,
        )
        .await
        {
            Err(e) => Err(e.to_string()),
            Ok(reply) => {
                let code = reply.code.to_string();
                if code != want_code {
                    Err(format!(
                        "expected gRPC code {want_code}, got {code} ({})",
                        reply.message
                    ))
                } else if reply.code != grpc::Code::Ok {
                    Ok(())
                } else {
                    let a = reply
                        .response
                        .and_then(|r| r.assertions)
                        .unwrap_or_default();
                    let fqm = format!("/{}/{}", call.service, call.method);
                    let ctx = a.context.unwrap_or_default();
                    if a.fully_qualified_method != fqm {
                        Err(format!(
                            "expected method {fqm}, got {}",
                            a.fully_qualified_method
                        ))
                    } else if !case.namespace.is_empty() && ctx.namespace != case.namespace {
                        Err(format!(
                            "expected namespace {}, got {}",
                            case.namespace, ctx.namespace
                        ))
                    } else if !ctx.pod.starts_with(&case.backend) {
                        Err(format!(
                            "expected pod name to start with {}, got {}",
                            case.backend, ctx.pod
                        ))
                    } else {
                        Ok(())
                    }
                }
            }
        };
        match attempt {
            Ok(()) => {
                streak += 1;
                if streak >= opts.consecutive_successes {
                    return Ok(());
                }
            }
            Err(e) => {
                streak = 0;
                if Instant::now() >= deadline {
                    return Err(e);
                }
                tokio::time::sleep(opts.retry_wait).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_fresh_and_well_formed() {
        let a = uuid();
        let b = uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert!(a.split('-').map(str::len).eq([8, 4, 4, 4, 12]));
    }

    #[test]
    fn documents_split_and_one_is_removed() {
        let text = "apiVersion: gateway.networking.k8s.io/v1\nkind: ReferenceGrant\nmetadata: {name: rg, namespace: b}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]\n  to: [{group: '', kind: Service}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: b}\n";
        let mut s = Sources {
            docs: split_documents("t.yaml", text),
        };
        assert_eq!(s.docs.len(), 2);
        assert!(!s.remove("ReferenceGrant", "a", "rg"));
        assert!(s.remove("ReferenceGrant", "b", "rg"));
        assert_eq!(s.docs.len(), 1);
        assert!(s.docs[0].1.contains("kind: Service"));
    }

    #[test]
    fn placeholders_are_filled() {
        let t = fill_placeholders(
            "gatewayClassName: \"{GATEWAY_CLASS_NAME}\"\ncontrollerName: {GATEWAY_CONTROLLER_NAME}\n",
        );
        assert!(t.contains(GATEWAY_CLASS_NAME) && t.contains(CONTROLLER_NAME) && !t.contains('{'));
    }

    #[test]
    fn uuid_placeholder_and_request_id_reach_the_expected_path() {
        let mut c = Case::default();
        c.request.path = Some("/retry/x?uuid=<uuid>".into());
        let (req, exp) = build_request(&c, "h", None);
        assert!(!req.path.contains("<uuid>"));
        assert_eq!(exp.as_deref(), Some(req.path.as_str()));
        c.expected_request = Some(super::super::case::ExpectedRequest {
            path: Some("/m".into()),
            ..Default::default()
        });
        c.request.path = Some("/m".into());
        let (req, exp) = build_request(&c, "h", Some("id=1"));
        assert_eq!(req.path, "/m?id=1");
        assert_eq!(exp.as_deref(), Some("/m?id=1"));
    }
}
