//! gRPC length-prefixed message framing (gRPC `doc/PROTOCOL-HTTP2.md`, "Length-Prefixed-Message").
//!
//! Every message on a gRPC stream is sent as a 1-byte compressed flag (0 or 1), a 4-byte
//! big-endian length and that many bytes of message. HTTP/2 DATA frames do not follow message
//! boundaries, so [`FrameDecoder`] accepts bytes in any split and yields whole messages.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// Bytes before each message: compressed flag and length.
pub const PREFIX_LEN: usize = 5;

/// Default upper bound of one message, as gRPC implementations default it (4 MiB).
pub const DEFAULT_MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// One length-prefixed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The compressed flag (the message is compressed with the stream's `grpc-encoding`).
    pub compressed: bool,
    /// The message bytes.
    pub data: Bytes,
}

/// Why a byte stream is not a sequence of gRPC messages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The compressed-flag byte is neither 0 nor 1.
    #[error("gRPC message prefix: compressed flag is {0}, expected 0 or 1")]
    BadFlag(u8),
    /// A message is larger than the decoder's limit.
    #[error("gRPC message of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Length announced in the prefix.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The stream ended inside a message.
    #[error("gRPC stream ended inside a message ({0} bytes left over)")]
    Truncated(usize),
}

/// Appends `message` with its 5-byte prefix (not compressed) to `out`. The prefix cannot
/// express 4 GiB or more; such a message gets the length `u32::MAX` (callers frame their own
/// small messages).
pub fn encode_frame(message: &[u8], out: &mut BytesMut) {
    let len = u32::try_from(message.len()).unwrap_or(u32::MAX);
    out.reserve(PREFIX_LEN + message.len());
    out.put_u8(0);
    out.put_u32(len);
    out.put_slice(message);
}

/// `message` with its 5-byte prefix, as one buffer.
pub fn frame(message: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(PREFIX_LEN + message.len());
    encode_frame(message, &mut out);
    out.freeze()
}

/// Reassembles messages from bytes arriving in arbitrary pieces.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: BytesMut,
    max: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new(DEFAULT_MAX_MESSAGE)
    }
}

impl FrameDecoder {
    /// A decoder that rejects messages longer than `max_message` bytes.
    pub fn new(max_message: usize) -> FrameDecoder {
        FrameDecoder {
            buf: BytesMut::new(),
            max: max_message,
        }
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole message, `Ok(None)` when more bytes are needed. A too-large length is
    /// reported as soon as the prefix is complete, before its body is buffered.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.buf.len() < PREFIX_LEN {
            return Ok(None);
        }
        let flag = self.buf[0];
        if flag > 1 {
            return Err(FrameError::BadFlag(flag));
        }
        let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > self.max {
            return Err(FrameError::TooLarge { len, max: self.max });
        }
        if self.buf.len() - PREFIX_LEN < len {
            return Ok(None);
        }
        self.buf.advance(PREFIX_LEN);
        let data = self.buf.split_to(len).freeze();
        Ok(Some(Frame {
            compressed: flag == 1,
            data,
        }))
    }

    /// Call at the end of the stream: an error if bytes of an unfinished message are left.
    pub fn finish(&self) -> Result<(), FrameError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(FrameError::Truncated(self.buf.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_prefix() {
        assert_eq!(&frame(b"")[..], &[0, 0, 0, 0, 0]);
        assert_eq!(&frame(b"ab")[..], &[0, 0, 0, 0, 2, b'a', b'b']);
    }

    #[test]
    fn decodes_every_split_of_two_messages() {
        let mut wire = BytesMut::new();
        encode_frame(b"hello", &mut wire);
        encode_frame(b"", &mut wire);
        encode_frame(&[7u8; 300], &mut wire);
        let wire = wire.freeze();
        for a in 0..=wire.len() {
            for b in a..=wire.len() {
                let mut d = FrameDecoder::default();
                let mut got = Vec::new();
                for piece in [&wire[..a], &wire[a..b], &wire[b..]] {
                    d.push(piece);
                    while let Some(f) = d.next_frame().unwrap() {
                        assert!(!f.compressed);
                        got.push(f.data);
                    }
                }
                d.finish().unwrap();
                assert_eq!(got.len(), 3, "split {a}/{b}");
                assert_eq!(&got[0][..], b"hello");
                assert!(got[1].is_empty());
                assert_eq!(&got[2][..], &[7u8; 300][..]);
            }
        }
    }

    #[test]
    fn partial_frame_waits_then_truncation_is_reported() {
        let mut d = FrameDecoder::default();
        d.push(&[0, 0, 0, 0, 4, b'a']);
        assert_eq!(d.next_frame(), Ok(None));
        assert_eq!(d.finish(), Err(FrameError::Truncated(6)));
    }

    #[test]
    fn rejects_bad_flag_and_oversized() {
        let mut d = FrameDecoder::default();
        d.push(&[2, 0, 0, 0, 0]);
        assert_eq!(d.next_frame(), Err(FrameError::BadFlag(2)));
        let mut d = FrameDecoder::new(10);
        d.push(&[0, 0, 0, 0, 11]);
        assert_eq!(
            d.next_frame(),
            Err(FrameError::TooLarge { len: 11, max: 10 })
        );
        let mut d = FrameDecoder::default();
        d.push(&[1, 0, 0, 0, 1, 9]);
        assert_eq!(
            d.next_frame(),
            Ok(Some(Frame {
                compressed: true,
                data: Bytes::from_static(&[9])
            }))
        );
    }
}
