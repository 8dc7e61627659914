//! TCPRoute v1alpha2 (deprecated): like [`crate::v1::TCPRoute`] but with up to 16 rules.
//!
//! spec: `apis/v1alpha2/tcproute_types.go`. The rule and status types are v1's. Converts to
//! and from v1 without loss: v1's `rules` is a plain list, so more than one rule survives the
//! round trip (the v1 CRD would reject such a v1 object, as upstream's does).

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::shared::CommonRouteSpec;
use crate::v1;

/// A TCPRoute rule: the v1 type. spec: `TCPRouteRule` (v1alpha2).
pub type TCPRouteRule = v1::TCPRouteRule;

/// The observed state of a TCPRoute: the v1 type. spec: `TCPRouteStatus` (v1alpha2).
pub type TCPRouteStatus = v1::TCPRouteStatus;

/// The desired state of a v1alpha2 TCPRoute. spec: `TCPRouteSpec` (v1alpha2).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1alpha2",
    kind = "TCPRoute",
    derive = "PartialEq",
    status = "v1::TCPRouteStatus",
    category = "gateway-api",
    namespaced,
    schema = "manual",
    storage = false,
    deprecated = "The v1alpha2 version of TCPRoute has been deprecated and will be removed in a future release of the API. Please upgrade to v1.",
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
    /// The forwarding rules (1 to 16; rule names unique in the experimental channel).
    #[schemars(length(min = 1, max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-gateway-api-experimental" = {"x-kubernetes-validations": [{
            "message": "Rule name must be unique within the route",
            "rule": "self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))"
        }]}
    ))]
    pub rules: Vec<TCPRouteRule>,
}

crate::gateway_api_root!(TCPRoute, TCPRouteSpec, TCPRouteStatus);

impl From<v1::TCPRouteSpec> for TCPRouteSpec {
    fn from(s: v1::TCPRouteSpec) -> Self {
        Self {
            common_route_spec: s.common_route_spec,
            rules: s.rules,
        }
    }
}

impl From<TCPRouteSpec> for v1::TCPRouteSpec {
    fn from(s: TCPRouteSpec) -> Self {
        Self {
            common_route_spec: s.common_route_spec,
            rules: s.rules,
        }
    }
}

impl From<v1::TCPRoute> for TCPRoute {
    fn from(o: v1::TCPRoute) -> Self {
        let mut out = TCPRoute::new("", o.spec.into());
        out.metadata = o.metadata;
        out.status = o.status;
        out
    }
}

impl From<TCPRoute> for v1::TCPRoute {
    fn from(o: TCPRoute) -> Self {
        let mut out = v1::TCPRoute::new("", o.spec.into());
        out.metadata = o.metadata;
        out.status = o.status;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::{BackendObjectReference, BackendRef};

    fn rule(name: &str, svc: &str) -> TCPRouteRule {
        TCPRouteRule {
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
        let mut route = TCPRoute::new(
            "r",
            TCPRouteSpec {
                common_route_spec,
                rules: vec![rule("a", "one"), rule("b", "two")],
            },
        );
        route.metadata.namespace = Some("ns".into());
        let json = serde_json::to_value(&route).expect("serialize");

        let v1_route: v1::TCPRoute = route.into();
        assert_eq!(v1_route.spec.rules.len(), 2);
        assert_eq!(v1_route.metadata.namespace.as_deref(), Some("ns"));

        let back: TCPRoute = v1_route.into();
        assert_eq!(serde_json::to_value(&back).expect("serialize"), json);
    }

    #[cfg(feature = "experimental")]
    #[test]
    fn unknown_default_gateway_scope_round_trips() {
        let json = serde_json::json!({
            "useDefaultGateways": "Some",
            "rules": [{"backendRefs": [{"name": "s", "port": 1}]}],
        });
        let spec: TCPRouteSpec = serde_json::from_value(json.clone()).expect("parse");
        assert_eq!(
            spec.common_route_spec.use_default_gateways,
            Some(crate::shared::GatewayDefaultScope::Unrecognized(
                "Some".into()
            ))
        );
        assert_eq!(serde_json::to_value(&spec).expect("serialize"), json);
        let v1_spec: v1::TCPRouteSpec = spec.clone().into();
        assert_eq!(TCPRouteSpec::from(v1_spec), spec);
    }
}
