//! Gateways and ListenerSets: ownership, acceptance, and the merged listener list.
//!
//! spec: `GatewayConditionType`/`GatewayConditionReason` (Accepted with `ListenersNotValid`,
//! `InvalidParameters`, `UnsupportedAddress`), `GatewayInfrastructure.ParametersRef`,
//! `GatewaySpec.AllowedListeners` and `ListenerSetConditionReason` (apis/v1/gateway_types.go,
//! listenerset_types.go).

use std::collections::BTreeMap;

use gateway_api_types::v1::Gateway;
use gateway_api_types::v1::listenerset::ListenerEntry;

use super::gatewayclass::{ClassState, parameters_exist};
use gateway_api_types::features::SupportedFeatureName;
use gateway_api_types::v1::gateway::{FrontendValidationModeType, GatewayStatusAddress};

use super::listener::{self, ListenerState, Problem, listener_set_allowed};
use super::reference_grant::{RefEnd, permitted};
use super::snapshot::{Key, ObjectKind, ObjectRef, Snapshot, created};
use super::{Config, GROUP};

/// A ListenerSet attached (or trying to attach) to an owned Gateway.
#[derive(Clone, Debug, PartialEq)]
pub struct ListenerSetState {
    /// Its namespace/name.
    pub key: Key,
    /// `Accepted=False` reason (`NotAllowed`, `ParentNotAccepted`, `ListenersNotValid`).
    pub rejected: Option<Problem>,
}

/// An owned Gateway after evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayState {
    /// Its namespace/name.
    pub key: Key,
    /// `Accepted=False` reason, `None` when accepted.
    pub rejected: Option<Problem>,
    /// Listener problems to report with `Accepted` (reason `ListenersNotValid`), even when the
    /// Gateway is accepted.
    pub listeners_not_valid: Option<String>,
    /// Every listener: the Gateway's own first, then each accepted ListenerSet's in precedence
    /// order.
    pub listeners: Vec<ListenerState>,
    /// ListenerSets whose parent is this Gateway, in precedence order.
    pub listener_sets: Vec<ListenerSetState>,
    /// `ResolvedRefs=False` reason for Gateway-level references (backend client certificate).
    pub unresolved: Option<Problem>,
    /// Whether a frontend validation allows insecure fallback.
    pub insecure_frontend: bool,
    /// `Programmed=False` reason of an accepted Gateway (`AddressNotUsable`).
    pub not_programmed: Option<Problem>,
    /// The requested static addresses the Gateway is given (`status.addresses`): those of a
    /// supported type the infrastructure can use, as (type, value).
    pub addresses: Vec<GatewayStatusAddress>,
}

impl GatewayState {
    /// Number of accepted ListenerSets (`status.attachedListenerSets`).
    pub fn attached_listener_sets(&self) -> i32 {
        let n = self
            .listener_sets
            .iter()
            .filter(|s| s.rejected.is_none())
            .count();
        i32::try_from(n).unwrap_or(i32::MAX)
    }
}

/// The Gateway a ListenerSet names as parent, if it is a Gateway.
pub fn listener_set_parent(ls: &gateway_api_types::v1::ListenerSet, ls_ns: &str) -> Option<Key> {
    let p = &ls.spec.parent_ref;
    let group = p.group.as_ref().map_or(GROUP, |g| g.as_str());
    let kind = p.kind.as_ref().map_or("Gateway", |k| k.as_str());
    (group == GROUP && kind == "Gateway").then(|| {
        (
            p.namespace
                .as_ref()
                .map_or(ls_ns, |n| n.as_str())
                .to_string(),
            p.name.to_string(),
        )
    })
}

/// Evaluates an owned Gateway with its class verdict.
pub fn evaluate(
    snapshot: &Snapshot,
    config: &Config,
    key: &Key,
    gw: &Gateway,
    class: &ClassState,
) -> GatewayState {
    let gw_ref = ObjectRef::new(ObjectKind::Gateway, &key.0, &key.1);
    let frontend = gw.spec.tls.as_ref().and_then(|t| t.frontend.as_ref());
    let own: Vec<ListenerState> = gw
        .spec
        .listeners
        .iter()
        .map(|l| {
            listener::evaluate(
                snapshot,
                config,
                gw_ref.clone(),
                key.clone(),
                ListenerEntry::from(l.clone()),
                frontend,
            )
        })
        .collect();

    // spec: ListenerSets ordered by creation time (oldest first), then namespace/name.
    let mut sets: Vec<(&Key, &gateway_api_types::v1::ListenerSet)> = snapshot
        .listener_sets
        .iter()
        // An implementation without the ListenerSet feature ignores ListenerSets.
        .filter(|_| config.features.contains(&SupportedFeatureName::ListenerSet))
        .filter(|(k, ls)| listener_set_parent(ls, &k.0).as_ref() == Some(key))
        .collect();
    sets.sort_by(|(ka, a), (kb, b)| {
        let (ca, cb) = (created(&a.metadata), created(&b.metadata));
        let by_time = match (ca, cb) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_time.then_with(|| ka.cmp(kb))
    });

    let mut groups = vec![own];
    let mut set_states = Vec::new();
    let mut set_group = Vec::new();
    for (k, ls) in sets {
        let rejected = if !class.accepted() {
            Some(Problem::new(
                "ParentNotAccepted",
                "parent Gateway is not accepted",
            ))
        } else if !listener_set_allowed(snapshot, gw, &key.0, &k.0) {
            Some(Problem::new(
                "NotAllowed",
                "the parent Gateway's allowedListeners does not allow this namespace",
            ))
        } else {
            None
        };
        if rejected.is_none() {
            let owner = ObjectRef::new(ObjectKind::ListenerSet, &k.0, &k.1);
            set_group.push(groups.len());
            groups.push(
                ls.spec
                    .listeners
                    .iter()
                    .map(|l| {
                        listener::evaluate(
                            snapshot,
                            config,
                            owner.clone(),
                            key.clone(),
                            l.clone(),
                            frontend,
                        )
                    })
                    .collect(),
            );
        } else {
            set_group.push(usize::MAX);
        }
        set_states.push(ListenerSetState {
            key: k.clone(),
            rejected,
        });
    }
    listener::mark_conflicts(&mut groups, config);
    for (state, g) in set_states.iter_mut().zip(&set_group) {
        if let Some(group) = groups.get(*g)
            && !group.iter().any(ListenerState::programmed)
        {
            state.rejected = Some(Problem::new(
                "ListenersNotValid",
                "no listener of the ListenerSet is valid",
            ));
        }
    }

    let own = groups.first().map(Vec::as_slice).unwrap_or_default();
    let invalid: Vec<&str> = own
        .iter()
        .filter(|l| !l.accepted())
        .map(|l| l.entry.name.as_str())
        .collect();
    let listeners_not_valid =
        (!invalid.is_empty()).then(|| format!("invalid listeners: {}", invalid.join(", ")));
    let rejected = if !class.accepted() {
        Some(Problem::new(
            "Invalid",
            format!("GatewayClass {} is not accepted", class.name),
        ))
    } else if let Some(p) = gw
        .spec
        .infrastructure
        .as_ref()
        .and_then(|i| i.parameters_ref.as_ref())
        .filter(|p| !parameters_exist(snapshot, p.group.as_str(), p.kind.as_str(), &key.0, &p.name))
    {
        Some(Problem::new(
            "InvalidParameters",
            format!(
                "infrastructure.parametersRef {}/{} {} not found",
                p.group.as_str(),
                p.kind.as_str(),
                p.name
            ),
        ))
    } else if let Some(a) = gw
        .spec
        .addresses
        .iter()
        .flatten()
        .find(|a| !address_type_supported(a))
    {
        Some(Problem::new(
            "UnsupportedAddress",
            format!(
                "address type {} is not supported",
                a.type_.as_ref().map_or("", |t| t.as_str())
            ),
        ))
    } else if !own.is_empty() && own.iter().all(|l| !l.accepted()) {
        Some(Problem::new("ListenersNotValid", "no listener is valid"))
    } else {
        None
    };
    let mut listeners: Vec<ListenerState> = groups.into_iter().flatten().collect();
    listener::mark_overlapping_tls(&mut listeners);
    let unresolved = gw
        .spec
        .tls
        .as_ref()
        .and_then(|t| t.backend.as_ref())
        .and_then(|b| b.client_certificate_ref.as_ref())
        .and_then(|r| client_certificate_problem(snapshot, key, r));
    // spec: GatewayConditionInsecureFrontendValidationMode.
    let insecure_frontend = frontend.is_some_and(|f| {
        std::iter::once(&f.default)
            .chain(f.per_port.iter().flatten().map(|p| &p.tls))
            .filter_map(|t| t.validation.as_ref())
            .any(|v| v.mode == Some(FrontendValidationModeType::AllowInsecureFallback))
    });
    // spec: GatewayReasonAddressNotUsable: a requested static address the infrastructure
    // cannot use leaves the (accepted) Gateway unprogrammed; the usable ones are assigned.
    let usable = |v: &str| {
        config
            .usable_addresses
            .as_ref()
            .is_none_or(|set| set.contains(v))
    };
    let requested = gw
        .spec
        .addresses
        .iter()
        .flatten()
        .filter(|a| address_type_supported(a));
    let not_programmed = if rejected.is_some() {
        None
    } else {
        requested
            .clone()
            .filter_map(|a| a.value.as_deref())
            .find(|v| !usable(v))
            .map(|v| {
                Problem::new(
                    "AddressNotUsable",
                    format!("spec.addresses: address {v} cannot be used by the infrastructure; remove it or request another"),
                )
            })
    };
    let addresses = requested
        .filter_map(|a| {
            let v = a.value.as_deref()?;
            usable(v).then(|| GatewayStatusAddress {
                type_: a.type_.clone(),
                value: v.to_string(),
            })
        })
        .collect();
    GatewayState {
        key: key.clone(),
        rejected,
        not_programmed,
        addresses,
        listeners_not_valid,
        listeners,
        listener_sets: set_states,
        unresolved,
        insecure_frontend,
    }
}

/// Whether an address type is supported: `IPAddress` (the default) and `Hostname`.
/// spec: GatewayReasonUnsupportedAddress.
fn address_type_supported(a: &gateway_api_types::v1::gateway::GatewaySpecAddress) -> bool {
    matches!(
        a.type_.as_ref().map_or("IPAddress", |t| t.as_str()),
        "IPAddress" | "Hostname"
    )
}

/// Checks `spec.tls.backend.clientCertificateRef`. spec: `GatewayBackendTLS`
/// (reasons `InvalidClientCertificateRef`, `RefNotPermitted`).
fn client_certificate_problem(
    snapshot: &Snapshot,
    key: &Key,
    r: &gateway_api_types::shared::SecretObjectReference,
) -> Option<Problem> {
    let group = r.group.as_ref().map_or("", |g| g.as_str());
    let kind = r.kind.as_ref().map_or("Secret", |k| k.as_str());
    let ns = r.namespace.as_ref().map_or(key.0.as_str(), |n| n.as_str());
    if !group.is_empty() || kind != "Secret" {
        return Some(Problem::new(
            "InvalidClientCertificateRef",
            format!("client certificate kind {group}/{kind} is not supported"),
        ));
    }
    let from = RefEnd {
        group: GROUP,
        kind: "Gateway",
        namespace: &key.0,
        name: &key.1,
    };
    let to = RefEnd {
        group: "",
        kind: "Secret",
        namespace: ns,
        name: r.name.as_str(),
    };
    if !permitted(snapshot, from, to) {
        return Some(Problem::new(
            "RefNotPermitted",
            format!(
                "Secret {ns}/{} is not permitted by any ReferenceGrant",
                r.name.as_str()
            ),
        ));
    }
    match snapshot.secrets.get(&(ns.to_string(), r.name.to_string())) {
        Some(s) if listener::secret_is_keypair(s) => None,
        _ => Some(Problem::new(
            "InvalidClientCertificateRef",
            format!(
                "Secret {ns}/{} is missing or not a TLS key pair",
                r.name.as_str()
            ),
        )),
    }
}

/// Evaluates every Gateway whose class this controller owns, keyed by namespace/name.
pub fn evaluate_all(
    snapshot: &Snapshot,
    config: &Config,
    classes: &BTreeMap<String, ClassState>,
) -> BTreeMap<Key, GatewayState> {
    snapshot
        .gateways
        .iter()
        .filter_map(|(k, gw)| {
            let class = classes.get(gw.spec.gateway_class_name.as_str())?;
            Some((k.clone(), evaluate(snapshot, config, k, gw, class)))
        })
        .collect()
}
