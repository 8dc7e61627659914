//! Lookup input.

use http::request::Parts;

use crate::header::Headers;

/// What the matcher looks at in a request. Borrowed; building one costs
/// nothing.
///
/// ```
/// use gateway_api_match::Request;
/// let headers = [("x-canary", "1")];
/// let req = Request::new(80, "GET", "Example.com:80", "/api/v1", Some("a=1"), &headers[..]);
/// assert_eq!(req.path, "/api/v1");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a, H: ?Sized> {
    /// Port the connection arrived on; selects the listener.
    pub port: u16,
    /// Request method, e.g. `GET` (case-sensitive).
    pub method: &'a str,
    /// `Host` header or `:authority`; the port is ignored and the comparison
    /// is case-insensitive. One trailing dot is ignored.
    pub authority: &'a str,
    /// Path without the query, as received (no percent-decoding).
    pub path: &'a str,
    /// Query string without the `?`, if any.
    pub query: Option<&'a str>,
    /// Request headers.
    pub headers: &'a H,
}

impl<'a, H: Headers + ?Sized> Request<'a, H> {
    /// A request from its parts.
    pub fn new(
        port: u16,
        method: &'a str,
        authority: &'a str,
        path: &'a str,
        query: Option<&'a str>,
        headers: &'a H,
    ) -> Self {
        Self {
            port,
            method,
            authority,
            path,
            query,
            headers,
        }
    }
}

impl<'a> Request<'a, http::HeaderMap> {
    /// A request from `http` request parts, arriving on `port`. The authority
    /// is the URI's (HTTP/2 `:authority`, absolute-form; any `userinfo@`
    /// removed) if present, else the `Host` header.
    pub fn from_parts(port: u16, parts: &'a Parts) -> Self {
        let authority = parts
            .uri
            .authority()
            .map(|a| a.as_str().rsplit_once('@').map_or(a.as_str(), |(_, h)| h))
            .or_else(|| {
                parts
                    .headers
                    .get(http::header::HOST)
                    .and_then(|h| h.to_str().ok())
            })
            .unwrap_or("");
        Self {
            port,
            method: parts.method.as_str(),
            authority,
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
        }
    }
}
