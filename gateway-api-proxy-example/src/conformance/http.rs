//! Sending one case's HTTP request and judging the answer the way upstream's
//! `conformance/utils/http/http.go` (`CompareRoundTrip`) and
//! `utils/roundtripper/roundtripper.go` (`CaptureRoundTrip`) do.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, Limited};
use hyper_util::rt::TokioIo;
use serde::Deserialize;

use super::case::{Case, ExpectedRequest};

/// Largest response body read (echo JSON is a few KiB).
const MAX_BODY: usize = 1 << 20;

/// How a request travels (`request.protocol`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Cleartext HTTP/1.1 (`HTTP`, the default).
    Http1,
    /// Cleartext HTTP/2 with prior knowledge (`H2C_PRIOR_KNOWLEDGE`).
    H2c,
    /// TLS with this server name, trusting the suite's test CA; HTTP/2 (ALPN `h2`) when `h2`
    /// (`HTTP/2`), else HTTP/1.1 (`HTTPS`).
    Tls {
        /// SNI.
        server_name: String,
        /// Whether HTTP/2 is used.
        h2: bool,
    },
}

/// A request as the harness sends it (after defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireRequest {
    /// How it travels.
    pub transport: Transport,
    /// Method.
    pub method: String,
    /// `Host` header.
    pub host: String,
    /// Path with query.
    pub path: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Option<String>,
}

/// What the echo backend reported (`CapturedRequest`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Captured {
    /// Raw request URI incl. query.
    pub path: String,
    /// Host as received.
    pub host: String,
    /// Method.
    pub method: String,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub proto: String,
    /// Headers (Go canonical names) to values.
    pub headers: BTreeMap<String, Vec<String>>,
    /// Namespace of the echo Pod.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// `httpPort` of the echo.
    pub http_port: String,
}

/// What came back (`CapturedResponse`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapturedResponse {
    /// Status code.
    pub status: u16,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub protocol: String,
    /// Headers, lowercased names, values in order.
    pub headers: BTreeMap<String, Vec<String>>,
    /// The parsed `Location` of a redirect.
    pub redirect: Option<Location>,
}

/// Parts of a redirect `Location` (Go `url.URL` Scheme, Hostname(), Port(), Path).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// Scheme.
    pub scheme: String,
    /// Host without port.
    pub host: String,
    /// Port, empty if none.
    pub port: String,
    /// Path without query.
    pub path: String,
}

/// Why a round trip failed before any comparison.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoundTripError {
    /// Connecting, sending or reading failed.
    #[error("request failed: {0}")]
    Transport(String),
    /// No answer within the request timeout.
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// The response could not be read as the harness expects.
    #[error("unexpected response: {0}")]
    Response(String),
}

/// Builds the request of `case` (`MakeRequest`): method default GET, Host = `request.host`
/// or `default_host`, case headers, and `X-Echo-Set-Header` (always sent, empty unless the
/// case sets `backendSetResponseHeaders`). `path_suffix_query` is appended to the query.
pub fn make_request(case: &Case, default_host: &str, extra_query: Option<&str>) -> WireRequest {
    let r = &case.request;
    let mut path = r.path.clone().unwrap_or_else(|| "/".into());
    if path.is_empty() {
        path = "/".into();
    }
    if let Some(q) = extra_query {
        path.push(if path.contains('?') { '&' } else { '?' });
        path.push_str(q);
    }
    let host = match r.host.as_deref() {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => default_host.to_string(),
    };
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let set: Vec<String> = case
        .backend_set_response_headers
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    headers.push(("X-Echo-Set-Header".into(), set.join(",")));
    let transport = match r.protocol.as_deref() {
        Some("HTTPS") | Some("HTTP/2") => Transport::Tls {
            server_name: r
                .sni
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| host.split(':').next().unwrap_or_default().to_string()),
            h2: r.protocol.as_deref() == Some("HTTP/2"),
        },
        Some("H2C_PRIOR_KNOWLEDGE") => Transport::H2c,
        _ => Transport::Http1,
    };
    WireRequest {
        transport,
        method: r.method.clone().unwrap_or_else(|| "GET".into()),
        host,
        path,
        headers,
        body: r.body.clone(),
    }
}

/// Sends `req` over a fresh HTTP/1.1 connection to `addr` and captures the answer (redirects
/// are never followed). The echo JSON is parsed only when `Content-Type` is exactly
/// `application/json`; otherwise the backend is assumed to have seen the request's method
/// and nothing else, as upstream does.
pub async fn round_trip(
    addr: SocketAddr,
    req: &WireRequest,
    timeout: Duration,
) -> Result<(Captured, CapturedResponse), RoundTripError> {
    match tokio::time::timeout(timeout, round_trip_inner(addr, req)).await {
        Ok(r) => r,
        Err(_) => Err(RoundTripError::Timeout(timeout)),
    }
}

async fn round_trip_inner(
    addr: SocketAddr,
    req: &WireRequest,
) -> Result<(Captured, CapturedResponse), RoundTripError> {
    let transport = |e: &dyn std::fmt::Display| RoundTripError::Transport(e.to_string());
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| transport(&e))?;
    let _ = stream.set_nodelay(true);
    let h2 = matches!(
        req.transport,
        Transport::H2c | Transport::Tls { h2: true, .. }
    );
    let mut builder = http::Request::builder().method(req.method.as_str());
    builder = if h2 {
        // HTTP/2: the host travels as `:authority`, taken from the absolute URI.
        let scheme = if matches!(req.transport, Transport::H2c) {
            "http"
        } else {
            "https"
        };
        builder.uri(format!("{scheme}://{}{}", req.host, req.path))
    } else {
        builder
            .uri(req.path.as_str())
            .header(http::header::HOST, req.host.as_str())
    };
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let body = match &req.body {
        Some(b) => Full::new(Bytes::from(b.clone()))
            .map_err(|never| match never {})
            .boxed(),
        None => Empty::<Bytes>::new()
            .map_err(|never| match never {})
            .boxed(),
    };
    let request = builder.body(body).map_err(|e| transport(&e))?;
    let (parts, body) = match &req.transport {
        Transport::Http1 => send(TokioIo::new(stream), request, false).await?,
        Transport::H2c => send(TokioIo::new(stream), request, true).await?,
        Transport::Tls { server_name, h2 } => {
            let config = super::tls::client_config(*h2).map_err(RoundTripError::Transport)?;
            let name = rustls_pki_types::ServerName::try_from(server_name.clone())
                .map_err(|e| transport(&e))?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, stream)
                .await
                .map_err(|e| RoundTripError::Transport(format!("TLS handshake: {e}")))?;
            send(TokioIo::new(tls), request, *h2).await?
        }
    };

    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        headers
            .entry(name.as_str().to_ascii_lowercase())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let status = parts.status.as_u16();
    let redirect = if is_redirect(status) {
        let loc = parts
            .headers
            .get(http::header::LOCATION)
            .ok_or_else(|| RoundTripError::Response(format!("{status} without Location")))?;
        let loc = String::from_utf8_lossy(loc.as_bytes()).into_owned();
        Some(parse_location(&loc, &req.host).map_err(RoundTripError::Response)?)
    } else {
        None
    };
    let is_json = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/json");
    let captured = if is_json {
        serde_json::from_slice::<Captured>(&body)
            .map_err(|e| RoundTripError::Response(format!("echo JSON could not be read: {e}")))?
    } else {
        Captured {
            method: req.method.clone(),
            ..Captured::default()
        }
    };
    Ok((
        captured,
        CapturedResponse {
            status,
            protocol: version_name(parts.version).to_string(),
            headers,
            redirect,
        },
    ))
}

type Body = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

/// Sends one request over `io` (HTTP/1.1 or HTTP/2) and reads the whole (bounded) body.
async fn send<T>(
    io: TokioIo<T>,
    request: http::Request<Body>,
    h2: bool,
) -> Result<(http::response::Parts, Bytes), RoundTripError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let transport = |e: &dyn std::fmt::Display| RoundTripError::Transport(e.to_string());
    if h2 {
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                .await
                .map_err(|e| transport(&e))?;
        let task = tokio::spawn(conn);
        let r = sender.send_request(request).await;
        let r = match r {
            Ok(resp) => read(resp).await,
            Err(e) => Err(transport(&e)),
        };
        task.abort();
        r
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| transport(&e))?;
        let task = tokio::spawn(conn);
        let r = match sender.send_request(request).await {
            Ok(resp) => read(resp).await,
            Err(e) => Err(transport(&e)),
        };
        task.abort();
        r
    }
}

async fn read(
    resp: http::Response<hyper::body::Incoming>,
) -> Result<(http::response::Parts, Bytes), RoundTripError> {
    let (parts, body) = resp.into_parts();
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|e| RoundTripError::Transport(e.to_string()))?
        .to_bytes();
    Ok((parts, body))
}

/// Go's `resp.Proto` spelling of a version.
pub fn version_name(v: http::Version) -> &'static str {
    match v {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// Redirect codes (`roundtripper.IsRedirect`).
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 300..=303 | 307 | 308)
}

/// Timeout codes (`roundtripper.IsTimeoutError`).
pub fn is_timeout_code(status: u16) -> bool {
    matches!(status, 408 | 504)
}

/// Splits a `Location` (absolute, or relative to `http://<request host>`) into scheme,
/// hostname, port and path.
pub fn parse_location(loc: &str, request_host: &str) -> Result<Location, String> {
    let (scheme, rest) = match loc.split_once("://") {
        Some((s, r)) => (s.to_string(), r.to_string()),
        None if loc.starts_with('/') => ("http".to_string(), format!("{request_host}{loc}")),
        None => return Err(format!("Location {loc:?} is not a URL")),
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest, String::new()),
    };
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h.to_string(), p.trim_start_matches(':').to_string()),
            None => return Err(format!("Location {loc:?} has a broken IPv6 host")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.to_string()),
            None => (authority.to_string(), String::new()),
        }
    };
    Ok(Location {
        scheme,
        host,
        port,
        path,
    })
}

fn lower_map(m: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in m {
        out.entry(k.to_ascii_lowercase())
            .or_default()
            .extend(v.iter().cloned());
    }
    out
}

fn strip_spaces(s: &str) -> String {
    s.replace(' ', "")
}

/// Compares one round trip with the case (`CompareRoundTrip`); `Err` says what differs.
/// `request_path` is the path actually sent (with any request-id query appended);
/// `expected_path` overrides the expected backend path the same way.
pub fn compare(
    case: &Case,
    req: &WireRequest,
    expected_path: Option<&str>,
    cap: &Captured,
    res: &CapturedResponse,
) -> Result<(), String> {
    let mut codes = case.response.status_codes.clone();
    if codes.is_empty() {
        codes.push(200);
    }
    if is_timeout_code(res.status) && codes.iter().any(|c| is_timeout_code(*c)) {
        return Ok(());
    }
    if !codes.contains(&res.status) {
        return Err(format!(
            "expected status code to be one of {codes:?}, got {}",
            res.status
        ));
    }
    if let Some(p) = &case.response.protocol
        && !p.is_empty()
        && *p != res.protocol
    {
        return Err(format!("expected protocol {p}, got {}", res.protocol));
    }
    if res.status == 200 || res.status == 204 {
        let expected = match &case.expected_request {
            Some(e) => e.clone(),
            None => ExpectedRequest {
                host: case.request.host.clone(),
                method: case.request.method.clone(),
                path: case.request.path.clone(),
                headers: case.request.headers.clone(),
                ..ExpectedRequest::default()
            },
        };
        let method = expected
            .method
            .clone()
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "GET".into());
        if let Some(h) = expected.host.as_deref().filter(|h| !h.is_empty())
            && h != cap.host
        {
            return Err(format!("expected host to be {h}, got {}", cap.host));
        }
        let path = expected_path
            .map(str::to_string)
            .or(expected.path.clone())
            .unwrap_or_default();
        if path != cap.path {
            return Err(format!("expected path to be {path}, got {}", cap.path));
        }
        if method != cap.method {
            return Err(format!(
                "expected method to be {method}, got {}",
                cap.method
            ));
        }
        if case.namespace != cap.namespace {
            return Err(format!(
                "expected namespace to be {:?}, got {:?}",
                case.namespace, cap.namespace
            ));
        }
        let got_req = lower_map(&cap.headers);
        for (name, want) in &expected.headers {
            match got_req.get(&name.to_ascii_lowercase()) {
                None => {
                    return Err(format!(
                        "expected {name} header to be set, actual headers: {:?}",
                        cap.headers
                    ));
                }
                Some(v) if v.join(",") != *want => {
                    return Err(format!(
                        "expected {name} header to be set to {want}, got {}",
                        v.join(",")
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(p) = expected.http_port.as_deref().filter(|p| !p.is_empty())
            && p != cap.http_port
        {
            return Err(format!("expected httpPort {p:?}, got {:?}", cap.http_port));
        }
        let resp = &case.response;
        for (name, valid) in &resp.valid_header_values {
            let Some(v) = res.headers.get(&name.to_ascii_lowercase()) else {
                return Err(format!("expected response header {name} to be set"));
            };
            let mut got = v.join(",");
            let mut valid = valid.clone();
            if resp.ignore_whitespace {
                got = strip_spaces(&got);
                valid = valid.iter().map(|s| strip_spaces(s)).collect();
            }
            if !valid.contains(&got) {
                return Err(format!(
                    "expected response header {name} to be one of {valid:?}, got {got}"
                ));
            }
        }
        for (name, want) in &resp.headers {
            let Some(v) = res.headers.get(&name.to_ascii_lowercase()) else {
                return Err(format!("expected response header {name} to be set"));
            };
            let (mut got, mut want) = (v.join(","), want.clone());
            if resp.ignore_whitespace {
                got = strip_spaces(&got);
                want = strip_spaces(&want);
            }
            if got != want {
                return Err(format!(
                    "expected response header {name} to be {want}, got {got}"
                ));
            }
        }
        for name in &resp.absent_headers {
            if let Some(v) = res.headers.get(&name.to_ascii_lowercase()) {
                return Err(format!(
                    "expected response header {name} to be absent, got {v:?}"
                ));
            }
        }
        for name in &expected.absent_headers {
            if let Some(v) = got_req.get(&name.to_ascii_lowercase()) {
                return Err(format!(
                    "expected request header {name} to be absent at the backend, got {v:?}"
                ));
            }
        }
        if !cap.pod.starts_with(&case.backend) {
            return Err(format!(
                "expected pod name to start with {}, got {}",
                case.backend, cap.pod
            ));
        }
    } else if is_redirect(res.status) {
        let Some(want) = &case.redirect_request else {
            return Ok(());
        };
        let Some(got) = &res.redirect else {
            return Err("redirect without a Location".into());
        };
        let want_host = want.host.clone().filter(|h| !h.is_empty());
        if let Some(h) = want_host
            && h != got.host
        {
            return Err(format!(
                "expected redirected hostname to be {h:?}, got {:?}",
                got.host
            ));
        }
        match want.port.as_deref().filter(|p| !p.is_empty()) {
            None => {
                let scheme = got.scheme.to_ascii_lowercase();
                if scheme == "http" && !(got.port.is_empty() || got.port == "80") {
                    return Err(format!(
                        "for http scheme, expected redirected port to be 80 or not set, got {:?}",
                        got.port
                    ));
                }
                if scheme == "https" && !(got.port.is_empty() || got.port == "443") {
                    return Err(format!(
                        "for https scheme, expected redirected port to be 443 or not set, got {:?}",
                        got.port
                    ));
                }
            }
            Some(p) if p != got.port => {
                return Err(format!(
                    "expected redirected port to be {p:?}, got {:?}",
                    got.port
                ));
            }
            Some(_) => {}
        }
        let scheme = want
            .scheme
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                if matches!(req.transport, Transport::Tls { .. }) {
                    "https".into()
                } else {
                    "http".into()
                }
            });
        if scheme != got.scheme {
            return Err(format!(
                "expected redirected scheme to be {scheme:?}, got {:?}",
                got.scheme
            ));
        }
        let path = want
            .path
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| req.path.split('?').next().unwrap_or_default().to_string());
        if path != got.path {
            return Err(format!(
                "expected redirected path to be {path:?}, got {:?}",
                got.path
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::case::{RedirectRequest, Response};

    fn echo(path: &str, ns: &str, pod: &str) -> Captured {
        Captured {
            path: path.into(),
            method: "GET".into(),
            namespace: ns.into(),
            pod: pod.into(),
            ..Captured::default()
        }
    }

    fn ok(status: u16) -> CapturedResponse {
        CapturedResponse {
            status,
            protocol: "HTTP/1.1".into(),
            ..CapturedResponse::default()
        }
    }

    fn case(path: &str) -> Case {
        let mut c = Case::default();
        c.request.path = Some(path.into());
        c.backend = "infra-backend-v1".into();
        c.namespace = "ns".into();
        c
    }

    #[test]
    fn request_defaults_and_echo_set_header() {
        let mut c = case("/a?x=1");
        c.backend_set_response_headers
            .insert("X-A".into(), "1".into());
        let r = make_request(&c, "127.0.0.1", Some("id=7"));
        assert_eq!(r.method, "GET");
        assert_eq!(r.host, "127.0.0.1");
        assert_eq!(r.path, "/a?x=1&id=7");
        assert!(
            r.headers
                .contains(&("X-Echo-Set-Header".into(), "X-A:1".into()))
        );
    }

    #[test]
    fn protocol_selects_the_transport() {
        let mut c = case("/");
        c.request.host = Some("second-example.org".into());
        assert_eq!(make_request(&c, "h", None).transport, Transport::Http1);
        c.request.protocol = Some("HTTPS".into());
        assert_eq!(
            make_request(&c, "h", None).transport,
            Transport::Tls {
                server_name: "second-example.org".into(),
                h2: false
            }
        );
        c.request.protocol = Some("HTTP/2".into());
        c.request.sni = Some("example.org".into());
        assert_eq!(
            make_request(&c, "h", None).transport,
            Transport::Tls {
                server_name: "example.org".into(),
                h2: true
            }
        );
        c.request.protocol = Some("H2C_PRIOR_KNOWLEDGE".into());
        assert_eq!(make_request(&c, "h", None).transport, Transport::H2c);
    }

    #[test]
    fn https_redirects_default_to_the_https_scheme() {
        let mut c = case("/r");
        c.request.protocol = Some("HTTPS".into());
        c.request.host = Some("example.org".into());
        c.response.status_codes = vec![302];
        c.redirect_request = Some(RedirectRequest::default());
        let r = make_request(&c, "h", None);
        let mut res = ok(302);
        res.redirect = Some(parse_location("https://example.org/r", "x").unwrap());
        assert_eq!(compare(&c, &r, None, &Captured::default(), &res), Ok(()));
        res.redirect = Some(parse_location("http://example.org/r", "x").unwrap());
        assert!(compare(&c, &r, None, &Captured::default(), &res).is_err());
    }

    #[test]
    fn backend_path_namespace_and_pod_prefix_are_checked() {
        let c = case("/a");
        let r = make_request(&c, "h", None);
        let good = echo("/a", "ns", "infra-backend-v1-abc-def");
        assert_eq!(compare(&c, &r, None, &good, &ok(200)), Ok(()));
        let e = compare(
            &c,
            &r,
            None,
            &echo("/b", "ns", "infra-backend-v1-x-y"),
            &ok(200),
        );
        assert!(e.unwrap_err().contains("path"));
        let e = compare(
            &c,
            &r,
            None,
            &echo("/a", "other", "infra-backend-v1-x-y"),
            &ok(200),
        );
        assert!(e.unwrap_err().contains("namespace"));
        let e = compare(
            &c,
            &r,
            None,
            &echo("/a", "ns", "infra-backend-v2-x-y"),
            &ok(200),
        );
        assert!(e.unwrap_err().contains("pod name"));
        let e = compare(&c, &r, None, &good, &ok(404));
        assert!(e.unwrap_err().contains("status code"));
    }

    #[test]
    fn expected_request_headers_join_values_and_absent_headers() {
        let mut c = case("/a");
        let mut er = ExpectedRequest {
            path: Some("/a".into()),
            ..ExpectedRequest::default()
        };
        er.headers.insert("x-multi".into(), "a,b".into());
        er.absent_headers.push("X-Gone".into());
        c.expected_request = Some(er);
        let r = make_request(&c, "h", None);
        let mut cap = echo("/a", "ns", "infra-backend-v1-a-b");
        cap.headers
            .insert("X-Multi".into(), vec!["a".into(), "b".into()]);
        assert_eq!(compare(&c, &r, None, &cap, &ok(200)), Ok(()));
        cap.headers.insert("X-Gone".into(), vec!["1".into()]);
        assert!(compare(&c, &r, None, &cap, &ok(200)).is_err());
    }

    #[test]
    fn response_headers_valid_values_and_whitespace() {
        let mut c = case("/a");
        c.response = Response {
            status_codes: vec![200, 204],
            valid_header_values: [(
                "Access-Control-Allow-Methods".to_string(),
                vec!["GET, POST".to_string()],
            )]
            .into_iter()
            .collect(),
            ignore_whitespace: true,
            ..Response::default()
        };
        c.namespace = String::new();
        c.backend = String::new();
        let r = make_request(&c, "h", None);
        let mut res = ok(204);
        res.headers.insert(
            "access-control-allow-methods".into(),
            vec!["GET,POST".into()],
        );
        let cap = Captured {
            method: "GET".into(),
            path: "/a".into(),
            ..Captured::default()
        };
        assert_eq!(compare(&c, &r, None, &cap, &res), Ok(()));
        res.headers
            .insert("access-control-allow-methods".into(), vec!["PUT".into()]);
        assert!(compare(&c, &r, None, &cap, &res).is_err());
    }

    #[test]
    fn redirect_defaults() {
        let mut c = case("/port?x=1");
        c.response.status_codes = vec![302];
        c.redirect_request = Some(RedirectRequest {
            port: Some("8083".into()),
            ..RedirectRequest::default()
        });
        let r = make_request(&c, "example.org", None);
        let mut res = ok(302);
        res.redirect = Some(parse_location("http://example.org:8083/port", "x").unwrap());
        assert_eq!(compare(&c, &r, None, &Captured::default(), &res), Ok(()));
        res.redirect = Some(parse_location("http://example.org/port", "x").unwrap());
        assert!(compare(&c, &r, None, &Captured::default(), &res).is_err());
        // No port expected: http must be 80 or absent.
        c.redirect_request = Some(RedirectRequest::default());
        assert_eq!(compare(&c, &r, None, &Captured::default(), &res), Ok(()));
        res.redirect = Some(parse_location("http://example.org:81/port", "x").unwrap());
        assert!(compare(&c, &r, None, &Captured::default(), &res).is_err());
    }

    #[test]
    fn timeouts_match_any_listed_timeout_code() {
        let mut c = case("/t");
        c.response.status_codes = vec![504];
        let r = make_request(&c, "h", None);
        assert_eq!(
            compare(&c, &r, None, &Captured::default(), &ok(408)),
            Ok(())
        );
    }

    #[test]
    fn locations_are_split_like_go_url() {
        let l = parse_location("https://[::1]:8443/a/b?q#f", "h").unwrap();
        assert_eq!(
            (
                l.scheme.as_str(),
                l.host.as_str(),
                l.port.as_str(),
                l.path.as_str()
            ),
            ("https", "::1", "8443", "/a/b")
        );
        let l = parse_location("/x?y", "example.com:8080").unwrap();
        assert_eq!(
            (l.host.as_str(), l.port.as_str(), l.path.as_str()),
            ("example.com", "8080", "/x")
        );
        assert!(parse_location("nope", "h").is_err());
    }
}
