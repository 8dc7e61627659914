//! Hostname intersection between a listener and a Route, wildcards included — and nothing else.
//!
//! spec: `Listener.Hostname` and `HTTPRouteSpec.Hostnames` (apis/v1/gateway_types.go,
//! httproute_types.go). A wildcard `*.example.com` matches any hostname with at least one more
//! label in front of `example.com` (so not `example.com` itself). A listener without hostname
//! matches every Route hostname; a Route without hostnames matches every listener.

/// Whether `pattern` (which may start with `*.`) matches the concrete or wildcard `host`.
/// A wildcard pattern matches a wildcard host when the host's suffix is at least as long.
fn covers(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix('*') {
        // spec: a wildcard label matches one or more labels, never the bare suffix.
        Some(suffix) => {
            let host_rest = host.strip_prefix('*').unwrap_or(host);
            host_rest.len() > suffix.len() && host_rest.ends_with(suffix)
                || (host.starts_with('*') && host_rest == suffix)
        }
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// The hostname both a listener hostname and a Route hostname accept, or `None` when they do
/// not intersect. The result is the more specific of the two.
///
/// ```
/// use gateway_api_validate::resolve::hostname::intersect;
/// assert_eq!(intersect("*.example.com", "foo.example.com").as_deref(), Some("foo.example.com"));
/// assert_eq!(intersect("foo.example.com", "*.example.com").as_deref(), Some("foo.example.com"));
/// assert_eq!(intersect("*.example.com", "*.foo.example.com").as_deref(), Some("*.foo.example.com"));
/// assert_eq!(intersect("*.example.com", "example.com"), None);
/// ```
pub fn intersect(listener: &str, route: &str) -> Option<String> {
    let (l, r) = (lower(listener), lower(route));
    intersect_lower(&l, &r).map(str::to_string)
}

/// [`intersect`] of two hostnames already lowercased, borrowing the result from them.
pub(crate) fn intersect_lower<'a>(l: &'a str, r: &'a str) -> Option<&'a str> {
    if l == r {
        return Some(l);
    }
    if covers(l, r) {
        Some(r)
    } else if covers(r, l) {
        Some(l)
    } else {
        None
    }
}

/// `s` lowercased, without allocating when it already is.
pub(crate) fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The hostnames a Route gets on a listener: every non-empty intersection of the listener's
/// hostname with the Route's hostnames. `Some(vec![])` means "any hostname" (neither side
/// restricts); `None` means no intersection at all (the Route does not attach on this listener).
pub fn intersect_all(listener: Option<&str>, route: &[String]) -> Option<Vec<String>> {
    let route: Vec<std::borrow::Cow<'_, str>> = route.iter().map(|h| lower(h)).collect();
    intersect_all_lower(listener.map(lower).as_deref(), &route)
}

/// [`intersect_all`] of hostnames already lowercased (the listener's and the Route's).
pub(crate) fn intersect_all_lower<S: AsRef<str>>(
    listener: Option<&str>,
    route: &[S],
) -> Option<Vec<String>> {
    match (listener, route.is_empty()) {
        (None, true) => Some(Vec::new()),
        (Some(l), true) => Some(vec![l.to_string()]),
        (None, false) => {
            let mut v: Vec<String> = route.iter().map(|h| h.as_ref().to_string()).collect();
            v.sort();
            v.dedup();
            Some(v)
        }
        (Some(l), false) => {
            let mut hits = route
                .iter()
                .filter_map(|r| intersect_lower(l, r.as_ref()))
                .peekable();
            // Most listeners share no hostname with a Route: answer without allocating.
            hits.peek()?;
            let mut v: Vec<String> = hits.map(str::to_string).collect();
            v.sort();
            v.dedup();
            Some(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_needs_one_more_label() {
        assert_eq!(intersect("*.example.com", "example.com"), None);
        assert_eq!(
            intersect("*.example.com", "a.b.example.com").as_deref(),
            Some("a.b.example.com")
        );
        assert_eq!(intersect("*.example.com", "foo.example.org"), None);
    }

    #[test]
    fn wildcards_intersect_to_the_narrower() {
        assert_eq!(
            intersect("*.foo.example.com", "*.example.com").as_deref(),
            Some("*.foo.example.com")
        );
        assert_eq!(
            intersect("*.example.com", "*.example.com").as_deref(),
            Some("*.example.com")
        );
    }

    #[test]
    fn unrestricted_sides() {
        assert_eq!(intersect_all(None, &[]), Some(vec![]));
        assert_eq!(
            intersect_all(Some("a.com"), &[]),
            Some(vec!["a.com".to_string()])
        );
        assert_eq!(intersect_all(Some("a.com"), &["b.com".to_string()]), None);
    }

    #[test]
    fn case_is_ignored_and_results_are_lowercase() {
        assert_eq!(
            intersect_all(Some("*.Example.com"), &["B.example.COM".to_string()]),
            Some(vec!["b.example.com".to_string()])
        );
        assert_eq!(
            intersect_all(Some("A.com"), &[]),
            Some(vec!["a.com".to_string()])
        );
        assert_eq!(
            intersect_all(
                None,
                &[
                    "B.com".to_string(),
                    "b.com".to_string(),
                    "a.com".to_string()
                ]
            ),
            Some(vec!["a.com".to_string(), "b.com".to_string()])
        );
        assert_eq!(
            intersect_all(
                Some("*.com"),
                &[
                    "x.a.com".to_string(),
                    "b.org".to_string(),
                    "X.a.com".to_string()
                ]
            ),
            Some(vec!["x.a.com".to_string()])
        );
    }
}
