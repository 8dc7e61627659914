//! GatewayClass: a class of Gateways, handled by one controller.
//!
//! spec: `apis/v1/gatewayclass_types.go`. Cluster-scoped. `controllerName` is immutable.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::conditions::{Condition, ConditionSchema};
use crate::shared::{GatewayController, Group, Kind, Namespace};

/// The desired state of a GatewayClass. spec: `GatewayClassSpec`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "GatewayClass",
    doc = "A GatewayClass (`gateway.networking.k8s.io/v1`): metadata, [`GatewayClassSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "GatewayClassStatus",
    shortname = "gc",
    category = "gateway-api",
    schema = "manual",
    printcolumn = r#"{"name": "Controller", "type": "string", "jsonPath": ".spec.controllerName"}"#,
    printcolumn = r#"{"name": "Accepted", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Accepted\")].status"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name": "Description", "type": "string", "jsonPath": ".spec.description", "priority": 1}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct GatewayClassSpec {
    /// The controller that manages Gateways of this class (`example.net/gateway-controller`).
    /// Immutable.
    #[schemars(extend("x-kubernetes-validations" = [{"message": "Value is immutable", "rule": "self == oldSelf"}]))]
    pub controller_name: GatewayController,
    /// Controller-specific configuration for this class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters_ref: Option<ParametersReference>,
    /// Human-readable description of the class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub description: Option<String>,
}

crate::gateway_api_root!(GatewayClass, GatewayClassSpec, GatewayClassStatus);

/// Reference to a resource holding a GatewayClass's configuration. spec: `ParametersReference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ParametersReference {
    /// API group of the referent.
    pub group: Group,
    /// Kind of the referent.
    pub kind: Kind,
    /// Name of the referent.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of a namespaced referent; must be unset for a cluster-scoped one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
}

/// The observed state of a GatewayClass. spec: `GatewayClassStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"conditions": [{"lastTransitionTime": "1970-01-01T00:00:00Z",
    "message": "Waiting for controller", "reason": "Pending", "status": "Unknown", "type": "Accepted"}]}))]
pub struct GatewayClassStatus {
    /// `Accepted` and `SupportedVersion` conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<ConditionSchema>>", length(max = 8), extend(
        "default" = [{"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
            "reason": "Pending", "status": "Unknown", "type": "Accepted"}],
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Option<Vec<Condition>>,
    /// The features Gateways of this class support (sorted by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub supported_features: Option<Vec<SupportedFeature>>,
}

/// A feature supported by a GatewayClass. spec: `SupportedFeature`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct SupportedFeature {
    /// The feature name (see [`crate::features`]).
    pub name: String,
}

string_enum! {
    /// Condition types of a GatewayClass. spec: `GatewayClassConditionType`.
    pub enum GatewayClassConditionType {
        /// The controller accepted the class.
        Accepted = "Accepted",
        /// The installed Gateway API CRD version is supported by the controller.
        SupportedVersion = "SupportedVersion",
    }
}

string_enum! {
    /// Reasons of GatewayClass conditions. spec: `GatewayClassConditionReason`.
    pub enum GatewayClassConditionReason {
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// `parametersRef` is invalid or cannot be resolved.
        InvalidParameters = "InvalidParameters",
        /// The controller has not handled the class yet.
        Pending = "Pending",
        /// The class is not supported (for example a misconfigured controller).
        Unsupported = "Unsupported",
        /// Deprecated in favour of `Pending`.
        Waiting = "Waiting",
        /// `SupportedVersion=True`.
        SupportedVersion = "SupportedVersion",
        /// The installed CRD version is not supported.
        UnsupportedVersion = "UnsupportedVersion",
    }
}

/// The finalizer a controller sets on a GatewayClass while Gateways of it exist.
pub const GATEWAY_CLASS_FINALIZER_GATEWAYS_EXIST: &str =
    "gateway-exists-finalizer.gateway.networking.k8s.io";
