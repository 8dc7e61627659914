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
//!
//! Everything is computed from the snapshot alone, object by object, so an incremental
//! resolver can later recompute only what a change touches and reuse the rest.
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
pub mod gateway;
pub mod gatewayclass;
pub mod hostname;
pub mod listener;
pub mod precedence;
pub mod reference_grant;
pub mod route;
pub mod rule;
pub mod snapshot;
pub mod status;

use std::collections::{BTreeMap, BTreeSet};

use gateway_api_types::conditions::{Condition, Time};
use gateway_api_types::features::SupportedFeatureName;
use gateway_api_types::policy::PolicyStatus;
use gateway_api_types::shared::{GatewayController, RouteParentStatus, RouteStatus};
use gateway_api_types::v1::gateway::{GatewayStatus, GatewayStatusAddress, ListenerStatus};
use gateway_api_types::v1::gatewayclass::{GatewayClassStatus, SupportedFeature};
use gateway_api_types::v1::grpcroute::GRPCRouteMatch;
use gateway_api_types::v1::httproute::HTTPRouteMatch;
use gateway_api_types::v1::listenerset::{ListenerEntryStatus, ListenerSetStatus};

pub use backend::ResolvedBackend;
pub use listener::Problem;
pub use precedence::MatchSummary;
pub use route::Filters;
pub use snapshot::{Key, ObjectKind, ObjectRef, Snapshot, SnapshotError};

use gateway::GatewayState;
use listener::ListenerState;
use status::{condition, merge_conditions};

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
        }
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
    /// The Route.
    pub route: ObjectRef,
    /// Its precedence (the list is sorted by it; it carries the intersected hostname).
    pub precedence: MatchSummary,
    /// The rule's `name`, if any.
    pub rule_name: Option<String>,
    /// The match.
    pub matches: RuleMatch,
    /// The rule's filters.
    pub filters: Filters,
    /// The rule's backends (traffic backends, mirrors, auth), invalid ones marked.
    pub backends: Vec<ResolvedBackend>,
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
    /// Attached rules in precedence order.
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
pub fn resolve(snapshot: &Snapshot, config: &Config) -> Resolution {
    let mut statuses = BTreeMap::new();

    // spec: a controller owns the classes naming it in spec.controllerName.
    let classes: BTreeMap<String, gatewayclass::ClassState> = snapshot
        .gateway_classes
        .iter()
        .filter(|(_, c)| c.spec.controller_name.as_str() == config.controller_name)
        .map(|((_, name), c)| (name.clone(), gatewayclass::evaluate(snapshot, c, name)))
        .collect();
    for (name, state) in &classes {
        let Some(class) = snapshot.gateway_classes.get(&(String::new(), name.clone())) else {
            continue;
        };
        statuses.insert(
            ObjectRef::new(ObjectKind::GatewayClass, "", name),
            ObjectStatus::GatewayClass(class_status(config, class, state)),
        );
    }

    let mut gateways = gateway::evaluate_all(snapshot, config, &classes);

    // Phase 1: attachment, rule validity and backends, route by route.
    let routes = route::routes(snapshot);
    let mut plans: Vec<RoutePlan<'_, '_>> = Vec::new();
    for r in &routes {
        let mut outcomes = attachment::attach(snapshot, &gateways, r);
        if outcomes.is_empty() {
            // No owned parent any more: remove the entries we wrote earlier, if any.
            let stale = r.status.is_some_and(|st| {
                st.parents
                    .iter()
                    .any(|p| p.controller_name.as_str() == config.controller_name)
            });
            if stale {
                statuses.insert(
                    r.id.clone(),
                    ObjectStatus::Route(status::merge_route_status(
                        r.status,
                        &config.controller_name,
                        Vec::new(),
                    )),
                );
            }
            continue;
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
        let resolved: Vec<Vec<ResolvedBackend>> = r
            .rules
            .iter()
            .map(|rule| {
                rule.backends
                    .iter()
                    .map(|b| backend::resolve(snapshot, config, &r.id, b))
                    .collect()
            })
            .collect();
        plans.push(RoutePlan {
            route: r,
            outcomes,
            rule_problems,
            resolved,
        });
    }

    // Phase 2: HTTPRoute/GRPCRoute hostname conflicts on one listener.
    http_grpc_conflicts(&mut plans);

    // Phase 3: statuses, attached routes, data-plane rules.
    let mut attached: BTreeMap<(Key, usize), BTreeSet<ObjectRef>> = BTreeMap::new();
    let mut rules_by_listener: BTreeMap<(Key, usize), Vec<ResolvedRule>> = BTreeMap::new();
    let mut services_by_gateway: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
    for plan in &plans {
        let r = plan.route;
        let generation = snapshot::generation(r.meta);
        let now = &config.now;
        let first_problem = plan
            .resolved
            .iter()
            .flatten()
            .find_map(|b| b.invalid.clone());
        let dropped: Vec<String> = plan
            .rule_problems
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| format!("rule {i}: {}", p.message)))
            .collect();
        let mut parents = Vec::new();
        for o in &plan.outcomes {
            let mut conditions = Vec::new();
            match &o.result {
                Ok(atts) => {
                    for a in atts {
                        let valid_backends = plan
                            .resolved
                            .iter()
                            .zip(&plan.rule_problems)
                            .filter(|(_, p)| p.is_none())
                            .flat_map(|(b, _)| b)
                            .filter(|b| {
                                b.invalid.is_none() && b.group.is_empty() && b.kind == "Service"
                            })
                            .map(|b| (b.namespace.clone(), b.name.clone()));
                        services_by_gateway
                            .entry(a.gateway.clone())
                            .or_default()
                            .extend(valid_backends);
                        attached
                            .entry((a.gateway.clone(), a.listener))
                            .or_default()
                            .insert(r.id.clone());
                        rules_by_listener
                            .entry((a.gateway.clone(), a.listener))
                            .or_default()
                            .extend(rules_for(
                                r,
                                &plan.resolved,
                                &plan.rule_problems,
                                &a.hostnames,
                            ));
                    }
                    conditions.push(condition(
                        "Accepted",
                        true,
                        "Accepted",
                        "Route accepted",
                        generation,
                        now,
                    ));
                }
                Err(p) => conditions.push(condition(
                    "Accepted", false, p.reason, &p.message, generation, now,
                )),
            }
            conditions.push(match &first_problem {
                None => condition(
                    "ResolvedRefs",
                    true,
                    "ResolvedRefs",
                    "all references resolved",
                    generation,
                    now,
                ),
                Some(p) => condition("ResolvedRefs", false, p.reason, &p.message, generation, now),
            });
            // spec: PartiallyInvalid only when accepted with some rules dropped.
            if o.result.is_ok() && !dropped.is_empty() {
                conditions.push(condition(
                    "PartiallyInvalid",
                    true,
                    "UnsupportedValue",
                    format!("Dropped Rule(s): {}", dropped.join("; ")),
                    generation,
                    now,
                ));
            }
            parents.push(RouteParentStatus {
                parent_ref: o.parent_ref.clone(),
                controller_name: GatewayController::new(config.controller_name.clone()),
                conditions,
            });
        }
        statuses.insert(
            r.id.clone(),
            ObjectStatus::Route(status::merge_route_status(
                r.status,
                &config.controller_name,
                parents,
            )),
        );
    }
    for ((gw, i), routes) in &attached {
        if let Some(l) = gateways.get_mut(gw).and_then(|g| g.listeners.get_mut(*i)) {
            l.attached_routes = i32::try_from(routes.len()).unwrap_or(i32::MAX);
        }
    }

    let policies = backend_tls_policy::evaluate_all(snapshot, &services_by_gateway);
    for (key, policy) in &snapshot.backend_tls_policies {
        let Some(state) = policies.get(key) else {
            // No owned ancestor any more: remove the entries we wrote earlier, if any.
            let stale = policy.status.as_ref().is_some_and(|st| {
                st.ancestors
                    .iter()
                    .any(|a| a.controller_name.as_str() == config.controller_name)
            });
            if stale {
                statuses.insert(
                    ObjectRef::new(ObjectKind::BackendTLSPolicy, &key.0, &key.1),
                    ObjectStatus::Policy(status::merge_policy_status(
                        policy.status.as_ref(),
                        &config.controller_name,
                        Vec::new(),
                    )),
                );
            }
            continue;
        };
        statuses.insert(
            ObjectRef::new(ObjectKind::BackendTLSPolicy, &key.0, &key.1),
            ObjectStatus::Policy(policy_status(config, policy, state)),
        );
    }

    let mut data_plane = Vec::new();
    for (key, g) in &gateways {
        let Some(gw) = snapshot.gateways.get(key) else {
            continue;
        };
        statuses.insert(
            ObjectRef::new(ObjectKind::Gateway, &key.0, &key.1),
            ObjectStatus::Gateway(gateway_status(config, gw, g)),
        );
        for ls in &g.listener_sets {
            if let Some(obj) = snapshot.listener_sets.get(&ls.key) {
                statuses.insert(
                    ObjectRef::new(ObjectKind::ListenerSet, &ls.key.0, &ls.key.1),
                    ObjectStatus::ListenerSet(listener_set_status(config, obj, g, ls)),
                );
            }
        }
        data_plane.push(ResolvedGateway {
            key: key.clone(),
            accepted: g.rejected.is_none(),
            listeners: g
                .listeners
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut rules = if l.programmed() {
                        rules_by_listener
                            .remove(&(key.clone(), i))
                            .unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    rules.sort_by(|a, b| a.precedence.cmp(&b.precedence));
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
        });
    }

    Resolution {
        statuses,
        data_plane,
    }
}

/// The data-plane entries of one attached Route on one listener.
fn rules_for(
    r: &route::RouteView<'_>,
    resolved: &[Vec<ResolvedBackend>],
    rule_problems: &[Option<Problem>],
    hostnames: &[String],
) -> Vec<ResolvedRule> {
    let hosts: Vec<Option<String>> = if hostnames.is_empty() {
        vec![None]
    } else {
        hostnames.iter().cloned().map(Some).collect()
    };
    let mut out = Vec::new();
    for ((rule, backends), problem) in r.rules.iter().zip(resolved).zip(rule_problems) {
        if problem.is_some() {
            continue;
        }
        let matches: Vec<(RuleMatch, precedence::PathKey, bool, usize, usize)> = match &rule.matches
        {
            route::Matches::Http(ms) => ms
                .iter()
                .map(|m| {
                    (
                        RuleMatch::Http(m.clone()),
                        precedence::http_path_key(m),
                        m.method.is_some(),
                        m.headers.as_ref().map_or(0, Vec::len),
                        m.query_params.as_ref().map_or(0, Vec::len),
                    )
                })
                .collect(),
            route::Matches::Grpc(ms) if !ms.is_empty() => ms
                .iter()
                .map(|m| {
                    (
                        RuleMatch::Grpc(m.clone()),
                        precedence::grpc_path_key(m),
                        false,
                        m.headers.as_ref().map_or(0, Vec::len),
                        0,
                    )
                })
                .collect(),
            route::Matches::Grpc(_) => vec![(
                RuleMatch::Grpc(GRPCRouteMatch::default()),
                precedence::PathKey::Grpc {
                    service: 0,
                    method: 0,
                },
                false,
                0,
                0,
            )],
            route::Matches::L4 => vec![(RuleMatch::L4, precedence::PathKey::Any, false, 0, 0)],
        };
        for host in &hosts {
            for (match_index, (m, path, method, headers, query_params)) in
                matches.iter().enumerate()
            {
                out.push(ResolvedRule {
                    route: r.id.clone(),
                    precedence: MatchSummary {
                        hostname: host.clone(),
                        path: path.clone(),
                        method: *method,
                        headers: *headers,
                        query_params: *query_params,
                        created: snapshot::created(r.meta).cloned(),
                        namespace: r.id.namespace.clone(),
                        name: r.id.name.clone(),
                        rule_index: rule.index,
                        match_index,
                    },
                    rule_name: rule.name.map(String::from),
                    matches: m.clone(),
                    filters: rule.filters.clone(),
                    backends: backends.clone(),
                });
            }
        }
    }
    out
}

fn class_status(
    config: &Config,
    class: &gateway_api_types::v1::GatewayClass,
    state: &gatewayclass::ClassState,
) -> GatewayClassStatus {
    let generation = snapshot::generation(&class.metadata);
    let accepted = match &state.rejected {
        None => condition(
            "Accepted",
            true,
            "Accepted",
            "GatewayClass accepted",
            generation,
            &config.now,
        ),
        Some(p) => condition(
            "Accepted",
            false,
            p.reason,
            &p.message,
            generation,
            &config.now,
        ),
    };
    let version = condition(
        "SupportedVersion",
        true,
        "SupportedVersion",
        "Gateway API v1.6.1",
        generation,
        &config.now,
    );
    let old = class
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    GatewayClassStatus {
        conditions: Some(merge_conditions(old, vec![accepted, version])),
        supported_features: Some(
            config
                .features
                .iter()
                .map(|f| SupportedFeature {
                    name: f.as_str().to_string(),
                })
                .collect(),
        ),
    }
}

/// Listener conditions in the order Accepted, Conflicted, ResolvedRefs, Programmed.
fn listener_conditions(l: &ListenerState, generation: i64, now: &Time) -> Vec<Condition> {
    let accepted = match (&l.unsupported, l.conflict) {
        (Some(p), None) => condition("Accepted", false, p.reason, &p.message, generation, now),
        (_, Some(c)) => condition(
            "Accepted",
            false,
            c.reason(),
            "listener conflicts",
            generation,
            now,
        ),
        (None, None) => condition(
            "Accepted",
            true,
            "Accepted",
            "listener accepted",
            generation,
            now,
        ),
    };
    let conflicted = match l.conflict {
        Some(c) => condition(
            "Conflicted",
            true,
            c.reason(),
            "listener conflicts",
            generation,
            now,
        ),
        None => condition(
            "Conflicted",
            false,
            "NoConflicts",
            "no conflicts",
            generation,
            now,
        ),
    };
    let refs = match &l.unresolved {
        Some(p) => condition("ResolvedRefs", false, p.reason, &p.message, generation, now),
        None => condition(
            "ResolvedRefs",
            true,
            "ResolvedRefs",
            "references resolved",
            generation,
            now,
        ),
    };
    let programmed = if l.programmed() {
        condition(
            "Programmed",
            true,
            "Programmed",
            "listener programmed",
            generation,
            now,
        )
    } else {
        let reason = l.conflict.map_or("Invalid", |c| c.reason());
        condition(
            "Programmed",
            false,
            reason,
            "listener not programmed",
            generation,
            now,
        )
    };
    let mut out = vec![accepted, conflicted, refs, programmed];
    if l.overlapping_tls {
        out.push(condition(
            "OverlappingTLSConfig",
            true,
            "OverlappingHostnames",
            "TLS hostnames overlap another listener on the same port",
            generation,
            now,
        ));
    }
    out
}

fn gateway_status(
    config: &Config,
    gw: &gateway_api_types::v1::Gateway,
    g: &GatewayState,
) -> GatewayStatus {
    let generation = snapshot::generation(&gw.metadata);
    let now = &config.now;
    let old = gw.status.as_ref();
    let accepted = match (&g.rejected, &g.listeners_not_valid) {
        (Some(p), _) => condition("Accepted", false, p.reason, &p.message, generation, now),
        (None, Some(m)) => condition("Accepted", true, "ListenersNotValid", m, generation, now),
        (None, None) => condition(
            "Accepted",
            true,
            "Accepted",
            "Gateway accepted",
            generation,
            now,
        ),
    };
    let programmed = match &g.rejected {
        None => condition(
            "Programmed",
            true,
            "Programmed",
            "Gateway programmed",
            generation,
            now,
        ),
        Some(p) => condition("Programmed", false, "Invalid", &p.message, generation, now),
    };
    let refs = match &g.unresolved {
        None => condition(
            "ResolvedRefs",
            true,
            "ResolvedRefs",
            "references resolved",
            generation,
            now,
        ),
        Some(p) => condition("ResolvedRefs", false, p.reason, &p.message, generation, now),
    };
    let mut conditions = vec![accepted, programmed, refs];
    // spec: GatewayConditionInsecureFrontendValidationMode.
    if g.insecure_frontend {
        conditions.push(condition(
            "InsecureFrontendValidationMode",
            true,
            "ConfigurationChanged",
            "a frontend TLS validation allows insecure fallback",
            generation,
            now,
        ));
    }
    let old_conditions = old
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let old_listeners = old.and_then(|s| s.listeners.as_deref()).unwrap_or_default();
    let gw_ref = ObjectRef::new(ObjectKind::Gateway, &g.key.0, &g.key.1);
    let listeners = g
        .listeners
        .iter()
        .filter(|l| l.owner == gw_ref)
        .map(|l| {
            let prev = old_listeners
                .iter()
                .find(|o| o.name == l.entry.name)
                .map(|o| o.conditions.as_slice())
                .unwrap_or_default();
            ListenerStatus {
                name: l.entry.name.clone(),
                supported_kinds: Some(l.supported_kinds.clone()),
                attached_routes: l.attached_routes,
                conditions: merge_conditions(prev, listener_conditions(l, generation, now)),
            }
        })
        .collect();
    let addresses: Vec<GatewayStatusAddress> = gw
        .spec
        .addresses
        .iter()
        .flatten()
        .filter_map(|a| {
            Some(GatewayStatusAddress {
                type_: a.type_.clone(),
                value: a.value.clone()?,
            })
        })
        .collect();
    // Requested addresses are reported as given; without any, the addresses already written
    // (assigned by the infrastructure) are kept.
    let addresses = if addresses.is_empty() {
        old.and_then(|s| s.addresses.clone())
    } else {
        Some(addresses)
    };
    GatewayStatus {
        addresses,
        conditions: Some(merge_conditions(old_conditions, conditions)),
        listeners: Some(listeners),
        attached_listener_sets: (!g.listener_sets.is_empty()
            || config.features.contains(&SupportedFeatureName::ListenerSet))
        .then(|| g.attached_listener_sets()),
    }
}

fn listener_set_status(
    config: &Config,
    ls: &gateway_api_types::v1::ListenerSet,
    g: &GatewayState,
    state: &gateway::ListenerSetState,
) -> ListenerSetStatus {
    let generation = snapshot::generation(&ls.metadata);
    let now = &config.now;
    let owner = ObjectRef::new(ObjectKind::ListenerSet, &state.key.0, &state.key.1);
    let (accepted, programmed) = match &state.rejected {
        None => (
            condition(
                "Accepted",
                true,
                "Accepted",
                "ListenerSet accepted",
                generation,
                now,
            ),
            condition(
                "Programmed",
                true,
                "Programmed",
                "ListenerSet programmed",
                generation,
                now,
            ),
        ),
        Some(p) => (
            condition("Accepted", false, p.reason, &p.message, generation, now),
            condition("Programmed", false, p.reason, &p.message, generation, now),
        ),
    };
    let old = ls.status.as_ref();
    let old_conditions = old
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let old_listeners = old.and_then(|s| s.listeners.as_deref()).unwrap_or_default();
    let listeners: Vec<ListenerEntryStatus> = g
        .listeners
        .iter()
        .filter(|l| l.owner == owner)
        .map(|l| {
            let prev = old_listeners
                .iter()
                .find(|o| o.name == l.entry.name)
                .map(|o| o.conditions.as_slice())
                .unwrap_or_default();
            ListenerEntryStatus {
                name: l.entry.name.clone(),
                supported_kinds: Some(l.supported_kinds.clone()),
                attached_routes: l.attached_routes,
                conditions: merge_conditions(prev, listener_conditions(l, generation, now)),
            }
        })
        .collect();
    ListenerSetStatus {
        conditions: Some(merge_conditions(old_conditions, vec![accepted, programmed])),
        listeners: (!listeners.is_empty()).then_some(listeners),
    }
}

fn policy_status(
    config: &Config,
    policy: &gateway_api_types::v1::BackendTLSPolicy,
    state: &backend_tls_policy::PolicyState,
) -> PolicyStatus {
    let generation = snapshot::generation(&policy.metadata);
    let now = &config.now;
    let ours = state
        .ancestors
        .iter()
        .map(|(ns, name)| {
            let accepted = match &state.rejected {
                None => condition(
                    "Accepted",
                    true,
                    "Accepted",
                    "policy accepted",
                    generation,
                    now,
                ),
                Some(p) => condition("Accepted", false, p.reason, &p.message, generation, now),
            };
            let refs = match &state.unresolved {
                None => condition(
                    "ResolvedRefs",
                    true,
                    "ResolvedRefs",
                    "references resolved",
                    generation,
                    now,
                ),
                Some(p) => condition("ResolvedRefs", false, p.reason, &p.message, generation, now),
            };
            gateway_api_types::policy::PolicyAncestorStatus {
                ancestor_ref: gateway_api_types::shared::ParentReference {
                    group: Some(gateway_api_types::shared::Group::new(GROUP)),
                    kind: Some(gateway_api_types::shared::Kind::new("Gateway")),
                    namespace: Some(gateway_api_types::shared::Namespace::new(ns.clone())),
                    name: gateway_api_types::shared::ObjectName::new(name.clone()),
                    section_name: None,
                    port: None,
                },
                controller_name: GatewayController::new(config.controller_name.clone()),
                conditions: vec![accepted, refs],
            }
        })
        .collect();
    status::merge_policy_status(policy.status.as_ref(), &config.controller_name, ours)
}

/// One Route's attachment outcomes, rule verdicts and resolved backends.
struct RoutePlan<'s, 'r> {
    route: &'r route::RouteView<'s>,
    outcomes: Vec<attachment::ParentOutcome>,
    rule_problems: Vec<Option<Problem>>,
    resolved: Vec<Vec<ResolvedBackend>>,
}

/// spec: GRPCRoute hostnames — when an HTTPRoute and a GRPCRoute attached to one listener share
/// a hostname, exactly one is accepted: the oldest, then the first by namespace/name. The other
/// loses that listener; a parentRef left without listeners is not accepted.
fn http_grpc_conflicts(plans: &mut [RoutePlan<'_, '_>]) {
    // Per listener: (precedence key, plan index, outcome index, attachment index).
    type Entry = ((u8, Option<Time>, String, String), usize, usize, usize);
    let mut by_listener: BTreeMap<(Key, usize), Vec<Entry>> = BTreeMap::new();
    for (pi, plan) in plans.iter().enumerate() {
        let kind = plan.route.id.kind;
        if !matches!(kind, ObjectKind::HTTPRoute | ObjectKind::GRPCRoute) {
            continue;
        }
        for (oi, o) in plan.outcomes.iter().enumerate() {
            for (ai, a) in o.result.iter().flatten().enumerate() {
                let created = snapshot::created(plan.route.meta).cloned();
                let key = (
                    u8::from(created.is_none()),
                    created,
                    plan.route.id.namespace.clone(),
                    plan.route.id.name.clone(),
                );
                by_listener
                    .entry((a.gateway.clone(), a.listener))
                    .or_default()
                    .push((key, pi, oi, ai));
            }
        }
    }
    let mut losers: BTreeSet<(usize, usize, usize)> = BTreeSet::new();
    for entries in by_listener.values_mut() {
        // Only a listener carrying both kinds can have such a conflict.
        let kinds: BTreeSet<ObjectKind> =
            entries.iter().map(|e| plans[e.1].route.id.kind).collect();
        if kinds.len() < 2 {
            continue;
        }
        entries.sort();
        let mut winners: Vec<(ObjectKind, Vec<String>)> = Vec::new();
        for (_, pi, oi, ai) in entries.iter() {
            let plan = &plans[*pi];
            let Some(Ok(atts)) = plan.outcomes.get(*oi).map(|o| &o.result) else {
                continue;
            };
            let Some(a) = atts.get(*ai) else { continue };
            let kind = plan.route.id.kind;
            let clash = winners
                .iter()
                .any(|(k, h)| *k != kind && hostnames_overlap(h, &a.hostnames));
            if clash {
                losers.insert((*pi, *oi, *ai));
            } else {
                winners.push((kind, a.hostnames.clone()));
            }
        }
    }
    for (pi, oi, ai) in losers.into_iter().rev() {
        let Some(o) = plans.get_mut(pi).and_then(|p| p.outcomes.get_mut(oi)) else {
            continue;
        };
        if let Ok(atts) = &mut o.result {
            if ai < atts.len() {
                atts.remove(ai);
            }
            if atts.is_empty() {
                o.result = Err(Problem::new(
                    "NotAllowedByListeners",
                    "an older Route of the other kind (HTTPRoute/GRPCRoute) serves the same hostname",
                ));
            }
        }
    }
}

/// Whether two intersected hostname lists (empty = any hostname) share a hostname.
fn hostnames_overlap(a: &[String], b: &[String]) -> bool {
    a.is_empty()
        || b.is_empty()
        || a.iter()
            .any(|x| b.iter().any(|y| hostname::intersect(x, y).is_some()))
}
