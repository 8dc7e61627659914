//! A uniform view of the five Route kinds (HTTP, GRPC, TLS, TCP, UDP): parent references,
//! hostnames, rules, matches, filters and backend references — what attachment, backend
//! resolution and precedence need, without caring which kind a Route is.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use gateway_api_types::shared::{BackendObjectReference, ParentReference, RouteStatus};
use gateway_api_types::v1::grpcroute::{GRPCRouteFilter, GRPCRouteMatch};
use gateway_api_types::v1::httproute::{
    HTTPPathMatch, HTTPRouteFilter, HTTPRouteMatch, PathMatchType,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::fast_hash::{FastHasher, FastMap};
use super::snapshot::{ObjectKind, ObjectRef, Snapshot};

/// What a backend reference is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BackendRole {
    /// Receives the traffic (`rules[].backendRefs`).
    Backend,
    /// Receives a copy (`RequestMirror` filter).
    Mirror,
    /// Authorizes requests (`ExternalAuth` filter).
    ExternalAuth,
}

/// One backend reference of a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct BackendUse<'a> {
    /// The reference.
    pub reference: &'a BackendObjectReference,
    /// Its weight (1 when unset; mirrors and auth backends have 0).
    pub weight: i32,
    /// What it is used for.
    pub role: BackendRole,
}

/// The matches of a rule, borrowed from the Route when it has any.
#[derive(Clone, Debug, PartialEq)]
pub enum Matches<'a> {
    /// HTTPRoute matches (the CRD default `PathPrefix /` when none is given).
    Http(Cow<'a, [HTTPRouteMatch]>),
    /// GRPCRoute matches (empty = match everything).
    Grpc(&'a [GRPCRouteMatch]),
    /// TLS, TCP and UDP Routes match on the listener only.
    L4,
}

/// The filters of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Filters {
    /// HTTPRoute filters.
    Http(Vec<HTTPRouteFilter>),
    /// GRPCRoute filters.
    Grpc(Vec<GRPCRouteFilter>),
    /// No filters (L4 Routes).
    None,
}

/// One rule of a Route.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleView<'a> {
    /// Index in `spec.rules`.
    pub index: usize,
    /// `name`, if any.
    pub name: Option<&'a str>,
    /// Its matches.
    pub matches: Matches<'a>,
    /// Its filters (shared with the data-plane rules built from it).
    pub filters: Arc<Filters>,
    /// Backend references (rule backends first, then filter backends).
    pub backends: Vec<BackendUse<'a>>,
    /// Filters set on the rule's backendRefs (HTTPRoute only).
    pub backend_filters: Vec<&'a HTTPRouteFilter>,
}

/// A Route of any kind.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteView<'a> {
    /// Its identity.
    pub id: ObjectRef,
    /// Its metadata.
    pub meta: &'a ObjectMeta,
    /// `spec.parentRefs`.
    pub parent_refs: &'a [ParentReference],
    /// `spec.hostnames`, lowercased (hostnames compare case-insensitively; borrowed when
    /// already lowercase). Always empty for TCP/UDP Routes.
    pub hostnames: Vec<Cow<'a, str>>,
    /// Its rules.
    pub rules: Vec<RuleView<'a>>,
    /// Its current status, if any.
    pub status: Option<&'a RouteStatus>,
}

fn default_http_match() -> HTTPRouteMatch {
    HTTPRouteMatch {
        path: Some(HTTPPathMatch {
            type_: Some(PathMatchType::PathPrefix),
            value: Some("/".to_string()),
        }),
        ..Default::default()
    }
}

fn http_filter_backends(filters: &[HTTPRouteFilter]) -> impl Iterator<Item = BackendUse<'_>> {
    filters.iter().flat_map(|f| {
        let mirror = f.request_mirror.as_ref().map(|m| BackendUse {
            reference: &m.backend_ref,
            weight: 0,
            role: BackendRole::Mirror,
        });
        #[cfg(feature = "experimental")]
        let auth = f.external_auth.as_ref().map(|a| BackendUse {
            reference: &a.backend_ref,
            weight: 0,
            role: BackendRole::ExternalAuth,
        });
        #[cfg(not(feature = "experimental"))]
        let auth = None;
        mirror.into_iter().chain(auth)
    })
}

fn grpc_filter_backends(filters: &[GRPCRouteFilter]) -> impl Iterator<Item = BackendUse<'_>> {
    filters.iter().filter_map(|f| {
        f.request_mirror.as_ref().map(|m| BackendUse {
            reference: &m.backend_ref,
            weight: 0,
            role: BackendRole::Mirror,
        })
    })
}

/// Filter lists already built while viewing the Routes of one snapshot, by hash: rules with
/// equal filters (the same header modifier on many Routes, say) share one allocation.
#[derive(Debug, Default)]
pub(crate) struct FilterCache(FastMap<u64, Vec<Arc<Filters>>>);

/// The filters of a rule; rules without any share one allocation per kind, rules with equal
/// ones share the list in `cache`. `unwrap` gives back the list of `wrap`'s kind.
fn shared_filters<F: Clone + Hash + Eq>(
    filters: &[F],
    wrap: fn(Vec<F>) -> Filters,
    unwrap: fn(&Filters) -> Option<&[F]>,
    cache: &mut FilterCache,
) -> Arc<Filters> {
    static EMPTY_HTTP: OnceLock<Arc<Filters>> = OnceLock::new();
    static EMPTY_GRPC: OnceLock<Arc<Filters>> = OnceLock::new();
    if !filters.is_empty() {
        let mut h = FastHasher::default();
        filters.hash(&mut h);
        let same = cache.0.entry(h.finish()).or_default();
        if let Some(f) = same.iter().find(|f| unwrap(f) == Some(filters)) {
            return Arc::clone(f);
        }
        let f = Arc::new(wrap(filters.to_vec()));
        same.push(Arc::clone(&f));
        return f;
    }
    let empty = wrap(Vec::new());
    let slot = match empty {
        Filters::Http(_) => &EMPTY_HTTP,
        Filters::Grpc(_) => &EMPTY_GRPC,
        Filters::None => return Arc::new(empty),
    };
    Arc::clone(slot.get_or_init(|| Arc::new(empty)))
}

fn http_filters(f: &Filters) -> Option<&[HTTPRouteFilter]> {
    match f {
        Filters::Http(v) => Some(v),
        _ => None,
    }
}

fn grpc_filters(f: &Filters) -> Option<&[GRPCRouteFilter]> {
    match f {
        Filters::Grpc(v) => Some(v),
        _ => None,
    }
}

fn weight(w: Option<i32>) -> i32 {
    w.unwrap_or(1)
}

fn hostnames(h: Option<&Vec<gateway_api_types::shared::Hostname>>) -> Vec<Cow<'_, str>> {
    h.map(|v| {
        v.iter()
            .map(|h| super::hostname::lower(h.as_str()))
            .collect()
    })
    .unwrap_or_default()
}

/// Every Route of the snapshot, in a stable order (kind, namespace, name).
pub fn routes(snapshot: &Snapshot) -> Vec<RouteView<'_>> {
    let mut out = Vec::with_capacity(route_count(snapshot));
    for_each_route(snapshot, |v| out.push(v));
    out
}

/// The number of Routes of the snapshot.
pub(crate) fn route_count(snapshot: &Snapshot) -> usize {
    snapshot.http_routes.len()
        + snapshot.grpc_routes.len()
        + snapshot.tls_routes.len()
        + snapshot.tcp_routes.len()
        + snapshot.udp_routes.len()
}

/// Calls `f` with the view of every Route of the snapshot, in the order of [`routes`], one at
/// a time (no list of every view is built).
pub(crate) fn for_each_route<'s>(snapshot: &'s Snapshot, mut f: impl FnMut(RouteView<'s>)) {
    let mut filters = FilterCache::default();
    for ((ns, name), r) in &snapshot.http_routes {
        f(http_view(ns, name, r, &mut filters));
    }
    for ((ns, name), r) in &snapshot.grpc_routes {
        f(grpc_view(ns, name, r, &mut filters));
    }
    for ((ns, name), r) in &snapshot.tls_routes {
        f(tls_view(ns, name, r));
    }
    for ((ns, name), r) in &snapshot.tcp_routes {
        f(tcp_view(ns, name, r));
    }
    for ((ns, name), r) in &snapshot.udp_routes {
        f(udp_view(ns, name, r));
    }
}

/// The view of one Route of the snapshot, `None` when it is absent or `id` is not a Route.
pub fn route_view<'s>(snapshot: &'s Snapshot, id: &ObjectRef) -> Option<RouteView<'s>> {
    let key = (id.namespace.clone(), id.name.clone());
    let (ns, name) = (&id.namespace, &id.name);
    Some(match id.kind {
        ObjectKind::HTTPRoute => http_view(
            ns,
            name,
            snapshot.http_routes.get(&key)?,
            &mut FilterCache::default(),
        ),
        ObjectKind::GRPCRoute => grpc_view(
            ns,
            name,
            snapshot.grpc_routes.get(&key)?,
            &mut FilterCache::default(),
        ),
        ObjectKind::TLSRoute => tls_view(ns, name, snapshot.tls_routes.get(&key)?),
        ObjectKind::TCPRoute => tcp_view(ns, name, snapshot.tcp_routes.get(&key)?),
        ObjectKind::UDPRoute => udp_view(ns, name, snapshot.udp_routes.get(&key)?),
        _ => return None,
    })
}

fn http_view<'a>(
    ns: &str,
    name: &str,
    r: &'a gateway_api_types::v1::HTTPRoute,
    cache: &mut FilterCache,
) -> RouteView<'a> {
    let rules = r.spec.rules.as_deref().unwrap_or_default();
    RouteView {
        id: ObjectRef::new(ObjectKind::HTTPRoute, ns, name),
        meta: &r.metadata,
        parent_refs: r
            .spec
            .common_route_spec
            .parent_refs
            .as_deref()
            .unwrap_or_default(),
        hostnames: hostnames(r.spec.hostnames.as_ref()),
        rules: rules
            .iter()
            .enumerate()
            .map(|(index, rule)| {
                let filters = rule.filters.as_deref().unwrap_or_default();
                let brefs = rule.backend_refs.as_deref().unwrap_or_default();
                let mut backends: Vec<BackendUse<'_>> = brefs
                    .iter()
                    .map(|b| BackendUse {
                        reference: &b.backend_ref.backend_ref,
                        weight: weight(b.backend_ref.weight),
                        role: BackendRole::Backend,
                    })
                    .collect();
                backends.extend(http_filter_backends(filters));
                for b in brefs {
                    backends.extend(http_filter_backends(
                        b.filters.as_deref().unwrap_or_default(),
                    ));
                }
                let matches = match rule.matches.as_deref() {
                    Some(m) if !m.is_empty() => Cow::Borrowed(m),
                    _ => Cow::Owned(vec![default_http_match()]),
                };
                RuleView {
                    index,
                    name: rule.name.as_deref(),
                    matches: Matches::Http(matches),
                    filters: shared_filters(filters, Filters::Http, http_filters, cache),
                    backends,
                    backend_filters: brefs
                        .iter()
                        .flat_map(|b| b.filters.iter().flatten())
                        .collect(),
                }
            })
            .collect(),
        status: r.status.as_ref().map(|s| &s.route_status),
    }
}

fn grpc_view<'a>(
    ns: &str,
    name: &str,
    r: &'a gateway_api_types::v1::GRPCRoute,
    cache: &mut FilterCache,
) -> RouteView<'a> {
    let rules = r.spec.rules.as_deref().unwrap_or_default();
    RouteView {
        id: ObjectRef::new(ObjectKind::GRPCRoute, ns, name),
        meta: &r.metadata,
        parent_refs: r
            .spec
            .common_route_spec
            .parent_refs
            .as_deref()
            .unwrap_or_default(),
        hostnames: hostnames(r.spec.hostnames.as_ref()),
        rules: rules
            .iter()
            .enumerate()
            .map(|(index, rule)| {
                let filters = rule.filters.as_deref().unwrap_or_default();
                let brefs = rule.backend_refs.as_deref().unwrap_or_default();
                let mut backends: Vec<BackendUse<'_>> = brefs
                    .iter()
                    .map(|b| BackendUse {
                        reference: &b.backend_ref.backend_ref,
                        weight: weight(b.backend_ref.weight),
                        role: BackendRole::Backend,
                    })
                    .collect();
                backends.extend(grpc_filter_backends(filters));
                for b in brefs {
                    backends.extend(grpc_filter_backends(
                        b.filters.as_deref().unwrap_or_default(),
                    ));
                }
                RuleView {
                    index,
                    name: rule.name.as_deref(),
                    matches: Matches::Grpc(rule.matches.as_deref().unwrap_or_default()),
                    filters: shared_filters(filters, Filters::Grpc, grpc_filters, cache),
                    backends,
                    backend_filters: Vec::new(),
                }
            })
            .collect(),
        status: r.status.as_ref().map(|s| &s.route_status),
    }
}

macro_rules! l4_view {
    ($fn:ident, $ty:ty, $kind:expr, $hosts:expr) => {
        fn $fn<'a>(ns: &str, name: &str, r: &'a $ty) -> RouteView<'a> {
            RouteView {
                id: ObjectRef::new($kind, ns, name),
                meta: &r.metadata,
                parent_refs: r
                    .spec
                    .common_route_spec
                    .parent_refs
                    .as_deref()
                    .unwrap_or_default(),
                hostnames: $hosts(r),
                rules: r
                    .spec
                    .rules
                    .iter()
                    .enumerate()
                    .map(|(index, rule)| RuleView {
                        index,
                        name: rule.name.as_deref(),
                        matches: Matches::L4,
                        filters: Arc::new(Filters::None),
                        backend_filters: Vec::new(),
                        backends: rule
                            .backend_refs
                            .iter()
                            .map(|b| BackendUse {
                                reference: &b.backend_ref,
                                weight: weight(b.weight),
                                role: BackendRole::Backend,
                            })
                            .collect(),
                    })
                    .collect(),
                status: r.status.as_ref().map(|s| &s.route_status),
            }
        }
    };
}

l4_view!(
    tls_view,
    gateway_api_types::v1::TLSRoute,
    ObjectKind::TLSRoute,
    tls_hostnames
);

fn tls_hostnames(r: &gateway_api_types::v1::TLSRoute) -> Vec<Cow<'_, str>> {
    r.spec
        .hostnames
        .iter()
        .map(|h| super::hostname::lower(h.as_str()))
        .collect()
}
l4_view!(
    tcp_view,
    gateway_api_types::v1::TCPRoute,
    ObjectKind::TCPRoute,
    |_: &gateway_api_types::v1::TCPRoute| Vec::new()
);
l4_view!(
    udp_view,
    gateway_api_types::v1::UDPRoute,
    ObjectKind::UDPRoute,
    |_: &gateway_api_types::v1::UDPRoute| Vec::new()
);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::v1::httproute::HTTPRouteFilterType;

    fn filter(t: HTTPRouteFilterType) -> HTTPRouteFilter {
        serde_json::from_value(serde_json::json!({
            "type": t.as_str(),
            "requestHeaderModifier": {"add": [{"name": "x-a", "value": "1"}]},
        }))
        .unwrap()
    }

    #[test]
    fn equal_filter_lists_share_one_allocation_and_unequal_ones_do_not() {
        let mut cache = FilterCache::default();
        let a = vec![filter(HTTPRouteFilterType::RequestHeaderModifier)];
        let b = a.clone();
        let mut c = a.clone();
        c.push(filter(HTTPRouteFilterType::RequestHeaderModifier));
        let fa = shared_filters(&a, Filters::Http, http_filters, &mut cache);
        let fb = shared_filters(&b, Filters::Http, http_filters, &mut cache);
        let fc = shared_filters(&c, Filters::Http, http_filters, &mut cache);
        assert!(Arc::ptr_eq(&fa, &fb));
        assert!(!Arc::ptr_eq(&fa, &fc));
        assert_eq!(*fa, Filters::Http(a));
        assert_eq!(*fc, Filters::Http(c));
        // Empty lists of either kind never look like each other.
        let e_http =
            shared_filters::<HTTPRouteFilter>(&[], Filters::Http, http_filters, &mut cache);
        let e_grpc =
            shared_filters::<GRPCRouteFilter>(&[], Filters::Grpc, grpc_filters, &mut cache);
        assert_eq!(*e_http, Filters::Http(Vec::new()));
        assert_eq!(*e_grpc, Filters::Grpc(Vec::new()));
    }
}
