//! TLS termination: rustls server configurations from `kubernetes.io/tls` Secrets, with the
//! certificate chosen by SNI (the listener the server name selects: exact hostname, longest
//! wildcard, then a listener without hostname).

use std::sync::Arc;

use gateway_api_validate::resolve::Snapshot;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::table::{ListenerMeta, select_listener};

/// A certificate Secret that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// The Secret is not among the objects.
    #[error("listener {listener}: certificate Secret {secret} not found")]
    NotFound {
        /// Gateway/listener.
        listener: String,
        /// namespace/name.
        secret: String,
    },
    /// A key is missing or not PEM.
    #[error("Secret {secret}: {field}: {message}")]
    Bad {
        /// namespace/name.
        secret: String,
        /// `data.tls.crt` / `data.tls.key`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The listener has no certificate.
    #[error("listener {0}: HTTPS without a certificate")]
    NoCertificate(String),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(String),
}

/// Loads `tls.crt`/`tls.key` of Secret `namespace/name`.
fn certified_key(
    snapshot: &Snapshot,
    key: &(String, String),
    listener: &str,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let secret_name = format!("{}/{}", key.0, key.1);
    let secret = snapshot
        .secrets
        .get(key)
        .ok_or_else(|| TlsError::NotFound {
            listener: listener.to_owned(),
            secret: secret_name.clone(),
        })?;
    let bad = |field: &str, message: &str| TlsError::Bad {
        secret: secret_name.clone(),
        field: field.to_owned(),
        message: message.to_owned(),
    };
    let crt = secret
        .data
        .get("tls.crt")
        .and_then(|v| v.decode())
        .ok_or_else(|| bad("data.tls.crt", "missing or not base64"))?;
    let pem_key = secret
        .data
        .get("tls.key")
        .and_then(|v| v.decode())
        .ok_or_else(|| bad("data.tls.key", "missing or not base64"))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&crt)
        .collect::<Result<_, _>>()
        .map_err(|e| bad("data.tls.crt", &e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("data.tls.crt", "no PEM certificate"));
    }
    let private =
        PrivateKeyDer::from_pem_slice(&pem_key).map_err(|e| bad("data.tls.key", &e.to_string()))?;
    let signer = rustls::crypto::ring::sign::any_supported_type(&private)
        .map_err(|e| bad("data.tls.key", &e.to_string()))?;
    Ok(Arc::new(CertifiedKey::new(certs, signer)))
}

/// Picks the certificate of the listener the SNI selects.
#[derive(Debug)]
struct SniResolver {
    /// (listener hostname, certificate), in table order.
    certs: Vec<(Option<String>, Arc<CertifiedKey>)>,
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let i = select_listener(
            self.certs
                .iter()
                .enumerate()
                .map(|(i, (h, _))| (i, h.as_deref())),
            hello.server_name(),
        )
        // No listener for this name: present the first certificate (the client will reject
        // it if it does not fit).
        .unwrap_or(0);
        self.certs.get(i).map(|(_, c)| c.clone())
    }
}

/// The server configuration of one HTTPS port: certificates of its listeners, ALPN `h2` and
/// `http/1.1`. A listener whose certificate cannot be used is left out (its problem is
/// returned with the configuration): a handshake it would have answered gets another
/// listener's certificate or fails, the other listeners keep working.
pub fn server_config(
    listeners: &[&ListenerMeta],
    snapshot: &Snapshot,
) -> Result<(rustls::ServerConfig, Vec<TlsError>), TlsError> {
    let mut certs = Vec::new();
    let mut problems = Vec::new();
    for l in listeners {
        let who = format!("{} {}", l.gateway, l.name);
        let key = l
            .certificates
            .first()
            .ok_or_else(|| TlsError::NoCertificate(who.clone()))
            .and_then(|first| certified_key(snapshot, first, &who));
        match key {
            Ok(k) => certs.push((l.hostname.clone(), k)),
            Err(e) => problems.push(e),
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SniResolver { certs }));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((config, problems))
}
