//! The HTTPRoute filters as pure functions on request and response parts.
//!
//! Each function states the rule it implements; the rules are those of the Go doc comments of
//! `apis/v1/httproute_types.go` (Gateway API v1.6.1).

use http::header::{HeaderMap, HeaderName, HeaderValue};

/// A compiled `HTTPHeaderFilter` (RequestHeaderModifier / ResponseHeaderModifier).
#[derive(Clone, Debug, Default)]
pub struct HeaderModifier {
    /// `set`: replace every value of the header.
    pub set: Vec<(HeaderName, HeaderValue)>,
    /// `add`: append a value to the header.
    pub add: Vec<(HeaderName, HeaderValue)>,
    /// `remove`: delete the header.
    pub remove: Vec<HeaderName>,
}

impl HeaderModifier {
    /// Applies the modifier. spec: `HTTPHeaderFilter` — `set` overwrites the header, `add`
    /// appends to its values (`my-header: foo` + add `bar` -> `my-header: foo,bar`; the values
    /// are joined into one field line), `remove` deletes it; names are case-insensitive.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (n, v) in &self.set {
            headers.insert(n.clone(), v.clone());
        }
        for (n, v) in &self.add {
            let mut joined: Vec<u8> = Vec::new();
            for old in headers.get_all(n) {
                joined.extend_from_slice(old.as_bytes());
                joined.push(b',');
            }
            if joined.is_empty() {
                headers.insert(n.clone(), v.clone());
                continue;
            }
            joined.extend_from_slice(v.as_bytes());
            match HeaderValue::from_bytes(&joined) {
                Ok(j) => {
                    headers.insert(n.clone(), j);
                }
                Err(_) => {
                    headers.append(n.clone(), v.clone());
                }
            }
        }
        for n in &self.remove {
            headers.remove(n);
        }
    }
}

/// Which path rewrite applies. spec: `HTTPPathModifier`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathModifier {
    /// `ReplaceFullPath`: the whole path becomes this.
    Full(String),
    /// `ReplacePrefixMatch`: the prefix the rule's `PathPrefix` match matched becomes this.
    Prefix(String),
}

impl PathModifier {
    /// The rewritten path. `matched_prefix` is the value of the `PathPrefix` match that
    /// selected the rule (`/` for a rule without matches).
    ///
    /// spec: `ReplacePrefixMatch` — only the matched prefix is replaced, on segment
    /// boundaries; a trailing `/` of the prefix or the replacement is not significant
    /// (`/foo` + `/foo/bar` + `/xyz/` -> `/xyz/bar`; `/foo` + `/foo` + `/` -> `/`;
    /// `/foo` + `/foo/` + `/xyz` -> `/xyz/`).
    pub fn apply(&self, path: &str, matched_prefix: &str) -> String {
        match self {
            Self::Full(p) => p.clone(),
            Self::Prefix(replacement) => {
                let prefix = matched_prefix.trim_end_matches('/');
                let rest = if path.len() >= prefix.len() && path.is_char_boundary(prefix.len()) {
                    &path[prefix.len()..]
                } else {
                    ""
                };
                let mut out = replacement.trim_end_matches('/').to_owned();
                if !rest.is_empty() && !rest.starts_with('/') {
                    out.push('/');
                }
                out.push_str(rest);
                if out.is_empty() {
                    out.push('/');
                }
                out
            }
        }
    }
}

/// A compiled `HTTPRequestRedirectFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redirect {
    /// `scheme`.
    pub scheme: Option<String>,
    /// `hostname`.
    pub hostname: Option<String>,
    /// `path`.
    pub path: Option<PathModifier>,
    /// `port`.
    pub port: Option<u16>,
    /// `statusCode` (default 302).
    pub status: u16,
}

/// What a redirect is computed from.
#[derive(Clone, Copy, Debug)]
pub struct RedirectInput<'a> {
    /// The scheme the request arrived with (`http` / `https`).
    pub scheme: &'a str,
    /// The request host, port removed.
    pub host: &'a str,
    /// The Gateway listener port the request arrived on.
    pub listener_port: u16,
    /// The request path.
    pub path: &'a str,
    /// The query, without `?`.
    pub query: Option<&'a str>,
    /// The `PathPrefix` value that matched (for `ReplacePrefixMatch`).
    pub matched_prefix: &'a str,
}

fn well_known_port(scheme: &str) -> Option<u16> {
    if scheme.eq_ignore_ascii_case("http") {
        Some(80)
    } else if scheme.eq_ignore_ascii_case("https") {
        Some(443)
    } else {
        None
    }
}

impl Redirect {
    /// The `Location` of the redirect.
    ///
    /// spec: `HTTPRequestRedirectFilter` — unset fields keep the request's value; without
    /// `port`, a redirect that sets `scheme` uses that scheme's well-known port (80/443; the
    /// listener port for other schemes), otherwise the listener port; the port is omitted from
    /// `Location` when it is the scheme's default (http:80, https:443).
    pub fn location(&self, input: &RedirectInput<'_>) -> String {
        let scheme = self.scheme.as_deref().unwrap_or(input.scheme);
        let host = self.hostname.as_deref().unwrap_or(input.host);
        let port = match (self.port, &self.scheme) {
            (Some(p), _) => p,
            (None, Some(s)) => well_known_port(s).unwrap_or(input.listener_port),
            (None, None) => input.listener_port,
        };
        let path = match &self.path {
            Some(m) => m.apply(input.path, input.matched_prefix),
            None => input.path.to_owned(),
        };
        let mut out = String::with_capacity(scheme.len() + host.len() + path.len() + 16);
        out.push_str(scheme);
        out.push_str("://");
        if host.contains(':') && !host.starts_with('[') {
            out.push('[');
            out.push_str(host);
            out.push(']');
        } else {
            out.push_str(host);
        }
        if well_known_port(scheme) != Some(port) {
            out.push(':');
            out.push_str(&port.to_string());
        }
        out.push_str(&path);
        if let Some(q) = input.query {
            out.push('?');
            out.push_str(q);
        }
        out
    }
}

/// A compiled `HTTPURLRewriteFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rewrite {
    /// `hostname`: the new `Host`.
    pub hostname: Option<String>,
    /// `path`.
    pub path: Option<PathModifier>,
}

/// A compiled `HTTPCORSFilter`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cors {
    /// `allowOrigins` (`*`, exact origins, or `scheme://*.domain` wildcards).
    pub allow_origins: Vec<String>,
    /// `allowCredentials`.
    pub allow_credentials: bool,
    /// `allowMethods` (`*` allowed).
    pub allow_methods: Vec<String>,
    /// `allowHeaders` (`*` allowed).
    pub allow_headers: Vec<String>,
    /// `exposeHeaders`.
    pub expose_headers: Vec<String>,
    /// `maxAge` in seconds (default 5).
    pub max_age: i32,
}

/// Whether `origin` matches one `allowOrigins` entry. spec: `HTTPCORSFilter.allowOrigins` —
/// `*` matches any origin; an entry `scheme://*.host` matches any origin of that scheme whose
/// host ends with `.host` (one or more labels in place of `*`), with or without a port when the
/// entry has none; otherwise scheme, host and port must be equal (case-insensitive).
fn origin_matches(entry: &str, origin: &str) -> bool {
    if entry == "*" {
        return true;
    }
    let Some((es, eh)) = entry.split_once("://") else {
        return false;
    };
    let Some((os, oh)) = origin.split_once("://") else {
        return false;
    };
    if !es.eq_ignore_ascii_case(os) {
        return false;
    }
    if let Some(suffix) = eh.strip_prefix('*') {
        // `*.bar.com`: suffix is `.bar.com`; the origin host must be longer.
        let host = if suffix.contains(':') {
            oh
        } else {
            oh.rsplit_once(':')
                .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
                .map_or(oh, |(h, _)| h)
        };
        return host.len() > suffix.len()
            && host
                .get(host.len() - suffix.len()..)
                .is_some_and(|s| s.eq_ignore_ascii_case(suffix));
    }
    eh.eq_ignore_ascii_case(oh)
}

/// The CORS response headers of one request.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CorsAnswer {
    /// Headers to put on the response.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

fn push(out: &mut Vec<(HeaderName, HeaderValue)>, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        out.push((HeaderName::from_static(name), v));
    }
}

impl Cors {
    /// Whether `origin` is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|e| origin_matches(e, origin))
    }

    /// The headers answering a preflight (`OPTIONS` with `Access-Control-Request-Method`)
    /// from `origin`; empty when the origin is not allowed (the preflight is still answered,
    /// without CORS headers, so the browser refuses).
    ///
    /// spec: `HTTPCORSFilter` — the allowed origin is echoed (never `*` with credentials);
    /// `allowMethods`/`allowHeaders` `*` allow any method/header: the requested ones are
    /// echoed; `Access-Control-Allow-Credentials: true` only when `allowCredentials` is true;
    /// `maxAge` defaults to 5 seconds.
    pub fn preflight(&self, origin: &str, headers: &HeaderMap) -> CorsAnswer {
        let mut out = Vec::new();
        if !self.allows(origin) {
            return CorsAnswer { headers: out };
        }
        push(&mut out, "access-control-allow-origin", origin);
        if self.allow_credentials {
            push(&mut out, "access-control-allow-credentials", "true");
        }
        let requested_method = headers
            .get("access-control-request-method")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if self.allow_methods.iter().any(|m| m == "*") {
            if !requested_method.is_empty() {
                push(&mut out, "access-control-allow-methods", requested_method);
            }
        } else if !self.allow_methods.is_empty() {
            push(
                &mut out,
                "access-control-allow-methods",
                &self.allow_methods.join(", "),
            );
        }
        let requested_headers = headers
            .get("access-control-request-headers")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if self.allow_headers.iter().any(|h| h == "*") {
            if !requested_headers.is_empty() {
                push(&mut out, "access-control-allow-headers", requested_headers);
            }
        } else if !self.allow_headers.is_empty() {
            push(
                &mut out,
                "access-control-allow-headers",
                &self.allow_headers.join(", "),
            );
        }
        if !self.expose_headers.is_empty() {
            push(
                &mut out,
                "access-control-expose-headers",
                &self.expose_headers.join(", "),
            );
        }
        push(
            &mut out,
            "access-control-max-age",
            &self.max_age.to_string(),
        );
        CorsAnswer { headers: out }
    }

    /// The headers added to the backend's response to an actual (non-preflight) request
    /// from `origin`; empty when the origin is not allowed.
    pub fn actual(&self, origin: &str) -> CorsAnswer {
        let mut out = Vec::new();
        if !self.allows(origin) {
            return CorsAnswer { headers: out };
        }
        push(&mut out, "access-control-allow-origin", origin);
        if self.allow_credentials {
            push(&mut out, "access-control-allow-credentials", "true");
        }
        if !self.expose_headers.is_empty() {
            push(
                &mut out,
                "access-control-expose-headers",
                &self.expose_headers.join(", "),
            );
        }
        CorsAnswer { headers: out }
    }
}

/// Parses a Gateway API `Duration` (GEP-2257: `1h`, `500ms`, `1h30m`, `0s`; units `h`, `m`,
/// `s`, `ms`).
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let mut total_ms: u64 = 0;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit_ms, len) = if rest.starts_with("ms") {
            (1, 2)
        } else if rest.starts_with('h') {
            (3_600_000, 1)
        } else if rest.starts_with('m') {
            (60_000, 1)
        } else if rest.starts_with('s') {
            (1_000, 1)
        } else {
            return None;
        };
        total_ms = total_ms.checked_add(n.checked_mul(unit_ms)?)?;
        rest = &rest[len..];
    }
    Some(std::time::Duration::from_millis(total_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_prefix_match_follows_the_spec_table() {
        let cases = [
            ("/foo", "/foo/bar", "/xyz", "/xyz/bar"),
            ("/foo", "/foo/bar", "/xyz/", "/xyz/bar"),
            ("/foo/", "/foo/bar", "/xyz", "/xyz/bar"),
            ("/foo/", "/foo/bar", "/xyz/", "/xyz/bar"),
            ("/foo", "/foo", "/xyz", "/xyz"),
            ("/foo/", "/foo", "/xyz", "/xyz"),
            ("/foo", "/foo/", "/xyz", "/xyz/"),
            ("/foo", "/foo/bar", "", "/bar"),
            ("/foo/", "/foo/bar", "", "/bar"),
            ("/foo", "/foo/bar", "/", "/bar"),
            ("/foo/", "/foo/bar", "/", "/bar"),
            ("/foo", "/foo", "/", "/"),
            ("/foo/", "/foo/", "/", "/"),
            ("/", "/a/b", "/x", "/x/a/b"),
        ];
        for (prefix, path, repl, want) in cases {
            let got = PathModifier::Prefix(repl.into()).apply(path, prefix);
            assert_eq!(got, want, "prefix {prefix} path {path} replacement {repl}");
        }
    }

    fn input<'a>(scheme: &'a str, port: u16) -> RedirectInput<'a> {
        RedirectInput {
            scheme,
            host: "example.org",
            listener_port: port,
            path: "/a/b",
            query: Some("q=1"),
            matched_prefix: "/a",
        }
    }

    #[test]
    fn redirect_ports_follow_the_scheme_rules() {
        let r = |scheme: Option<&str>, port: Option<u16>| Redirect {
            scheme: scheme.map(str::to_owned),
            port,
            status: 302,
            ..Redirect::default()
        };
        assert_eq!(
            r(None, None).location(&input("http", 80)),
            "http://example.org/a/b?q=1"
        );
        assert_eq!(
            r(None, None).location(&input("http", 8080)),
            "http://example.org:8080/a/b?q=1"
        );
        assert_eq!(
            r(Some("https"), None).location(&input("http", 8080)),
            "https://example.org/a/b?q=1"
        );
        assert_eq!(
            r(Some("https"), Some(8443)).location(&input("http", 80)),
            "https://example.org:8443/a/b?q=1"
        );
        assert_eq!(
            r(Some("http"), Some(443)).location(&input("https", 443)),
            "http://example.org:443/a/b?q=1"
        );
        assert_eq!(
            r(None, Some(443)).location(&input("https", 8443)),
            "https://example.org/a/b?q=1"
        );
        let full = Redirect {
            hostname: Some("other".into()),
            path: Some(PathModifier::Prefix("/z".into())),
            ..r(None, None)
        };
        assert_eq!(full.location(&input("http", 80)), "http://other/z/b?q=1");
    }

    #[test]
    fn cors_origins_wildcards_and_preflight() {
        let c = Cors {
            allow_origins: vec!["https://www.foo.com".into(), "https://*.bar.com".into()],
            allow_credentials: true,
            allow_methods: vec!["GET".into(), "OPTIONS".into()],
            allow_headers: vec!["*".into()],
            expose_headers: vec!["x-a".into()],
            max_age: 3600,
        };
        assert!(c.allows("https://www.foo.com"));
        assert!(c.allows("https://a.b.bar.com"));
        assert!(c.allows("https://www.bar.com:8443"));
        assert!(!c.allows("https://bar.com"));
        assert!(!c.allows("http://www.bar.com"));
        assert!(!c.allows("https://foobar.com"));
        let mut h = HeaderMap::new();
        h.insert(
            "access-control-request-headers",
            "x-1, x-2".parse().unwrap(),
        );
        let a = c.preflight("https://www.bar.com", &h);
        let get = |n: &str| {
            a.headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            get("access-control-allow-origin").as_deref(),
            Some("https://www.bar.com")
        );
        assert_eq!(
            get("access-control-allow-methods").as_deref(),
            Some("GET, OPTIONS")
        );
        assert_eq!(
            get("access-control-allow-headers").as_deref(),
            Some("x-1, x-2")
        );
        assert_eq!(get("access-control-max-age").as_deref(), Some("3600"));
        assert!(c.preflight("https://nope.com", &h).headers.is_empty());
        assert!(c.actual("https://nope.com").headers.is_empty());
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("1h30m"),
            Some(std::time::Duration::from_secs(5400))
        );
        assert_eq!(
            parse_duration("500ms"),
            Some(std::time::Duration::from_millis(500))
        );
        assert_eq!(parse_duration("0s"), Some(std::time::Duration::ZERO));
        assert_eq!(parse_duration("1x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn header_modifier_set_add_remove() {
        let m = HeaderModifier {
            set: vec![(HeaderName::from_static("a"), HeaderValue::from_static("1"))],
            add: vec![(HeaderName::from_static("b"), HeaderValue::from_static("2"))],
            remove: vec![HeaderName::from_static("c")],
        };
        let mut h = HeaderMap::new();
        h.append("a", "x".parse().unwrap());
        h.append("a", "y".parse().unwrap());
        h.append("b", "x".parse().unwrap());
        h.append("c", "x".parse().unwrap());
        m.apply(&mut h);
        assert_eq!(h.get_all("a").iter().count(), 1);
        assert_eq!(h.get_all("b").iter().count(), 1);
        assert_eq!(h.get("b").unwrap(), "x,2");
        assert!(h.get("c").is_none());
    }
}
