//! TLSRoute v1alpha2 (deprecated): like [`crate::v1::TLSRoute`] but with optional host names
//! and up to 16 rules.
//!
//! spec: `apis/v1alpha2/tlsroute_types.go`. The rule and status types are v1's.
//!
//! Conversions with v1: v1's `rules` is a plain list, so several rules survive the round trip
//! (the v1 CRD would reject such an object, as upstream's does). v1's `hostnames` is required:
//! absent v1alpha2 host names become an empty v1 list, and an empty v1 list becomes absent host
//! names. So v1 → v1alpha2 → v1 is exact, and v1alpha2 → v1 → v1alpha2 is exact except that an
//! explicitly empty `hostnames: []` comes back absent, which Go (`omitempty`) does not tell
//! apart either.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::shared::{CommonRouteSpec, Hostname};
use crate::v1;

/// A TLSRoute rule: the v1 type. spec: `TLSRouteRule` (v1alpha2).
pub type TLSRouteRule = v1::TLSRouteRule;

/// The observed state of a TLSRoute: the v1 type. spec: `TLSRouteStatus` (v1alpha2).
pub type TLSRouteStatus = v1::TLSRouteStatus;

/// The desired state of a v1alpha2 TLSRoute. spec: `TLSRouteSpec` (v1alpha2).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1alpha2",
    kind = "TLSRoute",
    doc = "A TLSRoute (`gateway.networking.k8s.io/v1alpha2`): metadata, [`TLSRouteSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "v1::TLSRouteStatus",
    category = "gateway-api",
    namespaced,
    schema = "manual",
    storage = false,
    deprecated = "The v1alpha2 version of TLSRoute has been deprecated and will be removed in a future release of the API. Please upgrade to v1.",
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct TLSRouteSpec {
    /// Parent references and the other fields every Route has.
    #[serde(flatten)]
    pub common_route_spec: CommonRouteSpec,
    /// The SNI host names this route matches; every name of the listener when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), extend("x-kubernetes-list-type" = "atomic"))]
    pub hostnames: Option<Vec<Hostname>>,
    /// The forwarding rules (1 to 16; rule names unique in the experimental channel).
    #[schemars(length(min = 1, max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-gateway-api-experimental" = {"x-kubernetes-validations": [
            crate::v1::httproute::unique_rule_name_rule()
        ]}
    ))]
    pub rules: Vec<TLSRouteRule>,
}

crate::gateway_api_root!(TLSRoute, TLSRouteSpec, TLSRouteStatus);

impl From<v1::TLSRouteSpec> for TLSRouteSpec {
    fn from(s: v1::TLSRouteSpec) -> Self {
        Self {
            common_route_spec: s.common_route_spec,
            hostnames: (!s.hostnames.is_empty()).then_some(s.hostnames),
            rules: s.rules,
        }
    }
}

impl From<TLSRouteSpec> for v1::TLSRouteSpec {
    fn from(s: TLSRouteSpec) -> Self {
        Self {
            common_route_spec: s.common_route_spec,
            hostnames: s.hostnames.unwrap_or_default(),
            rules: s.rules,
        }
    }
}

impl From<v1::TLSRoute> for TLSRoute {
    fn from(o: v1::TLSRoute) -> Self {
        let mut out = TLSRoute::new("", o.spec.into());
        out.metadata = o.metadata;
        out.status = o.status;
        out
    }
}

impl From<TLSRoute> for v1::TLSRoute {
    fn from(o: TLSRoute) -> Self {
        let mut out = v1::TLSRoute::new("", o.spec.into());
        out.metadata = o.metadata;
        out.status = o.status;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::upstream_example;

    #[test]
    fn upstream_example_round_trips_and_converts() {
        for doc in upstream_example(
            "examples/experimental/v1alpha2/tls-routing/tls-route.yaml",
            "gateway.networking.k8s.io/v1alpha2",
            "TLSRoute",
        ) {
            let route: TLSRoute = serde_json::from_value(doc.clone()).expect("parse");
            assert_eq!(route.spec.hostnames, None);
            assert_eq!(serde_json::to_value(&route).expect("serialize"), doc);

            let v1_route: v1::TLSRoute = route.into();
            assert!(v1_route.spec.hostnames.is_empty());
            let back: TLSRoute = v1_route.into();
            assert_eq!(serde_json::to_value(&back).expect("serialize"), doc);
        }
    }

    #[test]
    fn v1_to_v1alpha2_and_back_is_exact() {
        let json = serde_json::json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "TLSRoute",
            "metadata": {"name": "r"},
            "spec": {
                "hostnames": ["a.example.com", "*.b.example.com"],
                "rules": [
                    {"name": "x", "backendRefs": [{"name": "s", "port": 443}]},
                    {"name": "y", "backendRefs": [{"group": "example.com", "kind": "Thing", "name": "t"}]},
                ],
            },
        });
        let v1_route: v1::TLSRoute = serde_json::from_value(json.clone()).expect("parse");
        let alpha2: TLSRoute = v1_route.into();
        assert_eq!(alpha2.spec.hostnames.as_ref().map(Vec::len), Some(2));
        assert_eq!(alpha2.spec.rules.len(), 2);
        let back: v1::TLSRoute = alpha2.into();
        assert_eq!(serde_json::to_value(&back).expect("serialize"), json);
    }
}
