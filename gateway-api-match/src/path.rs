//! HTTP paths: Exact and segment-aware PathPrefix semantics and the prefix
//! trie.
//!
//! # The idea
//!
//! A PathPrefix compares whole path elements, so prefixes live in a trie
//! whose edges are path segments (`/a/b` is root → `a` → `b`). Walking the
//! request path's segments down the trie visits exactly the prefixes that
//! match it, shortest first; the deepest visited node with routes is the
//! longest matching prefix. Each node links to its nearest ancestor that has
//! routes, so candidates are produced longest-prefix-first without
//! allocating. Paths are compared as received: no percent-decoding, no
//! dot-segment removal, case-sensitive.

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
/// not." The trie implements this test; the function pins it in unit tests.
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

#[derive(Debug)]
struct Node<T> {
    children: FastMap<Box<str>, u32>,
    value: Option<T>,
    parent: u32,
    /// Nearest proper ancestor with a value.
    up: Option<u32>,
}

/// A trie of normalized path prefixes keyed by segment.
#[derive(Debug)]
pub(crate) struct PrefixTrie<T> {
    nodes: Vec<Node<T>>,
}

impl<T> Default for PrefixTrie<T> {
    fn default() -> Self {
        Self {
            nodes: vec![Node {
                children: FastMap::default(),
                value: None,
                parent: 0,
                up: None,
            }],
        }
    }
}

fn segments(path: &str) -> Option<std::str::Split<'_, char>> {
    path.strip_prefix('/').map(|rest| rest.split('/'))
}

impl<T> PrefixTrie<T> {
    /// The value stored for a normalized prefix, created with `make` if absent.
    pub(crate) fn entry(&mut self, prefix: &str, make: impl FnOnce() -> T) -> &mut T {
        let mut at = 0usize;
        if prefix != "/"
            && let Some(segs) = segments(prefix)
        {
            for seg in segs {
                at = match self.nodes[at].children.get(seg) {
                    Some(&n) => n as usize,
                    None => {
                        let n = self.nodes.len();
                        self.nodes.push(Node {
                            children: FastMap::default(),
                            value: None,
                            parent: at as u32,
                            up: None,
                        });
                        self.nodes[at].children.insert(seg.into(), n as u32);
                        n
                    }
                };
            }
        }
        self.nodes[at].value.get_or_insert_with(make)
    }

    /// Links every node to its nearest ancestor with a value. Call once after
    /// the last [`entry`](Self::entry).
    pub(crate) fn finish(&mut self) {
        // Parents are always created before their children.
        for i in 1..self.nodes.len() {
            let p = self.nodes[i].parent as usize;
            self.nodes[i].up = if self.nodes[p].value.is_some() {
                Some(p as u32)
            } else {
                self.nodes[p].up
            };
        }
    }

    /// Values of the prefixes matching `path`, longest prefix first.
    pub(crate) fn lookup<'a>(&'a self, path: &str) -> PrefixLookup<'a, T> {
        let mut at = 0usize;
        if let Some(segs) = segments(path) {
            for seg in segs {
                match self.nodes[at].children.get(seg) {
                    Some(&n) => at = n as usize,
                    None => break,
                }
            }
        }
        let next = if self.nodes[at].value.is_some() {
            Some(at as u32)
        } else {
            self.nodes[at].up
        };
        PrefixLookup { trie: self, next }
    }
}

/// Iterator returned by [`PrefixTrie::lookup`]; allocation-free.
pub(crate) struct PrefixLookup<'a, T> {
    trie: &'a PrefixTrie<T>,
    next: Option<u32>,
}

impl<'a, T> Iterator for PrefixLookup<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        let node = &self.trie.nodes[self.next? as usize];
        self.next = node.up;
        node.value.as_ref()
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

    #[test]
    fn trie_yields_longest_prefix_first() {
        let mut t: PrefixTrie<&str> = PrefixTrie::default();
        for p in ["/", "/a", "/a/b/c", "/a/b", "/x"] {
            *t.entry(p, || "") = p;
        }
        t.finish();
        let got: Vec<_> = t.lookup("/a/b/cd").copied().collect();
        assert_eq!(got, ["/a/b", "/a", "/"]);
        let got: Vec<_> = t.lookup("/a/b/c/").copied().collect();
        assert_eq!(got, ["/a/b/c", "/a/b", "/a", "/"]);
        let got: Vec<_> = t.lookup("/ab").copied().collect();
        assert_eq!(got, ["/"]);
        let got: Vec<_> = t.lookup("*").copied().collect();
        assert_eq!(got, ["/"]);
    }
}
