//! Types shared by several kinds (upstream `apis/v1/shared_types.go` and
//! `object_reference_types.go`): names, references, parent references, backend references
//! and route status.
//!
//! Each string type carries upstream's OpenAPI constraints in its schema, so a field declared
//! with it gets them in the CRD without repeating them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::conditions::{Condition, ConditionSchema};

/// RFC 1123 DNS subdomain regex, as upstream writes it.
const DNS_SUBDOMAIN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/// Pattern of a controller name (`example.com/path`).
pub(crate) const CONTROLLER_PATTERN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$";

string_newtype! {
    /// A network host name (RFC 1123), optionally prefixed by a `*.` wildcard label.
    /// IP addresses are not allowed. spec: `Hostname` (shared_types.go).
    pub struct Hostname;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253,
        "pattern": r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"})
}

string_newtype! {
    /// A fully qualified host name without wildcard. spec: `PreciseHostname`.
    pub struct PreciseHostname;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253, "pattern": DNS_SUBDOMAIN})
}

string_newtype! {
    /// An absolute URI (RFC 3986), scheme required. spec: `AbsoluteURI`.
    pub struct AbsoluteUri;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253,
        "pattern": r"^(([^:/?#]+):)(//([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?"})
}

string_newtype! {
    /// An origin for CORS: `*` or `scheme://host[:port]` with an optional leading wildcard
    /// label. spec: `CORSOrigin`.
    pub struct CorsOrigin;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253,
        "pattern": r"(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)"})
}

string_newtype! {
    /// A Kubernetes API group; the empty string is the core group. spec: `Group`.
    pub struct Group;
    schema: json!({"type": "string", "maxLength": 253,
        "pattern": r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"})
}

string_newtype! {
    /// A Kubernetes resource kind (`Service`, `Gateway`, ...). spec: `Kind`.
    pub struct Kind;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 63,
        "pattern": r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$"})
}

string_newtype! {
    /// The name of a referent. spec: `ObjectName`.
    pub struct ObjectName;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253})
}

string_newtype! {
    /// A namespace name (RFC 1123 label). spec: `Namespace`.
    pub struct Namespace;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 63,
        "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"})
}

string_newtype! {
    /// The name of a section of an object: a Gateway listener name, a Service port name...
    /// spec: `SectionName`.
    pub struct SectionName;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253, "pattern": DNS_SUBDOMAIN})
}

string_newtype! {
    /// The name of a Gateway controller (`example.net/gateway-controller`).
    /// spec: `GatewayController`.
    pub struct GatewayController;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253, "pattern": CONTROLLER_PATTERN})
}

string_newtype! {
    /// An annotation key (a qualified name with optional DNS prefix). spec: `AnnotationKey`.
    pub struct AnnotationKey;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253,
        "pattern": r"^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"})
}

string_newtype! {
    /// An annotation value. spec: `AnnotationValue`.
    pub struct AnnotationValue;
    schema: json!({"type": "string", "minLength": 0, "maxLength": 4096})
}

string_newtype! {
    /// A label key. spec: `LabelKey`.
    pub struct LabelKey;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253,
        "pattern": r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"})
}

string_newtype! {
    /// A label value. spec: `LabelValue`.
    pub struct LabelValue;
    schema: json!({"type": "string", "minLength": 0, "maxLength": 63,
        "pattern": r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"})
}

string_newtype! {
    /// The type of a Gateway address: `IPAddress`, `Hostname`, `NamedAddress` or a
    /// domain-prefixed implementation-specific type. spec: `AddressType`.
    pub struct AddressType;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253,
        "pattern": r"^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$"})
}

impl AddressType {
    /// `IPAddress`: an IPv4 or IPv6 address.
    pub const IP_ADDRESS: &'static str = "IPAddress";
    /// `Hostname`: a DNS name.
    pub const HOSTNAME: &'static str = "Hostname";
    /// `NamedAddress`: an implementation-specific named address.
    pub const NAMED_ADDRESS: &'static str = "NamedAddress";
}

string_newtype! {
    /// An HTTP header name (RFC 7230 token); compared case-insensitively. spec: `HeaderName`.
    pub struct HeaderName;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 256,
        "pattern": r"^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$"})
}

string_newtype! {
    /// A duration in the Gateway API subset of Go's format: up to four `<number><unit>` parts
    /// with units `h`, `m`, `s`, `ms` (GEP-2257). spec: `Duration`.
    pub struct Duration;
    schema: json!({"type": "string", "pattern": r"^([0-9]{1,5}(h|m|s|ms)){1,4}$"})
}

/// A TCP/UDP port number (1–65535). spec: `PortNumber`.
pub type PortNumber = i32;

/// Reference from a Route (or ListenerSet, policy...) to its parent, usually a Gateway.
///
/// spec: `ParentReference` (shared_types.go). `group` defaults to `gateway.networking.k8s.io`
/// and `kind` to `Gateway`; `namespace` defaults to the Route's own namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParentReference {
    /// API group of the parent (default `gateway.networking.k8s.io`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "gateway.networking.k8s.io"))]
    pub group: Option<Group>,
    /// Kind of the parent (default `Gateway`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Gateway"))]
    pub kind: Option<Kind>,
    /// Namespace of the parent; the Route's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
    /// Name of the parent.
    pub name: ObjectName,
    /// Name of a section of the parent (a Gateway listener name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_name: Option<SectionName>,
    /// Port of the parent (a Gateway listener port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<PortNumber>,
}

string_enum! {
    /// Whether a Route attaches to the Gateways that are defaults for the cluster.
    /// spec: `GatewayDefaultScope` (experimental).
    pub enum GatewayDefaultScope {
        /// The Route attaches to every default Gateway.
        All = "All",
        /// The Route attaches to no default Gateway.
        None = "None",
    }
}

/// The fields every Route kind has (flattened into each route spec). spec: `CommonRouteSpec`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommonRouteSpec {
    /// The resources (usually Gateways) this Route wants to attach to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32), extend(
        "x-kubernetes-list-type" = "atomic",
            "x-gateway-api-standard" = {"x-kubernetes-validations": [
            {"message": "sectionName must be specified when parentRefs includes 2 or more references to the same parent",
             "rule": "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))"},
            {"message": "sectionName must be unique when parentRefs includes 2 or more references to the same parent",
             "rule": "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))"}
        ]},
        "x-gateway-api-experimental" = {"x-kubernetes-validations": [
            {"message": "sectionName or port must be specified when parentRefs includes 2 or more references to the same parent",
             "rule": "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__)) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '') && (!has(p1.port) || p1.port == 0) == (!has(p2.port) || p2.port == 0)): true))"},
            {"message": "sectionName or port must be unique when parentRefs includes 2 or more references to the same parent",
             "rule": "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || ( has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName)) && (((!has(p1.port) || p1.port == 0) && (!has(p2.port) || p2.port == 0)) || (has(p1.port) && has(p2.port) && p1.port == p2.port))))"}
        ]}
    ))]
    pub parent_refs: Option<Vec<ParentReference>>,
    /// Whether the Route attaches to the cluster's default Gateways (experimental).
    #[cfg(feature = "experimental")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-gateway-api-channel" = "experimental"))]
    pub use_default_gateways: Option<GatewayDefaultScope>,
}

/// Reference to a Kubernetes object in the same namespace, with the group and kind required.
/// spec: `LocalObjectReference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct LocalObjectReference {
    /// API group of the referent (empty for the core group).
    pub group: Group,
    /// Kind of the referent.
    pub kind: Kind,
    /// Name of the referent.
    pub name: ObjectName,
}

/// Reference to a Secret, possibly in another namespace (which then needs a ReferenceGrant).
/// spec: `SecretObjectReference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct SecretObjectReference {
    /// API group of the referent (default: the core group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = ""))]
    pub group: Option<Group>,
    /// Kind of the referent (default `Secret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Secret"))]
    pub kind: Option<Kind>,
    /// Name of the referent.
    pub name: ObjectName,
    /// Namespace of the referent; the referencing object's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
}

/// Reference to a Kubernetes object, possibly in another namespace, with group and kind
/// required. spec: `ObjectReference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ObjectReference {
    /// API group of the referent (empty for the core group).
    pub group: Group,
    /// Kind of the referent.
    pub kind: Kind,
    /// Name of the referent.
    pub name: ObjectName,
    /// Namespace of the referent; the referencing object's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
}

/// Reference to a backend (by default a core `Service`).
///
/// spec: `BackendObjectReference`. A Service reference must name a port (CEL rule "Must have
/// port for Service reference").
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "Must have port for Service reference",
    "rule": "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true"
}]))]
pub struct BackendObjectReference {
    /// API group of the referent (default: the core group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = ""))]
    pub group: Option<Group>,
    /// Kind of the referent (default `Service`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Service"))]
    pub kind: Option<Kind>,
    /// Name of the referent.
    pub name: ObjectName,
    /// Namespace of the referent; the Route's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
    /// Destination port on the referent; required for a Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<PortNumber>,
}

/// A backend reference with a weight. spec: `BackendRef`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct BackendRef {
    /// The referenced backend.
    #[serde(flatten)]
    pub backend_ref: BackendObjectReference,
    /// Proportion of requests sent to this backend: weight / sum of the rule's weights
    /// (default 1; 0 means no traffic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000000), extend("default" = 1))]
    pub weight: Option<i32>,
}

/// The status of a Route with respect to one of its parents. spec: `RouteParentStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteParentStatus {
    /// The parent this status is about.
    pub parent_ref: ParentReference,
    /// The controller that wrote this status entry.
    pub controller_name: GatewayController,
    /// Conditions (`Accepted`, `ResolvedRefs`, `PartiallyInvalid`...) for this parent.
    #[schemars(with = "Vec<ConditionSchema>", length(min = 1, max = 8), extend(
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Vec<Condition>,
}

/// The status common to every Route kind. spec: `RouteStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteStatus {
    /// One entry per (parent, controller) pair the Route is attached to or was rejected by.
    #[schemars(length(max = 32), extend("x-kubernetes-list-type" = "atomic"))]
    pub parents: Vec<RouteParentStatus>,
}

/// A fraction `numerator / denominator` (denominator default 100). spec: `Fraction`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "numerator must be less than or equal to denominator",
    "rule": "self.numerator <= self.denominator"
}]))]
pub struct Fraction {
    /// The numerator (at least 0).
    #[schemars(range(min = 0))]
    pub numerator: i32,
    /// The denominator (at least 1, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), extend("default" = 100))]
    pub denominator: Option<i32>,
}
