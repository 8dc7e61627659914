//! Backend references: kind, existence, port, ReferenceGrant and endpoints.
//!
//! spec: `BackendRef` / `BackendObjectReference` (apis/v1/shared_types.go,
//! object_reference_types.go) and the Route `ResolvedRefs` reasons `InvalidKind`,
//! `BackendNotFound`, `RefNotPermitted` (apis/v1/shared_types.go `RouteConditionReason`).
//! An invalid backend keeps its weight: requests that would go to it get HTTP 500, so the
//! share of the valid ones is unchanged.

use super::fast_hash::{FastHasher, FastMap};
use super::listener::Problem;
use super::reference_grant::{RefEnd, permitted};
use super::route::{BackendRole, BackendUse};
use super::{Config, GROUP};
use gateway_api_types::features::SupportedFeatureName as F;
use std::hash::{Hash, Hasher};

use std::collections::BTreeMap;
use std::sync::Arc;

use super::snapshot::{Key, ObjectKind, ObjectRef, Snapshot};

/// A backend after resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedBackend {
    /// API group (`""` for core Services).
    pub group: String,
    /// Kind (`Service` unless another kind was named).
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Port, if given.
    pub port: Option<i32>,
    /// Weight (`0` never receives traffic; mirrors and auth backends have 0).
    pub weight: i32,
    /// What it is used for.
    pub role: BackendRole,
    /// Addresses of ready endpoints (from EndpointSlices; empty when none are known or ready,
    /// which a data plane answers with 503). Shared by every backend of the same Service.
    pub endpoints: Arc<[String]>,
    /// Why it cannot be used (its share answers 500), `None` when valid.
    pub invalid: Option<Problem>,
}

/// Resolves one backend reference of `route`. spec: Route `ResolvedRefs` reasons.
pub fn resolve(
    snapshot: &Snapshot,
    config: &Config,
    route: &ObjectRef,
    b: &BackendUse<'_>,
) -> ResolvedBackend {
    resolve_with(snapshot, config, route, b, None)
}

/// [`resolve`] with the endpoints taken from an [`endpoint_index`] of the same snapshot
/// (instead of scanning the namespace's EndpointSlices).
pub fn resolve_with(
    snapshot: &Snapshot,
    config: &Config,
    route: &ObjectRef,
    b: &BackendUse<'_>,
    endpoints: Option<&Endpoints>,
) -> ResolvedBackend {
    let r = b.reference;
    let group = r.group.as_ref().map_or("", |g| g.as_str()).to_string();
    let kind = r
        .kind
        .as_ref()
        .map_or("Service", |k| k.as_str())
        .to_string();
    let namespace = r
        .namespace
        .as_ref()
        .map_or(route.namespace.as_str(), |n| n.as_str())
        .to_string();
    let name = r.name.to_string();
    let mut out = ResolvedBackend {
        group,
        kind,
        namespace,
        name,
        port: r.port,
        weight: b.weight,
        role: b.role,
        endpoints: Arc::from([]),
        invalid: None,
    };
    out.invalid = check(snapshot, config, route, &mut out, endpoints).err();
    out
}

fn check(
    snapshot: &Snapshot,
    config: &Config,
    route: &ObjectRef,
    b: &mut ResolvedBackend,
    endpoints: Option<&Endpoints>,
) -> Result<(), Problem> {
    // spec: only core Services are supported here; any other kind is InvalidKind.
    if !b.group.is_empty() || b.kind != "Service" {
        return Err(Problem::new(
            "InvalidKind",
            format!("backend kind {}/{} is not supported", b.group, b.kind),
        ));
    }
    let from = RefEnd {
        group: GROUP,
        kind: route.kind.as_str(),
        namespace: &route.namespace,
        name: &route.name,
    };
    let to = RefEnd {
        group: "",
        kind: "Service",
        namespace: &b.namespace,
        name: &b.name,
    };
    if !permitted(snapshot, from, to) {
        return Err(Problem::new(
            "RefNotPermitted",
            format!(
                "backend {}/{} in another namespace is not permitted by any ReferenceGrant",
                b.namespace, b.name
            ),
        ));
    }
    let key = (b.namespace.clone(), b.name.clone());
    let Some(service) = snapshot.services.get(&key) else {
        return Err(Problem::new(
            "BackendNotFound",
            format!("Service {}/{} not found", b.namespace, b.name),
        ));
    };
    if let Some(port) = b.port {
        // ExternalName Services have no ports to check.
        let sp = service.ports.iter().find(|p| p.port == port);
        if service.type_ != "ExternalName" && sp.is_none() {
            return Err(Problem::new(
                "BackendNotFound",
                format!("Service {}/{} has no port {port}", b.namespace, b.name),
            ));
        }
        if let Some(proto) = sp.and_then(|p| p.app_protocol.as_deref())
            && !app_protocol_supported(config, route.kind, proto)
        {
            return Err(Problem::new(
                "UnsupportedProtocol",
                format!(
                    "appProtocol {proto} of Service {}/{} port {port} is not supported",
                    b.namespace, b.name
                ),
            ));
        }
    }
    b.endpoints = match endpoints {
        Some(index) => index.get(&key).cloned().unwrap_or_else(|| Arc::from([])),
        None => service_endpoints(snapshot, &b.namespace, &b.name),
    };
    Ok(())
}

/// One backend reference as written, with its weight and role: everything [`resolve_with`]
/// reads from it (the referring Route's kind and namespace are the other inputs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct UseKey<'s> {
    group: Option<&'s str>,
    kind: Option<&'s str>,
    namespace: Option<&'s str>,
    name: &'s str,
    port: Option<i32>,
    weight: i32,
    role: BackendRole,
}

impl<'s> UseKey<'s> {
    fn of(b: &BackendUse<'s>) -> Self {
        let r = b.reference;
        Self {
            group: r.group.as_ref().map(|g| g.as_str()),
            kind: r.kind.as_ref().map(|k| k.as_str()),
            namespace: r.namespace.as_ref().map(|n| n.as_str()),
            name: r.name.as_str(),
            port: r.port,
            weight: b.weight,
            role: b.role,
        }
    }
}

/// The resolved backend lists of the rules of one Route namespace: by hash of (Route kind,
/// backend uses), the lists with that hash and their inputs.
type RuleLists<'s> = FastMap<u64, Vec<RuleList<'s>>>;

/// One resolved backend list and what it was resolved from.
type RuleList<'s> = (ObjectKind, Vec<UseKey<'s>>, Arc<[ResolvedBackend]>);

/// Resolved backend lists of one resolution, shared between the rules that name the same
/// backends. A backend's resolution depends only on the reference, its weight and role, and
/// the referring Route's kind and namespace (never its name: ReferenceGrants match the `from`
/// side by group, kind and namespace), so rules with equal inputs get one shared list.
///
/// Valid for one snapshot only (it remembers ReferenceGrant, Service and endpoint decisions):
/// build a new one for each resolution.
#[derive(Debug, Default)]
pub(crate) struct BackendCache<'s> {
    /// Route namespace -> lists.
    by_namespace: FastMap<String, RuleLists<'s>>,
}

impl<'s> BackendCache<'s> {
    /// The resolved backends of one rule of `route` (in `uses` order), from the cache when a
    /// rule with the same inputs was resolved before.
    pub(crate) fn rule_backends(
        &mut self,
        snapshot: &Snapshot,
        config: &Config,
        route: &ObjectRef,
        uses: &[BackendUse<'s>],
        endpoints: &Endpoints,
    ) -> Arc<[ResolvedBackend]> {
        if uses.is_empty() {
            return Arc::from([]);
        }
        let mut h = FastHasher::default();
        route.kind.hash(&mut h);
        for u in uses {
            UseKey::of(u).hash(&mut h);
        }
        let per_ns = match self.by_namespace.get_mut(route.namespace.as_str()) {
            Some(m) => m,
            None => self
                .by_namespace
                .entry(route.namespace.clone())
                .or_default(),
        };
        let lists = per_ns.entry(h.finish()).or_default();
        let same = |(kind, keys, _): &&RuleList<'s>| {
            *kind == route.kind
                && keys.len() == uses.len()
                && keys.iter().zip(uses).all(|(k, u)| *k == UseKey::of(u))
        };
        if let Some((_, _, list)) = lists.iter().find(same) {
            return Arc::clone(list);
        }
        let list: Arc<[ResolvedBackend]> = uses
            .iter()
            .map(|b| resolve_with(snapshot, config, route, b, Some(endpoints)))
            .collect();
        lists.push((
            route.kind,
            uses.iter().map(UseKey::of).collect(),
            Arc::clone(&list),
        ));
        list
    }
}

/// Ready endpoint addresses per Service (namespace/name), sorted and deduplicated; Services
/// without any are absent.
pub type Endpoints = BTreeMap<Key, Arc<[String]>>;

/// The ready endpoint addresses of every Service, from all EndpointSlices at once.
pub fn endpoint_index(snapshot: &Snapshot) -> Endpoints {
    let mut all: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for ((ns, _), s) in &snapshot.endpoint_slices {
        if let Some(svc) = &s.service {
            all.entry((ns.clone(), svc.clone()))
                .or_default()
                .extend(s.ready_addresses.iter().cloned());
        }
    }
    all.into_iter()
        .filter_map(|(k, mut v)| {
            v.sort();
            v.dedup();
            (!v.is_empty()).then(|| (k, Arc::from(v)))
        })
        .collect()
}

/// The ready endpoint addresses of one Service (sorted, deduplicated), from the EndpointSlices
/// of its namespace labelled with its name.
pub fn service_endpoints(snapshot: &Snapshot, namespace: &str, name: &str) -> Arc<[String]> {
    let mut v: Vec<String> = snapshot
        .endpoint_slices
        .range((namespace.to_string(), String::new())..)
        .take_while(|((ns, _), _)| ns == namespace)
        .filter(|(_, s)| s.service.as_deref() == Some(name))
        .flat_map(|(_, s)| s.ready_addresses.iter().cloned())
        .collect();
    v.sort();
    v.dedup();
    Arc::from(v)
}

/// Whether a Route of `kind` can talk to a backend port with this `appProtocol`.
/// spec: KEP-3726 application protocols (`kubernetes.io/h2c`, `kubernetes.io/ws`,
/// `kubernetes.io/wss`) and their features; other values are left to the implementation and
/// accepted.
fn app_protocol_supported(config: &Config, kind: ObjectKind, proto: &str) -> bool {
    let has = |f: F| config.features.contains(&f);
    match (kind, proto) {
        (ObjectKind::HTTPRoute, "kubernetes.io/h2c") => has(F::HTTPRouteBackendProtocolH2C),
        (ObjectKind::HTTPRoute, "kubernetes.io/ws" | "kubernetes.io/wss") => {
            has(F::HTTPRouteBackendProtocolWebSocket)
        }
        (ObjectKind::GRPCRoute, "kubernetes.io/ws" | "kubernetes.io/wss") => false,
        _ => true,
    }
}
