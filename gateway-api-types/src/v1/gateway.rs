//! Gateway: an instance of traffic-handling infrastructure, binding listeners to addresses.
//!
//! spec: `apis/v1/gateway_types.go`. Namespaced. The listener types ([`Listener`],
//! [`ListenerTLSConfig`], [`AllowedRoutes`], [`RouteGroupKind`], ...) are reused by
//! [`crate::v1::ListenerSet`].

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::conditions::{Condition, ConditionSchema};
#[cfg(feature = "experimental")]
use crate::shared::GatewayDefaultScope;
use crate::shared::{
    AddressType, AnnotationKey, AnnotationValue, Group, Hostname, Kind, LabelKey, LabelValue,
    ObjectName, ObjectReference, PortNumber, SecretObjectReference, SectionName,
};

/// The desired state of a Gateway. spec: `GatewaySpec`.
// `schema = "disabled"`: see the `doc` below. Every other root type uses `schema = "manual"`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "Gateway",
    derive = "PartialEq",
    status = "GatewayStatus",
    shortname = "gtw",
    category = "gateway-api",
    namespaced,
    schema = "disabled",
    doc = r#"A Gateway (`gateway.networking.k8s.io/v1`): an instance of traffic-handling infrastructure.

Unlike every other root type, `Gateway::crd()` ([`kube_core::CustomResourceExt`]) carries **no
schema**: the address types (`spec.addresses[]`, `status.addresses[]`) need upstream's `oneOf`
(`IPAddress` values must be IPv4 or IPv6), and the schema rewriter kube-derive applies to every
`crd()` schema (`kube_core::schema::StructuralSchemaRewriter`) panics on a `oneOf` whose branches
constrain a property the object already defines. Use [`crate::crds`] or
[`GatewayApiResource::crd_for`](crate::GatewayApiResource::crd_for), which carry the full
upstream schema; [`GatewayApiResource::schema`](crate::GatewayApiResource::schema) gives it alone."#,
    printcolumn = r#"{"name": "Class", "type": "string", "jsonPath": ".spec.gatewayClassName"}"#,
    printcolumn = r#"{"name": "Address", "type": "string", "jsonPath": ".status.addresses[*].value"}"#,
    printcolumn = r#"{"name": "Programmed", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Programmed\")].status"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// Name of the GatewayClass this Gateway belongs to.
    pub gateway_class_name: ObjectName,
    /// The listeners of this Gateway (1–64, unique names, distinct port/protocol/hostname).
    #[schemars(length(min = 1, max = 64), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map",
        "x-kubernetes-validations" = listener_list_rules(false)))]
    pub listeners: Vec<Listener>,
    /// Addresses requested for this Gateway (at most 16, IP and hostname values unique).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = [
            {"message": r#"IPAddress values must be unique"#,
             "rule": r#"self.all(a1, a1.type == 'IPAddress' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )"#},
            {"message": r#"Hostname values must be unique"#,
             "rule": r#"self.all(a1, a1.type == 'Hostname'  && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )"#}
        ]))]
    pub addresses: Option<Vec<GatewaySpecAddress>>,
    /// Infrastructure-level attributes (labels, annotations, parameters) of this Gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infrastructure: Option<GatewayInfrastructure>,
    /// Which ListenerSets may attach to this Gateway (none by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_listeners: Option<AllowedListeners>,
    /// Gateway-wide frontend and backend TLS configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<GatewayTLSConfig>,
    /// Makes this a default Gateway for Routes of the given scope (experimental).
    #[cfg(feature = "experimental")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-gateway-api-channel" = "experimental"))]
    pub default_scope: Option<GatewayDefaultScope>,
}

crate::gateway_api_root!(Gateway, GatewaySpec, GatewayStatus);

/// The CEL rules of a listener list (Gateway `spec.listeners`; ListenerSet's, where
/// `port_optional`, skips listeners without a port in the uniqueness rule).
pub(crate) fn listener_list_rules(port_optional: bool) -> serde_json::Value {
    let (unset, other_port) = if port_optional {
        ("!has(l1.port) || ", "has(l2.port) && ")
    } else {
        ("", "")
    };
    json!([
        {"message": "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
         "rule": "self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)"},
        {"message": "tls mode must be Terminate for protocol HTTPS",
         "rule": "self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true)"},
        {"message": "tls mode must be set for protocol TLS",
         "rule": "self.all(l, (l.protocol == 'TLS' ? has(l.tls) && has(l.tls.mode) && l.tls.mode != '' : true))"},
        {"message": "hostname must not be specified for protocols ['TCP', 'UDP']",
         "rule": "self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true)"},
        {"message": "Listener name must be unique within the Gateway",
         "rule": "self.all(l1, self.exists_one(l2, l1.name == l2.name))"},
        {"message": "Combination of port, protocol and hostname must be unique for each listener",
         "rule": format!("self.all(l1, {unset}self.exists_one(l2, {other_port}l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))")}
    ])
}

/// Which ListenerSets may attach to a Gateway. spec: `AllowedListeners`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AllowedListeners {
    /// Namespaces whose ListenerSets may attach (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"from": "None"}))]
    pub namespaces: Option<ListenerNamespaces>,
}

/// The namespaces ListenerSets may attach from. spec: `ListenerNamespaces`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListenerNamespaces {
    /// Where ListenerSets may come from (default `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "None", "enum" = ["All", "Selector", "Same", "None"]))]
    pub from: Option<FromNamespaces>,
    /// Label selector of the namespaces, with `from: Selector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<LabelSelectorSchema>")]
    pub selector: Option<LabelSelector>,
}

/// A listener: a logical endpoint bound on the Gateway's addresses. spec: `Listener`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Listener {
    /// Name of the listener, unique within the Gateway.
    pub name: SectionName,
    /// Host name the listener matches (not for TCP/UDP); all hosts when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Hostname>,
    /// Network port the listener binds.
    #[schemars(range(min = 1, max = 65535))]
    pub port: PortNumber,
    /// Protocol the listener expects.
    pub protocol: ProtocolType,
    /// TLS configuration (HTTPS and TLS protocols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ListenerTLSConfig>,
    /// Which Routes may attach to this listener (default: same namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"namespaces": {"from": "Same"}}))]
    pub allowed_routes: Option<AllowedRoutes>,
}

string_newtype! {
    /// The protocol of a listener: a core value (`HTTP`, `HTTPS`, `TLS`, `TCP`, `UDP`), or a
    /// domain-prefixed implementation-specific one. spec: `ProtocolType`.
    pub struct ProtocolType;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": r"^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$"})
}

impl ProtocolType {
    /// `HTTP`: plain HTTP (HTTPRoute, GRPCRoute).
    pub const HTTP: &'static str = "HTTP";
    /// `HTTPS`: HTTP over TLS terminated by the Gateway.
    pub const HTTPS: &'static str = "HTTPS";
    /// `TLS`: TLS, terminated or passed through (TLSRoute, TCPRoute).
    pub const TLS: &'static str = "TLS";
    /// `TCP`: raw TCP (TCPRoute).
    pub const TCP: &'static str = "TCP";
    /// `UDP`: UDP (UDPRoute).
    pub const UDP: &'static str = "UDP";
}

/// Backend TLS settings of a Gateway. spec: `GatewayBackendTLS`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewayBackendTLS {
    /// Client certificate the Gateway presents to backends that ask for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_ref: Option<SecretObjectReference>,
}

/// TLS settings of a listener. spec: `ListenerTLSConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "certificateRefs or options must be specified when mode is Terminate",
    "rule": "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true"
}]))]
pub struct ListenerTLSConfig {
    /// Whether TLS is terminated or passed through (default `Terminate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Terminate"))]
    pub mode: Option<TLSModeType>,
    /// Certificates (usually Secrets) used to terminate TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend("x-kubernetes-list-type" = "atomic"))]
    pub certificate_refs: Option<Vec<SecretObjectReference>>,
    /// Implementation-specific TLS options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "Option<BTreeMap<String, AnnotationValue>>",
        extend("maxProperties" = 16)
    )]
    pub options: Option<BTreeMap<AnnotationKey, AnnotationValue>>,
}

/// Gateway-wide TLS configuration. spec: `GatewayTLSConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct GatewayTLSConfig {
    /// TLS towards backends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<GatewayBackendTLS>,
    /// TLS towards clients (client certificate validation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontend: Option<FrontendTLSConfig>,
}

/// Frontend (client-facing) TLS configuration, with per-port overrides.
/// spec: `FrontendTLSConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontendTLSConfig {
    /// Configuration for every port without a per-port entry.
    pub default: TLSConfig,
    /// Per-port configuration (unique ports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend(
        "x-kubernetes-list-map-keys" = ["port"], "x-kubernetes-list-type" = "map",
        "x-kubernetes-validations" = [{
            "message": "Port for TLS configuration must be unique within the Gateway",
            "rule": "self.all(t1, self.exists_one(t2, t1.port == t2.port))"
        }]))]
    pub per_port: Option<Vec<TLSPortConfig>>,
}

string_enum! {
    /// How a listener handles TLS. spec: `TLSModeType`.
    pub enum TLSModeType {
        /// The Gateway terminates TLS.
        Terminate = "Terminate",
        /// The Gateway passes the TLS stream through to the backend.
        Passthrough = "Passthrough",
    }
}

/// Frontend TLS settings. spec: `TLSConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct TLSConfig {
    /// Client certificate validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<FrontendTLSValidation>,
}

/// Frontend TLS settings of one port. spec: `TLSPortConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct TLSPortConfig {
    /// The port these settings apply to.
    #[schemars(range(min = 1, max = 65535))]
    pub port: PortNumber,
    /// The settings.
    pub tls: TLSConfig,
}

/// Client certificate validation. spec: `FrontendTLSValidation`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrontendTLSValidation {
    /// CA certificates (1–16) client certificates are validated against.
    #[schemars(length(min = 1, max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub ca_certificate_refs: Vec<ObjectReference>,
    /// What happens with clients failing validation (default `AllowValidOnly`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "AllowValidOnly"))]
    pub mode: Option<FrontendValidationModeType>,
}

string_enum! {
    /// How strictly client certificates are validated. spec: `FrontendValidationModeType`.
    pub enum FrontendValidationModeType {
        /// Only clients with a valid certificate connect.
        AllowValidOnly = "AllowValidOnly",
        /// Clients with an invalid or no certificate connect too (insecure).
        AllowInsecureFallback = "AllowInsecureFallback",
    }
}

/// Which Routes may attach to a listener. spec: `AllowedRoutes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AllowedRoutes {
    /// Namespaces Routes may attach from (default: the listener's namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"from": "Same"}))]
    pub namespaces: Option<RouteNamespaces>,
    /// Route kinds that may attach (default: those matching the protocol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8), extend("x-kubernetes-list-type" = "atomic"))]
    pub kinds: Option<Vec<RouteGroupKind>>,
}

string_enum! {
    /// Where attaching resources may come from. spec: `FromNamespaces`.
    pub enum FromNamespaces {
        /// Every namespace.
        All = "All",
        /// Namespaces matching a label selector.
        Selector = "Selector",
        /// Only the namespace of the Gateway.
        Same = "Same",
        /// No namespace (used by [`ListenerNamespaces`] only).
        None = "None",
    }
}

/// The namespaces Routes may attach from. spec: `RouteNamespaces`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteNamespaces {
    /// Where Routes may come from (default `Same`; `None` is not allowed here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Same", "enum" = ["All", "Selector", "Same"]))]
    pub from: Option<FromNamespaces>,
    /// Label selector of the namespaces, with `from: Selector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<LabelSelectorSchema>")]
    pub selector: Option<LabelSelector>,
}

/// A group and kind of Route. spec: `RouteGroupKind`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct RouteGroupKind {
    /// API group of the Route (default `gateway.networking.k8s.io`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "gateway.networking.k8s.io"))]
    pub group: Option<Group>,
    /// Kind of the Route.
    pub kind: Kind,
}

/// The `<gateway:validateIPAddress>` rule upstream puts on address lists: an `IPAddress`
/// value must be an IPv4 or IPv6 address.
fn ip_address_one_of() -> serde_json::Value {
    json!([
        {"properties": {"type": {"enum": ["IPAddress"]},
            "value": {"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}}},
        {"properties": {"type": {"not": {"enum": ["IPAddress"]}}}}
    ])
}

/// An address requested for a Gateway. spec: `GatewaySpecAddress`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(extend(
    "oneOf" = ip_address_one_of(),
    "x-kubernetes-validations" = [{
        "message": r#"Hostname value must be empty or contain only valid characters (matching ^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)"#,
        "rule": r#"self.type == 'Hostname' ? (!has(self.value) || self.value.matches(r"""^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$""")): true"#
    }]
))]
pub struct GatewaySpecAddress {
    /// Type of the address (default `IPAddress`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "IPAddress"))]
    pub type_: Option<AddressType>,
    /// The address; when unset, the implementation picks one of the type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub value: Option<String>,
}

/// An address assigned to a Gateway. spec: `GatewayStatusAddress`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(extend(
    "oneOf" = ip_address_one_of(),
    "x-kubernetes-validations" = [{
        "message": r#"Hostname value must only contain valid characters (matching ^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)"#,
        "rule": r#"self.type == 'Hostname' ? self.value.matches(r"""^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"""): true"#
    }]
))]
pub struct GatewayStatusAddress {
    /// Type of the address (default `IPAddress`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "IPAddress"))]
    pub type_: Option<AddressType>,
    /// The address.
    #[schemars(length(min = 1, max = 253))]
    pub value: String,
}

/// The observed state of a Gateway. spec: `GatewayStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"conditions": [
    {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
     "reason": "Pending", "status": "Unknown", "type": "Accepted"},
    {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
     "reason": "Pending", "status": "Unknown", "type": "Programmed"}]}))]
pub struct GatewayStatus {
    /// Addresses bound to the Gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub addresses: Option<Vec<GatewayStatusAddress>>,
    /// Gateway conditions (`Accepted`, `Programmed`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<ConditionSchema>>", length(max = 8), extend(
        "default" = [
            {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
             "reason": "Pending", "status": "Unknown", "type": "Accepted"},
            {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
             "reason": "Pending", "status": "Unknown", "type": "Programmed"}],
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Option<Vec<Condition>>,
    /// Status of each listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub listeners: Option<Vec<ListenerStatus>>,
    /// Number of ListenerSets accepted and attached to this Gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_listener_sets: Option<i32>,
}

/// Infrastructure-level attributes of a Gateway. spec: `GatewayInfrastructure`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewayInfrastructure {
    /// Labels for the resources the implementation creates (at most 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<BTreeMap<String, LabelValue>>", extend(
        "maxProperties" = 8,
        "x-kubernetes-validations" = [
            {"message": r#"Label keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters."#,
             "rule": r#"self.all(key, key.matches(r"""^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"""))"#},
            {"message": r#"If specified, the label key's prefix must be a DNS subdomain not longer than 253 characters in total."#,
             "rule": r#"self.all(key, key.split("/")[0].size() < 253)"#}
        ]))]
    pub labels: Option<BTreeMap<LabelKey, LabelValue>>,
    /// Annotations for the resources the implementation creates (at most 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<BTreeMap<String, AnnotationValue>>", extend(
        "maxProperties" = 16,
        "x-kubernetes-validations" = [
            {"message": r#"Annotation keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters."#,
             "rule": r#"self.all(key, key.matches(r"""^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"""))"#},
            {"message": r#"If specified, the annotation key's prefix must be a DNS subdomain not longer than 253 characters in total."#,
             "rule": r#"self.all(key, key.split("/")[0].size() < 253)"#}
        ]))]
    pub annotations: Option<BTreeMap<AnnotationKey, AnnotationValue>>,
    /// Gateway-specific configuration, in the Gateway's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters_ref: Option<LocalParametersReference>,
}

/// Reference to a resource in the same namespace holding configuration.
/// spec: `LocalParametersReference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct LocalParametersReference {
    /// API group of the referent.
    pub group: Group,
    /// Kind of the referent.
    pub kind: Kind,
    /// Name of the referent.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}

string_enum! {
    /// Condition types of a Gateway. spec: `GatewayConditionType`.
    pub enum GatewayConditionType {
        /// The Gateway's configuration is ready to reach the data plane soon.
        Programmed = "Programmed",
        /// A frontend TLS validation mode lets unvalidated clients connect.
        InsecureFrontendValidationMode = "InsecureFrontendValidationMode",
        /// The Gateway is valid and accepted by the controller.
        Accepted = "Accepted",
        /// Deprecated in favour of `Accepted`.
        Scheduled = "Scheduled",
        /// The Gateway-level references (not listener ones) are resolved.
        ResolvedRefs = "ResolvedRefs",
        /// Reserved for future use.
        Ready = "Ready",
    }
}

string_enum! {
    /// Reasons of Gateway conditions. spec: `GatewayConditionReason`.
    pub enum GatewayConditionReason {
        /// `Programmed=True`.
        Programmed = "Programmed",
        /// The Gateway is syntactically or semantically invalid.
        Invalid = "Invalid",
        /// Not enough resources to program the Gateway.
        NoResources = "NoResources",
        /// No requested address could be assigned.
        AddressNotAssigned = "AddressNotAssigned",
        /// An address cannot be used (for example already in use).
        AddressNotUsable = "AddressNotUsable",
        /// The insecure frontend validation configuration changed.
        ConfigurationChanged = "ConfigurationChanged",
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// One or more listeners are invalid.
        ListenersNotValid = "ListenersNotValid",
        /// The controller has not handled the Gateway yet.
        Pending = "Pending",
        /// An address type is not supported.
        UnsupportedAddress = "UnsupportedAddress",
        /// `infrastructure.parametersRef` is invalid.
        InvalidParameters = "InvalidParameters",
        /// Deprecated: `Accepted` with reason `Accepted`.
        Scheduled = "Scheduled",
        /// Deprecated: `Pending`.
        NotReconciled = "NotReconciled",
        /// `ResolvedRefs=True`.
        ResolvedRefs = "ResolvedRefs",
        /// The backend client certificate reference is invalid.
        InvalidClientCertificateRef = "InvalidClientCertificateRef",
        /// A cross-namespace reference is not permitted by a ReferenceGrant.
        RefNotPermitted = "RefNotPermitted",
        /// One or more listeners have unresolved references.
        ListenersNotResolved = "ListenersNotResolved",
        /// Reserved for future use.
        Ready = "Ready",
        /// Reserved for future use.
        ListenersNotReady = "ListenersNotReady",
    }
}

/// The observed state of one listener. spec: `ListenerStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListenerStatus {
    /// Name of the listener.
    pub name: SectionName,
    /// Route kinds the listener supports and accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8), extend("x-kubernetes-list-type" = "atomic"))]
    pub supported_kinds: Option<Vec<RouteGroupKind>>,
    /// Number of accepted Routes attached to the listener.
    pub attached_routes: i32,
    /// Listener conditions (`Accepted`, `Programmed`, `ResolvedRefs`, `Conflicted`, ...).
    #[schemars(with = "Vec<ConditionSchema>", length(max = 8), extend(
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Vec<Condition>,
}

string_enum! {
    /// Condition types of a listener. spec: `ListenerConditionType`.
    pub enum ListenerConditionType {
        /// The listener conflicts with another one.
        Conflicted = "Conflicted",
        /// The listener is valid and accepted.
        Accepted = "Accepted",
        /// Deprecated in favour of `Accepted`.
        Detached = "Detached",
        /// The listener's references are resolved.
        ResolvedRefs = "ResolvedRefs",
        /// The listener's configuration is ready to reach the data plane soon.
        Programmed = "Programmed",
        /// The listener's TLS configuration overlaps with another listener's on the same port.
        OverlappingTLSConfig = "OverlappingTLSConfig",
        /// Reserved for future use.
        Ready = "Ready",
    }
}

string_enum! {
    /// Reasons of listener conditions. spec: `ListenerConditionReason`.
    pub enum ListenerConditionReason {
        /// `Conflicted=True`: hostname conflict with another listener.
        HostnameConflict = "HostnameConflict",
        /// `Conflicted=True`: protocol conflict on the same port.
        ProtocolConflict = "ProtocolConflict",
        /// `Conflicted=False`.
        NoConflicts = "NoConflicts",
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// Deprecated: `Accepted` with reason `Accepted`.
        Attached = "Attached",
        /// The requested port cannot be used.
        PortUnavailable = "PortUnavailable",
        /// The protocol is not supported.
        UnsupportedProtocol = "UnsupportedProtocol",
        /// No CA certificate for client validation could be resolved.
        NoValidCACertificate = "NoValidCACertificate",
        /// A field value is not supported by the implementation.
        UnsupportedValue = "UnsupportedValue",
        /// `ResolvedRefs=True`.
        ResolvedRefs = "ResolvedRefs",
        /// A TLS certificate reference is invalid or missing.
        InvalidCertificateRef = "InvalidCertificateRef",
        /// An allowed Route kind is invalid or unsupported.
        InvalidRouteKinds = "InvalidRouteKinds",
        /// A cross-namespace reference is not permitted by a ReferenceGrant.
        RefNotPermitted = "RefNotPermitted",
        /// A CA certificate reference is invalid.
        InvalidCACertificateRef = "InvalidCACertificateRef",
        /// A CA certificate reference has an unsupported kind.
        InvalidCACertificateKind = "InvalidCACertificateKind",
        /// `Programmed=True`.
        Programmed = "Programmed",
        /// The listener is invalid.
        Invalid = "Invalid",
        /// The listener is not reconciled or not ready yet.
        Pending = "Pending",
        /// `OverlappingTLSConfig=True`: hostnames overlap.
        OverlappingHostnames = "OverlappingHostnames",
        /// `OverlappingTLSConfig=True`: certificates overlap.
        OverlappingCertificates = "OverlappingCertificates",
        /// Reserved for future use.
        Ready = "Ready",
    }
}

/// Schema-only mirror of `metav1.LabelSelector` with the list/map markers the CRDs put on
/// it (k8s-openapi's own schema has none).
#[derive(JsonSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-map-type" = "atomic"))]
pub(crate) struct LabelSelectorSchema {
    /// Requirements, ANDed.
    #[schemars(extend("x-kubernetes-list-type" = "atomic"))]
    match_expressions: Option<Vec<LabelSelectorRequirementSchema>>,
    /// Exact label matches, ANDed.
    match_labels: Option<BTreeMap<String, String>>,
}

/// Schema-only mirror of `metav1.LabelSelectorRequirement`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct LabelSelectorRequirementSchema {
    /// The label key.
    key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    operator: String,
    /// Values for `In`/`NotIn`.
    #[schemars(extend("x-kubernetes-list-type" = "atomic"))]
    values: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Channel, GatewayApiResource};
    use serde_json::Value;

    /// upstream `examples/standard/frontend-cert-validation.yaml`.
    const FRONTEND_CERT_VALIDATION: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: client-validation-basic
spec:
  gatewayClassName: acme-lb
  tls:
    frontend:
      default:
        validation:
          caCertificateRefs:
          - kind: ConfigMap
            group: ""
            name: foo-example-com-ca-cert
      perPort:
      - port: 8443
        tls:
          validation:
            caCertificateRefs:
            - kind: ConfigMap
              group: ""
              name: bar-example-com-ca-cert
  listeners:
  - name: foo-https
    protocol: HTTPS
    port: 443
    hostname: foo.example.com
    tls:
      certificateRefs:
      - kind: Secret
        group: ""
        name: foo-example-com-cert
"#;

    /// upstream `examples/standard/gateway-addresses.yaml` (shortened), plus infrastructure,
    /// allowedListeners and a status.
    const ADDRESSES_AND_STATUS: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gateway-addresses
spec:
  gatewayClassName: example
  addresses:
  - value: "1.2.3.4"
  - type: "Hostname"
    value: "example.com"
  infrastructure:
    labels: {team: a}
    annotations: {example.com/owner: b}
    parametersRef: {group: example.com, kind: Config, name: gw}
  allowedListeners:
    namespaces:
      from: Selector
      selector:
        matchLabels: {belongs-to: shared-gateway}
        matchExpressions: [{key: env, operator: In, values: [prod]}]
  listeners:
  - protocol: HTTP
    port: 80
    name: prod-web-gw
    allowedRoutes:
      namespaces:
        from: Same
      kinds: []
status:
  addresses: [{type: IPAddress, value: 10.0.0.1}]
  attachedListenerSets: 0
  conditions:
  - {type: Accepted, status: "True", reason: Accepted, message: ok, lastTransitionTime: "2024-01-01T00:00:00Z", observedGeneration: 1}
  listeners:
  - name: prod-web-gw
    attachedRoutes: 2
    supportedKinds: [{group: gateway.networking.k8s.io, kind: HTTPRoute}]
    conditions:
    - {type: Programmed, status: "True", reason: Programmed, message: "", lastTransitionTime: "2024-01-01T00:00:00Z"}
"#;

    fn yaml(s: &str) -> Value {
        serde_saphyr::from_str::<Value>(s).expect("yaml")
    }

    fn round_trip(v: &Value) -> Gateway {
        let gw: Gateway = serde_json::from_value(v.clone()).expect("parse Gateway");
        assert_eq!(&serde_json::to_value(&gw).expect("serialize"), v);
        gw
    }

    #[test]
    fn frontend_validation_example_round_trips() {
        let gw = round_trip(&yaml(FRONTEND_CERT_VALIDATION));
        let frontend = gw.spec.tls.as_ref().and_then(|t| t.frontend.as_ref());
        let per_port = frontend.and_then(|f| f.per_port.as_ref()).expect("perPort");
        assert_eq!(per_port[0].port, 8443);
        let l = &gw.spec.listeners[0];
        assert_eq!(l.protocol, ProtocolType::HTTPS);
        assert_eq!(l.tls.as_ref().and_then(|t| t.mode.clone()), None);
    }

    #[test]
    fn addresses_infrastructure_and_status_round_trip() {
        let gw = round_trip(&yaml(ADDRESSES_AND_STATUS));
        let addrs = gw.spec.addresses.as_ref().expect("addresses");
        assert_eq!(addrs[0].type_, None);
        assert_eq!(addrs[1].type_.as_deref(), Some(AddressType::HOSTNAME));
        let from = gw
            .spec
            .allowed_listeners
            .as_ref()
            .and_then(|a| a.namespaces.as_ref());
        assert_eq!(
            from.and_then(|n| n.from.clone()),
            Some(FromNamespaces::Selector)
        );
        // `kinds: []` stays an empty list.
        let routes = gw.spec.listeners[0]
            .allowed_routes
            .as_ref()
            .expect("allowedRoutes");
        assert_eq!(routes.kinds, Some(vec![]));
        let status = gw.status.as_ref().expect("status");
        assert_eq!(
            status.listeners.as_ref().expect("listeners")[0].attached_routes,
            2
        );
    }

    #[test]
    fn unknown_values_round_trip() {
        let mut v = yaml(FRONTEND_CERT_VALIDATION);
        v["spec"]["listeners"][0]["tls"]["mode"] = json!("Reencrypt");
        v["spec"]["listeners"][0]["protocol"] = json!("example.com/QUIC");
        v["spec"]["tls"]["frontend"]["default"]["validation"]["mode"] = json!("Whatever");
        let gw = round_trip(&v);
        let mode = gw.spec.listeners[0]
            .tls
            .as_ref()
            .and_then(|t| t.mode.clone());
        assert_eq!(mode, Some(TLSModeType::Unrecognized("Reencrypt".into())));
        assert_eq!(
            ListenerConditionReason::from_wire("Brand-new"),
            ListenerConditionReason::Unrecognized("Brand-new".into())
        );
        assert_eq!(
            GatewayConditionType::from_wire("Programmed"),
            GatewayConditionType::Programmed
        );
    }

    #[test]
    fn v1beta1_converts_both_ways_without_loss() {
        let v1: Gateway = serde_json::from_value(yaml(ADDRESSES_AND_STATUS)).expect("parse");
        let beta: crate::v1beta1::Gateway = v1.clone().into();
        assert_eq!(beta.spec.gateway_class_name, "example");
        let mut beta_json = serde_json::to_value(&beta).expect("serialize");
        assert_eq!(beta_json["apiVersion"], "gateway.networking.k8s.io/v1beta1");
        beta_json["apiVersion"] = json!("gateway.networking.k8s.io/v1");
        assert_eq!(beta_json, serde_json::to_value(&v1).expect("serialize"));
        let back: Gateway = beta.into();
        assert_eq!(back.metadata, v1.metadata);
        assert_eq!(back.spec, v1.spec);
        assert_eq!(back.status, v1.status);
    }

    #[test]
    fn defaults_fill_listener_and_tls_fields() {
        let mut gw: Gateway =
            serde_json::from_value(yaml(FRONTEND_CERT_VALIDATION)).expect("parse");
        gw.apply_defaults().expect("defaults");
        let l = &gw.spec.listeners[0];
        assert_eq!(
            l.tls.as_ref().and_then(|t| t.mode.clone()),
            Some(TLSModeType::Terminate)
        );
        let ns = l
            .allowed_routes
            .as_ref()
            .and_then(|r| r.namespaces.as_ref());
        assert_eq!(ns.and_then(|n| n.from.clone()), Some(FromNamespaces::Same));
        let validation = gw
            .spec
            .tls
            .as_ref()
            .and_then(|t| t.frontend.as_ref())
            .map(|f| &f.default);
        assert_eq!(
            validation
                .and_then(|d| d.validation.as_ref())
                .and_then(|v| v.mode.clone()),
            Some(FrontendValidationModeType::AllowValidOnly)
        );
    }

    #[test]
    fn standard_schema_lacks_default_scope_and_route_from_none() {
        let std = Gateway::schema(Channel::Standard);
        assert!(
            std["properties"]["spec"]["properties"]
                .get("defaultScope")
                .is_none()
        );
        let from = &std["properties"]["spec"]["properties"]["listeners"]["items"]["properties"]["allowedRoutes"]
            ["properties"]["namespaces"]["properties"]["from"];
        assert_eq!(from["enum"], json!(["All", "Selector", "Same"]));
    }
}
