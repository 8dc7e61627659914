//! `gwproxy serve` against backends that misbehave at the edges of HTTP/1.1: keep-alive
//! connections closed by the backend while idle in the pool, response bodies that stall.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads one request head (the tests send no bodies) from `s` within `idle`; `None` on EOF
/// or when `idle` passed first.
async fn read_head(s: &mut TcpStream, buf: &mut Vec<u8>, idle: Duration) -> Option<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..end + 4).collect();
            return Some(String::from_utf8_lossy(&head).into_owned());
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(idle, s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    }
}

/// A raw HTTP/1.1 backend with a keep-alive timeout of `idle`: it answers every request with
/// `Connection: keep-alive` (announcing reuse) and closes a connection that stays idle for
/// `idle`, as servers do. Counts the connections accepted.
async fn keep_alive_backend(
    idle: Duration,
) -> (SocketAddr, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                continue;
            };
            count.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                // The first request may take its time; the following ones get `idle`.
                let mut wait = TIMEOUT;
                while read_head(&mut s, &mut buf, wait).await.is_some() {
                    let answer =
                        b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok";
                    if s.write_all(answer).await.is_err() {
                        return;
                    }
                    wait = idle;
                }
                // Dropping the socket closes it (FIN): the proxy's pooled copy is now stale.
            });
        }
    });
    (addr, accepted, task)
}

const STALE_ROUTES: &str = r#"
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: main, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: svc-closing, port: 80}]
"#;

/// A pooled connection the backend closed while idle (its keep-alive timeout racing our
/// checkout) must not fail the next request: a request never written, or an idempotent one
/// without a body that got no response byte, is sent again on a new connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_pooled_connections_are_replaced_not_502() {
    let (backend, accepted, _task) = keep_alive_backend(Duration::from_millis(1)).await;
    let extra = service_yaml("default", "svc-closing", 80, &[backend], false);
    let proxy = start(&(gateway_yaml("") + STALE_ROUTES), objects(&extra)).await;
    let addr = proxy.address_of("default", "gw", 80).unwrap();
    let client = client();
    let mut statuses = Vec::new();
    // Back to back and with pauses from 0 to 1.75 ms around the backend's 1 ms keep-alive
    // timeout, so its FIN reaches the proxy around the time the pooled connection is reused.
    // (Before the fix, 2 to 15 of these 200 requests got 502.)
    for i in 0..200u64 {
        let req = http::Request::builder()
            .uri(format!("http://{addr}/r{i}"))
            .header("host", "example.com")
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        let a = send(&client, req).await;
        statuses.push(a.status);
        let p = 250 * (i % 8);
        if p > 0 {
            tokio::time::sleep(Duration::from_micros(p)).await;
        }
    }
    let failed: Vec<(usize, u16)> = statuses
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, s)| *s != 200)
        .collect();
    assert!(
        failed.is_empty(),
        "non-200 answers (index, status): {failed:?}"
    );
    // The backend did close idle connections, so the proxy had to open new ones.
    assert!(accepted.load(Ordering::Relaxed) > 1);
}

/// A raw HTTP/1.1 backend: `GET /stall` gets the head and 3 of 10 body bytes, then nothing
/// for [`TIMEOUT`]; any other request gets a complete 10-byte body.
async fn stalling_backend() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(head) = read_head(&mut s, &mut buf, TIMEOUT).await {
                    let stall = head.starts_with("GET /stall ");
                    let answer: &[u8] = if stall {
                        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
                    } else {
                        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"
                    };
                    if s.write_all(answer).await.is_err() {
                        return;
                    }
                    if stall {
                        tokio::time::sleep(TIMEOUT).await;
                        return;
                    }
                }
            });
        }
    });
    (addr, task)
}

const DEADLINE_ROUTES: &str = r#"
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: main, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    timeouts: {request: 400ms}
    backendRefs: [{name: svc-stalling, port: 80}]
"#;

/// `timeouts.request` covers the response body: a body that stalls past the deadline is cut
/// (the client sees an incomplete response soon after the deadline, over HTTP/1.1 and h2c),
/// a fast one under the same timeout arrives whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeout_cuts_a_stalled_response_body() {
    let (backend, _task) = stalling_backend().await;
    let extra = service_yaml("default", "svc-stalling", 80, &[backend], false);
    let proxy = start(&(gateway_yaml("") + DEADLINE_ROUTES), objects(&extra)).await;
    let addr = proxy.address_of("default", "gw", 80).unwrap();

    let fast = get(addr, "example.com", "/fast", &[]).await;
    assert_eq!((fast.status, fast.body.as_str()), (200, "0123456789"));

    for h2 in [false, true] {
        let client = if h2 { h2c_client() } else { client() };
        let req = http::Request::builder()
            .uri(format!("http://{addr}/stall"))
            .header("host", "example.com")
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        let started = std::time::Instant::now();
        let resp = tokio::time::timeout(TIMEOUT, client.request(req))
            .await
            .unwrap()
            .unwrap();
        // The head came before the deadline, so no 504 is possible any more.
        assert_eq!(resp.status(), 200, "h2: {h2}");
        let body =
            tokio::time::timeout(TIMEOUT, http_body_util::BodyExt::collect(resp.into_body()))
                .await
                .expect("the body must be cut, not left hanging");
        let waited = started.elapsed();
        assert!(
            body.is_err(),
            "h2: {h2}: incomplete body reported as complete: {body:?}"
        );
        assert!(
            waited >= Duration::from_millis(400) && waited < Duration::from_secs(10),
            "h2: {h2}: cut after {waited:?} (deadline 400 ms; the backend stalls for 20 s)"
        );
    }
}

/// A backend that answers 503 to its first request and 200 to the others, each time with the
/// request body it received, read whole. Counts the requests.
async fn flaky_backend() -> (SocketAddr, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    use http_body_util::BodyExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let count = count.clone();
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let count = count.clone();
                        async move {
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let n = count.fetch_add(1, Ordering::SeqCst);
                            let mut resp = http::Response::new(http_body_util::Full::new(body));
                            if n == 0 {
                                *resp.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
                            }
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (addr, seen, task)
}

const RETRY_ROUTES: &str = r#"
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: main, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    retry: {codes: [503], attempts: 1}
    backendRefs: [{name: svc-flaky, port: 80}]
"#;

/// A request with a body is retried with the same body when it fits the retry buffer
/// (64 KiB); a larger one is not retried: its first answer (503) is returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_resend_request_bodies_up_to_the_limit() {
    for (size, want_status, want_requests) in [
        (5usize, 200u16, 2usize),
        (64 * 1024, 200, 2),
        (64 * 1024 + 1, 503, 1),
    ] {
        let (backend, seen, _task) = flaky_backend().await;
        let extra = service_yaml("default", "svc-flaky", 80, &[backend], false);
        let proxy = start(&(gateway_yaml("") + RETRY_ROUTES), objects(&extra)).await;
        let addr = proxy.address_of("default", "gw", 80).unwrap();
        let body: String = (0..size)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let req = http::Request::builder()
            .method("POST")
            .uri(format!("http://{addr}/upload"))
            .header("host", "example.com")
            .body(http_body_util::Full::new(bytes::Bytes::from(body.clone())))
            .unwrap();
        let a = send(&client(), req).await;
        assert_eq!(a.status, want_status, "body of {size} bytes");
        assert_eq!(
            a.body.len(),
            size,
            "body of {size} bytes: the backend got it whole"
        );
        assert!(
            a.body == body,
            "body of {size} bytes: the backend got it intact"
        );
        assert_eq!(
            seen.load(Ordering::SeqCst),
            want_requests,
            "body of {size} bytes"
        );
    }
}
