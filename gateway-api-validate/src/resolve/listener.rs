//! Listeners: the merged listener list of a Gateway and its ListenerSets, distinctness and
//! conflicts, supported route kinds, `allowedRoutes` and certificate references.
//!
//! spec: `GatewaySpec.Listeners` ("distinct" listeners, "Handling indistinct Listeners"),
//! `ListenerSetSpec.Listeners` (merge precedence), `AllowedRoutes`, `ListenerTLSConfig`
//! (apis/v1/gateway_types.go, listenerset_types.go).

use std::collections::BTreeMap;

use gateway_api_types::features::SupportedFeatureName as F;
use gateway_api_types::shared::{Group, Kind};
use gateway_api_types::v1::gateway::{
    FromNamespaces, FrontendTLSConfig, ProtocolType, RouteGroupKind, TLSModeType,
};
use gateway_api_types::v1::listenerset::ListenerEntry;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::reference_grant::{RefEnd, permitted};
use super::snapshot::{Key, ObjectKind, ObjectRef, Snapshot};
use super::{Config, GROUP};

/// Why a listener is conflicted. spec: `ListenerReasonHostnameConflict` / `ProtocolConflict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Conflict {
    /// Same port and protocol family, same hostname.
    Hostname,
    /// Same port, incompatible protocols (or TLS modes).
    Protocol,
}

impl Conflict {
    /// The condition reason.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Hostname => "HostnameConflict",
            Self::Protocol => "ProtocolConflict",
        }
    }
}

/// A condition outcome that is not `True`: reason and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The condition reason (CamelCase).
    pub reason: &'static str,
    /// Human-readable detail.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
        }
    }
}

/// One listener of a Gateway (its own or from a ListenerSet) and what resolution found out.
#[derive(Clone, Debug, PartialEq)]
pub struct ListenerState {
    /// The object declaring it: a Gateway or a ListenerSet.
    pub owner: ObjectRef,
    /// The Gateway it belongs to.
    pub gateway: Key,
    /// The listener as declared.
    pub entry: ListenerEntry,
    /// Route kinds it supports and allows (`status.listeners[].supportedKinds`).
    pub supported_kinds: Vec<RouteGroupKind>,
    /// Why it is not accepted, besides conflicts (`UnsupportedProtocol`, `UnsupportedValue`).
    pub unsupported: Option<Problem>,
    /// Whether it conflicts with another listener.
    pub conflict: Option<Conflict>,
    /// Unresolved references (`InvalidRouteKinds`, `InvalidCertificateRef`, `RefNotPermitted`).
    pub unresolved: Option<Problem>,
    /// Resolved certificate Secrets (namespace, name) for TLS termination.
    pub certificates: Vec<Key>,
    /// Number of Routes attached (filled by attachment).
    pub attached_routes: i32,
    /// Whether its TLS hostnames overlap another terminating listener's on the same port.
    pub overlapping_tls: bool,
}

impl ListenerState {
    /// spec: `ListenerConditionAccepted`: not conflicted and supported.
    pub fn accepted(&self) -> bool {
        self.unsupported.is_none() && self.conflict.is_none()
    }

    /// spec: `ListenerConditionProgrammed`: accepted and every reference resolved.
    pub fn programmed(&self) -> bool {
        self.accepted() && self.unresolved.is_none()
    }

    /// The listener's hostname, lowercased.
    pub fn hostname(&self) -> Option<String> {
        self.entry.hostname.as_ref().map(|h| h.to_ascii_lowercase())
    }

    /// The TLS mode (`Terminate` when TLS is set without mode), `None` without TLS.
    pub fn tls_mode(&self) -> Option<TLSModeType> {
        match self.entry.protocol.as_str() {
            ProtocolType::HTTPS => Some(TLSModeType::Terminate),
            ProtocolType::TLS => Some(
                self.entry
                    .tls
                    .as_ref()
                    .and_then(|t| t.mode.clone())
                    .unwrap_or(TLSModeType::Terminate),
            ),
            _ => None,
        }
    }
}

/// Whether `selector` matches `labels`. spec: `metav1.LabelSelector` (an empty selector matches
/// everything).
pub fn selector_matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let by_labels = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_exprs = selector.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or_default();
        let got = labels.get(&e.key);
        match e.operator.as_str() {
            "In" => got.is_some_and(|g| values.contains(g)),
            "NotIn" => got.is_none_or(|g| !values.contains(g)),
            "Exists" => got.is_some(),
            "DoesNotExist" => got.is_none(),
            _ => false,
        }
    });
    by_labels && by_exprs
}

/// Whether a namespace passes a `from`/`selector` pair relative to `own_ns`.
/// spec: `RouteNamespaces.From` (`All`, `Same`, `Selector`; `None` only for ListenerSets).
pub fn namespace_allowed(
    snapshot: &Snapshot,
    from: Option<&FromNamespaces>,
    selector: Option<&LabelSelector>,
    own_ns: &str,
    ns: &str,
    default: &FromNamespaces,
) -> bool {
    match from.unwrap_or(default) {
        FromNamespaces::All => true,
        FromNamespaces::Same => own_ns == ns,
        FromNamespaces::Selector => {
            selector.is_some_and(|s| selector_matches(s, &snapshot.namespace_labels(ns)))
        }
        _ => false,
    }
}

fn kind(group: &str, kind: &str) -> RouteGroupKind {
    RouteGroupKind {
        group: Some(Group::new(group)),
        kind: Kind::new(kind),
    }
}

/// Route kinds a listener of this protocol/TLS mode can carry under `config`'s features, or why
/// the listener is not supported at all. spec: `ListenerStatus.SupportedKinds`.
fn kinds_for_protocol(
    entry: &ListenerEntry,
    config: &Config,
) -> Result<Vec<RouteGroupKind>, Problem> {
    let has = |f: F| config.features.contains(&f);
    match entry.protocol.as_str() {
        ProtocolType::HTTP | ProtocolType::HTTPS => {
            let mut v = vec![kind(GROUP, "HTTPRoute")];
            if has(F::GRPCRoute) {
                v.push(kind(GROUP, "GRPCRoute"));
            }
            Ok(v)
        }
        ProtocolType::TLS if has(F::TLSRoute) => {
            let mode = entry.tls.as_ref().and_then(|t| t.mode.clone());
            match mode.unwrap_or(TLSModeType::Terminate) {
                TLSModeType::Passthrough => Ok(vec![kind(GROUP, "TLSRoute")]),
                TLSModeType::Terminate if has(F::TLSRouteModeTerminate) => {
                    Ok(vec![kind(GROUP, "TLSRoute")])
                }
                m => Err(Problem::new(
                    "UnsupportedValue",
                    format!("TLS mode {} is not supported", m.as_str()),
                )),
            }
        }
        ProtocolType::TCP if has(F::TCPRoute) => Ok(vec![kind(GROUP, "TCPRoute")]),
        ProtocolType::UDP if has(F::UDPRoute) => Ok(vec![kind(GROUP, "UDPRoute")]),
        p => Err(Problem::new(
            "UnsupportedProtocol",
            format!("protocol {p} is not supported"),
        )),
    }
}

/// Narrows the protocol's kinds to `allowedRoutes.kinds`; an allowed kind the protocol cannot
/// carry is `InvalidRouteKinds`. spec: `AllowedRoutes.Kinds`.
fn allowed_kinds(
    entry: &ListenerEntry,
    protocol_kinds: Vec<RouteGroupKind>,
) -> (Vec<RouteGroupKind>, Option<Problem>) {
    let Some(wanted) = entry.allowed_routes.as_ref().and_then(|a| a.kinds.as_ref()) else {
        return (protocol_kinds, None);
    };
    if wanted.is_empty() {
        return (protocol_kinds, None);
    }
    let mut out = Vec::new();
    let mut invalid = Vec::new();
    for w in wanted {
        let g = w.group.as_ref().map_or(GROUP, |g| g.as_str());
        match protocol_kinds
            .iter()
            .find(|k| k.kind == w.kind && k.group.as_ref().map_or(GROUP, |g| g.as_str()) == g)
        {
            Some(k) if !out.contains(k) => out.push(k.clone()),
            Some(_) => {}
            None => invalid.push(format!("{g}/{}", w.kind.as_str())),
        }
    }
    let problem = (!invalid.is_empty()).then(|| {
        Problem::new(
            "InvalidRouteKinds",
            format!("route kinds not supported: {}", invalid.join(", ")),
        )
    });
    (out, problem)
}

/// Whether a Secret's content looks like a usable PEM key pair.
pub(crate) fn secret_is_keypair(secret: &super::snapshot::Secret) -> bool {
    let pem = |key: &str, marker: &str| {
        secret
            .data
            .get(key)
            .and_then(|v| v.decode())
            .is_some_and(|b| String::from_utf8_lossy(&b).contains(marker))
    };
    pem("tls.crt", "-----BEGIN CERTIFICATE-----") && pem("tls.key", "PRIVATE KEY-----")
}

/// Resolves `tls.certificateRefs` of a terminating listener. spec: `ListenerTLSConfig`
/// `CertificateRefs` (kind Secret, group core; cross-namespace needs a ReferenceGrant).
fn resolve_certificates(
    snapshot: &Snapshot,
    owner: &ObjectRef,
    entry: &ListenerEntry,
) -> Result<Vec<Key>, Problem> {
    let refs = entry
        .tls
        .as_ref()
        .and_then(|t| t.certificate_refs.as_deref())
        .unwrap_or_default();
    if refs.is_empty() {
        return Err(Problem::new(
            "InvalidCertificateRef",
            "no certificateRefs for TLS termination",
        ));
    }
    let mut out = Vec::new();
    for r in refs {
        let group = r.group.as_ref().map_or("", |g| g.as_str());
        let kind = r.kind.as_ref().map_or("Secret", |k| k.as_str());
        let ns = r
            .namespace
            .as_ref()
            .map_or(owner.namespace.as_str(), |n| n.as_str());
        if !group.is_empty() || kind != "Secret" {
            return Err(Problem::new(
                "InvalidCertificateRef",
                format!("unsupported certificate reference kind {group}/{kind}"),
            ));
        }
        let from = RefEnd {
            group: GROUP,
            kind: owner.kind.as_str(),
            namespace: &owner.namespace,
            name: &owner.name,
        };
        let to = RefEnd {
            group: "",
            kind: "Secret",
            namespace: ns,
            name: r.name.as_str(),
        };
        if !permitted(snapshot, from, to) {
            return Err(Problem::new(
                "RefNotPermitted",
                format!(
                    "Secret {ns}/{} is not permitted by any ReferenceGrant",
                    r.name.as_str()
                ),
            ));
        }
        let key = (ns.to_string(), r.name.to_string());
        match snapshot.secrets.get(&key) {
            Some(s) if secret_is_keypair(s) => out.push(key),
            Some(_) => {
                return Err(Problem::new(
                    "InvalidCertificateRef",
                    format!(
                        "Secret {ns}/{} is not a valid TLS key pair",
                        r.name.as_str()
                    ),
                ));
            }
            None => {
                return Err(Problem::new(
                    "InvalidCertificateRef",
                    format!("Secret {ns}/{} does not exist", r.name.as_str()),
                ));
            }
        }
    }
    Ok(out)
}

/// Checks the client-certificate validation that applies to a terminating listener's port
/// (`perPort` entry, else `default`). Returns (unresolved problem, whether no CA is usable).
/// spec: `FrontendTLSConfig`, `FrontendTLSValidation.CACertificateRefs`
/// (reasons `InvalidCACertificateRef`, `InvalidCACertificateKind`, `RefNotPermitted`,
/// `NoValidCACertificate`).
fn frontend_validation(
    snapshot: &Snapshot,
    gateway: &Key,
    frontend: &FrontendTLSConfig,
    port: i32,
) -> (Option<Problem>, bool) {
    let validation = frontend
        .per_port
        .iter()
        .flatten()
        .find(|p| p.port == port)
        .map_or(&frontend.default, |p| &p.tls)
        .validation
        .as_ref();
    let Some(v) = validation else {
        return (None, false);
    };
    let mut problem = None;
    let mut valid = false;
    for r in &v.ca_certificate_refs {
        let (group, kind) = (r.group.as_str(), r.kind.as_str());
        let ns = r
            .namespace
            .as_ref()
            .map_or(gateway.0.as_str(), |n| n.as_str());
        if !group.is_empty() || !matches!(kind, "ConfigMap" | "Secret") {
            problem.get_or_insert_with(|| {
                Problem::new(
                    "InvalidCACertificateKind",
                    format!("CA certificate kind {group}/{kind} is not supported"),
                )
            });
            continue;
        }
        let from = RefEnd {
            group: GROUP,
            kind: "Gateway",
            namespace: &gateway.0,
            name: &gateway.1,
        };
        let to = RefEnd {
            group: "",
            kind,
            namespace: ns,
            name: r.name.as_str(),
        };
        if !permitted(snapshot, from, to) {
            problem.get_or_insert_with(|| {
                Problem::new(
                    "RefNotPermitted",
                    format!(
                        "{kind} {ns}/{} is not permitted by any ReferenceGrant",
                        r.name.as_str()
                    ),
                )
            });
            continue;
        }
        let key = (ns.to_string(), r.name.to_string());
        let pem = |v: Option<&super::snapshot::SecretValue>| {
            v.and_then(|v| v.decode()).is_some_and(|b| {
                String::from_utf8_lossy(&b).contains("-----BEGIN CERTIFICATE-----")
            })
        };
        let ok = match kind {
            "ConfigMap" => snapshot
                .config_maps
                .get(&key)
                .is_some_and(|c| pem(c.data.get("ca.crt"))),
            _ => snapshot
                .secrets
                .get(&key)
                .is_some_and(|c| pem(c.data.get("ca.crt"))),
        };
        if ok {
            valid = true;
        } else {
            problem.get_or_insert_with(|| {
                Problem::new(
                    "InvalidCACertificateRef",
                    format!(
                        "{kind} {ns}/{} is missing or has no PEM ca.crt",
                        r.name.as_str()
                    ),
                )
            });
        }
    }
    (problem, !valid)
}

/// Evaluates one listener on its own (kinds, support, references); conflicts come later.
/// `frontend` is the Gateway's `spec.tls.frontend`.
pub fn evaluate(
    snapshot: &Snapshot,
    config: &Config,
    owner: ObjectRef,
    gateway: Key,
    entry: ListenerEntry,
    frontend: Option<&FrontendTLSConfig>,
) -> ListenerState {
    let (supported_kinds, unsupported, kinds_problem) = match kinds_for_protocol(&entry, config) {
        Ok(k) => {
            let (k, p) = allowed_kinds(&entry, k);
            (k, None, p)
        }
        Err(p) => (Vec::new(), Some(p), None),
    };
    let mut state = ListenerState {
        owner,
        gateway,
        entry,
        supported_kinds,
        unsupported,
        conflict: None,
        unresolved: kinds_problem,
        certificates: Vec::new(),
        attached_routes: 0,
        overlapping_tls: false,
    };
    if state.unsupported.is_none() && state.tls_mode() == Some(TLSModeType::Terminate) {
        match resolve_certificates(snapshot, &state.owner, &state.entry) {
            Ok(c) => state.certificates = c,
            Err(p) => {
                if state.unresolved.is_none() {
                    state.unresolved = Some(p);
                }
            }
        }
        if let Some(f) = frontend {
            let (problem, none_valid) =
                frontend_validation(snapshot, &state.gateway, f, state.entry.port);
            if state.unresolved.is_none() {
                state.unresolved = problem;
            }
            if none_valid {
                state.unsupported = Some(Problem::new(
                    "NoValidCACertificate",
                    "no usable CA certificate for client validation",
                ));
            }
        }
    }
    state
}

/// Protocol family for distinctness. spec: "Handling indistinct Listeners".
#[derive(PartialEq, Eq)]
enum Family {
    Http,
    TlsTerminate,
    TlsPassthrough,
    Tcp,
    Udp,
    Other(String),
}

fn family(l: &ListenerState) -> Family {
    match l.entry.protocol.as_str() {
        ProtocolType::HTTP => Family::Http,
        ProtocolType::HTTPS => Family::TlsTerminate,
        ProtocolType::TLS => match l.tls_mode() {
            Some(TLSModeType::Passthrough) => Family::TlsPassthrough,
            _ => Family::TlsTerminate,
        },
        ProtocolType::TCP => Family::Tcp,
        ProtocolType::UDP => Family::Udp,
        p => Family::Other(p.to_string()),
    }
}

/// Whether two listeners conflict, and how. spec: listeners sharing a port must be distinct by
/// protocol family and, for HTTP/HTTPS/TLS, by hostname; TCP is distinct by port only; a TCP
/// listener makes every other listener on its port indistinct. UDP uses another transport and
/// conflicts only with UDP. Terminating and passthrough TLS on one port need `TLSRouteModeMixed`.
pub fn conflict_between(a: &ListenerState, b: &ListenerState, config: &Config) -> Option<Conflict> {
    if a.entry.port != b.entry.port {
        return None;
    }
    let (fa, fb) = (family(a), family(b));
    if (fa == Family::Udp) != (fb == Family::Udp) {
        return None;
    }
    if fa == fb {
        return match fa {
            Family::Tcp | Family::Udp => Some(Conflict::Protocol),
            _ if a.hostname() == b.hostname() => Some(Conflict::Hostname),
            _ => None,
        };
    }
    let tls = |f: &Family| matches!(f, Family::TlsTerminate | Family::TlsPassthrough);
    if tls(&fa) && tls(&fb) && config.features.contains(&F::TLSRouteModeMixed) {
        return (a.hostname() == b.hostname()).then_some(Conflict::Hostname);
    }
    Some(Conflict::Protocol)
}

/// Marks conflicts over the merged listener list, given as groups in precedence order (the
/// Gateway's own listeners, then each attached ListenerSet oldest first, then by
/// namespace/name). spec: `ListenerSetSpec.Listeners`: a listener conflicting with an accepted
/// listener of a higher-precedence group loses; within one group no listener wins, so every
/// listener of an indistinct set is conflicted.
pub fn mark_conflicts(groups: &mut [Vec<ListenerState>], config: &Config) {
    let mut winners: Vec<ListenerState> = Vec::new();
    for group in groups.iter_mut() {
        // An unsupported listener still loses to an accepted one it conflicts with (the
        // conflict is the more specific reason), but never makes others conflict.
        for l in group.iter_mut() {
            l.conflict = winners
                .iter()
                .filter_map(|w| conflict_between(l, w, config))
                .min();
        }
        let n = group.len();
        let mut within = vec![None; n];
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                let (a, b) = (&group[i], &group[j]);
                if a.conflict.is_some()
                    || b.conflict.is_some()
                    || a.unsupported.is_some()
                    || b.unsupported.is_some()
                {
                    continue;
                }
                if let Some(c) = conflict_between(a, b, config) {
                    within[i] = Some(within[i].map_or(c, |p: Conflict| p.min(c)));
                }
            }
        }
        for (l, c) in group.iter_mut().zip(within) {
            if l.conflict.is_none() {
                l.conflict = c;
            }
        }
        winners.extend(group.iter().filter(|l| l.accepted()).cloned());
    }
}

/// Marks accepted TLS-terminating listeners whose hostnames overlap on one port (a missing
/// hostname overlaps every hostname). spec: `ListenerConditionOverlappingTLSConfig`, reason
/// `OverlappingHostnames` (set only when true).
pub fn mark_overlapping_tls(listeners: &mut [ListenerState]) {
    let terminating =
        |l: &ListenerState| l.accepted() && l.tls_mode() == Some(TLSModeType::Terminate);
    let n = listeners.len();
    let mut overlapping = vec![false; n];
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (&listeners[i], &listeners[j]);
            if i == j || a.entry.port != b.entry.port || !terminating(a) || !terminating(b) {
                continue;
            }
            let overlap = match (a.hostname(), b.hostname()) {
                (Some(x), Some(y)) => super::hostname::intersect(&x, &y).is_some(),
                _ => true,
            };
            overlapping[i] |= overlap;
        }
    }
    for (l, o) in listeners.iter_mut().zip(overlapping) {
        l.overlapping_tls = o;
    }
}

/// Whether a ListenerSet in `ns` may attach to `gateway`. spec:
/// `GatewaySpec.AllowedListeners` (default `from: None`).
pub fn listener_set_allowed(
    snapshot: &Snapshot,
    gateway: &gateway_api_types::v1::Gateway,
    gateway_ns: &str,
    ns: &str,
) -> bool {
    let n = gateway
        .spec
        .allowed_listeners
        .as_ref()
        .and_then(|a| a.namespaces.as_ref());
    namespace_allowed(
        snapshot,
        n.and_then(|n| n.from.as_ref()),
        n.and_then(|n| n.selector.as_ref()),
        gateway_ns,
        ns,
        &FromNamespaces::None,
    )
}

/// Whether a Route of `kind` in namespace `route_ns` may attach to `listener`.
/// spec: `AllowedRoutes` (kinds and namespaces; default `from: Same`).
pub fn route_allowed(
    snapshot: &Snapshot,
    listener: &ListenerState,
    kind: ObjectKind,
    route_ns: &str,
) -> bool {
    let kind_ok = listener
        .supported_kinds
        .iter()
        .any(|k| k.kind.as_str() == kind.as_str());
    let n = listener
        .entry
        .allowed_routes
        .as_ref()
        .and_then(|a| a.namespaces.as_ref());
    kind_ok
        && namespace_allowed(
            snapshot,
            n.and_then(|n| n.from.as_ref()),
            n.and_then(|n| n.selector.as_ref()),
            &listener.owner.namespace,
            route_ns,
            &FromNamespaces::Same,
        )
}
