//! BackendTLSPolicy: how a Gateway connects to a backend over TLS (CA certificates, SNI
//! hostname, subject alternative names).
//!
//! spec: `apis/v1/backendtlspolicy_types.go`. Namespaced, a Direct policy (GEP-713) whose
//! targets are usually Services. The deprecated v1alpha3 version is an alias
//! ([`crate::v1alpha3::BackendTLSPolicy`]).

use std::collections::BTreeMap;

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::policy::{LocalPolicyTargetReferenceWithSectionName, PolicyStatus};
use crate::shared::{
    AbsoluteUri, AnnotationKey, AnnotationValue, Hostname, LocalObjectReference, PreciseHostname,
};

/// The desired state of a BackendTLSPolicy. spec: `BackendTLSPolicySpec`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "BackendTLSPolicy",
    doc = "A BackendTLSPolicy (`gateway.networking.k8s.io/v1`): metadata, [`BackendTLSPolicySpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "PolicyStatus",
    namespaced,
    shortname = "btlspolicy",
    category = "gateway-api",
    label("gateway.networking.k8s.io/policy", "Direct"),
    schema = "manual",
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct BackendTLSPolicySpec {
    /// The objects (usually Services, optionally one port of them by `sectionName`) the
    /// policy applies to. Entries must be distinct.
    #[schemars(length(min = 1, max = 16), extend(
        "x-kubernetes-list-type" = "atomic",
        "x-kubernetes-validations" = [
            {"message": "sectionName must be specified when targetRefs includes 2 or more references to the same target",
             "rule": "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))"},
            {"message": "sectionName must be unique when targetRefs includes 2 or more references to the same target",
             "rule": "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))"}
        ]))]
    pub target_refs: Vec<LocalPolicyTargetReferenceWithSectionName>,
    /// How the backend's certificate is validated.
    pub validation: BackendTLSPolicyValidation,
    /// Implementation-specific TLS options (minimum version, cipher suites...); keys other
    /// than those Gateway API defines must be domain-prefixed. At most 16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // Kubernetes schemas cannot constrain keys (no `patternProperties`): plain strings here.
    #[schemars(
        with = "Option<BTreeMap<String, AnnotationValue>>",
        extend("maxProperties" = 16)
    )]
    pub options: Option<BTreeMap<AnnotationKey, AnnotationValue>>,
}

crate::gateway_api_root!(BackendTLSPolicy, BackendTLSPolicySpec, PolicyStatus);

/// How a Gateway validates the certificate a backend presents: trusted CAs (by reference or
/// a well-known set), the expected hostname, and optionally SANs.
/// spec: `BackendTLSPolicyValidation`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"message": "must not contain both CACertificateRefs and WellKnownCACertificates",
     "rule": "!(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 && has(self.wellKnownCACertificates) && self.wellKnownCACertificates != \"\")"},
    {"message": "must specify either CACertificateRefs or WellKnownCACertificates",
     "rule": "(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 || has(self.wellKnownCACertificates) && self.wellKnownCACertificates != \"\")"}
]))]
pub struct BackendTLSPolicyValidation {
    /// Objects holding PEM CA bundles (core support: one ConfigMap with key `ca.crt`).
    /// Exclusive with `wellKnownCACertificates`.
    #[serde(
        rename = "caCertificateRefs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(max = 8), extend("x-kubernetes-list-type" = "atomic"))]
    pub ca_certificate_refs: Option<Vec<LocalObjectReference>>,
    /// A well-known CA set to trust (`System`, or a domain-prefixed implementation set).
    /// Exclusive with `caCertificateRefs`.
    #[serde(
        rename = "wellKnownCACertificates",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub well_known_ca_certificates: Option<WellKnownCACertificatesType>,
    /// The SNI sent to the backend; also what the certificate must match when no
    /// `subjectAltNames` are given.
    pub hostname: PreciseHostname,
    /// Names of which the backend certificate must carry at least one (at most 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 5), extend("x-kubernetes-list-type" = "atomic"))]
    pub subject_alt_names: Option<Vec<SubjectAltName>>,
}

/// One subject alternative name the backend certificate may match. spec: `SubjectAltName`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(extend("x-kubernetes-validations" = [
    {"message": "SubjectAltName element must contain Hostname, if Type is set to Hostname",
     "rule": "!(self.type == \"Hostname\" && (!has(self.hostname) || self.hostname == \"\"))"},
    {"message": "SubjectAltName element must not contain Hostname, if Type is not set to Hostname",
     "rule": "!(self.type != \"Hostname\" && has(self.hostname) && self.hostname != \"\")"},
    {"message": "SubjectAltName element must contain URI, if Type is set to URI",
     "rule": "!(self.type == \"URI\" && (!has(self.uri) || self.uri == \"\"))"},
    {"message": "SubjectAltName element must not contain URI, if Type is not set to URI",
     "rule": "!(self.type != \"URI\" && has(self.uri) && self.uri != \"\")"}
]))]
pub struct SubjectAltName {
    /// Which of `hostname` / `uri` holds the name.
    #[serde(rename = "type")]
    pub type_: SubjectAltNameType,
    /// A DNS name; set exactly when `type` is `Hostname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Hostname>,
    /// A URI (a SPIFFE ID, for example); set exactly when `type` is `URI`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<AbsoluteUri>,
}

string_enum! {
    /// The form of a subject alternative name. spec: `SubjectAltNameType`.
    pub enum SubjectAltNameType {
        /// A DNS name.
        Hostname = "Hostname",
        /// A URI.
        Uri = "URI",
    }
}

string_newtype! {
    /// A named set of trusted CA certificates: `System` or a domain-prefixed
    /// implementation-specific name. spec: `WellKnownCACertificatesType`.
    pub struct WellKnownCACertificatesType;
    schema: json!({"type": "string", "minLength": 1, "maxLength": 253,
        "pattern": r"^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$"})
}

impl WellKnownCACertificatesType {
    /// `System`: the platform's well-known CA certificates.
    pub const SYSTEM: &'static str = "System";
}

string_enum! {
    /// Condition types of a BackendTLSPolicy's ancestor status: the generic policy types
    /// plus the ones BackendTLSPolicy adds. spec: `PolicyConditionType`.
    pub enum BackendTLSPolicyConditionType {
        /// Whether the policy was accepted for the ancestor.
        Accepted = "Accepted",
        /// Whether every CA certificate reference resolved.
        ResolvedRefs = "ResolvedRefs",
    }
}

string_enum! {
    /// Reasons of a BackendTLSPolicy's conditions: the generic policy reasons plus the ones
    /// BackendTLSPolicy adds. spec: `PolicyConditionReason`.
    pub enum BackendTLSPolicyConditionReason {
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// Another policy targets the same object and section and takes precedence.
        Conflicted = "Conflicted",
        /// The policy is invalid (for example an unsupported `wellKnownCACertificates`).
        Invalid = "Invalid",
        /// The target does not exist.
        TargetNotFound = "TargetNotFound",
        /// `Accepted=False`: none of the CA certificate references is usable.
        NoValidCACertificate = "NoValidCACertificate",
        /// `ResolvedRefs=True`.
        ResolvedRefs = "ResolvedRefs",
        /// A CA certificate reference points to a missing or malformed object.
        InvalidCACertificateRef = "InvalidCACertificateRef",
        /// A CA certificate reference names an unsupported group or kind.
        InvalidKind = "InvalidKind",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn example(name: &str) -> Value {
        let mut docs = crate::test_support::upstream_documents(
            std::path::Path::new("examples/standard/backendtlspolicy").join(name),
        );
        assert_eq!(docs.len(), 1, "{name}");
        docs.remove(0)
    }

    #[test]
    fn system_certs_example_parses() {
        let p: BackendTLSPolicy =
            serde_json::from_value(example("backendtlspolicy-system-certs.yaml")).expect("parse");
        assert_eq!(
            p.spec.validation.well_known_ca_certificates.as_deref(),
            Some(WellKnownCACertificatesType::SYSTEM)
        );
        assert_eq!(p.spec.target_refs[0].target.kind, "Service");
    }

    #[test]
    fn full_policy_round_trips() {
        let v = json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "BackendTLSPolicy",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "targetRefs": [{"group": "", "kind": "Service", "name": "svc", "sectionName": "https"}],
                "validation": {
                    "caCertificateRefs": [],
                    "hostname": "svc.example.com",
                    "subjectAltNames": [
                        {"type": "Hostname", "hostname": "*.example.com"},
                        {"type": "URI", "uri": "spiffe://cluster.local/ns/ns/sa/svc"},
                        {"type": "OtherName"}
                    ]
                },
                "options": {"example.com/min-version": "1.3"}
            },
            "status": {"ancestors": [{
                "ancestorRef": {"name": "gw"},
                "controllerName": "example.com/gw",
                "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted",
                    "message": "", "lastTransitionTime": "2024-01-01T00:00:00Z"}]
            }]}
        });
        let p: BackendTLSPolicy = serde_json::from_value(v.clone()).expect("parse");
        let sans = p.spec.validation.subject_alt_names.as_ref().expect("sans");
        assert_eq!(sans[1].type_, SubjectAltNameType::Uri);
        assert_eq!(
            sans[2].type_,
            SubjectAltNameType::Unrecognized("OtherName".into())
        );
        assert_eq!(serde_json::to_value(&p).expect("json"), v);
    }

    #[test]
    fn v1alpha3_converts_losslessly() {
        let v1: BackendTLSPolicy =
            serde_json::from_value(example("backendtlspolicy-ca-certs.yaml")).expect("parse");
        let alpha: crate::v1alpha3::BackendTLSPolicy = v1.clone().into();
        assert_eq!(alpha.spec.validation, v1.spec.validation);
        let back: BackendTLSPolicy = alpha.into();
        assert_eq!(back.spec, v1.spec);
        assert_eq!(back.metadata, v1.metadata);
    }
}
