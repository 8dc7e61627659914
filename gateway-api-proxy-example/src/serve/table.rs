//! From a [`Resolution`] to the compiled route tables the data path looks requests up in.
//!
//! The route tables start from the resolver's conversion
//! ([`to_route_table`] / [`gateway_route_table`]), whose rules sit at their index in the Route;
//! each rule's payload is then replaced with a [`Rule`] built from the Route's own
//! `spec.rules[i]` (filters, `timeouts`, `retry`, backendRef-level filters), and each backend
//! with a [`Backend`] whose endpoints are `ip:port` pairs: Service port -> EndpointSlice port of
//! the same name (Kubernetes EndpointSlice semantics), addresses whose `ready` is not `false`.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use gateway_api_match::{
    CompileError, GrpcRule, HttpRule, Listener, Matcher, PathMatch, RouteTable, WeightedBackend,
    compile,
};
use gateway_api_types::shared::BackendObjectReference;
use gateway_api_types::v1::grpcroute::GRPCRouteFilter;
use gateway_api_types::v1::httproute::{
    HTTPHeader, HTTPHeaderFilter, HTTPPathModifierType, HTTPRouteFilter,
};
use gateway_api_validate::resolve::reference_grant::{RefEnd, permitted};
use gateway_api_validate::resolve::{
    Filter, Key, Resolution, ResolvedBackend, ResolvedGateway, ResolvedListener, Snapshot,
    TargetPort, gateway_route_table, served_gateway_listeners, served_listeners, to_route_table,
};
use http::{HeaderName, HeaderValue};

use super::filters::{Cors, HeaderModifier, PathModifier, Redirect, Rewrite, parse_duration};

/// The Service port `appProtocol` that asks for HTTP/2 over cleartext (KEP-3726).
pub const H2C: &str = "kubernetes.io/h2c";

/// A resolved backend with its endpoints.
#[derive(Debug)]
pub struct Backend {
    /// `namespace/name:port`, for logs and metrics.
    pub label: Arc<str>,
    /// Why the backend cannot be used (its share answers 500), `None` when valid.
    pub invalid: Option<String>,
    /// Ready endpoints.
    pub endpoints: Vec<SocketAddr>,
    /// `ip:port` of each endpoint as a URI authority (same order).
    pub authorities: Vec<http::uri::Authority>,
    /// Speak HTTP/2 cleartext to it (`appProtocol: kubernetes.io/h2c`).
    pub h2c: bool,
    /// Filters set on the backendRef (request/response header modifiers).
    pub filters: Vec<RuleFilter>,
}

/// A `RequestMirror` filter.
#[derive(Debug)]
pub struct Mirror {
    /// Where copies go.
    pub backend: Arc<Backend>,
    /// The share of requests mirrored, `0.0..=1.0` (`percent` / `fraction`; default all).
    pub share: f64,
}

/// One filter of a rule (or backendRef), compiled.
#[derive(Debug)]
pub enum RuleFilter {
    /// `RequestHeaderModifier`.
    RequestHeaders(HeaderModifier),
    /// `ResponseHeaderModifier`.
    ResponseHeaders(HeaderModifier),
    /// `RequestRedirect`.
    Redirect(Redirect),
    /// `URLRewrite`.
    Rewrite(Rewrite),
    /// `RequestMirror`.
    Mirror(Mirror),
    /// `CORS`.
    Cors(Cors),
}

/// Retry policy of a rule (experimental `retry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Response codes that are retried.
    pub codes: Vec<u16>,
    /// Retries after the first attempt.
    pub attempts: u32,
    /// Wait between attempts.
    pub backoff: Duration,
}

/// The payload of one rule in the route table.
#[derive(Debug)]
pub struct Rule {
    /// `Kind namespace/name` of the Route.
    pub route: Arc<str>,
    /// Filters in the order written.
    pub filters: Vec<RuleFilter>,
    /// Per match index: the `PathPrefix` value of that match (`/` for the implicit match),
    /// empty for other path match types.
    pub prefixes: Vec<String>,
    /// `timeouts.request` (`None` or zero: no timeout).
    pub request_timeout: Option<Duration>,
    /// `timeouts.backendRequest`.
    pub backend_timeout: Option<Duration>,
    /// `retry`.
    pub retry: Option<Retry>,
}

impl Rule {
    /// The prefix that matched for `match_index` (`/` without matches).
    pub fn matched_prefix(&self, match_index: Option<usize>) -> &str {
        match match_index {
            Some(i) => self.prefixes.get(i).map_or("/", String::as_str),
            None => "/",
        }
    }
}

/// One listener of a table, in table order (`RouteMatch::listener.index`).
#[derive(Clone, Debug)]
pub struct ListenerMeta {
    /// `namespace/name` of its Gateway.
    pub gateway: Arc<str>,
    /// Listener name.
    pub name: String,
    /// Listener port.
    pub port: u16,
    /// Listener hostname.
    pub hostname: Option<String>,
    /// `HTTPS`.
    pub https: bool,
    /// Certificate Secrets (namespace, name).
    pub certificates: Vec<Key>,
}

/// A compiled route table and its listeners.
pub struct Table {
    /// The matcher.
    pub matcher: Matcher<Rule, Arc<Backend>>,
    /// The listeners, in table order.
    pub listeners: Vec<ListenerMeta>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("listeners", &self.listeners)
            .finish_non_exhaustive()
    }
}

/// Picks the listener a hostname selects among `(index, hostname)` candidates. spec:
/// Listener hostname — an exact hostname first, then the longest matching wildcard, then a
/// listener without hostname. `name` `None` (no SNI) selects the listener without hostname.
pub fn select_listener<'a>(
    candidates: impl Iterator<Item = (usize, Option<&'a str>)> + Clone,
    name: Option<&str>,
) -> Option<usize> {
    if let Some(name) = name {
        let name = name.strip_suffix('.').unwrap_or(name);
        if let Some((i, _)) = candidates
            .clone()
            .find(|(_, h)| h.is_some_and(|h| h.eq_ignore_ascii_case(name)))
        {
            return Some(i);
        }
        let mut best: Option<(usize, usize)> = None;
        for (i, h) in candidates.clone() {
            let Some(suffix) = h.and_then(|h| h.strip_prefix('*')) else {
                continue;
            };
            let fits = name.len() > suffix.len()
                && name
                    .get(name.len() - suffix.len()..)
                    .is_some_and(|s| s.eq_ignore_ascii_case(suffix));
            if fits && best.is_none_or(|(_, l)| suffix.len() > l) {
                best = Some((i, suffix.len()));
            }
        }
        if let Some((i, _)) = best {
            return Some(i);
        }
    }
    candidates
        .clone()
        .find(|(_, h)| h.is_none())
        .map(|(i, _)| i)
}

fn meta(gateway: &ResolvedGateway, l: &ResolvedListener) -> ListenerMeta {
    ListenerMeta {
        gateway: format!("{}/{}", gateway.key.0, gateway.key.1).into(),
        name: l.name.clone(),
        port: u16::try_from(l.port).unwrap_or_default(),
        hostname: l.hostname.clone(),
        https: l.protocol == "HTTPS",
        certificates: l
            .tls
            .as_ref()
            .map(|t| t.certificates.clone())
            .unwrap_or_default(),
    }
}

/// The table of every accepted Gateway at once (one socket per port, `Bind::Ports`).
pub fn shared_table(resolution: &Resolution, snapshot: &Snapshot) -> Result<Table, CompileError> {
    let listeners = served_listeners(resolution)
        .map(|(g, l)| meta(g, l))
        .collect();
    build(to_route_table(resolution), listeners, snapshot)
}

/// The table of one Gateway (`Bind::PerGateway`).
pub fn gateway_table(
    gateway: &ResolvedGateway,
    snapshot: &Snapshot,
) -> Result<Table, CompileError> {
    let listeners = served_gateway_listeners(gateway)
        .map(|l| meta(gateway, l))
        .collect();
    build(gateway_route_table(gateway), listeners, snapshot)
}

fn build(
    table: RouteTable<Filter, ResolvedBackend>,
    listeners: Vec<ListenerMeta>,
    snapshot: &Snapshot,
) -> Result<Table, CompileError> {
    let mut cache = BackendCache::default();
    let out = RouteTable {
        listeners: table
            .listeners
            .into_iter()
            .map(|l| convert_listener(l, snapshot, &mut cache))
            .collect(),
    };
    Ok(Table {
        matcher: compile(out)?,
        listeners,
    })
}

/// Backends are shared between the rules naming the same backend with the same filters-free
/// identity (the cache key is namespace/name/port and the filters' position).
#[derive(Default)]
struct BackendCache {
    mirrors: BTreeMap<(String, String, Option<i32>), Arc<Backend>>,
}

fn convert_listener(
    l: Listener<Filter, ResolvedBackend>,
    snapshot: &Snapshot,
    cache: &mut BackendCache,
) -> Listener<Rule, Arc<Backend>> {
    let mut out = Listener::new(l.name.clone(), l.port, l.hostname.as_deref());
    for r in l.http_routes {
        let key = (r.id.namespace.clone(), r.id.name.clone());
        let spec_rules = snapshot
            .http_routes
            .get(&key)
            .and_then(|h| h.spec.rules.as_ref());
        let label: Arc<str> = format!("HTTPRoute {}/{}", r.id.namespace, r.id.name).into();
        let from = route_end("HTTPRoute", &r.id.namespace, &r.id.name);
        let rules = r
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, rule)| {
                let spec = spec_rules.and_then(|s| s.get(i));
                let mut filters = Vec::new();
                for f in spec.and_then(|s| s.filters.as_deref()).unwrap_or_default() {
                    if let Some(f) = http_filter(f, from, snapshot, cache) {
                        filters.push(f);
                    }
                }
                let prefixes = rule
                    .matches
                    .iter()
                    .map(|m| match &m.path {
                        PathMatch::PathPrefix(p) => p.clone(),
                        _ => String::new(),
                    })
                    .collect();
                let timeouts = spec.and_then(|s| s.timeouts.as_ref());
                let non_zero = |d: Option<Duration>| d.filter(|d| !d.is_zero());
                let request_timeout = non_zero(
                    timeouts
                        .and_then(|t| t.request.as_ref())
                        .and_then(|d| parse_duration(d)),
                );
                let backend_timeout = non_zero(
                    timeouts
                        .and_then(|t| t.backend_request.as_ref())
                        .and_then(|d| parse_duration(d)),
                );
                let retry = spec.and_then(|s| s.retry.as_ref()).map(|r| Retry {
                    codes: r
                        .codes
                        .iter()
                        .flatten()
                        .filter_map(|c| u16::try_from(*c).ok())
                        .collect(),
                    attempts: r.attempts.and_then(|a| u32::try_from(a).ok()).unwrap_or(1),
                    backoff: r
                        .backoff
                        .as_ref()
                        .and_then(|b| parse_duration(b))
                        .unwrap_or(Duration::ZERO),
                });
                let backend_refs = spec
                    .and_then(|s| s.backend_refs.as_deref())
                    .unwrap_or_default();
                let backends = rule
                    .backends
                    .into_iter()
                    .enumerate()
                    .map(|(j, wb)| {
                        let mut fs = Vec::new();
                        for f in backend_refs
                            .get(j)
                            .and_then(|b| b.filters.as_deref())
                            .unwrap_or_default()
                        {
                            if let Some(f) = http_filter(f, from, snapshot, cache) {
                                fs.push(f);
                            }
                        }
                        WeightedBackend {
                            backend: Arc::new(backend(&wb.backend, snapshot, fs)),
                            weight: wb.weight,
                        }
                    })
                    .collect();
                HttpRule {
                    matches: rule.matches,
                    filters: vec![Rule {
                        route: label.clone(),
                        filters,
                        prefixes,
                        request_timeout,
                        backend_timeout,
                        retry,
                    }],
                    backends,
                }
            })
            .collect();
        out.http_routes.push(gateway_api_match::HttpRoute {
            id: r.id,
            creation_timestamp: r.creation_timestamp,
            hostnames: r.hostnames,
            rules,
        });
    }
    for r in l.grpc_routes {
        let key = (r.id.namespace.clone(), r.id.name.clone());
        let spec_rules = snapshot
            .grpc_routes
            .get(&key)
            .and_then(|h| h.spec.rules.as_ref());
        let label: Arc<str> = format!("GRPCRoute {}/{}", r.id.namespace, r.id.name).into();
        let from = route_end("GRPCRoute", &r.id.namespace, &r.id.name);
        let rules = r
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, rule)| {
                let spec = spec_rules.and_then(|s| s.get(i));
                let mut filters = Vec::new();
                for f in spec.and_then(|s| s.filters.as_deref()).unwrap_or_default() {
                    if let Some(f) = grpc_filter(f, from, snapshot, cache) {
                        filters.push(f);
                    }
                }
                let backend_refs = spec
                    .and_then(|s| s.backend_refs.as_deref())
                    .unwrap_or_default();
                let backends = rule
                    .backends
                    .into_iter()
                    .enumerate()
                    .map(|(j, wb)| {
                        let mut fs = Vec::new();
                        for f in backend_refs
                            .get(j)
                            .and_then(|b| b.filters.as_deref())
                            .unwrap_or_default()
                        {
                            if let Some(f) = grpc_filter(f, from, snapshot, cache) {
                                fs.push(f);
                            }
                        }
                        let mut b = backend(&wb.backend, snapshot, fs);
                        // gRPC needs HTTP/2 end to end.
                        b.h2c = true;
                        WeightedBackend {
                            backend: Arc::new(b),
                            weight: wb.weight,
                        }
                    })
                    .collect();
                GrpcRule {
                    matches: rule.matches,
                    filters: vec![Rule {
                        route: label.clone(),
                        filters,
                        prefixes: Vec::new(),
                        request_timeout: None,
                        backend_timeout: None,
                        retry: None,
                    }],
                    backends,
                }
            })
            .collect();
        out.grpc_routes.push(gateway_api_match::GrpcRoute {
            id: r.id,
            creation_timestamp: r.creation_timestamp,
            hostnames: r.hostnames,
            rules,
        });
    }
    out
}

fn header_modifier(f: &HTTPHeaderFilter) -> HeaderModifier {
    let pairs = |v: Option<&[HTTPHeader]>| {
        v.unwrap_or_default()
            .iter()
            .filter_map(|h| {
                Some((
                    HeaderName::from_bytes(h.name.as_str().as_bytes()).ok()?,
                    HeaderValue::from_str(&h.value).ok()?,
                ))
            })
            .collect()
    };
    HeaderModifier {
        set: pairs(f.set.as_deref()),
        add: pairs(f.add.as_deref()),
        remove: f
            .remove
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter_map(|n| HeaderName::from_bytes(n.as_bytes()).ok())
            .collect(),
    }
}

fn path_modifier(p: &gateway_api_types::v1::httproute::HTTPPathModifier) -> Option<PathModifier> {
    match p.type_ {
        HTTPPathModifierType::ReplaceFullPath => {
            Some(PathModifier::Full(p.replace_full_path.clone()?))
        }
        HTTPPathModifierType::ReplacePrefixMatch => {
            Some(PathModifier::Prefix(p.replace_prefix_match.clone()?))
        }
        _ => None,
    }
}

/// The referring side of a Route's references, for ReferenceGrant checks.
fn route_end<'a>(kind: &'a str, namespace: &'a str, name: &'a str) -> RefEnd<'a> {
    RefEnd {
        group: "gateway.networking.k8s.io",
        kind,
        namespace,
        name,
    }
}

/// The mirror of a `RequestMirror` filter, or `None` when its backend may not be configured.
///
/// spec (HTTPRequestMirrorFilter.BackendRef): a reference to a missing object, or a
/// cross-namespace reference no ReferenceGrant permits, is invalid and must not be configured
/// in the data plane (the Route reports `ResolvedRefs=False`). Only core Services are mirrored.
fn mirror(
    backend_ref: &BackendObjectReference,
    percent: Option<i32>,
    fraction: Option<&gateway_api_types::shared::Fraction>,
    from: RefEnd<'_>,
    snapshot: &Snapshot,
    cache: &mut BackendCache,
) -> Option<Mirror> {
    let group = backend_ref.group.as_ref().map_or("", |g| g.as_str());
    let kind = backend_ref.kind.as_ref().map_or("Service", |k| k.as_str());
    if !group.is_empty() || kind != "Service" {
        return None;
    }
    let ns = backend_ref
        .namespace
        .as_ref()
        .map_or(from.namespace, |n| n.as_str())
        .to_owned();
    let name = backend_ref.name.as_str().to_owned();
    let to = RefEnd {
        group: "",
        kind: "Service",
        namespace: &ns,
        name: &name,
    };
    if !permitted(snapshot, from, to)
        || !snapshot.services.contains_key(&(ns.clone(), name.clone()))
    {
        return None;
    }
    let port = backend_ref.port;
    let backend = cache
        .mirrors
        .entry((ns.clone(), name.clone(), port))
        .or_insert_with(|| {
            let (endpoints, h2c) = endpoints(snapshot, &ns, &name, port);
            Arc::new(Backend {
                label: label(&ns, &name, port).into(),
                invalid: None,
                authorities: authorities(&endpoints),
                endpoints,
                h2c,
                filters: Vec::new(),
            })
        })
        .clone();
    let share = match (percent, fraction) {
        (Some(p), _) => f64::from(p.clamp(0, 100)) / 100.0,
        (None, Some(f)) => {
            let d = f.denominator.unwrap_or(100).max(1);
            f64::from(f.numerator.clamp(0, d)) / f64::from(d)
        }
        (None, None) => 1.0,
    };
    Some(Mirror { backend, share })
}

fn http_filter(
    f: &HTTPRouteFilter,
    from: RefEnd<'_>,
    snapshot: &Snapshot,
    cache: &mut BackendCache,
) -> Option<RuleFilter> {
    if let Some(h) = &f.request_header_modifier {
        return Some(RuleFilter::RequestHeaders(header_modifier(h)));
    }
    if let Some(h) = &f.response_header_modifier {
        return Some(RuleFilter::ResponseHeaders(header_modifier(h)));
    }
    if let Some(r) = &f.request_redirect {
        return Some(RuleFilter::Redirect(Redirect {
            scheme: r.scheme.clone(),
            hostname: r.hostname.as_ref().map(|h| h.as_str().to_owned()),
            path: r.path.as_ref().and_then(path_modifier),
            port: r.port.and_then(|p| u16::try_from(p).ok()),
            status: r
                .status_code
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(302),
        }));
    }
    if let Some(r) = &f.url_rewrite {
        return Some(RuleFilter::Rewrite(Rewrite {
            hostname: r.hostname.as_ref().map(|h| h.as_str().to_owned()),
            path: r.path.as_ref().and_then(path_modifier),
        }));
    }
    if let Some(m) = &f.request_mirror {
        return mirror(
            &m.backend_ref,
            m.percent,
            m.fraction.as_ref(),
            from,
            snapshot,
            cache,
        )
        .map(RuleFilter::Mirror);
    }
    if let Some(c) = &f.cors {
        let strings = |v: Option<Vec<String>>| v.unwrap_or_default();
        return Some(RuleFilter::Cors(Cors {
            allow_origins: strings(
                c.allow_origins
                    .as_ref()
                    .map(|v| v.iter().map(|o| o.as_str().to_owned()).collect()),
            ),
            allow_credentials: c.allow_credentials.unwrap_or(false),
            allow_methods: strings(
                c.allow_methods
                    .as_ref()
                    .map(|v| v.iter().map(|m| m.as_str().to_owned()).collect()),
            ),
            allow_headers: strings(
                c.allow_headers
                    .as_ref()
                    .map(|v| v.iter().map(|h| h.as_str().to_owned()).collect()),
            ),
            expose_headers: strings(
                c.expose_headers
                    .as_ref()
                    .map(|v| v.iter().map(|h| h.as_str().to_owned()).collect()),
            ),
            max_age: c.max_age.unwrap_or(5),
        }));
    }
    None
}

fn grpc_filter(
    f: &GRPCRouteFilter,
    from: RefEnd<'_>,
    snapshot: &Snapshot,
    cache: &mut BackendCache,
) -> Option<RuleFilter> {
    if let Some(h) = &f.request_header_modifier {
        return Some(RuleFilter::RequestHeaders(header_modifier(h)));
    }
    if let Some(h) = &f.response_header_modifier {
        return Some(RuleFilter::ResponseHeaders(header_modifier(h)));
    }
    if let Some(m) = &f.request_mirror {
        let mut m = mirror(
            &m.backend_ref,
            m.percent,
            m.fraction.as_ref(),
            from,
            snapshot,
            cache,
        )?;
        if let Some(b) = Arc::get_mut(&mut m.backend) {
            b.h2c = true;
        }
        return Some(RuleFilter::Mirror(m));
    }
    None
}

fn label(ns: &str, name: &str, port: Option<i32>) -> String {
    match port {
        Some(p) => format!("{ns}/{name}:{p}"),
        None => format!("{ns}/{name}"),
    }
}

fn backend(b: &ResolvedBackend, snapshot: &Snapshot, filters: Vec<RuleFilter>) -> Backend {
    let (endpoints, h2c) = if b.invalid.is_none() {
        endpoints(snapshot, &b.namespace, &b.name, b.port)
    } else {
        (Vec::new(), false)
    };
    Backend {
        label: label(&b.namespace, &b.name, b.port).into(),
        invalid: b
            .invalid
            .as_ref()
            .map(|p| format!("{}: {}", p.reason, p.message)),
        authorities: authorities(&endpoints),
        endpoints,
        h2c,
        filters,
    }
}

fn authorities(endpoints: &[SocketAddr]) -> Vec<http::uri::Authority> {
    endpoints
        .iter()
        .filter_map(|e| http::uri::Authority::try_from(e.to_string()).ok())
        .collect()
}

/// The ready `ip:port` endpoints of Service `namespace/name` port `port`, and whether it
/// speaks h2c. spec (Kubernetes): an EndpointSlice port serves the Service port of the same
/// name (both unnamed for a single unnamed port); without `ports` in a slice, the Service's
/// numeric `targetPort` (default: `port`) is used.
pub fn endpoints(
    snapshot: &Snapshot,
    namespace: &str,
    name: &str,
    port: Option<i32>,
) -> (Vec<SocketAddr>, bool) {
    let Some(service) = snapshot
        .services
        .get(&(namespace.to_owned(), name.to_owned()))
    else {
        return (Vec::new(), false);
    };
    let sp = match port {
        Some(p) => service.ports.iter().find(|sp| sp.port == p),
        None => service.ports.first(),
    };
    let Some(sp) = sp else {
        return (Vec::new(), false);
    };
    let mut h2c = sp.app_protocol.as_deref() == Some(H2C);
    let fallback = match &sp.target_port {
        Some(TargetPort::Number(n)) => Some(*n),
        Some(TargetPort::Name(_)) => None,
        None => Some(sp.port),
    };
    let mut out = Vec::new();
    for ((ns, _), slice) in snapshot
        .endpoint_slices
        .range((namespace.to_owned(), String::new())..)
    {
        if ns != namespace {
            break;
        }
        if slice.service.as_deref() != Some(name) {
            continue;
        }
        let number = if slice.ports.is_empty() {
            fallback
        } else {
            let ep = slice.ports.iter().find(|p| p.name == sp.name);
            if ep.and_then(|p| p.app_protocol.as_deref()) == Some(H2C) {
                h2c = true;
            }
            ep.and_then(|p| p.port)
        };
        let Some(number) = number.and_then(|n| u16::try_from(n).ok()) else {
            continue;
        };
        for a in &slice.ready_addresses {
            if let Ok(ip) = a.parse::<IpAddr>() {
                out.push(SocketAddr::new(ip, number));
            }
        }
    }
    out.sort();
    out.dedup();
    (out, h2c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_selection_prefers_exact_then_longest_wildcard_then_catch_all() {
        let ls = [
            (0, None),
            (1, Some("*.example.org")),
            (2, Some("*.a.example.org")),
            (3, Some("x.a.example.org")),
        ];
        let pick = |name: Option<&str>| select_listener(ls.iter().copied(), name);
        assert_eq!(pick(Some("x.a.example.org")), Some(3));
        assert_eq!(pick(Some("X.A.Example.org.")), Some(3));
        assert_eq!(pick(Some("y.a.example.org")), Some(2));
        assert_eq!(pick(Some("b.example.org")), Some(1));
        assert_eq!(pick(Some("example.org")), Some(0));
        assert_eq!(pick(None), Some(0));
        let no_catch_all = [(5, Some("a.org"))];
        assert_eq!(
            select_listener(no_catch_all.iter().copied(), Some("b.org")),
            None
        );
    }

    fn snapshot(yaml: &str) -> Snapshot {
        let objects: Vec<_> = gateway_api_types::parse_documents("t.yaml", yaml)
            .into_iter()
            .map(|d| d.unwrap().object)
            .collect();
        Snapshot::from_objects(&objects).unwrap()
    }

    #[test]
    fn endpoints_follow_service_port_names_and_readiness() {
        let s = snapshot(
            r#"
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: ns1}
spec:
  ports:
  - {name: web, port: 80, targetPort: 8080}
  - {name: grpc, port: 81, targetPort: 9090, appProtocol: kubernetes.io/h2c}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc-a, namespace: ns1, labels: {kubernetes.io/service-name: svc}}
addressType: IPv4
ports: [{name: web, port: 8081}, {name: grpc, port: 9091}]
endpoints:
- addresses: [10.0.0.2]
- addresses: [10.0.0.1]
- addresses: [10.0.0.3]
  conditions: {ready: false}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: other, namespace: ns1, labels: {kubernetes.io/service-name: other}}
addressType: IPv4
ports: [{name: web, port: 1}]
endpoints: [{addresses: [10.9.9.9]}]
"#,
        );
        let (eps, h2c) = endpoints(&s, "ns1", "svc", Some(80));
        assert_eq!(
            eps,
            vec![
                "10.0.0.1:8081".parse().unwrap(),
                "10.0.0.2:8081".parse().unwrap()
            ]
        );
        assert!(!h2c);
        let (eps, h2c) = endpoints(&s, "ns1", "svc", Some(81));
        assert_eq!(eps.len(), 2);
        assert!(eps.iter().all(|e| e.port() == 9091));
        assert!(h2c);
        assert!(endpoints(&s, "ns1", "svc", Some(82)).0.is_empty());
        assert!(endpoints(&s, "ns1", "nope", Some(80)).0.is_empty());
    }

    fn backend_ref(json: &str) -> BackendObjectReference {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn mirrors_need_a_reference_grant_across_namespaces_and_an_existing_service() {
        let services = r#"
apiVersion: v1
kind: Service
metadata: {name: local, namespace: a}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: remote, namespace: b}
spec: {ports: [{port: 80}]}
"#;
        let grant = r#"
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-a, namespace: b}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]
  to: [{group: "", kind: Service}]
"#;
        let from = route_end("HTTPRoute", "a", "r");
        let grpc_from = route_end("GRPCRoute", "a", "g");
        let remote = backend_ref(r#"{"name":"remote","namespace":"b","port":80}"#);
        let local = backend_ref(r#"{"name":"local","port":80}"#);
        let missing = backend_ref(r#"{"name":"missing","port":80}"#);
        let other_kind = backend_ref(r#"{"group":"example.com","kind":"Thing","name":"local"}"#);

        let without = snapshot(services);
        let mut cache = BackendCache::default();
        let mut pick = |s: &Snapshot, r: &BackendObjectReference, from| {
            mirror(r, None, None, from, s, &mut cache).map(|m| m.backend.label.to_string())
        };
        // spec: a cross-namespace mirror without a ReferenceGrant is not configured.
        assert_eq!(pick(&without, &remote, from), None);
        assert_eq!(pick(&without, &local, from).as_deref(), Some("a/local:80"));
        // spec: a mirror to a missing object, or of an unsupported kind, is not configured.
        assert_eq!(pick(&without, &missing, from), None);
        assert_eq!(pick(&without, &other_kind, from), None);

        let with = snapshot(&format!("{services}{grant}"));
        assert_eq!(pick(&with, &remote, from).as_deref(), Some("b/remote:80"));
        // The grant names HTTPRoute only: a GRPCRoute's mirror stays unconfigured.
        assert_eq!(pick(&with, &remote, grpc_from), None);
    }
}
