//! HTTPRoute: routing of HTTP requests from Gateways (or Services, for mesh) to backends.
//!
//! spec: `apis/v1/httproute_types.go`. Namespaced. A route holds rules; each rule has matches
//! (path, headers, query parameters, method), filters (header modifiers, redirects, rewrites,
//! mirroring, CORS...) and weighted backend references.

use kube_derive::CustomResource;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[cfg(feature = "experimental")]
use crate::shared::SessionPersistence;
use crate::shared::{
    BackendObjectReference, BackendRef, CommonRouteSpec, CorsOrigin, Duration, Fraction,
    HeaderName, Hostname, LocalObjectReference, PortNumber, PreciseHostname, RouteStatus,
    SectionName,
};

/// Schema of a Go `int` field: an integer without `format` (schemars would add one).
pub(crate) fn integer_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "integer"})
}

/// Upstream's CEL rule bounding the total number of matches over a route's (at most 16) rules
/// to 128. GRPCRoute's (`matches_optional`) also counts rules without `matches` as zero.
pub(crate) fn match_total_rule(matches_optional: bool) -> Value {
    let terms: Vec<String> = (0..16)
        .map(|i| {
            let size = if matches_optional {
                format!("(has(self[{i}].matches) ? self[{i}].matches.size() : 0)")
            } else {
                format!("self[{i}].matches.size()")
            };
            format!("(self.size() > {i} ? {size} : 0)")
        })
        .collect();
    json!({
        "message": "While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128",
        "rule": format!("{} <= 128", terms.join(" + ")),
    })
}

/// The experimental-only rule: rule names are unique within a route (shared with GRPCRoute).
pub(crate) fn unique_rule_name_rule() -> Value {
    json!({
        "message": "Rule name must be unique within the route",
        "rule": "self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))"
    })
}

/// The experimental-only pattern of header values (shared with GRPCRoute through
/// [`HTTPHeader`]).
const HEADER_VALUE_PATTERN: &str = r"^[!-~]+([\t ]?[!-~]+)*$";

/// The "filter cannot be repeated" rules of a filter list, one per filter type (shared with
/// GRPCRoute).
pub(crate) fn not_repeated_rules(filters: &[&str]) -> Vec<Value> {
    filters
        .iter()
        .map(|filter| {
            json!({
                "message": format!("{filter} filter cannot be repeated"),
                "rule": format!("self.filter(f, f.type == '{filter}').size() <= 1"),
            })
        })
        .collect()
}

/// The pair of rules tying a filter's `type` to the presence of its config field.
fn filter_union_rules(field: &str, filter_type: &str) -> [Value; 2] {
    [
        json!({
            "message": format!("filter.{field} must be nil if the filter.type is not {filter_type}"),
            "rule": format!("!(has(self.{field}) && self.type != '{filter_type}')"),
        }),
        json!({
            "message": format!("filter.{field} must be specified for {filter_type} filter.type"),
            "rule": format!("!(!has(self.{field}) && self.type == '{filter_type}')"),
        }),
    ]
}

/// The type/field rules of a filter type, for each `(field, type)` pair (shared with GRPCRoute).
pub(crate) fn filter_type_rules(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .flat_map(|(field, t)| filter_union_rules(field, t))
            .collect(),
    )
}

/// The rules of an HTTP filter list (rule filters and backendRef filters alike).
fn http_filter_list_rules() -> Value {
    let mut rules = vec![json!({
        "message": "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both",
        "rule": "!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))"
    })];
    rules.extend(not_repeated_rules(&[
        "CORS",
        "RequestHeaderModifier",
        "ResponseHeaderModifier",
        "RequestRedirect",
        "URLRewrite",
    ]));
    Value::Array(rules)
}

/// The type/field pairs of [`HTTPRouteFilter`] in both channels.
const HTTP_FILTER_FIELDS: [(&str, &str); 7] = [
    ("cors", "CORS"),
    ("requestHeaderModifier", "RequestHeaderModifier"),
    ("responseHeaderModifier", "ResponseHeaderModifier"),
    ("requestMirror", "RequestMirror"),
    ("requestRedirect", "RequestRedirect"),
    ("urlRewrite", "URLRewrite"),
    ("extensionRef", "ExtensionRef"),
];

/// The type/field rules of [`HTTPRouteFilter`]; `experimental` adds the `externalAuth` pair.
fn http_filter_rules(experimental: bool) -> Value {
    let mut pairs = HTTP_FILTER_FIELDS.to_vec();
    if experimental {
        pairs.push(("externalAuth", "ExternalAuth"));
    }
    filter_type_rules(&pairs)
}

/// The "path.replacePrefixMatch needs exactly one PathPrefix match" rules of a rule.
fn replace_prefix_rule(message: &str, filter: &str, in_backend_refs: bool) -> Value {
    let uses = format!(
        "filters.exists_one(f, has(f.{filter}) && has(f.{filter}.path) && f.{filter}.path.type == 'ReplacePrefixMatch' && has(f.{filter}.path.replacePrefixMatch))"
    );
    let cond = if in_backend_refs {
        format!(
            "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.{uses}) ))"
        )
    } else {
        format!("(has(self.filters) && self.{uses})")
    };
    json!({
        "message": message,
        "rule": format!("{cond} ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true"),
    })
}

/// The rules of [`HTTPRouteRule`].
fn http_route_rule_rules() -> Value {
    json!([
        {
            "message": "RequestRedirect filter must not be used together with backendRefs",
            "rule": "(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true"
        },
        replace_prefix_rule("When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified", "requestRedirect", false),
        replace_prefix_rule("When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified", "urlRewrite", false),
        replace_prefix_rule("Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified", "requestRedirect", true),
        replace_prefix_rule("Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified", "urlRewrite", true),
    ])
}

/// The rules of [`HTTPPathMatch`].
fn http_path_match_rules() -> Value {
    const EXACT_OR_PREFIX: &str = "(self.type in ['Exact','PathPrefix'])";
    const WHEN: &str = "when type one of ['Exact', 'PathPrefix']";
    let mut rules = vec![json!({
        "message": format!("value must be an absolute path and start with '/' {WHEN}"),
        "rule": format!("{EXACT_OR_PREFIX} ? self.value.startsWith('/') : true"),
    })];
    for s in ["//", "/./", "/../", "%2f", "%2F", "#"] {
        rules.push(json!({
            "message": format!("must not contain '{s}' {WHEN}"),
            "rule": format!("{EXACT_OR_PREFIX} ? !self.value.contains('{s}') : true"),
        }));
    }
    for s in ["/..", "/."] {
        rules.push(json!({
            "message": format!("must not end with '{s}' {WHEN}"),
            "rule": format!("{EXACT_OR_PREFIX} ? !self.value.endsWith('{s}') : true"),
        }));
    }
    rules.push(json!({
        "message": "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']",
        "rule": "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'",
    }));
    rules.push(json!({
        "message": r"must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']",
        "rule": r#"(self.type in ['Exact','PathPrefix']) ? self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""") : true"#,
    }));
    Value::Array(rules)
}

/// The desired state of an HTTPRoute. spec: `HTTPRouteSpec`.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "HTTPRoute",
    doc = "An HTTPRoute (`gateway.networking.k8s.io/v1`): metadata, [`HTTPRouteSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "HTTPRouteStatus",
    namespaced,
    category = "gateway-api",
    schema = "manual",
    printcolumn = r#"{"name": "Hostnames", "type": "string", "jsonPath": ".spec.hostnames"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct HTTPRouteSpec {
    /// Parent references (and, experimental, default-Gateway attachment).
    #[serde(flatten)]
    pub common_route_spec: CommonRouteSpec,
    /// Host names matched against the `Host` header; must intersect the listener's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub hostnames: Option<Vec<Hostname>>,
    /// The routing rules (default: one rule matching every path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 16), extend(
        "default" = [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}],
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = [match_total_rule(false)],
        "x-gateway-api-experimental" = {"x-kubernetes-validations": [
            match_total_rule(false),
            unique_rule_name_rule()
        ]}
    ))]
    pub rules: Option<Vec<HTTPRouteRule>>,
}

crate::gateway_api_root!(HTTPRoute, HTTPRouteSpec, HTTPRouteStatus);

/// One rule of an HTTPRoute: matches, filters and backends. spec: `HTTPRouteRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = http_route_rule_rules()))]
pub struct HTTPRouteRule {
    /// Name of the rule, unique within the route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<SectionName>,
    /// The rule matches a request when any of these matches does (default: path prefix `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend(
        "default" = [{"path": {"type": "PathPrefix", "value": "/"}}],
        "x-kubernetes-list-type" = "atomic"
    ))]
    pub matches: Option<Vec<HTTPRouteMatch>>,
    /// Filters applied to matching requests, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = http_filter_list_rules()
    ))]
    pub filters: Option<Vec<HTTPRouteFilter>>,
    /// Where matching requests are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub backend_refs: Option<Vec<HTTPBackendRef>>,
    /// Request and backend-request timeouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<HTTPRouteTimeouts>,
    /// Retries of failed backend requests (experimental).
    #[cfg(feature = "experimental")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-gateway-api-channel" = "experimental"))]
    pub retry: Option<HTTPRouteRetry>,
    /// Session persistence for this rule's backends (experimental).
    #[cfg(feature = "experimental")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-gateway-api-channel" = "experimental"))]
    pub session_persistence: Option<SessionPersistence>,
}

/// Timeouts of a rule. spec: `HTTPRouteTimeouts`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "backendRequest timeout cannot be longer than request timeout",
    "rule": "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))"
}]))]
pub struct HTTPRouteTimeouts {
    /// Time for the gateway to answer the whole client request (`0s`: no timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Duration>,
    /// Time for one request from the gateway to a backend (`0s`: no timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_request: Option<Duration>,
}

/// An HTTP status code (400–599) that makes a request retryable.
/// spec: `HTTPRouteRetryStatusCode` (experimental).
#[cfg(feature = "experimental")]
pub type HTTPRouteRetryStatusCode = i64;

/// Schema of `HTTPRouteRetry.codes`: Go ints with the `HTTPRouteRetryStatusCode` bounds.
#[cfg(feature = "experimental")]
fn retry_codes_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "array", "items": {"type": "integer", "minimum": 400, "maximum": 599}})
}

/// Retry policy of a rule. spec: `HTTPRouteRetry` (experimental).
#[cfg(feature = "experimental")]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct HTTPRouteRetry {
    /// Response codes that are retried (in addition to connection errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "retry_codes_schema", extend("x-kubernetes-list-type" = "set"))]
    pub codes: Option<Vec<HTTPRouteRetryStatusCode>>,
    /// Maximum number of retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "integer_schema", range(min = 1))]
    pub attempts: Option<i64>,
    /// Minimum wait between retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Duration>,
}

string_enum! {
    /// How a path is matched. spec: `PathMatchType`.
    pub enum PathMatchType {
        /// The whole path, case-sensitively.
        Exact = "Exact",
        /// A prefix of the path, element by element (split on `/`).
        PathPrefix = "PathPrefix",
        /// A regular expression (implementation-specific dialect).
        RegularExpression = "RegularExpression",
    }
}

/// Match on the request path. spec: `HTTPPathMatch`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-kubernetes-validations" = http_path_match_rules()))]
pub struct HTTPPathMatch {
    /// How `value` is matched (default `PathPrefix`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "PathPrefix"))]
    pub type_: Option<PathMatchType>,
    /// The path (or expression) to match (default `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), extend("default" = "/"))]
    pub value: Option<String>,
}

string_enum! {
    /// How a header value is matched. spec: `HeaderMatchType`.
    pub enum HeaderMatchType {
        /// The exact value.
        Exact = "Exact",
        /// A regular expression (implementation-specific dialect).
        RegularExpression = "RegularExpression",
    }
}

/// An HTTP header name (case-insensitive). spec: `HTTPHeaderName` (a `HeaderName`).
pub type HTTPHeaderName = HeaderName;

/// Match on a request header. spec: `HTTPHeaderMatch`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct HTTPHeaderMatch {
    /// How `value` is matched (default `Exact`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Exact"))]
    pub type_: Option<HeaderMatchType>,
    /// The header name; unique within a match.
    pub name: HTTPHeaderName,
    /// The value (or expression) to match.
    #[schemars(
        length(min = 1, max = 4096),
        extend("x-gateway-api-experimental" = {"pattern": HEADER_VALUE_PATTERN})
    )]
    pub value: String,
}

string_enum! {
    /// How a query parameter value is matched. spec: `QueryParamMatchType`.
    pub enum QueryParamMatchType {
        /// The exact value.
        Exact = "Exact",
        /// A regular expression (implementation-specific dialect).
        RegularExpression = "RegularExpression",
    }
}

/// Match on a query parameter. spec: `HTTPQueryParamMatch`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct HTTPQueryParamMatch {
    /// How `value` is matched (default `Exact`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Exact"))]
    pub type_: Option<QueryParamMatchType>,
    /// The parameter name (exact, case-sensitive); unique within a match.
    pub name: HTTPHeaderName,
    /// The value (or expression) to match.
    #[schemars(length(min = 1, max = 1024))]
    pub value: String,
}

string_enum! {
    /// An HTTP method. spec: `HTTPMethod`.
    pub enum HTTPMethod {
        /// `GET`.
        Get = "GET",
        /// `HEAD`.
        Head = "HEAD",
        /// `POST`.
        Post = "POST",
        /// `PUT`.
        Put = "PUT",
        /// `DELETE`.
        Delete = "DELETE",
        /// `CONNECT`.
        Connect = "CONNECT",
        /// `OPTIONS`.
        Options = "OPTIONS",
        /// `TRACE`.
        Trace = "TRACE",
        /// `PATCH`.
        Patch = "PATCH",
    }
}

string_enum! {
    /// An HTTP method or `*` (any method), for CORS. spec: `HTTPMethodWithWildcard`.
    pub enum HTTPMethodWithWildcard {
        /// `GET`.
        Get = "GET",
        /// `HEAD`.
        Head = "HEAD",
        /// `POST`.
        Post = "POST",
        /// `PUT`.
        Put = "PUT",
        /// `DELETE`.
        Delete = "DELETE",
        /// `CONNECT`.
        Connect = "CONNECT",
        /// `OPTIONS`.
        Options = "OPTIONS",
        /// `TRACE`.
        Trace = "TRACE",
        /// `PATCH`.
        Patch = "PATCH",
        /// Any method.
        Wildcard = "*",
    }
}

/// Conditions a request must all meet. spec: `HTTPRouteMatch`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HTTPRouteMatch {
    /// Path match (default: prefix `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"type": "PathPrefix", "value": "/"}))]
    pub path: Option<HTTPPathMatch>,
    /// Header matches, all required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub headers: Option<Vec<HTTPHeaderMatch>>,
    /// Query parameter matches, all required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub query_params: Option<Vec<HTTPQueryParamMatch>>,
    /// Method match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<HTTPMethod>,
}

/// A processing step applied to requests (or responses) of a rule or backend; exactly the
/// field named by `type` is set. spec: `HTTPRouteFilter`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend(
    "x-kubernetes-validations" = http_filter_rules(false),
    "x-gateway-api-experimental" = {"x-kubernetes-validations": http_filter_rules(true)}
))]
pub struct HTTPRouteFilter {
    /// Which filter this is.
    #[serde(rename = "type")]
    pub type_: HTTPRouteFilterType,
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
    /// A redirect response (`RequestRedirect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_redirect: Option<HTTPRequestRedirectFilter>,
    /// Host/path rewriting before forwarding (`URLRewrite`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_rewrite: Option<HTTPURLRewriteFilter>,
    /// Cross-origin resource sharing (`CORS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<HTTPCORSFilter>,
    /// External authorization (`ExternalAuth`, experimental).
    #[cfg(feature = "experimental")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-gateway-api-channel" = "experimental"))]
    pub external_auth: Option<HTTPExternalAuthFilter>,
    /// An implementation-specific filter resource (`ExtensionRef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_ref: Option<LocalObjectReference>,
}

string_enum! {
    /// The kind of an HTTP filter. spec: `HTTPRouteFilterType`.
    pub enum HTTPRouteFilterType {
        /// Modify request headers.
        RequestHeaderModifier = "RequestHeaderModifier",
        /// Modify response headers.
        ResponseHeaderModifier = "ResponseHeaderModifier",
        /// Mirror requests to another backend.
        RequestMirror = "RequestMirror",
        /// Answer with a redirect.
        RequestRedirect = "RequestRedirect",
        /// Rewrite host and/or path.
        URLRewrite = "URLRewrite",
        /// An implementation-specific filter.
        ExtensionRef = "ExtensionRef",
        /// Cross-origin resource sharing.
        CORS = "CORS",
        /// External authorization.
        [feature = "experimental"]
        ExternalAuth = "ExternalAuth",
    }
}

/// A header name and value. spec: `HTTPHeader`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct HTTPHeader {
    /// The header name (case-insensitive).
    pub name: HTTPHeaderName,
    /// The header value.
    #[schemars(
        length(min = 1, max = 4096),
        extend("x-gateway-api-experimental" = {"pattern": HEADER_VALUE_PATTERN})
    )]
    pub value: String,
}

/// Header changes: set (overwrite), add (append) and remove. spec: `HTTPHeaderFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct HTTPHeaderFilter {
    /// Headers to overwrite (or create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub set: Option<Vec<HTTPHeader>>,
    /// Headers to append to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub add: Option<Vec<HTTPHeader>>,
    /// Names of headers to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend("x-kubernetes-list-type" = "set"))]
    pub remove: Option<Vec<String>>,
}

string_enum! {
    /// How a path is rewritten. spec: `HTTPPathModifierType`.
    pub enum HTTPPathModifierType {
        /// Replace the whole path.
        ReplaceFullPath = "ReplaceFullPath",
        /// Replace the part of the path the `PathPrefix` match matched.
        ReplacePrefixMatch = "ReplacePrefixMatch",
    }
}

/// A path rewrite, for redirects and URL rewrites. spec: `HTTPPathModifier`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"message": "replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
     "rule": "self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true"},
    {"message": "type must be 'ReplaceFullPath' when replaceFullPath is set",
     "rule": "has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true"},
    {"message": "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
     "rule": "self.type == 'ReplacePrefixMatch' ? has(self.replacePrefixMatch) : true"},
    {"message": "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
     "rule": "has(self.replacePrefixMatch) ? self.type == 'ReplacePrefixMatch' : true"}
]))]
pub struct HTTPPathModifier {
    /// Which kind of rewrite.
    #[serde(rename = "type")]
    pub type_: HTTPPathModifierType,
    /// The new path (`ReplaceFullPath`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub replace_full_path: Option<String>,
    /// The replacement for the matched prefix (`ReplacePrefixMatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub replace_prefix_match: Option<String>,
}

/// Answer matching requests with a redirect. spec: `HTTPRequestRedirectFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HTTPRequestRedirectFilter {
    /// Scheme of the `Location` (`http` or `https`); the request's when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["http", "https"]))]
    pub scheme: Option<String>,
    /// Host name of the `Location`; the request's `Host` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<PreciseHostname>,
    /// Path of the `Location`; the request's path when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<HTTPPathModifier>,
    /// Port of the `Location`; derived from the scheme or listener when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<PortNumber>,
    /// Status code of the redirect (default 302).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "integer_schema", extend("default" = 302, "enum" = [301, 302, 303, 307, 308]))]
    pub status_code: Option<i64>,
}

/// Rewrite host and/or path before forwarding. spec: `HTTPURLRewriteFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct HTTPURLRewriteFilter {
    /// The new `Host` header value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<PreciseHostname>,
    /// The path rewrite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<HTTPPathModifier>,
}

/// Send a copy of requests to another backend (responses ignored).
/// spec: `HTTPRequestMirrorFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HTTPRequestMirrorFilter {
    /// The backend that receives the copies.
    pub backend_ref: BackendObjectReference,
    /// Percentage of requests mirrored (0–100); all when neither this nor `fraction` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub percent: Option<i32>,
    /// Fraction of requests mirrored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<Fraction>,
}

/// Cross-origin resource sharing. spec: `HTTPCORSFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HTTPCORSFilter {
    /// Origins allowed to make requests (`*` for any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend(
        "x-kubernetes-list-type" = "set",
        "x-kubernetes-validations" = [{"message": "AllowOrigins cannot contain '*' alongside other origins",
            "rule": "!('*' in self && self.size() > 1)"}]))]
    pub allow_origins: Option<Vec<CorsOrigin>>,
    /// Whether credentials may be included (`Access-Control-Allow-Credentials`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    /// Methods allowed in cross-origin requests (`*` for any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 9), extend(
        "x-kubernetes-list-type" = "set",
        "x-kubernetes-validations" = [{"message": "AllowMethods cannot contain '*' alongside other methods",
            "rule": "!('*' in self && self.size() > 1)"}]))]
    pub allow_methods: Option<Vec<HTTPMethodWithWildcard>>,
    /// Request headers allowed in cross-origin requests (`*` for any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend(
        "x-kubernetes-list-type" = "set",
        "x-kubernetes-validations" = [{"message": "AllowHeaders cannot contain '*' alongside other methods",
            "rule": "!('*' in self && self.size() > 1)"}]))]
    pub allow_headers: Option<Vec<HTTPHeaderName>>,
    /// Response headers exposed to client scripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend("x-kubernetes-list-type" = "set"))]
    pub expose_headers: Option<Vec<HTTPHeaderName>>,
    /// Seconds a preflight response may be cached (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), extend("default" = 5))]
    pub max_age: Option<i32>,
}

#[cfg(feature = "experimental")]
string_enum! {
    /// Protocol spoken with an external authorization server.
    /// spec: `HTTPRouteExternalAuthProtocol` (experimental).
    pub enum HTTPRouteExternalAuthProtocol {
        /// Plain HTTP: a 200 response authorizes the request.
        HTTP = "HTTP",
        /// Envoy's `ext_authz` gRPC protocol.
        GRPC = "GRPC",
    }
}

/// Authorize requests with an external server. spec: `HTTPExternalAuthFilter` (experimental).
#[cfg(feature = "experimental")]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"message": "grpc must be specified when protocol is set to 'GRPC'",
     "rule": "self.protocol == 'GRPC' ? has(self.grpc) : true"},
    {"message": "protocol must be 'GRPC' when grpc is set",
     "rule": "has(self.grpc) ? self.protocol == 'GRPC' : true"},
    {"message": "http must be specified when protocol is set to 'HTTP'",
     "rule": "self.protocol == 'HTTP' ? has(self.http) : true"},
    {"message": "protocol must be 'HTTP' when http is set",
     "rule": "has(self.http) ? self.protocol == 'HTTP' : true"}
]))]
pub struct HTTPExternalAuthFilter {
    /// The protocol of the authorization server.
    pub protocol: HTTPRouteExternalAuthProtocol,
    /// The authorization server.
    pub backend_ref: BackendObjectReference,
    /// Settings for a gRPC (`ext_authz`) server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GRPCAuthConfig>,
    /// Settings for an HTTP server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HTTPAuthConfig>,
    /// Whether (and how much of) the request body is sent to the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_body: Option<ForwardBodyConfig>,
}

/// Settings for a gRPC `ext_authz` authorization server. spec: `GRPCAuthConfig` (experimental).
#[cfg(feature = "experimental")]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GRPCAuthConfig {
    /// Client request headers sent to the server (all when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend("x-kubernetes-list-type" = "set"))]
    pub allowed_headers: Option<Vec<String>>,
}

/// Settings for an HTTP authorization server. spec: `HTTPAuthConfig` (experimental).
#[cfg(feature = "experimental")]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HTTPAuthConfig {
    /// Prefix added to the request path sent to the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(max = 1024),
        regex(pattern = r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$")
    )]
    pub path: Option<String>,
    /// Client request headers sent to the server besides the always-sent ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend("x-kubernetes-list-type" = "set"))]
    pub allowed_headers: Option<Vec<String>>,
    /// Headers of the server's response copied into the forwarded request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend("x-kubernetes-list-type" = "set"))]
    pub allowed_response_headers: Option<Vec<String>>,
}

/// How much of the request body is sent to the authorization server.
/// spec: `ForwardBodyConfig` (experimental).
#[cfg(feature = "experimental")]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForwardBodyConfig {
    /// Maximum body bytes buffered and sent (0 or unset: none). Go declares it `uint16`, but
    /// the CRD sets no bound, so any integer the API server stores is accepted here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "integer_schema")]
    pub max_size: Option<i64>,
}

/// A weighted backend of a rule, with its own filters. spec: `HTTPBackendRef`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct HTTPBackendRef {
    /// The backend and its weight.
    #[serde(flatten)]
    pub backend_ref: BackendRef,
    /// Filters applied only to requests sent to this backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = http_filter_list_rules()
    ))]
    pub filters: Option<Vec<HTTPRouteFilter>>,
}

/// The observed state of an HTTPRoute. spec: `HTTPRouteStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HTTPRouteStatus {
    /// Status per parent.
    #[serde(flatten)]
    pub route_status: RouteStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GatewayApiResource;
    use crate::test_support::upstream_examples;

    #[test]
    fn unknown_enum_values_round_trip() {
        let doc = json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "r", "namespace": "ns"},
            "spec": {"rules": [{
                "matches": [{"path": {"type": "Glob", "value": "/a*"}, "method": "BREW"}],
                "filters": [{"type": "Teapot"}],
            }]},
        });
        let route: HTTPRoute = serde_json::from_value(doc.clone()).expect("parse");
        let rule = &route.spec.rules.as_ref().expect("rules")[0];
        let m = &rule.matches.as_ref().expect("matches")[0];
        let path = m.path.as_ref().expect("path");
        assert_eq!(path.type_, Some(PathMatchType::Unrecognized("Glob".into())));
        assert_eq!(m.method, Some(HTTPMethod::Unrecognized("BREW".into())));
        assert!(!rule.filters.as_ref().expect("filters")[0].type_.is_known());
        assert_eq!(serde_json::to_value(&route).expect("serialize"), doc);
    }

    #[test]
    fn flattened_backend_ref_and_weight() {
        let doc = json!({"name": "svc", "port": 80, "weight": 3, "filters": [
            {"type": "RequestHeaderModifier", "requestHeaderModifier": {"remove": ["x"]}}]});
        let b: HTTPBackendRef = serde_json::from_value(doc.clone()).expect("parse");
        assert_eq!(b.backend_ref.backend_ref.name, "svc");
        assert_eq!(b.backend_ref.backend_ref.port, Some(80));
        assert_eq!(b.backend_ref.weight, Some(3));
        assert_eq!(serde_json::to_value(&b).expect("serialize"), doc);
    }

    #[test]
    fn v1beta1_conversion_round_trips() {
        let (_, doc) = upstream_examples("HTTPRoute")
            .into_iter()
            .find(|(_, d)| d["spec"]["rules"][0]["filters"].is_array())
            .expect("an example with filters");
        let v1: HTTPRoute = serde_json::from_value(doc).expect("parse");
        let beta: crate::v1beta1::HTTPRoute = v1.clone().into();
        assert_eq!(beta.spec.rules, v1.spec.rules);
        let mut beta_json = serde_json::to_value(&beta).expect("serialize");
        let mut v1_json = serde_json::to_value(&v1).expect("serialize");
        beta_json["apiVersion"] = json!(null);
        v1_json["apiVersion"] = json!(null);
        assert_eq!(beta_json, v1_json);
        let back: HTTPRoute = beta.into();
        assert_eq!(back.metadata, v1.metadata);
        assert_eq!(back.spec, v1.spec);
        assert_eq!(back.status, v1.status);
    }

    #[test]
    fn defaults_fill_matches_weight_and_redirect_code() {
        let mut route: HTTPRoute = serde_json::from_value(json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "r"},
            "spec": {"rules": [
                {"backendRefs": [{"name": "svc", "port": 8080}]},
                {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https"}}]}
            ]},
        }))
        .expect("parse");
        route.apply_defaults().expect("defaults");
        let rules = route.spec.rules.as_ref().expect("rules");
        let m = &rules[0].matches.as_ref().expect("matches")[0];
        let path = m.path.as_ref().expect("path");
        assert_eq!(path.type_, Some(PathMatchType::PathPrefix));
        assert_eq!(path.value.as_deref(), Some("/"));
        let backend = &rules[0].backend_refs.as_ref().expect("backends")[0];
        assert_eq!(backend.backend_ref.weight, Some(1));
        assert_eq!(
            backend.backend_ref.backend_ref.kind.as_deref(),
            Some("Service")
        );
        let redirect = rules[1].filters.as_ref().expect("filters")[0]
            .request_redirect
            .as_ref()
            .expect("redirect");
        assert_eq!(redirect.status_code, Some(302));
    }

    #[test]
    fn backend_service_port_rule_sits_on_backend_items() {
        let schema = HTTPRoute::schema(crate::Channel::Standard);
        let item = crate::schema::subschema(&schema, &["spec", "rules", "[]", "backendRefs", "[]"])
            .expect("backendRefs items");
        assert_eq!(
            item["x-kubernetes-validations"][0]["message"],
            "Must have port for Service reference"
        );
        assert!(item["properties"]["weight"].is_object());
    }

    #[cfg(feature = "experimental")]
    #[test]
    fn experimental_fields_round_trip() {
        let rule = json!({
            "name": "r0",
            "retry": {"codes": [500, 503], "attempts": 2, "backoff": "100ms"},
            "sessionPersistence": {"type": "Cookie", "cookieConfig": {"lifetimeType": "Permanent"},
                "absoluteTimeout": "1h"},
            "filters": [{"type": "ExternalAuth", "externalAuth": {"protocol": "HTTP",
                "backendRef": {"name": "auth", "port": 9000}, "http": {"path": "/check"},
                "forwardBody": {"maxSize": 1024}}}],
        });
        let r: HTTPRouteRule = serde_json::from_value(rule.clone()).expect("parse");
        assert_eq!(r.retry.as_ref().and_then(|x| x.attempts), Some(2));
        assert_eq!(
            r.filters.as_ref().expect("filters")[0].type_,
            HTTPRouteFilterType::ExternalAuth
        );
        assert_eq!(serde_json::to_value(&r).expect("serialize"), rule);
    }
}
