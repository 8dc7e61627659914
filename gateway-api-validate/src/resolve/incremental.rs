//! Incremental resolution: apply one change (upsert or delete of any object) and update the
//! [`Resolution`] by recomputing only what the change can affect.
//!
//! [`IncrementalResolver`] keeps the snapshot, the last [`Resolution`] and what resolution
//! learned on the way, with dependency indexes:
//!
//! * **Gateways** (and GatewayClasses) depend on classes, Gateways, ListenerSets, Namespaces
//!   (selectors), Secrets, ConfigMaps, ReferenceGrants and parameter objects. A change of one of
//!   those kinds re-evaluates the (few) classes and Gateways and *diffs* the result: only
//!   Gateways whose evaluation changed (or whose object or ListenerSets changed) are rebuilt.
//! * **Routes** depend on their own object, on the Gateways/ListenerSets their `parentRefs`
//!   name (index: parent -> Routes), on the labels of their namespace, on the Services and
//!   EndpointSlices of their backends (index: Service -> Routes) and on the ReferenceGrants of
//!   their backends' namespaces (index: namespace -> Routes). Only those Routes are re-planned.
//! * **HTTPRoute/GRPCRoute conflicts** are judged per listener; only listeners a re-planned
//!   Route was or is attached to are re-judged, and Routes whose lost attachments changed are
//!   finished again.
//! * **Data plane**: a rebuilt Gateway's listeners are refilled; otherwise a finished Route's
//!   rules are taken out of and merged into the (sorted) rule lists of its listeners. The order
//!   is the total order of [`super::MatchSummary`], so rules of Routes that did not change keep
//!   their relative order: an unrelated update never reorders routes.
//! * **Policies** are re-judged when a BackendTLSPolicy, Secret or ConfigMap changes, or when
//!   the set of Services a Gateway sends traffic to changes.
//!
//! [`super::resolve`] stays the reference: after every change, [`IncrementalResolver::resolution`]
//! equals `resolve(snapshot, config)` (tested by a proptest over random change sequences).
//!
//! ```
//! use gateway_api_types::parse_documents;
//! use gateway_api_validate::resolve::{Config, IncrementalResolver, Snapshot, resolve};
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
//! "#;
//! let route = r#"
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
//! let mut inc = IncrementalResolver::new(snapshot, Config::new("example.com/gateway"));
//! let route = parse_documents("r.yaml", route).remove(0).unwrap().object;
//! inc.upsert(&route).unwrap();
//! assert_eq!(inc.resolution().data_plane[0].listeners[0].rules.len(), 1);
//! assert_eq!(inc.resolution(), &resolve(inc.snapshot(), inc.config()));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use gateway_api_types::GatewayObject;

use super::attachment::{self, ListenerEntry};
use super::backend::{Endpoints, endpoint_index, service_endpoints};
use super::gateway::{self, GatewayState};
use super::route::{self, RouteView};
use super::snapshot::{self, Key, ObjectKind, ObjectRef, Snapshot, SnapshotError};
use super::{
    Config, GROUP, Resolution, RoutePlan, class_states, class_statuses, finish_route,
    gateway_statuses, plan_route, policy_statuses, resolved_gateway, rule_order,
};

/// A listener: (Gateway, index in its merged listener list).
type ListenerId = (Key, usize);

/// What is remembered of one Route.
#[derive(Clone, Debug)]
struct RouteEntry {
    /// The plan before HTTPRoute/GRPCRoute conflicts.
    plan: RoutePlan,
    /// Its conflict rank.
    conflict_key: attachment::ConflictKey,
    /// Parents named by its `parentRefs` (Gateways and ListenerSets), for the index.
    parents: BTreeSet<ObjectRef>,
    /// Services named by its backends (namespace/name), for the index.
    backends: BTreeSet<Key>,
    /// Listeners it is finally attached to (after conflicts), with repetitions.
    attached: Vec<ListenerId>,
    /// (Gateway, Service) contributions to policy ancestors.
    services: Vec<(Key, Key)>,
}

/// A [`Resolution`] kept up to date one object change at a time; see the [module
/// docs](self).
#[derive(Clone, Debug)]
pub struct IncrementalResolver {
    snapshot: Snapshot,
    config: Config,
    out: Resolution,
    /// Evaluated Gateways, `attached_routes` left at 0.
    gateways: BTreeMap<Key, GatewayState>,
    routes: BTreeMap<ObjectRef, RouteEntry>,
    by_parent: BTreeMap<ObjectRef, BTreeSet<ObjectRef>>,
    by_service: BTreeMap<Key, BTreeSet<ObjectRef>>,
    by_backend_ns: BTreeMap<String, BTreeSet<ObjectRef>>,
    /// Routes with a (pre-conflict) attachment, per listener.
    on_listener: BTreeMap<ListenerId, BTreeSet<ObjectRef>>,
    /// Losing attachments (Route, outcome index, attachment index), per listener.
    losers: BTreeMap<ListenerId, BTreeSet<(ObjectRef, usize, usize)>>,
    /// Routes finally attached, per listener (`attachedRoutes`).
    attached: BTreeMap<ListenerId, BTreeSet<ObjectRef>>,
    /// Per Gateway, the Services its accepted Routes send traffic to, with counts.
    services: BTreeMap<Key, BTreeMap<Key, usize>>,
    /// Ready endpoints per Service.
    endpoints: Endpoints,
}

/// What changed, as far as dependencies go.
struct Change {
    /// Everything is new (first resolution).
    everything: bool,
    kind: Option<ObjectKind>,
    id: Option<ObjectRef>,
    /// Services (namespace/name) whose endpoints the change may affect.
    services: Vec<Key>,
    /// Gateways whose ListenerSets the change affects.
    listener_set_parents: Vec<Key>,
}

impl IncrementalResolver {
    /// Resolves `snapshot` and remembers what is needed to apply later changes.
    pub fn new(snapshot: Snapshot, config: Config) -> Self {
        let mut this = Self {
            snapshot,
            config,
            out: Resolution {
                statuses: BTreeMap::new(),
                data_plane: Vec::new(),
            },
            gateways: BTreeMap::new(),
            routes: BTreeMap::new(),
            by_parent: BTreeMap::new(),
            by_service: BTreeMap::new(),
            by_backend_ns: BTreeMap::new(),
            on_listener: BTreeMap::new(),
            losers: BTreeMap::new(),
            attached: BTreeMap::new(),
            services: BTreeMap::new(),
            endpoints: Endpoints::new(),
        };
        this.refresh(Change {
            everything: true,
            kind: None,
            id: None,
            services: Vec::new(),
            listener_set_parents: Vec::new(),
        });
        this
    }

    /// The current resolution; equal to [`super::resolve`] of [`Self::snapshot`].
    pub fn resolution(&self) -> &Resolution {
        &self.out
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Consumes the resolver, returning the resolution.
    pub fn into_resolution(self) -> Resolution {
        self.out
    }

    /// Inserts or replaces an object and updates the resolution. On error (an object that
    /// cannot be converted), the object of that identity is gone from the snapshot, as with
    /// [`Snapshot::upsert`], and the resolution reflects that.
    pub fn upsert(&mut self, object: &GatewayObject) -> Result<(), SnapshotError> {
        let kind = snapshot::kind_of(object);
        let meta = object.metadata();
        let id = kind.map(|k| {
            ObjectRef::new(
                k,
                meta.namespace.clone().unwrap_or_default(),
                meta.name.clone().unwrap_or_default(),
            )
        });
        let mut change = self.change(kind, id);
        let result = self.snapshot.upsert(object);
        self.after_change(&mut change);
        self.refresh(change);
        result
    }

    /// Deletes an object and updates the resolution; returns whether it was present.
    pub fn remove(&mut self, object: &ObjectRef) -> bool {
        let mut change = self.change(Some(object.kind), Some(object.clone()));
        let present = self.snapshot.remove(object);
        if present {
            self.after_change(&mut change);
            self.refresh(change);
        }
        present
    }

    /// What the object about to change is linked to before the change.
    fn change(&self, kind: Option<ObjectKind>, id: Option<ObjectRef>) -> Change {
        let mut c = Change {
            everything: false,
            kind,
            id,
            services: Vec::new(),
            listener_set_parents: Vec::new(),
        };
        self.links(&mut c);
        c
    }

    /// Adds what the changed object is linked to after the change.
    fn after_change(&self, c: &mut Change) {
        self.links(c);
    }

    fn links(&self, c: &mut Change) {
        let Some(id) = &c.id else { return };
        let key = (id.namespace.clone(), id.name.clone());
        match id.kind {
            ObjectKind::EndpointSlice => {
                if let Some(s) = self
                    .snapshot
                    .endpoint_slices
                    .get(&key)
                    .and_then(|e| e.service.clone())
                {
                    c.services.push((id.namespace.clone(), s));
                }
            }
            ObjectKind::Service => c.services.push(key),
            ObjectKind::ListenerSet => {
                if let Some(p) = self
                    .snapshot
                    .listener_sets
                    .get(&key)
                    .and_then(|ls| gateway::listener_set_parent(ls, &id.namespace))
                {
                    c.listener_set_parents.push(p);
                }
            }
            _ => {}
        }
    }

    /// Brings everything up to date after `change` was applied to the snapshot.
    fn refresh(&mut self, change: Change) {
        let gateway_inputs = match change.kind {
            None => true,
            Some(k) => matches!(
                k,
                ObjectKind::GatewayClass
                    | ObjectKind::Gateway
                    | ObjectKind::ListenerSet
                    | ObjectKind::Namespace
                    | ObjectKind::Secret
                    | ObjectKind::ConfigMap
                    | ObjectKind::ReferenceGrant
            ),
        };
        if change.everything {
            self.endpoints = endpoint_index(&self.snapshot);
        } else if change.kind == Some(ObjectKind::EndpointSlice) {
            for s in &change.services {
                let v = service_endpoints(&self.snapshot, &s.0, &s.1);
                if v.is_empty() {
                    self.endpoints.remove(s);
                } else {
                    self.endpoints.insert(s.clone(), v);
                }
            }
        }
        let mut rebuilt: BTreeSet<Key> = BTreeSet::new();
        if gateway_inputs {
            rebuilt = self.refresh_gateways(&change);
        }

        // Routes whose plan may change.
        let mut dirty: BTreeSet<ObjectRef> = BTreeSet::new();
        if change.everything {
            dirty.extend(route::routes(&self.snapshot).into_iter().map(|r| r.id));
        }
        for g in &rebuilt {
            let gw = ObjectRef::new(ObjectKind::Gateway, &g.0, &g.1);
            dirty.extend(self.by_parent.get(&gw).into_iter().flatten().cloned());
            for (k, ls) in &self.snapshot.listener_sets {
                if gateway::listener_set_parent(ls, &k.0).as_ref() == Some(g) {
                    let r = ObjectRef::new(ObjectKind::ListenerSet, &k.0, &k.1);
                    dirty.extend(self.by_parent.get(&r).into_iter().flatten().cloned());
                }
            }
        }
        if let Some(id) = &change.id {
            match id.kind {
                ObjectKind::HTTPRoute
                | ObjectKind::GRPCRoute
                | ObjectKind::TLSRoute
                | ObjectKind::TCPRoute
                | ObjectKind::UDPRoute => {
                    dirty.insert(id.clone());
                }
                ObjectKind::ListenerSet => {
                    dirty.extend(self.by_parent.get(id).into_iter().flatten().cloned());
                }
                ObjectKind::Namespace => {
                    for kind in [
                        ObjectKind::HTTPRoute,
                        ObjectKind::GRPCRoute,
                        ObjectKind::TLSRoute,
                        ObjectKind::TCPRoute,
                        ObjectKind::UDPRoute,
                    ] {
                        let from = ObjectRef::new(kind, id.name.clone(), "");
                        dirty.extend(
                            self.routes
                                .range(from..)
                                .take_while(|(r, _)| r.kind == kind && r.namespace == id.name)
                                .map(|(r, _)| r.clone()),
                        );
                    }
                }
                ObjectKind::ReferenceGrant => {
                    dirty.extend(
                        self.by_backend_ns
                            .get(&id.namespace)
                            .into_iter()
                            .flatten()
                            .cloned(),
                    );
                }
                _ => {}
            }
        }
        for s in &change.services {
            dirty.extend(self.by_service.get(s).into_iter().flatten().cloned());
        }

        let policies_before = self.service_sets();
        self.update_routes(dirty, &rebuilt);
        let policy_inputs = change.everything
            || matches!(
                change.kind,
                None | Some(
                    ObjectKind::BackendTLSPolicy | ObjectKind::Secret | ObjectKind::ConfigMap
                )
            );
        let after = self.service_sets();
        if policy_inputs || policies_before != after {
            self.out
                .statuses
                .retain(|k, _| k.kind != ObjectKind::BackendTLSPolicy);
            self.out
                .statuses
                .extend(policy_statuses(&self.snapshot, &self.config, &after));
        }
    }

    /// The Services per Gateway, as [`super::backend_tls_policy::evaluate_all`] takes them.
    fn service_sets(&self) -> BTreeMap<Key, BTreeSet<Key>> {
        if self.snapshot.backend_tls_policies.is_empty() {
            return BTreeMap::new();
        }
        self.services
            .iter()
            .map(|(g, s)| (g.clone(), s.keys().cloned().collect()))
            .collect()
    }

    /// Re-evaluates classes and Gateways; returns the Gateways to rebuild (evaluation changed,
    /// added, removed, or their object or ListenerSets changed), with their data-plane entries
    /// emptied and their statuses removed.
    fn refresh_gateways(&mut self, change: &Change) -> BTreeSet<Key> {
        let classes = class_states(&self.snapshot, &self.config);
        self.out
            .statuses
            .retain(|k, _| k.kind != ObjectKind::GatewayClass);
        self.out
            .statuses
            .extend(class_statuses(&self.snapshot, &self.config, &classes));
        let gateways = gateway::evaluate_all(&self.snapshot, &self.config, &classes);

        let mut rebuilt: BTreeSet<Key> = BTreeSet::new();
        for (k, g) in &gateways {
            if self.gateways.get(k) != Some(g) {
                rebuilt.insert(k.clone());
            }
        }
        rebuilt.extend(
            self.gateways
                .keys()
                .filter(|k| !gateways.contains_key(*k))
                .cloned(),
        );
        if let Some(id) = change.id.as_ref().filter(|i| i.kind == ObjectKind::Gateway) {
            rebuilt.insert((id.namespace.clone(), id.name.clone()));
        }
        rebuilt.extend(change.listener_set_parents.iter().cloned());
        if change.everything {
            rebuilt.extend(gateways.keys().cloned());
        }

        // Statuses of the old Gateways and their ListenerSets go first, then the new ones come.
        for k in &rebuilt {
            if let Some(old) = self.gateways.get(k) {
                self.out
                    .statuses
                    .remove(&ObjectRef::new(ObjectKind::Gateway, &k.0, &k.1));
                for ls in &old.listener_sets {
                    self.out.statuses.remove(&ObjectRef::new(
                        ObjectKind::ListenerSet,
                        &ls.key.0,
                        &ls.key.1,
                    ));
                }
            }
        }
        for k in &rebuilt {
            let pos = self.out.data_plane.binary_search_by(|g| g.key.cmp(k));
            match (gateways.get(k), pos) {
                (Some(g), Ok(i)) if self.snapshot.gateways.contains_key(k) => {
                    self.out.data_plane[i] = resolved_gateway(k, g, |_| Vec::new());
                }
                (Some(g), Err(i)) if self.snapshot.gateways.contains_key(k) => {
                    self.out
                        .data_plane
                        .insert(i, resolved_gateway(k, g, |_| Vec::new()));
                }
                (_, Ok(i)) => {
                    self.out.data_plane.remove(i);
                }
                (_, Err(_)) => {}
            }
        }
        self.gateways = gateways;
        rebuilt
    }

    /// Re-plans the `dirty` Routes, re-judges the listeners they touch, finishes every Route
    /// whose outcome may have changed and refreshes the Gateways whose attached Routes changed.
    /// `rebuilt` Gateways have empty rule lists to refill.
    fn update_routes(&mut self, dirty: BTreeSet<ObjectRef>, rebuilt: &BTreeSet<Key>) {
        let Self {
            snapshot,
            config,
            out,
            gateways,
            routes,
            by_parent,
            by_service,
            by_backend_ns,
            on_listener,
            losers,
            attached,
            services,
            endpoints,
        } = self;

        // 1. Re-plan.
        let mut touched: BTreeSet<ListenerId> = BTreeSet::new();
        let mut old_entries: BTreeMap<ObjectRef, RouteEntry> = BTreeMap::new();
        let snap: &Snapshot = snapshot;
        let mut caches = super::PlanCaches::default();
        for id in &dirty {
            if let Some(old) = routes.remove(id) {
                for o in &old.plan.outcomes {
                    for a in o.result.iter().flatten() {
                        let l = ((*a.gateway).clone(), a.listener);
                        remove_from(on_listener, &l, id);
                        touched.insert(l);
                    }
                }
                for p in &old.parents {
                    remove_from(by_parent, p, id);
                }
                for s in &old.backends {
                    remove_from(by_service, s, id);
                    remove_from(by_backend_ns, &s.0, id);
                }
                old_entries.insert(id.clone(), old);
            }
            let Some(view) = route::route_view(snap, id) else {
                continue;
            };
            let plan = plan_route(snap, config, gateways, endpoints, &mut caches, &view);
            let entry = RouteEntry {
                conflict_key: attachment::conflict_key(&view),
                parents: parents_of(&view),
                backends: view
                    .rules
                    .iter()
                    .flat_map(|r| &r.backends)
                    .map(|b| {
                        (
                            b.reference
                                .namespace
                                .as_ref()
                                .map_or(id.namespace.as_str(), |n| n.as_str())
                                .to_string(),
                            b.reference.name.to_string(),
                        )
                    })
                    .collect(),
                plan,
                attached: Vec::new(),
                services: Vec::new(),
            };
            for o in &entry.plan.outcomes {
                for a in o.result.iter().flatten() {
                    let l = ((*a.gateway).clone(), a.listener);
                    on_listener.entry(l.clone()).or_default().insert(id.clone());
                    touched.insert(l);
                }
            }
            for p in &entry.parents {
                by_parent.entry(p.clone()).or_default().insert(id.clone());
            }
            for s in &entry.backends {
                by_service.entry(s.clone()).or_default().insert(id.clone());
                by_backend_ns
                    .entry(s.0.clone())
                    .or_default()
                    .insert(id.clone());
            }
            routes.insert(id.clone(), entry);
        }

        // 2. Re-judge HTTPRoute/GRPCRoute conflicts on touched listeners.
        let mut finish = dirty;
        for l in &touched {
            // Only a listener carrying both kinds can have a conflict.
            let mixed = on_listener.get(l).is_some_and(|set| {
                let has = |k: ObjectKind| {
                    set.range(ObjectRef::new(k, "", "")..)
                        .next()
                        .is_some_and(|r| r.kind == k)
                };
                has(ObjectKind::HTTPRoute) && has(ObjectKind::GRPCRoute)
            });
            if !mixed {
                if let Some(old) = losers.remove(l) {
                    finish.extend(old.into_iter().map(|(r, _, _)| r));
                }
                continue;
            }
            let entries: Vec<ListenerEntry<'_, (ObjectRef, usize, usize)>> = on_listener
                .get(l)
                .into_iter()
                .flatten()
                .filter(|r| matches!(r.kind, ObjectKind::HTTPRoute | ObjectKind::GRPCRoute))
                .filter_map(|r| Some((r, routes.get(r)?)))
                .flat_map(|(r, e)| {
                    e.plan.outcomes.iter().enumerate().flat_map(move |(oi, o)| {
                        o.result
                            .iter()
                            .flatten()
                            .enumerate()
                            .filter(|(_, a)| *a.gateway == l.0 && a.listener == l.1)
                            .map(move |(ai, a)| ListenerEntry {
                                key: e.conflict_key.clone(),
                                tag: (r.clone(), oi, ai),
                                kind: r.kind,
                                hostnames: &a.hostnames,
                            })
                    })
                })
                .collect();
            let new: BTreeSet<(ObjectRef, usize, usize)> =
                attachment::listener_losers(entries).into_iter().collect();
            let old = losers.remove(l).unwrap_or_default();
            if old != new {
                finish.extend(old.symmetric_difference(&new).map(|(r, _, _)| r.clone()));
            }
            if !new.is_empty() {
                losers.insert(l.clone(), new);
            }
        }

        // 3. Finish: statuses, attachments, data-plane rules.
        let mut pending: BTreeMap<ListenerId, Vec<super::ResolvedRule>> = BTreeMap::new();
        let mut recount: BTreeSet<Key> = rebuilt.clone();
        for id in &finish {
            let old = match old_entries.remove(id) {
                Some(o) => Some((o.attached, o.services)),
                None => routes.get_mut(id).map(|e| {
                    (
                        std::mem::take(&mut e.attached),
                        std::mem::take(&mut e.services),
                    )
                }),
            };
            if let Some((old_attached, old_services)) = old {
                let mut cleared: BTreeSet<&ListenerId> = BTreeSet::new();
                for l in &old_attached {
                    remove_from(attached, l, id);
                    recount.insert(l.0.clone());
                    if !rebuilt.contains(&l.0)
                        && cleared.insert(l)
                        && let Some(rules) = listener_rules(out, l)
                    {
                        rules.retain(|r| *r.route != *id);
                    }
                }
                for (g, s) in &old_services {
                    if let Some(m) = services.get_mut(g) {
                        if let Some(n) = m.get_mut(s) {
                            *n = n.saturating_sub(1);
                            if *n == 0 {
                                m.remove(s);
                            }
                        }
                        if m.is_empty() {
                            services.remove(g);
                        }
                    }
                }
            }
            out.statuses.remove(id);
            let (Some(view), Some(entry)) = (route::route_view(snapshot, id), routes.get_mut(id))
            else {
                continue;
            };
            let mut plan = entry.plan.clone();
            let mut lost: BTreeSet<(usize, usize)> = BTreeSet::new();
            for (oi, o) in plan.outcomes.iter().enumerate() {
                for (ai, a) in o.result.iter().flatten().enumerate() {
                    let l = ((*a.gateway).clone(), a.listener);
                    if losers
                        .get(&l)
                        .is_some_and(|s| s.contains(&(id.clone(), oi, ai)))
                    {
                        lost.insert((oi, ai));
                    }
                }
            }
            attachment::remove_losers(&mut plan.outcomes, &lost);
            let result = finish_route(config, &view, &plan, true, &mut caches.names);
            if let Some(st) = result.status {
                out.statuses.insert(id.clone(), st);
            }
            for (g, s) in &result.services {
                *services
                    .entry(g.clone())
                    .or_default()
                    .entry(s.clone())
                    .or_default() += 1;
            }
            entry.services = result.services;
            for ((g, i), rules) in result.attachments {
                let l = ((*g).clone(), i);
                attached.entry(l.clone()).or_default().insert(id.clone());
                recount.insert(l.0.clone());
                pending.entry(l.clone()).or_default().extend(rules);
                entry.attached.push(l);
            }
        }
        for (l, mut rules) in pending {
            let valid = out
                .data_plane
                .binary_search_by(|g| g.key.cmp(&l.0))
                .ok()
                .and_then(|i| out.data_plane.get(i))
                .and_then(|g| g.listeners.get(l.1))
                .is_some_and(|x| x.valid);
            if !valid {
                continue;
            }
            let Some(list) = listener_rules(out, &l) else {
                continue;
            };
            if rules.len() * 16 < list.len() {
                // A few rules into a long list: binary insertion keeps it sorted (each goes
                // after its equals, as a stable sort would put it).
                for r in rules {
                    let at = list.partition_point(|x| rule_order(x, &r).is_le());
                    list.insert(at, r);
                }
            } else {
                list.append(&mut rules);
                list.sort_by(rule_order);
            }
        }

        // 4. Statuses of Gateways whose attached Routes (or evaluation) changed.
        for k in recount {
            let Some(g) = gateways.get(&k) else { continue };
            let mut g = g.clone();
            for (i, l) in g.listeners.iter_mut().enumerate() {
                l.attached_routes = attached
                    .get(&(k.clone(), i))
                    .map_or(0, |s| i32::try_from(s.len()).unwrap_or(i32::MAX));
            }
            out.statuses
                .extend(gateway_statuses(snapshot, config, &k, &g));
        }
    }
}

/// The rule list of a listener in the data plane.
fn listener_rules<'a>(
    out: &'a mut Resolution,
    l: &ListenerId,
) -> Option<&'a mut Vec<super::ResolvedRule>> {
    let i = out.data_plane.binary_search_by(|g| g.key.cmp(&l.0)).ok()?;
    out.data_plane
        .get_mut(i)?
        .listeners
        .get_mut(l.1)
        .map(|x| &mut x.rules)
}

/// Removes `id` from the set under `k`, dropping the set when it empties.
fn remove_from<K, Q>(map: &mut BTreeMap<K, BTreeSet<ObjectRef>>, k: &Q, id: &ObjectRef)
where
    K: Ord + std::borrow::Borrow<Q>,
    Q: Ord + ?Sized,
{
    if let Some(s) = map.get_mut(k) {
        s.remove(id);
        if s.is_empty() {
            map.remove(k);
        }
    }
}

/// The Gateways and ListenerSets a Route's `parentRefs` name.
fn parents_of(view: &RouteView<'_>) -> BTreeSet<ObjectRef> {
    view.parent_refs
        .iter()
        .filter(|p| p.group.as_ref().is_none_or(|g| g.as_str() == GROUP))
        .filter_map(|p| {
            let kind = match p.kind.as_ref().map_or("Gateway", |k| k.as_str()) {
                "Gateway" => ObjectKind::Gateway,
                "ListenerSet" => ObjectKind::ListenerSet,
                _ => return None,
            };
            let ns = p
                .namespace
                .as_ref()
                .map_or(view.id.namespace.as_str(), |n| n.as_str());
            Some(ObjectRef::new(kind, ns, p.name.as_str()))
        })
        .collect()
}
