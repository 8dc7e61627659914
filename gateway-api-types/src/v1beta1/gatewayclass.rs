//! GatewayClass v1beta1: an alias of [`crate::v1::GatewayClass`].

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v1;

/// The desired state of a v1beta1 GatewayClass: the v1 spec.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1beta1",
    kind = "GatewayClass",
    doc = "A GatewayClass (`gateway.networking.k8s.io/v1beta1`): metadata, [`GatewayClassSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "v1::GatewayClassStatus",
    shortname = "gc",
    category = "gateway-api",
    schema = "manual",
    storage = false,
    printcolumn = r#"{"name": "Controller", "type": "string", "jsonPath": ".spec.controllerName"}"#,
    printcolumn = r#"{"name": "Accepted", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Accepted\")].status"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name": "Description", "type": "string", "jsonPath": ".spec.description", "priority": 1}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(transparent)]
pub struct GatewayClassSpec(pub v1::GatewayClassSpec);

crate::gateway_api_root!(GatewayClass, v1::GatewayClassSpec, v1::GatewayClassStatus);
crate::alias_version!(
    GatewayClass,
    GatewayClassSpec,
    v1::GatewayClass,
    v1::GatewayClassSpec
);
