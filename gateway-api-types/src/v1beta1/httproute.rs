//! HTTPRoute v1beta1: an alias of [`crate::v1::HTTPRoute`].
//!
//! Upstream's v1beta1 types are Go aliases of the v1 ones; the aliases below keep their names.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v1;

/// The desired state of a v1beta1 HTTPRoute: the v1 spec.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1beta1",
    kind = "HTTPRoute",
    doc = "An HTTPRoute (`gateway.networking.k8s.io/v1beta1`): metadata, [`HTTPRouteSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "v1::HTTPRouteStatus",
    namespaced,
    category = "gateway-api",
    schema = "manual",
    storage = false,
    printcolumn = r#"{"name": "Hostnames", "type": "string", "jsonPath": ".spec.hostnames"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(transparent)]
pub struct HTTPRouteSpec(pub v1::HTTPRouteSpec);

crate::gateway_api_root!(HTTPRoute, v1::HTTPRouteSpec, v1::HTTPRouteStatus);
crate::alias_version!(HTTPRoute, HTTPRouteSpec, v1::HTTPRoute, v1::HTTPRouteSpec);

/// spec: v1beta1 `HTTPRouteRule` (alias of v1).
pub type HTTPRouteRule = v1::HTTPRouteRule;
/// spec: v1beta1 `PathMatchType` (alias of v1).
pub type PathMatchType = v1::PathMatchType;
/// spec: v1beta1 `HTTPPathMatch` (alias of v1).
pub type HTTPPathMatch = v1::HTTPPathMatch;
/// spec: v1beta1 `HeaderMatchType` (alias of v1).
pub type HeaderMatchType = v1::HeaderMatchType;
/// spec: v1beta1 `HTTPHeaderName` (alias of v1).
pub type HTTPHeaderName = v1::HTTPHeaderName;
/// spec: v1beta1 `HTTPHeaderMatch` (alias of v1).
pub type HTTPHeaderMatch = v1::HTTPHeaderMatch;
/// spec: v1beta1 `QueryParamMatchType` (alias of v1).
pub type QueryParamMatchType = v1::QueryParamMatchType;
/// spec: v1beta1 `HTTPQueryParamMatch` (alias of v1).
pub type HTTPQueryParamMatch = v1::HTTPQueryParamMatch;
/// spec: v1beta1 `HTTPMethod` (alias of v1).
pub type HTTPMethod = v1::HTTPMethod;
/// spec: v1beta1 `HTTPRouteMatch` (alias of v1).
pub type HTTPRouteMatch = v1::HTTPRouteMatch;
/// spec: v1beta1 `HTTPRouteFilter` (alias of v1).
pub type HTTPRouteFilter = v1::HTTPRouteFilter;
/// spec: v1beta1 `HTTPRouteFilterType` (alias of v1).
pub type HTTPRouteFilterType = v1::HTTPRouteFilterType;
/// spec: v1beta1 `HTTPRouteTimeouts` (alias of v1).
pub type HTTPRouteTimeouts = v1::HTTPRouteTimeouts;
/// spec: v1beta1 `HTTPHeader` (alias of v1).
pub type HTTPHeader = v1::HTTPHeader;
/// spec: v1beta1 `HTTPHeaderFilter` (alias of v1).
pub type HTTPHeaderFilter = v1::HTTPHeaderFilter;
/// spec: v1beta1 `HTTPPathModifierType` (alias of v1).
pub type HTTPPathModifierType = v1::HTTPPathModifierType;
/// spec: v1beta1 `HTTPPathModifier` (alias of v1).
pub type HTTPPathModifier = v1::HTTPPathModifier;
/// spec: v1beta1 `HTTPRequestRedirectFilter` (alias of v1).
pub type HTTPRequestRedirectFilter = v1::HTTPRequestRedirectFilter;
/// spec: v1beta1 `HTTPURLRewriteFilter` (alias of v1).
pub type HTTPURLRewriteFilter = v1::HTTPURLRewriteFilter;
/// spec: v1beta1 `HTTPRequestMirrorFilter` (alias of v1).
pub type HTTPRequestMirrorFilter = v1::HTTPRequestMirrorFilter;
/// spec: v1beta1 `HTTPBackendRef` (alias of v1).
pub type HTTPBackendRef = v1::HTTPBackendRef;
/// spec: v1beta1 `HTTPRouteStatus` (alias of v1).
pub type HTTPRouteStatus = v1::HTTPRouteStatus;
