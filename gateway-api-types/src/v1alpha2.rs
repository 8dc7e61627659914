//! `gateway.networking.k8s.io/v1alpha2`: deprecated alpha versions of the L4 routes
//! (served in the experimental channel only).

/// Defines the deprecated v1alpha2 version of an L4 route kind that upstream declares twice
/// with the same shape (TCPRoute, UDPRoute): the v1 rule and status types, a spec allowing up to
/// 16 rules, the root (via kube's derive), and lossless conversions to and from v1.
macro_rules! l4_route_v1alpha2 {
    (
        kind: $kind:literal, doc: $doc:literal, status: $status_lit:literal, deprecated: $deprecated:literal,
        $root:ident, $spec:ident, $status:ident, $rule:ident
    ) => {
        #[doc = concat!("A ", $kind, " rule: the v1 type. spec: `", stringify!($rule),
            "` (v1alpha2).")]
        pub type $rule = $crate::v1::$rule;

        #[doc = concat!("The observed state of a ", $kind, ": the v1 type. spec: `",
            stringify!($status), "` (v1alpha2).")]
        pub type $status = $crate::v1::$status;

        #[doc = concat!("The desired state of a v1alpha2 ", $kind, ". spec: `",
            stringify!($spec), "` (v1alpha2).")]
        #[derive(
            ::kube_derive::CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash,
            ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema,
        )]
        #[kube(
            group = "gateway.networking.k8s.io",
            version = "v1alpha2",
            kind = $kind,
            doc = $doc,
            derive = "PartialEq",
            status = $status_lit,
            category = "gateway-api",
            namespaced,
            schema = "manual",
            storage = false,
            deprecated = $deprecated,
            printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
            crates(kube_core = "::kube_core")
        )]
        #[serde(rename_all = "camelCase")]
        pub struct $spec {
            /// Parent references and the other fields every Route has.
            #[serde(flatten)]
            pub common_route_spec: $crate::shared::CommonRouteSpec,
            /// The forwarding rules (1 to 16; rule names unique in the experimental channel).
            #[schemars(length(min = 1, max = 16), extend(
                "x-kubernetes-list-type" = "atomic",
                "x-gateway-api-experimental" = {"x-kubernetes-validations": [
                    $crate::v1::httproute::unique_rule_name_rule()
                ]}
            ))]
            pub rules: Vec<$rule>,
        }

        $crate::gateway_api_root!($root, $spec, $status);

        impl From<$crate::v1::$spec> for $spec {
            fn from(s: $crate::v1::$spec) -> Self {
                Self {
                    common_route_spec: s.common_route_spec,
                    rules: s.rules,
                }
            }
        }

        impl From<$spec> for $crate::v1::$spec {
            fn from(s: $spec) -> Self {
                Self {
                    common_route_spec: s.common_route_spec,
                    rules: s.rules,
                }
            }
        }

        impl From<$crate::v1::$root> for $root {
            fn from(o: $crate::v1::$root) -> Self {
                let mut out = $root::new("", o.spec.into());
                out.metadata = o.metadata;
                out.status = o.status;
                out
            }
        }

        impl From<$root> for $crate::v1::$root {
            fn from(o: $root) -> Self {
                let mut out = $crate::v1::$root::new("", o.spec.into());
                out.metadata = o.metadata;
                out.status = o.status;
                out
            }
        }

        #[cfg(test)]
        mod tests {
            use super::*;
            use $crate::shared::{BackendObjectReference, BackendRef, CommonRouteSpec};
            use $crate::v1;

            fn rule(name: &str, svc: &str) -> $rule {
                $rule {
                    name: Some(name.into()),
                    backend_refs: vec![BackendRef {
                        backend_ref: BackendObjectReference {
                            name: svc.into(),
                            port: Some(9000),
                            ..Default::default()
                        },
                        weight: Some(3),
                    }],
                }
            }

            #[test]
            fn converts_to_v1_and_back_with_several_rules() {
                let common_route_spec: CommonRouteSpec = serde_json::from_value(
                    serde_json::json!({"parentRefs": [{"name": "gw", "port": 9000}]}),
                )
                .expect("parse");
                let mut route = $root::new(
                    "r",
                    $spec {
                        common_route_spec,
                        rules: vec![rule("a", "one"), rule("b", "two")],
                    },
                );
                route.metadata.namespace = Some("ns".into());
                let json = serde_json::to_value(&route).expect("serialize");

                let v1_route: v1::$root = route.into();
                assert_eq!(v1_route.spec.rules.len(), 2);
                assert_eq!(v1_route.metadata.namespace.as_deref(), Some("ns"));

                let back: $root = v1_route.into();
                assert_eq!(serde_json::to_value(&back).expect("serialize"), json);
            }

            #[cfg(feature = "experimental")]
            #[test]
            fn unknown_default_gateway_scope_round_trips() {
                let json = serde_json::json!({
                    "useDefaultGateways": "Some",
                    "rules": [{"backendRefs": [{"name": "s", "port": 1}]}],
                });
                let spec: $spec = serde_json::from_value(json.clone()).expect("parse");
                assert_eq!(
                    spec.common_route_spec.use_default_gateways,
                    Some($crate::shared::GatewayDefaultScope::Unrecognized(
                        "Some".into()
                    ))
                );
                assert_eq!(serde_json::to_value(&spec).expect("serialize"), json);
                let v1_spec: v1::$spec = spec.clone().into();
                assert_eq!($spec::from(v1_spec), spec);
            }
        }
    };
}

pub mod tcproute;
pub mod tlsroute;
pub mod udproute;

pub use tcproute::*;
pub use tlsroute::*;
pub use udproute::*;
