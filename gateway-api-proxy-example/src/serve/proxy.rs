//! The request path: lookup, filters, backend pick, forwarding.

use crate::grpc::{self, Code};
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body as _, Incoming};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};

use super::table::{Backend, Rule, RuleFilter};
use super::{ConnInfo, Failover, Limits, Shared};

/// Errors of bodies in either direction.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// The body type of forwarded requests and of responses.
pub(crate) type Body = UnsyncBoxBody<Bytes, BoxError>;

fn empty() -> Body {
    Empty::new()
        .map_err(|e: Infallible| match e {})
        .boxed_unsync()
}

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into())
        .map_err(|e: Infallible| match e {})
        .boxed_unsync()
}

fn incoming(b: Incoming) -> Body {
    b.map_err(|e| -> BoxError { Box::new(e) }).boxed_unsync()
}

/// Pooled upstream clients.
/// An HTTP/1.1 connection to an endpoint.
type H1Sender = hyper::client::conn::http1::SendRequest<Body>;
/// Idle HTTP/1.1 connections per endpoint (ordered map: with a few endpoints, some
/// comparisons cost less than hashing a socket address with SipHash).
/// Each with the time it went idle.
type H1Idle = Arc<Mutex<BTreeMap<SocketAddr, Vec<(H1Sender, Instant)>>>>;
/// Idle connections kept per endpoint.
const MAX_IDLE_PER_ENDPOINT: usize = 256;
/// A pooled connection idle for at least this long may have been closed by the backend
/// (its keep-alive timeout) while our request crossed its FIN on the wire. Idempotent
/// requests without a body (RFC 9110 section 9.2.2) sent on such a connection keep a copy
/// of their head, so they can be sent again on a new connection when the old one fails
/// before any response byte (RFC 9112 section 9.3.1 allows it). Connections reused sooner
/// (the busy case) cost no copy: no server times keep-alive out in under a millisecond.
const REPLAY_AFTER_IDLE: Duration = Duration::from_millis(1);

pub(crate) struct Upstream {
    /// For upgrades (the pooled client hands the upgraded connection over).
    http1: Client<HttpConnector, Body>,
    /// Keep-alive HTTP/1.1 connections per endpoint: a connection goes back when its response
    /// body has been read to the end.
    h1_idle: H1Idle,
    h2: Mutex<HashMap<SocketAddr, hyper::client::conn::http2::SendRequest<Body>>>,
    failover: Failover,
    connect_timeout: Duration,
}

/// Why forwarding failed.
#[derive(Debug)]
enum UpstreamError {
    /// The connection could not be made (502, endpoint skipped for a while).
    Connect(String),
    /// Anything else (502).
    Other(String),
}

impl Upstream {
    pub(crate) fn new(limits: &Limits) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(limits.connect_timeout));
        let http1 = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Self {
            http1,
            h1_idle: Arc::new(Mutex::new(BTreeMap::new())),
            h2: Mutex::new(HashMap::new()),
            failover: Failover::default(),
            connect_timeout: limits.connect_timeout,
        }
    }

    async fn h2_sender(
        &self,
        addr: SocketAddr,
    ) -> Result<hyper::client::conn::http2::SendRequest<Body>, UpstreamError> {
        let cached = self
            .h2
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&addr)
            .cloned();
        if let Some(s) = cached
            && !s.is_closed()
            && s.is_ready()
        {
            return Ok(s);
        }
        let stream =
            tokio::time::timeout(self.connect_timeout, tokio::net::TcpStream::connect(addr))
                .await
                .map_err(|_| UpstreamError::Connect(format!("connect to {addr}: timed out")))?
                .map_err(|e| UpstreamError::Connect(format!("connect to {addr}: {e}")))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| UpstreamError::Connect(format!("h2c handshake with {addr}: {e}")))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.h2
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(addr, sender.clone());
        Ok(sender)
    }

    /// An idle connection to `addr` that is ready, with the time it was idle, or a new one
    /// (`None`).
    async fn h1_checkout(
        &self,
        addr: SocketAddr,
    ) -> Result<(H1Sender, Option<Duration>), UpstreamError> {
        loop {
            let cached = self
                .h1_idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get_mut(&addr)
                .and_then(Vec::pop);
            let Some((mut sender, since)) = cached else {
                break;
            };
            if sender.is_closed() {
                continue;
            }
            if sender.ready().await.is_ok() {
                return Ok((sender, Some(since.elapsed())));
            }
        }
        Ok((self.h1_connect(addr).await?, None))
    }

    /// A new HTTP/1.1 connection to `addr`.
    async fn h1_connect(&self, addr: SocketAddr) -> Result<H1Sender, UpstreamError> {
        let stream =
            tokio::time::timeout(self.connect_timeout, tokio::net::TcpStream::connect(addr))
                .await
                .map_err(|_| UpstreamError::Connect(format!("connect to {addr}: timed out")))?
                .map_err(|e| UpstreamError::Connect(format!("connect to {addr}: {e}")))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::Builder::new()
            .writev(false)
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| UpstreamError::Connect(format!("HTTP/1.1 handshake with {addr}: {e}")))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    async fn send(
        &self,
        addr: SocketAddr,
        h2: bool,
        upgrade: bool,
        mut req: Request<Body>,
    ) -> Result<Response<Body>, UpstreamError> {
        if h2 {
            let mut sender = self.h2_sender(addr).await?;
            *req.version_mut() = Version::HTTP_2;
            // :authority comes from the URI; Host must not be sent as well.
            req.headers_mut().remove(header::HOST);
            sender
                .send_request(req)
                .await
                .map(|r| r.map(incoming))
                .map_err(|e| UpstreamError::Other(format!("h2c request to {addr}: {e}")))
        } else if upgrade {
            *req.version_mut() = Version::HTTP_11;
            self.http1
                .request(req)
                .await
                .map(|r| r.map(incoming))
                .map_err(|e| {
                    if e.is_connect() {
                        UpstreamError::Connect(format!("connect to {addr}: {e}"))
                    } else {
                        UpstreamError::Other(format!("request to {addr}: {e}"))
                    }
                })
        } else {
            *req.version_mut() = Version::HTTP_11;
            // A connection to one endpoint sends the origin form.
            if req.uri().authority().is_some() {
                let pq = req
                    .uri()
                    .path_and_query()
                    .cloned()
                    .unwrap_or_else(|| PathAndQuery::from_static("/"));
                *req.uri_mut() = Uri::from(pq);
            }
            let (mut sender, idle) = self.h1_checkout(addr).await?;
            let replay = match idle {
                Some(d) if d >= REPLAY_AFTER_IDLE => replayable_copy(&req),
                _ => None,
            };
            let resp = match sender.try_send_request(req).await {
                Ok(resp) => resp,
                Err(mut e) => match e.take_message().or(replay) {
                    // A pooled connection the backend closed while idle (its keep-alive
                    // timeout racing this checkout): either nothing was written (any request
                    // goes again), or the connection closed before any response byte and
                    // the request is idempotent with no body (its copy goes again). Not a
                    // failure of the endpoint: no failover mark.
                    Some(req) if idle.is_some() => {
                        tracing::debug!(
                            error = %e.into_error(),
                            %addr,
                            "stale pooled connection; request sent again on a new one"
                        );
                        sender = self.h1_connect(addr).await?;
                        sender
                            .send_request(req)
                            .await
                            .map_err(|e| UpstreamError::Other(format!("request to {addr}: {e}")))?
                    }
                    _ => {
                        return Err(UpstreamError::Other(format!(
                            "request to {addr}: {}",
                            e.into_error()
                        )));
                    }
                },
            };
            let back = (self.h1_idle.clone(), addr, sender);
            if resp.body().is_end_stream() {
                give_back(back);
                return Ok(resp.map(incoming));
            }
            Ok(resp.map(|b| {
                ReturnOnEnd {
                    inner: b,
                    back: Some(back),
                }
                .boxed_unsync()
            }))
        }
    }
}

/// The hyper service of one connection.
pub(crate) fn service(
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Body>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Body>, Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        let conn = conn.clone();
        async move { Ok(handle(shared, conn, req).await) }
    })
}

fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"))
}

/// A response made by the proxy itself. gRPC requests get a trailers-only response with the
/// gRPC status matching the HTTP status.
fn local(status: StatusCode, grpc: bool) -> Response<Body> {
    if grpc {
        // No route: UNIMPLEMENTED; timeout: DEADLINE_EXCEEDED; backend unusable or
        // unreachable: UNAVAILABLE.
        let code = match status {
            StatusCode::NOT_FOUND => Code::Unimplemented,
            StatusCode::GATEWAY_TIMEOUT => Code::DeadlineExceeded,
            _ => Code::Unavailable,
        };
        let mut r = Response::new(empty());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(grpc::CONTENT_TYPE),
        );
        grpc::put_status(
            r.headers_mut(),
            code,
            status.canonical_reason().unwrap_or("error"),
        );
        return r;
    }
    let mut r = Response::new(full(format!(
        "{} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The headers that describe one connection only (RFC 9110 section 7.6.1) and are never
/// forwarded, in the order of [`hop_by_hop_index`].
static HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    header::TE,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHORIZATION,
    header::PROXY_AUTHENTICATE,
    header::TRAILER,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
];

/// Position of `name` in [`HOP_BY_HOP`]: one string match (length, then bytes) per header
/// instead of nine comparisons.
fn hop_by_hop_index(name: &HeaderName) -> Option<usize> {
    Some(match name.as_str() {
        "connection" => 0,
        "te" => 1,
        "transfer-encoding" => 2,
        "upgrade" => 3,
        "proxy-authorization" => 4,
        "proxy-authenticate" => 5,
        "trailer" => 6,
        "keep-alive" => 7,
        "proxy-connection" => 8,
        _ => return None,
    })
}

/// Removes the hop-by-hop headers and those named in `Connection`; `TE: trailers` is kept
/// when `keep_te_trailers` (gRPC needs it). One pass over the names finds which are present
/// (usually none, or `Connection: keep-alive` alone).
fn strip_hop_by_hop(headers: &mut HeaderMap, keep_te_trailers: bool) {
    let mut present = 0u16;
    for name in headers.keys() {
        if let Some(i) = hop_by_hop_index(name) {
            present |= 1 << i;
        }
    }
    if present == 0 {
        return;
    }
    if present & 1 != 0 {
        // Names listed in `Connection`, other than the usual tokens (`close`, `keep-alive`,
        // `upgrade`: options, or headers removed below anyway).
        let mut named: Vec<HeaderName> = Vec::new();
        for value in headers.get_all(header::CONNECTION) {
            for token in value.as_bytes().split(|b| *b == b',') {
                let token = token.trim_ascii();
                if token.is_empty()
                    || token.eq_ignore_ascii_case(b"keep-alive")
                    || token.eq_ignore_ascii_case(b"close")
                    || token.eq_ignore_ascii_case(b"upgrade")
                {
                    continue;
                }
                if let Ok(n) = HeaderName::from_bytes(token) {
                    named.push(n);
                }
            }
        }
        for n in named {
            headers.remove(n);
        }
    }
    let te_trailers = keep_te_trailers
        && present & (1 << 1) != 0
        && headers
            .get(header::TE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("trailers"))
            });
    for (i, name) in HOP_BY_HOP.iter().enumerate() {
        if present & (1 << i) != 0 {
            headers.remove(name);
        }
    }
    if te_trailers {
        headers.insert(header::TE, HeaderValue::from_static("trailers"));
    }
}

/// What the access log and metrics record (labels shared with the configuration).
#[derive(Default)]
struct Outcome {
    gateway: Option<Arc<str>>,
    route: Option<Arc<str>>,
    backend: Option<Arc<str>>,
}

async fn handle(
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Response<Body> {
    let start = Instant::now();
    let logged = shared.access_log.then(|| {
        (
            req.method().clone(),
            req.uri()
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        )
    });
    let mut outcome = Outcome::default();
    let response = route(&shared, &conn, req, &mut outcome).await;
    let elapsed = start.elapsed();
    let code = response.status().as_u16();
    shared.metrics.record(
        outcome.gateway.as_deref().unwrap_or(""),
        outcome.route.as_deref().unwrap_or(""),
        code,
        elapsed,
    );
    if let Some((method, path)) = logged {
        let line = serde_json::json!({
            "client": conn.peer.to_string(),
            "method": method.as_str(),
            "path": path,
            "status": code,
            "gateway": outcome.gateway.as_deref(),
            "route": outcome.route.as_deref(),
            "backend": outcome.backend.as_deref(),
            "duration_us": u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        });
        tracing::info!(target: "gwproxy::access", "{line}");
    }
    response
}

/// The request's authority: `:authority` / absolute-form URI, else `Host`.
fn authority(parts: &http::request::Parts) -> Option<&str> {
    parts
        .uri
        .authority()
        .map(|a| a.as_str().rsplit_once('@').map_or(a.as_str(), |(_, h)| h))
        .or_else(|| {
            parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
        })
}

fn host_only(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split_once(']').map_or(authority, |(h, _)| h);
    }
    authority
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(authority, |(h, _)| h)
}

async fn route(
    shared: &Arc<Shared>,
    conn: &ConnInfo,
    req: Request<Incoming>,
    outcome: &mut Outcome,
) -> Response<Body> {
    let state = shared.state.load_full();
    let (mut parts, body) = req.into_parts();
    let grpc = is_grpc(&parts.headers);
    let Some(table) = state.tables.get(&conn.key.gateway) else {
        return local(StatusCode::NOT_FOUND, grpc);
    };
    let port = conn.key.port;

    // spec (GatewayHTTPSListenerDetectMisdirectedRequests): on an HTTPS port, a request
    // whose host selects another listener than the SNI did is misdirected: 421.
    if conn.tls {
        let host_listener = super::table::select_listener(
            table
                .listeners
                .iter()
                .enumerate()
                .filter(|(_, l)| l.port == port && l.https)
                .map(|(i, l)| (i, l.hostname.as_deref())),
            Some(host_only(authority(&parts).unwrap_or_default())),
        );
        if host_listener != conn.sni_listener {
            return local(StatusCode::MISDIRECTED_REQUEST, grpc);
        }
    }

    let Some(m) = table.matcher.lookup_parts(port, &parts) else {
        return local(StatusCode::NOT_FOUND, grpc);
    };
    if let Some(l) = table.listeners.get(m.listener.index) {
        outcome.gateway = Some(l.gateway.clone());
    }
    let Some(rule) = m.filters.first() else {
        return local(StatusCode::NOT_FOUND, grpc);
    };
    outcome.route = Some(rule.route.clone());
    let scheme = if conn.tls { "https" } else { "http" };
    let matched_prefix = rule.matched_prefix(m.match_index);

    // Filters, in the order written.
    // The request's `Origin` (as received), looked up only for rules with a CORS filter.
    let origin = rule
        .filters
        .iter()
        .any(|f| matches!(f, RuleFilter::Cors(_)))
        .then(|| {
            parts
                .headers
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .flatten();
    let mut response_mods = Vec::new();
    let mut cors_headers = Vec::new();
    let mut mirrors = Vec::new();
    let mut new_host: Option<String> = None;
    let mut new_path: Option<String> = None;
    for f in &rule.filters {
        match f {
            RuleFilter::RequestHeaders(h) => h.apply(&mut parts.headers),
            RuleFilter::ResponseHeaders(h) => response_mods.push(h),
            RuleFilter::Redirect(r) => {
                let input = super::filters::RedirectInput {
                    scheme,
                    host: host_only(authority(&parts).unwrap_or_default()),
                    listener_port: port,
                    path: parts.uri.path(),
                    query: parts.uri.query(),
                    matched_prefix,
                };
                let location = r.location(&input);
                let mut resp = Response::new(empty());
                *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::FOUND);
                if let Ok(v) = HeaderValue::from_str(&location) {
                    resp.headers_mut().insert(header::LOCATION, v);
                }
                for h in &response_mods {
                    h.apply(resp.headers_mut());
                }
                return resp;
            }
            RuleFilter::Rewrite(r) => {
                if let Some(h) = &r.hostname {
                    new_host = Some(h.clone());
                }
                if let Some(p) = &r.path {
                    new_path = Some(p.apply(parts.uri.path(), matched_prefix));
                }
            }
            RuleFilter::Mirror(m) => mirrors.push(m),
            RuleFilter::Cors(c) => {
                let Some(origin) = &origin else { continue };
                let preflight = parts.method == Method::OPTIONS
                    && parts.headers.contains_key("access-control-request-method");
                if preflight {
                    let answer = c.preflight(origin, &parts.headers);
                    let mut resp = Response::new(empty());
                    *resp.status_mut() = StatusCode::NO_CONTENT;
                    for (n, v) in answer.headers {
                        resp.headers_mut().insert(n, v);
                    }
                    return resp;
                }
                cors_headers.extend(c.actual(origin).headers);
            }
        }
    }

    // Backend.
    let Some(backend) = m.backends.pick(fastrand::u64(..)) else {
        // spec: no backend with a weight (or no backendRefs): 500.
        return local(StatusCode::INTERNAL_SERVER_ERROR, grpc);
    };
    let backend: Arc<Backend> = backend.clone();
    outcome.backend = Some(backend.label.clone());
    if backend.invalid.is_some() {
        return local(StatusCode::INTERNAL_SERVER_ERROR, grpc);
    }
    if backend.endpoints.is_empty() {
        return local(StatusCode::SERVICE_UNAVAILABLE, grpc);
    }
    for f in &backend.filters {
        match f {
            RuleFilter::RequestHeaders(h) => h.apply(&mut parts.headers),
            RuleFilter::ResponseHeaders(h) => response_mods.push(h),
            _ => {}
        }
    }

    // The forwarded request head.
    let path_and_query = match (&new_path, parts.uri.query()) {
        (Some(p), Some(q)) => PathAndQuery::try_from(format!("{p}?{q}")).ok(),
        (Some(p), None) => PathAndQuery::try_from(p.as_str()).ok(),
        (None, _) => parts.uri.path_and_query().cloned(),
    }
    .unwrap_or_else(|| PathAndQuery::from_static("/"));
    // The received Host, kept aside: the authority sent on may come from it, and it may be
    // named in `Connection` (removed below).
    let host_header = parts.headers.get(header::HOST).cloned();
    // An HTTP/1.1 protocol upgrade (WebSocket): forwarded with its `Upgrade`, then the two
    // connections are spliced.
    let upgrade = (parts.version == Version::HTTP_11)
        .then(|| {
            let asks = parts
                .headers
                .get_all(header::CONNECTION)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
            asks.then(|| parts.headers.get(header::UPGRADE).cloned())
                .flatten()
        })
        .flatten();
    let client_upgrade = upgrade
        .as_ref()
        .and_then(|_| parts.extensions.remove::<hyper::upgrade::OnUpgrade>());
    strip_hop_by_hop(&mut parts.headers, true);
    if let Some(u) = &upgrade {
        parts.headers.insert(header::UPGRADE, u.clone());
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
    let xff = match parts
        .headers
        .get(X_FORWARDED_FOR)
        .and_then(|v| v.to_str().ok())
    {
        Some(prev) => HeaderValue::from_str(&format!("{prev}, {}", conn.peer.ip())).ok(),
        None => Some(conn.peer_ip.clone()),
    };
    if let Some(v) = xff {
        parts.headers.insert(X_FORWARDED_FOR, v);
    }
    parts.headers.insert(
        X_FORWARDED_PROTO,
        HeaderValue::from_static(if conn.tls { "https" } else { "http" }),
    );
    // The authority sent on: the rewritten host, else the request's (URI, else Host). Only
    // parsed when something uses it: a Host header to set, or an h2c request (`:authority`).
    let has_host = parts.headers.contains_key(header::HOST);
    let needs_authority =
        new_host.is_some() || backend.h2c || grpc || !mirrors.is_empty() || !has_host;
    let out_authority = match &new_host {
        _ if !needs_authority => None,
        Some(h) => Authority::try_from(h.as_str()).ok(),
        None => parts.uri.authority().cloned().or_else(|| {
            host_header
                .as_ref()
                .and_then(|h| Authority::try_from(h.as_bytes()).ok())
        }),
    };
    // HTTP/1.1 upstreams get the authority as Host (kept as received unless rewritten).
    if (new_host.is_some() || !has_host)
        && let Some(v) = out_authority
            .as_ref()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    {
        parts.headers.insert(header::HOST, v);
    }
    let h2 = (backend.h2c || grpc) && upgrade.is_none();
    let mut head = Head {
        method: parts.method.clone(),
        authority: out_authority,
        path_and_query,
        headers: parts.headers,
        upgrade: upgrade.is_some(),
    };

    // Mirrors: fire-and-forget copies. A request body is teed to the mirrors as it streams
    // to the backend; a mirror that falls behind is cut off (its copy fails), never the
    // main request.
    let body_empty = body.is_end_stream();
    let mut taps = Vec::new();
    for mirror in mirrors {
        if mirror.backend.endpoints.is_empty()
            || (mirror.share < 1.0 && fastrand::f64() >= mirror.share)
        {
            continue;
        }
        let Some(i) = pick_endpoint(&shared.upstream.failover, &mirror.backend) else {
            continue;
        };
        let (Some(addr), Some(endpoint)) = (
            mirror.backend.endpoints.get(i).copied(),
            mirror.backend.authorities.get(i),
        ) else {
            continue;
        };
        let h2 = mirror.backend.h2c || grpc;
        let copy = if body_empty {
            empty()
        } else {
            let (tx, rx) = tokio::sync::mpsc::channel(MIRROR_BUFFER);
            let aborted = Arc::new(std::sync::atomic::AtomicBool::new(false));
            taps.push(MirrorTx {
                tx,
                aborted: aborted.clone(),
            });
            MirrorRx { rx, aborted }.boxed_unsync()
        };
        let Some(req) = head.request_to(endpoint, h2, copy, false) else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            if let Ok(r) = shared.upstream.send(addr, h2, false, req).await {
                // Drain the mirror's answer so the connection can be reused.
                let _ = r.into_body().collect().await;
            }
        });
    }
    let body = if taps.is_empty() {
        incoming(body)
    } else {
        Tee { inner: body, taps }.boxed_unsync()
    };

    // Boxed: keeps the connection's request future small (it is moved around by value).
    let attempt = Box::pin(forward(
        shared, &backend, h2, &mut head, rule, body, body_empty,
    ));
    // `timeouts.request` covers the whole transaction, response body included: 504 until the
    // response head, then the body is cut at the same deadline.
    let deadline = rule
        .request_timeout
        .map(|t| tokio::time::Instant::now() + t);
    let result = match deadline {
        Some(d) => tokio::time::timeout_at(d, attempt)
            .await
            .unwrap_or(Err(StatusCode::GATEWAY_TIMEOUT)),
        None => attempt.await,
    };
    let mut resp = match result {
        Ok(r) => r,
        Err(status) => {
            if status != StatusCode::SERVICE_UNAVAILABLE {
                shared
                    .metrics
                    .backend_errors
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            return local(status, grpc);
        }
    };
    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        let (Some(client), Some(backend)) = (
            client_upgrade,
            resp.extensions_mut().remove::<hyper::upgrade::OnUpgrade>(),
        ) else {
            return local(StatusCode::BAD_GATEWAY, grpc);
        };
        tokio::spawn(async move {
            let (Ok(client), Ok(backend)) = (client.await, backend.await) else {
                return;
            };
            let mut client = TokioIo::new(client);
            let mut backend = TokioIo::new(backend);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut backend).await;
        });
        return resp;
    }
    if resp.version() != Version::HTTP_2 {
        strip_hop_by_hop(resp.headers_mut(), false);
    }
    *resp.version_mut() = Version::HTTP_11;
    for h in response_mods {
        h.apply(resp.headers_mut());
    }
    for (n, v) in cors_headers {
        resp.headers_mut().insert(n, v);
    }
    match deadline {
        Some(d) if !resp.body().is_end_stream() => resp.map(|inner| {
            BodyDeadline {
                inner,
                sleep: Box::pin(tokio::time::sleep_until(d)),
                expired: false,
            }
            .boxed_unsync()
        }),
        _ => resp,
    }
}

/// A response body cut at the request's deadline (`timeouts.request`). The spec (Gateway
/// API v1.6.1, `HTTPRouteTimeouts.Request`) has the timeout cover "as close to the whole
/// request-response transaction as possible"; once the response head is sent no 504 can be
/// answered, so the body ends with an error instead: hyper then resets the HTTP/2 stream or
/// closes the HTTP/1.1 connection, and the client sees an incomplete response. The timer is
/// polled with the body (no task of its own).
struct BodyDeadline {
    inner: Body,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
    /// The error was returned: the body is over.
    expired: bool,
}

impl hyper::body::Body for BodyDeadline {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        use std::task::Poll;
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.expired = true;
                    Poll::Ready(Some(Err(
                        "timeouts.request expired while the response body was sent".into(),
                    )))
                }
                Poll::Pending => Poll::Pending,
            },
            // A body that is always ready (a fast long download) is cut too, once the timer
            // driver marked the deadline as passed.
            Poll::Ready(Some(Ok(_))) if this.sleep.is_elapsed() => {
                this.expired = true;
                Poll::Ready(Some(Err(
                    "timeouts.request expired while the response body was sent".into(),
                )))
            }
            ready => ready,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.expired || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// The forwarded request head, reusable for retries and mirrors.
struct Head {
    method: Method,
    /// The authority sent on (`:authority` for h2c upstreams).
    authority: Option<Authority>,
    path_and_query: PathAndQuery,
    headers: HeaderMap,
    /// An HTTP/1.1 upgrade is asked for.
    upgrade: bool,
}

impl Head {
    /// The request for endpoint `endpoint`. HTTP/1.1 upstreams keep the Host header and get
    /// the origin form (upgrades, sent through the pooled client, the endpoint as the URI's
    /// authority); h2c upstreams take `:authority` from the URI, so it carries the original
    /// authority (the connection is made to the endpoint regardless). `last`: no other
    /// attempt follows, the headers are moved, not copied.
    fn request_to(
        &mut self,
        endpoint: &Authority,
        h2: bool,
        body: Body,
        last: bool,
    ) -> Option<Request<Body>> {
        let mut req = Request::new(body);
        *req.method_mut() = self.method.clone();
        *req.headers_mut() = if last {
            std::mem::take(&mut self.headers)
        } else {
            self.headers.clone()
        };
        if !h2 && !self.upgrade {
            // A pooled HTTP/1.1 connection to the endpoint: the origin form is all it sends.
            *req.uri_mut() = Uri::from(self.path_and_query.clone());
            return Some(req);
        }
        let mut uri = http::uri::Parts::default();
        uri.scheme = Some(http::uri::Scheme::HTTP);
        uri.authority = Some(if h2 {
            self.authority.clone().unwrap_or_else(|| endpoint.clone())
        } else {
            endpoint.clone()
        });
        uri.path_and_query = Some(self.path_and_query.clone());
        *req.uri_mut() = Uri::from_parts(uri).ok()?;
        Some(req)
    }
}

/// The index of an endpoint not marked down (any endpoint when all are).
fn pick_endpoint(failover: &Failover, backend: &Backend) -> Option<usize> {
    let n = backend.endpoints.len();
    if n == 0 {
        return None;
    }
    let start = if n == 1 { 0 } else { fastrand::usize(..n) };
    if failover.is_empty() {
        return Some(start);
    }
    (0..n)
        .map(|i| (start + i) % n)
        .find(|i| {
            backend
                .endpoints
                .get(*i)
                .is_some_and(|a| !failover.is_down(a))
        })
        .or(Some(start))
}

async fn forward(
    shared: &Arc<Shared>,
    backend: &Backend,
    h2: bool,
    head: &mut Head,
    rule: &Rule,
    body: Body,
    body_empty: bool,
) -> Result<Response<Body>, StatusCode> {
    let upgrade = head.upgrade;
    let upstream = &shared.upstream;
    let retry = rule.retry.as_ref();
    // With a retry policy, a request body is kept (up to RETRY_BODY_LIMIT) as it streams,
    // so that a retry can send it again.
    let recording =
        (retry.is_some() && !body_empty).then(|| Arc::new(Mutex::new(Recording::default())));
    let body = match &recording {
        Some(rec) => Record {
            inner: body,
            rec: rec.clone(),
        }
        .boxed_unsync(),
        None => body,
    };
    let connect_tries = if body_empty {
        backend.endpoints.len().max(1)
    } else {
        1
    };
    let max_attempts = 1 + retry.map_or(0, |r| r.attempts as usize);
    let mut body = Some(body);
    let mut last = StatusCode::BAD_GATEWAY;
    let mut attempts = 0;
    let mut connect_failures = 0;
    while attempts < max_attempts {
        if attempts > 0
            && let Some(r) = retry
            && !r.backoff.is_zero()
        {
            tokio::time::sleep(r.backoff).await;
        }
        let Some(i) = pick_endpoint(&upstream.failover, backend) else {
            return Err(StatusCode::SERVICE_UNAVAILABLE);
        };
        let (Some(addr), Some(endpoint)) = (
            backend.endpoints.get(i).copied(),
            backend.authorities.get(i),
        ) else {
            return Err(StatusCode::BAD_GATEWAY);
        };
        // Another attempt may follow: a retry policy, or another endpoint to fail over to.
        let final_attempt = retry.is_none() && connect_failures + 1 >= connect_tries;
        let req_body = match body.take() {
            Some(b) if !body_empty => b,
            _ if body_empty => empty(),
            // A later attempt: the kept copy of the body, when it is whole.
            _ => match recording.as_deref().and_then(replay) {
                Some(b) => b,
                None => break,
            },
        };
        let Some(req) = head.request_to(endpoint, h2, req_body, final_attempt) else {
            return Err(StatusCode::BAD_REQUEST);
        };
        let sent = upstream.send(addr, h2, upgrade, req);
        let result = match rule.backend_timeout {
            Some(t) => match tokio::time::timeout(t, sent).await {
                Ok(r) => r,
                Err(_) => {
                    last = StatusCode::GATEWAY_TIMEOUT;
                    attempts += 1;
                    if retry.is_none() {
                        break;
                    }
                    continue;
                }
            },
            None => sent.await,
        };
        match result {
            Ok(resp) => {
                let code = resp.status().as_u16();
                if let Some(r) = retry
                    && r.codes.contains(&code)
                    && attempts + 1 < max_attempts
                    && (body_empty || recording.as_deref().is_some_and(Recording::replayable))
                {
                    attempts += 1;
                    last = resp.status();
                    continue;
                }
                return Ok(resp);
            }
            Err(UpstreamError::Connect(e)) => {
                tracing::debug!(error = %e, "backend connection failed");
                upstream.failover.mark(addr, shared.limits.failover_period);
                last = StatusCode::BAD_GATEWAY;
                connect_failures += 1;
                // A connection failure before anything was sent: try another endpoint.
                if connect_failures < connect_tries {
                    continue;
                }
                attempts += 1;
                if retry.is_none() {
                    break;
                }
            }
            Err(UpstreamError::Other(e)) => {
                tracing::debug!(error = %e, "backend request failed");
                last = StatusCode::BAD_GATEWAY;
                attempts += 1;
                if retry.is_none() {
                    break;
                }
            }
        }
    }
    Err(last)
}

/// The largest request body kept for retries (64 KiB). A body is kept, by reference to the
/// received chunks (no copy), while it streams to the backend, so that a retry policy can
/// send it again; a larger body is not retried (its first answer is returned), as proxies
/// bound the per-request buffer they keep for retries (Envoy's per-request buffer limit).
pub(crate) const RETRY_BODY_LIMIT: usize = 64 * 1024;

/// The request body seen so far, kept for a retry.
#[derive(Default)]
struct Recording {
    chunks: Vec<Bytes>,
    trailers: Option<HeaderMap>,
    size: usize,
    /// The end of the body was seen.
    complete: bool,
    /// More than [`RETRY_BODY_LIMIT`]: nothing is kept.
    overflow: bool,
}

impl Recording {
    /// The whole body is kept.
    fn replayable(rec: &Mutex<Self>) -> bool {
        let r = rec
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        r.complete && !r.overflow
    }
}

/// A body for another attempt: the kept copy, when it is whole.
fn replay(rec: &Mutex<Recording>) -> Option<Body> {
    let r = rec
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !r.complete || r.overflow {
        return None;
    }
    Some(
        Replay {
            chunks: r.chunks.clone().into_iter(),
            trailers: r.trailers.clone(),
            remaining: r.size as u64,
        }
        .boxed_unsync(),
    )
}

/// A request body on its way to the backend, kept in a [`Recording`].
struct Record {
    inner: Body,
    rec: Arc<Mutex<Recording>>,
}

impl hyper::body::Body for Record {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        use std::task::Poll;
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(r) = &polled {
            let end = this.inner.is_end_stream();
            let mut rec = this
                .rec
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match r {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        rec.size = rec.size.saturating_add(data.len());
                        if rec.size > RETRY_BODY_LIMIT {
                            rec.overflow = true;
                            rec.chunks = Vec::new();
                        } else if !rec.overflow {
                            rec.chunks.push(data.clone());
                        }
                    } else if let Some(t) = frame.trailers_ref() {
                        rec.trailers = Some(t.clone());
                    }
                    rec.complete |= end;
                }
                None => rec.complete = true,
                // A body that failed is not sent again.
                Some(Err(_)) => rec.overflow = true,
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// The kept copy of a request body, sent again.
struct Replay {
    chunks: std::vec::IntoIter<Bytes>,
    trailers: Option<HeaderMap>,
    /// Data bytes not yet sent.
    remaining: u64,
}

impl hyper::body::Body for Replay {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let frame = match this.chunks.next() {
            Some(data) => {
                this.remaining = this.remaining.saturating_sub(data.len() as u64);
                Some(Ok(hyper::body::Frame::data(data)))
            }
            None => this
                .trailers
                .take()
                .map(|t| Ok(hyper::body::Frame::trailers(t))),
        };
        std::task::Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.len() == 0 && self.trailers.is_none()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.remaining)
    }
}

/// Chunks a mirror may lag behind the main request before its copy is abandoned.
const MIRROR_BUFFER: usize = 64;

/// The sending side of one mirror's copy of the request body.
struct MirrorTx {
    tx: tokio::sync::mpsc::Sender<Bytes>,
    aborted: Arc<std::sync::atomic::AtomicBool>,
}

/// The request body on its way to the backend, copying data to the mirrors.
struct Tee {
    inner: Incoming,
    taps: Vec<MirrorTx>,
}

impl hyper::body::Body for Tee {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        use std::task::Poll;
        let this = self.get_mut();
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.taps.retain(|t| match t.tx.try_send(data.clone()) {
                        Ok(()) => true,
                        Err(_) => {
                            t.aborted.store(true, std::sync::atomic::Ordering::Release);
                            false
                        }
                    });
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                for t in this.taps.drain(..) {
                    t.aborted.store(true, std::sync::atomic::Ordering::Release);
                }
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Poll::Ready(None) => {
                this.taps.clear();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// A mirror's copy of the request body.
struct MirrorRx {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    aborted: Arc<std::sync::atomic::AtomicBool>,
}

impl hyper::body::Body for MirrorRx {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        use std::task::Poll;
        let this = self.get_mut();
        match this.rx.poll_recv(cx) {
            Poll::Ready(Some(b)) => Poll::Ready(Some(Ok(hyper::body::Frame::data(b)))),
            Poll::Ready(None) if this.aborted.load(std::sync::atomic::Ordering::Acquire) => {
                Poll::Ready(Some(Err(
                    "the mirror fell behind; its copy is abandoned".into()
                )))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A copy of `req` to send again if its connection fails before any response byte: only
/// for idempotent methods (RFC 9110 section 9.2.2) and requests without a body.
fn replayable_copy(req: &Request<Body>) -> Option<Request<Body>> {
    let idempotent = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    );
    if !idempotent || !req.body().is_end_stream() {
        return None;
    }
    let mut copy = Request::new(empty());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    Some(copy)
}

/// Returns a connection to the idle list.
fn give_back((pool, addr, sender): (H1Idle, SocketAddr, H1Sender)) {
    if sender.is_closed() {
        return;
    }
    let now = Instant::now();
    let mut idle = pool
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let list = idle.entry(addr).or_default();
    if list.len() < MAX_IDLE_PER_ENDPOINT {
        list.push((sender, now));
    }
}

/// A response body that gives its connection back once read to the end (a body dropped
/// earlier takes its connection with it).
struct ReturnOnEnd {
    inner: Incoming,
    back: Option<(H1Idle, SocketAddr, H1Sender)>,
}

impl hyper::body::Body for ReturnOnEnd {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        use std::task::Poll;
        let this = self.get_mut();
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                if let Some(back) = this.back.take() {
                    give_back(back);
                }
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.back = None;
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Poll::Ready(Some(Ok(frame))) => {
                if this.inner.is_end_stream()
                    && let Some(back) = this.back.take()
                {
                    give_back(back);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_connection_options_are_removed() {
        let mut h = HeaderMap::new();
        for (n, v) in [
            ("connection", "keep-alive, x-private"),
            ("keep-alive", "timeout=5"),
            ("x-private", "1"),
            ("transfer-encoding", "chunked"),
            ("te", "trailers, deflate"),
            ("x-kept", "yes"),
        ] {
            h.append(n, HeaderValue::from_static(v));
        }
        strip_hop_by_hop(&mut h, true);
        let names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-kept", "te"]);
        assert_eq!(h.get("te").map(|v| v.as_bytes()), Some(&b"trailers"[..]));
        let mut h = HeaderMap::new();
        h.append("te", HeaderValue::from_static("trailers"));
        h.append("x-a", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h, false);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn every_hop_by_hop_header_is_found_and_removed() {
        for (i, name) in HOP_BY_HOP.iter().enumerate() {
            assert_eq!(hop_by_hop_index(name), Some(i), "{name}");
        }
        assert_eq!(hop_by_hop_index(&header::CONTENT_TYPE), None);
        assert_eq!(hop_by_hop_index(&HeaderName::from_static("x-te")), None);
        let mut h = HeaderMap::new();
        for name in &HOP_BY_HOP {
            h.append(name.clone(), HeaderValue::from_static("x"));
            h.append(name.clone(), HeaderValue::from_static("y"));
        }
        h.append("x-kept", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h, true);
        let names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-kept"]);
    }

    #[test]
    fn host_only_drops_ports_and_brackets() {
        assert_eq!(host_only("example.com:8080"), "example.com");
        assert_eq!(host_only("example.com"), "example.com");
        assert_eq!(host_only("[::1]:80"), "::1");
    }
}
