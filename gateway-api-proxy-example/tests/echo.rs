//! Black-box tests of the echo backend: an `EchoServer` on 127.0.0.1:0, driven with hyper
//! clients over HTTP/1.1 and prior-knowledge h2c, and with `grpc::call_echo`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gateway_api_proxy_example::echo::{EchoIdentity, EchoMode, EchoOptions, EchoServer};
use gateway_api_proxy_example::grpc::{Code, GrpcClientError, call_echo};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;

/// Upper bound of every wait in these tests (generous: the machine is shared).
const LIMIT: Duration = Duration::from_secs(30);

async fn start(mode: EchoMode) -> EchoServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    EchoServer::spawn(
        listener,
        EchoOptions {
            identity: EchoIdentity {
                pod: "infra-backend-v1-7d9f-abcde".into(),
                namespace: "gateway-conformance-infra".into(),
                service: "infra-backend-v1".into(),
            },
            mode,
            http_port: "3000".into(),
        },
    )
    .await
    .expect("echo server starts")
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        assert_eq!(self.headers["content-type"], "application/json");
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// Sends one request on a new HTTP/1.1 connection.
async fn h1(addr: SocketAddr, req: Request<Full<Bytes>>) -> Result<Reply, hyper::Error> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let resp = tokio::time::timeout(LIMIT, send.send_request(req))
        .await
        .expect("response within the limit")?;
    let (parts, body) = resp.into_parts();
    let body = tokio::time::timeout(LIMIT, body.collect())
        .await
        .expect("body within the limit")?
        .to_bytes();
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// Sends one request on a new prior-knowledge h2c connection.
async fn h2(addr: SocketAddr, req: Request<Full<Bytes>>) -> Reply {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let resp = tokio::time::timeout(LIMIT, send.send_request(req))
        .await
        .expect("response within the limit")
        .expect("response");
    let (parts, body) = resp.into_parts();
    let body = tokio::time::timeout(LIMIT, body.collect())
        .await
        .expect("body within the limit")
        .expect("body")
        .to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

fn get(uri: &str, host: &str) -> Request<Full<Bytes>> {
    Request::get(uri)
        .header("host", host)
        .body(Full::new(Bytes::new()))
        .expect("request")
}

#[tokio::test]
async fn http1_echo_reports_the_request() {
    let server = start(EchoMode::Http).await;
    let req = Request::get("/foo//bar?x=1&y=%20")
        .header("host", "example.com")
        .header("x-multi", "a")
        .header("x-multi", "b")
        .header("x-echo-set-header", "X-A:1, X-B: 2,X-A:3")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let r = h1(server.local_addr(), req).await.unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert_eq!(r.headers["x-a"], "1,3");
    assert_eq!(r.headers["x-b"], "2");
    let j = r.json();
    assert_eq!(j["path"], "/foo//bar?x=1&y=%20");
    assert_eq!(j["host"], "example.com");
    assert_eq!(j["method"], "GET");
    assert_eq!(j["proto"], "HTTP/1.1");
    assert_eq!(j["httpPort"], "3000");
    assert_eq!(j["namespace"], "gateway-conformance-infra");
    assert_eq!(j["pod"], "infra-backend-v1-7d9f-abcde");
    assert_eq!(j["service"], "infra-backend-v1");
    assert_eq!(j["ingress"], "");
    assert_eq!(j["headers"]["X-Multi"], serde_json::json!(["a", "b"]));
    assert_eq!(
        j["headers"]["X-Echo-Set-Header"],
        serde_json::json!(["X-A:1, X-B: 2,X-A:3"])
    );
    assert!(j["headers"].get("Host").is_none());
    assert!(j.get("tls").is_none());
    // Go's indentation: one space.
    assert!(
        std::str::from_utf8(&r.body)
            .unwrap()
            .starts_with("{\n \"path\": ")
    );

    let log = server.log();
    assert_eq!(
        log.count_containing(
            "Echoing back request made to /foo//bar?x=1&y=%20 to client (127.0.0.1:"
        ),
        1,
        "{:?}",
        log.lines()
    );
}

#[tokio::test]
async fn h2c_echo_reports_http2() {
    let server = start(EchoMode::Http).await;
    let req = Request::post("http://echo.example:8080/h2/path?q=v")
        .header("x-h", "1")
        .body(Full::new(Bytes::from_static(b"ignored body")))
        .unwrap();
    let r = h2(server.local_addr(), req).await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["proto"], "HTTP/2.0");
    assert_eq!(j["path"], "/h2/path?q=v");
    assert_eq!(j["host"], "echo.example:8080");
    assert_eq!(j["method"], "POST");
    assert_eq!(j["headers"]["X-H"], serde_json::json!(["1"]));
    assert_eq!(
        server
            .log()
            .count_containing("request made to /h2/path?q=v to client"),
        1
    );
}

#[tokio::test]
async fn status_health_and_path_handling() {
    let server = start(EchoMode::Http).await;
    let addr = server.local_addr();
    let st = |uri: &'static str| async move { h1(addr, get(uri, "h")).await.unwrap() };
    assert_eq!(st("/status/503").await.status.as_u16(), 503);
    assert_eq!(st("/status/201").await.status.as_u16(), 201);
    assert_eq!(st("/status/abc").await.status.as_u16(), 400);
    assert_eq!(st("/status/200?x=1").await.status.as_u16(), 400);
    let h = st("/health").await;
    assert_eq!((h.status.as_u16(), &h.body[..]), (200, &b"OK"[..]));
    // `//` is collapsed before routing.
    assert_eq!(st("//health").await.body, "OK");
    assert_eq!(st("//status//418").await.status.as_u16(), 400); // raw URI is not /status/NNN
    // Non-canonical paths and subtree roots are redirected, as Go's ServeMux does.
    let r = st("/a/../health?x=1").await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers["location"], "/health?x=1");
    assert_eq!(st("/status").await.headers["location"], "/status/");
    // None of these is an echoed request.
    assert_eq!(server.log().lines().len(), 0);
    // h2c reaches the same routes.
    assert_eq!(
        h2(addr, get("http://h/status/504", "h"))
            .await
            .status
            .as_u16(),
        504
    );
}

#[tokio::test]
async fn delay_waits_and_bad_delay_is_a_500() {
    let server = start(EchoMode::Http).await;
    let addr = server.local_addr();
    let t = Instant::now();
    let r = h1(addr, get("/slow?delay=300ms", "h")).await.unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(r.json()["path"], "/slow?delay=300ms");

    let r = h1(addr, get("/slow?delay=10", "h")).await.unwrap();
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        r.json(),
        serde_json::json!({"message": "time: missing unit in duration \"10\""})
    );
}

#[tokio::test]
async fn large_body_is_discarded() {
    let server = start(EchoMode::Http).await;
    let body = Bytes::from(vec![b'x'; 4 * 1024 * 1024]);
    let req = Request::put("/upload")
        .header("host", "h")
        .body(Full::new(body))
        .unwrap();
    let r = h1(server.local_addr(), req).await.unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["headers"]["Content-Length"],
        serde_json::json!(["4194304"])
    );
}

#[tokio::test]
async fn retry_simulator_counts_per_uuid() {
    let server = start(EchoMode::Http).await;
    let addr = server.local_addr();
    let path = "/retry/x?responseCode=503&succeedAfter=2&uuid=u-1";
    assert_eq!(h1(addr, get(path, "h")).await.unwrap().status.as_u16(), 503);
    assert_eq!(h1(addr, get(path, "h")).await.unwrap().status.as_u16(), 503);
    let ok = h1(addr, get(path, "h")).await.unwrap();
    assert_eq!(ok.status.as_u16(), 200);
    assert_eq!(ok.json()["path"], path);
    // Another uuid has its own counter.
    let other = "/retry/x?responseCode=500&succeedAfter=1&uuid=u-2";
    assert_eq!(
        h1(addr, get(other, "h")).await.unwrap().status.as_u16(),
        500
    );
    assert_eq!(
        h1(addr, get(other, "h")).await.unwrap().status.as_u16(),
        200
    );

    let r = h1(addr, get("/retry/x?succeedAfter=1", "h")).await.unwrap();
    assert_eq!(
        (r.status.as_u16(), &r.body[..]),
        (400, &b"uuid is required"[..])
    );
    let r = h1(addr, get("/retry/x?uuid=a&succeedAfter=z", "h"))
        .await
        .unwrap();
    assert_eq!(r.status.as_u16(), 400);

    // Without responseCode the failing attempt resets the connection.
    let reset = "/retry/x?succeedAfter=1&uuid=u-3";
    assert!(h1(addr, get(reset, "h")).await.is_err());
    assert_eq!(
        h1(addr, get(reset, "h")).await.unwrap().status.as_u16(),
        200
    );

    // On the wire it is a TCP reset, not an orderly close.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut raw = tokio::net::TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"GET /retry/x?succeedAfter=1&uuid=u-4 HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(LIMIT, raw.read(&mut buf))
        .await
        .expect("in time");
    assert_eq!(
        read.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset)
    );
}

#[tokio::test]
async fn shutdown_closes_listener_and_connections() {
    let server = start(EchoMode::Http).await;
    let addr = server.local_addr();
    // An open connection with a request in progress (delayed).
    let pending = tokio::spawn(async move { h1(addr, get("/wait?delay=60s", "h")).await });
    // Wait until the server has the request (it logs it before sleeping).
    let deadline = Instant::now() + LIMIT;
    while server.log().count_containing("/wait?delay=60s") == 0 {
        assert!(Instant::now() < deadline, "request never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.shutdown();
    let r = tokio::time::timeout(LIMIT, pending)
        .await
        .expect("closed in time")
        .unwrap();
    assert!(r.is_err(), "the delayed request must fail, got a response");
    // The listener goes away promptly.
    let deadline = Instant::now() + LIMIT;
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            break;
        }
        assert!(Instant::now() < deadline, "still accepting after shutdown");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn grpc_echo_reports_the_call() {
    let server = start(EchoMode::Grpc).await;
    let md = vec![
        ("X-Foo".to_owned(), "one".to_owned()),
        ("x-foo".to_owned(), "two".to_owned()),
        ("x-bar".to_owned(), "b".to_owned()),
    ];
    let r = call_echo(server.local_addr(), "grpc.example.com", "Echo", &md, LIMIT)
        .await
        .unwrap();
    assert_eq!(r.code, Code::Ok, "{}", r.message);
    assert_eq!(r.headers["content-type"], "application/grpc");
    assert_eq!(r.trailers["grpc-status"], "0");
    assert!(r.headers.get("content-length").is_none());
    let resp = r.response.unwrap();
    assert_eq!(
        resp.fully_qualified_method(),
        "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo"
    );
    assert_eq!(resp.namespace(), "gateway-conformance-infra");
    assert!(resp.pod().starts_with("infra-backend-v1"));
    let a = resp.assertions.unwrap();
    assert_eq!(a.authority, "grpc.example.com");
    assert_eq!(a.context.as_ref().unwrap().service_name, "infra-backend-v1");
    assert_eq!(
        a.header_values(":authority").collect::<Vec<_>>(),
        ["grpc.example.com"]
    );
    assert_eq!(a.header_values("x-foo").collect::<Vec<_>>(), ["one", "two"]);
    assert_eq!(a.header_values("x-bar").collect::<Vec<_>>(), ["b"]);
    assert_eq!(
        a.header_values("content-type").collect::<Vec<_>>(),
        ["application/grpc"]
    );
    assert_eq!(a.header_values("te").count(), 0);
    assert_eq!(a.header_values("grpc-timeout").count(), 0);

    let two = call_echo(server.local_addr(), "", "EchoTwo", &[], LIMIT)
        .await
        .unwrap();
    assert_eq!(two.code, Code::Ok);
    let two = two.response.unwrap();
    assert!(two.fully_qualified_method().ends_with("GrpcEcho/EchoTwo"));
    assert_eq!(
        two.assertions.unwrap().authority,
        server.local_addr().to_string()
    );
    assert_eq!(
        server
            .log()
            .count_containing("request made to /gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo to client (127.0.0.1:"),
        1
    );
}

#[tokio::test]
async fn grpc_unimplemented_methods_and_services() {
    let server = start(EchoMode::Grpc).await;
    let addr = server.local_addr();
    let three = call_echo(addr, "x", "EchoThree", &[], LIMIT).await.unwrap();
    assert_eq!(three.code, Code::Unimplemented);
    assert!(three.response.is_none());
    // Trailers-only: the status arrives in the headers.
    assert_eq!(three.headers["grpc-status"], "12");
    let other = call_echo(addr, "x", "/other.Service/Echo", &[], LIMIT)
        .await
        .unwrap();
    assert_eq!(other.code, Code::Unimplemented);
    assert_eq!(other.message, "unknown service other.Service");
    let m = call_echo(addr, "x", "EchoFour", &[], LIMIT).await.unwrap();
    assert_eq!(m.code, Code::Unimplemented);
    assert_eq!(server.log().lines().len(), 0);
}

#[tokio::test]
async fn grpc_client_maps_http_answers() {
    // The HTTP echo answers the gRPC request path with JSON: not a gRPC response.
    let server = start(EchoMode::Http).await;
    let addr = server.local_addr();
    let r = call_echo(addr, "x", "Echo", &[], LIMIT).await.unwrap();
    assert_eq!(r.code, Code::Internal);
    // HTTP statuses map like gRPC clients map them.
    let r = call_echo(addr, "x", "/status/404", &[], LIMIT)
        .await
        .unwrap();
    assert_eq!(r.code, Code::Unimplemented);
    let r = call_echo(addr, "x", "/status/503", &[], LIMIT)
        .await
        .unwrap();
    assert_eq!(r.code, Code::Unavailable);

    // Nothing listening: a transport error that gRPC would report as Unavailable.
    drop(server);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let e = call_echo(closed, "x", "Echo", &[], LIMIT)
        .await
        .unwrap_err();
    assert!(matches!(e, GrpcClientError::Connect { .. }), "{e}");
    assert_eq!(e.code(), Code::Unavailable);
}

#[tokio::test]
async fn grpc_call_times_out() {
    // A listener that accepts but never speaks HTTP/2.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        tokio::time::sleep(LIMIT).await;
        drop(s);
    });
    let e = call_echo(addr, "x", "Echo", &[], Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(e, GrpcClientError::Timeout(_)), "{e}");
    assert_eq!(e.code(), Code::DeadlineExceeded);
    hold.abort();
}

/// Reads a child's stdout lines on a thread, so they can be awaited with a timeout.
fn line_reader(stdout: std::process::ChildStdout) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[tokio::test]
async fn cli_serves_logs_to_stdout_and_stops_on_sigint() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(["echo", "--listen", "127.0.0.1:0", "--pod", "cli-pod-1"])
        .env("NAMESPACE", "cli-ns")
        .env_remove("POD_NAME")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = line_reader(child.stdout.take().unwrap());
    let first = lines.recv_timeout(LIMIT).unwrap();
    let addr: SocketAddr = first
        .strip_prefix("Starting server, listening on ")
        .and_then(|r| r.strip_suffix(" (http)"))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .unwrap();

    let r = h1(addr, get("/cli?x=1", "cli.example")).await.unwrap();
    let j = r.json();
    assert_eq!(j["pod"], "cli-pod-1");
    assert_eq!(j["namespace"], "cli-ns");
    assert_eq!(j["httpPort"], addr.port().to_string());
    let logged = lines.recv_timeout(LIMIT).unwrap();
    assert!(
        logged.starts_with("Echoing back request made to /cli?x=1 to client (127.0.0.1:"),
        "{logged:?}"
    );

    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("gwproxy echo did not stop on SIGINT");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn cli_rejects_a_bad_listen_address() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(["echo", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}

/// A masked client frame (RFC 6455 §5.2).
fn client_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x12u8, 0x34, 0x56, 0x78];
    let mut f = vec![first_byte];
    if payload.len() < 126 {
        f.push(0x80 | payload.len() as u8);
    } else {
        f.push(0x80 | 126);
        f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// Reads one unmasked server frame: (first byte, payload).
async fn server_frame(s: &mut tokio::net::TcpStream) -> (u8, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    let read = async {
        let mut head = [0u8; 2];
        s.read_exact(&mut head).await.expect("frame head");
        assert_eq!(head[1] & 0x80, 0, "server frames are not masked");
        let len = match head[1] & 0x7f {
            126 => usize::from(s.read_u16().await.expect("length")),
            127 => usize::try_from(s.read_u64().await.expect("length")).expect("fits"),
            n => usize::from(n),
        };
        let mut payload = vec![0u8; len];
        s.read_exact(&mut payload).await.expect("payload");
        (head[0], payload)
    };
    tokio::time::timeout(LIMIT, read)
        .await
        .expect("frame in time")
}

#[tokio::test]
async fn websocket_echoes_frames() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start(EchoMode::Http).await;
    let mut s = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    s.write_all(
        b"GET /ws HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
          Origin: ws://gateway/test\r\n\r\n",
    )
    .await
    .unwrap();
    // Read the handshake response byte by byte up to the blank line.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let b = tokio::time::timeout(LIMIT, s.read_u8())
            .await
            .expect("in time")
            .unwrap();
        head.push(b);
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
        "{head}"
    );

    s.write_all(&client_frame(0x81, b"Websocket Support!"))
        .await
        .unwrap();
    assert_eq!(
        server_frame(&mut s).await,
        (0x81, b"Websocket Support!".to_vec())
    );
    s.write_all(&client_frame(0x82, &[1, 2, 3, 4, 5, 6, 7]))
        .await
        .unwrap();
    assert_eq!(
        server_frame(&mut s).await,
        (0x82, vec![1, 2, 3, 4, 5, 6, 7])
    );
    let big = vec![7u8; 300];
    s.write_all(&client_frame(0x82, &big)).await.unwrap();
    assert_eq!(server_frame(&mut s).await, (0x82, big));
    s.write_all(&client_frame(0x89, b"p")).await.unwrap();
    assert_eq!(server_frame(&mut s).await, (0x8A, b"p".to_vec()));
    s.write_all(&client_frame(0x88, &1000u16.to_be_bytes()))
        .await
        .unwrap();
    assert_eq!(
        server_frame(&mut s).await,
        (0x88, 1000u16.to_be_bytes().to_vec())
    );
    assert_eq!(
        server
            .log()
            .count_containing("established websocket connection 127.0.0.1:"),
        1
    );

    // A plain GET of /ws is refused.
    let r = h1(server.local_addr(), get("/ws", "h")).await.unwrap();
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
