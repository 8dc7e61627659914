//! `gateway.networking.k8s.io/v1`: the GA version of every standard kind.
//!
//! Each kind lives in its own module with the types it alone uses; everything is re-exported
//! here, so `gateway_api_types::v1::HTTPRoute` is the usual path.

/// Defines the v1 types of an L4 route kind that upstream declares twice with the same shape
/// (TCPRoute, UDPRoute): spec, root (via kube's derive), status and rule.
macro_rules! l4_route_v1 {
    (
        kind: $kind:literal, doc: $doc:literal, status: $status_lit:literal, forwards: $what:literal,
        $root:ident, $spec:ident, $status:ident, $rule:ident
    ) => {
        #[doc = concat!("The desired state of a ", $kind, ". spec: `", stringify!($spec), "`.")]
        #[derive(
            ::kube_derive::CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash,
            ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema,
        )]
        #[kube(
            group = "gateway.networking.k8s.io",
            version = "v1",
            kind = $kind,
            doc = $doc,
            derive = "PartialEq",
            status = $status_lit,
            category = "gateway-api",
            namespaced,
            schema = "manual",
            printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
            crates(kube_core = "::kube_core")
        )]
        #[serde(rename_all = "camelCase")]
        pub struct $spec {
            /// Parent references and the other fields every Route has.
            #[serde(flatten)]
            pub common_route_spec: $crate::shared::CommonRouteSpec,
            /// The forwarding rule (exactly one).
            #[schemars(length(min = 1, max = 1), extend("x-kubernetes-list-type" = "atomic"))]
            pub rules: Vec<$rule>,
        }

        $crate::gateway_api_root!($root, $spec, $status);

        #[doc = concat!("The observed state of a ", $kind, ": the common route status. spec: `",
            stringify!($status), "`.")]
        #[derive(
            Clone, Debug, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize,
            ::schemars::JsonSchema,
        )]
        pub struct $status {
            /// Status per parent.
            #[serde(flatten)]
            pub route_status: $crate::shared::RouteStatus,
        }

        #[doc = concat!("Where a ", $kind, " forwards ", $what, ". spec: `", stringify!($rule), "`.")]
        #[derive(
            Clone, Debug, Default, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize,
            ::schemars::JsonSchema,
        )]
        #[serde(rename_all = "camelCase")]
        pub struct $rule {
            /// Name of the rule (for policies and status).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<$crate::shared::SectionName>,
            #[doc = concat!("The backends ", $what, " are sent to, by weight.")]
            #[schemars(length(min = 1, max = 16), extend("x-kubernetes-list-type" = "atomic"))]
            pub backend_refs: Vec<$crate::shared::BackendRef>,
        }

        #[cfg(test)]
        mod l4_route_tests {
            use super::*;

            #[test]
            fn status_round_trips() {
                let json = serde_json::json!({
                    "parents": [{
                        "parentRef": {"name": "gw", "sectionName": "l4"},
                        "controllerName": "example.com/gateway",
                        "conditions": [{"type": "Accepted", "status": "True",
                            "reason": "SomethingNew", "message": "",
                            "lastTransitionTime": "2024-01-01T00:00:00Z"}],
                    }],
                });
                let status: $status = serde_json::from_value(json.clone()).expect("parse");
                assert_eq!(
                    status.route_status.parents[0].conditions[0].reason,
                    "SomethingNew"
                );
                assert_eq!(serde_json::to_value(&status).expect("serialize"), json);
            }
        }
    };
}

pub mod backendtlspolicy;
pub mod gateway;
pub mod gatewayclass;
pub mod grpcroute;
pub mod httproute;
pub mod listenerset;
pub mod referencegrant;
pub mod tcproute;
pub mod tlsroute;
pub mod udproute;

pub use backendtlspolicy::*;
pub use gateway::*;
pub use gatewayclass::*;
pub use grpcroute::*;
pub use httproute::*;
pub use listenerset::*;
pub use referencegrant::*;
pub use tcproute::*;
pub use tlsroute::*;
pub use udproute::*;
