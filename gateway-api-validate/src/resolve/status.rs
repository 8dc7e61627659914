//! Status subresources: building conditions and merging them with what is already written.
//!
//! spec: `metav1.Condition` (`lastTransitionTime` is "the last time the condition transitioned
//! from one status to another"), `RouteParentStatus.ControllerName` and
//! `PolicyAncestorStatus.ControllerName` ("implementations MUST NOT change entries written by
//! other controllers"; apis/v1/shared_types.go, policy_types.go).

use gateway_api_types::conditions::{Condition, Time};
use gateway_api_types::features::SupportedFeatureName;
use gateway_api_types::policy::{PolicyAncestorStatus, PolicyStatus};
use gateway_api_types::shared::{GatewayController, RouteParentStatus, RouteStatus};
use gateway_api_types::v1::gateway::{GatewayStatus, ListenerStatus};
use gateway_api_types::v1::gatewayclass::{GatewayClassStatus, SupportedFeature};
use gateway_api_types::v1::listenerset::{ListenerEntryStatus, ListenerSetStatus};

use super::gateway::{self, GatewayState};
use super::listener::ListenerState;
use super::snapshot::{self, ObjectKind, ObjectRef};
use super::{Config, GROUP, backend_tls_policy, gatewayclass};

/// Builds a condition computed at `generation`, transitioning at `now`.
pub fn condition(
    type_: &str,
    status: bool,
    reason: &str,
    message: impl Into<String>,
    generation: i64,
    now: &Time,
) -> Condition {
    Condition {
        type_: type_.to_string(),
        status: if status { "True" } else { "False" }.to_string(),
        reason: reason.to_string(),
        message: message.into(),
        observed_generation: Some(generation),
        last_transition_time: now.clone(),
    }
}

/// Merges freshly computed conditions with the ones already written: a condition whose
/// `status` did not change keeps its `lastTransitionTime`. The result is in `new`'s order.
pub fn merge_conditions(old: &[Condition], new: Vec<Condition>) -> Vec<Condition> {
    new.into_iter()
        .map(|mut c| {
            if let Some(o) = old
                .iter()
                .find(|o| o.type_ == c.type_ && o.status == c.status)
            {
                c.last_transition_time = o.last_transition_time.clone();
            }
            c
        })
        .collect()
}

/// Merges this controller's parent entries into a Route status: entries of other controllers
/// are kept untouched (and first, in their order); ours replace our previous ones, keeping
/// `lastTransitionTime` of unchanged conditions.
pub fn merge_route_status(
    old: Option<&RouteStatus>,
    controller: &str,
    ours: Vec<RouteParentStatus>,
) -> RouteStatus {
    let old_parents = old.map(|s| s.parents.as_slice()).unwrap_or_default();
    if old_parents.is_empty() {
        // Nothing written yet (by anyone): ours as they are.
        return RouteStatus { parents: ours };
    }
    let mut parents: Vec<RouteParentStatus> = Vec::with_capacity(old_parents.len() + ours.len());
    parents.extend(
        old_parents
            .iter()
            .filter(|p| p.controller_name.as_str() != controller)
            .cloned(),
    );
    for mut p in ours {
        if let Some(prev) = old_parents
            .iter()
            .find(|o| o.controller_name.as_str() == controller && o.parent_ref == p.parent_ref)
        {
            p.conditions = merge_conditions(&prev.conditions, p.conditions);
        }
        parents.push(p);
    }
    RouteStatus { parents }
}

/// Merges this controller's ancestor entries into a policy status (same rules as
/// [`merge_route_status`]).
pub fn merge_policy_status(
    old: Option<&PolicyStatus>,
    controller: &str,
    ours: Vec<PolicyAncestorStatus>,
) -> PolicyStatus {
    let old_anc = old.map(|s| s.ancestors.as_slice()).unwrap_or_default();
    let mut ancestors: Vec<PolicyAncestorStatus> = old_anc
        .iter()
        .filter(|p| p.controller_name.as_str() != controller)
        .cloned()
        .collect();
    for mut p in ours {
        if let Some(prev) = old_anc
            .iter()
            .find(|o| o.controller_name.as_str() == controller && o.ancestor_ref == p.ancestor_ref)
        {
            p.conditions = merge_conditions(&prev.conditions, p.conditions);
        }
        ancestors.push(p);
    }
    PolicyStatus { ancestors }
}

/// The status of an owned GatewayClass. spec: `GatewayClassStatus` (Accepted, SupportedVersion,
/// supportedFeatures).
pub(crate) fn class_status(
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
        supported_features: Some(supported_features(config)),
    }
}

/// spec: `GatewayClassStatus.SupportedFeatures` "MUST be sorted in ascending alphabetical order
/// by the Name key".
fn supported_features(config: &Config) -> Vec<SupportedFeature> {
    let mut names: Vec<&str> = config.features.iter().map(|f| f.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| SupportedFeature {
            name: name.to_string(),
        })
        .collect()
}

/// Listener conditions in the order Accepted, Conflicted, ResolvedRefs, Programmed.
pub(crate) fn listener_conditions(
    l: &ListenerState,
    generation: i64,
    now: &Time,
) -> Vec<Condition> {
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

/// The status of an owned Gateway. spec: `GatewayStatus` (Accepted, Programmed, ResolvedRefs,
/// InsecureFrontendValidationMode; listeners; attachedListenerSets).
pub(crate) fn gateway_status(
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
    let programmed = match (&g.rejected, &g.not_programmed) {
        (None, None) => condition(
            "Programmed",
            true,
            "Programmed",
            "Gateway programmed",
            generation,
            now,
        ),
        (Some(p), _) => condition("Programmed", false, "Invalid", &p.message, generation, now),
        (None, Some(p)) => condition("Programmed", false, p.reason, &p.message, generation, now),
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
    // Requested addresses the infrastructure can use are reported; without any (no request,
    // or requests without a value), the addresses already written (assigned by the
    // infrastructure) are kept.
    let addresses = if g.addresses.is_empty() {
        old.and_then(|s| s.addresses.clone())
    } else {
        Some(g.addresses.clone())
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

/// The status of a ListenerSet of an owned Gateway. spec: `ListenerSetStatus`.
pub(crate) fn listener_set_status(
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

/// The status of a BackendTLSPolicy. spec: `PolicyAncestorStatus` per ancestor Gateway.
pub(crate) fn policy_status(
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
    merge_policy_status(policy.status.as_ref(), &config.controller_name, ours)
}

/// This controller's entry for one parentRef of a Route: `Accepted` (with the attachment
/// reason), `ResolvedRefs` (the first unresolved backend), and `PartiallyInvalid` when accepted
/// with dropped rules. spec: `RouteConditionType` (apis/v1/shared_types.go); PartiallyInvalid
/// "MUST only be set when it is True".
pub(crate) fn route_parent_status(
    config: &Config,
    outcome: &super::attachment::ParentOutcome,
    unresolved: Option<&super::listener::Problem>,
    dropped: &[String],
    generation: i64,
) -> RouteParentStatus {
    let now = &config.now;
    let mut conditions = Vec::with_capacity(3);
    conditions.push(match &outcome.result {
        Ok(_) => condition(
            "Accepted",
            true,
            "Accepted",
            "Route accepted",
            generation,
            now,
        ),
        Err(p) => condition("Accepted", false, p.reason, &p.message, generation, now),
    });
    conditions.push(match unresolved {
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
    if outcome.result.is_ok() && !dropped.is_empty() {
        conditions.push(condition(
            "PartiallyInvalid",
            true,
            "UnsupportedValue",
            format!("Dropped Rule(s): {}", dropped.join("; ")),
            generation,
            now,
        ));
    }
    RouteParentStatus {
        parent_ref: outcome.parent_ref.clone(),
        controller_name: GatewayController::new(config.controller_name.clone()),
        conditions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::shared::{GatewayController, ParentReference};

    fn t(secs: i64) -> Time {
        Time(k8s_openapi::jiff::Timestamp::from_second(secs).unwrap_or_default())
    }

    #[test]
    fn unchanged_condition_keeps_transition_time() {
        let old = vec![condition("Accepted", true, "Accepted", "", 1, &t(10))];
        let new = vec![condition("Accepted", true, "Accepted", "", 2, &t(20))];
        let merged = merge_conditions(&old, new);
        assert_eq!(merged[0].last_transition_time, t(10));
        assert_eq!(merged[0].observed_generation, Some(2));
        let flipped =
            merge_conditions(&old, vec![condition("Accepted", false, "X", "", 2, &t(20))]);
        assert_eq!(flipped[0].last_transition_time, t(20));
    }

    #[test]
    fn supported_features_are_sorted_by_name() {
        let config = Config::new("x.io/y").with_features([
            SupportedFeatureName::UDPRoute,
            SupportedFeatureName::GRPCRoute,
        ]);
        let names: Vec<String> = supported_features(&config)
            .into_iter()
            .map(|f| f.name)
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), 5);
    }

    #[test]
    fn other_controllers_entries_are_kept() {
        let theirs = RouteParentStatus {
            parent_ref: ParentReference::default(),
            controller_name: GatewayController::new("other.io/x"),
            conditions: vec![],
        };
        let old = RouteStatus {
            parents: vec![theirs.clone()],
        };
        let merged = merge_route_status(Some(&old), "me.io/y", vec![]);
        assert_eq!(merged.parents, vec![theirs]);
    }
}
