//! `/ws`: the WebSocket echo endpoint (RFC 6455 over HTTP/1.1 `Upgrade`). Every data frame
//! (text, binary, continuation) is sent back with the same opcode, FIN bit and payload; pings
//! are answered with pongs; a close frame is echoed and ends the connection.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::ConnInfo;
use super::Shared;
use super::http::HttpBody;

/// Largest frame payload accepted (bigger ones close the connection with 1009).
const MAX_PAYLOAD: u64 = 16 * 1024 * 1024;

/// The GUID RFC 6455 §1.3 appends to the key.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

fn has_token(req: &Request<Incoming>, name: http::header::HeaderName, token: &str) -> bool {
    req.headers().get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

/// SHA-1 (FIPS 180-4), only for the handshake's accept key.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4).
pub(crate) fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2).
pub(crate) fn accept_key(key: &str) -> String {
    base64(&sha1(format!("{key}{GUID}").as_bytes()))
}

fn bad_request(message: &'static str) -> Response<HttpBody> {
    let mut r = Response::new(Full::new(Bytes::from_static(message.as_bytes())));
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

/// Answers `/ws`: 101 and a background echo task for a valid WebSocket handshake, 400
/// otherwise.
pub(crate) fn upgrade(
    shared: &Arc<Shared>,
    conn: &Arc<ConnInfo>,
    mut req: Request<Incoming>,
) -> Response<HttpBody> {
    if req.method() != Method::GET
        || req.version() != http::Version::HTTP_11
        || !has_token(&req, UPGRADE, "websocket")
        || !has_token(&req, CONNECTION, "upgrade")
    {
        return bad_request("WebSocket endpoint: expected a GET with Upgrade: websocket");
    }
    if req
        .headers()
        .get("sec-websocket-version")
        .is_none_or(|v| v.as_bytes() != b"13")
    {
        let mut r = bad_request("WebSocket endpoint: only Sec-WebSocket-Version 13 is supported");
        r.headers_mut()
            .insert("sec-websocket-version", HeaderValue::from_static("13"));
        return r;
    }
    let Some(accept) = req
        .headers()
        .get(SEC_WEBSOCKET_KEY)
        .and_then(|k| k.to_str().ok())
        .map(|k| accept_key(k.trim()))
        .and_then(|a| HeaderValue::from_str(&a).ok())
    else {
        return bad_request("WebSocket endpoint: Sec-WebSocket-Key is missing");
    };
    shared
        .log
        .record(format!("established websocket connection {}", conn.remote));
    let on_upgrade = hyper::upgrade::on(&mut req);
    let mut stop = conn.stop.clone();
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            tokio::select! {
                _ = echo_frames(TokioIo::new(upgraded)) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
    });
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(SEC_WEBSOCKET_ACCEPT, accept);
    r
}

/// Writes one unmasked frame.
async fn write_frame<W: AsyncWrite + Unpin>(
    w: &mut W,
    first_byte: u8,
    payload: &[u8],
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(10);
    head.push(first_byte);
    match payload.len() {
        n @ 0..=125 => head.push(n as u8),
        n @ 126..=0xffff => {
            head.push(126);
            head.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            head.push(127);
            head.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    w.write_all(&head).await?;
    w.write_all(payload).await?;
    w.flush().await
}

/// Sends a close frame with `code` (RFC 6455 §7.4).
async fn close<W: AsyncWrite + Unpin>(w: &mut W, code: u16) -> std::io::Result<()> {
    write_frame(w, 0x88, &code.to_be_bytes()).await
}

/// The echo loop over an upgraded connection; returns when the peer closes or errs.
pub(crate) async fn echo_frames<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
) -> std::io::Result<()> {
    loop {
        let mut head = [0u8; 2];
        s.read_exact(&mut head).await?;
        let (first, opcode) = (head[0], head[0] & 0x0f);
        let masked = head[1] & 0x80 != 0;
        let len = match head[1] & 0x7f {
            126 => u64::from(s.read_u16().await?),
            127 => s.read_u64().await?,
            n => u64::from(n),
        };
        if first & 0x70 != 0 || !masked {
            // Reserved bits without an extension, or an unmasked client frame: protocol error.
            return close(&mut s, 1002).await;
        }
        if len > MAX_PAYLOAD {
            return close(&mut s, 1009).await;
        }
        let mut mask = [0u8; 4];
        s.read_exact(&mut mask).await?;
        let mut payload = vec![0u8; usize::try_from(len).unwrap_or(0)];
        s.read_exact(&mut payload).await?;
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        match opcode {
            0x0..=0x2 => write_frame(&mut s, first, &payload).await?,
            0x8 => {
                write_frame(&mut s, 0x88, &payload).await?;
                return Ok(());
            }
            0x9 => write_frame(&mut s, 0x8A, &payload).await?,
            0xA => {}
            _ => return close(&mut s, 1002).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_vectors() {
        let hex = |d: [u8; 20]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            hex(sha1(&[b'a'; 1000])),
            "291e9a6c66994949b57ba5e650361e98fc36b1ba"
        );
    }

    #[test]
    fn base64_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn accept_key_of_rfc_6455() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
