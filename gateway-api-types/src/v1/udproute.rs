//! UDPRoute: forwards UDP datagrams arriving on a Gateway listener to backends.
//!
//! spec: `apis/v1/udproute_types.go`. Namespaced; v1 is the storage version, v1alpha2
//! ([`crate::v1alpha2::UDPRoute`]) is deprecated.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::shared::{BackendRef, CommonRouteSpec, RouteStatus, SectionName};

/// The desired state of a UDPRoute. spec: `UDPRouteSpec`.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "UDPRoute",
    derive = "PartialEq",
    status = "UDPRouteStatus",
    category = "gateway-api",
    namespaced,
    schema = "manual",
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(
        kube_core = "::kube_core",
        k8s_openapi = "::k8s_openapi",
        schemars = "::schemars",
        serde = "::serde",
        serde_json = "::serde_json"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct UDPRouteSpec {
    /// Parent references and the other fields every Route has.
    #[serde(flatten)]
    pub common_route_spec: CommonRouteSpec,
    /// The forwarding rule (exactly one).
    #[schemars(length(min = 1, max = 1), extend("x-kubernetes-list-type" = "atomic"))]
    pub rules: Vec<UDPRouteRule>,
}

crate::gateway_api_root!(UDPRoute, UDPRouteSpec, UDPRouteStatus);

/// The observed state of a UDPRoute: the common route status. spec: `UDPRouteStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UDPRouteStatus {
    /// Status per parent.
    #[serde(flatten)]
    pub route_status: RouteStatus,
}

/// Where a UDPRoute forwards datagrams. spec: `UDPRouteRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UDPRouteRule {
    /// Name of the rule (for policies and status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SectionName>,
    /// The backends datagrams are sent to, by weight.
    #[schemars(length(min = 1, max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub backend_refs: Vec<BackendRef>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::upstream_example;

    #[test]
    fn upstream_examples_have_backend_port() {
        for (file, count) in [("examples/standard/udp-routing/udp-route.yaml", 1)] {
            let docs = upstream_example(file, "gateway.networking.k8s.io/v1", "UDPRoute");
            assert_eq!(docs.len(), count, "{file}");
            for doc in docs {
                let route: UDPRoute = serde_json::from_value(doc.clone()).expect("parse");
                assert_eq!(
                    route.spec.rules[0].backend_refs[0].backend_ref.port,
                    Some(6000)
                );
                assert_eq!(serde_json::to_value(&route).expect("serialize"), doc);
            }
        }
    }

    #[test]
    fn status_round_trips() {
        let json = serde_json::json!({
            "parents": [{
                "parentRef": {"name": "gw", "sectionName": "udp"},
                "controllerName": "example.com/gateway",
                "conditions": [{"type": "Accepted", "status": "True", "reason": "SomethingNew",
                    "message": "", "lastTransitionTime": "2024-01-01T00:00:00Z"}],
            }],
        });
        let status: UDPRouteStatus = serde_json::from_value(json.clone()).expect("parse");
        assert_eq!(
            status.route_status.parents[0].conditions[0].reason,
            "SomethingNew"
        );
        assert_eq!(serde_json::to_value(&status).expect("serialize"), json);
    }
}
