//! Policy attachment: the target references and the status every policy kind shares.
//!
//! spec: `apis/v1/policy_types.go` (GEP-713). A policy names the objects it applies to with
//! target references, and reports per ancestor (usually a Gateway) whether it took effect.
//! Used by [`crate::v1::BackendTLSPolicy`] and, with the `experimental` feature,
//! `x::v1alpha1::XBackendTrafficPolicy`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::conditions::{Condition, ConditionSchema};
use crate::shared::{
    GatewayController, Group, Kind, Namespace, ObjectName, ParentReference, SectionName,
};

/// The CRD label that marks a kind as a policy; its value is [`POLICY_DIRECT`] or
/// [`POLICY_INHERITED`]. spec: `PolicyLabelKey`.
pub const POLICY_LABEL_KEY: &str = "gateway.networking.k8s.io/policy";
/// Label value: the policy affects only the object it targets.
pub const POLICY_DIRECT: &str = "Direct";
/// Label value: the policy also affects the objects below its target in the hierarchy.
pub const POLICY_INHERITED: &str = "Inherited";

/// A policy target in the policy's own namespace. spec: `LocalPolicyTargetReference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct LocalPolicyTargetReference {
    /// API group of the target (empty for the core group).
    pub group: Group,
    /// Kind of the target.
    pub kind: Kind,
    /// Name of the target.
    pub name: ObjectName,
}

/// A policy target that may live in another namespace.
/// spec: `NamespacedPolicyTargetReference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct NamespacedPolicyTargetReference {
    /// API group of the target (empty for the core group).
    pub group: Group,
    /// Kind of the target.
    pub kind: Kind,
    /// Name of the target.
    pub name: ObjectName,
    /// Namespace of the target; the policy's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
}

/// A policy target in the policy's namespace, optionally narrowed to one section of it (a
/// listener, a route rule, a Service port). spec: `LocalPolicyTargetReferenceWithSectionName`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalPolicyTargetReferenceWithSectionName {
    /// The target object.
    #[serde(flatten)]
    pub target: LocalPolicyTargetReference,
    /// Section of the target; the whole object when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<SectionName>,
}

impl From<LocalPolicyTargetReference> for LocalPolicyTargetReferenceWithSectionName {
    fn from(target: LocalPolicyTargetReference) -> Self {
        Self {
            target,
            section_name: None,
        }
    }
}

/// The status of a policy with respect to one ancestor (the target or an object above it,
/// usually a Gateway) and one controller. spec: `PolicyAncestorStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAncestorStatus {
    /// The ancestor this entry is about.
    pub ancestor_ref: ParentReference,
    /// The controller that wrote this entry.
    pub controller_name: GatewayController,
    /// Conditions (`Accepted`, ...) of the policy for this ancestor.
    #[schemars(with = "Vec<ConditionSchema>", length(min = 1, max = 8), extend(
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Vec<Condition>,
}

/// The status every policy kind has. spec: `PolicyStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyStatus {
    /// One entry per (ancestor, controller) pair the policy is relevant for (at most 16).
    #[schemars(length(max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub ancestors: Vec<PolicyAncestorStatus>,
}

string_enum! {
    /// Condition types of a policy's ancestor status. spec: `PolicyConditionType`.
    pub enum PolicyConditionType {
        /// Whether the policy was accepted for the ancestor.
        Accepted = "Accepted",
    }
}

string_enum! {
    /// Reasons of a policy's conditions. spec: `PolicyConditionReason`.
    pub enum PolicyConditionReason {
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// Another policy targets the same object and the two cannot be merged.
        Conflicted = "Conflicted",
        /// The policy is syntactically or semantically invalid.
        Invalid = "Invalid",
        /// The target of the policy does not exist or cannot be targeted.
        TargetNotFound = "TargetNotFound",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn section_name_target_flattens() {
        let v = json!({"group": "", "kind": "Service", "name": "auth", "sectionName": "https"});
        let t: LocalPolicyTargetReferenceWithSectionName =
            serde_json::from_value(v.clone()).expect("parse");
        assert_eq!(t.target.kind, "Service");
        assert_eq!(t.section_name.as_deref(), Some("https"));
        assert_eq!(serde_json::to_value(&t).expect("json"), v);
    }

    #[test]
    fn unknown_reason_round_trips() {
        let r: PolicyConditionReason = serde_json::from_value(json!("Overridden")).expect("parse");
        assert_eq!(r, PolicyConditionReason::Unrecognized("Overridden".into()));
        assert_eq!(serde_json::to_value(&r).expect("json"), json!("Overridden"));
        assert_eq!(
            PolicyConditionReason::from_wire("TargetNotFound"),
            PolicyConditionReason::TargetNotFound
        );
    }

    #[test]
    fn status_schema_bounds() {
        let v = crate::schema::raw_schema_of::<PolicyStatus>();
        assert_eq!(v["required"], json!(["ancestors"]));
        let conds = &v["properties"]["ancestors"]["items"]["properties"]["conditions"];
        assert_eq!(conds["minItems"], json!(1));
        assert_eq!(conds["maxItems"], json!(8));
    }
}
