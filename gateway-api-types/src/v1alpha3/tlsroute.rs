//! TLSRoute v1alpha3 (deprecated): an alias of [`crate::v1::TLSRoute`].

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::v1;

/// The desired state of a v1alpha3 TLSRoute: the v1 spec. spec: `TLSRouteSpec` (v1alpha3).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1alpha3",
    kind = "TLSRoute",
    doc = "A TLSRoute (`gateway.networking.k8s.io/v1alpha3`): metadata, [`TLSRouteSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "v1::TLSRouteStatus",
    category = "gateway-api",
    namespaced,
    schema = "manual",
    storage = false,
    deprecated = "The v1alpha3 version of TLSRoute has been deprecated and will be removed in a future release of the API. Please upgrade to v1.",
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(transparent)]
pub struct TLSRouteSpec(pub v1::TLSRouteSpec);

crate::gateway_api_root!(TLSRoute, v1::TLSRouteSpec, v1::TLSRouteStatus);
crate::alias_version!(TLSRoute, TLSRouteSpec, v1::TLSRoute, v1::TLSRouteSpec);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::upstream_example;

    #[test]
    fn upstream_example_keeps_required_hostnames() {
        for doc in upstream_example(
            "examples/experimental/v1alpha3/tls-routing/tls-route.yaml",
            "gateway.networking.k8s.io/v1alpha3",
            "TLSRoute",
        ) {
            let route: TLSRoute = serde_json::from_value(doc.clone()).expect("parse");
            assert_eq!(route.spec.hostnames[0], "example.com");
            assert_eq!(serde_json::to_value(&route).expect("serialize"), doc);
        }
    }
}
