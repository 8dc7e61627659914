//! GRPCRoute: routing of gRPC requests from Gateways (or Services, for mesh) to backends.
//!
//! spec: `apis/v1/grpcroute_types.go`. Namespaced. Rules match on the gRPC service/method and
//! headers; filters and backend references reuse the HTTPRoute types where upstream does
//! ([`HTTPHeaderFilter`], [`HTTPRequestMirrorFilter`]).

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::httproute::{
    HTTPHeaderFilter, HTTPRequestMirrorFilter, filter_type_rules, match_total_rule,
    not_repeated_rules, unique_rule_name_rule,
};
#[cfg(feature = "experimental")]
use crate::shared::SessionPersistence;
use crate::shared::{
    BackendRef, CommonRouteSpec, HeaderName, Hostname, LocalObjectReference, RouteStatus,
    SectionName,
};

/// The rules of a gRPC filter list (rule filters and backendRef filters alike).
fn grpc_filter_list_rules() -> Value {
    Value::Array(not_repeated_rules(&[
        "RequestHeaderModifier",
        "ResponseHeaderModifier",
    ]))
}

/// The type/field rules of [`GRPCRouteFilter`].
fn grpc_filter_rules() -> Value {
    filter_type_rules(&[
        ("requestHeaderModifier", "RequestHeaderModifier"),
        ("responseHeaderModifier", "ResponseHeaderModifier"),
        ("requestMirror", "RequestMirror"),
        ("extensionRef", "ExtensionRef"),
    ])
}

/// The desired state of a GRPCRoute. spec: `GRPCRouteSpec`.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "GRPCRoute",
    doc = "A GRPCRoute (`gateway.networking.k8s.io/v1`): metadata, [`GRPCRouteSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "GRPCRouteStatus",
    namespaced,
    category = "gateway-api",
    schema = "manual",
    printcolumn = r#"{"name": "Hostnames", "type": "string", "jsonPath": ".spec.hostnames"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct GRPCRouteSpec {
    /// Parent references (and, experimental, default-Gateway attachment).
    #[serde(flatten)]
    pub common_route_spec: CommonRouteSpec,
    /// Host names matched against the `:authority` header; must intersect the listener's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub hostnames: Option<Vec<Hostname>>,
    /// The routing rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = [match_total_rule(true)],
        "x-gateway-api-experimental" = {"x-kubernetes-validations": [
            match_total_rule(true),
            unique_rule_name_rule()
        ]}
    ))]
    pub rules: Option<Vec<GRPCRouteRule>>,
}

crate::gateway_api_root!(GRPCRoute, GRPCRouteSpec, GRPCRouteStatus);

/// The observed state of a GRPCRoute. spec: `GRPCRouteStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GRPCRouteStatus {
    /// Status per parent.
    #[serde(flatten)]
    pub route_status: RouteStatus,
}

/// One rule of a GRPCRoute: matches, filters and backends. spec: `GRPCRouteRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GRPCRouteRule {
    /// Name of the rule, unique within the route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SectionName>,
    /// The rule matches a request when any of these matches does (every request when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend("x-kubernetes-list-type" = "atomic"))]
    pub matches: Option<Vec<GRPCRouteMatch>>,
    /// Filters applied to matching requests, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = grpc_filter_list_rules()
    ))]
    pub filters: Option<Vec<GRPCRouteFilter>>,
    /// Where matching requests are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub backend_refs: Option<Vec<GRPCBackendRef>>,
    /// Session persistence for this rule's backends (experimental).
    #[cfg(feature = "experimental")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-gateway-api-channel" = "experimental"))]
    pub session_persistence: Option<SessionPersistence>,
}

/// Conditions a gRPC request must all meet. spec: `GRPCRouteMatch`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct GRPCRouteMatch {
    /// Service/method match (any method when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<GRPCMethodMatch>,
    /// Header matches, all required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub headers: Option<Vec<GRPCHeaderMatch>>,
}

/// Match on the gRPC service and/or method. spec: `GRPCMethodMatch`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-kubernetes-validations" = [
    {"message": "One or both of 'service' or 'method' must be specified",
     "rule": "has(self.type) ? has(self.service) || has(self.method) : true"},
    {"message": r"service must only contain valid characters (matching ^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$)",
     "rule": r#"(!has(self.type) || self.type == 'Exact') && has(self.service) ? self.service.matches(r"""^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$"""): true"#},
    {"message": "method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)",
     "rule": r#"(!has(self.type) || self.type == 'Exact') && has(self.method) ? self.method.matches(r"""^[A-Za-z_][A-Za-z_0-9]*$"""): true"#}
]))]
pub struct GRPCMethodMatch {
    /// How `service` and `method` are matched (default `Exact`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Exact"))]
    pub type_: Option<GRPCMethodMatchType>,
    /// The fully qualified service name (`package.Service`); any service when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub service: Option<String>,
    /// The method name; any method when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub method: Option<String>,
}

string_enum! {
    /// How a gRPC service/method is matched. spec: `GRPCMethodMatchType`.
    pub enum GRPCMethodMatchType {
        /// The exact name.
        Exact = "Exact",
        /// A regular expression (implementation-specific dialect).
        RegularExpression = "RegularExpression",
    }
}

/// Match on a gRPC request header (metadata). spec: `GRPCHeaderMatch`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct GRPCHeaderMatch {
    /// How `value` is matched (default `Exact`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Exact"))]
    pub type_: Option<GRPCHeaderMatchType>,
    /// The header name; unique within a match.
    pub name: GRPCHeaderName,
    /// The value (or expression) to match.
    #[schemars(length(min = 1, max = 4096))]
    pub value: String,
}

string_enum! {
    /// How a gRPC header value is matched. spec: `GRPCHeaderMatchType`.
    pub enum GRPCHeaderMatchType {
        /// The exact value.
        Exact = "Exact",
        /// A regular expression (implementation-specific dialect).
        RegularExpression = "RegularExpression",
    }
}

/// A gRPC header (metadata) name. spec: `GRPCHeaderName` (a `HeaderName`).
pub type GRPCHeaderName = HeaderName;

string_enum! {
    /// The kind of a gRPC filter. spec: `GRPCRouteFilterType`.
    pub enum GRPCRouteFilterType {
        /// Modify response headers.
        ResponseHeaderModifier = "ResponseHeaderModifier",
        /// Modify request headers.
        RequestHeaderModifier = "RequestHeaderModifier",
        /// Mirror requests to another backend.
        RequestMirror = "RequestMirror",
        /// An implementation-specific filter.
        ExtensionRef = "ExtensionRef",
    }
}

/// A processing step applied to gRPC requests (or responses) of a rule or backend; exactly the
/// field named by `type` is set. spec: `GRPCRouteFilter`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = grpc_filter_rules()))]
pub struct GRPCRouteFilter {
    /// Which filter this is.
    #[serde(rename = "type")]
    pub type_: GRPCRouteFilterType,
    /// Request header changes (`RequestHeaderModifier`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_header_modifier: Option<HTTPHeaderFilter>,
    /// Response header changes (`ResponseHeaderModifier`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_header_modifier: Option<HTTPHeaderFilter>,
    /// Mirroring of requests to another backend (`RequestMirror`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-validations" = [{
        "message": "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter",
        "rule": "!(has(self.percent) && has(self.fraction))"
    }]))]
    pub request_mirror: Option<HTTPRequestMirrorFilter>,
    /// An implementation-specific filter resource (`ExtensionRef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_ref: Option<LocalObjectReference>,
}

/// A weighted backend of a gRPC rule, with its own filters. spec: `GRPCBackendRef`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct GRPCBackendRef {
    /// The backend and its weight.
    #[serde(flatten)]
    pub backend_ref: BackendRef,
    /// Filters applied only to requests sent to this backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = grpc_filter_list_rules()
    ))]
    pub filters: Option<Vec<GRPCRouteFilter>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_round_trip() {
        let rule = serde_json::json!({
            "matches": [{"method": {"type": "Glob", "service": "foo.*"},
                "headers": [{"type": "Prefix", "name": "x", "value": "y"}]}],
            "filters": [{"type": "URLRewrite"}],
        });
        let r: GRPCRouteRule = serde_json::from_value(rule.clone()).expect("parse");
        let m = &r.matches.as_ref().expect("matches")[0];
        assert_eq!(
            m.method.as_ref().and_then(|x| x.type_.clone()),
            Some(GRPCMethodMatchType::Unrecognized("Glob".into()))
        );
        assert!(!r.filters.as_ref().expect("filters")[0].type_.is_known());
        assert_eq!(serde_json::to_value(&r).expect("serialize"), rule);
    }

    #[test]
    fn filter_type_enum_keeps_upstream_order() {
        let values: Vec<&str> = GRPCRouteFilterType::values(crate::Channel::Standard).collect();
        assert_eq!(
            values,
            [
                "ResponseHeaderModifier",
                "RequestHeaderModifier",
                "RequestMirror",
                "ExtensionRef"
            ]
        );
    }

    #[test]
    fn match_total_rule_tolerates_missing_matches() {
        let rule = match_total_rule(true);
        let text = rule["rule"].as_str().expect("rule text");
        assert!(text.starts_with(
            "(self.size() > 0 ? (has(self[0].matches) ? self[0].matches.size() : 0) : 0) + "
        ));
        assert!(text.ends_with(
            "(self.size() > 15 ? (has(self[15].matches) ? self[15].matches.size() : 0) : 0) <= 128"
        ));
    }
}
