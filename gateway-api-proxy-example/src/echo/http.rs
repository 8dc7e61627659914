//! HTTP mode of the echo server: routing, the echo handler, `/status/NNN` and the retry
//! simulator, following upstream `conformance/echo-basic/echo-basic.go` (v1.6.1) as described in
//! the conformance data's `echo.md`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue, LOCATION};
use http::{HeaderMap, Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde::Serialize;

use super::duration::{parse_go_duration, sleep_time};
use super::{ConnInfo, Shared};

/// Response body type of HTTP mode.
pub(crate) type HttpBody = Full<Bytes>;

/// Go's `textproto.CanonicalMIMEHeaderKey`: the first letter and every letter after `-` upper
/// case, the other letters lower case (`x-header-set` → `X-Header-Set`). A name with a byte
/// that is not a token character is returned unchanged, as Go does.
pub fn canonical_header_name(name: &str) -> String {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return name.to_owned();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// The response headers asked for with `X-Echo-Set-Header`: each value is split on `,`; each
/// trimmed item `Name:Value` sets `Name` (exact spelling) to the trimmed value, or, when `Name`
/// was already set by an earlier item, appends `,Value` to it. An item without `:` sets an empty
/// value.
pub fn echo_set_headers<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for list in values {
        for item in list.split(',') {
            let item = item.trim();
            let (name, value) = item.split_once(':').unwrap_or((item, ""));
            let value = value.trim();
            match out.iter_mut().find(|(n, _)| n == name) {
                Some((_, v)) => {
                    v.push(',');
                    v.push_str(value);
                }
                None => out.push((name.to_owned(), value.to_owned())),
            }
        }
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Percent-decodes `s` (`+` → space when `plus` is set); `None` on a bad escape.
fn unescape(s: &str, plus: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let h = hex_val(*b.get(i + 1)?)?;
                let l = hex_val(*b.get(i + 2)?)?;
                out.push(h * 16 + l);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The first value of `key` in a raw query string, read like Go's `url.ParseQuery`: pairs
/// separated by `&`, pairs containing `;` or a bad `%` escape ignored, `+` is a space.
pub fn query_value(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter(|p| !p.is_empty() && !p.contains(';'))
        .find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (unescape(k, true)? == key)
                .then(|| unescape(v, true))
                .flatten()
        })
}

/// Go's `path.Clean` followed by `http` `cleanPath`: `.` and `..` segments resolved, repeated
/// `/` merged, a trailing `/` kept.
fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return "/".into();
    }
    let mut segs: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    let mut out = String::with_capacity(p.len());
    for s in &segs {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() {
        out.push('/');
    }
    if p.ends_with('/') && out != "/" {
        out.push('/');
    }
    out
}

/// Percent-encodes a decoded path for a `Location` header, keeping what Go's
/// `URL.EscapedPath` keeps (unreserved characters and `$&+,/:;=@!*'()`).
fn escape_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for &b in p.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~$&+,/:;=@!*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What `RequestURI` is in Go: the request target as received (for HTTP/2, `:path`).
fn request_uri<B>(req: &Request<B>) -> String {
    let uri = req.uri();
    if req.version() == Version::HTTP_2 || uri.authority().is_none() {
        uri.path_and_query()
            .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
    } else {
        uri.to_string()
    }
}

/// The request's host as Go reports `Request.Host`.
fn request_host<B>(req: &Request<B>) -> String {
    let from_header = || {
        req.headers()
            .get(http::header::HOST)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    // HTTP/1: the absolute-form target's host, else `Host`; HTTP/2: `:authority`, else `Host`.
    req.uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(from_header)
        .unwrap_or_default()
}

fn proto_name(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// The request headers as Go's server shows them to a handler: canonical names, values in
/// order, without `Host` (and, for HTTP/1, without the `Transfer-Encoding` and `Trailer` it
/// consumes); HTTP/2 `cookie` fields joined with `; `.
pub(crate) fn header_map_for_json(
    headers: &HeaderMap,
    version: Version,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        let n = name.as_str();
        if n == "host"
            || (version != Version::HTTP_2 && (n == "transfer-encoding" || n == "trailer"))
        {
            continue;
        }
        out.entry(canonical_header_name(n))
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    if version == Version::HTTP_2
        && let Some(c) = out.get_mut("Cookie")
        && c.len() > 1
    {
        *c = vec![c.join("; ")];
    }
    out
}

/// The echo handler's JSON (`RequestAssertions` upstream), in upstream's field order.
#[derive(Serialize)]
struct RequestAssertions<'a> {
    path: &'a str,
    host: &'a str,
    method: &'a str,
    proto: &'a str,
    headers: BTreeMap<String, Vec<String>>,
    #[serde(rename = "httpPort")]
    http_port: &'a str,
    namespace: &'a str,
    ingress: &'a str,
    service: &'a str,
    pod: &'a str,
}

/// Serialises like Go's `json.MarshalIndent(v, "", " ")`: one-space indent, and `<`, `>`, `&`,
/// U+2028, U+2029 written as `\u` escapes.
pub(crate) fn go_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if value.serialize(&mut ser).is_err() {
        return b"{}".to_vec();
    }
    let s = String::from_utf8_lossy(&buf);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.into_bytes()
}

fn response(status: StatusCode, body: impl Into<Bytes>) -> Response<HttpBody> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r
}

/// 500 with `{"message": "<error>"}`, as upstream's `processError`.
fn error_json(message: &str) -> Response<HttpBody> {
    #[derive(Serialize)]
    struct Msg<'a> {
        message: &'a str,
    }
    let body = serde_json::to_vec(&Msg { message }).unwrap_or_default();
    let mut r = response(StatusCode::INTERNAL_SERVER_ERROR, body);
    json_headers(r.headers_mut());
    r
}

fn json_headers(h: &mut HeaderMap) {
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
}

/// Reads and drops the request body, one chunk at a time.
async fn drain(body: Incoming) {
    let mut body = body;
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            break;
        }
    }
}

/// Serves one request of HTTP mode.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Result<Response<HttpBody>, Infallible> {
    let raw = req.uri().path();
    let decoded = unescape(raw, false).unwrap_or_else(|| raw.to_owned());
    // Upstream wraps its mux so that `//` never reaches it (non-overlapping replacement).
    let path = decoded.replace("//", "/");
    let query = req.uri().query().map(str::to_owned);
    if raw == "*" {
        // `OPTIONS *` is answered by Go's server itself; anything else with `*` is refused.
        let status = if req.method() == http::Method::OPTIONS {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        return Ok(response(status, Bytes::new()));
    }
    let redirect = |to: String| {
        let mut loc = escape_path(&to);
        if let Some(q) = &query {
            loc.push('?');
            loc.push_str(q);
        }
        let mut r = response(StatusCode::MOVED_PERMANENTLY, Bytes::new());
        if let Ok(v) = HeaderValue::from_str(&loc) {
            r.headers_mut().insert(LOCATION, v);
        }
        r
    };
    // Go's ServeMux redirects non-canonical paths, and subtree roots without their slash.
    let clean = clean_path(&path);
    if clean != path && req.method() != http::Method::CONNECT {
        return Ok(redirect(clean));
    }
    Ok(match path.as_str() {
        "/health" => {
            let mut r = response(StatusCode::OK, "OK");
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
        "/status" | "/retry" => redirect(format!("{path}/")),
        p if p.starts_with("/status/") => status(&req),
        p if p.starts_with("/retry/") => retry(&shared, &conn, req).await,
        "/ws" => super::ws::upgrade(&shared, &conn, req),
        _ => echo(&shared, &conn, req).await,
    })
}

/// `/status/NNN`: status NNN when the raw request URI is exactly `/status/` and three digits;
/// 400 otherwise. Go cannot send a final status below 200: 100–199 end as 200 (after the
/// informational response in Go), below 100 Go aborts the request; this server answers 400.
fn status<B>(req: &Request<B>) -> Response<HttpBody> {
    let uri = request_uri(req);
    let code = uri
        .strip_prefix("/status/")
        .filter(|d| d.len() == 3 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<u16>().ok());
    let status = match code {
        Some(c @ 200..=999) => StatusCode::from_u16(c).unwrap_or(StatusCode::BAD_REQUEST),
        Some(100..=199) => StatusCode::OK,
        _ => StatusCode::BAD_REQUEST,
    };
    response(status, Bytes::new())
}

/// Go's `strconv.Atoi` for the retry simulator's integers.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// `/retry/...`: fails `succeedAfter` times per `uuid`, then echoes.
async fn retry(shared: &Shared, conn: &ConnInfo, req: Request<Incoming>) -> Response<HttpBody> {
    let query = req.uri().query().unwrap_or("");
    let uuid = query_value(query, "uuid").unwrap_or_default();
    if uuid.is_empty() {
        return response(StatusCode::BAD_REQUEST, "uuid is required");
    }
    let Some(succeed_after) = query_value(query, "succeedAfter")
        .as_deref()
        .and_then(go_atoi)
    else {
        return response(StatusCode::BAD_REQUEST, "succeedAfter is required");
    };
    let response_code = query_value(query, "responseCode")
        .as_deref()
        .and_then(go_atoi);
    if !shared.retry_attempt(&uuid, succeed_after) {
        return echo(shared, conn, req).await;
    }
    if let Some(d) = query_value(query, "delayRetry").filter(|d| !d.is_empty()) {
        match parse_go_duration(&d) {
            Ok(n) => tokio::time::sleep(sleep_time(n)).await,
            Err(e) => return error_json(&e.to_string()),
        }
    }
    match response_code {
        Some(c) => match u16::try_from(c) {
            Ok(c @ 200..=999) => response(
                StatusCode::from_u16(c).unwrap_or(StatusCode::OK),
                Bytes::new(),
            ),
            Ok(100..=199) => response(StatusCode::OK, Bytes::new()),
            _ => error_json(&format!("invalid responseCode {c}")),
        },
        None => {
            if req.version() == Version::HTTP_2 {
                return error_json("cannot reset the connection of an HTTP/2 request");
            }
            match conn.reset() {
                // The connection task drops the connection, which sends a TCP RST; this
                // response is never sent.
                Ok(()) => std::future::pending().await,
                Err(e) => error_json(&format!("resetting the connection: {e}")),
            }
        }
    }
}

/// The echo handler: logs the request line, drains the body while honouring `delay`, answers
/// with the JSON description of the request.
async fn echo(shared: &Shared, conn: &ConnInfo, req: Request<Incoming>) -> Response<HttpBody> {
    let uri = request_uri(&req);
    shared.log.record(format!(
        "Echoing back request made to {uri} to client ({})",
        conn.remote
    ));
    let (parts, body) = req.into_parts();
    let delay = match parts.uri.query().and_then(|q| query_value(q, "delay")) {
        Some(d) if !d.is_empty() => match parse_go_duration(&d) {
            Ok(n) => sleep_time(n),
            Err(e) => {
                drain(body).await;
                return error_json(&e.to_string());
            }
        },
        _ => std::time::Duration::ZERO,
    };
    tokio::join!(drain(body), async {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    });

    let req_view = Request::from_parts(parts, ());
    let host = request_host(&req_view);
    let id = &shared.options.identity;
    let body = go_json(&RequestAssertions {
        path: &uri,
        host: &host,
        method: req_view.method().as_str(),
        proto: proto_name(req_view.version()),
        headers: header_map_for_json(req_view.headers(), req_view.version()),
        http_port: &shared.options.http_port,
        namespace: &id.namespace,
        ingress: "",
        service: &id.service,
        pod: &id.pod,
    });
    let mut r = response(StatusCode::OK, body);
    let set = echo_set_headers(
        req_view
            .headers()
            .get_all("x-echo-set-header")
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    for (name, value) in set {
        // Names or values that cannot be sent are dropped, as Go's writer drops them.
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            r.headers_mut().append(n, v);
        }
    }
    json_headers(r.headers_mut());
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        assert_eq!(canonical_header_name("x-header-set"), "X-Header-Set");
        assert_eq!(canonical_header_name("content-type"), "Content-Type");
        assert_eq!(canonical_header_name("X-FOO-bar"), "X-Foo-Bar");
        assert_eq!(canonical_header_name("x_foo-1a"), "X_foo-1a");
        assert_eq!(canonical_header_name("-x"), "-X");
        assert_eq!(canonical_header_name("bad name"), "bad name");
        assert_eq!(canonical_header_name(""), "");
    }

    #[test]
    fn set_header_merging() {
        let got = echo_set_headers(["X-A: 1, X-B:2", "X-A:3", "", "x-a: 4", "X-C"]);
        assert_eq!(
            got,
            vec![
                ("X-A".to_owned(), "1,3".to_owned()),
                ("X-B".to_owned(), "2".to_owned()),
                (String::new(), String::new()),
                ("x-a".to_owned(), "4".to_owned()),
                ("X-C".to_owned(), String::new()),
            ]
        );
        assert_eq!(
            echo_set_headers(["Set-Cookie:a=b, Set-Cookie: c=d"]),
            vec![("Set-Cookie".to_owned(), "a=b,c=d".to_owned())]
        );
    }

    #[test]
    fn query_values() {
        assert_eq!(query_value("delay=1s&x=2", "delay").as_deref(), Some("1s"));
        assert_eq!(query_value("a=1&a=2", "a").as_deref(), Some("1"));
        assert_eq!(query_value("a;b=1&b=2", "b").as_deref(), Some("2"));
        assert_eq!(query_value("b=%zz&b=ok", "b").as_deref(), Some("ok"));
        assert_eq!(
            query_value("d%65lay=1+s%21", "delay").as_deref(),
            Some("1 s!")
        );
        assert_eq!(query_value("flag", "flag").as_deref(), Some(""));
        assert_eq!(query_value("", "x"), None);
    }

    #[test]
    fn location_escaping() {
        assert_eq!(escape_path("/a b/ü?#%"), "/a%20b/%C3%BC%3F%23%25");
        assert_eq!(
            escape_path("/x-y_z.~$&+,:;=@!*'()"),
            "/x-y_z.~$&+,:;=@!*'()"
        );
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean_path("/a/b"), "/a/b");
        assert_eq!(clean_path("/a/./b/../c/"), "/a/c/");
        assert_eq!(clean_path("/.."), "/");
        assert_eq!(clean_path("//"), "/");
        assert_eq!(clean_path("/a/"), "/a/");
        assert_eq!(clean_path(""), "/");
    }

    #[test]
    fn json_like_go() {
        let mut headers = BTreeMap::new();
        headers.insert("X-A".to_owned(), vec!["<b>&".to_owned()]);
        let v = RequestAssertions {
            path: "/p?q=1",
            host: "h",
            method: "GET",
            proto: "HTTP/1.1",
            headers,
            http_port: "3000",
            namespace: "ns",
            ingress: "",
            service: "",
            pod: "pod",
        };
        let s = String::from_utf8(go_json(&v)).unwrap();
        let want = "{\n \"path\": \"/p?q=1\",\n \"host\": \"h\",\n \"method\": \"GET\",\n \"proto\": \"HTTP/1.1\",\n \"headers\": {\n  \"X-A\": [\n   \"\\u003cb\\u003e\\u0026\"\n  ]\n },\n \"httpPort\": \"3000\",\n \"namespace\": \"ns\",\n \"ingress\": \"\",\n \"service\": \"\",\n \"pod\": \"pod\"\n}";
        assert_eq!(s, want);
    }

    #[test]
    fn json_headers_exclude_host_and_canonicalise() {
        let mut h = HeaderMap::new();
        h.append("host", HeaderValue::from_static("x"));
        h.append("x-multi", HeaderValue::from_static("1"));
        h.append("x-multi", HeaderValue::from_static("2"));
        h.append("transfer-encoding", HeaderValue::from_static("chunked"));
        h.append("cookie", HeaderValue::from_static("a=1"));
        h.append("cookie", HeaderValue::from_static("b=2"));
        let m = header_map_for_json(&h, Version::HTTP_11);
        assert_eq!(m.keys().collect::<Vec<_>>(), vec!["Cookie", "X-Multi"]);
        assert_eq!(m["X-Multi"], vec!["1", "2"]);
        assert_eq!(m["Cookie"].len(), 2);
        let m = header_map_for_json(&h, Version::HTTP_2);
        assert_eq!(m["Cookie"], vec!["a=1; b=2"]);
        assert_eq!(m["Transfer-Encoding"], vec!["chunked"]);
    }

    #[test]
    fn status_paths() {
        let st = |u: &str| status(&Request::get(u).body(()).unwrap()).status().as_u16();
        assert_eq!(st("/status/503"), 503);
        assert_eq!(st("/status/200"), 200);
        assert_eq!(st("/status/150"), 200);
        assert_eq!(st("/status/099"), 400);
        assert_eq!(st("/status/5030"), 400);
        assert_eq!(st("/status/50"), 400);
        assert_eq!(st("/status/503?x=1"), 400);
        assert_eq!(st("/status/abc"), 400);
    }

    #[test]
    fn atoi() {
        assert_eq!(go_atoi("3"), Some(3));
        assert_eq!(go_atoi("+3"), Some(3));
        assert_eq!(go_atoi("-3"), Some(-3));
        assert_eq!(go_atoi(""), None);
        assert_eq!(go_atoi("3x"), None);
        assert_eq!(go_atoi(" 3"), None);
    }
}
