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

/// Longest host suffix the index looks at; only the last [`WINDOW`] bytes of
/// longer hosts are kept, which is enough because configured names are at
/// most 253 bytes.
const WINDOW: usize = 256;

/// A normalized request host as the index sees it: its last (at most
/// [`WINDOW`]) bytes, in the case they were received, and how many bytes
/// before them were dropped. Building one costs nothing; lookups lower-case
/// 8 bytes at a time while hashing and comparing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostKey<'a> {
    window: &'a [u8],
    skipped: usize,
}

impl<'a> HostKey<'a> {
    /// The key of a normalized host (see [`normalize_authority`]).
    #[inline]
    pub(crate) fn new(host: &'a str) -> Self {
        let b = host.as_bytes();
        let skipped = b.len().saturating_sub(WINDOW);
        Self {
            window: &b[skipped..],
            skipped,
        }
    }

    /// Was the whole host kept (not only its last [`WINDOW`] bytes)?
    fn whole(&self) -> bool {
        self.skipped == 0
    }
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

/// The 8 bytes of `w` with ASCII letters lower-cased.
#[inline]
fn lower_word(w: u64) -> u64 {
    w | (upper_mask(w) >> 2)
}

/// 8 bytes at `at` (`at + 8 <= b.len()`), little-endian.
#[inline(always)]
fn word(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The last `b.len() % 8` bytes of `b`, little-endian, zero-extended (0
/// when `b.len()` is a multiple of 8).
#[inline(always)]
fn tail(b: &[u8]) -> u64 {
    let r = b.len() % 8;
    if r == 0 {
        0
    } else if b.len() >= 8 {
        // Read the last 8 bytes and shift the wanted ones down (no
        // variable-length copy).
        word(b, b.len() - 8) >> (64 - 8 * r)
    } else {
        let mut v = 0u64;
        for (i, &c) in b.iter().enumerate() {
            v |= u64::from(c) << (8 * i);
        }
        v
    }
}

/// Up to 8 bytes, little-endian, zero-extended.
#[cfg(test)]
fn load(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    w[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(w)
}

#[cfg(test)]
fn has_upper(b: &[u8]) -> bool {
    b.chunks(8).any(|c| upper_mask(load(c)) != 0)
}

const EXACT_SEED: u64 = 0x243f_6a88_85a3_08d3;
const WILDCARD_SEED: u64 = 0x1319_8a2e_0370_7344;
const K: u64 = 0x9e37_79b9_7f4a_7c15;

#[inline]
fn mix(state: u64, word: u64) -> u64 {
    (state.rotate_left(23) ^ word).wrapping_mul(K)
}

/// Bit 5 of every byte: OR-ing it in maps `A`–`Z` to `a`–`z` (and some
/// other bytes onto each other), one instruction per word.
const FOLD: u64 = 0x2020_2020_2020_2020;

/// Hash of `b` with bit 5 of every byte set, 8 bytes at a time; exact names
/// and wildcard suffixes hash differently. A name and its lower-cased form
/// fold to the same bytes, so they hash the same; the fold also merges a few
/// non-letter bytes, which only costs a failed comparison in [`eq_lower`].
#[inline(always)]
fn host_hash(b: &[u8], wildcard: bool) -> u64 {
    let mut h = if wildcard { WILDCARD_SEED } else { EXACT_SEED };
    let mut at = 0;
    while at + 8 <= b.len() {
        h = mix(h, word(b, at) | FOLD);
        at += 8;
    }
    if at < b.len() {
        h = mix(h, tail(b) | FOLD);
    }
    mix(h, b.len() as u64)
}

/// Does the request bytes `req`, lower-cased, equal the (lower-case) `key`?
#[inline(always)]
pub(crate) fn eq_lower(req: &[u8], key: &[u8]) -> bool {
    let n = req.len();
    if n != key.len() {
        return false;
    }
    if n < 8 {
        let r = tail(req);
        let k = tail(key);
        return r == k || lower_word(r) == k;
    }
    let mut at = 0;
    while at + 8 <= n {
        // Most request hosts are lower case already: compare as is first.
        let r = word(req, at);
        let k = word(key, at);
        if r != k && lower_word(r) != k {
            return false;
        }
        at += 8;
    }
    at == n || {
        let (r, k) = (word(req, n - 8), word(key, n - 8));
        r == k || lower_word(r) == k
    }
}

#[inline]
fn has_len(bits: &[u64; 4], len: usize) -> bool {
    len < 256 && bits[len / 64] >> (len % 64) & 1 != 0
}

#[derive(Debug)]
struct Entry<T> {
    hash: u64,
    wildcard: bool,
    /// Lower-case name (exact) or suffix (wildcard).
    key: Box<[u8]>,
    value: T,
}

const EMPTY: u32 = u32::MAX;

/// Hostname index: exact names, wildcard suffixes and a catch-all.
///
/// Entries are added with [`entry`](Self::entry); [`finish`](Self::finish)
/// then lays them out in one open-addressing table keyed by a hash that
/// lower-cases as it goes, so a request host is neither copied nor
/// lower-cased first. Length bitmaps skip probes for lengths no entry has.
#[derive(Debug)]
pub(crate) struct HostIndex<T> {
    /// Build time (drained by `finish`).
    exact: FastMap<Box<[u8]>, T>,
    wildcard: FastMap<Box<[u8]>, T>,
    any: Option<T>,
    entries: Box<[Entry<T>]>,
    slots: Box<[u32]>,
    shift: u32,
    exact_lens: [u64; 4],
    wildcard_lens: [u64; 4],
}

impl<T> Default for HostIndex<T> {
    fn default() -> Self {
        Self {
            exact: FastMap::default(),
            wildcard: FastMap::default(),
            any: None,
            entries: Box::new([]),
            slots: Box::new([]),
            shift: 63,
            exact_lens: [0; 4],
            wildcard_lens: [0; 4],
        }
    }
}

impl<T> HostIndex<T> {
    /// The entry for `host`, created with `make` if absent. Only before
    /// [`finish`](Self::finish).
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

    /// Builds the lookup table. Call once after the last [`entry`](Self::entry).
    pub(crate) fn finish(&mut self) {
        let exact = std::mem::take(&mut self.exact);
        let wildcard = std::mem::take(&mut self.wildcard);
        let mut entries: Vec<Entry<T>> = Vec::with_capacity(exact.len() + wildcard.len());
        for (wild, map) in [(false, exact), (true, wildcard)] {
            for (key, value) in map {
                let lens = if wild {
                    &mut self.wildcard_lens
                } else {
                    &mut self.exact_lens
                };
                // Configured names are at most 253 bytes (`Hostname::parse`).
                if let Some(w) = lens.get_mut(key.len() / 64) {
                    *w |= 1 << (key.len() % 64);
                }
                entries.push(Entry {
                    hash: host_hash(&key, wild),
                    wildcard: wild,
                    key,
                    value,
                });
            }
        }
        let cap = (entries.len() * 2).next_power_of_two().max(2);
        self.shift = 64 - cap.trailing_zeros();
        let mut slots = vec![EMPTY; cap];
        for (i, e) in entries.iter().enumerate() {
            let mut s = (e.hash >> self.shift) as usize;
            while slots[s] != EMPTY {
                s = (s + 1) & (cap - 1);
            }
            slots[s] = i as u32;
        }
        self.slots = slots.into();
        self.entries = entries.into();
    }

    /// Does a lookup look at the host at all (any exact or wildcard entry)?
    pub(crate) fn needs_host(&self) -> bool {
        !self.entries.is_empty() || !self.exact.is_empty() || !self.wildcard.is_empty()
    }

    #[inline]
    fn find(&self, req: &[u8], wildcard: bool) -> Option<&T> {
        let hash = host_hash(req, wildcard);
        let mask = self.slots.len().wrapping_sub(1);
        let mut s = (hash >> self.shift) as usize;
        loop {
            let e = *self.slots.get(s)?;
            let entry = self.entries.get(e as usize)?;
            if entry.hash == hash && entry.wildcard == wildcard && eq_lower(req, &entry.key) {
                return Some(&entry.value);
            }
            s = (s + 1) & mask;
        }
    }

    /// The most specific entry matching `host`.
    #[inline]
    pub(crate) fn first(&self, host: &HostKey<'_>) -> Option<&T> {
        if self.entries.is_empty() {
            self.any.as_ref()
        } else {
            self.lookup(host).next()
        }
    }

    /// The catch-all entry, when no other exists.
    #[inline]
    pub(crate) fn only_any(&self) -> Option<Option<&T>> {
        self.entries.is_empty().then_some(self.any.as_ref())
    }

    /// Entries matching `host`, most specific first: the exact name, then
    /// wildcards from the longest suffix to the shortest, then the catch-all.
    pub(crate) fn lookup<'a, 'h>(&'a self, host: &'h HostKey<'h>) -> HostLookup<'a, 'h, T> {
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
    host: &'h HostKey<'h>,
    stage: Stage,
}

impl<'a, T> Iterator for HostLookup<'a, '_, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        let idx = self.index;
        loop {
            match self.stage {
                Stage::Exact => {
                    self.stage = if idx.wildcard_lens == [0; 4] {
                        Stage::Any
                    } else {
                        Stage::Wildcard(0)
                    };
                    let w = self.host.window;
                    if self.host.whole()
                        && has_len(&idx.exact_lens, w.len())
                        && let Some(t) = idx.find(w, false)
                    {
                        return Some(t);
                    }
                }
                Stage::Wildcard(from) => {
                    let w = self.host.window;
                    match w[from..].iter().position(|&b| b == b'.') {
                        None => self.stage = Stage::Any,
                        Some(off) => {
                            let dot = from + off;
                            self.stage = Stage::Wildcard(dot + 1);
                            let suffix = &w[dot + 1..];
                            // The wildcard label must be non-empty.
                            if (dot + self.host.skipped) > 0
                                && has_len(&idx.wildcard_lens, suffix.len())
                                && let Some(t) = idx.find(suffix, true)
                            {
                                return Some(t);
                            }
                        }
                    }
                }
                Stage::Any => {
                    self.stage = Stage::Done;
                    if let Some(t) = &idx.any {
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
        idx.finish();
        let got = |h: &str| -> Vec<&str> { idx.lookup(&HostKey::new(h)).copied().collect() };
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
                let lower = b.to_ascii_lowercase();
                assert_eq!(has_upper(b), b.iter().any(u8::is_ascii_uppercase), "{b:?}");
                assert!(eq_lower(b, &lower), "{b:?}");
                assert_eq!(host_hash(b, false), host_hash(&lower, false), "{b:?}");
                if let Some(i) = lower.iter().position(|c| c.is_ascii_lowercase()) {
                    let mut other = lower.clone();
                    other[i] = b'#';
                    assert!(!eq_lower(b, &other), "{b:?}");
                }
            }
        }
        let mixed = "ÄÖ.Straße.EXAMPLE.com";
        assert!(eq_lower(
            mixed.as_bytes(),
            mixed.to_ascii_lowercase().as_bytes()
        ));
        assert!(!eq_lower("äb".as_bytes(), "Äb".as_bytes()));
    }

    #[test]
    fn exact_and_wildcard_entries_are_distinct() {
        let mut idx: HostIndex<&str> = HostIndex::default();
        *idx.entry(Some(&h("example.com")), || "") = "exact";
        *idx.entry(Some(&h("*.example.com")), || "") = "wild";
        idx.finish();
        let got = |h: &str| -> Vec<&str> { idx.lookup(&HostKey::new(h)).copied().collect() };
        assert_eq!(got("EXAMPLE.com"), ["exact"]);
        assert_eq!(got("a.example.com"), ["wild"]);
        assert_eq!(got("a.example.co"), Vec::<&str>::new());
    }
}
