//! The case model: one YAML file per upstream conformance test, as described in the suite's
//! `conformance/README.md` ("cases/ — one YAML per conformance test").
//!
//! Every field of the schema has a typed home here and unknown fields are rejected, so a
//! translation that grows a field fails loudly instead of being silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Errors while reading a suite.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A case file does not follow the schema.
    #[error("{path}: {message}")]
    Schema {
        /// The case file.
        path: PathBuf,
        /// What is wrong (names the field).
        message: String,
    },
}

/// Which part of the suite a test belongs to (`group:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// HTTP data plane.
    Http,
    /// gRPC data plane.
    Grpc,
    /// HTTPS listeners, TLS and L4 routes.
    TlsL4,
    /// Status only (no traffic).
    Status,
    /// GAMMA mesh.
    Mesh,
}

impl Group {
    /// The name used in the case files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Grpc => "grpc",
            Self::TlsL4 => "tls-l4",
            Self::Status => "status",
            Self::Mesh => "mesh",
        }
    }
}

/// A value, or a Go expression (`$expr`) the translation could not evaluate statically.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OrExpr<T> {
    /// The value.
    Value(T),
    /// The unevaluated expression.
    Expr(String),
}

/// One conformance test (one upstream `ShortName`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestFile {
    /// Upstream ShortName (the file name without `.yaml`).
    pub short_name: String,
    /// Upstream description.
    pub description: String,
    /// Features the test exercises (`Support` prefix dropped).
    #[serde(default, deserialize_with = "null_as_default")]
    pub features: Vec<String>,
    /// Whether upstream marks the test provisional.
    #[serde(default)]
    pub provisional: bool,
    /// The group.
    pub group: Group,
    /// The upstream Go file the translation comes from.
    pub source: String,
    /// Manifests beyond `base/manifests.yaml`, relative to `manifests/`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub manifests: Vec<String>,
    /// Parents the test waits on.
    #[serde(default, deserialize_with = "null_as_default")]
    pub gateways: Vec<GatewayRef>,
    /// Routes that must be Accepted on those parents.
    #[serde(default, deserialize_with = "null_as_default")]
    pub routes: Vec<RouteRef>,
    /// Further status assertions.
    #[serde(default, deserialize_with = "null_as_default")]
    pub conditions: Vec<ConditionAssertion>,
    /// One entry per request the test sends.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cases: Vec<Case>,
    /// Weighted distribution check (weight tests only).
    #[serde(default)]
    pub weighted: Option<Weighted>,
    /// `false` when the translation is partial.
    #[serde(default)]
    pub complete: Option<bool>,
    /// Harness-relevant details.
    #[serde(default)]
    pub notes: Option<String>,
}

impl TestFile {
    /// Whether the translation is complete (absent `complete` means complete).
    pub fn is_complete(&self) -> bool {
        self.complete.unwrap_or(true)
    }
}

/// A parent (Gateway or ListenerSet) the test waits on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayRef {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `Gateway` or `ListenerSet`.
    #[serde(default = "default_gateway_kind")]
    pub kind: String,
    /// The listener port the client connects to (Gateways only).
    #[serde(default)]
    pub port: Option<u16>,
    /// Listener names the test cares about.
    #[serde(default, deserialize_with = "null_as_default")]
    pub listeners: Vec<String>,
}

fn default_gateway_kind() -> String {
    "Gateway".into()
}

/// A Route that must be Accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteRef {
    /// `HTTPRoute`, `GRPCRoute`...
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// A reference inside a condition assertion (`parentRef`, `ancestorRef`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectKey {
    /// API group.
    #[serde(default)]
    pub group: Option<String>,
    /// Kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// Namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

/// An expected condition (`type`, `status`, optional `reason`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectedCondition {
    /// Condition type.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Reason (absent = any).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A listener status expectation (`assertion: listenerStatus`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListenerExpectation {
    /// Listener name.
    pub name: String,
    /// Supported kinds.
    #[serde(default, deserialize_with = "null_as_default")]
    pub supported_kinds: Vec<ObjectKey2>,
    /// Conditions.
    #[serde(default, deserialize_with = "null_as_default")]
    pub conditions: Vec<ExpectedCondition>,
    /// Attached route count.
    #[serde(default)]
    pub attached_routes: Option<i64>,
}

/// A `{group, kind}` pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectKey2 {
    /// API group.
    #[serde(default)]
    pub group: Option<String>,
    /// Kind.
    pub kind: String,
}

/// A parent status expectation (`assertion: parents`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParentExpectation {
    /// The parent.
    pub parent_ref: ObjectKey,
    /// The controller (`<controllerName>`).
    pub controller_name: String,
    /// Conditions.
    #[serde(default, deserialize_with = "null_as_default")]
    pub conditions: Vec<ExpectedCondition>,
}

/// An entry of `conditions:` (a status assertion).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConditionAssertion {
    /// Kind of the object.
    #[serde(default)]
    pub kind: Option<String>,
    /// Namespace of the object.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Name of the object.
    #[serde(default)]
    pub name: Option<String>,
    /// For Route conditions: the parent.
    #[serde(default)]
    pub parent_ref: Option<ObjectKey>,
    /// For policy conditions: the ancestor.
    #[serde(default)]
    pub ancestor_ref: Option<ObjectKey>,
    /// For listener conditions: the listener (`*` = every listener).
    #[serde(default)]
    pub listener: Option<String>,
    /// Condition type.
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    /// Condition status.
    #[serde(default)]
    pub status: Option<String>,
    /// Condition reason (absent = any).
    #[serde(default)]
    pub reason: Option<String>,
    /// Helper assertion name (`parents`, `listenerStatus`, ...).
    #[serde(default)]
    pub assertion: Option<String>,
    /// Listener expectations of `listenerStatus`.
    #[serde(default)]
    pub listeners: Option<OrExpr<Vec<OrExpr<ListenerExpectation>>>>,
    /// Parent expectations of `parents`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub parents: Vec<OrExpr<ParentExpectation>>,
    /// For `parents`: the parentRef namespace must be set.
    #[serde(default)]
    pub namespace_required: Option<bool>,
    /// Value of count assertions.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// Object of generation assertions.
    #[serde(default)]
    pub object: Option<serde_json::Value>,
    /// Go expression that could not be evaluated statically.
    #[serde(default)]
    pub unresolved: Option<serde_json::Value>,
}

/// Per-case gateway override.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaseGateway {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Listener port.
    #[serde(default)]
    pub port: Option<u16>,
}

/// The request a case sends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    /// Host header / `:authority` (absent = the gateway address).
    #[serde(default)]
    pub host: Option<String>,
    /// Method (default GET).
    #[serde(default)]
    pub method: Option<String>,
    /// Path including query.
    #[serde(default)]
    pub path: Option<String>,
    /// Request headers (gRPC: metadata).
    #[serde(default, deserialize_with = "null_as_default")]
    pub headers: BTreeMap<String, String>,
    /// Do not follow redirects.
    #[serde(default)]
    pub unfollow_redirect: bool,
    /// `HTTP`, `HTTPS`, `HTTP/2`, `gRPC`, `WebSocket`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// TLS server name.
    #[serde(default)]
    pub sni: Option<String>,
    /// Client certificate to present.
    #[serde(default)]
    pub client_cert: Option<String>,
    /// Request body.
    #[serde(default)]
    pub body: Option<String>,
}

/// What the backend must have seen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectedRequest {
    /// Host (checked only when non-empty).
    #[serde(default)]
    pub host: Option<String>,
    /// Method (default GET).
    #[serde(default)]
    pub method: Option<String>,
    /// Path including query.
    #[serde(default)]
    pub path: Option<String>,
    /// Headers (values compared with the received values comma-joined).
    #[serde(default, deserialize_with = "null_as_default")]
    pub headers: BTreeMap<String, String>,
    /// Headers that must be absent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub absent_headers: Vec<String>,
    /// `httpPort` reported by the echo.
    #[serde(default)]
    pub http_port: Option<String>,
    /// SNI seen by a TLS backend.
    #[serde(default)]
    pub sni: Option<String>,
}

/// The expected response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Response {
    /// Acceptable status codes (default `[200]`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub status_codes: Vec<u16>,
    /// Headers that must equal.
    #[serde(default, deserialize_with = "null_as_default")]
    pub headers: BTreeMap<String, String>,
    /// Headers whose value must be one of a list.
    #[serde(default, deserialize_with = "null_as_default")]
    pub valid_header_values: BTreeMap<String, Vec<String>>,
    /// Headers that must be absent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub absent_headers: Vec<String>,
    /// Strip spaces before comparing header values.
    #[serde(default)]
    pub ignore_whitespace: bool,
    /// Expected HTTP version of the response (`HTTP/1.1`, `HTTP/2.0`).
    #[serde(default)]
    pub protocol: Option<String>,
    /// gRPC status name (`OK`, `Unimplemented`...).
    #[serde(default)]
    pub grpc_code: Option<String>,
}

/// Expected redirect target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedirectRequest {
    /// Scheme (empty = the request's).
    #[serde(default)]
    pub scheme: Option<String>,
    /// Host (empty = not checked).
    #[serde(default)]
    pub host: Option<String>,
    /// Port (empty = default for the scheme or absent).
    #[serde(default)]
    pub port: Option<String>,
    /// Path (empty = the request's).
    #[serde(default)]
    pub path: Option<String>,
}

/// A backend a request must be mirrored to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MirroredTo {
    /// Service (pod-name prefix).
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Expected mirror percentage (percentage mirror only).
    #[serde(default)]
    pub percent: Option<u32>,
}

/// A WebSocket frame to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebSocketFrame {
    /// Text payload.
    #[serde(default)]
    pub text: Option<String>,
    /// Binary payload (bytes).
    #[serde(default)]
    pub binary: Option<Vec<u8>>,
}

/// WebSocket expectations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebSocket {
    /// Origin header.
    #[serde(default)]
    pub origin: Option<String>,
    /// Frames sent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub send: Vec<WebSocketFrame>,
    /// Whether each frame must come back.
    #[serde(default)]
    pub expect_echo: bool,
}

/// L4 expectations (TLS/TCP/UDP tests).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct L4 {
    /// Whether the backend terminates TLS.
    #[serde(default, rename = "backendIsTLS")]
    pub backend_is_tls: Option<bool>,
    /// Hostname.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Service.
    #[serde(default)]
    pub service: Option<String>,
}

/// A gRPC call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrpcCall {
    /// Fully qualified service.
    pub service: String,
    /// Method (`Echo`, `EchoTwo`, `EchoThree`).
    pub method: String,
}

/// One request and what must come of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Case {
    /// Upstream TestCaseName.
    #[serde(default)]
    pub name: Option<String>,
    /// The gateway to talk to, when not the test's first.
    #[serde(default)]
    pub gateway: Option<CaseGateway>,
    /// A mutation before this request (`delete <Kind> <namespace>/<name>`).
    #[serde(default)]
    pub pre_action: Option<String>,
    /// The request.
    #[serde(default)]
    pub request: Request,
    /// What the backend must see.
    #[serde(default)]
    pub expected_request: Option<ExpectedRequest>,
    /// The expected response.
    #[serde(default)]
    pub response: Response,
    /// Expected redirect.
    #[serde(default)]
    pub redirect_request: Option<RedirectRequest>,
    /// Headers the echo backend is asked to set (`X-Echo-Set-Header`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub backend_set_response_headers: BTreeMap<String, String>,
    /// Mirror destinations.
    #[serde(default, deserialize_with = "null_as_default")]
    pub mirrored_to: Vec<MirroredTo>,
    /// WebSocket exchange.
    #[serde(default)]
    pub websocket: Option<WebSocket>,
    /// L4 expectations.
    #[serde(default)]
    pub l4: Option<L4>,
    /// gRPC call.
    #[serde(default)]
    pub grpc: Option<GrpcCall>,
    /// Pod-name prefix that must answer (`''` = not checked).
    #[serde(default)]
    pub backend: String,
    /// Namespace the echo must report on 200/204 (`''` = no echo JSON expected).
    #[serde(default)]
    pub namespace: String,
}

/// The weighted distribution check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Weighted {
    /// Requests per attempt.
    pub requests: usize,
    /// Concurrent requests.
    pub concurrency: usize,
    /// Allowed absolute deviation of each share.
    pub tolerance: f64,
    /// Attempts before failing.
    pub max_attempts: usize,
    /// Expected share per backend (pod name minus its two last parts).
    pub expected: BTreeMap<String, f64>,
}

/// `null` reads as the empty value (the translation writes `headers: null` where Go has nil).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Parses one case file.
pub fn parse_test(path: &Path, text: &str) -> Result<TestFile, CaseError> {
    gateway_api_types::document::from_yaml::<TestFile>(text).map_err(|e| CaseError::Schema {
        path: path.to_path_buf(),
        message: match &e.kind {
            gateway_api_types::document::DocumentErrorKind::Field(f) => {
                format!("field {}: {}", f.field, f.message)
            }
            other => other.to_string(),
        },
    })
}

/// Loads every `cases/*.yaml` of a suite directory, sorted by short name.
pub fn load_cases(suite: &Path) -> Result<Vec<TestFile>, CaseError> {
    let dir = suite.join("cases");
    let entries = std::fs::read_dir(&dir).map_err(|source| CaseError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| CaseError::Io {
            path: dir.clone(),
            source,
        })?;
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "yaml") {
            paths.push(p);
        }
    }
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|source| CaseError::Io {
            path: p.clone(),
            source,
        })?;
        let test = parse_test(&p, &text)?;
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
        if stem.as_deref() != Some(test.short_name.as_str()) {
            return Err(CaseError::Schema {
                path: p.clone(),
                message: format!(
                    "field shortName: {} does not match the file name",
                    test.short_name
                ),
            });
        }
        out.push(test);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `../shared/upstream/conformance` beside the workspace (or `$GATEWAY_API_UPSTREAM`).
    fn suite() -> PathBuf {
        let upstream = std::env::var("GATEWAY_API_UPSTREAM").map_or_else(
            |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/upstream"),
            PathBuf::from,
        );
        let dir = upstream.join("conformance");
        assert!(
            dir.is_dir(),
            "upstream data not found at {} (set GATEWAY_API_UPSTREAM)",
            dir.display()
        );
        dir
    }

    #[test]
    fn loads_every_case_file_and_counts_the_data_plane() {
        let tests = load_cases(&suite()).unwrap();
        assert_eq!(tests.len(), 153);
        let dp: Vec<_> = tests
            .iter()
            .filter(|t| matches!(t.group, Group::Http | Group::Grpc))
            .collect();
        assert_eq!(dp.len(), 53);
        assert_eq!(dp.iter().map(|t| t.cases.len()).sum::<usize>(), 342);
        assert_eq!(dp.iter().filter(|t| t.group == Group::Grpc).count(), 5);
        assert_eq!(tests.iter().map(|t| t.cases.len()).sum::<usize>(), 500);
        assert!(dp.iter().all(|t| t.is_complete()));
    }

    #[test]
    fn unknown_field_is_rejected_with_its_name() {
        let text = "shortName: X\ndescription: d\ngroup: http\nsource: s\ncases:\n- request: {path: /}\n  bogus: 1\n";
        let err = parse_test(Path::new("X.yaml"), text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("X.yaml") && msg.contains("bogus"), "{msg}");
    }

    #[test]
    fn defaults_of_a_minimal_case() {
        let text = "shortName: X\ndescription: d\ngroup: grpc\nsource: s\ncases:\n- request: {protocol: gRPC}\n  grpc: {service: a.B, method: Echo}\n";
        let t = parse_test(Path::new("X.yaml"), text).unwrap();
        assert_eq!(t.group, Group::Grpc);
        assert!(t.cases[0].response.status_codes.is_empty());
        assert_eq!(t.cases[0].backend, "");
        assert_eq!(t.cases[0].grpc.as_ref().unwrap().method, "Echo");
    }
}
