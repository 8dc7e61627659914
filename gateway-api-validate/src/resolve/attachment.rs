//! Route attachment: which listeners of which parents a Route attaches to, and why not.
//!
//! spec: `ParentReference` (`sectionName`, `port`), `AllowedRoutes`, Route hostnames, and the
//! Route `Accepted` reasons `NotAllowedByListeners`, `NoMatchingListenerHostname`,
//! `NoMatchingParent` (apis/v1/shared_types.go, gateway_types.go).

use std::collections::{BTreeMap, BTreeSet};

use gateway_api_types::conditions::Time;

use gateway_api_types::shared::ParentReference;

use super::GROUP;
use super::gateway::GatewayState;
use super::hostname;
use super::listener::{Problem, route_allowed};
use super::route::RouteView;
use super::snapshot::{Key, ObjectKind, ObjectRef, Snapshot, created};

/// One listener a Route attached to through a parentRef.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The Gateway.
    pub gateway: Key,
    /// Index of the listener in [`GatewayState::listeners`].
    pub listener: usize,
    /// Intersected hostnames (empty = any hostname).
    pub hostnames: Vec<String>,
}

/// The outcome of one parentRef of a Route that names a parent this controller owns.
#[derive(Clone, Debug, PartialEq)]
pub struct ParentOutcome {
    /// The parentRef as written in the Route.
    pub parent_ref: ParentReference,
    /// The parent object (a Gateway or a ListenerSet).
    pub parent: ObjectRef,
    /// The listeners attached to, or why the Route is not accepted by this parent.
    pub result: Result<Vec<Attachment>, Problem>,
}

/// Whether hostnames apply to a Route kind. spec: only HTTP, GRPC and TLS Routes have them.
fn uses_hostnames(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::HTTPRoute | ObjectKind::GRPCRoute | ObjectKind::TLSRoute
    )
}

/// Resolves the parent of a parentRef to (Gateway key, parent object), if this controller owns
/// it. Parents of other controllers (or missing ones) get no status entry from us.
fn owned_parent(
    snapshot: &Snapshot,
    gateways: &BTreeMap<Key, GatewayState>,
    route: &ObjectRef,
    p: &ParentReference,
) -> Option<(Key, ObjectRef)> {
    let group = p.group.as_ref().map_or(GROUP, |g| g.as_str());
    let kind = p.kind.as_ref().map_or("Gateway", |k| k.as_str());
    let ns = p
        .namespace
        .as_ref()
        .map_or(route.namespace.as_str(), |n| n.as_str());
    let key = (ns.to_string(), p.name.to_string());
    if group != GROUP {
        return None;
    }
    match kind {
        "Gateway" => gateways.contains_key(&key).then(|| {
            (
                key.clone(),
                ObjectRef::new(ObjectKind::Gateway, ns, p.name.as_str()),
            )
        }),
        "ListenerSet" => {
            let ls = snapshot.listener_sets.get(&key)?;
            let gw = super::gateway::listener_set_parent(ls, ns)?;
            let attached = gateways
                .get(&gw)
                .is_some_and(|g| g.listener_sets.iter().any(|s| s.key == key));
            attached.then(|| {
                (
                    gw,
                    ObjectRef::new(ObjectKind::ListenerSet, ns, p.name.as_str()),
                )
            })
        }
        _ => None,
    }
}

/// Attaches one Route to the listeners of each owned parent. spec: a parentRef selects the
/// parent's listeners by `sectionName` and `port` (`NoMatchingParent` when none), which must
/// allow the Route's kind and namespace (`NotAllowedByListeners`) and, for HTTP/GRPC/TLS
/// Routes, share a hostname with it (`NoMatchingListenerHostname`).
pub fn attach(
    snapshot: &Snapshot,
    gateways: &BTreeMap<Key, GatewayState>,
    route: &RouteView<'_>,
) -> Vec<ParentOutcome> {
    let mut out = Vec::new();
    for p in route.parent_refs {
        let Some((gw_key, parent)) = owned_parent(snapshot, gateways, &route.id, p) else {
            continue;
        };
        let Some(gw) = gateways.get(&gw_key) else {
            continue;
        };
        let result = attach_one(snapshot, gw, &parent, route, p);
        out.push(ParentOutcome {
            parent_ref: p.clone(),
            parent,
            result,
        });
    }
    out
}

fn attach_one(
    snapshot: &Snapshot,
    gw: &GatewayState,
    parent: &ObjectRef,
    route: &RouteView<'_>,
    p: &ParentReference,
) -> Result<Vec<Attachment>, Problem> {
    // A Gateway rejected only for its listeners is judged listener by listener below.
    if let Some(r) = gw
        .rejected
        .as_ref()
        .filter(|r| r.reason != "ListenersNotValid")
    {
        return Err(Problem::new(
            "NoMatchingParent",
            format!("parent Gateway is not accepted: {}", r.message),
        ));
    }
    if parent.kind == ObjectKind::ListenerSet
        && let Some(r) = gw
            .listener_sets
            .iter()
            .find(|s| s.key.0 == parent.namespace && s.key.1 == parent.name)
            .and_then(|s| s.rejected.as_ref())
        && r.reason != "ListenersNotValid"
    {
        return Err(Problem::new(
            "NotAllowedByListeners",
            format!("ListenerSet is not accepted: {}", r.message),
        ));
    }
    let by_ref: Vec<usize> = gw
        .listeners
        .iter()
        .enumerate()
        .filter(|(_, l)| &l.owner == parent)
        .filter(|(_, l)| {
            p.section_name
                .as_ref()
                .is_none_or(|s| s.as_str() == l.entry.name.as_str())
        })
        .filter(|(_, l)| p.port.is_none_or(|port| port == l.entry.port))
        .map(|(i, _)| i)
        .collect();
    if by_ref.is_empty() {
        return Err(Problem::new(
            "NoMatchingParent",
            "no listener matches the parentRef's sectionName/port",
        ));
    }
    let allowed: Vec<usize> = by_ref
        .into_iter()
        .filter(|&i| {
            route_allowed(
                snapshot,
                &gw.listeners[i],
                route.id.kind,
                &route.id.namespace,
            )
        })
        .collect();
    if allowed.is_empty() {
        return Err(Problem::new(
            "NotAllowedByListeners",
            "no listener allows this Route's kind and namespace",
        ));
    }
    let with_host: Vec<Attachment> = allowed
        .into_iter()
        .filter_map(|i| {
            let l = &gw.listeners[i];
            let hostnames = if uses_hostnames(route.id.kind) {
                hostname::intersect_all(
                    l.entry.hostname.as_ref().map(|h| h.as_str()),
                    &route.hostnames,
                )?
            } else {
                Vec::new()
            };
            Some(Attachment {
                gateway: gw.key.clone(),
                listener: i,
                hostnames,
            })
        })
        .collect();
    if with_host.is_empty() {
        return Err(Problem::new(
            "NoMatchingListenerHostname",
            "no listener hostname intersects the Route's hostnames",
        ));
    }
    let accepted: Vec<Attachment> = with_host
        .into_iter()
        .filter(|a| gw.listeners[a.listener].accepted())
        .collect();
    if accepted.is_empty() {
        return Err(Problem::new(
            "NotAllowedByListeners",
            "every matching listener is invalid or conflicted",
        ));
    }
    Ok(accepted)
}

/// How Routes rank in HTTPRoute/GRPCRoute hostname conflicts: oldest first (Routes without a
/// creation time last), then namespace/name.
pub type ConflictKey = (u8, Option<Time>, String, String);

/// The [`ConflictKey`] of a Route.
pub fn conflict_key(route: &RouteView<'_>) -> ConflictKey {
    let created = created(route.meta).cloned();
    (
        u8::from(created.is_none()),
        created,
        route.id.namespace.clone(),
        route.id.name.clone(),
    )
}

/// One attachment of an HTTPRoute or GRPCRoute to one listener, for [`listener_losers`].
pub struct ListenerEntry<'a, T> {
    /// The Route's rank.
    pub key: ConflictKey,
    /// Identifies the attachment; ties of `key` are broken by it.
    pub tag: T,
    /// The Route's kind.
    pub kind: ObjectKind,
    /// The attachment's intersected hostnames.
    pub hostnames: &'a [String],
}

/// The attachments that lose their listener among the HTTPRoute/GRPCRoute attachments of one
/// listener (see [`http_grpc_conflicts`]). Only the listener's own attachments matter, so an
/// incremental resolver can re-judge one listener at a time.
pub fn listener_losers<T: Ord + Clone>(mut entries: Vec<ListenerEntry<'_, T>>) -> Vec<T> {
    let kinds: BTreeSet<ObjectKind> = entries.iter().map(|e| e.kind).collect();
    // Only a listener carrying both kinds can have such a conflict.
    if !kinds.contains(&ObjectKind::HTTPRoute) || !kinds.contains(&ObjectKind::GRPCRoute) {
        return Vec::new();
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.tag.cmp(&b.tag)));
    let mut winners: Vec<(ObjectKind, &[String])> = Vec::new();
    let mut losers = Vec::new();
    for e in &entries {
        let clash = winners
            .iter()
            .any(|(k, h)| *k != e.kind && hostnames_overlap(h, e.hostnames));
        if clash {
            losers.push(e.tag.clone());
        } else {
            winners.push((e.kind, e.hostnames));
        }
    }
    losers
}

/// Removes loser attachments `(outcome index, attachment index)` from one Route's outcomes; a
/// parentRef left without listeners is not accepted.
pub fn remove_losers(outcomes: &mut [ParentOutcome], losers: &BTreeSet<(usize, usize)>) {
    for &(oi, ai) in losers.iter().rev() {
        let Some(o) = outcomes.get_mut(oi) else {
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

/// spec: GRPCRoute hostnames — when an HTTPRoute and a GRPCRoute attached to one listener share
/// a hostname, exactly one is accepted: the oldest, then the first by namespace/name. The other
/// loses that listener; a parentRef left without listeners is not accepted.
pub fn http_grpc_conflicts(routes: &[&RouteView<'_>], outcomes: &mut [Vec<ParentOutcome>]) {
    type Entries<'a> = Vec<ListenerEntry<'a, (usize, usize, usize)>>;
    let mut by_listener: BTreeMap<(Key, usize), Entries<'_>> = BTreeMap::new();
    for (pi, (route, outs)) in routes.iter().zip(outcomes.iter()).enumerate() {
        let kind = route.id.kind;
        if !matches!(kind, ObjectKind::HTTPRoute | ObjectKind::GRPCRoute) {
            continue;
        }
        let key = conflict_key(route);
        for (oi, o) in outs.iter().enumerate() {
            for (ai, a) in o.result.iter().flatten().enumerate() {
                by_listener
                    .entry((a.gateway.clone(), a.listener))
                    .or_default()
                    .push(ListenerEntry {
                        key: key.clone(),
                        tag: (pi, oi, ai),
                        kind,
                        hostnames: &a.hostnames,
                    });
            }
        }
    }
    let mut losers: BTreeMap<usize, BTreeSet<(usize, usize)>> = BTreeMap::new();
    for entries in by_listener.into_values() {
        for (pi, oi, ai) in listener_losers(entries) {
            losers.entry(pi).or_default().insert((oi, ai));
        }
    }
    for (pi, l) in losers {
        if let Some(o) = outcomes.get_mut(pi) {
            remove_losers(o, &l);
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
