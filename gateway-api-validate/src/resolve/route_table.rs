//! The data plane of a [`Resolution`] as a [`gateway_api_match::RouteTable`]: one call for a
//! proxy that has both crates (feature `match`).
//!
//! ```
//! use gateway_api_types::parse_documents;
//! use gateway_api_validate::resolve::{Config, Snapshot, resolve, served_listeners, to_route_table};
//! use gateway_api_match::{Request, compile};
//!
//! let yaml = r#"
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: GatewayClass
//! metadata: {name: example}
//! spec: {controllerName: example.com/gateway}
//! ---
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: Gateway
//! metadata: {name: web, namespace: default}
//! spec:
//!   gatewayClassName: example
//!   listeners: [{name: http, port: 80, protocol: HTTP}]
//! ---
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: HTTPRoute
//! metadata: {name: store, namespace: default}
//! spec:
//!   parentRefs: [{name: web}]
//!   hostnames: [store.example.com]
//!   rules:
//!   - matches: [{path: {type: PathPrefix, value: /cart}}]
//!     backendRefs: [{name: cart, port: 8080}]
//!   - backendRefs: [{name: store, port: 8080}]
//! "#;
//! let objects: Vec<_> = parse_documents("x.yaml", yaml)
//!     .into_iter()
//!     .map(|d| d.unwrap().object)
//!     .collect();
//! let resolution = resolve(&Snapshot::from_objects(&objects).unwrap(), &Config::new("example.com/gateway"));
//!
//! let matcher = compile(to_route_table(&resolution)).unwrap();
//! let req = Request::new(80, "GET", "store.example.com", "/cart/1", None, &[] as &[(&str, &str)]);
//! let hit = matcher.lookup(&req).unwrap();
//! assert_eq!((hit.route.name.as_str(), hit.rule), ("store", 0));
//! let backend = hit.backends.pick(7).unwrap();
//! assert_eq!((backend.name.as_str(), backend.port), ("cart", Some(8080)));
//! // No Service in the snapshot: the backend is invalid and its share answers 500.
//! assert!(backend.invalid.is_some());
//! // Which Gateway the listener belongs to:
//! let (gateway, listener) = served_listeners(&resolution).nth(hit.listener.index).unwrap();
//! assert_eq!((gateway.key.1.as_str(), listener.name.as_str()), ("web", "http"));
//! ```
//!
//! # What goes in
//! * Listeners: the valid `HTTP` and `HTTPS` listeners of the accepted Gateways (their own and
//!   their ListenerSets'), Gateways by namespace/name, listeners in resolution order — exactly
//!   [`served_listeners`], so `RouteMatch::listener.index` indexes that iterator. Listeners of
//!   different Gateways share one table: on equal specificity the first Gateway's wins, its
//!   routes or not. A proxy serving each Gateway on its own addresses builds one table per
//!   Gateway with [`gateway_route_table`] instead.
//! * Routes: every HTTPRoute and GRPCRoute attached to a listener, with the hostnames the
//!   resolver intersected, the creation timestamp (microseconds; a Route without one sorts after
//!   every Route with one, as in the resolver), and its rules **at their index in the Route**:
//!   a rule the resolver dropped (`PartiallyInvalid`) becomes a rule that never matches, so
//!   `RouteMatch::rule` is the index in `spec.rules`.
//! * Filters: the rule's typed filters ([`Filter`]). Filters set on individual backendRefs are
//!   not part of the resolver's output and so not carried.
//! * Backends: the rule's traffic backends as [`ResolvedBackend`]s (kind, namespace, name, port,
//!   weight, ready endpoints, and `invalid` — a request picking an invalid backend gets 500).
//!   Mirror and external-auth backends are reached through their filters.

use std::collections::{BTreeMap, BTreeSet};

use gateway_api_match::{
    GrpcMatch, GrpcMatchType, GrpcMethodMatch, GrpcRoute, GrpcRule, HeaderMatch, HttpMatch,
    HttpRoute, HttpRule, Listener, PathMatch, QueryParamMatch, RouteId, RouteTable, ValueMatch,
    WeightedBackend,
};
use gateway_api_types::v1::grpcroute::{
    GRPCHeaderMatchType, GRPCMethodMatchType, GRPCRouteFilter, GRPCRouteMatch,
};
use gateway_api_types::v1::httproute::{
    HTTPRouteFilter, HTTPRouteMatch, HeaderMatchType, PathMatchType, QueryParamMatchType,
};

use super::backend::ResolvedBackend;
use super::route::{BackendRole, Filters};
use super::snapshot::{ObjectKind, ObjectRef};
use super::{Resolution, ResolvedGateway, ResolvedListener, ResolvedRule, RuleMatch};

/// A filter of a rule, as written in the Route (the payload `F` of the route table).
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// An HTTPRoute rule filter.
    Http(Box<HTTPRouteFilter>),
    /// A GRPCRoute rule filter.
    Grpc(Box<GRPCRouteFilter>),
}

/// A regular expression that matches nothing (an empty character class): the only match of
/// the stand-ins for dropped rules.
const NEVER: &str = r"[^\s\S]";

/// Whether a listener of `g` goes into a route table: the Gateway is accepted, the listener
/// valid, `HTTP` or `HTTPS`, on a port that fits `u16`.
fn serves(g: &ResolvedGateway, l: &ResolvedListener) -> bool {
    g.accepted
        && l.valid
        && matches!(l.protocol.as_str(), "HTTP" | "HTTPS")
        && u16::try_from(l.port).is_ok()
}

/// The listeners [`to_route_table`] serves, in table order, with their Gateway:
/// `RouteMatch::listener.index` of a compiled table is a position in this iterator.
pub fn served_listeners(
    resolution: &Resolution,
) -> impl Iterator<Item = (&ResolvedGateway, &ResolvedListener)> {
    resolution
        .data_plane
        .iter()
        .flat_map(|g| g.listeners.iter().map(move |l| (g, l)))
        .filter(|(g, l)| serves(g, l))
}

/// The HTTP/gRPC data plane of `resolution` as a route table for
/// [`gateway_api_match::compile`]: the listeners of every accepted Gateway in one table. See
/// the [module documentation](self) for what it holds.
pub fn to_route_table(resolution: &Resolution) -> RouteTable<Filter, ResolvedBackend> {
    RouteTable {
        listeners: served_listeners(resolution)
            .map(|(_, l)| listener(l))
            .collect(),
    }
}

/// The route table of one Gateway (what a proxy answering on that Gateway's addresses
/// serves): its served listeners, in order; empty when the Gateway is not accepted.
/// `RouteMatch::listener.index` is a position among `gateway.listeners` filtered the same way
/// as [`served_listeners`].
pub fn gateway_route_table(gateway: &ResolvedGateway) -> RouteTable<Filter, ResolvedBackend> {
    RouteTable {
        listeners: gateway
            .listeners
            .iter()
            .filter(|l| serves(gateway, l))
            .map(listener)
            .collect(),
    }
}

/// The listeners [`gateway_route_table`] serves, in table order.
pub fn served_gateway_listeners(
    gateway: &ResolvedGateway,
) -> impl Iterator<Item = &ResolvedListener> {
    gateway.listeners.iter().filter(|l| serves(gateway, l))
}

/// One Route's entries on one listener, regrouped by rule and match.
struct RouteEntries<'a> {
    /// `None` = any hostname the listener accepts.
    hostnames: BTreeSet<Option<&'a str>>,
    created: i64,
    rules: BTreeMap<usize, RuleEntries<'a>>,
}

struct RuleEntries<'a> {
    filters: &'a Filters,
    backends: &'a [ResolvedBackend],
    matches: BTreeMap<usize, &'a RuleMatch>,
}

fn listener(l: &ResolvedListener) -> Listener<Filter, ResolvedBackend> {
    let port = u16::try_from(l.port).unwrap_or_default();
    let mut out = Listener::new(l.name.clone(), port, l.hostname.as_deref());
    let mut routes: BTreeMap<&ObjectRef, RouteEntries<'_>> = BTreeMap::new();
    for r in &l.rules {
        if matches!(*r.matches, RuleMatch::L4) {
            continue;
        }
        let entry = routes.entry(&*r.route).or_insert_with(|| RouteEntries {
            hostnames: BTreeSet::new(),
            created: created(r),
            rules: BTreeMap::new(),
        });
        entry.hostnames.insert(r.precedence.hostname.as_deref());
        // A Route attached twice to this listener (two parentRefs) repeats its entries; the
        // maps keep one of each.
        entry
            .rules
            .entry(r.precedence.rule_index)
            .or_insert_with(|| RuleEntries {
                filters: &r.filters,
                backends: &r.backends,
                matches: BTreeMap::new(),
            })
            .matches
            .insert(r.precedence.match_index, &r.matches);
    }
    for (id, e) in routes {
        let hostnames: Vec<String> = if e.hostnames.contains(&None) {
            Vec::new()
        } else {
            e.hostnames
                .iter()
                .flatten()
                .map(|h| (*h).to_owned())
                .collect()
        };
        let count = e.rules.keys().next_back().map_or(0, |i| i + 1);
        match id.kind {
            ObjectKind::HTTPRoute => out.http_routes.push(HttpRoute {
                id: RouteId::http(&id.namespace, &id.name),
                creation_timestamp: e.created,
                hostnames,
                rules: (0..count)
                    .map(|i| e.rules.get(&i).map_or_else(dropped_http_rule, http_rule))
                    .collect(),
            }),
            ObjectKind::GRPCRoute => out.grpc_routes.push(GrpcRoute {
                id: RouteId::grpc(&id.namespace, &id.name),
                creation_timestamp: e.created,
                hostnames,
                rules: (0..count)
                    .map(|i| e.rules.get(&i).map_or_else(dropped_grpc_rule, grpc_rule))
                    .collect(),
            }),
            _ => {}
        }
    }
    out
}

/// spec: the oldest Route wins; the resolver sorts a Route without a creation timestamp after
/// every Route with one.
fn created(r: &ResolvedRule) -> i64 {
    r.precedence
        .created
        .as_ref()
        .map_or(i64::MAX, |t| t.0.as_microsecond())
}

fn filters(f: &Filters) -> Vec<Filter> {
    match f {
        Filters::Http(v) => v
            .iter()
            .map(|f| Filter::Http(Box::new(f.clone())))
            .collect(),
        Filters::Grpc(v) => v
            .iter()
            .map(|f| Filter::Grpc(Box::new(f.clone())))
            .collect(),
        Filters::None => Vec::new(),
    }
}

fn backends(b: &[ResolvedBackend]) -> Vec<WeightedBackend<ResolvedBackend>> {
    b.iter()
        .filter(|b| b.role == BackendRole::Backend)
        .map(|b| WeightedBackend {
            backend: b.clone(),
            weight: u32::try_from(b.weight).unwrap_or(0),
        })
        .collect()
}

fn http_rule(r: &RuleEntries<'_>) -> HttpRule<Filter, ResolvedBackend> {
    HttpRule {
        matches: r
            .matches
            .values()
            .map(|m| match m {
                RuleMatch::Http(m) => http_match(m),
                _ => never_http(),
            })
            .collect(),
        filters: filters(r.filters),
        backends: backends(r.backends),
    }
}

fn grpc_rule(r: &RuleEntries<'_>) -> GrpcRule<Filter, ResolvedBackend> {
    GrpcRule {
        matches: r
            .matches
            .values()
            .map(|m| match m {
                RuleMatch::Grpc(m) => grpc_match(m),
                _ => never_grpc(),
            })
            .collect(),
        filters: filters(r.filters),
        backends: backends(r.backends),
    }
}

fn never_http() -> HttpMatch {
    HttpMatch::path(PathMatch::RegularExpression(NEVER.to_owned()))
}

fn never_grpc() -> GrpcMatch {
    GrpcMatch {
        method: Some(GrpcMethodMatch {
            kind: GrpcMatchType::RegularExpression,
            service: Some(NEVER.to_owned()),
            method: None,
        }),
        headers: Vec::new(),
    }
}

/// Stand-in for a rule the resolver dropped: keeps the indices of the later rules.
fn dropped_http_rule() -> HttpRule<Filter, ResolvedBackend> {
    HttpRule {
        matches: vec![never_http()],
        ..HttpRule::default()
    }
}

/// Stand-in for a rule the resolver dropped: keeps the indices of the later rules.
fn dropped_grpc_rule() -> GrpcRule<Filter, ResolvedBackend> {
    GrpcRule {
        matches: vec![never_grpc()],
        ..GrpcRule::default()
    }
}

fn value(exact: bool, v: &str) -> ValueMatch {
    if exact {
        ValueMatch::Exact(v.to_owned())
    } else {
        ValueMatch::RegularExpression(v.to_owned())
    }
}

fn http_match(m: &HTTPRouteMatch) -> HttpMatch {
    let path = match &m.path {
        None => PathMatch::default(),
        Some(p) => {
            let v = p.value.clone().unwrap_or_else(|| "/".to_owned());
            match p.type_.as_ref().unwrap_or(&PathMatchType::PathPrefix) {
                PathMatchType::Exact => PathMatch::Exact(v),
                PathMatchType::PathPrefix => PathMatch::PathPrefix(v),
                PathMatchType::RegularExpression => PathMatch::RegularExpression(v),
                // The resolver drops rules with unknown types; never match one anyway.
                _ => return never_http(),
            }
        }
    };
    let method = match &m.method {
        None => None,
        Some(method) if method.is_known() => {
            match http::Method::from_bytes(method.as_str().as_bytes()) {
                Ok(method) => Some(method),
                Err(_) => return never_http(),
            }
        }
        Some(_) => return never_http(),
    };
    let mut headers = Vec::new();
    for h in m.headers.iter().flatten() {
        let exact = match h.type_.as_ref().unwrap_or(&HeaderMatchType::Exact) {
            HeaderMatchType::Exact => true,
            HeaderMatchType::RegularExpression => false,
            _ => return never_http(),
        };
        headers.push(HeaderMatch {
            name: h.name.as_str().to_owned(),
            value: value(exact, &h.value),
        });
    }
    let mut query_params = Vec::new();
    for q in m.query_params.iter().flatten() {
        let exact = match q.type_.as_ref().unwrap_or(&QueryParamMatchType::Exact) {
            QueryParamMatchType::Exact => true,
            QueryParamMatchType::RegularExpression => false,
            _ => return never_http(),
        };
        query_params.push(QueryParamMatch {
            name: q.name.as_str().to_owned(),
            value: value(exact, &q.value),
        });
    }
    HttpMatch {
        path,
        method,
        headers,
        query_params,
    }
}

fn grpc_match(m: &GRPCRouteMatch) -> GrpcMatch {
    let method = match &m.method {
        None => None,
        Some(x) => Some(GrpcMethodMatch {
            kind: match x.type_.as_ref().unwrap_or(&GRPCMethodMatchType::Exact) {
                GRPCMethodMatchType::Exact => GrpcMatchType::Exact,
                GRPCMethodMatchType::RegularExpression => GrpcMatchType::RegularExpression,
                _ => return never_grpc(),
            },
            service: x.service.clone(),
            method: x.method.clone(),
        }),
    };
    let mut headers = Vec::new();
    for h in m.headers.iter().flatten() {
        let exact = match h.type_.as_ref().unwrap_or(&GRPCHeaderMatchType::Exact) {
            GRPCHeaderMatchType::Exact => true,
            GRPCHeaderMatchType::RegularExpression => false,
            _ => return never_grpc(),
        };
        headers.push(HeaderMatch {
            name: h.name.as_str().to_owned(),
            value: value(exact, &h.value),
        });
    }
    GrpcMatch { method, headers }
}

#[cfg(test)]
mod tests;
