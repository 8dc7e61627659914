//! BackendTLSPolicy v1alpha3: a deprecated alias of [`crate::v1::BackendTLSPolicy`].

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::policy::PolicyStatus;
use crate::v1;

/// The desired state of a v1alpha3 BackendTLSPolicy: the v1 spec.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1alpha3",
    kind = "BackendTLSPolicy",
    doc = "A BackendTLSPolicy (`gateway.networking.k8s.io/v1alpha3`): metadata, [`BackendTLSPolicySpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "PolicyStatus",
    namespaced,
    shortname = "btlspolicy",
    category = "gateway-api",
    label("gateway.networking.k8s.io/policy", "Direct"),
    schema = "manual",
    storage = false,
    deprecated = "The v1alpha3 version of BackendTLSPolicy has been deprecated and will be removed in a future release of the API. Please upgrade to v1.",
    crates(kube_core = "::kube_core")
)]
#[serde(transparent)]
pub struct BackendTLSPolicySpec(pub v1::BackendTLSPolicySpec);

crate::gateway_api_root!(BackendTLSPolicy, v1::BackendTLSPolicySpec, PolicyStatus);
crate::alias_version!(
    BackendTLSPolicy,
    BackendTLSPolicySpec,
    v1::BackendTLSPolicy,
    v1::BackendTLSPolicySpec
);
