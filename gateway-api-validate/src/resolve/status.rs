//! Status subresources: building conditions and merging them with what is already written.
//!
//! spec: `metav1.Condition` (`lastTransitionTime` is "the last time the condition transitioned
//! from one status to another"), `RouteParentStatus.ControllerName` and
//! `PolicyAncestorStatus.ControllerName` ("implementations MUST NOT change entries written by
//! other controllers"; apis/v1/shared_types.go, policy_types.go).

use gateway_api_types::conditions::{Condition, Time};
use gateway_api_types::policy::{PolicyAncestorStatus, PolicyStatus};
use gateway_api_types::shared::{RouteParentStatus, RouteStatus};

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
    let mut parents: Vec<RouteParentStatus> = old_parents
        .iter()
        .filter(|p| p.controller_name.as_str() != controller)
        .cloned()
        .collect();
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
