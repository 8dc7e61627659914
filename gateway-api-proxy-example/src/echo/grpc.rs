//! gRPC mode of the echo server: the GrpcEcho service of upstream
//! `conformance/echo-basic/grpc/grpc.go` (v1.6.1) over cleartext HTTP/2.

use std::convert::Infallible;
use std::sync::Arc;

use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::{ConnInfo, Shared};
use crate::grpc::frame::{FrameDecoder, frame};
use crate::grpc::proto::{Assertions, Context, EchoRequest, EchoResponse, Header, Message};
use crate::grpc::{Code, ECHO_SERVICE, GrpcBody, put_status, trailers_only};

/// Request metadata that gRPC servers consume themselves and do not show to the handler.
const HIDDEN: &[&str] = &[
    "te",
    "grpc-timeout",
    "grpc-encoding",
    "grpc-accept-encoding",
    "grpc-message-type",
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    "host",
];

/// The metadata the handler sees, in the order received: `:authority` first, then every value
/// of every header except those gRPC consumes itself.
fn metadata(req: &Request<Incoming>) -> (String, Vec<Header>) {
    let authority = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            req.headers()
                .get(http::header::HOST)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        })
        .unwrap_or_default();
    let mut headers = vec![Header {
        key: ":authority".into(),
        value: authority.clone(),
    }];
    for (name, value) in req.headers() {
        if HIDDEN.contains(&name.as_str()) {
            continue;
        }
        headers.push(Header {
            key: name.as_str().to_owned(),
            value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        });
    }
    (authority, headers)
}

/// Reads the single request message of a unary call.
async fn read_request(body: Incoming) -> Result<EchoRequest, (Code, String)> {
    let mut body = body;
    let mut decoder = FrameDecoder::default();
    let mut first = None;
    while let Some(f) = body.frame().await {
        let f = f.map_err(|e| (Code::Internal, format!("reading the request: {e}")))?;
        if let Ok(data) = f.into_data() {
            decoder.push(&data);
            while let Some(m) = decoder
                .next_frame()
                .map_err(|e| (Code::ResourceExhausted, e.to_string()))?
            {
                if first.is_some() {
                    // Stop reading at once: a unary call has one request message.
                    return Err((
                        Code::Internal,
                        "unary call got more than one request message".into(),
                    ));
                }
                first = Some(m);
            }
        }
    }
    decoder
        .finish()
        .map_err(|e| (Code::Internal, e.to_string()))?;
    let Some(only) = first else {
        return Err((Code::Internal, "unary call got no request message".into()));
    };
    if only.compressed {
        return Err((
            Code::Internal,
            "compressed request message without a supported grpc-encoding".into(),
        ));
    }
    EchoRequest::decode(&only.data)
        .map_err(|e| (Code::Internal, format!("error unmarshalling request: {e}")))
}

/// Serves one call of gRPC mode.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Result<Response<GrpcBody>, Infallible> {
    let is_grpc = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v == crate::grpc::CONTENT_TYPE
                || v.starts_with("application/grpc+")
                || v.starts_with("application/grpc;")
        });
    if !is_grpc {
        return Ok(trailers_only(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::Internal,
            "invalid gRPC request content-type",
        ));
    }
    if req.method() != Method::POST {
        return Ok(trailers_only(
            StatusCode::METHOD_NOT_ALLOWED,
            Code::Internal,
            "invalid gRPC request method",
        ));
    }
    let path = req.uri().path().to_owned();
    let Some((service, method)) = path.strip_prefix('/').and_then(|p| p.split_once('/')) else {
        return Ok(trailers_only(
            StatusCode::OK,
            Code::Unimplemented,
            &format!("malformed method name: {path:?}"),
        ));
    };
    if service != ECHO_SERVICE {
        return Ok(trailers_only(
            StatusCode::OK,
            Code::Unimplemented,
            &format!("unknown service {service}"),
        ));
    }
    match method {
        "Echo" | "EchoTwo" => {}
        "EchoThree" => {
            return Ok(trailers_only(
                StatusCode::OK,
                Code::Unimplemented,
                "method EchoThree not implemented",
            ));
        }
        _ => {
            return Ok(trailers_only(
                StatusCode::OK,
                Code::Unimplemented,
                &format!("unknown method {method} for service {service}"),
            ));
        }
    }
    shared.log.record(format!(
        "Echoing back request made to {path} to client ({})",
        conn.remote
    ));
    let (authority, headers) = metadata(&req);
    // Upstream does not copy the request into the response; it is read only to check that it
    // is one well-formed EchoRequest.
    if let Err((code, message)) = read_request(req.into_body()).await {
        return Ok(trailers_only(StatusCode::OK, code, &message));
    }
    let id = &shared.options.identity;
    let resp = EchoResponse {
        assertions: Some(Assertions {
            fully_qualified_method: path.clone(),
            headers,
            authority,
            context: Some(Context {
                namespace: id.namespace.clone(),
                ingress: String::new(),
                service_name: id.service.clone(),
                pod: id.pod.clone(),
            }),
            tls_assertions: None,
        }),
        request: None,
    };
    let mut trailers = HeaderMap::new();
    put_status(&mut trailers, Code::Ok, "");
    let mut r = Response::new(GrpcBody::new(frame(&resp.encode_to_vec()), Some(trailers)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(crate::grpc::CONTENT_TYPE),
    );
    Ok(r)
}
