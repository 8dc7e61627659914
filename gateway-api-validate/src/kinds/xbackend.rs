//! XBackend (`gateway.networking.x-k8s.io/v1alpha1`, experimental channel).
//! spec: `apisx/v1alpha1/xbackend_types.go`.

use gateway_api_types::x::v1alpha1::{
    BackendAncestorStatus, BackendPort, BackendProtocol, BackendSpec, BackendStatus, BackendTLS,
    BackendTLSMode, BackendType, ExternalHostnameBackend,
};

use crate::check_enum;
use crate::path::Path;
use crate::shared::{conditions, port};
use crate::validate::{Context, Validate};
use crate::violation::Report;

/// CEL rule on `spec`: `externalHostname` goes with type `ExternalHostname` only.
pub(crate) const RULE_EXTERNAL_HOSTNAME: &str =
    "self.type == 'ExternalHostname' ? has(self.externalHostname) : !has(self.externalHostname)";

impl Validate for BackendSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        check_enum!(report, cx, &path.field("type"), self.type_, BackendType);
        self.port.validate(cx, &path.field("port"), report);
        self.external_hostname
            .validate(cx, &path.field("externalHostname"), report);
        if let Some(p) = &self.protocol {
            check_enum!(report, cx, &path.field("protocol"), p, BackendProtocol);
        }
        self.tls.validate(cx, &path.field("tls"), report);
        // spec: BackendSpec, "externalHostname must be set when type is ExternalHostname and
        // must be unset otherwise".
        let ok = if self.type_.as_str() == "ExternalHostname" {
            self.external_hostname.is_some()
        } else {
            self.external_hostname.is_none()
        };
        if !ok {
            report.cel(
                path,
                "object",
                "externalHostname must be set when type is ExternalHostname and must be unset otherwise",
                RULE_EXTERNAL_HOSTNAME,
            );
        }
    }
}

impl Validate for BackendPort {
    fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(name) = &self.name {
            let np = path.field("name");
            report.max_length(&np, name, 63);
            // spec: BackendPort.Name, "Name must be a valid DNS label". Upstream's rule compares
            // `format.dns1123Label().validate(self)` with `null`, but `validate` returns an
            // optional (`optional.none()` for a valid label, `optional.of(errors)` otherwise) and
            // an optional never equals `null` in CEL. So the API server rejects EVERY non-empty
            // name, valid or not; we do the same (the differential test against kube-cel pins
            // it). Upstream main is expected to fix the rule; see the closing notes.
            if !name.is_empty() {
                report.cel(
                    &np,
                    "string",
                    "Name must be a valid DNS label",
                    "size(self) == 0 || format.dns1123Label().validate(self) == null",
                );
            }
        }
        port(report, &path.field("port"), Some(self.port));
    }
}

impl Validate for ExternalHostnameBackend {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let hp = path.field("hostname");
        self.hostname.validate(cx, &hp, report);
        // spec: ExternalHostnameBackend.Hostname, "hostname must not be an IP address or end
        // with .cluster.local".
        if self.hostname.as_str().ends_with(".cluster.local") {
            report.cel(
                &hp,
                "string",
                "hostname must not be an IP address or end with .cluster.local",
                "!self.endsWith('.cluster.local')",
            );
        }
    }
}

impl Validate for BackendTLS {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        check_enum!(report, cx, &path.field("mode"), self.mode, BackendTLSMode);
        self.client_certificate_ref
            .validate(cx, &path.field("clientCertificateRef"), report);
        self.validation
            .validate(cx, &path.field("validation"), report);
        // spec: BackendTLS, "clientCertificateRef must be set if and only if mode is
        // ClientAndServer".
        let ok = if self.mode.as_str() == "ClientAndServer" {
            self.client_certificate_ref.is_some()
        } else {
            self.client_certificate_ref.is_none()
        };
        if !ok {
            report.cel(
                path,
                "object",
                "clientCertificateRef must be set if and only if mode is ClientAndServer",
                "self.mode == 'ClientAndServer' ? has(self.clientCertificateRef) : !has(self.clientCertificateRef)",
            );
        }
    }
}

impl Validate for BackendStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(a) = &self.ancestors {
            let p = path.field("parents");
            report.max_items(&p, a.len(), 32);
            a.validate(cx, &p, report);
        }
    }
}

impl Validate for BackendAncestorStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.controller_name
            .validate(cx, &path.field("controllerName"), report);
        self.ancestor_ref
            .validate(cx, &path.field("parentRef"), report);
        if let Some(c) = &self.conditions {
            conditions(report, &path.field("conditions"), c, None, usize::MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::Channel;

    fn details(v: serde_json::Value) -> Vec<String> {
        let s: BackendSpec = serde_json::from_value(v).expect("spec");
        let mut r = Report::default();
        let root = Path::ROOT;
        s.validate(
            &Context::new(Channel::Experimental),
            &root.field("spec"),
            &mut r,
        );
        r.violations.iter().map(|v| v.detail.clone()).collect()
    }

    #[test]
    fn any_non_empty_port_name_is_rejected_as_the_api_server_does() {
        // Upstream's rule compares an optional with null, which is never equal in CEL.
        let d = details(
            serde_json::json!({"type": "ExternalHostname", "port": {"port": 443, "name": "https"}, "externalHostname": {"hostname": "api.example.com"}}),
        );
        assert_eq!(d, ["Name must be a valid DNS label"]);
        let d = details(
            serde_json::json!({"type": "ExternalHostname", "port": {"port": 443, "name": ""}, "externalHostname": {"hostname": "api.example.com"}}),
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn external_hostname_rules() {
        assert!(
            details(serde_json::json!({
                "type": "ExternalHostname", "port": {"port": 443},
                "externalHostname": {"hostname": "api.example.com"}
            }))
            .is_empty()
        );
        assert_eq!(
            details(serde_json::json!({"type": "ExternalHostname", "port": {"port": 443}})),
            [
                "externalHostname must be set when type is ExternalHostname and must be unset otherwise"
            ]
        );
        assert_eq!(
            details(serde_json::json!({
                "type": "ExternalHostname", "port": {"port": 443, "name": "Bad"},
                "externalHostname": {"hostname": "svc.ns.svc.cluster.local"}
            })),
            [
                "Name must be a valid DNS label",
                "hostname must not be an IP address or end with .cluster.local"
            ]
        );
    }

    #[test]
    fn client_certificate_only_with_client_and_server() {
        let d = details(serde_json::json!({
            "type": "ExternalHostname", "port": {"port": 443},
            "externalHostname": {"hostname": "a.example.com"},
            "tls": {"mode": "ClientAndServer"}
        }));
        assert_eq!(
            d,
            ["clientCertificateRef must be set if and only if mode is ClientAndServer"]
        );
    }

    #[test]
    fn whole_objects_through_the_entry_point() {
        use gateway_api_types::Channel;
        let ok = serde_json::json!({
            "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
            "kind": "XBackend",
            "metadata": {"name": "b", "namespace": "ns"},
            "spec": {
                "type": "ExternalHostname",
                "port": {"port": 443},
                "protocol": "HTTP2",
                "externalHostname": {"hostname": "api.example.com"},
                "tls": {
                    "mode": "ClientAndServer",
                    "clientCertificateRef": {"name": "client-cert"},
                    "validation": {"wellKnownCACertificates": "System", "hostname": "api.example.com"}
                }
            },
            "status": {"parents": [{"controllerName": "example.com/c", "parentRef": {"name": "gw"}}]}
        });
        assert!(crate::validate_value(&ok, Channel::Experimental).is_empty());
        let msgs = |v: &serde_json::Value| -> Vec<String> {
            let r = crate::validate_value(v, Channel::Experimental);
            r.violations.iter().map(ToString::to_string).collect()
        };
        let mut bad = ok.clone();
        bad["spec"]["tls"]["validation"]["subjectAltNames"] = serde_json::json!([{"type": "URI"}]);
        assert_eq!(
            msgs(&bad),
            [
                "spec.tls.validation.subjectAltNames[0]: Invalid value: \"object\": SubjectAltName element must contain URI, if Type is set to URI"
            ]
        );
        // An unsupported enum value keeps the API server from evaluating the CEL rules.
        bad["spec"]["protocol"] = "GRPC".into();
        assert_eq!(
            msgs(&bad),
            [
                "spec.protocol: Unsupported value: \"GRPC\": supported values: \"TCP\", \"HTTP\", \"HTTP2\", \"HTTP11\", \"H2C\", \"MCP\"",
                "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
            ]
        );
    }
}
