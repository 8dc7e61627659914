//! TLS material of the run, standing in for what upstream's suite creates at start
//! (`conformance/utils/suite/suite.go`): the `tls-validity-checks-certificate` Secret the base
//! HTTPS Gateway references, and a client that trusts it.
//!
//! The certificate and key under `testdata/` are **test-only** (generated once with openssl,
//! valid until 2126): a CA, and a leaf for `example.org`, `second-example.org`,
//! `unknown-example.org` and `*.wildcard.org` (every server name the HTTPS cases use). Never
//! use them for anything else.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use gateway_api_types::GatewayObject;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// PEM of the test CA.
pub const CA_PEM: &str = include_str!("testdata/ca.crt");
/// PEM of the test server certificate (signed by the CA).
pub const CERT_PEM: &str = include_str!("testdata/tls.crt");
/// PEM (PKCS#8) of the test server key.
pub const KEY_PEM: &str = include_str!("testdata/tls.key");

/// The Secret upstream's suite creates: `gateway-conformance-infra/tls-validity-checks-certificate`.
pub fn validity_checks_secret() -> Option<GatewayObject> {
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some("tls-validity-checks-certificate".into()),
            namespace: Some("gateway-conformance-infra".into()),
            ..ObjectMeta::default()
        },
        type_: Some("kubernetes.io/tls".into()),
        data: Some(BTreeMap::from([
            (
                "tls.crt".to_string(),
                ByteString(CERT_PEM.as_bytes().to_vec()),
            ),
            (
                "tls.key".to_string(),
                ByteString(KEY_PEM.as_bytes().to_vec()),
            ),
        ])),
        ..Secret::default()
    };
    let value = serde_json::to_value(&secret).ok()?;
    let location = gateway_api_types::document::Location {
        source: "<conformance suite>".into(),
        index: 0,
        line: 1,
    };
    gateway_api_types::document::parse_value(value, &location)
        .into_iter()
        .flatten()
        .next()
        .map(|d| d.object)
}

/// A client configuration trusting only the test CA; ALPN `h2` when `h2`, else `http/1.1`.
pub fn client_config(h2: bool) -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIGS: OnceLock<Result<[Arc<rustls::ClientConfig>; 2], String>> = OnceLock::new();
    let configs = CONFIGS.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(CA_PEM.as_bytes()) {
            let cert = cert.map_err(|e| format!("test CA: {e}"))?;
            roots.add(cert).map_err(|e| format!("test CA: {e}"))?;
        }
        let build = |alpn: &[u8]| -> Result<Arc<rustls::ClientConfig>, String> {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut c = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots.clone())
                .with_no_client_auth();
            c.alpn_protocols = vec![alpn.to_vec()];
            Ok(Arc::new(c))
        };
        Ok([build(b"http/1.1")?, build(b"h2")?])
    });
    match configs {
        Ok(c) => Ok(Arc::clone(&c[usize::from(h2)])),
        Err(e) => Err(e.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_carries_the_pem_and_clients_build() {
        let Some(GatewayObject::Other(o)) = validity_checks_secret() else {
            panic!("not a Secret object");
        };
        assert_eq!(o.kind, "Secret");
        assert_eq!(o.value["type"], "kubernetes.io/tls");
        assert!(
            o.value["data"]["tls.crt"]
                .as_str()
                .is_some_and(|s| !s.contains("BEGIN"))
        );
        assert_eq!(
            client_config(true).unwrap().alpn_protocols,
            vec![b"h2".to_vec()]
        );
        assert_eq!(
            client_config(false).unwrap().alpn_protocols,
            vec![b"http/1.1".to_vec()]
        );
    }
}
