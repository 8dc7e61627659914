//! Black-box tests of `gwproxy serve`'s data path: routing, proxy answers, every filter,
//! h2c and gRPC, against in-test echo backends on loopback.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use bytes::Bytes;
use common::*;
use http_body_util::Full;

const ROUTES: &str = r#"
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: main, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1}}]
    backendRefs: [{name: svc-v1, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /v1}, headers: [{name: x-version, value: "2"}]}]
    backendRefs: [{name: svc-v2, port: 80}]
  - matches: [{path: {type: Exact, value: /post}, method: POST}]
    backendRefs: [{name: svc-v2, port: 80}]
  - matches: [{path: {type: Exact, value: /q}, queryParams: [{name: a, value: "1"}]}]
    backendRefs: [{name: svc-v2, port: 80}]
  - matches: [{path: {type: Exact, value: /weights}}]
    backendRefs: [{name: svc-v1, port: 80, weight: 3}, {name: svc-v2, port: 80, weight: 1}]
  - matches: [{path: {type: Exact, value: /invalid}}]
    backendRefs: [{name: missing, port: 80}]
  - matches: [{path: {type: Exact, value: /no-endpoints}}]
    backendRefs: [{name: svc-empty, port: 80}]
  - matches: [{path: {type: Exact, value: /refused}}]
    backendRefs: [{name: svc-dead, port: 80}]
  - matches: [{path: {type: Exact, value: /slow}}]
    timeouts: {backendRequest: 300ms}
    backendRefs: [{name: svc-v1, port: 80}]
  - matches: [{path: {type: Exact, value: /slow-request}}]
    timeouts: {request: 300ms}
    backendRefs: [{name: svc-v1, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: filters, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [example.com]
  rules:
  - matches: [{path: {type: Exact, value: /headers}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: x-set, value: set-value}]
        add: [{name: x-add, value: added}]
        remove: [x-remove]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{name: x-resp-set, value: r1}]
        remove: [x-backend]
    backendRefs: [{name: svc-v1, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /redirect}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, statusCode: 301}
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters:
    - type: RequestRedirect
      requestRedirect:
        hostname: new.example.com
        port: 8080
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}
  - matches: [{path: {type: PathPrefix, value: /rewrite}}]
    filters:
    - type: URLRewrite
      urlRewrite:
        hostname: rewritten.example.com
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /elsewhere}
    backendRefs: [{name: svc-v1, port: 80}]
  - matches: [{path: {type: Exact, value: /full}}]
    filters:
    - type: URLRewrite
      urlRewrite:
        path: {type: ReplaceFullPath, replaceFullPath: /replaced}
    backendRefs: [{name: svc-v1, port: 80}]
  - matches: [{path: {type: Exact, value: /mirror}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: svc-v2, port: 80}}
    backendRefs: [{name: svc-v1, port: 80}]
  - matches: [{path: {type: Exact, value: /cors}}]
    filters:
    - type: CORS
      cors:
        allowOrigins: ["https://www.foo.com", "https://*.bar.com"]
        allowMethods: [GET, OPTIONS]
        allowHeaders: [x-header-1]
        exposeHeaders: [x-header-3]
        allowCredentials: true
        maxAge: 3600
    backendRefs: [{name: svc-v1, port: 80}]
  - matches: [{path: {type: Exact, value: /h2c}}]
    backendRefs: [{name: svc-h2c, port: 80}]
  - matches: [{path: {type: Exact, value: /backend-filter}}]
    backendRefs:
    - name: svc-v1
      port: 80
      filters:
      - type: RequestHeaderModifier
        requestHeaderModifier: {set: [{name: x-backend-filter, value: v1}]}
  - matches: [{path: {type: Exact, value: /status/503}}]
    retry: {codes: [503], attempts: 2, backoff: 10ms}
    backendRefs: [{name: svc-v2, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {service: echo.Echo, method: Hello}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {add: [{name: x-grpc-added, value: "yes"}]}
    backendRefs: [{name: svc-v1, port: 80}]
"#;

struct Setup {
    proxy: gateway_api_proxy_example::serve::Proxy,
    addr: SocketAddr,
    v1: Echo,
    v2: Echo,
}

async fn setup() -> Setup {
    let v1 = echo("v1").await;
    let v2 = echo("v2").await;
    // A port nobody listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let extra = [
        service_yaml("default", "svc-v1", 80, &[v1.addr], false),
        service_yaml("default", "svc-v2", 80, &[v2.addr], false),
        service_yaml("default", "svc-empty", 80, &[], false),
        service_yaml("default", "svc-dead", 80, &[dead], false),
        service_yaml("default", "svc-h2c", 80, &[v1.addr], true),
    ]
    .join("---\n");
    let proxy = start(&(gateway_yaml("") + ROUTES), objects(&extra)).await;
    let addr = proxy.address_of("default", "gw", 80).unwrap();
    Setup {
        proxy,
        addr,
        v1,
        v2,
    }
}

#[tokio::test]
async fn routes_by_path_header_method_and_query() {
    let s = setup().await;
    let a = get(s.addr, "example.com", "/v1/x", &[]).await;
    assert_eq!(a.status, 200);
    let j = a.json();
    assert_eq!(j["backend"], "v1");
    assert_eq!(j["path"], "/v1/x");
    assert_eq!(j["host"], "example.com");
    assert_eq!(a.seen_header("x-forwarded-proto").as_deref(), Some("http"));
    assert_eq!(
        a.seen_header("x-forwarded-for").as_deref(),
        Some("127.0.0.1")
    );

    let a = get(s.addr, "example.com", "/v1/x", &[("x-version", "2")]).await;
    assert_eq!(a.json()["backend"], "v2");
    let a = request(s.addr, "POST", "example.com", "/post", &[]).await;
    assert_eq!(a.json()["backend"], "v2");
    assert_eq!(get(s.addr, "example.com", "/post", &[]).await.status, 404);
    let a = get(s.addr, "example.com", "/q?a=1", &[]).await;
    assert_eq!(a.json()["backend"], "v2");
    assert_eq!(a.json()["path"], "/q?a=1");
    assert_eq!(get(s.addr, "example.com", "/q?a=2", &[]).await.status, 404);
    // Host and path that no route serves.
    assert_eq!(get(s.addr, "other.com", "/v1", &[]).await.status, 404);
    assert_eq!(
        get(s.addr, "example.com", "/nothing", &[]).await.status,
        404
    );
    assert_eq!(s.proxy.generation(), 1);
}

/// Headers named in `Connection` are not forwarded (RFC 9110 section 7.6.1), but the backend
/// still gets the request's authority as Host, even when `Connection` names `Host`.
#[tokio::test]
async fn connection_options_are_dropped_and_host_is_kept() {
    let s = setup().await;
    let a = get(
        s.addr,
        "example.com",
        "/v1/x",
        &[
            ("connection", "host, x-drop"),
            ("x-drop", "1"),
            ("x-kept", "2"),
        ],
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["host"], "example.com");
    assert_eq!(a.seen_header("x-drop"), None);
    assert_eq!(a.seen_header("x-kept").as_deref(), Some("2"));
}

#[tokio::test]
async fn weights_split_traffic() {
    let s = setup().await;
    let mut v1 = 0;
    for _ in 0..400 {
        let a = get(s.addr, "example.com", "/weights", &[]).await;
        assert_eq!(a.status, 200);
        if a.json()["backend"] == "v1" {
            v1 += 1;
        }
    }
    // Expected 300 of 400 (weights 3:1); the binomial standard deviation is ~8.7.
    assert!((240..=360).contains(&v1), "v1 got {v1} of 400");
}

#[tokio::test]
async fn proxy_answers_500_503_502_504() {
    let s = setup().await;
    assert_eq!(
        get(s.addr, "example.com", "/invalid", &[]).await.status,
        500
    );
    assert_eq!(
        get(s.addr, "example.com", "/no-endpoints", &[])
            .await
            .status,
        503
    );
    assert_eq!(
        get(s.addr, "example.com", "/refused", &[]).await.status,
        502
    );
    // Passive failover marks the endpoint down; it still answers 502 (the only endpoint).
    assert_eq!(
        get(s.addr, "example.com", "/refused", &[]).await.status,
        502
    );
    let a = get(s.addr, "example.com", "/slow", &[("x-delay-ms", "3000")]).await;
    assert_eq!(a.status, 504);
    let a = get(
        s.addr,
        "example.com",
        "/slow-request",
        &[("x-delay-ms", "3000")],
    )
    .await;
    assert_eq!(a.status, 504);
    let a = get(s.addr, "example.com", "/slow", &[("x-delay-ms", "10")]).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn header_modifiers() {
    let s = setup().await;
    let a = get(
        s.addr,
        "example.com",
        "/headers",
        &[("x-set", "old"), ("x-add", "first"), ("x-remove", "gone")],
    )
    .await;
    assert_eq!(a.status, 200);
    let j = a.json();
    assert_eq!(j["headers"]["x-set"], serde_json::json!(["set-value"]));
    assert_eq!(j["headers"]["x-add"], serde_json::json!(["first,added"]));
    assert!(j["headers"]["x-remove"].is_null());
    assert_eq!(a.header("x-resp-set"), Some("r1"));
    assert_eq!(a.header("x-backend"), None);

    let a = get(s.addr, "example.com", "/backend-filter", &[]).await;
    assert_eq!(a.seen_header("x-backend-filter").as_deref(), Some("v1"));
}

#[tokio::test]
async fn redirects() {
    let s = setup().await;
    let a = get(s.addr, "example.com", "/redirect/a?x=1", &[]).await;
    assert_eq!(a.status, 301);
    assert_eq!(
        a.header("location"),
        Some("https://example.com/redirect/a?x=1")
    );
    let a = get(s.addr, "example.com", "/old/page", &[]).await;
    assert_eq!(a.status, 302);
    assert_eq!(
        a.header("location"),
        Some("http://new.example.com:8080/new/page")
    );
    let a = get(s.addr, "example.com", "/old", &[]).await;
    assert_eq!(
        a.header("location"),
        Some("http://new.example.com:8080/new")
    );
}

#[tokio::test]
async fn rewrites() {
    let s = setup().await;
    let a = get(s.addr, "example.com", "/rewrite/a/b?q=1", &[]).await;
    let j = a.json();
    assert_eq!(j["path"], "/elsewhere/a/b?q=1");
    assert_eq!(j["host"], "rewritten.example.com");
    let a = get(s.addr, "example.com", "/rewrite", &[]).await;
    assert_eq!(a.json()["path"], "/elsewhere");
    let a = get(s.addr, "example.com", "/full", &[]).await;
    assert_eq!(a.json()["path"], "/replaced");
    assert_eq!(a.json()["host"], "example.com");
}

#[tokio::test]
async fn mirror_delivers_a_copy() {
    let s = setup().await;
    let a = get(s.addr, "example.com", "/mirror", &[]).await;
    assert_eq!(a.json()["backend"], "v1");
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        if s.v2.seen.lock().unwrap().iter().any(|r| r == "GET /mirror") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "mirror never arrived");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(s.v1.seen.lock().unwrap().iter().any(|r| r == "GET /mirror"));

    // A request body is copied to the mirror as it streams to the backend.
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("http://{}/mirror", s.addr))
        .header("host", "example.com")
        .body(Full::new(Bytes::from_static(b"payload")))
        .unwrap();
    let a = send(&client(), req).await;
    assert_eq!(a.json()["backend"], "v1");
    assert_eq!(a.json()["body"], "payload");
    loop {
        if s.v2
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|r| r == "POST /mirror payload")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "mirrored body never arrived: {:?}",
            s.v2.seen.lock().unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn cors_preflight_and_actual() {
    let s = setup().await;
    let a = request(
        s.addr,
        "OPTIONS",
        "example.com",
        "/cors",
        &[
            ("origin", "https://a.bar.com"),
            ("access-control-request-method", "GET"),
        ],
    )
    .await;
    assert_eq!(a.status, 204);
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("https://a.bar.com")
    );
    assert_eq!(
        a.header("access-control-allow-methods"),
        Some("GET, OPTIONS")
    );
    assert_eq!(a.header("access-control-allow-headers"), Some("x-header-1"));
    assert_eq!(
        a.header("access-control-expose-headers"),
        Some("x-header-3")
    );
    assert_eq!(a.header("access-control-max-age"), Some("3600"));
    assert_eq!(a.header("access-control-allow-credentials"), Some("true"));
    // Preflights never reach the backend.
    assert!(
        !s.v1
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.starts_with("OPTIONS"))
    );

    let a = request(
        s.addr,
        "OPTIONS",
        "example.com",
        "/cors",
        &[
            ("origin", "https://foobar.com"),
            ("access-control-request-method", "GET"),
        ],
    )
    .await;
    assert_eq!(a.header("access-control-allow-origin"), None);

    let a = get(
        s.addr,
        "example.com",
        "/cors",
        &[("origin", "https://www.foo.com")],
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("https://www.foo.com")
    );
    let a = get(
        s.addr,
        "example.com",
        "/cors",
        &[("origin", "https://foobar.com")],
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn retry_on_listed_codes() {
    let s = setup().await;
    let a = get(s.addr, "example.com", "/status/503", &[]).await;
    assert_eq!(a.status, 503);
    let n =
        s.v2.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| *r == "GET /status/503")
            .count();
    assert_eq!(n, 3, "one attempt and two retries");
}

#[tokio::test]
async fn h2c_clients_and_backends() {
    let s = setup().await;
    // h2c prior knowledge from the client, HTTP/1.1 to the backend.
    let req = http::Request::builder()
        .uri("http://example.com/v1/h2")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let a = h2c_send(s.addr, req).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["version"], "HTTP/1.1");
    assert_eq!(a.json()["host"], "example.com");
    // appProtocol kubernetes.io/h2c: HTTP/2 to the backend, authority preserved.
    let a = get(s.addr, "example.com", "/h2c", &[]).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.json()["version"], "HTTP/2.0");
    assert_eq!(a.json()["host"], "example.com");
}

#[tokio::test]
async fn grpc_pass_through_and_unimplemented() {
    let s = setup().await;
    let grpc = |path: &str| {
        http::Request::builder()
            .method("POST")
            .uri(format!("http://grpc.example.com{path}"))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .body(Full::new(Bytes::from_static(b"\0\0\0\0\0")))
            .unwrap()
    };
    let a = h2c_send(s.addr, grpc("/echo.Echo/Hello")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("grpc-status"), Some("0"));
    let j = a.json();
    assert_eq!(j["backend"], "v1");
    assert_eq!(j["version"], "HTTP/2.0");
    assert_eq!(j["headers"]["x-grpc-added"][0], "yes");
    assert_eq!(j["headers"]["te"][0], "trailers");
    // No GRPCRoute for this method: trailers-only UNIMPLEMENTED.
    let a = h2c_send(s.addr, grpc("/echo.Echo/Other")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("grpc-status"), Some("12"));
}

/// A raw backend that accepts one WebSocket-style upgrade per connection and then echoes
/// bytes.
async fn upgrade_backend() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    let Ok(n) = s.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    head.extend_from_slice(&buf[..n]);
                }
                let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                if !text.contains("upgrade: websocket") {
                    let _ = s
                        .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let _ = s
                    .write_all(
                        b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
                    )
                    .await;
                loop {
                    let Ok(n) = s.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, task)
}

#[tokio::test]
async fn upgrades_are_spliced() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (ws, _task) = upgrade_backend().await;
    let route = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n\
                 metadata: {name: ws, namespace: default}\n\
                 spec:\n  parentRefs: [{name: gw}]\n  \
                 rules: [{backendRefs: [{name: svc-ws, port: 80}]}]\n";
    let proxy = start(
        &(gateway_yaml("") + route),
        objects(&service_yaml("default", "svc-ws", 80, &[ws], false)),
    )
    .await;
    let addr = proxy.address_of("default", "gw", 80).unwrap();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    )
    .await
    .unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(TIMEOUT, s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&head));
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    assert!(text.starts_with("HTTP/1.1 101"), "{text}");
    s.write_all(b"ping").await.unwrap();
    let mut got = [0u8; 4];
    tokio::time::timeout(TIMEOUT, s.read_exact(&mut got))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&got, b"ping");
}
