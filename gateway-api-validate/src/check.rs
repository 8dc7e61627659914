//! The OpenAPI constraints of the CRD schemas as plain Rust checks, each worded as the API
//! server's structural validation words it (`… in body should match '…'`, `Too long: …`,
//! `Unsupported value: …`).

use std::collections::HashSet;
use std::hash::Hash;

use regex::Regex;

use crate::path::Path;
use crate::violation::{Origin, Report, ViolationKind, quote};

/// An OpenAPI `pattern` with a compiled regular expression, built once per call site.
///
/// `pattern!(r"^[a-z]+$")` evaluates to a [`Pattern`].
#[macro_export]
#[doc(hidden)]
macro_rules! pattern {
    ($re:literal) => {{
        static RE: ::std::sync::OnceLock<::regex::Regex> = ::std::sync::OnceLock::new();
        // Compiled once per call site (the OnceLock), not once per loop iteration.
        #[allow(clippy::regex_creation_in_loops)]
        let re = RE.get_or_init(|| ::regex::Regex::new($re).expect("upstream pattern compiles"));
        $crate::check::Pattern::regex(re, $re)
    }};
}

/// An OpenAPI `pattern`: upstream's regular expression (its source is quoted in messages) and
/// how it is matched, by that regular expression ([`pattern!`](crate::pattern!)) or by a
/// hand-written matcher that answers exactly as it does ([`crate::patterns`]).
#[derive(Clone, Copy, Debug)]
pub struct Pattern {
    source: &'static str,
    matcher: Matcher,
}

#[derive(Clone, Copy, Debug)]
enum Matcher {
    Regex(&'static Regex),
    Native(fn(&str) -> bool),
}

impl Pattern {
    /// A pattern matched by the compiled regular expression of `source`.
    pub const fn regex(re: &'static Regex, source: &'static str) -> Self {
        Pattern {
            source,
            matcher: Matcher::Regex(re),
        }
    }

    /// A pattern matched by `matches`, which must answer as the regular expression `source`
    /// does (an unanchored search) on every string.
    pub const fn native(source: &'static str, matches: fn(&str) -> bool) -> Self {
        Pattern {
            source,
            matcher: Matcher::Native(matches),
        }
    }

    /// Upstream's regular expression.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `value` matches (a search, as Go's `regexp.MatchString`).
    pub fn is_match(&self, value: &str) -> bool {
        match self.matcher {
            Matcher::Regex(re) => re.is_match(value),
            Matcher::Native(f) => f(value),
        }
    }
}

impl Report {
    /// OpenAPI `maxLength` (counted in characters, as the API server counts runes).
    pub fn max_length(&mut self, path: &Path<'_>, value: &str, max: usize) {
        // A string has at most as many characters as bytes: count them only when the bytes
        // exceed the bound.
        if value.len() > max && value.chars().count() > max {
            self.push(
                path,
                ViolationKind::TooLong,
                None,
                format!("may not be more than {max} bytes"),
                Origin::OpenApi,
            );
        }
    }

    /// OpenAPI `minLength`.
    pub fn min_length(&mut self, path: &Path<'_>, value: &str, min: usize) {
        // A character takes at most 4 bytes: only a short string needs its characters counted
        // (at most `min` of them).
        if value.len() < min.saturating_mul(4) && value.chars().take(min).count() < min {
            self.push(
                path,
                ViolationKind::Invalid,
                Some(quote(value)),
                format!("{path} in body should be at least {min} chars long"),
                Origin::OpenApi,
            );
        }
    }

    /// OpenAPI `pattern` (an unanchored search, as Go's `regexp.MatchString`).
    pub fn pattern(&mut self, path: &Path<'_>, value: &str, pattern: Pattern) {
        if !pattern.is_match(value) {
            self.push(
                path,
                ViolationKind::Invalid,
                Some(quote(value)),
                format!("{path} in body should match '{}'", pattern.source()),
                Origin::OpenApi,
            );
        }
    }

    /// OpenAPI `minLength`, `maxLength` and `pattern` of a string, in the API server's order.
    pub fn string(
        &mut self,
        path: &Path<'_>,
        value: &str,
        min: Option<usize>,
        max: Option<usize>,
        pattern: Option<Pattern>,
    ) {
        if let Some(max) = max {
            self.max_length(path, value, max);
        }
        if let Some(min) = min {
            self.min_length(path, value, min);
        }
        if let Some(pattern) = pattern {
            self.pattern(path, value, pattern);
        }
    }

    /// OpenAPI `minimum` / `maximum` of an integer.
    pub fn range(&mut self, path: &Path<'_>, value: i64, min: Option<i64>, max: Option<i64>) {
        if let Some(min) = min.filter(|m| value < *m) {
            self.push(
                path,
                ViolationKind::Invalid,
                Some(value.to_string()),
                format!("{path} in body should be greater than or equal to {min}"),
                Origin::OpenApi,
            );
        }
        if let Some(max) = max.filter(|m| value > *m) {
            self.push(
                path,
                ViolationKind::Invalid,
                Some(value.to_string()),
                format!("{path} in body should be less than or equal to {max}"),
                Origin::OpenApi,
            );
        }
    }

    /// OpenAPI `maxItems`.
    pub fn max_items(&mut self, path: &Path<'_>, len: usize, max: usize) {
        if len > max {
            self.push(
                path,
                ViolationKind::TooMany,
                Some(len.to_string()),
                format!("must have at most {max} items"),
                Origin::OpenApi,
            );
        }
    }

    /// OpenAPI `minItems`.
    pub fn min_items(&mut self, path: &Path<'_>, len: usize, min: usize) {
        if len < min {
            self.push(
                path,
                ViolationKind::Invalid,
                Some(len.to_string()),
                format!("{path} in body should have at least {min} items"),
                Origin::OpenApi,
            );
        }
    }

    /// OpenAPI `enum`: `value` must be one of `supported`.
    pub fn one_of(
        &mut self,
        path: &Path<'_>,
        value: &str,
        supported: impl IntoIterator<Item = &'static str, IntoIter: Clone>,
    ) {
        // The common (valid) case walks the values without collecting them.
        let supported = supported.into_iter();
        if !supported.clone().any(|s| s == value) {
            let list = supported.map(quote).collect::<Vec<_>>().join(", ");
            self.push(
                path,
                ViolationKind::NotSupported,
                Some(quote(value)),
                format!("supported values: {list}"),
                Origin::OpenApi,
            );
        }
    }

    /// OpenAPI `format` (`ipv4`, `ipv6`, ...): `… in body must be of type ipv4: "x"`.
    pub fn format(&mut self, path: &Path<'_>, value: &str, format: &str, ok: bool) {
        if !ok {
            self.push(
                path,
                ViolationKind::Invalid,
                Some(quote(value)),
                format!("{path} in body must be of type {format}: {}", quote(value)),
                Origin::OpenApi,
            );
        }
    }

    /// `x-kubernetes-list-type: map` (or `set`): no two items share a key. `keys` yields each
    /// item's key; `render` writes a repeated key for the message
    /// (`map[string]interface {}{"name":"a"}` style, see [`map_key`]), only when one is found.
    ///
    /// Short lists (the schema bounds most at 16 or 64 items) compare each item with the items
    /// before it, without allocating on the valid path; longer ones (an over-limit list, which
    /// is also reported as `Too many`) go through a hash set, so a hostile list of 100,000
    /// entries costs linear time rather than quadratic.
    pub fn unique<K: Eq + Hash>(
        &mut self,
        path: &Path<'_>,
        keys: impl IntoIterator<Item = K, IntoIter: Clone>,
        render: impl Fn(&K) -> String,
    ) {
        let keys = keys.into_iter();
        let mut report = |i: usize, k: &K| {
            let p = path.index(i);
            self.push(
                &p,
                ViolationKind::Duplicate,
                Some(render(k)),
                String::new(),
                Origin::OpenApi,
            );
        };
        let (_, upper) = keys.size_hint();
        if upper.is_some_and(|n| n <= SHORT_LIST) {
            for (i, k) in keys.clone().enumerate() {
                if keys.clone().take(i).any(|earlier| earlier == k) {
                    report(i, &k);
                }
            }
        } else {
            let mut seen = HashSet::new();
            for (i, k) in keys.enumerate() {
                if let Some(k) = seen.replace(k) {
                    report(i, &k);
                }
            }
        }
    }
}

/// The longest list [`Report::unique`] checks pairwise.
const SHORT_LIST: usize = 64;

/// How the API server renders the key of a `list-type: map` entry in a `Duplicate value`.
pub fn map_key(fields: &[(&str, &str)]) -> String {
    let inner = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
        .collect::<Vec<_>>()
        .join(", ");
    format!("map[string]interface {{}}{{{inner}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_matches_the_api_server() {
        let mut r = Report::default();
        let root = Path::ROOT;
        let spec = root.field("spec");
        let p = spec.field("name");
        r.max_length(&p, "abcd", 3);
        r.min_length(&p, "", 1);
        r.pattern(&p, "A_b", crate::pattern!(r"^[a-z]+$"));
        r.range(&p, 0, Some(1), Some(10));
        r.max_items(&p, 17, 16);
        r.one_of(&p, "Foo", ["A", "B"]);
        let msgs: Vec<String> = r.violations.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            [
                "spec.name: Too long: may not be more than 3 bytes",
                "spec.name: Invalid value: \"\": spec.name in body should be at least 1 chars long",
                "spec.name: Invalid value: \"A_b\": spec.name in body should match '^[a-z]+$'",
                "spec.name: Invalid value: 0: spec.name in body should be greater than or equal to 1",
                "spec.name: Too many: 17: must have at most 16 items",
                "spec.name: Unsupported value: \"Foo\": supported values: \"A\", \"B\"",
            ]
        );
    }

    #[test]
    fn duplicates_name_the_repeated_entry() {
        let mut r = Report::default();
        let root = Path::ROOT;
        let l = root.field("listeners");
        r.unique(&l, ["a", "b", "a"], |n| map_key(&[("name", n)]));
        assert_eq!(r.violations.len(), 1);
        assert_eq!(
            r.violations[0].to_string(),
            "listeners[2]: Duplicate value: map[string]interface {}{\"name\":\"a\"}"
        );
    }

    #[test]
    fn long_lists_report_the_same_duplicates_as_short_ones() {
        // Items 0..n with every 7th repeating the item before it; the long form goes through
        // the hash set, the short one compares pairwise: both name the same indices.
        let keys = |n: usize| -> Vec<usize> {
            (0..n).map(|i| if i % 7 == 6 { i - 1 } else { i }).collect()
        };
        let dups = |keys: &[usize]| {
            let mut r = Report::default();
            r.unique(
                &Path::ROOT.field("l"),
                keys.iter().copied(),
                ToString::to_string,
            );
            r.violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        let short = dups(&keys(SHORT_LIST));
        assert_eq!(short.len(), SHORT_LIST / 7);
        assert_eq!(short[0], "l[6]: Duplicate value: 5");
        let long = dups(&keys(10 * SHORT_LIST));
        assert_eq!(long.len(), 10 * SHORT_LIST / 7);
        assert_eq!(&long[..short.len()], &short[..]);
        // A key repeated many times is reported at every repeat but the first.
        let same = dups(&[3; 3 * SHORT_LIST]);
        assert_eq!(same.len(), 3 * SHORT_LIST - 1);
        assert_eq!(same[0], "l[1]: Duplicate value: 3");
    }
}
