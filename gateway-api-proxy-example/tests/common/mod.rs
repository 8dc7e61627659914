//! Shared helpers of the `serve_*` black-box tests: a tiny echo backend on loopback, manifest
//! builders and HTTP clients.
#![allow(dead_code, clippy::unwrap_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gateway_api_proxy_example::serve::{Bind, ConfigSource, Proxy, ServeOptions};
use gateway_api_types::{GatewayObject, parse_documents};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Every wait in these tests is bounded by this.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// A running echo backend.
pub struct Echo {
    /// Its address.
    pub addr: SocketAddr,
    /// `method path[ body]` of every request received.
    pub seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn echo_handle(
    name: String,
    seen: Arc<Mutex<Vec<String>>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/".to_owned(), |p| p.as_str().to_owned());
    let mut line = format!("{} {}", parts.method, path);
    if !body.is_empty() {
        line.push(' ');
        line.push_str(&String::from_utf8_lossy(&body));
    }
    seen.lock().unwrap().push(line);
    if let Some(ms) = parts
        .headers
        .get("x-delay-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let grpc = parts
        .headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
    let mut headers = serde_json::Map::new();
    for (k, v) in &parts.headers {
        let e = headers
            .entry(k.as_str().to_owned())
            .or_insert_with(|| json!([]));
        if let Some(a) = e.as_array_mut() {
            a.push(json!(String::from_utf8_lossy(v.as_bytes())));
        }
    }
    let host = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            parts
                .headers
                .get("host")
                .map(|h| h.to_str().unwrap_or("").to_owned())
        })
        .unwrap_or_default();
    let status = parts
        .uri
        .path()
        .strip_prefix("/status/")
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(200);
    let doc = json!({
        "backend": name,
        "method": parts.method.as_str(),
        "path": path,
        "host": host,
        "headers": headers,
        "version": format!("{:?}", parts.version),
        "body": String::from_utf8_lossy(&body),
    });
    let mut resp = Response::new(Full::new(Bytes::from(doc.to_string())));
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
    resp.headers_mut()
        .insert("x-backend", name.parse().unwrap());
    if grpc {
        resp.headers_mut()
            .insert("content-type", "application/grpc".parse().unwrap());
        resp.headers_mut()
            .insert("grpc-status", "0".parse().unwrap());
    } else {
        resp.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
    }
    if let Some(v) = parts.headers.get("x-echo-set-header")
        && let Some((n, val)) = v.to_str().unwrap_or("").split_once(':')
    {
        resp.headers_mut().insert(
            http::HeaderName::from_bytes(n.trim().as_bytes()).unwrap(),
            val.trim().parse().unwrap(),
        );
    }
    Ok(resp)
}

/// Starts an echo backend named `name` (HTTP/1.1 and h2c prior knowledge).
pub async fn echo(name: &str) -> Echo {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let name = name.to_owned();
    let s2 = seen.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let name = name.clone();
            let seen = s2.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    echo_handle(name.clone(), seen.clone(), req)
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Echo { addr, seen, task }
}

/// A Service `ns/name` with port `port` (named `http`) and an EndpointSlice pointing at
/// `addrs` (which must all share one port).
pub fn service_yaml(ns: &str, name: &str, port: u16, addrs: &[SocketAddr], h2c: bool) -> String {
    let target = addrs.first().map_or(1, |a| a.port());
    let app = if h2c {
        ", appProtocol: kubernetes.io/h2c"
    } else {
        ""
    };
    let endpoints: Vec<String> = addrs
        .iter()
        .map(|a| format!("- addresses: [\"{}\"]", a.ip()))
        .collect();
    format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\n\
         spec:\n  ports:\n  - {{name: http, port: {port}, targetPort: {target}{app}}}\n---\n\
         apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n\
         metadata:\n  name: {name}-1\n  namespace: {ns}\n  labels: {{kubernetes.io/service-name: {name}}}\n\
         addressType: IPv4\nports:\n- {{name: http, port: {target}}}\nendpoints:{}\n",
        if endpoints.is_empty() {
            " []".to_owned()
        } else {
            format!("\n{}", endpoints.join("\n"))
        }
    )
}

/// Objects parsed from YAML (for `extra_objects`).
pub fn objects(yaml: &str) -> Vec<GatewayObject> {
    parse_documents("extra.yaml", yaml)
        .into_iter()
        .map(|d| d.unwrap().object)
        .collect()
}

/// The GatewayClass and a Gateway `default/gw` with an HTTP listener on port 80 (+ more
/// listeners as YAML list items).
pub fn gateway_yaml(extra_listeners: &str) -> String {
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: gwproxy}}\n\
         spec: {{controllerName: example.net/gwproxy}}\n---\n\
         apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: gw, namespace: default}}\n\
         spec:\n  gatewayClassName: gwproxy\n  listeners:\n  - {{name: http, port: 80, protocol: HTTP}}\n{extra_listeners}"
    )
}

/// Starts a proxy on loopback (one socket per Gateway listener port).
pub async fn start(yaml: &str, extra: Vec<GatewayObject>) -> Proxy {
    let mut options = ServeOptions::new(
        ConfigSource::Inline(vec![("config.yaml".to_owned(), yaml.to_owned())]),
        Bind::PerGateway {
            ip: "127.0.0.1".parse().unwrap(),
        },
    );
    options.extra_objects = extra;
    options.channel = gateway_api_types::Channel::Experimental;
    tokio::time::timeout(TIMEOUT, Proxy::start(options))
        .await
        .unwrap()
        .unwrap()
}

/// An HTTP/1.1 client.
pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// An h2c (prior knowledge) client.
pub fn h2c_client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
    pub trailers: Option<http::HeaderMap>,
}

impl Answer {
    /// The body as JSON (the echo's description of the request).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// The first value of a request header the echo saw.
    pub fn seen_header(&self, name: &str) -> Option<String> {
        self.json()["headers"][name][0].as_str().map(str::to_owned)
    }

    /// A response header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request and reads the answer (bounded by [`TIMEOUT`]).
pub async fn send(
    client: &Client<HttpConnector, Full<Bytes>>,
    req: Request<Full<Bytes>>,
) -> Answer {
    let resp = tokio::time::timeout(TIMEOUT, client.request(req))
        .await
        .expect("request timed out")
        .expect("request failed");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let collected = tokio::time::timeout(TIMEOUT, resp.into_body().collect())
        .await
        .unwrap()
        .unwrap();
    let trailers = collected.trailers().cloned();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        trailers,
    }
}

/// `GET http://addr{path}` with `Host: host` and extra headers.
pub async fn get(addr: SocketAddr, host: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    request(addr, "GET", host, path, headers).await
}

/// A request with a method.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut b = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header("host", host);
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    send(&client(), b.body(Full::new(Bytes::new())).unwrap()).await
}

/// Sends one HTTP/2 (h2c prior knowledge) request over a new connection to `addr`; the
/// request's URI authority becomes `:authority`.
pub async fn h2c_send(addr: SocketAddr, req: Request<Full<Bytes>>) -> Answer {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let resp = tokio::time::timeout(TIMEOUT, sender.send_request(req))
        .await
        .expect("request timed out")
        .expect("request failed");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let collected = tokio::time::timeout(TIMEOUT, resp.into_body().collect())
        .await
        .unwrap()
        .unwrap();
    let trailers = collected.trailers().cloned();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        trailers,
    }
}

/// One HTTPRoute document (`---` first) attached to Gateway `default/gw`: `PathPrefix path` to
/// Service `service` port 80.
pub fn route(path: &str, service: &str, name: &str) -> String {
    format!(
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n\
         metadata: {{name: {name}, namespace: default}}\n\
         spec:\n  parentRefs: [{{name: gw}}]\n  \
         rules: [{{matches: [{{path: {{type: PathPrefix, value: {path}}}}}], backendRefs: [{{name: {service}, port: 80}}]}}]\n"
    )
}

/// A new, empty directory under the system's temporary directory, unique to this process and
/// call (`gwproxy-<prefix>-<tag>-<pid>-<random>`).
pub fn temp_dir(prefix: &str, tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gwproxy-{prefix}-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
