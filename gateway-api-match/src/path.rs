//! HTTP paths: Exact and segment-aware PathPrefix semantics and the path
//! index.
//!
//! # The idea
//!
//! A PathPrefix compares whole path elements, so the prefixes that can match
//! a request path are exactly its prefixes ending at a `/` boundary (and the
//! whole path). The prefixes form a segment trie (`/a/b` under `/a` under
//! `/`); instead of walking child maps segment by segment, every trie node is
//! stored in one hash table keyed by the hash of its whole path. One pass over
//! the request path computes the hash of every boundary prefix (8 bytes at a
//! time), each is probed once, and the longest hit is the longest matching
//! prefix. Each node links to its nearest shorter prefix that has routes, so
//! candidates come out longest-prefix-first without allocating. The same
//! table holds Exact paths: the whole-path probe finds them.
//!
//! Paths are compared as received: no percent-decoding, no dot-segment
//! removal, case-sensitive.

use crate::fast_hash::FastMap;

/// A PathPrefix value with trailing slashes removed (`/abc/` → `/abc`); the
/// root stays `/`.
///
/// spec: HTTPPathMatch PathPrefix — "When specified, a trailing `/` is
/// ignored."
pub(crate) fn normalize_prefix(prefix: &str) -> &str {
    let p = prefix.trim_end_matches('/');
    if p.is_empty() { "/" } else { p }
}

/// Segment-aware prefix test on a normalized prefix.
///
/// spec: HTTPPathMatch PathPrefix — "the paths `/abc`, `/abc/`, and
/// `/abc/def` would all match the prefix `/abc`, but the path `/abcd` would
/// not." The path index implements this test; the function pins it in unit tests.
#[cfg(test)]
fn prefix_matches(prefix: &str, path: &str) -> bool {
    prefix == "/"
        || (path.starts_with(prefix)
            && (path.len() == prefix.len() || path.as_bytes()[prefix.len()] == b'/'))
}

/// Request path as the matcher sees it: an empty path is `/`.
pub(crate) fn request_path(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

/// Hash of `bytes[..len]` computed 8 bytes at a time. [`PathIndex::lookup`]
/// reuses the state over whole words to get the hash of every
/// `/`-boundary prefix in one pass.
#[derive(Clone, Copy)]
struct PrefixHasher<'a> {
    bytes: &'a [u8],
    /// Hash state over `words` whole 8-byte words.
    state: u64,
    words: usize,
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;
const SEED: u64 = 0x243f_6a88_85a3_08d3;

#[inline]
fn mix(state: u64, word: u64) -> u64 {
    (state.rotate_left(23) ^ word).wrapping_mul(K)
}

impl<'a> PrefixHasher<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            state: SEED,
            words: 0,
        }
    }

    /// Hash of `bytes[..len]`; `len` must not decrease between calls.
    #[inline]
    fn prefix(&mut self, len: usize) -> u64 {
        while (self.words + 1) * 8 <= len {
            self.state = mix(self.state, self.word(self.words * 8, 8));
            self.words += 1;
        }
        let at = self.words * 8;
        let s = if at < len {
            mix(self.state, self.word(at, len - at))
        } else {
            self.state
        };
        mix(s, len as u64)
    }

    /// `n` (1..=8) bytes at `at`, little-endian, zero-extended.
    #[inline]
    fn word(&self, at: usize, n: usize) -> u64 {
        let mask = if n >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        };
        let len = self.bytes.len();
        if at + 8 <= len {
            load8(self.bytes, at) & mask
        } else if len >= 8 {
            // Read the last 8 bytes and shift the wanted ones down (no
            // variable-length copy).
            (load8(self.bytes, len - 8) >> (8 * (at + 8 - len))) & mask
        } else {
            let mut v = 0u64;
            for (i, &b) in self.bytes[at..at + n].iter().enumerate() {
                v |= u64::from(b) << (8 * i);
            }
            v
        }
    }
}

/// 8 bytes at `at` (`at + 8 <= b.len()`), little-endian.
#[inline(always)]
fn load8(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Calls `f` with the index of every `/` in `bytes`, in increasing order,
/// looking at 8 bytes at a time.
#[inline]
pub(crate) fn for_each_slash(bytes: &[u8], mut f: impl FnMut(usize)) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const SLASHES: u64 = 0x2f2f_2f2f_2f2f_2f2f;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w) ^ SLASHES;
        // High bit of each byte of `x` that is zero (a `/`), exactly.
        let mut hits = !(((x & LOW7) + LOW7) | x) & !LOW7;
        while hits != 0 {
            f(at + hits.trailing_zeros() as usize / 8);
            hits &= hits - 1;
        }
        at += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b'/' {
            f(at + i);
        }
    }
}

fn hash_str(s: &str) -> u64 {
    PrefixHasher::new(s.as_bytes()).prefix(s.len())
}

#[derive(Debug)]
struct Node<T> {
    path: Box<str>,
    /// Candidates of an Exact match on `path`.
    exact: T,
    /// Candidates of a PathPrefix match on `path` (normalized).
    prefix: T,
    has_prefix: bool,
    /// Nearest shorter prefix (at a segment boundary) with prefix candidates.
    up: Option<u32>,
    /// Next node whose path has the same hash.
    next: Option<u32>,
}

/// Exact paths and normalized path prefixes of one hostname.
///
/// This is a segment trie stored as a hash table of its nodes: every node is
/// keyed by the hash of its whole path, so the request path's `/`-boundary
/// prefixes are looked up directly (one probe each, hashes computed in a
/// single pass) instead of walking child maps. Hits are verified by
/// comparing the string. Node 0 is the root `/`, which matches every path.
#[derive(Debug)]
pub(crate) struct PathIndex<T> {
    /// Build time: hash -> first node with that hash (emptied by `finish`).
    map: FastMap<u64, u32>,
    /// Lookup time: open-addressing table of (hash, first node), indexed by
    /// the hash's top bits, linear probing; `EMPTY` marks a free slot.
    slots: Box<[(u64, u32)]>,
    shift: u32,
    /// Bit `n` set: some node's path has `n` bytes.
    lens_any: Box<[u64]>,
    /// Bit `n` set: some node with prefix candidates has `n` bytes.
    lens_prefix: Box<[u64]>,
    nodes: Vec<Node<T>>,
    /// Longest stored path: longer request prefixes need no probe.
    max_len: usize,
}

const EMPTY: u32 = u32::MAX;

#[inline]
fn has_len(bits: &[u64], len: usize) -> bool {
    bits.get(len / 64).is_some_and(|w| w >> (len % 64) & 1 != 0)
}

impl<T: Default> Default for PathIndex<T> {
    fn default() -> Self {
        let mut idx = Self {
            map: FastMap::default(),
            slots: Box::new([]),
            shift: 63,
            lens_any: Box::new([]),
            lens_prefix: Box::new([]),
            nodes: Vec::new(),
            max_len: 0,
        };
        idx.node("/");
        idx
    }
}

impl<T: Default> PathIndex<T> {
    fn find(&self, path: &str, hash: u64) -> Option<u32> {
        let mut at = self.map.get(&hash).copied();
        while let Some(i) = at {
            let n = &self.nodes[i as usize];
            if *n.path == *path {
                return Some(i);
            }
            at = n.next;
        }
        None
    }

    fn node(&mut self, path: &str) -> usize {
        let h = hash_str(path);
        if let Some(i) = self.find(path, h) {
            return i as usize;
        }
        let i = self.nodes.len();
        let next = self.map.insert(h, i as u32);
        self.max_len = self.max_len.max(path.len());
        self.nodes.push(Node {
            path: path.into(),
            exact: T::default(),
            prefix: T::default(),
            has_prefix: false,
            up: None,
            next,
        });
        i
    }

    /// The Exact candidates of `path`.
    pub(crate) fn exact_mut(&mut self, path: &str) -> &mut T {
        let i = self.node(path);
        &mut self.nodes[i].exact
    }

    /// The PathPrefix candidates of a normalized prefix.
    pub(crate) fn prefix_mut(&mut self, prefix: &str) -> &mut T {
        let i = self.node(prefix);
        self.nodes[i].has_prefix = true;
        &mut self.nodes[i].prefix
    }

    /// Links every node to its nearest shorter prefix. Call once after the
    /// last insertion.
    pub(crate) fn finish(&mut self) {
        let root = self.nodes[0].has_prefix.then_some(0);
        let ups: Vec<Option<u32>> = self
            .nodes
            .iter()
            .map(|n| {
                let path = &*n.path;
                // Boundaries from the longest proper prefix down.
                path.bytes()
                    .enumerate()
                    .rev()
                    .filter(|&(b, c)| c == b'/' && b > 0 && b < path.len())
                    .find_map(|(b, _)| {
                        self.find(&path[..b], hash_str(&path[..b]))
                            .filter(|&j| self.nodes[j as usize].has_prefix)
                    })
                    .or(root)
            })
            .collect();
        for (n, up) in self.nodes.iter_mut().zip(ups).skip(1) {
            n.up = up;
        }
        let words = self.max_len / 64 + 1;
        let mut any = vec![0u64; words];
        let mut prefix = vec![0u64; words];
        for n in &self.nodes {
            let len = n.path.len();
            any[len / 64] |= 1 << (len % 64);
            if n.has_prefix {
                prefix[len / 64] |= 1 << (len % 64);
            }
        }
        self.lens_any = any.into();
        self.lens_prefix = prefix.into();
        let cap = (self.map.len() * 2).next_power_of_two().max(2);
        self.shift = 64 - cap.trailing_zeros();
        let mut slots = vec![(0u64, EMPTY); cap];
        for (&h, &head) in &self.map {
            let mut i = (h >> self.shift) as usize;
            while slots[i].1 != EMPTY {
                i = (i + 1) & (cap - 1);
            }
            slots[i] = (h, head);
        }
        self.slots = slots.into();
        self.map = FastMap::default();
    }
}

impl<T> PathIndex<T> {
    /// Probes `path`: its Exact candidates at once, its PathPrefix
    /// candidates only when asked for ([`PathLookup::prefixes`]).
    ///
    /// Paths shorter than 64 bytes (nearly all) take one pass over at most
    /// `max_len` bytes, 8 at a time, that hashes the path and builds a bitmap
    /// of the `/` positions. The bitmap ANDed with the bitmap of
    /// stored prefix lengths gives the boundaries worth probing, and those
    /// are probed from the longest down only if the prefixes are needed: the
    /// first hit is the longest matching prefix (its `up` links give the
    /// rest), so usually one probe. Longer paths use the general routine.
    #[inline]
    pub(crate) fn lookup<'a>(&'a self, path: &str) -> PathLookup<'a, T> {
        let bytes = path.as_bytes();
        let n = bytes.len();
        let root = self.nodes[0].has_prefix.then_some(0);
        let mut out = PathLookup {
            index: self,
            whole: None,
            deepest: root,
            pending: 0,
        };
        if n >= 64 {
            let (whole, deepest) = self.lookup_general(path);
            out.whole = whole;
            out.deepest = deepest;
            return out;
        }
        // Exact paths and prefixes all start with `/`; other request paths
        // (`*`) only match the root prefix.
        if bytes.first() != Some(&b'/') || self.nodes.len() == 1 {
            if bytes == b"/" {
                // The path `/` itself (node 0).
                out.whole = Some(0);
            }
            return out;
        }
        // Bytes that can hold a boundary `/` (at most at `max_len`).
        let scan = n.min(self.max_len + 1);
        let lens_any = self.lens_any.first().copied().unwrap_or(0);
        let lens_prefix = self.lens_prefix.first().copied().unwrap_or(0);
        let mut slashes = 0u64;
        let mut state = SEED;
        // Whole words first, then the last partial one (zero-extended).
        let full = scan / 8;
        for i in 0..full {
            let w = load8(bytes, i * 8);
            state = mix(state, w);
            slashes |= slash_bits(w) << (i * 8);
        }
        let at = full * 8;
        if at < scan {
            let w = if at + 8 <= n {
                load8(bytes, at)
            } else if n >= 8 {
                load8(bytes, n - 8) >> (8 * (at + 8 - n))
            } else {
                let mut v = 0u64;
                for (k, &c) in bytes[at..].iter().enumerate() {
                    v |= u64::from(c) << (8 * k);
                }
                v
            };
            slashes |= slash_bits(w) << at;
            state = mix(state, w);
        }
        // Boundaries `b` (0 < b < n) at a `/` with a stored prefix of length b.
        out.pending = slashes & lens_prefix & !1;
        // `scan == n` here, so `state` is the hash state over the whole path.
        if n <= self.max_len && lens_any >> n & 1 != 0 {
            out.whole = self.probe(bytes, mix(state, n as u64));
            if let Some(i) = out.whole
                && self.nodes[i as usize].has_prefix
            {
                // The whole path is itself the longest prefix.
                out.deepest = Some(i);
                out.pending = 0;
            }
        }
        out
    }

    /// Probes `path` and the prefixes matching it: the node of the whole path
    /// (if any) and the node of the longest matching prefix. The general case
    /// (any length), probing every boundary prefix in increasing length.
    fn lookup_general(&self, path: &str) -> (Option<u32>, Option<u32>) {
        let bytes = path.as_bytes();
        let n = bytes.len();
        let mut deepest = self.nodes[0].has_prefix.then_some(0);
        if self.nodes.len() == 1 && n > 1 {
            // Only the root: nothing to probe but the path `/` itself.
            return (None, deepest);
        }
        // Exact paths and prefixes all start with `/`; other request paths
        // (`*`) only match the root prefix.
        if bytes.first() != Some(&b'/') {
            return (None, deepest);
        }
        // One pass, 8 bytes at a time: `state` is the hash state over the
        // whole words before `at` (see `PrefixHasher`); every `/` at b > 0
        // ends a candidate prefix `path[..b]`, whose hash is `state` plus
        // the word's first bytes.
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        const SLASHES: u64 = 0x2f2f_2f2f_2f2f_2f2f;
        let mut state = SEED;
        let mut partial = 0u64;
        let mut at = 0;
        while at < n && at <= self.max_len {
            let avail = n - at;
            let w = if avail >= 8 {
                load8(bytes, at)
            } else if n >= 8 {
                load8(bytes, n - 8) >> (8 * (8 - avail))
            } else {
                let mut v = 0u64;
                for (i, &c) in bytes[at..].iter().enumerate() {
                    v |= u64::from(c) << (8 * i);
                }
                v
            };
            let x = w ^ SLASHES;
            // High bit of each byte of `x` that is zero (a `/`), exactly;
            // the zero padding past the end is not a `/`.
            let mut hits = !(((x & LOW7) + LOW7) | x) & !LOW7;
            if avail < 8 {
                hits &= (1u64 << (8 * avail)) - 1;
            }
            while hits != 0 {
                let k = hits.trailing_zeros() as usize / 8;
                hits &= hits - 1;
                let b = at + k;
                if b > 0 && has_len(&self.lens_prefix, b) {
                    let h = if k == 0 {
                        mix(state, b as u64)
                    } else {
                        mix(mix(state, w & ((1u64 << (8 * k)) - 1)), b as u64)
                    };
                    if let Some(i) = self.probe(&bytes[..b], h)
                        && self.nodes[i as usize].has_prefix
                    {
                        deepest = Some(i);
                    }
                }
            }
            if avail >= 8 {
                state = mix(state, w);
            } else {
                partial = w;
            }
            at += 8;
        }
        let whole = if n <= self.max_len && has_len(&self.lens_any, n) {
            let h = if !n.is_multiple_of(8) {
                mix(state, partial)
            } else {
                state
            };
            self.probe(bytes, mix(h, n as u64))
        } else {
            None
        };
        if let Some(i) = whole
            && self.nodes[i as usize].has_prefix
        {
            deepest = Some(i);
        }
        (whole, deepest)
    }

    /// The node whose path is `key`, given the key's hash.
    #[inline]
    fn probe(&self, key: &[u8], hash: u64) -> Option<u32> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut slot = (hash >> self.shift) as usize;
        let mut at = loop {
            let &(h, head) = self.slots.get(slot)?;
            if head == EMPTY {
                return None;
            }
            if h == hash {
                break Some(head);
            }
            slot = (slot + 1) & mask;
        };
        while let Some(i) = at {
            let node = &self.nodes[i as usize];
            if bytes_eq(node.path.as_bytes(), key) {
                return Some(i);
            }
            at = node.next;
        }
        None
    }
}

/// High bit of each byte of `w` that is a `/`, compressed to one bit per
/// byte (bit `k` for byte `k`).
#[inline(always)]
fn slash_bits(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const SLASHES: u64 = 0x2f2f_2f2f_2f2f_2f2f;
    let x = w ^ SLASHES;
    // High bit of each byte of `x` that is zero (a `/`), exactly.
    let hits = !(((x & LOW7) + LOW7) | x) & !LOW7;
    // Bits 8k+7 -> bit 56+k: every (k, j) pair of the product lands on a
    // distinct bit, so there are no carries.
    ((hits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Hash of `bytes[..b]` (`b < bytes.len()`), equal to
/// `PrefixHasher::new(bytes).prefix(b)`, with whole-word loads only.
#[inline]
fn short_prefix_hash(bytes: &[u8], b: usize) -> u64 {
    let mut state = SEED;
    let full = b / 8;
    for i in 0..full {
        state = mix(state, load8(bytes, i * 8));
    }
    let (at, r) = (full * 8, b % 8);
    if r != 0 {
        let n = bytes.len();
        let w = if at + 8 <= n {
            load8(bytes, at)
        } else if n >= 8 {
            load8(bytes, n - 8) >> (8 * (at + 8 - n))
        } else {
            let mut v = 0u64;
            for (k, &c) in bytes[at..b].iter().enumerate() {
                v |= u64::from(c) << (8 * k);
            }
            v
        };
        state = mix(state, w & ((1u64 << (8 * r)) - 1));
    }
    mix(state, b as u64)
}

/// `a == b`, comparing 8 (or 4) bytes at a time without a library call.
#[inline]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let mut i = 0;
        while i + 8 <= n {
            if load8(a, i) != load8(b, i) {
                return false;
            }
            i += 8;
        }
        // The last 8 bytes (overlapping the words already compared).
        load8(a, n - 8) == load8(b, n - 8)
    } else if n >= 4 {
        load4(a, 0) == load4(b, 0) && load4(a, n - 4) == load4(b, n - 4)
    } else {
        a == b
    }
}

/// 4 bytes at `at` (`at + 4 <= b.len()`), little-endian.
#[inline(always)]
fn load4(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

/// The result of [`PathIndex::lookup`]: the Exact candidates, and the
/// state needed to find the prefix candidates on demand.
pub(crate) struct PathLookup<'a, T> {
    index: &'a PathIndex<T>,
    /// Node of the whole path.
    whole: Option<u32>,
    /// Longest matching prefix found so far (the root, or the whole path).
    deepest: Option<u32>,
    /// Boundaries still to probe (bit `b`: the prefix `path[..b]`).
    pending: u64,
}

impl<'a, T> PathLookup<'a, T> {
    /// Exact candidates of the path.
    #[inline]
    pub(crate) fn exact(&self) -> Option<&'a T> {
        self.whole.map(|i| &self.index.nodes[i as usize].exact)
    }

    /// Prefix candidate lists matching the path, longest prefix first.
    pub(crate) fn prefixes(&self, path: &str) -> PrefixLookup<'a, T> {
        let bytes = path.as_bytes();
        let mut pending = self.pending;
        let mut next = self.deepest;
        while pending != 0 {
            let b = 63 - pending.leading_zeros() as usize;
            pending &= !(1u64 << b);
            if let Some(i) = self.index.probe(&bytes[..b], short_prefix_hash(bytes, b))
                && self.index.nodes[i as usize].has_prefix
            {
                next = Some(i);
                break;
            }
        }
        PrefixLookup {
            index: self.index,
            next,
        }
    }
}

/// Iterator over prefix candidate lists, longest prefix first;
/// allocation-free.
pub(crate) struct PrefixLookup<'a, T> {
    index: &'a PathIndex<T>,
    next: Option<u32>,
}

impl<'a, T> Iterator for PrefixLookup<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        let node = &self.index.nodes[self.next? as usize];
        self.next = node.up;
        Some(&node.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec: HTTPPathMatch PathPrefix — "the paths `/abc`, `/abc/`, and
    // `/abc/def` would all match the prefix `/abc`, but the path `/abcd` would
    // not."
    #[test]
    fn path_prefix_is_segment_aware() {
        for p in ["/abc", "/abc/", "/abc/def"] {
            assert!(prefix_matches(normalize_prefix("/abc"), p), "{p}");
        }
        assert!(!prefix_matches(normalize_prefix("/abc"), "/abcd"));
        assert!(!prefix_matches(normalize_prefix("/abc"), "/ab"));
    }

    // spec: HTTPPathMatch PathPrefix — "When specified, a trailing `/` is
    // ignored."
    #[test]
    fn path_prefix_trailing_slash_is_ignored() {
        assert_eq!(normalize_prefix("/abc/"), "/abc");
        assert!(prefix_matches(normalize_prefix("/abc/"), "/abc"));
        assert!(!prefix_matches(normalize_prefix("/abc/"), "/abcd"));
    }

    // spec: HTTPRouteRule matches — "the default is a prefix path match on
    // "/", which has the effect of matching every HTTP request."
    #[test]
    fn path_prefix_root_matches_everything() {
        for p in ["/", "/x", "//", "*", ""] {
            assert!(
                prefix_matches(normalize_prefix("/"), request_path(p)),
                "{p}"
            );
        }
    }

    fn index(prefixes: &[&'static str], exact: &[&'static str]) -> PathIndex<Vec<&'static str>> {
        let mut t: PathIndex<Vec<&'static str>> = PathIndex::default();
        for p in prefixes {
            t.prefix_mut(p).push(p);
        }
        for p in exact {
            t.exact_mut(p).push(p);
        }
        t.finish();
        t
    }

    fn prefixes(t: &PathIndex<Vec<&'static str>>, path: &str) -> Vec<&'static str> {
        t.lookup(path).prefixes(path).flatten().copied().collect()
    }

    #[test]
    fn index_yields_longest_prefix_first() {
        let t = index(
            &["/", "/a", "/a/b/c", "/a/b", "/x", "/a//d"],
            &["/a/b", "/a/b/"],
        );
        assert_eq!(prefixes(&t, "/a/b/cd"), ["/a/b", "/a", "/"]);
        assert_eq!(prefixes(&t, "/a/b/c/"), ["/a/b/c", "/a/b", "/a", "/"]);
        assert_eq!(prefixes(&t, "/a//d/e"), ["/a//d", "/a", "/"]);
        assert_eq!(prefixes(&t, "/ab"), ["/"]);
        assert_eq!(prefixes(&t, "*"), ["/"]);
        assert_eq!(t.lookup("/a/b").exact(), Some(&vec!["/a/b"]));
        assert_eq!(t.lookup("/a/b/").exact(), Some(&vec!["/a/b/"]));
        assert_eq!(t.lookup("/a").exact(), Some(&vec![]));
        assert_eq!(t.lookup("/q").exact(), None);
        let t = index(&["/a/b"], &[]);
        assert_eq!(prefixes(&t, "/a/b/c"), ["/a/b"]);
        assert!(prefixes(&t, "/a").is_empty());
    }

    #[test]
    fn slash_scan_finds_every_slash() {
        let mut all: Vec<u8> = (0u8..=255).collect();
        all.extend(b"/a//b/./c.//\x2f/");
        for start in 0..all.len() {
            for len in [0, 1, 7, 8, 9, 16, 17, 40] {
                let b = &all[start..(start + len).min(all.len())];
                let mut got = Vec::new();
                for_each_slash(b, |i| got.push(i));
                let want: Vec<usize> = (0..b.len()).filter(|&i| b[i] == b'/').collect();
                assert_eq!(got, want, "{b:?}");
            }
        }
    }

    // The one-pass lookup against the literal rule, on prefixes and paths
    // whose slashes fall on every position of an 8-byte word.
    #[test]
    fn lookup_agrees_with_the_literal_rule_at_every_offset() {
        let segs = ["a", "bc", "def", "ghijklm", "nopqrstu", "v"];
        let mut paths: Vec<String> = vec!["/".into()];
        for i in 0..segs.len() {
            for j in 0..segs.len() {
                for k in 0..3 {
                    let mut p = format!("/{}/{}", segs[i], segs[j]);
                    for _ in 0..k {
                        p.push('/');
                        p.push_str(segs[(i + j + k) % segs.len()]);
                    }
                    paths.push(p);
                }
            }
        }
        let stored: Vec<&'static str> = paths
            .iter()
            .step_by(3)
            .map(|p| &*Box::leak(p.clone().into_boxed_str()))
            .collect();
        let mut t: PathIndex<Vec<&'static str>> = PathIndex::default();
        for p in &stored {
            t.prefix_mut(normalize_prefix(p)).push(p);
            t.exact_mut(p).push(p);
        }
        t.finish();
        for path in paths
            .iter()
            .map(String::as_str)
            .chain(["/a/", "/a//bc", "/bc/def/"])
        {
            let mut want: Vec<&str> = stored
                .iter()
                .copied()
                .filter(|p| prefix_matches(normalize_prefix(p), path))
                .collect();
            want.sort_by_key(|p| std::cmp::Reverse(normalize_prefix(p).len()));
            assert_eq!(prefixes(&t, path), want, "{path}");
            let exact = t.lookup(path).exact().filter(|v| !v.is_empty()).cloned();
            let want_exact = stored.contains(&path).then(|| vec![path]);
            assert_eq!(
                exact.map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>()),
                want_exact.map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>()),
                "{path}"
            );
        }
    }

    #[test]
    fn short_helpers_agree_with_the_plain_ones() {
        let s = b"/abcdefgh/ij/klmnopqrstu/vwx/yz0123456789/";
        for n in 1..=s.len() {
            let bytes = &s[..n];
            for b in 0..n {
                assert_eq!(
                    short_prefix_hash(bytes, b),
                    PrefixHasher::new(bytes).prefix(b),
                    "{n} {b}"
                );
            }
            for m in 0..=s.len() {
                let mut other = s[..m].to_vec();
                assert_eq!(bytes_eq(bytes, &other), bytes == &other[..]);
                for k in 0..m {
                    other[k] ^= 1;
                    assert_eq!(bytes_eq(bytes, &other), bytes == &other[..], "{n} {m} {k}");
                    other[k] ^= 1;
                }
            }
        }
    }

    #[test]
    fn slash_bits_marks_exactly_the_slashes() {
        for w in [0u64, u64::MAX, 0x2f2f_2f2f_2f2f_2f2f, 0x2f00_2f2e_302f_af2f] {
            let want = (0..8).fold(0u64, |m, k| {
                m | u64::from((w >> (8 * k)) as u8 == b'/') << k
            });
            assert_eq!(slash_bits(w), want, "{w:#x}");
        }
        for k in 0..8 {
            assert_eq!(slash_bits(0x2fu64 << (8 * k)), 1 << k);
            // Byte k is `/` (0x2f), the others 0xff.
            assert_eq!(slash_bits(!(0xd0u64 << (8 * k))), 1 << k, "{k}");
        }
    }

    // The short-path fast lookup (under 64 bytes) and the general routine
    // agree, on lengths around every word boundary and the 64-byte cutover.
    #[test]
    fn fast_lookup_agrees_with_the_general_routine() {
        let seg = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut paths: Vec<String> = vec!["/".into(), "*".into(), "//".into()];
        for cut in [1usize, 2, 3, 5, 7, 8, 9, 15, 16, 17] {
            let mut p = String::new();
            let mut i = 0;
            while p.len() < 80 {
                p.push('/');
                let len = (cut + i) % 11 + 1;
                p.push_str(&seg[i % 40..i % 40 + len]);
                i += 1;
                paths.push(p.clone());
                paths.push(format!("{p}/"));
            }
        }
        let stored: Vec<&'static str> = paths
            .iter()
            .step_by(2)
            .filter(|p| p.starts_with('/'))
            .map(|p| &*Box::leak(p.clone().into_boxed_str()))
            .collect();
        let mut t: PathIndex<Vec<&'static str>> = PathIndex::default();
        for (i, p) in stored.iter().enumerate() {
            if i % 3 != 0 {
                t.prefix_mut(normalize_prefix(p)).push(p);
            }
            if i % 2 == 0 {
                t.exact_mut(p).push(p);
            }
        }
        t.finish();
        for path in &paths {
            let (whole, deepest) = t.lookup_general(path);
            let fast = t.lookup(path);
            assert_eq!(fast.whole, whole, "{path}");
            let got: Vec<_> = fast.prefixes(path).flatten().copied().collect();
            let want: Vec<_> = PrefixLookup {
                index: &t,
                next: deepest,
            }
            .flatten()
            .copied()
            .collect();
            assert_eq!(got, want, "{path}");
        }
    }

    #[test]
    fn long_paths_hash_consistently() {
        let long = "/abcdefgh/ijklmnopqrstuvwxyz/0123456789abcdef/xy";
        let t = index(&[&long[..9], &long[..28], long], &[long]);
        assert_eq!(
            prefixes(&t, &format!("{long}/z")),
            [long, &long[..28], &long[..9]]
        );
        assert_eq!(t.lookup(long).exact(), Some(&vec![long]));
        assert_eq!(
            prefixes(&t, "/abcdefgh/ijklmnopqrstuvwxyz/0123456789abcdeF"),
            [&long[..28], &long[..9]]
        );
    }
}
