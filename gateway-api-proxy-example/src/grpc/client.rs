//! A minimal unary gRPC client for the GrpcEcho service over cleartext HTTP/2.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue, TE, USER_AGENT};
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};

use super::frame::{FrameDecoder, FrameError, frame};
use super::proto::{EchoRequest, EchoResponse, Message};
use super::{Code, decode_grpc_message, echo_method_path};

/// The outcome of a call that got an HTTP/2 response.
#[derive(Clone, Debug)]
pub struct GrpcReply {
    /// The gRPC status: from `grpc-status` (trailers, or headers of a trailers-only
    /// response), or derived from the HTTP status / a malformed response as gRPC clients do.
    pub code: Code,
    /// The decoded `grpc-message`, or why the client chose `code`.
    pub message: String,
    /// The response message; only when `code` is OK.
    pub response: Option<EchoResponse>,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response trailers (empty for a trailers-only response).
    pub trailers: HeaderMap,
}

/// A call that did not get a response at all.
#[derive(Debug, thiserror::Error)]
pub enum GrpcClientError {
    /// The TCP connection failed.
    #[error("gRPC call: connecting to {addr}: {source}")]
    Connect {
        /// Address dialled.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// The HTTP/2 connection could not be set up.
    #[error("gRPC call: HTTP/2 handshake: {0}")]
    Handshake(#[source] hyper::Error),
    /// The authority, method or a metadata entry cannot be sent.
    #[error("gRPC call: invalid request: {0}")]
    InvalidRequest(String),
    /// The request failed before response headers arrived (connection or stream error).
    #[error("gRPC call: request failed: {0}")]
    Request(#[source] hyper::Error),
    /// The response body failed (connection or stream reset).
    #[error("gRPC call: reading the response body: {0}")]
    Body(#[source] hyper::Error),
    /// The response body is not a sequence of gRPC messages.
    #[error("gRPC call: {0}")]
    Frame(#[from] FrameError),
    /// No complete response within the timeout.
    #[error("gRPC call: no response within {0:?}")]
    Timeout(Duration),
}

impl GrpcClientError {
    /// The status a gRPC client library reports for this failure: Unavailable for transport
    /// failures, DeadlineExceeded for the timeout, Internal for a malformed response or
    /// request, ResourceExhausted for a too-large message.
    pub fn code(&self) -> Code {
        match self {
            GrpcClientError::Connect { .. }
            | GrpcClientError::Handshake(_)
            | GrpcClientError::Request(_)
            | GrpcClientError::Body(_) => Code::Unavailable,
            GrpcClientError::InvalidRequest(_) => Code::Internal,
            GrpcClientError::Frame(FrameError::TooLarge { .. }) => Code::ResourceExhausted,
            GrpcClientError::Frame(_) => Code::Internal,
            GrpcClientError::Timeout(_) => Code::DeadlineExceeded,
        }
    }
}

/// Calls a GrpcEcho method with an empty `EchoRequest` over a new cleartext HTTP/2 connection
/// (prior knowledge) to `addr`.
///
/// * `authority`: the `:authority` to send (the address when empty);
/// * `method`: `Echo`, `EchoTwo`, `EchoThree`, or a full path starting with `/`
///   (`/pkg.Service/Method`) to call something else;
/// * `metadata`: extra request headers, in order (keys are sent in lower case);
/// * `timeout`: bounds the whole call (also sent as `grpc-timeout`).
///
/// An HTTP status other than 200 maps to a code as gRPC does (404 → Unimplemented, 503 →
/// Unavailable, …); a 200 without a gRPC `content-type` or without a status is Internal; an
/// OK status needs exactly one response message. Transport failures are errors
/// ([`GrpcClientError::code`] gives the status a gRPC library would report).
pub async fn call_echo(
    addr: SocketAddr,
    authority: &str,
    method: &str,
    metadata: &[(String, String)],
    timeout: Duration,
) -> Result<GrpcReply, GrpcClientError> {
    match tokio::time::timeout(timeout, call(addr, authority, method, metadata, timeout)).await {
        Ok(r) => r,
        Err(_) => Err(GrpcClientError::Timeout(timeout)),
    }
}

/// `grpc-timeout` value: at most 8 digits and a unit (gRPC `doc/PROTOCOL-HTTP2.md`).
fn grpc_timeout(t: Duration) -> String {
    let ms = t.as_millis();
    if ms < 100_000_000 {
        format!("{}m", ms.max(1))
    } else {
        format!("{}S", t.as_secs().min(99_999_999))
    }
}

fn build_request(
    addr: SocketAddr,
    authority: &str,
    method: &str,
    metadata: &[(String, String)],
    timeout: Duration,
) -> Result<Request<Full<Bytes>>, GrpcClientError> {
    let path = if method.starts_with('/') {
        method.to_owned()
    } else {
        echo_method_path(method)
    };
    let authority = if authority.is_empty() {
        addr.to_string()
    } else {
        authority.to_owned()
    };
    let uri: Uri = format!("http://{authority}{path}").parse().map_err(|e| {
        GrpcClientError::InvalidRequest(format!("authority {authority:?} / method {path:?}: {e}"))
    })?;
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .body(Full::new(frame(&EchoRequest {}.encode_to_vec())))
        .map_err(|e| GrpcClientError::InvalidRequest(e.to_string()))?;
    let h = req.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(super::CONTENT_TYPE));
    h.insert(TE, HeaderValue::from_static("trailers"));
    h.insert(
        USER_AGENT,
        HeaderValue::from_static(concat!("gwproxy-grpc/", env!("CARGO_PKG_VERSION"))),
    );
    if let Ok(v) = HeaderValue::from_str(&grpc_timeout(timeout)) {
        h.insert(HeaderName::from_static("grpc-timeout"), v);
    }
    for (k, v) in metadata {
        let name = HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).map_err(|_| {
            GrpcClientError::InvalidRequest(format!("metadata key {k:?} is not a header name"))
        })?;
        let value = HeaderValue::from_str(v).map_err(|_| {
            GrpcClientError::InvalidRequest(format!("metadata {k:?}: value {v:?} is not sendable"))
        })?;
        h.append(name, value);
    }
    Ok(req)
}

async fn call(
    addr: SocketAddr,
    authority: &str,
    method: &str,
    metadata: &[(String, String)],
    timeout: Duration,
) -> Result<GrpcReply, GrpcClientError> {
    let req = build_request(addr, authority, method, metadata, timeout)?;
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|source| GrpcClientError::Connect { addr, source })?;
    let _ = stream.set_nodelay(true);
    let (mut send, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .handshake(TokioIo::new(stream))
        .await
        .map_err(GrpcClientError::Handshake)?;
    // Drives the connection; it ends once `send` and the response are dropped.
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let resp = send
        .send_request(req)
        .await
        .map_err(GrpcClientError::Request)?;
    let (parts, mut body) = resp.into_parts();
    let headers = parts.headers;
    let reply = |code, message: String, headers, trailers| GrpcReply {
        code,
        message,
        response: None,
        headers,
        trailers,
    };
    if parts.status != http::StatusCode::OK {
        let status = parts.status;
        return Ok(reply(
            Code::from_http_status(status.as_u16()),
            format!("unexpected HTTP status code received from server: {status}"),
            headers,
            HeaderMap::new(),
        ));
    }
    let grpc_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v == super::CONTENT_TYPE
                || v.starts_with("application/grpc+")
                || v.starts_with("application/grpc;")
        });
    if !grpc_type {
        let ct = headers
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        return Ok(reply(
            Code::Internal,
            format!("malformed header: unexpected content-type {ct:?}"),
            headers,
            HeaderMap::new(),
        ));
    }

    let mut decoder = FrameDecoder::default();
    let mut first = None;
    let mut extra = false;
    let mut trailers = HeaderMap::new();
    while let Some(f) = body.frame().await {
        let f = f.map_err(GrpcClientError::Body)?;
        match f.into_data() {
            Ok(data) => {
                decoder.push(&data);
                while let Some(m) = decoder.next_frame()? {
                    if first.is_some() {
                        extra = true;
                    } else {
                        first = Some(m);
                    }
                }
            }
            Err(f) => {
                if let Ok(t) = f.into_trailers() {
                    trailers.extend(t);
                }
            }
        }
    }
    decoder.finish()?;

    let status_from = |m: &HeaderMap| {
        m.get("grpc-status").map(|v| {
            let code = Code::from_grpc_status(v.as_bytes());
            let msg = m
                .get("grpc-message")
                .map(|v| decode_grpc_message(v.as_bytes()))
                .unwrap_or_default();
            match code {
                Some(c) => (c, msg),
                None => (
                    Code::Internal,
                    format!(
                        "malformed grpc-status {:?}",
                        String::from_utf8_lossy(v.as_bytes())
                    ),
                ),
            }
        })
    };
    let Some((code, message)) = status_from(&trailers).or_else(|| status_from(&headers)) else {
        return Ok(reply(
            Code::Internal,
            "server closed the stream without sending a grpc-status".into(),
            headers,
            trailers,
        ));
    };
    if code != Code::Ok {
        return Ok(reply(code, message, headers, trailers));
    }
    let only = match first {
        Some(m) if !extra => m,
        _ => {
            let got = if extra { "several" } else { "none" };
            return Ok(reply(
                Code::Internal,
                format!("cardinality violation: expected one response message, got {got}"),
                headers,
                trailers,
            ));
        }
    };
    if only.compressed {
        return Ok(reply(
            Code::Internal,
            "compressed response message without a negotiated grpc-encoding".into(),
            headers,
            trailers,
        ));
    }
    match EchoResponse::decode(&only.data) {
        Ok(r) => Ok(GrpcReply {
            code,
            message,
            response: Some(r),
            headers,
            trailers,
        }),
        Err(e) => Ok(reply(
            Code::Internal,
            format!("failed to decode the response: {e}"),
            headers,
            trailers,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_header() {
        assert_eq!(grpc_timeout(Duration::from_secs(5)), "5000m");
        assert_eq!(grpc_timeout(Duration::from_micros(10)), "1m");
        assert_eq!(grpc_timeout(Duration::from_secs(10_000_000)), "10000000S");
    }

    #[test]
    fn request_shape() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let r = build_request(
            addr,
            "",
            "Echo",
            &[("X-Foo".into(), "a".into()), ("x-foo".into(), "b".into())],
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(
            r.uri().to_string(),
            "http://127.0.0.1:9/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo"
        );
        assert_eq!(r.headers().get_all("x-foo").iter().count(), 2);
        assert_eq!(r.headers()["te"], "trailers");
        assert!(build_request(addr, "a b", "Echo", &[], Duration::from_secs(1)).is_err());
        assert!(
            build_request(
                addr,
                "x",
                "Echo",
                &[("bad key".into(), "v".into())],
                Duration::from_secs(1)
            )
            .is_err()
        );
    }
}
