//! TLSRoute: forwards TLS connections arriving on a Gateway listener to backends, selected by
//! the SNI host name of the handshake.
//!
//! spec: `apis/v1/tlsroute_types.go`. Namespaced; v1 is the storage version, v1alpha2
//! ([`crate::v1alpha2::TLSRoute`], own spec) and v1alpha3 ([`crate::v1alpha3::TLSRoute`], an
//! alias of v1) are deprecated.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::shared::{BackendRef, CommonRouteSpec, Hostname, RouteStatus, SectionName};

/// The desired state of a TLSRoute. spec: `TLSRouteSpec`.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "TLSRoute",
    doc = "A TLSRoute (`gateway.networking.k8s.io/v1`): metadata, [`TLSRouteSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "TLSRouteStatus",
    category = "gateway-api",
    namespaced,
    schema = "manual",
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct TLSRouteSpec {
    /// Parent references and the other fields every Route has.
    #[serde(flatten)]
    pub common_route_spec: CommonRouteSpec,
    /// The SNI host names this route matches (at least one; no IPs; a `*.` wildcard only as
    /// the first label).
    #[schemars(length(min = 1, max = 1024), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = [
            {"message": "Hostnames cannot contain an IP", "rule": "self.all(h, !isIP(h))"},
            {"message": "Hostnames must be valid based on RFC-1123",
             "rule": r"self.all(h, !h.contains('*') ? h.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$') : true)"},
            {"message": "Wildcards on hostnames must be the first label, and the rest of hostname must be valid based on RFC-1123",
             "rule": r"self.all(h, h.contains('*') ? (h.startsWith('*.') && h.substring(2).matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$')) : true)"}
        ]
    ))]
    pub hostnames: Vec<Hostname>,
    /// The forwarding rule (exactly one).
    #[schemars(length(min = 1, max = 1), extend("x-kubernetes-list-type" = "atomic"))]
    pub rules: Vec<TLSRouteRule>,
}

crate::gateway_api_root!(TLSRoute, TLSRouteSpec, TLSRouteStatus);

/// The observed state of a TLSRoute: the common route status. spec: `TLSRouteStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TLSRouteStatus {
    /// Status per parent.
    #[serde(flatten)]
    pub route_status: RouteStatus,
}

/// Where a TLSRoute forwards connections. spec: `TLSRouteRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TLSRouteRule {
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
    fn upstream_examples_have_hostnames() {
        for file in [
            "examples/standard/tls-routing/tls-route.yaml",
            "examples/standard/tls-routing/tls-route-terminate.yaml",
        ] {
            for doc in upstream_example(file, "gateway.networking.k8s.io/v1", "TLSRoute") {
                let route: TLSRoute = serde_json::from_value(doc.clone()).expect("parse");
                assert!(!route.spec.hostnames.is_empty());
                assert_eq!(serde_json::to_value(&route).expect("serialize"), doc);
            }
        }
    }

    #[test]
    fn hostnames_are_required() {
        let json = serde_json::json!({"rules": [{"backendRefs": [{"name": "s", "port": 443}]}]});
        assert!(serde_json::from_value::<TLSRouteSpec>(json).is_err());
    }

    #[test]
    fn v1alpha3_is_an_alias() {
        let json = serde_json::json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "TLSRoute",
            "metadata": {"name": "r", "namespace": "ns"},
            "spec": {
                "parentRefs": [{"name": "gw", "sectionName": "tls"}],
                "hostnames": ["*.example.com"],
                "rules": [{"name": "only", "backendRefs": [{"name": "s", "port": 443, "weight": 0}]}],
            },
            "status": {"parents": []},
        });
        let route: TLSRoute = serde_json::from_value(json.clone()).expect("parse");
        let alpha3: crate::v1alpha3::TLSRoute = route.into();
        assert_eq!(alpha3.spec.hostnames[0], "*.example.com");
        let mut alpha3_json = serde_json::to_value(&alpha3).expect("serialize");
        assert_eq!(
            alpha3_json["apiVersion"],
            "gateway.networking.k8s.io/v1alpha3"
        );
        let back: TLSRoute = alpha3.into();
        assert_eq!(serde_json::to_value(&back).expect("serialize"), json);
        alpha3_json["apiVersion"] = json["apiVersion"].clone();
        assert_eq!(alpha3_json, json);
    }
}
