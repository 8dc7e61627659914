//! Hostnames: parsing, request authority normalization, matching, the
//! listener/route intersection and the hostname index.
//!
//! # The idea
//!
//! Hostnames compare ASCII case-insensitively and a request's port is
//! ignored. Exact names live in a hash map. A wildcard `*.example.com` is
//! stored under its suffix `example.com`; for a request host
//! `a.b.example.com` the suffixes after each dot (`b.example.com`, then
//! `example.com`, then `com`) are looked up in turn, longest first, so the
//! first hit is the most specific wildcard. That is one hash lookup per label
//! instead of a scan over every wildcard.

use crate::fast_hash::FastMap;

/// A parsed, lower-cased listener or route hostname.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Hostname {
    /// `foo.example.com`.
    Exact(Box<str>),
    /// `*.example.com`, stored as the suffix `example.com`.
    Wildcard(Box<str>),
}

impl Hostname {
    /// Parses a configured hostname: lower-cases it and drops one trailing dot.
    pub(crate) fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.strip_suffix('.').unwrap_or(raw).to_ascii_lowercase();
        if s.is_empty() {
            return Err("empty hostname");
        }
        if s.len() > 253 {
            return Err("longer than 253 characters");
        }
        if let Some(suffix) = s.strip_prefix("*.") {
            if suffix.is_empty() || suffix.contains('*') || suffix.starts_with('.') {
                return Err("a wildcard must be `*.` followed by a hostname");
            }
            return Ok(Hostname::Wildcard(suffix.into()));
        }
        if s.contains('*') {
            return Err("`*` is only allowed as the whole first label");
        }
        Ok(Hostname::Exact(s.into()))
    }

    /// Does the (lower-cased, normalized) request host match?
    ///
    /// spec: HTTPRoute hostnames — `*.example.com` matches
    /// `test.example.com` and `foo.test.example.com` but not `example.com`.
    pub(crate) fn matches(&self, host: &str) -> bool {
        match self {
            Hostname::Exact(name) => **name == *host,
            Hostname::Wildcard(suffix) => {
                host.len() > suffix.len() + 1
                    && host.ends_with(&**suffix)
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
            }
        }
    }

    /// Does every host matching `self` also match `other`?
    fn within(&self, other: &Hostname) -> bool {
        match self {
            Hostname::Exact(name) => other.matches(name),
            Hostname::Wildcard(suffix) => match other {
                Hostname::Exact(_) => false,
                Hostname::Wildcard(o) => {
                    **suffix == **o || Hostname::Wildcard(o.clone()).matches(suffix)
                }
            },
        }
    }

    /// Characters of the hostname as written (`*.` included).
    pub(crate) fn chars(&self) -> usize {
        match self {
            Hostname::Exact(n) => n.len(),
            Hostname::Wildcard(s) => s.len() + 2,
        }
    }
}

/// The hostnames a route effectively serves on a listener: the intersection
/// of each route hostname with the listener hostname, or the listener
/// hostname when the route names none. `Some(vec![None])` means "any host";
/// `None` means no route hostname intersects the listener's (the route is
/// not attached there).
///
/// spec: HTTPRoute hostnames — "If both the Listener and HTTPRoute have
/// specified hostnames, any HTTPRoute hostnames that do not match the Listener
/// hostname MUST be ignored."
pub(crate) fn effective_hostnames(
    route: &[Hostname],
    listener: Option<&Hostname>,
) -> Option<Vec<Option<Hostname>>> {
    if route.is_empty() {
        return Some(vec![listener.cloned()]);
    }
    let Some(l) = listener else {
        return Some(route.iter().cloned().map(Some).collect());
    };
    let mut out: Vec<Option<Hostname>> = Vec::new();
    for h in route {
        let i = if h.within(l) {
            Some(h.clone())
        } else if l.within(h) {
            Some(l.clone())
        } else {
            None
        };
        if let Some(i) = i
            && !out.iter().any(|o| o.as_ref() == Some(&i))
        {
            out.push(Some(i));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Reduces a request authority (`Host` header or `:authority`) to its host:
/// the port is dropped (`[v6]:port` keeps the brackets) and one trailing dot
/// is removed. Case is left alone; matching is case-insensitive. A
/// `userinfo@` prefix is not expected here (a `Host` header cannot carry
/// one); [`Request::from_parts`](crate::Request::from_parts) strips it from
/// URI authorities.
pub fn normalize_authority(authority: &str) -> &str {
    let b = authority.as_bytes();
    // Drop `:digits` at the end (not inside `[v6]`): scan back over digits.
    let mut end = b.len();
    while end > 0 && b[end - 1].is_ascii_digit() {
        end -= 1;
    }
    let host =
        if end > 0 && b[end - 1] == b':' && (b[0] != b'[' || (end >= 2 && b[end - 2] == b']')) {
            &authority[..end - 1]
        } else {
            authority
        };
    host.strip_suffix('.').unwrap_or(host)
}

/// Longest host the index lower-cases in full; only a suffix of longer hosts
/// is kept, which is enough because configured names are at most 253 bytes.
const WINDOW: usize = 256;

/// A normalized request host, lower-cased on the stack (no allocation).
pub(crate) struct LowerHost {
    buf: [u8; WINDOW],
    /// Bytes used in `buf`: the last `len` bytes of the host.
    len: usize,
    /// Length of the whole host.
    full_len: usize,
}

impl LowerHost {
    pub(crate) fn new(host: &str) -> Self {
        let bytes = host.as_bytes();
        let len = bytes.len().min(WINDOW);
        let mut buf = [0u8; WINDOW];
        for (d, s) in buf.iter_mut().zip(&bytes[bytes.len() - len..]) {
            *d = s.to_ascii_lowercase();
        }
        Self {
            buf,
            len,
            full_len: bytes.len(),
        }
    }

    fn window(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Hostname index: exact names, wildcard suffixes and a catch-all.
#[derive(Debug)]
pub(crate) struct HostIndex<T> {
    exact: FastMap<Box<[u8]>, T>,
    wildcard: FastMap<Box<[u8]>, T>,
    any: Option<T>,
}

impl<T> Default for HostIndex<T> {
    fn default() -> Self {
        Self {
            exact: FastMap::default(),
            wildcard: FastMap::default(),
            any: None,
        }
    }
}

impl<T> HostIndex<T> {
    /// The entry for `host`, created with `make` if absent.
    pub(crate) fn entry(&mut self, host: Option<&Hostname>, make: impl FnOnce() -> T) -> &mut T {
        match host {
            None => self.any.get_or_insert_with(make),
            Some(Hostname::Exact(n)) => self.exact.entry(n.as_bytes().into()).or_insert_with(make),
            Some(Hostname::Wildcard(s)) => self
                .wildcard
                .entry(s.as_bytes().into())
                .or_insert_with(make),
        }
    }

    /// Entries matching `host`, most specific first: the exact name, then
    /// wildcards from the longest suffix to the shortest, then the catch-all.
    pub(crate) fn lookup<'a>(&'a self, host: &'a LowerHost) -> HostLookup<'a, T> {
        HostLookup {
            index: self,
            host,
            stage: Stage::Exact,
        }
    }
}

#[derive(Clone, Copy)]
enum Stage {
    Exact,
    Wildcard(usize),
    Any,
    Done,
}

/// Iterator returned by [`HostIndex::lookup`]; allocation-free.
pub(crate) struct HostLookup<'a, T> {
    index: &'a HostIndex<T>,
    host: &'a LowerHost,
    stage: Stage,
}

impl<'a, T> Iterator for HostLookup<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        loop {
            match self.stage {
                Stage::Exact => {
                    self.stage = if self.index.wildcard.is_empty() {
                        Stage::Any
                    } else {
                        Stage::Wildcard(0)
                    };
                    if self.host.full_len == self.host.len
                        && !self.index.exact.is_empty()
                        && let Some(t) = self.index.exact.get(self.host.window())
                    {
                        return Some(t);
                    }
                }
                Stage::Wildcard(from) => {
                    let w = self.host.window();
                    let skipped = self.host.full_len - self.host.len;
                    match w[from..].iter().position(|&b| b == b'.') {
                        None => self.stage = Stage::Any,
                        Some(off) => {
                            let dot = from + off;
                            self.stage = Stage::Wildcard(dot + 1);
                            // The wildcard label must be non-empty.
                            if (dot + skipped) > 0
                                && let Some(t) = self.index.wildcard.get(&w[dot + 1..])
                            {
                                return Some(t);
                            }
                        }
                    }
                }
                Stage::Any => {
                    self.stage = Stage::Done;
                    if let Some(t) = &self.index.any {
                        return Some(t);
                    }
                }
                Stage::Done => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Hostname {
        Hostname::parse(s).expect("valid")
    }

    // spec: HTTPRoute hostnames — "a match for `*.example.com` would match both
    // `test.example.com`, and `foo.test.example.com`, but not `example.com`."
    #[test]
    fn wildcard_matches_one_or_more_labels_not_the_apex() {
        let w = h("*.example.com");
        assert!(w.matches("test.example.com"));
        assert!(w.matches("foo.test.example.com"));
        assert!(!w.matches("example.com"));
        assert!(!w.matches(".example.com"));
        assert!(!w.matches("testexample.com"));
    }

    // spec: HTTPRoute hostnames — "Implementations MUST ignore any port value
    // specified in the HTTP Host header while performing a match".
    #[test]
    fn authority_port_and_trailing_dot_are_ignored() {
        assert_eq!(normalize_authority("Example.com:8080"), "Example.com");
        assert_eq!(normalize_authority("example.com."), "example.com");
        assert_eq!(normalize_authority("example.com.:80"), "example.com");
        assert_eq!(normalize_authority("[::1]:80"), "[::1]");
        assert_eq!(normalize_authority("example.com:"), "example.com");
        assert_eq!(normalize_authority("[::1]"), "[::1]");
        assert_eq!(normalize_authority("[::1"), "[::1");
        assert_eq!(normalize_authority("a:b:80"), "a:b");
        assert_eq!(normalize_authority(":80"), "");
    }

    #[test]
    fn configured_hostnames_are_validated() {
        assert_eq!(
            h("Foo.Example.COM."),
            Hostname::Exact("foo.example.com".into())
        );
        assert!(Hostname::parse("").is_err());
        assert!(Hostname::parse("*").is_err());
        assert!(Hostname::parse("a.*.com").is_err());
        assert!(Hostname::parse("**.com").is_err());
    }

    // spec: HTTPRoute hostnames — a Listener `*.example.com` accepts routes for
    // `test.example.com` and `foo.test.example.com`; `test.example.net` "must not
    // be considered for a match".
    #[test]
    fn route_hostnames_intersect_with_listener() {
        let l = h("*.example.com");
        let got = effective_hostnames(&[h("test.example.com"), h("test.example.net")], Some(&l));
        assert_eq!(got, Some(vec![Some(h("test.example.com"))]));
        assert_eq!(effective_hostnames(&[h("example.com")], Some(&l)), None);
        assert_eq!(
            effective_hostnames(&[h("*.com")], Some(&l)),
            Some(vec![Some(l.clone())])
        );
        assert_eq!(
            effective_hostnames(&[], Some(&l)),
            Some(vec![Some(l.clone())])
        );
        assert_eq!(effective_hostnames(&[], None), Some(vec![None]));
        let e = h("a.example.com");
        assert_eq!(
            effective_hostnames(&[h("*.example.com")], Some(&e)),
            Some(vec![Some(e)])
        );
    }

    #[test]
    fn index_yields_most_specific_first() {
        let mut idx: HostIndex<&str> = HostIndex::default();
        *idx.entry(Some(&h("*.com")), || "") = "*.com";
        *idx.entry(Some(&h("*.example.com")), || "") = "*.example.com";
        *idx.entry(Some(&h("a.example.com")), || "") = "a.example.com";
        *idx.entry(None, || "") = "any";
        let host = LowerHost::new("A.Example.COM");
        let got: Vec<_> = idx.lookup(&host).copied().collect();
        assert_eq!(got, ["a.example.com", "*.example.com", "*.com", "any"]);
        let host = LowerHost::new("example.com");
        let got: Vec<_> = idx.lookup(&host).copied().collect();
        assert_eq!(got, ["*.com", "any"]);
        let long = format!("{}.example.com", "x".repeat(400));
        let host = LowerHost::new(&long);
        let got: Vec<_> = idx.lookup(&host).copied().collect();
        assert_eq!(got, ["*.example.com", "*.com", "any"]);
    }
}
