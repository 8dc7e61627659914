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

/// A normalized, lower-cased request host: its last (at most [`WINDOW`])
/// bytes and the length of the whole host. Built by [`with_lower_host`].
pub(crate) struct LowerHost<'a> {
    window: &'a [u8],
    full_len: usize,
}

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `0x80` in each byte of `w` that is an ASCII upper-case letter, else 0.
#[inline]
fn upper_mask(w: u64) -> u64 {
    let low = w & LOW7;
    // Bit 7 of `low + (0x80 - b'A')` is set for bytes >= 'A', of
    // `low + (0x7f - b'Z')` for bytes > 'Z'; non-ASCII bytes are excluded.
    let ge_a = low.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let gt_z = low.wrapping_add(0x2525_2525_2525_2525);
    (ge_a ^ gt_z) & !w & HIGH
}

/// 8 bytes at `at` (`at + 8 <= b.len()`).
#[inline]
fn word(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Offsets of 8-byte words covering `0..len` (`len >= 8`); the last one
/// may overlap its predecessor.
#[inline]
fn words(len: usize) -> impl Iterator<Item = usize> {
    (0..len / 8)
        .map(|i| i * 8)
        .chain((!len.is_multiple_of(8)).then_some(len - 8))
}

fn has_upper(b: &[u8]) -> bool {
    if b.len() < 8 {
        return b.iter().any(u8::is_ascii_uppercase);
    }
    words(b.len()).fold(0, |acc, at| acc | upper_mask(word(b, at))) != 0
}

/// Calls `f` with the lower-cased `host`, without allocating: a host that
/// is already lower-case (the common case) is used in place, others are
/// lower-cased 8 bytes at a time into a stack buffer.
#[inline]
pub(crate) fn with_lower_host<R>(host: &str, f: impl FnOnce(&LowerHost<'_>) -> R) -> R {
    let b = host.as_bytes();
    let full_len = b.len();
    let tail = &b[full_len - full_len.min(WINDOW)..];
    if !has_upper(tail) {
        return f(&LowerHost {
            window: tail,
            full_len,
        });
    }
    let mut buf = [0u8; WINDOW];
    let out = &mut buf[..tail.len()];
    if tail.len() < 8 {
        for (d, s) in out.iter_mut().zip(tail) {
            *d = s.to_ascii_lowercase();
        }
    } else {
        for at in words(tail.len()) {
            let w = word(tail, at);
            out[at..at + 8].copy_from_slice(&(w | (upper_mask(w) >> 2)).to_le_bytes());
        }
    }
    f(&LowerHost {
        window: out,
        full_len,
    })
}

impl LowerHost<'_> {
    fn window(&self) -> &[u8] {
        self.window
    }

    /// Was the whole host kept (not only its last [`WINDOW`] bytes)?
    fn whole(&self) -> bool {
        self.full_len == self.window.len()
    }

    /// Bytes of the host before the window.
    fn skipped(&self) -> usize {
        self.full_len - self.window.len()
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

    /// Does a lookup look at the host at all (any exact or wildcard entry)?
    pub(crate) fn needs_host(&self) -> bool {
        !self.exact.is_empty() || !self.wildcard.is_empty()
    }

    /// The most specific entry matching `host`.
    #[inline]
    pub(crate) fn first<'h>(&self, host: &'h LowerHost<'h>) -> Option<&T> {
        if self.needs_host() {
            self.lookup(host).next()
        } else {
            self.any.as_ref()
        }
    }

    /// The catch-all entry, when no other exists.
    #[inline]
    pub(crate) fn only_any(&self) -> Option<Option<&T>> {
        (!self.needs_host()).then_some(self.any.as_ref())
    }

    /// Entries matching `host`, most specific first: the exact name, then
    /// wildcards from the longest suffix to the shortest, then the catch-all.
    pub(crate) fn lookup<'a, 'h>(&'a self, host: &'h LowerHost<'h>) -> HostLookup<'a, 'h, T> {
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
pub(crate) struct HostLookup<'a, 'h, T> {
    index: &'a HostIndex<T>,
    host: &'h LowerHost<'h>,
    stage: Stage,
}

impl<'a, T> Iterator for HostLookup<'a, '_, T> {
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
                    if self.host.whole()
                        && !self.index.exact.is_empty()
                        && let Some(t) = self.index.exact.get(self.host.window())
                    {
                        return Some(t);
                    }
                }
                Stage::Wildcard(from) => {
                    let w = self.host.window();
                    let skipped = self.host.skipped();
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
        let got = |h: &str| -> Vec<&str> {
            with_lower_host(h, |host| idx.lookup(host).copied().collect())
        };
        assert_eq!(
            got("A.Example.COM"),
            ["a.example.com", "*.example.com", "*.com", "any"]
        );
        assert_eq!(got("example.com"), ["*.com", "any"]);
        assert_eq!(got("EXAMPLE.COM"), ["*.com", "any"]);
        let long = format!("{}.example.com", "x".repeat(400));
        assert_eq!(got(&long), ["*.example.com", "*.com", "any"]);
        assert_eq!(got(&long.to_uppercase()), ["*.example.com", "*.com", "any"]);
    }

    #[test]
    fn lower_casing_matches_std() {
        let mut all: Vec<u8> = (0u8..=255).collect();
        all.extend(b"Hello.World-01.EXAMPLE.com");
        for start in 0..all.len() {
            for len in [0, 1, 7, 8, 9, 15, 16, 17, 31, 40] {
                let b = &all[start..(start + len).min(all.len())];
                let Ok(s) = std::str::from_utf8(b) else {
                    // Build a valid string from the bytes' ASCII part.
                    continue;
                };
                assert_eq!(has_upper(b), b.iter().any(u8::is_ascii_uppercase), "{b:?}");
                with_lower_host(s, |h| {
                    assert_eq!(h.window(), s.to_ascii_lowercase().as_bytes())
                });
            }
        }
        let upper: String = (b'!'..=b'~').map(char::from).collect();
        with_lower_host(&upper, |h| {
            assert_eq!(h.window(), upper.to_ascii_lowercase().as_bytes())
        });
        let mixed = "ÄÖ.Straße.EXAMPLE.com";
        with_lower_host(mixed, |h| {
            assert_eq!(h.window(), mixed.to_ascii_lowercase().as_bytes())
        });
    }
}
