//! The names of the conformance features an implementation can claim (in
//! `GatewayClass.status.supportedFeatures` and conformance reports), with the kind each
//! belongs to, its support level and its release channel.
//!
//! spec: `pkg/features/*.go` of the upstream repository (v1.6.1).
//!
//! ```
//! use gateway_api_types::features::{FeatureKind, SupportLevel, SupportedFeatureName, features_of};
//!
//! let core: Vec<_> = features_of(FeatureKind::HTTPRoute, SupportLevel::Core).collect();
//! assert_eq!(core, [&SupportedFeatureName::HTTPRoute]);
//! let info = SupportedFeatureName::HTTPRouteQueryParamMatching.info().unwrap();
//! assert_eq!((info.kind, info.level), (FeatureKind::HTTPRoute, SupportLevel::Extended));
//! ```

use crate::Channel;

string_enum! {
    /// A conformance feature name. spec: `FeatureName` (the `Support*` constants).
    pub enum SupportedFeatureName {
        /// Gateways themselves (only GAMMA/mesh-only implementations may leave this out).
        Gateway = "Gateway",
        /// Listeners on port 8080 in addition to the usual ports.
        GatewayPort8080 = "GatewayPort8080",
        /// Addresses requested in `spec.addresses` are assigned instead of dynamic ones.
        GatewayStaticAddresses = "GatewayStaticAddresses",
        /// A request is served only by the most specific matching HTTP listener.
        GatewayHTTPListenerIsolation = "GatewayHTTPListenerIsolation",
        /// HTTPS requests whose host does not match the TLS connection are answered with 421.
        GatewayHTTPSListenerDetectMisdirectedRequests = "GatewayHTTPSListenerDetectMisdirectedRequests",
        /// `spec.infrastructure` labels and annotations are copied to the generated resources.
        GatewayInfrastructurePropagation = "GatewayInfrastructurePropagation",
        /// An address entry with an empty `value` (type only) is accepted.
        GatewayAddressEmpty = "GatewayAddressEmpty",
        /// The Gateway presents a client certificate when it connects to backends.
        GatewayBackendClientCertificate = "GatewayBackendClientCertificate",
        /// Client certificates of incoming TLS connections are validated.
        GatewayFrontendClientCertificateValidation = "GatewayFrontendClientCertificateValidation",
        /// The `AllowInsecureFallback` mode of frontend client certificate validation.
        GatewayFrontendClientCertificateValidationInsecureFallback = "GatewayFrontendClientCertificateValidationInsecureFallback",
        /// ListenerSets attached to Gateways.
        ListenerSet = "ListenerSet",
        /// ReferenceGrants governing cross-namespace references.
        ReferenceGrant = "ReferenceGrant",
        /// HTTPRoutes (the core matches and filters).
        HTTPRoute = "HTTPRoute",
        /// Matching a route on the destination port through `parentRefs[].port`.
        HTTPRouteDestinationPortMatching = "HTTPRouteDestinationPortMatching",
        /// `RequestHeaderModifier` filters on individual backendRefs.
        HTTPRouteBackendRequestHeaderModification = "HTTPRouteBackendRequestHeaderModification",
        /// Matching on query parameters.
        HTTPRouteQueryParamMatching = "HTTPRouteQueryParamMatching",
        /// Matching on the HTTP method.
        HTTPRouteMethodMatching = "HTTPRouteMethodMatching",
        /// The `ResponseHeaderModifier` filter.
        HTTPRouteResponseHeaderModification = "HTTPRouteResponseHeaderModification",
        /// `port` in the `RequestRedirect` filter.
        HTTPRoutePortRedirect = "HTTPRoutePortRedirect",
        /// `scheme` in the `RequestRedirect` filter.
        HTTPRouteSchemeRedirect = "HTTPRouteSchemeRedirect",
        /// `path` in the `RequestRedirect` filter.
        HTTPRoutePathRedirect = "HTTPRoutePathRedirect",
        /// `hostname` in the `URLRewrite` filter.
        HTTPRouteHostRewrite = "HTTPRouteHostRewrite",
        /// `path` in the `URLRewrite` filter.
        HTTPRoutePathRewrite = "HTTPRoutePathRewrite",
        /// The `RequestMirror` filter.
        HTTPRouteRequestMirror = "HTTPRouteRequestMirror",
        /// Several `RequestMirror` filters in one rule.
        HTTPRouteRequestMultipleMirrors = "HTTPRouteRequestMultipleMirrors",
        /// Mirroring only a fraction or percentage of requests.
        HTTPRouteRequestPercentageMirror = "HTTPRouteRequestPercentageMirror",
        /// `timeouts.request` on rules.
        HTTPRouteRequestTimeout = "HTTPRouteRequestTimeout",
        /// `timeouts.backendRequest` on rules.
        HTTPRouteBackendTimeout = "HTTPRouteBackendTimeout",
        /// Attaching to a Gateway by `parentRefs[].port`.
        HTTPRouteParentRefPort = "HTTPRouteParentRefPort",
        /// Backends whose `appProtocol` is `kubernetes.io/h2c`.
        HTTPRouteBackendProtocolH2C = "HTTPRouteBackendProtocolH2C",
        /// Backends whose `appProtocol` is `kubernetes.io/ws`.
        HTTPRouteBackendProtocolWebSocket = "HTTPRouteBackendProtocolWebSocket",
        /// The `name` field of route rules.
        HTTPRouteNamedRouteRule = "HTTPRouteNamedRouteRule",
        /// The `CORS` filter.
        HTTPRouteCORS = "HTTPRouteCORS",
        /// Redirects with status code 303.
        HTTPRoute303RedirectStatusCode = "HTTPRoute303RedirectStatusCode",
        /// Redirects with status code 307.
        HTTPRoute307RedirectStatusCode = "HTTPRoute307RedirectStatusCode",
        /// Redirects with status code 308.
        HTTPRoute308RedirectStatusCode = "HTTPRoute308RedirectStatusCode",
        /// The `retry` stanza of rules.
        HTTPRouteRetry = "HTTPRouteRetry",
        /// Retrying requests whose backend timed out.
        HTTPRouteRetryBackendTimeout = "HTTPRouteRetryBackendTimeout",
        /// Retrying requests that failed to connect to the backend.
        HTTPRouteRetryConnectionError = "HTTPRouteRetryConnectionError",
        /// GRPCRoutes.
        GRPCRoute = "GRPCRoute",
        /// The `name` field of GRPCRoute rules.
        GRPCRouteNamedRouteRule = "GRPCRouteNamedRouteRule",
        /// TLSRoutes (passthrough).
        TLSRoute = "TLSRoute",
        /// TLSRoutes on listeners that terminate TLS.
        TLSRouteModeTerminate = "TLSRouteModeTerminate",
        /// Passthrough and terminating TLS listeners on the same port.
        TLSRouteModeMixed = "TLSRouteModeMixed",
        /// TCPRoutes.
        TCPRoute = "TCPRoute",
        /// UDPRoutes (upstream puts it in an unqualified set; listed here as extended, like TCPRoute).
        UDPRoute = "UDPRoute",
        /// Service mesh (GAMMA): routes whose parent is a Service.
        Mesh = "Mesh",
        /// Mesh traffic recognised by the Service's cluster IP.
        MeshClusterIPMatching = "MeshClusterIPMatching",
        /// Consumer routes: a route in one namespace for a Service in another.
        MeshConsumerRoute = "MeshConsumerRoute",
        /// `path` in the `URLRewrite` filter, for mesh routes.
        MeshHTTPRouteRewritePath = "MeshHTTPRouteRewritePath",
        /// `scheme` in the `RequestRedirect` filter, for mesh routes.
        MeshHTTPRouteSchemeRedirect = "MeshHTTPRouteSchemeRedirect",
        /// `port` in the `RequestRedirect` filter, for mesh routes.
        MeshHTTPRouteRedirectPort = "MeshHTTPRouteRedirectPort",
        /// `path` in the `RequestRedirect` filter, for mesh routes.
        MeshHTTPRouteRedirectPath = "MeshHTTPRouteRedirectPath",
        /// `RequestHeaderModifier` filters on backendRefs, for mesh routes.
        MeshHTTPRouteBackendRequestHeaderModification = "MeshHTTPRouteBackendRequestHeaderModification",
        /// Query parameter matching, for mesh routes.
        MeshHTTPRouteQueryParamMatching = "MeshHTTPRouteQueryParamMatching",
        /// The `name` field of route rules, for mesh routes.
        MeshHTTPRouteNamedRouteRule = "MeshHTTPRouteNamedRouteRule",
        /// BackendTLSPolicy (TLS from the Gateway to backends).
        BackendTLSPolicy = "BackendTLSPolicy",
        /// `subjectAltNames` in BackendTLSPolicy validation.
        BackendTLSPolicySANValidation = "BackendTLSPolicySANValidation",
    }
}

/// The resource (or profile, for `Mesh`) a feature belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FeatureKind {
    /// Gateway (and ListenerSet) features.
    Gateway,
    /// ReferenceGrant features.
    ReferenceGrant,
    /// HTTPRoute features.
    HTTPRoute,
    /// GRPCRoute features.
    GRPCRoute,
    /// TLSRoute features.
    TLSRoute,
    /// TCPRoute features.
    TCPRoute,
    /// UDPRoute features.
    UDPRoute,
    /// Service mesh (GAMMA) features.
    Mesh,
    /// BackendTLSPolicy features.
    BackendTLSPolicy,
}

impl FeatureKind {
    /// Every kind, in upstream's order.
    pub const ALL: &'static [FeatureKind] = &[
        FeatureKind::Gateway,
        FeatureKind::ReferenceGrant,
        FeatureKind::HTTPRoute,
        FeatureKind::GRPCRoute,
        FeatureKind::TLSRoute,
        FeatureKind::TCPRoute,
        FeatureKind::UDPRoute,
        FeatureKind::Mesh,
        FeatureKind::BackendTLSPolicy,
    ];
}

/// How much of the implementations are expected to support a feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SupportLevel {
    /// Every implementation of the kind must support it.
    Core,
    /// Optional; implementations that claim it must pass its conformance tests.
    Extended,
}

/// What upstream records about a feature. spec: `Feature`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FeatureInfo {
    /// The feature name.
    pub name: SupportedFeatureName,
    /// The kind it belongs to.
    pub kind: FeatureKind,
    /// Core or extended.
    pub level: SupportLevel,
    /// The release channel of the API the feature exercises.
    pub channel: Channel,
}

macro_rules! info {
    ($name:ident, $kind:ident, $level:ident, $channel:ident) => {
        FeatureInfo {
            name: SupportedFeatureName::$name,
            kind: FeatureKind::$kind,
            level: SupportLevel::$level,
            channel: Channel::$channel,
        }
    };
}

/// Every feature upstream defines, grouped by kind (core first), in upstream's order.
pub static FEATURES: &[FeatureInfo] = &[
    info!(Gateway, Gateway, Core, Standard),
    info!(GatewayPort8080, Gateway, Extended, Standard),
    info!(GatewayStaticAddresses, Gateway, Extended, Standard),
    info!(GatewayHTTPListenerIsolation, Gateway, Extended, Standard),
    info!(
        GatewayHTTPSListenerDetectMisdirectedRequests,
        Gateway, Extended, Standard
    ),
    info!(
        GatewayInfrastructurePropagation,
        Gateway, Extended, Standard
    ),
    info!(GatewayAddressEmpty, Gateway, Extended, Standard),
    info!(GatewayBackendClientCertificate, Gateway, Extended, Standard),
    info!(
        GatewayFrontendClientCertificateValidation,
        Gateway, Extended, Standard
    ),
    info!(
        GatewayFrontendClientCertificateValidationInsecureFallback,
        Gateway, Extended, Standard
    ),
    info!(ListenerSet, Gateway, Extended, Standard),
    info!(ReferenceGrant, ReferenceGrant, Core, Standard),
    info!(HTTPRoute, HTTPRoute, Core, Standard),
    info!(
        HTTPRouteDestinationPortMatching,
        HTTPRoute, Extended, Experimental
    ),
    info!(
        HTTPRouteBackendRequestHeaderModification,
        HTTPRoute, Extended, Standard
    ),
    info!(HTTPRouteQueryParamMatching, HTTPRoute, Extended, Standard),
    info!(HTTPRouteMethodMatching, HTTPRoute, Extended, Standard),
    info!(
        HTTPRouteResponseHeaderModification,
        HTTPRoute, Extended, Standard
    ),
    info!(HTTPRoutePortRedirect, HTTPRoute, Extended, Standard),
    info!(HTTPRouteSchemeRedirect, HTTPRoute, Extended, Standard),
    info!(HTTPRoutePathRedirect, HTTPRoute, Extended, Standard),
    info!(HTTPRouteHostRewrite, HTTPRoute, Extended, Standard),
    info!(HTTPRoutePathRewrite, HTTPRoute, Extended, Standard),
    info!(HTTPRouteRequestMirror, HTTPRoute, Extended, Standard),
    info!(
        HTTPRouteRequestMultipleMirrors,
        HTTPRoute, Extended, Standard
    ),
    info!(
        HTTPRouteRequestPercentageMirror,
        HTTPRoute, Extended, Standard
    ),
    info!(HTTPRouteRequestTimeout, HTTPRoute, Extended, Standard),
    info!(HTTPRouteBackendTimeout, HTTPRoute, Extended, Standard),
    info!(HTTPRouteParentRefPort, HTTPRoute, Extended, Standard),
    info!(HTTPRouteBackendProtocolH2C, HTTPRoute, Extended, Standard),
    info!(
        HTTPRouteBackendProtocolWebSocket,
        HTTPRoute, Extended, Standard
    ),
    info!(HTTPRouteNamedRouteRule, HTTPRoute, Extended, Standard),
    info!(HTTPRouteCORS, HTTPRoute, Extended, Standard),
    info!(
        HTTPRoute303RedirectStatusCode,
        HTTPRoute, Extended, Standard
    ),
    info!(
        HTTPRoute307RedirectStatusCode,
        HTTPRoute, Extended, Standard
    ),
    info!(
        HTTPRoute308RedirectStatusCode,
        HTTPRoute, Extended, Standard
    ),
    info!(HTTPRouteRetry, HTTPRoute, Extended, Experimental),
    info!(
        HTTPRouteRetryBackendTimeout,
        HTTPRoute, Extended, Experimental
    ),
    info!(
        HTTPRouteRetryConnectionError,
        HTTPRoute, Extended, Experimental
    ),
    info!(GRPCRoute, GRPCRoute, Core, Standard),
    info!(GRPCRouteNamedRouteRule, GRPCRoute, Extended, Standard),
    info!(TLSRoute, TLSRoute, Core, Standard),
    info!(TLSRouteModeTerminate, TLSRoute, Extended, Standard),
    info!(TLSRouteModeMixed, TLSRoute, Extended, Experimental),
    info!(TCPRoute, TCPRoute, Extended, Standard),
    info!(UDPRoute, UDPRoute, Extended, Standard),
    info!(Mesh, Mesh, Core, Standard),
    info!(MeshClusterIPMatching, Mesh, Extended, Standard),
    info!(MeshConsumerRoute, Mesh, Extended, Standard),
    info!(MeshHTTPRouteRewritePath, Mesh, Extended, Standard),
    info!(MeshHTTPRouteSchemeRedirect, Mesh, Extended, Standard),
    info!(MeshHTTPRouteRedirectPort, Mesh, Extended, Standard),
    info!(MeshHTTPRouteRedirectPath, Mesh, Extended, Standard),
    info!(
        MeshHTTPRouteBackendRequestHeaderModification,
        Mesh, Extended, Standard
    ),
    info!(MeshHTTPRouteQueryParamMatching, Mesh, Extended, Standard),
    info!(MeshHTTPRouteNamedRouteRule, Mesh, Extended, Standard),
    info!(BackendTLSPolicy, BackendTLSPolicy, Core, Standard),
    info!(
        BackendTLSPolicySANValidation,
        BackendTLSPolicy, Extended, Standard
    ),
];

/// The features of `kind` at `level`, in upstream's order.
pub fn features_of(
    kind: FeatureKind,
    level: SupportLevel,
) -> impl Iterator<Item = &'static SupportedFeatureName> {
    FEATURES
        .iter()
        .filter(move |f| f.kind == kind && f.level == level)
        .map(|f| &f.name)
}

/// Every feature of `kind` (core and extended), in upstream's order.
pub fn all_features_of(kind: FeatureKind) -> impl Iterator<Item = &'static FeatureInfo> {
    FEATURES.iter().filter(move |f| f.kind == kind)
}

impl SupportedFeatureName {
    /// What upstream records about this feature; `None` for an unrecognized name.
    pub fn info(&self) -> Option<&'static FeatureInfo> {
        FEATURES.iter().find(|f| &f.name == self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_exactly_one_entry() {
        assert_eq!(FEATURES.len(), SupportedFeatureName::VALUES.len());
        for (wire, _) in SupportedFeatureName::VALUES {
            let name = SupportedFeatureName::from_wire(wire);
            assert!(name.is_known(), "{wire}");
            assert_eq!(
                FEATURES.iter().filter(|f| f.name == name).count(),
                1,
                "{wire}"
            );
        }
    }

    #[test]
    fn levels_and_channels() {
        let core: Vec<&str> = FeatureKind::ALL
            .iter()
            .flat_map(|k| features_of(*k, SupportLevel::Core))
            .map(SupportedFeatureName::as_str)
            .collect();
        assert_eq!(
            core,
            [
                "Gateway",
                "ReferenceGrant",
                "HTTPRoute",
                "GRPCRoute",
                "TLSRoute",
                "Mesh",
                "BackendTLSPolicy"
            ]
        );
        let experimental: Vec<&str> = FEATURES
            .iter()
            .filter(|f| f.channel == Channel::Experimental)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(
            experimental,
            [
                "HTTPRouteDestinationPortMatching",
                "HTTPRouteRetry",
                "HTTPRouteRetryBackendTimeout",
                "HTTPRouteRetryConnectionError",
                "TLSRouteModeMixed"
            ]
        );
        assert_eq!(all_features_of(FeatureKind::HTTPRoute).count(), 27);
        assert_eq!(all_features_of(FeatureKind::Mesh).count(), 10);
    }

    #[test]
    fn unknown_names_round_trip() {
        let n: SupportedFeatureName =
            serde_json::from_value(serde_json::json!("example.com/Custom")).expect("parse");
        assert!(n.info().is_none());
        assert_eq!(n.to_string(), "example.com/Custom");
    }
}
