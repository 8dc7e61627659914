//! Black-box tests of malformed and hostile clients (huge headers, too many headers, garbage,
//! slow clients), the admin server, shared-port binding and graceful shutdown.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use gateway_api_proxy_example::serve::{Bind, ConfigSource, Limits, Proxy, ServeOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ROUTE: &str = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n\
                     metadata: {name: r, namespace: default}\n\
                     spec:\n  parentRefs: [{name: gw}]\n  \
                     rules: [{backendRefs: [{name: svc-v1, port: 80}]}]\n";

async fn proxy_with(v1: &Echo, bind: Bind, admin: bool) -> Proxy {
    let mut options = ServeOptions::new(
        ConfigSource::Inline(vec![("c.yaml".into(), gateway_yaml("") + ROUTE)]),
        bind,
    );
    options.extra_objects = objects(&service_yaml("default", "svc-v1", 80, &[v1.addr], false));
    options.limits = Limits {
        header_read_timeout: Duration::from_millis(500),
        max_header_bytes: 16 * 1024,
        max_headers: 50,
        ..Limits::default()
    };
    if admin {
        options.admin = Some("127.0.0.1:0".parse().unwrap());
    }
    tokio::time::timeout(TIMEOUT, Proxy::start(options))
        .await
        .unwrap()
        .unwrap()
}

fn per_gateway() -> Bind {
    Bind::PerGateway {
        ip: "127.0.0.1".parse().unwrap(),
    }
}

/// Writes raw bytes and reads until the server closes or `TIMEOUT`; returns what was read.
async fn raw(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before everything is written.
    let _ = s.write_all(bytes).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(TIMEOUT, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn status_line(resp: &str) -> &str {
    resp.lines().next().unwrap_or("")
}

#[tokio::test]
async fn malformed_requests_get_4xx_and_never_crash() {
    let v1 = echo("v1").await;
    let proxy = proxy_with(&v1, per_gateway(), false).await;
    let addr = proxy.address_of("default", "gw", 80).unwrap();

    let huge = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let r = raw(addr, huge.as_bytes()).await;
    assert!(status_line(&r).contains(" 431 "), "{r:.200}");

    let mut many = String::from("GET / HTTP/1.1\r\nHost: x\r\n");
    for i in 0..200 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let r = raw(addr, many.as_bytes()).await;
    assert!(status_line(&r).contains(" 431 "), "{r:.200}");

    let r = raw(addr, b"GARBAGE GARBAGE GARBAGE\r\n\r\n").await;
    assert!(
        r.is_empty() || status_line(&r).contains(" 400 "),
        "{r:.200}"
    );
    let r = raw(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nBad\x01Header: v\r\n\r\n",
    )
    .await;
    assert!(
        r.is_empty() || status_line(&r).contains(" 400 "),
        "{r:.200}"
    );
    let r = raw(addr, b"\x16\x03\x01\x00\xff\x01\x00\x00\xfb\x03\x03").await;
    assert!(
        r.is_empty() || status_line(&r).contains(" 400 "),
        "{r:.200}"
    );

    // A slow client that never finishes its head is cut off by the header-read timeout.
    let started = Instant::now();
    let r = raw(addr, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(10),
        "slow client kept {waited:?}"
    );
    assert!(
        r.is_empty() || status_line(&r).contains(" 408 "),
        "{r:.200}"
    );

    // Still serving.
    let a = get(addr, "x", "/ok", &[]).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn admin_endpoints() {
    let v1 = echo("v1").await;
    let proxy = proxy_with(&v1, per_gateway(), true).await;
    let addr = proxy.address_of("default", "gw", 80).unwrap();
    assert_eq!(get(addr, "x", "/one", &[]).await.status, 200);
    assert_eq!(get(addr, "x", "/two", &[]).await.status, 200);

    let admin = proxy.admin_address().expect("admin bound");
    assert_eq!(get(admin, "admin", "/healthz", &[]).await.status, 200);
    assert_eq!(get(admin, "admin", "/readyz", &[]).await.status, 200);
    let m = get(admin, "admin", "/metrics", &[]).await;
    assert_eq!(m.status, 200);
    assert!(
        m.body.contains(
            "gwproxy_requests_total{gateway=\"default/gw\",route=\"HTTPRoute default/r\",code=\"200\"} 2"
        ),
        "{}",
        m.body
    );
    assert!(m.body.contains("gwproxy_request_duration_seconds_count 2"));
    assert!(m.body.contains("gwproxy_config_generation 1"));
    assert!(m.body.contains("gwproxy_backend_errors_total 0"));
    assert!(m.body.contains("gwproxy_config_errors_total 0"));
    let c = get(admin, "admin", "/config", &[]).await;
    let j = c.json();
    assert_eq!(j["generation"], 1);
    assert!(j["lastError"].is_null());
    let objects = j["objects"].as_array().unwrap();
    assert!(objects.iter().any(|o| o["kind"] == "HTTPRoute"
        && o["name"] == "r"
        && o["status"]["parents"][0]["conditions"][0]["status"] == "True"));
    assert!(
        j["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["route"] == "HTTPRoute default/r")
    );
    assert_eq!(get(admin, "admin", "/nope", &[]).await.status, 404);
}

#[tokio::test]
async fn shared_ports_with_overrides() {
    let v1 = echo("v1").await;
    let bind = Bind::Ports {
        default_ip: "127.0.0.1".parse().unwrap(),
        overrides: BTreeMap::from([(80, "127.0.0.1:0".parse().unwrap())]),
    };
    let proxy = proxy_with(&v1, bind, false).await;
    let bound = proxy.bound();
    assert_eq!(bound.len(), 1);
    assert_eq!(bound[0].gateway, None);
    assert_eq!(bound[0].port, 80);
    assert_ne!(bound[0].addr.port(), 80);
    let addr = proxy.address_of("default", "gw", 80).unwrap();
    assert_eq!(addr, bound[0].addr);
    assert_eq!(get(addr, "x", "/", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_requests_in_flight() {
    let v1 = echo("v1").await;
    let proxy = proxy_with(&v1, per_gateway(), false).await;
    let addr = proxy.address_of("default", "gw", 80).unwrap();
    let slow = tokio::spawn(async move { get(addr, "x", "/slow", &[("x-delay-ms", "500")]).await });
    // Let the request reach the backend.
    let deadline = Instant::now() + TIMEOUT;
    while !v1.seen.lock().unwrap().iter().any(|r| r == "GET /slow") {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::timeout(TIMEOUT, proxy.shutdown())
        .await
        .unwrap();
    let a = tokio::time::timeout(TIMEOUT, slow).await.unwrap().unwrap();
    assert_eq!(a.status, 200);
    // No longer accepting.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
