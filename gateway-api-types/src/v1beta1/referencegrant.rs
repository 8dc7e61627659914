//! ReferenceGrant v1beta1: an alias of [`crate::v1::ReferenceGrant`], and the storage version.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v1;

/// The desired state of a v1beta1 ReferenceGrant: the v1 spec.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1beta1",
    kind = "ReferenceGrant",
    doc = "A ReferenceGrant (`gateway.networking.k8s.io/v1beta1`): metadata and [`ReferenceGrantSpec`]; see the module docs.",
    derive = "PartialEq",
    shortname = "refgrant",
    category = "gateway-api",
    namespaced,
    schema = "manual",
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(transparent)]
pub struct ReferenceGrantSpec(pub v1::ReferenceGrantSpec);

crate::gateway_api_root!(ReferenceGrant, v1::ReferenceGrantSpec);
crate::alias_version!(
    ReferenceGrant,
    ReferenceGrantSpec,
    v1::ReferenceGrant,
    v1::ReferenceGrantSpec,
    no_status
);
