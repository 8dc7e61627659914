//! Gateway v1beta1: an alias of [`crate::v1::Gateway`].

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v1;

/// The desired state of a v1beta1 Gateway: the v1 spec.
// `schema = "disabled"`: as for v1, see the `doc` below.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1beta1",
    kind = "Gateway",
    derive = "PartialEq",
    status = "v1::GatewayStatus",
    shortname = "gtw",
    category = "gateway-api",
    namespaced,
    schema = "disabled",
    doc = r#"A v1beta1 Gateway: an alias of [`crate::v1::Gateway`], with the same spec and status.

As for v1, `Gateway::crd()` ([`kube_core::CustomResourceExt`]) carries **no schema** (kube's
schema rewriter panics on upstream's address `oneOf`); use [`crate::crds`] or
[`GatewayApiResource::crd_for`](crate::GatewayApiResource::crd_for)."#,
    storage = false,
    printcolumn = r#"{"name": "Class", "type": "string", "jsonPath": ".spec.gatewayClassName"}"#,
    printcolumn = r#"{"name": "Address", "type": "string", "jsonPath": ".status.addresses[*].value"}"#,
    printcolumn = r#"{"name": "Programmed", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Programmed\")].status"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(transparent)]
pub struct GatewaySpec(pub v1::GatewaySpec);

crate::gateway_api_root!(Gateway, v1::GatewaySpec, v1::GatewayStatus);
crate::alias_version!(Gateway, GatewaySpec, v1::Gateway, v1::GatewaySpec);
