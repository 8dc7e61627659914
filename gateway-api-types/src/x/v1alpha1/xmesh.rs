//! XMesh: a service mesh whose traffic a controller manages with Gateway API routes.
//!
//! spec: `apisx/v1alpha1/xmesh_types.go` (group `gateway.networking.x-k8s.io`, experimental
//! channel only). Cluster-scoped, shaped like GatewayClass: `controllerName` is immutable.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::conditions::{Condition, ConditionSchema};
use crate::shared::GatewayController;
use crate::v1::{ParametersReference, SupportedFeature};

/// The desired state of an XMesh. spec: `MeshSpec`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.x-k8s.io",
    version = "v1alpha1",
    kind = "XMesh",
    doc = "An XMesh (`gateway.networking.x-k8s.io/v1alpha1`): metadata, [`MeshSpec`] and status; see the module docs.",
    derive = "PartialEq",
    plural = "xmeshes",
    status = "MeshStatus",
    shortname = "mesh",
    category = "gateway-api",
    schema = "manual",
    printcolumn = r#"{"name": "Accepted", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Accepted\")].status"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct MeshSpec {
    /// The controller that manages this mesh (`example.com/awesome-mesh`). Immutable.
    #[schemars(extend("x-kubernetes-validations" = [{"message": "Value is immutable", "rule": "self == oldSelf"}]))]
    pub controller_name: GatewayController,
    /// Implementation-specific configuration of the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters_ref: Option<ParametersReference>,
    /// Human-readable description of the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub description: Option<String>,
}

crate::gateway_api_root!(XMesh, MeshSpec, MeshStatus);

/// The observed state of an XMesh. spec: `MeshStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"conditions": [{"lastTransitionTime": "1970-01-01T00:00:00Z",
    "message": "Waiting for controller", "reason": "Pending", "status": "Unknown", "type": "Accepted"}]}))]
pub struct MeshStatus {
    /// `Accepted` (and other) conditions written by the controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<ConditionSchema>>", length(max = 8), extend(
        "default" = [
            {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
             "reason": "Pending", "status": "Unknown", "type": "Accepted"},
            {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
             "reason": "Pending", "status": "Unknown", "type": "Programmed"}
        ],
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Option<Vec<Condition>>,
    /// The features the mesh supports, sorted by name (at most 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub supported_features: Option<Vec<SupportedFeature>>,
}

string_enum! {
    /// Condition types of an XMesh. spec: `MeshConditionType`.
    pub enum MeshConditionType {
        /// Whether the controller named in `controllerName` accepted the mesh.
        Accepted = "Accepted",
    }
}

string_enum! {
    /// Reasons of XMesh conditions. spec: `MeshConditionReason`.
    pub enum MeshConditionReason {
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// `parametersRef` is missing, of an unsupported kind, wrongly scoped or malformed.
        InvalidParameters = "InvalidParameters",
        /// The controller has not decided yet (the initial reason).
        Pending = "Pending",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GatewayApiResource;
    use serde_json::json;

    #[test]
    fn mesh_round_trips_and_defaults_status() {
        let v = json!({
            "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
            "kind": "XMesh",
            "metadata": {"name": "mesh"},
            "spec": {
                "controllerName": "example.com/mesh",
                "parametersRef": {"group": "", "kind": "ConfigMap", "name": "cfg", "namespace": "ns"},
                "description": "the mesh"
            }
        });
        let mut m: XMesh = serde_json::from_value(v.clone()).expect("parse");
        assert_eq!(serde_json::to_value(&m).expect("json"), v);
        m.apply_defaults().expect("defaults");
        let conds = m
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .expect("defaulted conditions");
        assert_eq!(conds[0].type_, MeshConditionType::Accepted.as_str());
        assert_eq!(conds[0].reason, MeshConditionReason::Pending.as_str());
    }

    #[test]
    fn unknown_reason_round_trips() {
        let r: MeshConditionReason = serde_json::from_value(json!("Later")).expect("parse");
        assert!(!r.is_known());
        assert_eq!(serde_json::to_value(&r).expect("json"), json!("Later"));
    }
}
