//! UDPRoute v1alpha2 (deprecated): like [`crate::v1::UDPRoute`] but with up to 16 rules.
//!
//! spec: `apis/v1alpha2/udproute_types.go`. The rule and status types are v1's. Converts to
//! and from v1 without loss: v1's `rules` is a plain list, so more than one rule survives the
//! round trip (the v1 CRD would reject such a v1 object, as upstream's does).

l4_route_v1alpha2! {
    kind: "UDPRoute",
    doc: "A UDPRoute (`gateway.networking.k8s.io/v1alpha2`): metadata, [`UDPRouteSpec`] and status; see the module docs.",
    status: "UDPRouteStatus",
    deprecated: "The v1alpha2 version of UDPRoute has been deprecated and will be removed in a future release of the API. Please upgrade to v1.",
    UDPRoute, UDPRouteSpec, UDPRouteStatus, UDPRouteRule
}
