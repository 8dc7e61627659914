//! A response body of at most one data chunk followed by trailers.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use hyper::body::{Body, Frame, SizeHint};

/// A body of one optional data chunk and optional trailers: what a unary gRPC response
/// needs (the framed message, then `grpc-status`). An empty `GrpcBody` ends the stream at once
/// (a trailers-only response carries its status in the headers instead).
#[derive(Debug, Default)]
pub struct GrpcBody {
    data: Option<Bytes>,
    trailers: Option<HeaderMap>,
}

impl GrpcBody {
    /// `data` (skipped when empty), then `trailers` (skipped when `None`).
    pub fn new(data: Bytes, trailers: Option<HeaderMap>) -> GrpcBody {
        GrpcBody {
            data: (!data.is_empty()).then_some(data),
            trailers,
        }
    }

    /// A body without data or trailers.
    pub fn empty() -> GrpcBody {
        GrpcBody::default()
    }
}

impl Body for GrpcBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(d) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(d))));
        }
        Poll::Ready(self.trailers.take().map(|t| Ok(Frame::trailers(t))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.trailers.is_none()
    }

    /// Not exact, so that no `content-length` is sent with a gRPC response.
    fn size_hint(&self) -> SizeHint {
        let mut hint = SizeHint::new();
        hint.set_lower(self.data.as_ref().map_or(0, |d| d.len() as u64));
        hint
    }
}
