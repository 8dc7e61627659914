//! XBackend: a backend that is not a Service — for now an external hostname — with its port,
//! protocol and TLS settings.
//!
//! spec: `apisx/v1alpha1/xbackend_types.go` (group `gateway.networking.x-k8s.io`, experimental
//! channel only). Namespaced.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::conditions::{Condition, ConditionSchema};
use crate::shared::{GatewayController, ParentReference, PreciseHostname, SecretObjectReference};
use crate::v1::BackendTLSPolicyValidation;

/// The desired state of an XBackend. spec: `BackendSpec`.
#[derive(CustomResource, Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.x-k8s.io",
    version = "v1alpha1",
    kind = "XBackend",
    doc = "An XBackend (`gateway.networking.x-k8s.io/v1alpha1`): metadata, [`BackendSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "BackendStatus",
    namespaced,
    shortname = "xbackend",
    category = "gateway-api",
    schema = "manual",
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "externalHostname must be set when type is ExternalHostname and must be unset otherwise",
    "rule": "self.type == 'ExternalHostname' ? has(self.externalHostname) : !has(self.externalHostname)"
}]))]
pub struct BackendSpec {
    /// What kind of destination this is; selects which of the type-specific fields is set.
    #[serde(rename = "type")]
    pub type_: BackendType,
    /// The port to connect to.
    pub port: BackendPort,
    /// The destination of an `ExternalHostname` backend (set exactly for that type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_hostname: Option<ExternalHostnameBackend>,
    /// The protocol to speak to the backend; when unset, the one the route or listener
    /// implies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<BackendProtocol>,
    /// TLS towards the backend (recommended for external hostnames).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<BackendTLS>,
}

crate::gateway_api_root!(XBackend, BackendSpec, BackendStatus);

string_enum! {
    /// The kind of destination of an XBackend. spec: `BackendType`.
    pub enum BackendType {
        /// A DNS name outside the cluster.
        ExternalHostname = "ExternalHostname",
    }
}

/// The port of an XBackend. spec: `BackendPort`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct BackendPort {
    /// Name of the port: empty or a DNS label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 63), extend("x-kubernetes-validations" = [{
        "message": "Name must be a valid DNS label",
        "rule": "size(self) == 0 || format.dns1123Label().validate(self) == null"
    }]))]
    pub name: Option<String>,
    /// The port number (1–65535).
    #[schemars(range(min = 1, max = 65535))]
    pub port: i32,
}

/// The destination of an `ExternalHostname` XBackend. spec: `ExternalHostnameBackend`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ExternalHostnameBackend {
    /// The FQDN of the backend; not an IP address, not a `.cluster.local` name.
    #[schemars(extend("x-kubernetes-validations" = [{
        "message": "hostname must not be an IP address or end with .cluster.local",
        "rule": "!self.endsWith('.cluster.local')"
    }]))]
    pub hostname: PreciseHostname,
}

string_enum! {
    /// The protocol spoken to an XBackend. spec: `BackendProtocol`.
    ///
    /// Upstream also names a `GRPC` value ([`BackendProtocol::GRPC`]) that its CRD does not
    /// accept yet; it parses as [`BackendProtocol::Unrecognized`].
    pub enum BackendProtocol {
        /// Plain TCP.
        Tcp = "TCP",
        /// HTTP, version negotiated (ALPN) or the implementation's default.
        Http = "HTTP",
        /// HTTP/2.
        Http2 = "HTTP2",
        /// HTTP/1.1.
        Http11 = "HTTP11",
        /// HTTP/2 over cleartext (h2c).
        H2c = "H2C",
        /// The Model Context Protocol.
        Mcp = "MCP",
    }
}

impl BackendProtocol {
    /// Wire value of gRPC, which upstream defines as a constant but leaves out of the CRD's
    /// enum (so the API server rejects it today).
    pub const GRPC: &'static str = "GRPC";
}

string_enum! {
    /// Whether and how TLS is used towards an XBackend. spec: `BackendTLSMode`.
    pub enum BackendTLSMode {
        /// No TLS.
        None = "None",
        /// TLS, verifying the server's certificate.
        ServerOnly = "ServerOnly",
        /// Mutual TLS: the client presents `clientCertificateRef` too.
        ClientAndServer = "ClientAndServer",
    }
}

/// TLS settings towards an XBackend. spec: `BackendTLS`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "clientCertificateRef must be set if and only if mode is ClientAndServer",
    "rule": "self.mode == 'ClientAndServer' ? has(self.clientCertificateRef) : !has(self.clientCertificateRef)"
}]))]
pub struct BackendTLS {
    /// The TLS mode.
    pub mode: BackendTLSMode,
    /// Secret with the client certificate and key; set exactly in `ClientAndServer` mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_ref: Option<SecretObjectReference>,
    /// How the backend's certificate is validated (same shape as BackendTLSPolicy's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<BackendTLSPolicyValidation>,
}

/// The observed state of an XBackend. spec: `BackendStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackendStatus {
    /// One entry per parent (Gateway, ...) the backend is used through, at most 32. On the
    /// wire: `parents`.
    #[serde(rename = "parents", default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32), extend("x-kubernetes-list-type" = "atomic"))]
    pub ancestors: Option<Vec<BackendAncestorStatus>>,
}

/// The status of an XBackend with respect to one parent. spec: `BackendAncestorStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackendAncestorStatus {
    /// The controller that wrote this entry.
    pub controller_name: GatewayController,
    /// The parent this entry is about. On the wire: `parentRef`.
    #[serde(rename = "parentRef")]
    pub ancestor_ref: ParentReference,
    /// Conditions (`Accepted`, ...) of the backend for this parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<ConditionSchema>>", extend(
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Option<Vec<Condition>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn external_backend_round_trips() {
        let v = json!({
            "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
            "kind": "XBackend",
            "metadata": {"name": "api", "namespace": "default"},
            "spec": {
                "type": "ExternalHostname",
                "port": {"name": "https", "port": 443},
                "externalHostname": {"hostname": "api.example.com"},
                "protocol": "GRPC",
                "tls": {
                    "mode": "ClientAndServer",
                    "clientCertificateRef": {"name": "client-cert"},
                    "validation": {"wellKnownCACertificates": "System", "hostname": "api.example.com"}
                }
            },
            "status": {"parents": [{
                "controllerName": "example.com/gw",
                "parentRef": {"name": "gw"},
                "conditions": []
            }]}
        });
        let b: XBackend = serde_json::from_value(v.clone()).expect("parse");
        assert_eq!(b.spec.type_, BackendType::ExternalHostname);
        assert_eq!(
            b.spec.protocol,
            Some(BackendProtocol::Unrecognized(BackendProtocol::GRPC.into()))
        );
        let tls = b.spec.tls.as_ref().expect("tls");
        assert_eq!(tls.mode, BackendTLSMode::ClientAndServer);
        let status = b.status.as_ref().expect("status");
        assert_eq!(
            status.ancestors.as_ref().expect("parents")[0]
                .ancestor_ref
                .name,
            "gw"
        );
        assert_eq!(serde_json::to_value(&b).expect("json"), v);
    }

    #[test]
    fn protocol_schema_lists_only_crd_values() {
        assert!(
            BackendProtocol::values(crate::Channel::Experimental)
                .eq(["TCP", "HTTP", "HTTP2", "HTTP11", "H2C", "MCP"])
        );
        assert_eq!(BackendProtocol::from_wire("H2C"), BackendProtocol::H2c);
    }
}
