//! `gwproxy conformance`: upstream's Gateway API conformance cases (v1.6.1, translated to data
//! under `conformance/cases/`) run against the in-process proxy, without a cluster.
//!
//! Per test: the base manifests plus the test's manifests (placeholders filled) are served by a
//! fresh [`Proxy`](crate::serve::Proxy) bound per Gateway on loopback (`Bind::PerGateway`); the echo Deployments of
//! the base manifests run once, in process ([`crate::testbed`]), and reach the proxy as
//! EndpointSlices. The runner waits until the test's Gateways and Routes are Accepted in the
//! proxy's resolution, then sends every case the way upstream's harness does
//! (`conformance/utils/http/http.go`: 3 consecutive matching answers within a bounded time),
//! plus the weighted-distribution, mirror and gRPC checks. See the suite's
//! `conformance/README.md` for the case schema.

pub mod case;
pub mod conditions;
pub mod http;
pub mod report;
mod runner;
pub mod tls;
pub mod websocket;

pub use runner::{ConformanceError, ConformanceOptions, run};

/// The controller name the conformance GatewayClass names.
pub const CONTROLLER_NAME: &str = "gateway-api-rs.dev/gwproxy";

/// The GatewayClass created for the run (`{GATEWAY_CLASS_NAME}`).
pub const GATEWAY_CLASS_NAME: &str = "gwproxy-conformance";

/// The features gwproxy claims (README "Conformance"): `cargo test` fails when a test whose
/// features are all in this list does not pass.
pub const SUPPORTED_FEATURES: &[&str] = &[
    "Gateway",
    "HTTPRoute",
    "GRPCRoute",
    "ReferenceGrant",
    "GatewayHTTPListenerIsolation",
    "ListenerSet",
    "HTTPRoute303RedirectStatusCode",
    "HTTPRoute307RedirectStatusCode",
    "HTTPRoute308RedirectStatusCode",
    "HTTPRouteBackendRequestHeaderModification",
    "HTTPRouteBackendTimeout",
    "HTTPRouteCORS",
    "HTTPRouteHostRewrite",
    "HTTPRouteMethodMatching",
    "HTTPRouteNamedRouteRule",
    "HTTPRouteParentRefPort",
    "HTTPRoutePathRedirect",
    "HTTPRoutePathRewrite",
    "HTTPRoutePortRedirect",
    "HTTPRouteQueryParamMatching",
    "HTTPRouteRequestMirror",
    "HTTPRouteRequestMultipleMirrors",
    "HTTPRouteRequestPercentageMirror",
    "HTTPRouteRequestTimeout",
    "HTTPRouteResponseHeaderModification",
    "HTTPRouteRetry",
    "HTTPRouteSchemeRedirect",
    "GRPCRouteNamedRouteRule",
];
