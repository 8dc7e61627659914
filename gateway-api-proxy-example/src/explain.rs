//! `gwproxy explain`: which Gateway, listener, Route, rule and match a request would hit, and
//! with which backends and filters.
//!
//! The manifests are read like `gwproxy check` reads them, resolved as the controller would
//! (every feature this build knows is supported), converted with
//! [`to_route_table`](gateway_api_validate::resolve::to_route_table), compiled with
//! [`gateway_api_match::compile`] and looked up once. Output, one JSON line:
//!
//! * `{"matched":true,"gateway":"ns/name","listener":"name","route":{"kind","namespace","name"},
//!   "rule":0,"match":0,"backends":[{"kind","namespace","name","port","weight","valid"}],
//!   "filters":[...]}` — `filters` as written in the Route; `match` is `null` for a rule without
//!   matches.
//! * `{"matched":false,"status":404}` when no route matches.
//!
//! The request: the URL's port (default 80 for `http`, 443 for `https`) selects the listener
//! port; its authority is the `Host` unless a `Host` header is given, which is used exactly as
//! written (case and port included). A request with a `content-type: application/grpc…` header
//! is matched against the GRPCRoutes first, then the HTTPRoutes, as
//! [`Matcher::lookup_parts`](gateway_api_match::Matcher::lookup_parts) does.
//!
//! Every Gateway has its own addresses, so each is looked up on its own (its listeners, its
//! routes): the first Gateway in namespace/name order that routes the request answers, or only
//! the one given with `--gateway`.
//!
//! Objects without `metadata.namespace` are put in `default` (as `kubectl apply` would).
//!
//! ```
//! use gateway_api_proxy_example::explain::{ExplainOptions, explain_sources};
//!
//! let yaml = r#"
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: GatewayClass
//! metadata: {name: c}
//! spec: {controllerName: example.net/gw}
//! ---
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: Gateway
//! metadata: {name: gw}
//! spec: {gatewayClassName: c, listeners: [{name: http, port: 80, protocol: HTTP}]}
//! ---
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: HTTPRoute
//! metadata: {name: r}
//! spec:
//!   parentRefs: [{name: gw}]
//!   rules: [{backendRefs: [{name: svc, port: 8080}]}]
//! "#;
//! let sources = [("x.yaml".to_string(), yaml.to_string())];
//! let out = explain_sources(&sources, &ExplainOptions::new("http://example.com/a")).unwrap();
//! assert_eq!(
//!     out.to_json(),
//!     r#"{"matched":true,"gateway":"default/gw","listener":"http","#.to_owned()
//!         + r#""route":{"kind":"HTTPRoute","namespace":"default","name":"r"},"rule":0,"match":0,"#
//!         + r#""backends":[{"kind":"Service","namespace":"default","name":"svc","port":8080,"#
//!         + r#""weight":1,"valid":false}],"filters":[]}"# // valid: there is no Service svc
//! );
//!
//! let out = explain_sources(&sources, &ExplainOptions::new("http://example.com:8080/a")).unwrap();
//! assert_eq!(out.to_json(), r#"{"matched":false,"status":404}"#);
//! ```

use std::collections::BTreeSet;

use gateway_api_match::{CompileError, Request, RouteMatch, compile};
use gateway_api_types::document::parse_value;
use gateway_api_types::features::SupportedFeatureName;
use gateway_api_types::v1::grpcroute::GRPCRouteFilter;
use gateway_api_types::v1::httproute::HTTPRouteFilter;
use gateway_api_types::{GatewayObject, parse_documents};
use gateway_api_validate::resolve::{
    Config, Filter, ResolvedBackend, ResolvedGateway, Snapshot, gateway_route_table, resolve,
};
use serde::Serialize;
use serde_json::{Value, json};

/// What to explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainOptions {
    /// The controller whose GatewayClasses are resolved; `None`: the one controller named by
    /// the GatewayClasses of the configuration.
    pub controller_name: Option<String>,
    /// Only this Gateway (`namespace/name`); `None`: every Gateway of the controller, the
    /// first (by namespace/name) that routes the request answers.
    pub gateway: Option<String>,
    /// Request method (case-sensitive).
    pub method: String,
    /// Request headers as `Name: value`.
    pub headers: Vec<String>,
    /// The request URL (`http://host[:port]/path[?query]` or `https://…`).
    pub url: String,
}

impl ExplainOptions {
    /// A `GET` of `url` without headers, controller taken from the configuration.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            controller_name: None,
            gateway: None,
            method: "GET".to_owned(),
            headers: Vec::new(),
            url: url.into(),
        }
    }
}

/// Why nothing could be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// Bad arguments (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The configuration cannot be read, resolved or compiled (exit code 1).
    #[error("{0}")]
    Config(String),
}

impl ExplainError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Config(_) => 1,
        }
    }
}

/// The request parts taken from the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target {
    port: u16,
    authority: String,
    path: String,
    query: Option<String>,
}

fn parse_url(url: &str) -> Result<Target, ExplainError> {
    let usage = |why: &str| ExplainError::Usage(format!("invalid URL {url:?}: {why}"));
    let uri: http::Uri = url.parse().map_err(|e| usage(&format!("{e}")))?;
    let default_port = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => 80,
        Some(s) if s.eq_ignore_ascii_case("https") => 443,
        Some(s) => return Err(usage(&format!("scheme {s} is not http or https"))),
        None => return Err(usage("an absolute http:// or https:// URL is needed")),
    };
    let authority = uri.authority().ok_or_else(|| usage("no host"))?;
    let authority = authority
        .as_str()
        .rsplit_once('@')
        .map_or(authority.as_str(), |(_, h)| h);
    if authority.is_empty() {
        return Err(usage("no host"));
    }
    let port = uri.port_u16().unwrap_or(default_port);
    let path = match uri.path() {
        "" => "/",
        p => p,
    };
    Ok(Target {
        port,
        authority: authority.to_owned(),
        path: path.to_owned(),
        query: uri.query().map(str::to_owned),
    })
}

fn parse_header(h: &str) -> Result<(String, String), ExplainError> {
    let Some((name, value)) = h.split_once(':') else {
        return Err(ExplainError::Usage(format!(
            "invalid header {h:?}: expected 'Name: value'"
        )));
    };
    let name = name.trim();
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(ExplainError::Usage(format!(
            "invalid header {h:?}: {name:?} is not a header name"
        )));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// Kinds without a namespace (the objects a Gateway API configuration may carry).
const CLUSTER_SCOPED: &[&str] = &[
    "GatewayClass",
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "IngressClass",
    "PriorityClass",
    "RuntimeClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
];

/// Parses every document; objects of namespaced kinds without a namespace go to `default`.
fn objects(sources: &[(String, String)]) -> Result<Vec<GatewayObject>, ExplainError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in sources {
        for doc in parse_documents(name, text) {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            let namespaced = !CLUSTER_SCOPED.contains(&doc.object.kind());
            if !namespaced || doc.object.metadata().namespace.is_some() {
                out.push(doc.object);
                continue;
            }
            let mut value = doc
                .object
                .to_value()
                .map_err(|e| ExplainError::Config(format!("{}: {e}", doc.location)))?;
            if let Some(meta) = value
                .as_object_mut()
                .and_then(|o| o.get_mut("metadata"))
                .and_then(Value::as_object_mut)
            {
                meta.insert("namespace".to_owned(), json!("default"));
            }
            for d in parse_value(value, &doc.location) {
                match d {
                    Ok(d) => out.push(d.object),
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ExplainError::Config(errors.join("\n")))
    }
}

/// The controller to resolve for: the given one, or the only one the GatewayClasses name
/// (`Err` explains why there is none).
pub(crate) fn sole_controller(snapshot: &Snapshot, given: Option<&str>) -> Result<String, String> {
    if let Some(c) = given {
        return Ok(c.to_owned());
    }
    let names: BTreeSet<&str> = snapshot
        .gateway_classes
        .values()
        .map(|c| c.spec.controller_name.as_str())
        .collect();
    let mut it = names.iter();
    match (it.next(), it.next()) {
        (Some(one), None) => Ok((*one).to_owned()),
        (None, _) => {
            Err("the configuration has no GatewayClass: pass --controller-name".to_owned())
        }
        _ => Err(format!(
            "the GatewayClasses name several controllers ({}): pass --controller-name",
            names.into_iter().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Every feature this build knows: explain shows what the configuration asks for, not what
/// a particular implementation leaves out.
fn all_features() -> impl Iterator<Item = SupportedFeatureName> {
    SupportedFeatureName::VALUES
        .iter()
        .map(|(wire, _)| SupportedFeatureName::from_wire(wire))
}

fn compile_error(e: CompileError) -> ExplainError {
    ExplainError::Config(format!("the resolved routes do not compile: {e}"))
}

/// Explains one request against the manifests `sources` (`(name, text)` pairs, as
/// [`read_sources`](crate::check::read_sources) returns them).
pub fn explain_sources(
    sources: &[(String, String)],
    options: &ExplainOptions,
) -> Result<Explanation, ExplainError> {
    let target = parse_url(&options.url)?;
    let headers = options
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    if http::Method::from_bytes(options.method.as_bytes()).is_err() {
        return Err(ExplainError::Usage(format!(
            "invalid method {:?}",
            options.method
        )));
    }
    let objects = objects(sources)?;
    let snapshot =
        Snapshot::from_objects(&objects).map_err(|e| ExplainError::Config(e.to_string()))?;
    let controller = sole_controller(&snapshot, options.controller_name.as_deref())
        .map_err(ExplainError::Usage)?;
    let config = Config::new(controller).with_features(all_features());
    let resolution = resolve(&snapshot, &config);
    let gateways: Vec<&ResolvedGateway> = match options.gateway.as_deref() {
        None => resolution.data_plane.iter().collect(),
        Some(want) => {
            let found: Vec<_> = resolution
                .data_plane
                .iter()
                .filter(|g| format!("{}/{}", g.key.0, g.key.1) == want)
                .collect();
            if found.is_empty() {
                return Err(ExplainError::Usage(format!(
                    "no Gateway {want} of controller {} in the configuration",
                    config.controller_name
                )));
            }
            found
        }
    };

    // spec (HTTP): the Host header names the host; without one, a client sends the URL's
    // authority. A given Host header is used exactly as written.
    let mut headers = headers;
    let authority = match headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host")) {
        Some((_, v)) => v.clone(),
        None => {
            headers.insert(0, ("Host".to_owned(), target.authority.clone()));
            target.authority.clone()
        }
    };
    let req = Request::new(
        target.port,
        &options.method,
        &authority,
        &target.path,
        target.query.as_deref(),
        &headers[..],
    );
    let is_grpc = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("content-type")
            && v.as_bytes()
                .get(..16)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"application/grpc"))
    });
    // Each Gateway has its own addresses: look the request up Gateway by Gateway (in
    // namespace/name order) and report the first that routes it.
    for g in gateways {
        let matcher = compile(gateway_route_table(g)).map_err(compile_error)?;
        let hit = if is_grpc {
            matcher.lookup_grpc(&req).or_else(|| matcher.lookup(&req))
        } else {
            matcher.lookup(&req)
        };
        if let Some(hit) = hit {
            return Ok(render(format!("{}/{}", g.key.0, g.key.1), &hit));
        }
    }
    Ok(Explanation::NotMatched {
        matched: false,
        status: 404,
    })
}

/// The answer of [`explain_sources`]; serializes (fields in this order) to the JSON line
/// `gwproxy explain` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Explanation {
    /// A route matched.
    Matched(Box<Matched>),
    /// No route matched.
    NotMatched {
        /// Always `false`.
        matched: bool,
        /// The status a proxy answers: 404.
        status: u16,
    },
}

impl Explanation {
    /// The JSON line (keys in the documented order).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| json!({"error": e.to_string()}).to_string())
    }
}

/// A matched request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Matched {
    /// Always `true`.
    pub matched: bool,
    /// The Gateway, `namespace/name`.
    pub gateway: String,
    /// The listener name.
    pub listener: String,
    /// The Route.
    pub route: RouteRef,
    /// Index of the rule in the Route's `spec.rules`.
    pub rule: usize,
    /// Index of the match in the rule's `matches` (`null`: the rule has none).
    #[serde(rename = "match")]
    pub match_index: Option<usize>,
    /// The rule's traffic backends.
    pub backends: Vec<BackendRef>,
    /// The rule's filters, as written in the Route.
    pub filters: Vec<FilterOut>,
}

/// A Route's identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteRef {
    /// `HTTPRoute` or `GRPCRoute`.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// One backend of the matched rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackendRef {
    /// Kind (`Service` unless another kind was named).
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Port, if given.
    pub port: Option<i32>,
    /// Relative weight (0: never chosen).
    pub weight: u32,
    /// Whether it resolved; requests picking an invalid backend get 500.
    pub valid: bool,
}

/// A filter of the matched rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FilterOut {
    /// HTTPRoute filter.
    Http(Box<HTTPRouteFilter>),
    /// GRPCRoute filter.
    Grpc(Box<GRPCRouteFilter>),
}

fn render(gateway: String, hit: &RouteMatch<'_, Filter, ResolvedBackend>) -> Explanation {
    Explanation::Matched(Box::new(Matched {
        matched: true,
        gateway,
        listener: hit.listener.name.clone(),
        route: RouteRef {
            kind: hit.route.kind.clone(),
            namespace: hit.route.namespace.clone(),
            name: hit.route.name.clone(),
        },
        rule: hit.rule,
        match_index: hit.match_index,
        backends: hit
            .backends
            .backends()
            .iter()
            .map(|b| BackendRef {
                kind: b.backend.kind.clone(),
                namespace: b.backend.namespace.clone(),
                name: b.backend.name.clone(),
                port: b.backend.port,
                weight: b.weight,
                valid: b.backend.invalid.is_none(),
            })
            .collect(),
        filters: hit
            .filters
            .iter()
            .map(|f| match f {
                Filter::Http(f) => FilterOut::Http(f.clone()),
                Filter::Grpc(f) => FilterOut::Grpc(f.clone()),
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_port_defaults_by_scheme_and_authority_is_kept() {
        let t = parse_url("http://Example.com/a/b?x=1&y").expect("valid");
        assert_eq!(
            t,
            Target {
                port: 80,
                authority: "Example.com".into(),
                path: "/a/b".into(),
                query: Some("x=1&y".into()),
            }
        );
        let t = parse_url("https://example.com").expect("valid");
        assert_eq!((t.port, t.path.as_str()), (443, "/"));
        let t = parse_url("https://u@example.com:8443/").expect("valid");
        assert_eq!((t.port, t.authority.as_str()), (8443, "example.com:8443"));
        for bad in ["/relative", "ftp://x/", "http:///x", "not a url"] {
            assert!(
                matches!(parse_url(bad), Err(ExplainError::Usage(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn headers_split_at_the_first_colon() {
        assert_eq!(
            parse_header("Host: Example.com:8080").expect("valid"),
            ("Host".into(), "Example.com:8080".into())
        );
        assert_eq!(
            parse_header("x-empty:").expect("valid"),
            ("x-empty".into(), String::new())
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: v").is_err());
    }
}
