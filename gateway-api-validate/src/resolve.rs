//! Resolution of a whole configuration: what a Gateway API controller computes from every
//! object at once — GatewayClass ownership, listener conflicts, Route attachment, hostname
//! intersection, ReferenceGrants, backends, rule precedence — and the two things it produces:
//! the **status** of every object it owns and the **data-plane configuration** of every Gateway.
//!
//! [`resolve`] is a pure function of a [`Snapshot`] and a [`Config`]: the same objects, in any
//! order, give the same [`Resolution`] (every collection is ordered by identity, every tie is
//! broken by the total order of [`precedence::MatchSummary`]). An object unrelated to a Route
//! never changes that Route's place in the order.
//!
//! # Modules, one spec concept each
//! * [`snapshot`]: the input objects (Gateway API kinds converted to `v1` with CRD defaults;
//!   Services, EndpointSlices, Namespaces with labels, Secrets, ConfigMaps).
//! * [`gatewayclass`]: which classes the controller owns and accepts.
//! * [`gateway`]: Gateway acceptance, ListenerSet attachment and the merged listener list.
//! * [`listener`]: supported kinds, distinctness and conflicts, `allowedRoutes`, certificates,
//!   client-certificate validation, overlapping TLS.
//! * [`hostname`]: listener/Route hostname intersection.
//! * [`attachment`]: parentRefs to listeners (`sectionName`, `port`, kinds, namespaces,
//!   hostnames) and the Route `Accepted` reasons.
//! * [`reference_grant`]: cross-namespace references.
//! * [`backend`]: backend kinds, Services, ports, `appProtocol`, endpoints.
//! * [`rule`]: rule validity (`UnsupportedValue`, `IncompatibleFilters`, `PartiallyInvalid`).
//! * [`backend_tls_policy`]: BackendTLSPolicy ancestors, conflicts and CA references.
//! * [`precedence`]: the total order of matches.
//! * [`status`]: conditions and merging with what is already written.
//! * [`route`]: one view over the five Route kinds.
//! * `route_table` (feature `match`): the data plane as a `gateway-api-match` route table.
//!
//! * [`incremental`]: [`IncrementalResolver`], which applies one change at a time and
//!   recomputes only what it touches.
//!
//! Everything is computed from the snapshot alone, object by object, so the incremental
//! resolver can recompute only what a change touches and reuse the rest; [`resolve`] stays the
//! reference it is tested against.
//!
//! ```
//! use gateway_api_types::parse_documents;
//! use gateway_api_validate::resolve::{Config, ObjectStatus, Snapshot, resolve};
//! use gateway_api_validate::resolve::snapshot::{ObjectKind, ObjectRef};
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
//!   rules: [{backendRefs: [{name: store, port: 8080}]}]
//! "#;
//! let objects: Vec<_> = parse_documents("x.yaml", yaml)
//!     .into_iter()
//!     .map(|d| d.unwrap().object)
//!     .collect();
//! let snapshot = Snapshot::from_objects(&objects).unwrap();
//! let out = resolve(&snapshot, &Config::new("example.com/gateway"));
//! let route = ObjectRef::new(ObjectKind::HTTPRoute, "default", "store");
//! let Some(ObjectStatus::Route(status)) = out.statuses.get(&route) else { panic!() };
//! let accepted = &status.parents[0].conditions[0];
//! assert_eq!((accepted.type_.as_str(), accepted.status.as_str()), ("Accepted", "True"));
//! // The Service does not exist: ResolvedRefs=False, BackendNotFound.
//! assert_eq!(status.parents[0].conditions[1].reason, "BackendNotFound");
//! assert_eq!(out.data_plane[0].listeners[0].rules.len(), 1);
//! ```

pub mod attachment;
pub mod backend;
pub mod backend_tls_policy;
mod fast_hash;
pub mod gateway;
pub mod gatewayclass;
pub mod hostname;
pub mod incremental;
pub mod listener;
pub mod precedence;
pub mod reference_grant;
pub mod route;
#[cfg(feature = "match")]
pub mod route_table;
pub mod rule;
pub mod snapshot;
pub mod status;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use gateway_api_types::conditions::Time;
use gateway_api_types::features::SupportedFeatureName;
use gateway_api_types::policy::PolicyStatus;
use gateway_api_types::shared::RouteStatus;
use gateway_api_types::v1::gateway::GatewayStatus;
use gateway_api_types::v1::gatewayclass::GatewayClassStatus;
use gateway_api_types::v1::grpcroute::GRPCRouteMatch;
use gateway_api_types::v1::httproute::HTTPRouteMatch;
use gateway_api_types::v1::listenerset::ListenerSetStatus;

pub use backend::ResolvedBackend;
pub use incremental::IncrementalResolver;
pub use listener::Problem;
pub use precedence::MatchSummary;
pub use route::Filters;
#[cfg(feature = "match")]
pub use route_table::{
    Filter, gateway_route_table, served_gateway_listeners, served_listeners, to_route_table,
};
pub use snapshot::{EndpointPort, Key, ObjectKind, ObjectRef, Snapshot, SnapshotError, TargetPort};

/// The Gateway API group.
pub const GROUP: &str = gateway_api_types::document::GROUP;

/// What the controller is and supports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `spec.controllerName` of the GatewayClasses this controller owns.
    pub controller_name: String,
    /// Features the implementation supports (they decide supported route kinds, TLS modes...).
    pub features: BTreeSet<SupportedFeatureName>,
    /// Time written as `lastTransitionTime` of conditions that change.
    pub now: Time,
    /// The static addresses (`spec.addresses[].value`) the infrastructure can assign to a
    /// Gateway; `None` (the default) means every address of a supported type can be used.
    /// spec: a Gateway requesting an address outside this set is `Programmed=False` with
    /// reason `AddressNotUsable` (`GatewayReasonAddressNotUsable`, apis/v1/gateway_types.go).
    pub usable_addresses: Option<BTreeSet<String>>,
}

impl Config {
    /// A controller named `controller_name` supporting the core features (Gateway, HTTPRoute,
    /// ReferenceGrant), with `now` at the Unix epoch.
    pub fn new(controller_name: impl Into<String>) -> Self {
        Self {
            controller_name: controller_name.into(),
            features: [
                SupportedFeatureName::Gateway,
                SupportedFeatureName::HTTPRoute,
                SupportedFeatureName::ReferenceGrant,
            ]
            .into_iter()
            .collect(),
            now: Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH),
            usable_addresses: None,
        }
    }

    /// Restricts the static addresses the infrastructure can assign (see
    /// [`Config::usable_addresses`]).
    pub fn with_usable_addresses(mut self, a: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.usable_addresses = Some(a.into_iter().map(Into::into).collect());
        self
    }

    /// Adds supported features.
    pub fn with_features(mut self, f: impl IntoIterator<Item = SupportedFeatureName>) -> Self {
        self.features.extend(f);
        self
    }
}

/// The status subresource the controller must write on one object.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectStatus {
    /// A GatewayClass's.
    GatewayClass(GatewayClassStatus),
    /// A Gateway's.
    Gateway(GatewayStatus),
    /// A ListenerSet's.
    ListenerSet(ListenerSetStatus),
    /// A Route's (entries of other controllers kept).
    Route(RouteStatus),
    /// A policy's (entries of other controllers kept).
    Policy(PolicyStatus),
}

/// One match of a resolved rule.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleMatch {
    /// An HTTPRoute match.
    Http(HTTPRouteMatch),
    /// A GRPCRoute match.
    Grpc(GRPCRouteMatch),
    /// L4 Routes match everything that reaches the listener.
    L4,
}

/// One (hostname, rule, match) of an attached Route on a listener.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedRule {
    /// The Route (shared by all its entries).
    pub route: Arc<ObjectRef>,
    /// Its precedence (the list is sorted by it; it carries the intersected hostname).
    pub precedence: MatchSummary,
    /// The rule's `name`, if any.
    pub rule_name: Option<Arc<str>>,
    /// The match (shared by the entries of this match on every hostname and listener).
    pub matches: Arc<RuleMatch>,
    /// The rule's filters (shared by every entry of the rule).
    pub filters: Arc<Filters>,
    /// The rule's backends (traffic backends, mirrors, auth), invalid ones marked (shared by
    /// every entry of the rule).
    pub backends: Arc<[ResolvedBackend]>,
}

/// TLS of a listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedTls {
    /// `Terminate` or `Passthrough`.
    pub mode: String,
    /// Certificate Secrets (namespace, name), when terminating.
    pub certificates: Vec<Key>,
}

/// One listener of a Gateway as the data plane must serve it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedListener {
    /// The Gateway or ListenerSet that declares it.
    pub owner: ObjectRef,
    /// Listener name.
    pub name: String,
    /// Port.
    pub port: i32,
    /// Protocol.
    pub protocol: String,
    /// Hostname, lowercased.
    pub hostname: Option<String>,
    /// TLS, for HTTPS/TLS listeners.
    pub tls: Option<ResolvedTls>,
    /// Whether it is programmed (accepted, references resolved). Invalid listeners are listed
    /// so a data plane can tell them apart from absent ones; they carry no rules.
    pub valid: bool,
    /// Attached rules in precedence order. On a TCP or UDP listener only the first rule (the
    /// oldest Route) carries traffic; the others are attached (counted in `attachedRoutes`) but
    /// not served (Gateway API conflict guide: the oldest Route wins).
    pub rules: Vec<ResolvedRule>,
}

/// One Gateway as the data plane must serve it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedGateway {
    /// Namespace/name.
    pub key: Key,
    /// Whether the Gateway is accepted.
    pub accepted: bool,
    /// Listeners: the Gateway's own, then its ListenerSets', in precedence order.
    pub listeners: Vec<ResolvedListener>,
}

/// Everything resolution produces.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    /// The status of every object this controller owns.
    pub statuses: BTreeMap<ObjectRef, ObjectStatus>,
    /// The data-plane configuration of every owned Gateway, by namespace/name.
    pub data_plane: Vec<ResolvedGateway>,
}

/// Resolves a snapshot. Pure: no I/O, no clock (time comes from [`Config::now`]).
///
/// This is the reference: [`IncrementalResolver`] keeps a [`Resolution`] up to date one change
/// at a time and always equals `resolve` of its snapshot.
pub fn resolve(snapshot: &Snapshot, config: &Config) -> Resolution {
    // Collected first and turned into a map at once (sorting a list that is mostly in order
    // and building the tree in bulk costs less than inserting 10,000 statuses one by one).
    let mut statuses: Vec<(ObjectRef, ObjectStatus)> = Vec::new();

    let classes = class_states(snapshot, config);
    statuses.extend(class_statuses(snapshot, config, &classes));
    let mut gateways = gateway::evaluate_all(snapshot, config, &classes);

    // Phase 1: attachment, rule validity and backends, route by route.
    let endpoints = backend::endpoint_index(snapshot);
    let mut caches = PlanCaches::default();
    let mut collect = Collect {
        listeners: BTreeMap::new(),
        services_by_gateway: BTreeMap::new(),
        // Only BackendTLSPolicies need the Services each Gateway sends traffic to.
        want_services: !snapshot.backend_tls_policies.is_empty(),
    };
    statuses.reserve(route::route_count(snapshot));

    // Phase 2: HTTPRoute/GRPCRoute hostname conflicts on one listener (only possible when
    // both kinds are present) need every Route's attachments first. Without both kinds, each
    // Route is viewed, planned and finished at once (its intermediate data freed before the
    // next one, which keeps the allocator's work and the memory touched small).
    if !snapshot.http_routes.is_empty() && !snapshot.grpc_routes.is_empty() {
        let routes = route::routes(snapshot);
        let mut plans: Vec<RoutePlan> = routes
            .iter()
            .map(|r| plan_route(snapshot, config, &gateways, &endpoints, &mut caches, r))
            .collect();
        let views: Vec<&route::RouteView<'_>> = routes.iter().collect();
        let mut outcomes: Vec<Vec<attachment::ParentOutcome>> = plans
            .iter_mut()
            .map(|p| std::mem::take(&mut p.outcomes))
            .collect();
        attachment::http_grpc_conflicts(&views, &mut outcomes);
        for (p, o) in plans.iter_mut().zip(outcomes) {
            p.outcomes = o;
        }
        // Phase 3: statuses, attached routes, data-plane rules.
        for (r, plan) in routes.into_iter().zip(&plans) {
            collect.route(config, r, plan, &mut caches.names, &mut statuses);
        }
    } else {
        route::for_each_route(snapshot, |r| {
            let plan = plan_route(snapshot, config, &gateways, &endpoints, &mut caches, &r);
            collect.route(config, r, &plan, &mut caches.names, &mut statuses);
        });
    }
    let Collect {
        mut listeners,
        services_by_gateway,
        ..
    } = collect;
    for (gw, per) in &listeners {
        if let Some(g) = gateways.get_mut(gw) {
            for (l, (n, _)) in g.listeners.iter_mut().zip(per) {
                l.attached_routes = *n;
            }
        }
    }

    statuses.extend(policy_statuses(snapshot, config, &services_by_gateway));

    let mut data_plane = Vec::new();
    for (key, g) in &gateways {
        if !snapshot.gateways.contains_key(key) {
            continue;
        }
        statuses.extend(gateway_statuses(snapshot, config, key, g));
        let mut per = listeners.remove(key).unwrap_or_default();
        data_plane.push(resolved_gateway(key, g, |i| {
            per.get_mut(i)
                .map(|(_, r)| std::mem::take(r))
                .unwrap_or_default()
        }));
    }

    Resolution {
        statuses: statuses.into_iter().collect(),
        data_plane,
    }
}

/// What [`resolve`] gathers from the finished Routes: per Gateway, per listener index, the
/// number of Routes attached and their rules; the Services each Gateway sends traffic to.
/// (Keeping one list per Route and joining them at the end saves the copies of growing lists
/// but reads every entry again once it has left the cache: measured slower.)
struct Collect {
    listeners: BTreeMap<Key, Vec<(i32, Vec<ResolvedRule>)>>,
    services_by_gateway: BTreeMap<Key, BTreeSet<Key>>,
    want_services: bool,
}

impl Collect {
    /// Finishes one Route from its final plan: its status goes to `statuses`, its rules and
    /// attachment counts to the listeners.
    fn route(
        &mut self,
        config: &Config,
        r: route::RouteView<'_>,
        plan: &RoutePlan,
        names: &mut Names,
        statuses: &mut Vec<(ObjectRef, ObjectStatus)>,
    ) {
        let out = finish_route(config, &r, plan, self.want_services, names);
        if let Some(st) = out.status {
            statuses.push((r.id, st));
        }
        for (gw, svc) in out.services {
            self.services_by_gateway.entry(gw).or_default().insert(svc);
        }
        let mut attachments = out.attachments;
        for n in 0..attachments.len() {
            let (before, rest) = attachments.split_at_mut(n);
            let Some(((gw, i), rules)) = rest.first_mut() else {
                continue;
            };
            // A Route attached to one listener through several parentRefs counts once.
            let first = !before.iter().any(|((g, j), _)| g == gw && j == i);
            let per_gw = match self.listeners.get_mut(&**gw) {
                Some(v) => v,
                None => self.listeners.entry((**gw).clone()).or_default(),
            };
            if per_gw.len() <= *i {
                per_gw.resize_with(*i + 1, Default::default);
            }
            if let Some(slot) = per_gw.get_mut(*i) {
                slot.0 = slot.0.saturating_add(i32::from(first));
                slot.1.append(rules);
            }
        }
    }
}

/// The classes this controller owns (spec: `spec.controllerName` names it), judged.
pub(crate) fn class_states(
    snapshot: &Snapshot,
    config: &Config,
) -> BTreeMap<String, gatewayclass::ClassState> {
    snapshot
        .gateway_classes
        .iter()
        .filter(|(_, c)| c.spec.controller_name.as_str() == config.controller_name)
        .map(|((_, name), c)| (name.clone(), gatewayclass::evaluate(snapshot, c, name)))
        .collect()
}

/// The statuses of the owned classes.
pub(crate) fn class_statuses(
    snapshot: &Snapshot,
    config: &Config,
    classes: &BTreeMap<String, gatewayclass::ClassState>,
) -> Vec<(ObjectRef, ObjectStatus)> {
    let mut out = Vec::new();
    for (name, state) in classes {
        let Some(class) = snapshot.gateway_classes.get(&(String::new(), name.clone())) else {
            continue;
        };
        out.push((
            ObjectRef::new(ObjectKind::GatewayClass, "", name),
            ObjectStatus::GatewayClass(status::class_status(config, class, state)),
        ));
    }
    out
}

/// The statuses of an owned Gateway and of the ListenerSets attaching to it.
pub(crate) fn gateway_statuses(
    snapshot: &Snapshot,
    config: &Config,
    key: &Key,
    g: &gateway::GatewayState,
) -> Vec<(ObjectRef, ObjectStatus)> {
    let mut out = Vec::new();
    let Some(gw) = snapshot.gateways.get(key) else {
        return out;
    };
    out.push((
        ObjectRef::new(ObjectKind::Gateway, &key.0, &key.1),
        ObjectStatus::Gateway(status::gateway_status(config, gw, g)),
    ));
    for ls in &g.listener_sets {
        if let Some(obj) = snapshot.listener_sets.get(&ls.key) {
            out.push((
                ObjectRef::new(ObjectKind::ListenerSet, &ls.key.0, &ls.key.1),
                ObjectStatus::ListenerSet(status::listener_set_status(config, obj, g, ls)),
            ));
        }
    }
    out
}

/// The statuses of BackendTLSPolicies, given the Services each Gateway sends traffic to.
pub(crate) fn policy_statuses(
    snapshot: &Snapshot,
    config: &Config,
    services_by_gateway: &BTreeMap<Key, BTreeSet<Key>>,
) -> Vec<(ObjectRef, ObjectStatus)> {
    let mut out = Vec::new();
    if snapshot.backend_tls_policies.is_empty() {
        return out;
    }
    let policies = backend_tls_policy::evaluate_all(snapshot, services_by_gateway);
    for (key, policy) in &snapshot.backend_tls_policies {
        let id = ObjectRef::new(ObjectKind::BackendTLSPolicy, &key.0, &key.1);
        let Some(state) = policies.get(key) else {
            // No owned ancestor any more: remove the entries we wrote earlier, if any.
            let stale = policy.status.as_ref().is_some_and(|st| {
                st.ancestors
                    .iter()
                    .any(|a| a.controller_name.as_str() == config.controller_name)
            });
            if stale {
                out.push((
                    id,
                    ObjectStatus::Policy(status::merge_policy_status(
                        policy.status.as_ref(),
                        &config.controller_name,
                        Vec::new(),
                    )),
                ));
            }
            continue;
        };
        out.push((
            id,
            ObjectStatus::Policy(status::policy_status(config, policy, state)),
        ));
    }
    out
}

/// The data-plane view of one owned Gateway; `rules(i)` gives the rules attached to listener
/// `i` (asked only for programmed listeners, sorted here).
pub(crate) fn resolved_gateway(
    key: &Key,
    g: &gateway::GatewayState,
    mut rules: impl FnMut(usize) -> Vec<ResolvedRule>,
) -> ResolvedGateway {
    ResolvedGateway {
        key: key.clone(),
        accepted: g.rejected.is_none(),
        listeners: g
            .listeners
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let rules = if l.programmed() {
                    sort_rules(rules(i))
                } else {
                    Vec::new()
                };
                ResolvedListener {
                    owner: l.owner.clone(),
                    name: l.entry.name.to_string(),
                    port: l.entry.port,
                    protocol: l.entry.protocol.to_string(),
                    hostname: l.hostname(),
                    tls: l.tls_mode().map(|m| ResolvedTls {
                        mode: m.as_str().to_string(),
                        certificates: l.certificates.clone(),
                    }),
                    valid: l.programmed(),
                    rules,
                }
            })
            .collect(),
    }
}

/// `rules` in [`rule_order`]. Sorts indices (the entries are large) by a compact key computed
/// once per entry ([`precedence::MatchSummary::sort_key`], hostnames ranked once per distinct
/// name), falling back to the full order only between entries with equal keys. Entries equal
/// in the full order are identical (one Route attached twice to the listener), so the unstable
/// sort gives the same list as a stable one.
pub(crate) fn sort_rules(rules: Vec<ResolvedRule>) -> Vec<ResolvedRule> {
    let mut hosts: fast_hash::FastMap<Option<&str>, u32> = fast_hash::FastMap::default();
    let mut distinct: Vec<&Option<Arc<str>>> = Vec::new();
    for r in &rules {
        hosts
            .entry(r.precedence.hostname.as_deref())
            .or_insert_with(|| {
                distinct.push(&r.precedence.hostname);
                0
            });
    }
    distinct.sort_unstable_by(|a, b| precedence::host_order(a, b));
    for (rank, h) in distinct.iter().enumerate() {
        if let Some(slot) = hosts.get_mut(&h.as_deref()) {
            *slot = u32::try_from(rank).unwrap_or(u32::MAX);
        }
    }
    let mut order: Vec<(precedence::SortKey, usize)> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let host = hosts
                .get(&r.precedence.hostname.as_deref())
                .copied()
                .unwrap_or(u32::MAX);
            (r.precedence.sort_key(host), i)
        })
        .collect();
    order.sort_unstable_by(|(ka, a), (kb, b)| {
        ka.cmp(kb).then_with(|| rule_order(&rules[*a], &rules[*b]))
    });
    let mut rules = rules;
    permute(&mut rules, order.into_iter().map(|(_, i)| i).collect());
    rules
}

/// Reorders `v` in place so that position `k` holds the element that was at `order[k]`
/// (`order` a permutation of the indices; anything else leaves `v` partly reordered but
/// intact). Follows each cycle with swaps, so no second list of large entries is needed.
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    let n = order.len().min(v.len());
    for start in 0..n {
        // Invariant: position `k` holds the element that was at `start`; `order[k] == k`
        // marks a place already final.
        let mut k = start;
        loop {
            let src = order[k];
            order[k] = k;
            if src == start || src == k || src >= n {
                break;
            }
            v.swap(k, src);
            k = src;
        }
    }
}

/// The order of rules on a listener: precedence; the Route kind breaks the (only possible) ties
/// between Routes of different kinds with the same namespace/name. Rules equal in both come from
/// one Route and keep their relative order (stable sorts).
pub(crate) fn rule_order(a: &ResolvedRule, b: &ResolvedRule) -> std::cmp::Ordering {
    a.precedence
        .cmp(&b.precedence)
        .then_with(|| a.route.kind.cmp(&b.route.kind))
}

/// What [`plan_route`] remembers between the Routes of one resolution (one snapshot, one set
/// of evaluated Gateways): parentRef choices and resolved backend lists.
#[derive(Debug, Default)]
pub(crate) struct PlanCaches<'s> {
    attach: attachment::AttachCache<'s>,
    backends: backend::BackendCache<'s>,
    /// Namespaces and hostnames shared by the data-plane rules of every Route.
    pub(crate) names: Names,
}

/// Interned strings of one resolution: the data-plane rules of all Routes of a namespace, or
/// on one hostname, share one allocation.
#[derive(Debug, Default)]
pub(crate) struct Names(fast_hash::FastMap<Arc<str>, ()>);

impl Names {
    /// The shared copy of `s`.
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some((k, ())) = self.0.get_key_value(s) {
            return Arc::clone(k);
        }
        let k: Arc<str> = Arc::from(s);
        self.0.insert(Arc::clone(&k), ());
        k
    }
}

/// Attachment (before HTTPRoute/GRPCRoute conflicts), rule validity and backends of one Route;
/// `caches` shares work between the Routes of one resolution.
pub(crate) fn plan_route<'s>(
    snapshot: &'s Snapshot,
    config: &Config,
    gateways: &BTreeMap<Key, gateway::GatewayState>,
    endpoints: &backend::Endpoints,
    caches: &mut PlanCaches<'s>,
    r: &route::RouteView<'s>,
) -> RoutePlan {
    let mut outcomes = attachment::attach_cached(snapshot, gateways, r, &mut caches.attach);
    if outcomes.is_empty() {
        return RoutePlan::default();
    }
    let rule_problems: Vec<Option<Problem>> = r
        .rules
        .iter()
        .map(|rule| rule::problem(rule, config))
        .collect();
    // spec: a Route whose rules are all invalid is not accepted.
    if let Some(p) = rule_problems.iter().flatten().next()
        && rule_problems.iter().all(Option::is_some)
    {
        for o in &mut outcomes {
            if o.result.is_ok() {
                o.result = Err(p.clone());
            }
        }
    }
    let resolved: Vec<Arc<[ResolvedBackend]>> = r
        .rules
        .iter()
        .map(|rule| {
            caches
                .backends
                .rule_backends(snapshot, config, &r.id, &rule.backends, endpoints)
        })
        .collect();
    RoutePlan {
        outcomes,
        rule_problems,
        resolved,
    }
}

/// A listener of a Gateway: the Gateway (shared) and the listener's index.
pub(crate) type ListenerAt = (Arc<Key>, usize);

/// What one Route contributes once its outcomes are final.
pub(crate) struct RouteOutput {
    /// Its status, `None` when the controller writes none.
    pub status: Option<ObjectStatus>,
    /// Per attached listener (Gateway, listener index): its data-plane rules.
    pub attachments: Vec<(ListenerAt, Vec<ResolvedRule>)>,
    /// (Gateway, Service) for every valid Service backend, per attachment (only when asked).
    pub services: Vec<(Key, Key)>,
}

/// Status, attachments and data-plane rules of one Route from its final plan; `services`:
/// whether to list the (Gateway, Service) pairs of [`RouteOutput::services`]; `names`: shared
/// strings for the rules.
pub(crate) fn finish_route(
    config: &Config,
    r: &route::RouteView<'_>,
    plan: &RoutePlan,
    services: bool,
    names: &mut Names,
) -> RouteOutput {
    let mut out = RouteOutput {
        status: None,
        attachments: Vec::new(),
        services: Vec::new(),
    };
    if plan.outcomes.is_empty() {
        // No owned parent any more: remove the entries we wrote earlier, if any.
        let stale = r.status.is_some_and(|st| {
            st.parents
                .iter()
                .any(|p| p.controller_name.as_str() == config.controller_name)
        });
        if stale {
            out.status = Some(ObjectStatus::Route(status::merge_route_status(
                r.status,
                &config.controller_name,
                Vec::new(),
            )));
        }
        return out;
    }
    let generation = snapshot::generation(r.meta);
    let first_problem = plan
        .resolved
        .iter()
        .flat_map(|b| b.iter())
        .find_map(|b| b.invalid.clone());
    let dropped: Vec<String> = plan
        .rule_problems
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_ref().map(|p| format!("rule {i}: {}", p.message)))
        .collect();
    let valid_backends: Vec<Key> = plan
        .resolved
        .iter()
        .zip(&plan.rule_problems)
        .filter(|(_, p)| services && p.is_none())
        .flat_map(|(b, _)| b.iter())
        .filter(|b| b.invalid.is_none() && b.group.is_empty() && b.kind == "Service")
        .map(|b| (b.namespace.clone(), b.name.clone()))
        .collect();
    let mut parents = Vec::new();
    for o in &plan.outcomes {
        if let Ok(atts) = &o.result {
            for a in atts {
                out.services.extend(
                    valid_backends
                        .iter()
                        .map(|s| ((*a.gateway).clone(), s.clone())),
                );
                out.attachments.push((
                    (Arc::clone(&a.gateway), a.listener),
                    rules_for(r, &plan.resolved, &plan.rule_problems, &a.hostnames, names),
                ));
            }
        }
        parents.push(status::route_parent_status(
            config,
            o,
            first_problem.as_ref(),
            &dropped,
            generation,
        ));
    }
    out.status = Some(ObjectStatus::Route(status::merge_route_status(
        r.status,
        &config.controller_name,
        parents,
    )));
    out
}

/// The data-plane entries of one attached Route on one listener. The match, filter and backend
/// payloads are shared (reference-counted) between the entries of one rule; namespaces and
/// hostnames come from `names`.
fn rules_for(
    r: &route::RouteView<'_>,
    resolved: &[Arc<[ResolvedBackend]>],
    rule_problems: &[Option<Problem>],
    hostnames: &[String],
    names: &mut Names,
) -> Vec<ResolvedRule> {
    // One entry per intersected hostname, or one for any hostname.
    let hosts: &[String] = hostnames;
    let host_count = hosts.len().max(1);
    let host = |names: &mut Names, k: usize| hosts.get(k).map(|h| names.get(h));
    let created = snapshot::created(r.meta);
    let route = Arc::new(r.id.clone());
    let namespace = names.get(&r.id.namespace);
    let name: Arc<str> = Arc::from(r.id.name.as_str());
    let entries: usize = r
        .rules
        .iter()
        .zip(rule_problems)
        .filter(|(_, p)| p.is_none())
        .map(|(rule, _)| match &rule.matches {
            route::Matches::Http(ms) => ms.len(),
            route::Matches::Grpc(ms) => ms.len().max(1),
            route::Matches::L4 => 1,
        })
        .sum();
    let mut out = Vec::with_capacity(host_count * entries);
    // The matches of one rule with their precedence steps, reused from rule to rule.
    let mut matches: Vec<(Arc<RuleMatch>, precedence::PathKey, bool, usize, usize)> = Vec::new();
    for ((rule, backends), problem) in r.rules.iter().zip(resolved).zip(rule_problems) {
        if problem.is_some() {
            continue;
        }
        matches.clear();
        match &rule.matches {
            route::Matches::Http(ms) => matches.extend(ms.iter().map(|m| {
                (
                    Arc::new(RuleMatch::Http(m.clone())),
                    precedence::http_path_key(m),
                    m.method.is_some(),
                    m.headers.as_ref().map_or(0, Vec::len),
                    m.query_params.as_ref().map_or(0, Vec::len),
                )
            })),
            route::Matches::Grpc(ms) if !ms.is_empty() => matches.extend(ms.iter().map(|m| {
                (
                    Arc::new(RuleMatch::Grpc(m.clone())),
                    precedence::grpc_path_key(m),
                    false,
                    m.headers.as_ref().map_or(0, Vec::len),
                    0,
                )
            })),
            route::Matches::Grpc(_) => matches.push((
                Arc::new(RuleMatch::Grpc(GRPCRouteMatch::default())),
                precedence::PathKey::Grpc {
                    service: 0,
                    method: 0,
                },
                false,
                0,
                0,
            )),
            route::Matches::L4 => matches.push((
                Arc::new(RuleMatch::L4),
                precedence::PathKey::Any,
                false,
                0,
                0,
            )),
        }
        let rule_name: Option<Arc<str>> = rule.name.map(Arc::from);
        for k in 0..host_count {
            let hostname = host(names, k);
            for (match_index, (m, path, method, headers, query_params)) in
                matches.iter().enumerate()
            {
                out.push(ResolvedRule {
                    route: Arc::clone(&route),
                    precedence: MatchSummary {
                        hostname: hostname.clone(),
                        path: path.clone(),
                        method: *method,
                        headers: *headers,
                        query_params: *query_params,
                        created: created.cloned(),
                        namespace: Arc::clone(&namespace),
                        name: Arc::clone(&name),
                        rule_index: rule.index,
                        match_index,
                    },
                    rule_name: rule_name.clone(),
                    matches: Arc::clone(m),
                    filters: Arc::clone(&rule.filters),
                    backends: Arc::clone(backends),
                });
            }
        }
    }
    out
}

/// One Route's attachment outcomes, rule verdicts and resolved backends.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RoutePlan {
    pub(crate) outcomes: Vec<attachment::ParentOutcome>,
    pub(crate) rule_problems: Vec<Option<Problem>>,
    pub(crate) resolved: Vec<Arc<[ResolvedBackend]>>,
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permute_puts_each_element_where_the_order_says() {
        let orders: [&[usize]; 5] = [
            &[],
            &[0, 1, 2],
            &[1, 2, 0],
            &[3, 0, 4, 1, 2, 5],
            &[5, 4, 3, 2, 1, 0],
        ];
        for order in orders {
            let v: Vec<char> = "abcdef".chars().take(order.len()).collect();
            let want: Vec<char> = order.iter().map(|&i| v[i]).collect();
            let mut got = v.clone();
            permute(&mut got, order.to_vec());
            assert_eq!(got, want, "{order:?}");
        }
    }

    #[test]
    fn permute_of_a_non_permutation_stops_and_keeps_the_elements() {
        let mut v = vec!['a', 'b', 'c'];
        permute(&mut v, vec![1, 1, 7]);
        v.sort_unstable();
        assert_eq!(v, vec!['a', 'b', 'c']);
    }
}
