//! gRPC pieces shared by `gwproxy echo`, the proxy and the conformance client: status
//! [`Code`]s, message [`frame`] encoding and decoding, the GrpcEcho messages ([`proto`]), a
//! response body that ends with trailers ([`GrpcBody`]) and a small unary client
//! ([`call_echo`]).
//!
//! The wire protocol is gRPC over HTTP/2 (gRPC `doc/PROTOCOL-HTTP2.md`): a `POST` to
//! `/<package>.<Service>/<Method>` with `content-type: application/grpc` and `te: trailers`,
//! length-prefixed messages in the body, and the outcome in the `grpc-status` and
//! `grpc-message` trailers (or in the headers of a body-less "trailers-only" response).
//!
//! ```
//! use gateway_api_proxy_example::grpc::{Code, proto::{EchoResponse, Message}};
//!
//! assert_eq!(Code::Unimplemented.to_string(), "Unimplemented");
//! assert_eq!("OK".parse::<Code>().unwrap(), Code::Ok);
//! let r = EchoResponse::default();
//! assert_eq!(EchoResponse::decode(&r.encode_to_vec()).unwrap(), r);
//! ```

mod body;
mod client;
mod code;
pub mod frame;
pub mod proto;

pub use body::GrpcBody;
pub use client::{GrpcClientError, GrpcReply, call_echo};
pub use code::{Code, UnknownCodeName};

/// The GrpcEcho service's full name (package and service of `grpcecho.proto`).
pub const ECHO_SERVICE: &str = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";

/// `content-type` of gRPC requests and responses.
pub const CONTENT_TYPE: &str = "application/grpc";

/// The path of a GrpcEcho method, e.g. `echo_method_path("Echo")` =
/// `/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo` (this is also the
/// `fully_qualified_method` the echo server reports).
pub fn echo_method_path(method: &str) -> String {
    format!("/{ECHO_SERVICE}/{method}")
}

/// A body-less ("trailers-only") gRPC response: HTTP `status` (200 for a gRPC-level error),
/// `content-type: application/grpc`, and `grpc-status` / `grpc-message` in the headers.
pub fn trailers_only(
    status: http::StatusCode,
    code: Code,
    message: &str,
) -> http::Response<GrpcBody> {
    let mut r = http::Response::new(GrpcBody::empty());
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(CONTENT_TYPE),
    );
    put_status(h, code, message);
    r
}

/// Sets `grpc-status` to `code` and, when `message` is not empty, `grpc-message` to its
/// percent-encoding (in headers of a trailers-only response, or in trailers).
pub fn put_status(headers: &mut http::HeaderMap, code: Code, message: &str) {
    headers.insert(
        http::HeaderName::from_static("grpc-status"),
        http::HeaderValue::from(code.as_u32()),
    );
    if !message.is_empty()
        && let Ok(v) = http::HeaderValue::from_str(&encode_grpc_message(message))
    {
        headers.insert(http::HeaderName::from_static("grpc-message"), v);
    }
}

/// Percent-encodes a `grpc-message` value: bytes outside printable ASCII (0x20–0x7E) and `%`
/// become `%XX` (gRPC `doc/PROTOCOL-HTTP2.md`, "Status-Message").
pub fn encode_grpc_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for &b in message.as_bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes a `grpc-message` value; a `%` not followed by two hex digits is kept as is, and
/// bytes that do not form UTF-8 become U+FFFD.
pub fn decode_grpc_message(value: &[u8]) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'%'
            && let (Some(h), Some(l)) = (
                value.get(i + 1).and_then(|b| hex(*b)),
                value.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(value[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_message_percent_encoding() {
        let m = "unknown method Echo4 for 100% ünicode\n";
        let e = encode_grpc_message(m);
        assert_eq!(e, "unknown method Echo4 for 100%25 %C3%BCnicode%0A");
        assert_eq!(decode_grpc_message(e.as_bytes()), m);
        assert_eq!(decode_grpc_message(b"50%zz%4"), "50%zz%4");
    }

    #[test]
    fn trailers_only_response() {
        let r = trailers_only(http::StatusCode::OK, Code::Unimplemented, "no such method");
        assert_eq!(r.headers()["grpc-status"], "12");
        assert_eq!(r.headers()["grpc-message"], "no such method");
        assert_eq!(r.headers()["content-type"], "application/grpc");
        assert!(hyper::body::Body::is_end_stream(r.body()));
    }

    #[test]
    fn method_path() {
        assert_eq!(
            echo_method_path("EchoTwo"),
            "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo"
        );
    }
}
