//! Route attachment: which listeners of which parents a Route attaches to, and why not.
//!
//! spec: `ParentReference` (`sectionName`, `port`), `AllowedRoutes`, Route hostnames, and the
//! Route `Accepted` reasons `NotAllowedByListeners`, `NoMatchingListenerHostname`,
//! `NoMatchingParent` (apis/v1/shared_types.go, gateway_types.go).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use gateway_api_types::conditions::Time;

use gateway_api_types::shared::ParentReference;

use super::GROUP;
use super::fast_hash::FastMap;
use super::gateway::GatewayState;
use super::hostname;
use super::listener::{Problem, route_allowed};
use super::route::RouteView;
use super::snapshot::{Key, ObjectKind, ObjectRef, Snapshot, created};

/// One listener a Route attached to through a parentRef.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The Gateway (shared by the attachments of every Route to it).
    pub gateway: Arc<Key>,
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
    /// The parent object (a Gateway or a ListenerSet), shared by the outcomes of every Route
    /// naming it.
    pub parent: Arc<ObjectRef>,
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
    attach_cached(snapshot, gateways, route, &mut AttachCache::default())
}

/// What a parentRef selects, whatever the Route's hostnames: the owned parent and either the
/// listeners it may attach to (by `sectionName`, `port`, kind and namespace) with their
/// lowercased hostnames, or why none.
#[derive(Debug)]
struct ParentChoice {
    gateway: Arc<Key>,
    parent: Arc<ObjectRef>,
    listeners: Result<ListenerHosts, Problem>,
}

/// Listeners (index, lowercased hostname) in order, indexed by hostname so that a Route
/// hostname meets only the listeners it can intersect.
#[derive(Debug, Default)]
struct ListenerHosts {
    list: Vec<(usize, Option<String>)>,
    /// Positions in `list` of listeners any hostname may intersect (no hostname, or a
    /// wildcard not of the `*.suffix` form).
    any: Vec<usize>,
    /// Positions of listeners by exact hostname.
    exact: FastMap<String, Vec<usize>>,
    /// Positions of `*.suffix` listeners by suffix (with its leading dot).
    wildcard: FastMap<String, Vec<usize>>,
}

impl ListenerHosts {
    fn new(list: Vec<(usize, Option<String>)>) -> Self {
        let mut this = Self::default();
        for (pos, (_, host)) in list.iter().enumerate() {
            match host.as_deref() {
                Some(h) if h.starts_with("*.") => {
                    let suffix = h.trim_start_matches('*').to_string();
                    this.wildcard.entry(suffix).or_default().push(pos);
                }
                Some(h) if !h.starts_with('*') => {
                    this.exact.entry(h.to_string()).or_default().push(pos);
                }
                _ => this.any.push(pos),
            }
        }
        this.list = list;
        this
    }

    /// Positions in `list`, in order, of the listeners that may share a hostname with a Route
    /// of these lowercased hostnames, written to `out` (`false`: every listener may). A
    /// concrete hostname meets a listener of the same name, one whose `*.suffix` ends it, or
    /// one without hostname.
    fn candidates(&self, hostnames: &[Cow<'_, str>], out: &mut Vec<usize>) -> bool {
        out.clear();
        if hostnames.is_empty() || hostnames.iter().any(|h| h.starts_with('*')) {
            return false;
        }
        out.extend_from_slice(&self.any);
        for h in hostnames {
            let h = h.as_ref();
            out.extend(self.exact.get(h).into_iter().flatten());
            for (i, _) in h.match_indices('.') {
                out.extend(self.wildcard.get(&h[i..]).into_iter().flatten());
            }
        }
        out.sort_unstable();
        out.dedup();
        true
    }
}

/// A parentRef as written plus the referring Route's kind: with the Route's namespace, all a
/// [`ParentChoice`] depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct RefKey<'s> {
    route_kind: ObjectKind,
    group: Option<&'s str>,
    kind: Option<&'s str>,
    namespace: Option<&'s str>,
    name: &'s str,
    section_name: Option<&'s str>,
    port: Option<i32>,
}

/// Per-resolution memo of [`ParentChoice`]s: the Routes of one namespace naming the same
/// parentRef get the same listeners, so only the hostname step is done per Route. Valid for
/// one snapshot and one set of evaluated Gateways: build a new one for each resolution.
#[derive(Debug, Default)]
pub(crate) struct AttachCache<'s> {
    /// Route namespace -> parentRef -> choice (`None`: not a parent this controller owns).
    by_namespace: FastMap<String, FastMap<RefKey<'s>, Option<ParentChoice>>>,
    /// Scratch list of candidate listener positions, reused from Route to Route.
    positions: Vec<usize>,
}

/// [`attach`], remembering per-parentRef work in `cache`.
pub(crate) fn attach_cached<'s>(
    snapshot: &Snapshot,
    gateways: &BTreeMap<Key, GatewayState>,
    route: &RouteView<'s>,
    cache: &mut AttachCache<'s>,
) -> Vec<ParentOutcome> {
    let mut out = Vec::with_capacity(route.parent_refs.len());
    if route.parent_refs.is_empty() {
        return out;
    }
    let AttachCache {
        by_namespace,
        positions,
    } = cache;
    let per_ns = match by_namespace.get_mut(route.id.namespace.as_str()) {
        Some(m) => m,
        None => by_namespace.entry(route.id.namespace.clone()).or_default(),
    };
    // Already lowercased by the view.
    let hostnames: &[Cow<'_, str>] = if uses_hostnames(route.id.kind) {
        &route.hostnames
    } else {
        &[]
    };
    for p in route.parent_refs {
        let key = RefKey {
            route_kind: route.id.kind,
            group: p.group.as_ref().map(|g| g.as_str()),
            kind: p.kind.as_ref().map(|k| k.as_str()),
            namespace: p.namespace.as_ref().map(|n| n.as_str()),
            name: p.name.as_str(),
            section_name: p.section_name.as_ref().map(|s| s.as_str()),
            port: p.port,
        };
        let choice = per_ns
            .entry(key)
            .or_insert_with(|| choose(snapshot, gateways, route, p));
        let Some(choice) = choice else {
            continue;
        };
        let result = match &choice.listeners {
            Err(e) => Err(e.clone()),
            Ok(listeners) => {
                with_hostnames(gateways, choice, listeners, route, hostnames, positions)
            }
        };
        out.push(ParentOutcome {
            parent_ref: p.clone(),
            parent: Arc::clone(&choice.parent),
            result,
        });
    }
    out
}

/// The [`ParentChoice`] of one parentRef of `route`, `None` when the parent is not owned.
fn choose(
    snapshot: &Snapshot,
    gateways: &BTreeMap<Key, GatewayState>,
    route: &RouteView<'_>,
    p: &ParentReference,
) -> Option<ParentChoice> {
    let (gw_key, parent) = owned_parent(snapshot, gateways, &route.id, p)?;
    let gw = gateways.get(&gw_key)?;
    let listeners = allowed_listeners(snapshot, gw, &parent, route, p).map(|v| {
        ListenerHosts::new(
            v.into_iter()
                .map(|i| {
                    let host = gw.listeners[i]
                        .entry
                        .hostname
                        .as_ref()
                        .map(|h| hostname::lower(h.as_str()).into_owned());
                    (i, host)
                })
                .collect(),
        )
    });
    Some(ParentChoice {
        gateway: Arc::new(gw_key),
        parent: Arc::new(parent),
        listeners,
    })
}

/// The listeners of `parent` a parentRef selects and that allow the Route's kind and
/// namespace, or why there are none.
fn allowed_listeners(
    snapshot: &Snapshot,
    gw: &GatewayState,
    parent: &ObjectRef,
    route: &RouteView<'_>,
    p: &ParentReference,
) -> Result<Vec<usize>, Problem> {
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
    Ok(allowed)
}

/// The attachments to the `listeners` (with their lowercased hostnames) of a parent that share
/// a hostname with the Route (`hostnames`: its lowercased hostnames, empty for kinds without
/// hostnames) and are accepted, or why there are none. `positions` is scratch space.
fn with_hostnames(
    gateways: &BTreeMap<Key, GatewayState>,
    choice: &ParentChoice,
    listeners: &ListenerHosts,
    route: &RouteView<'_>,
    hostnames: &[Cow<'_, str>],
    positions: &mut Vec<usize>,
) -> Result<Vec<Attachment>, Problem> {
    let uses = uses_hostnames(route.id.kind);
    let gw = gateways.get(&choice.gateway);
    let mut shared = false;
    let mut accepted: Vec<Attachment> = Vec::new();
    let mut visit = |(i, host): &(usize, Option<String>)| {
        let h = if uses {
            match hostname::intersect_all_lower(host.as_deref(), hostnames) {
                Some(h) => h,
                None => return,
            }
        } else {
            Vec::new()
        };
        shared = true;
        if gw
            .and_then(|g| g.listeners.get(*i))
            .is_some_and(|l| l.accepted())
        {
            accepted.push(Attachment {
                gateway: Arc::clone(&choice.gateway),
                listener: *i,
                hostnames: h,
            });
        }
    };
    if uses && listeners.candidates(hostnames, positions) {
        positions
            .iter()
            .filter_map(|p| listeners.list.get(*p))
            .for_each(&mut visit);
    } else {
        listeners.list.iter().for_each(&mut visit);
    }
    if !shared {
        return Err(Problem::new(
            "NoMatchingListenerHostname",
            "no listener hostname intersects the Route's hostnames",
        ));
    }
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
                    .entry(((*a.gateway).clone(), a.listener))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_index_never_misses_an_intersecting_listener() {
        let listener_hosts = [
            None,
            Some("*"),
            Some("*.example.com"),
            Some("*.a.example.com"),
            Some("a.example.com"),
            Some("example.com"),
            Some("*.org"),
            Some("b.a.example.com"),
        ];
        let index = ListenerHosts::new(
            listener_hosts
                .iter()
                .enumerate()
                .map(|(i, h)| (i, h.map(str::to_string)))
                .collect(),
        );
        let routes: [&[&str]; 8] = [
            &["a.example.com"],
            &["b.a.example.com"],
            &["example.com"],
            &["x.org", "example.com"],
            &["nothing.net"],
            &["*.example.com"],
            &["c.b.a.example.com", "a.example.com"],
            &[],
        ];
        for r in routes {
            let hosts: Vec<Cow<'_, str>> = r.iter().map(|h| Cow::Borrowed(*h)).collect();
            let want: Vec<usize> = index
                .list
                .iter()
                .enumerate()
                .filter(|(_, (_, l))| hostname::intersect_all_lower(l.as_deref(), &hosts).is_some())
                .map(|(p, _)| p)
                .collect();
            // Stale content in the scratch list must not leak into the answer.
            let mut got = vec![99, 98];
            if !index.candidates(&hosts, &mut got) {
                got = (0..index.list.len()).collect();
            }
            assert!(
                want.iter().all(|p| got.contains(p)),
                "{r:?}: {got:?} misses some of {want:?}"
            );
            // The index does narrow concrete hostnames down.
            if r == ["nothing.net"] {
                assert_eq!(got, vec![0, 1]);
            }
        }
    }
}
