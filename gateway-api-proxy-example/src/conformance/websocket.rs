//! A minimal WebSocket client (RFC 6455) for HTTPRouteBackendProtocolWebSocket: opening
//! handshake over HTTP/1.1, masked client frames, the echoed frames read back.
//!
//! The `Sec-WebSocket-Accept` value is checked for presence, not recomputed (that needs SHA-1,
//! which the crate does not carry outside the echo server); the test's point is that frames
//! cross the proxy unchanged.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::case::WebSocket;

/// Largest frame payload read back.
const MAX_PAYLOAD: u64 = 1 << 20;

/// One frame: opcode and payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// 1 = text, 2 = binary, 8 = close...
    pub opcode: u8,
    /// Payload.
    pub payload: Vec<u8>,
}

/// Standard base64 with padding (for the 16-byte `Sec-WebSocket-Key`).
pub fn base64(data: &[u8]) -> String {
    crate::echo::base64(data)
}

/// Encodes a final client frame, masked with `mask` (RFC 6455 §5.2–5.3).
pub fn encode_frame(opcode: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let mut out = vec![0x80 | (opcode & 0x0f)];
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | u8::try_from(len).unwrap_or(0));
    } else if let Ok(l) = u16::try_from(len) {
        out.push(0x80 | 126);
        out.extend_from_slice(&l.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

async fn read_frame<R: AsyncReadExt + Unpin>(r: &mut R) -> Result<Frame, String> {
    let io = |e: std::io::Error| format!("reading a frame: {e}");
    let mut head = [0u8; 2];
    r.read_exact(&mut head).await.map_err(io)?;
    let opcode = head[0] & 0x0f;
    let masked = head[1] & 0x80 != 0;
    let mut len = u64::from(head[1] & 0x7f);
    if len == 126 {
        let mut b = [0u8; 2];
        r.read_exact(&mut b).await.map_err(io)?;
        len = u64::from(u16::from_be_bytes(b));
    } else if len == 127 {
        let mut b = [0u8; 8];
        r.read_exact(&mut b).await.map_err(io)?;
        len = u64::from_be_bytes(b);
    }
    if len > MAX_PAYLOAD {
        return Err(format!("frame of {len} bytes is too large"));
    }
    let mut mask = [0u8; 4];
    if masked {
        r.read_exact(&mut mask).await.map_err(io)?;
    }
    let mut payload = vec![0u8; usize::try_from(len).map_err(|e| e.to_string())?];
    r.read_exact(&mut payload).await.map_err(io)?;
    if masked {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
    }
    Ok(Frame { opcode, payload })
}

/// Opens a WebSocket to `addr` (`Host: host`, `path`), sends the case's frames and checks each
/// comes back unchanged when `expectEcho`. Returns the handshake status on success.
pub async fn exchange(
    addr: SocketAddr,
    host: &str,
    path: &str,
    ws: &WebSocket,
    key: &str,
    timeout: Duration,
) -> Result<u16, String> {
    match tokio::time::timeout(timeout, exchange_inner(addr, host, path, ws, key)).await {
        Ok(r) => r,
        Err(_) => Err(format!("WebSocket exchange timed out after {timeout:?}")),
    }
}

async fn exchange_inner(
    addr: SocketAddr,
    host: &str,
    path: &str,
    ws: &WebSocket,
    key: &str,
) -> Result<u16, String> {
    let io = |e: std::io::Error| e.to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.map_err(io)?;
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    );
    if let Some(origin) = &ws.origin {
        req.push_str(&format!("Origin: {origin}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.map_err(io)?;
    // Response head, byte by byte up to the blank line (bounded).
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err("handshake response head too large".into());
        }
        let mut b = [0u8; 1];
        stream.read_exact(&mut b).await.map_err(io)?;
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad handshake response: {head:?}"))?;
    if status != 101 {
        return Err(format!(
            "expected status 101 Switching Protocols, got {status}"
        ));
    }
    let has = |name: &str| {
        head.lines()
            .any(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
    };
    if !has("sec-websocket-accept") {
        return Err("101 without Sec-WebSocket-Accept".into());
    }
    for (i, f) in ws.send.iter().enumerate() {
        let (opcode, payload) = match (&f.text, &f.binary) {
            (Some(t), _) => (1u8, t.as_bytes().to_vec()),
            (None, Some(b)) => (2u8, b.clone()),
            (None, None) => continue,
        };
        let mask = [0x5a, 0xc3, 0x19, u8::try_from(i % 256).unwrap_or(0)];
        stream
            .write_all(&encode_frame(opcode, &payload, mask))
            .await
            .map_err(io)?;
        if ws.expect_echo {
            let back = read_frame(&mut stream).await?;
            if back.opcode != opcode || back.payload != payload {
                return Err(format!(
                    "frame {}: sent opcode {opcode} {payload:?}, got opcode {} {:?}",
                    i + 1,
                    back.opcode,
                    back.payload
                ));
            }
        }
    }
    let _ = stream
        .write_all(&encode_frame(8, &[0x03, 0xe8], [1, 2, 3, 4]))
        .await;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn echo_backend_returns_text_and_binary_frames() {
        use crate::echo::{EchoIdentity, EchoMode, EchoOptions, EchoServer};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = EchoServer::spawn(
            listener,
            EchoOptions {
                identity: EchoIdentity {
                    pod: "p".into(),
                    namespace: "n".into(),
                    service: String::new(),
                },
                mode: EchoMode::Http,
                http_port: "3000".into(),
            },
        )
        .await
        .unwrap();
        let ws = WebSocket {
            origin: Some("ws://gateway/t".into()),
            send: vec![
                super::super::case::WebSocketFrame {
                    text: Some("Websocket Support!".into()),
                    binary: None,
                },
                super::super::case::WebSocketFrame {
                    text: None,
                    binary: Some(vec![1, 2, 3, 4, 5, 6, 7]),
                },
            ],
            expect_echo: true,
        };
        let key = base64(&[7u8; 16]);
        let status = exchange(
            server.local_addr(),
            "echo",
            "/ws",
            &ws,
            &key,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(status, 101);
        server.shutdown();
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0u8; 16]).len(), 24);
    }

    #[tokio::test]
    async fn frames_round_trip_through_the_codec() {
        let f = encode_frame(1, b"hi", [1, 2, 3, 4]);
        assert_eq!(f[0], 0x81);
        assert_eq!(f[1], 0x82);
        let back = read_frame(&mut &f[..]).await.unwrap();
        assert_eq!(
            back,
            Frame {
                opcode: 1,
                payload: b"hi".to_vec()
            }
        );
        let big = vec![7u8; 300];
        let f = encode_frame(2, &big, [9, 9, 9, 9]);
        assert_eq!(f[1], 0x80 | 126);
        assert_eq!(read_frame(&mut &f[..]).await.unwrap().payload, big);
    }
}
