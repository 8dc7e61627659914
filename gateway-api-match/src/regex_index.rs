//! A hostname's RegularExpression path matches: one multi-pattern automaton
//! and a prefilter on literal path segments.
//!
//! # The idea
//!
//! Most path regexes name at least one whole literal segment (`orders` in
//! `/api/v[0-9]+/orders/[0-9]+`): a `/`-delimited run of literal bytes in the
//! pattern's top-level concatenation (or one ending at the pattern's end).
//! Any path the pattern matches in full contains that segment between two
//! `/` (or between a `/` and the end), so the pattern cannot match a path
//! that lacks it. Each pattern is keyed by its rarest such segment; a lookup
//! splits the request path at `/`, probes the key table once per segment,
//! and runs only the few patterns found there (plus the unkeyed ones), each
//! anchored to its own start state of the shared automaton, in precedence
//! order. Without keys (or with many unkeyed patterns) the whole set runs in
//! one anchored search that reports the highest-precedence match.

use regex_automata::{Anchored, Input, PatternID, meta};
use regex_syntax::hir::{Hir, HirKind, Look};

use crate::CompileOptions;
use crate::fast_hash::FastMap;

/// More unkeyed patterns than this: search the whole set at once.
const MAX_UNKEYED: usize = 2;
/// More key hits than this in one request path: search the whole set.
const MAX_HITS: usize = 16;

/// The literal segments a full match of `hir` (anchored as
/// `\A(?:…)\z`, see `pattern::parse_anchored`) must contain.
pub(crate) fn required_segments(hir: &Hir) -> Vec<&[u8]> {
    let HirKind::Concat(subs) = hir.kind() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, sub) in subs.iter().enumerate() {
        let HirKind::Literal(lit) = sub.kind() else {
            continue;
        };
        let bytes: &[u8] = &lit.0;
        let ends = subs
            .get(i + 1)
            .is_some_and(|n| matches!(n.kind(), HirKind::Look(Look::End)));
        // Segments strictly between two `/` of the literal, and the part
        // after the last `/` when the literal ends the pattern.
        let slashes: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'/')
            .map(|(i, _)| i)
            .collect();
        for w in slashes.windows(2) {
            if w[1] > w[0] + 1 {
                out.push(&bytes[w[0] + 1..w[1]]);
            }
        }
        if ends
            && let Some(&last) = slashes.last()
            && last + 1 < bytes.len()
        {
            out.push(&bytes[last + 1..]);
        }
    }
    out
}

#[derive(Debug)]
struct SegmentKeys {
    /// Pattern `i` on its own (its own small lazy DFA; running one pattern
    /// of the shared automaton from its own start state is far slower).
    singles: Box<[meta::Regex]>,
    /// Segment -> pattern ids (ascending) keyed by it.
    by_segment: FastMap<Box<[u8]>, Box<[u32]>>,
    /// Patterns without a key (ascending): always run.
    unkeyed: Box<[u32]>,
    /// Bit `n` (n < 127) or bit 127 (n >= 127): some key has `n` bytes.
    lens: u128,
}

#[inline]
fn len_bit(n: usize) -> u128 {
    1u128 << n.min(127)
}

/// The path regexes of one hostname bucket; pattern `i` has precedence `i`.
#[derive(Debug)]
pub(crate) struct PathRegexes {
    re: meta::Regex,
    keys: Option<SegmentKeys>,
}

impl PathRegexes {
    /// `hirs[i]` is pattern `i` (already anchored), compiled as `re`.
    /// `None` when a pattern on its own exceeds a size limit.
    pub(crate) fn new(re: meta::Regex, hirs: &[Hir], opts: &CompileOptions) -> Option<Self> {
        let segs: Vec<Vec<&[u8]>> = hirs.iter().map(required_segments).collect();
        let mut counts: FastMap<&[u8], usize> = FastMap::default();
        for s in &segs {
            for k in s {
                *counts.entry(k).or_default() += 1;
            }
        }
        let mut by_segment: FastMap<Box<[u8]>, Vec<u32>> = FastMap::default();
        let mut unkeyed = Vec::new();
        let mut lens = 0u128;
        for (pid, s) in segs.iter().enumerate() {
            // The rarest segment, then the longest.
            let key = s
                .iter()
                .min_by_key(|k| (counts[*k], std::cmp::Reverse(k.len())));
            match key {
                Some(k) => {
                    lens |= len_bit(k.len());
                    by_segment.entry((*k).into()).or_default().push(pid as u32);
                }
                None => unkeyed.push(pid as u32),
            }
        }
        let keys = if unkeyed.len() <= MAX_UNKEYED {
            let singles = hirs
                .iter()
                .map(|h| crate::pattern::compile_hir(h, opts))
                .collect::<Option<Vec<_>>>()?;
            Some(SegmentKeys {
                singles: singles.into(),
                by_segment: by_segment
                    .into_iter()
                    .map(|(k, v)| (k, v.into_boxed_slice()))
                    .collect(),
                unkeyed: unkeyed.into(),
                lens,
            })
        } else {
            None
        };
        Some(Self { re, keys })
    }

    /// Does pattern `pid` match the whole `path`?
    #[inline]
    fn is_single_match(singles: &[meta::Regex], pid: u32, path: &str) -> bool {
        singles
            .get(pid as usize)
            .is_some_and(|re| crate::pattern::full_match(re, path.as_bytes()))
    }

    /// Does pattern `pid` match the whole `path` (shared automaton)?
    #[inline]
    fn is_match(&self, pid: u32, path: &str) -> bool {
        PatternID::new(pid as usize).is_ok_and(|id| {
            self.re
                .is_match(Input::new(path).anchored(Anchored::Pattern(id)))
        })
    }

    /// Calls `accept` with the patterns matching the whole `path`, in
    /// precedence order, until it returns `Some`.
    #[inline]
    pub(crate) fn find<R>(&self, path: &str, accept: impl FnMut(usize) -> Option<R>) -> Option<R> {
        if let Some(keys) = &self.keys {
            let mut lists: [&[u32]; MAX_HITS + 1] = [&[]; MAX_HITS + 1];
            lists[0] = &keys.unkeyed;
            let mut n = 1;
            let mut overflow = false;
            let bytes = path.as_bytes();
            let mut visit = |seg: &[u8]| {
                if seg.is_empty() || keys.lens & len_bit(seg.len()) == 0 {
                    return;
                }
                if let Some(l) = keys.by_segment.get(seg)
                    && !lists[..n].iter().any(|x| std::ptr::eq(*x, &**l))
                {
                    if n == lists.len() {
                        overflow = true;
                    } else {
                        lists[n] = l;
                        n += 1;
                    }
                }
            };
            let mut start = 0;
            crate::path::for_each_slash(bytes, |i| {
                visit(&bytes[start..i]);
                start = i + 1;
            });
            visit(&bytes[start.min(bytes.len())..]);
            if !overflow {
                return Self::find_in(&keys.singles, &lists[..n], path, accept);
            }
        }
        self.find_all(path, accept)
    }

    /// Patterns from `lists` (each ascending), smallest matching id first.
    fn find_in<R>(
        singles: &[meta::Regex],
        lists: &[&[u32]],
        path: &str,
        mut accept: impl FnMut(usize) -> Option<R>,
    ) -> Option<R> {
        let mut after: Option<u32> = None;
        loop {
            let mut best: Option<u32> = None;
            for l in lists {
                for &pid in *l {
                    if after.is_some_and(|a| pid <= a) {
                        continue;
                    }
                    if best.is_some_and(|b| pid >= b) {
                        break;
                    }
                    if Self::is_single_match(singles, pid, path) {
                        best = Some(pid);
                        break;
                    }
                }
            }
            let pid = best?;
            if let Some(r) = accept(pid as usize) {
                return Some(r);
            }
            after = Some(pid);
        }
    }

    /// Every pattern: one search for the best, then one at a time.
    fn find_all<R>(&self, path: &str, mut accept: impl FnMut(usize) -> Option<R>) -> Option<R> {
        let first = self
            .re
            .search_half(&Input::new(path).anchored(Anchored::Yes))?
            .pattern()
            .as_usize();
        if let Some(r) = accept(first) {
            return Some(r);
        }
        // The best regex matched but none of its candidates passed: try
        // the lower-precedence patterns one at a time.
        (first + 1..self.re.pattern_len())
            .filter(|&pid| self.is_match(pid as u32, path))
            .find_map(accept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    fn hir(p: &str) -> Hir {
        crate::pattern::parse_anchored(p, &CompileOptions::default(), || Location::listener("l"))
            .expect("parses")
    }

    fn segs(p: &str) -> Vec<String> {
        required_segments(&hir(p))
            .into_iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    }

    #[test]
    fn literal_segments_are_found() {
        assert_eq!(segs("/api/v[0-9]+/orders/[0-9]+"), ["api", "orders"]);
        assert_eq!(segs("/files/x/.+\\.png"), ["files", "x"]);
        assert_eq!(segs("/a/b"), ["a", "b"]);
        assert_eq!(segs("/a/b.*"), ["a"]);
        assert_eq!(segs("/(a|b)/c/"), ["c"]);
        assert!(segs("(?i)/api/x/").is_empty());
        assert!(segs("/a/b|/c/d").is_empty());
        assert!(segs(".*").is_empty());
    }

    fn set(pats: &[&str]) -> PathRegexes {
        let hirs: Vec<Hir> = pats.iter().map(|p| hir(p)).collect();
        let re = crate::pattern::compile_many(&hirs, &CompileOptions::default()).expect("builds");
        PathRegexes::new(re, &hirs, &CompileOptions::default()).expect("builds")
    }

    fn all(s: &PathRegexes, path: &str) -> Vec<usize> {
        let mut got = Vec::new();
        s.find(path, |pid| -> Option<()> {
            got.push(pid);
            None
        });
        got
    }

    // Keyed and unkeyed patterns come out in precedence order, exactly the
    // ones matching the whole path.
    #[test]
    fn keyed_lookup_reports_every_match_in_order() {
        let pats = [
            "/api/v[0-9]+/orders/[0-9]+",
            "/api/.*",
            "/api/v1/orders/1",
            ".*/1",
            "/other/[0-9]+",
            "/api/v1/(orders|users)/1",
        ];
        let s = set(&pats);
        assert!(s.keys.is_some());
        assert_eq!(all(&s, "/api/v1/orders/1"), [0, 1, 2, 3, 5]);
        assert_eq!(all(&s, "/api/v1/users/1"), [1, 3, 5]);
        assert_eq!(all(&s, "/other/7"), [4]);
        assert_eq!(all(&s, "/api"), Vec::<usize>::new());
        let reference: Vec<regex_automata::meta::Regex> = pats
            .iter()
            .map(|p| {
                crate::pattern::compile_one(p, &CompileOptions::default(), || {
                    Location::listener("l")
                })
                .expect("compiles")
            })
            .collect();
        for path in [
            "/api/v1/orders/1",
            "/api/v2/orders/22",
            "/x/1",
            "/other/x",
            "/api/",
        ] {
            let want: Vec<usize> = (0..pats.len())
                .filter(|&i| crate::pattern::full_match(&reference[i], path.as_bytes()))
                .collect();
            assert_eq!(all(&s, path), want, "{path}");
        }
    }

    #[test]
    fn many_unkeyed_patterns_search_the_whole_set() {
        let pats: Vec<String> = (0..=MAX_UNKEYED).map(|i| format!(".*{i}")).collect();
        let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
        let s = set(&refs);
        assert!(s.keys.is_none());
        assert_eq!(all(&s, "/x/1"), [1]);
    }
}
