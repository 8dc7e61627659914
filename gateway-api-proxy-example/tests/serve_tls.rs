//! Black-box tests of HTTPS listeners: certificates from `kubernetes.io/tls` Secrets chosen by
//! SNI, ALPN (h2 and http/1.1), misdirected requests (421), with a test CA made by rcgen.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls_pki_types::{CertificateDer, ServerName};

struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        Self {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// A `kubernetes.io/tls` Secret for `names`.
    fn secret(&self, ns: &str, name: &str, names: &[&str]) -> String {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let indent = |s: String| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: {ns}}}\n\
             type: kubernetes.io/tls\nstringData:\n  tls.crt: |\n{}  tls.key: |\n{}",
            indent(cert.pem()),
            indent(key.serialize_pem())
        )
    }

    fn connector(&self) -> tokio_rustls::TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.issuer.der().to_vec()))
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        tokio_rustls::TlsConnector::from(Arc::new(config))
    }
}

/// One request over a fresh TLS connection with `sni`; HTTP/2 when ALPN picks it.
async fn tls_get(ca: &Ca, addr: SocketAddr, sni: &str, host: &str, path: &str) -> Answer {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from(sni.to_owned()).unwrap();
    let tls = tokio::time::timeout(TIMEOUT, ca.connector().connect(name, tcp))
        .await
        .unwrap()
        .unwrap();
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    let io = TokioIo::new(tls);
    let resp = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .unwrap();
        tokio::spawn(conn);
        let req = http::Request::builder()
            .uri(format!("https://{host}{path}"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        sender.send_request(req).await.unwrap()
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        let req = http::Request::builder()
            .uri(path)
            .header("host", host)
            .body(Full::new(Bytes::new()))
            .unwrap();
        sender.send_request(req).await.unwrap()
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        trailers: None,
    }
}

#[tokio::test]
async fn sni_selects_the_certificate_and_misdirected_requests_get_421() {
    let v1 = echo("v1").await;
    let v2 = echo("v2").await;
    let ca = Ca::new();
    let listeners = "  - name: https\n    port: 443\n    protocol: HTTPS\n    \
                     tls: {certificateRefs: [{name: cert-default}]}\n  \
                     - name: https-second\n    port: 443\n    protocol: HTTPS\n    \
                     hostname: second-example.org\n    \
                     tls: {certificateRefs: [{name: cert-second}]}\n  \
                     - name: https-bad\n    port: 443\n    protocol: HTTPS\n    \
                     hostname: bad.example.org\n    \
                     tls: {certificateRefs: [{name: cert-bad}]}\n";
    let routes = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n\
                  metadata: {name: r1, namespace: default}\n\
                  spec:\n  parentRefs: [{name: gw, sectionName: https}]\n  \
                  rules: [{backendRefs: [{name: svc-v1, port: 80}]}]\n---\n\
                  apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n\
                  metadata: {name: r2, namespace: default}\n\
                  spec:\n  parentRefs: [{name: gw, sectionName: https-second}]\n  \
                  rules: [{backendRefs: [{name: svc-v2, port: 80}]}]\n---\n";
    let yaml = format!(
        "{}{routes}{}---\n{}",
        gateway_yaml(listeners),
        ca.secret("default", "cert-default", &["example.org"]),
        ca.secret("default", "cert-second", &["second-example.org"]),
    ) + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: cert-bad, namespace: default}\n\
         type: kubernetes.io/tls\nstringData: {tls.crt: not a certificate, tls.key: not a key}\n";
    let extra = [
        service_yaml("default", "svc-v1", 80, &[v1.addr], false),
        service_yaml("default", "svc-v2", 80, &[v2.addr], false),
    ]
    .join("---\n");
    // A listener with an unusable certificate does not stop the others.
    let proxy = start(&yaml, objects(&extra)).await;
    let tls_socket = proxy
        .bound()
        .into_iter()
        .find(|b| b.port == 443)
        .expect("443 is bound");
    assert!(tls_socket.tls);
    let addr = tls_socket.addr;

    let a = tls_get(&ca, addr, "example.org", "example.org", "/a").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.json()["backend"], "v1");
    assert_eq!(a.seen_header("x-forwarded-proto").as_deref(), Some("https"));
    let a = tls_get(&ca, addr, "second-example.org", "second-example.org", "/a").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.json()["backend"], "v2");
    // Host selects another listener than the SNI did.
    let a = tls_get(&ca, addr, "example.org", "second-example.org", "/a").await;
    assert_eq!(a.status, 421);
    let a = tls_get(&ca, addr, "second-example.org", "example.org", "/a").await;
    assert_eq!(a.status, 421);
    // Same (catch-all) listener, but no route for that host: 421 is not due, the route
    // decides (r1 has no hostnames: it serves it).
    let a = tls_get(&ca, addr, "example.org", "unknown.org", "/a").await;
    assert_eq!(a.status, 200);
    // The plain HTTP listener still answers 404 (no route attached to it).
    let http = proxy.address_of("default", "gw", 80).unwrap();
    assert_eq!(get(http, "example.org", "/a", &[]).await.status, 404);
}
