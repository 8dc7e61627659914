//! TCPRoute: forwards TCP connections arriving on a Gateway listener to backends.
//!
//! spec: `apis/v1/tcproute_types.go`. Namespaced; v1 is the storage version, v1alpha2
//! ([`crate::v1alpha2::TCPRoute`]) is deprecated.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::shared::{BackendRef, CommonRouteSpec, RouteStatus, SectionName};

/// The desired state of a TCPRoute. spec: `TCPRouteSpec`.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "TCPRoute",
    derive = "PartialEq",
    status = "TCPRouteStatus",
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
pub struct TCPRouteSpec {
    /// Parent references and the other fields every Route has.
    #[serde(flatten)]
    pub common_route_spec: CommonRouteSpec,
    /// The forwarding rule (exactly one).
    #[schemars(length(min = 1, max = 1), extend("x-kubernetes-list-type" = "atomic"))]
    pub rules: Vec<TCPRouteRule>,
}

crate::gateway_api_root!(TCPRoute, TCPRouteSpec, TCPRouteStatus);

/// The observed state of a TCPRoute: the common route status. spec: `TCPRouteStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TCPRouteStatus {
    /// Status per parent.
    #[serde(flatten)]
    pub route_status: RouteStatus,
}

/// Where a TCPRoute forwards connections. spec: `TCPRouteRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TCPRouteRule {
    /// Name of the rule (for policies and status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SectionName>,
    /// The backends connections are sent to, by weight.
    #[schemars(length(min = 1, max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub backend_refs: Vec<BackendRef>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::upstream_example;

    #[test]
    fn upstream_examples_have_backend_port() {
        for (file, count) in [
            ("examples/standard/tcp-routing/tcp-route.yaml", 1),
            ("examples/experimental/basic-tcp.yaml", 2),
        ] {
            let docs = upstream_example(file, "gateway.networking.k8s.io/v1", "TCPRoute");
            assert_eq!(docs.len(), count, "{file}");
            for doc in docs {
                let route: TCPRoute = serde_json::from_value(doc.clone()).expect("parse");
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
                "parentRef": {"name": "gw", "sectionName": "tcp"},
                "controllerName": "example.com/gateway",
                "conditions": [{"type": "Accepted", "status": "True", "reason": "SomethingNew",
                    "message": "", "lastTransitionTime": "2024-01-01T00:00:00Z"}],
            }],
        });
        let status: TCPRouteStatus = serde_json::from_value(json.clone()).expect("parse");
        assert_eq!(
            status.route_status.parents[0].conditions[0].reason,
            "SomethingNew"
        );
        assert_eq!(serde_json::to_value(&status).expect("serialize"), json);
    }
}
