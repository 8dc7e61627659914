//! Regular expressions: anchored, whole-string matches with linear-time
//! engines and explicit size limits.
//!
//! # The idea
//!
//! Every `RegularExpression` value in the spec must match the *whole* path,
//! header value or query value. Searching for a leftmost-first match and then
//! checking that it ends at the end of the haystack is wrong: `a|ab` finds
//! `a` in `ab` and stops. Instead each pattern is parsed on its own (so it
//! cannot escape its group) and wrapped as `\A(?:pattern)\z` at the syntax-tree
//! level; the end anchor inside the alternation makes the engine keep looking
//! for a branch that reaches the end.
//!
//! Several patterns can be combined into one multi-pattern
//! [`meta::Regex`]: with leftmost-first semantics and every pattern anchored
//! at both ends, the reported pattern is the lowest-numbered one that matches
//! the whole haystack, which is how path regexes are ordered.

use regex_automata::meta;
use regex_automata::util::syntax;
use regex_syntax::hir::{Hir, Look};

use crate::error::{CompileError, Location};

/// Knobs for [`compile`](crate::compile). Every limit has a safe default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileOptions {
    /// Longest accepted regular expression, in bytes of source. Default 1024
    /// (the Gateway API's own maximum for path values).
    pub max_regex_len: usize,
    /// Size limit, in bytes, for the compiled NFA (and one-pass DFA) of one
    /// regex or of one hostname's combined path regexes. Default 10 MiB.
    pub regex_size_limit: usize,
    /// Size limit, in bytes, for a fully compiled DFA; larger regexes fall
    /// back to the lazy DFA. Default 2 MiB.
    pub regex_dfa_size_limit: usize,
    /// Capacity, in bytes, of each lazy-DFA cache. Default 2 MiB. A
    /// hostname's combined path-regex automaton gets at least 1 MiB plus
    /// 4 KiB per pattern (its cache is filled lazily, per thread).
    pub regex_cache_capacity: usize,
    /// Maximum nesting depth of a regex syntax tree. Default 64.
    pub regex_nest_limit: u32,
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self {
            max_regex_len: 1024,
            regex_size_limit: 10 * (1 << 20),
            regex_dfa_size_limit: 2 * (1 << 20),
            regex_cache_capacity: 2 * (1 << 20),
            regex_nest_limit: 64,
        }
    }
}

/// Parses one pattern and wraps it as `\A(?:pattern)\z`.
pub(crate) fn parse_anchored(
    pattern: &str,
    opts: &CompileOptions,
    location: impl FnOnce() -> Location,
) -> Result<Hir, CompileError> {
    if pattern.len() > opts.max_regex_len {
        return Err(CompileError::RegexTooLong {
            location: location().into(),
            len: pattern.len(),
            limit: opts.max_regex_len,
        });
    }
    let config = syntax::Config::new().nest_limit(opts.regex_nest_limit);
    let hir = syntax::parse_with(pattern, &config).map_err(|e| CompileError::InvalidRegex {
        location: location().into(),
        pattern: pattern.to_owned(),
        message: e.to_string(),
    })?;
    Ok(Hir::concat(vec![
        Hir::look(Look::Start),
        hir,
        Hir::look(Look::End),
    ]))
}

fn builder(opts: &CompileOptions) -> meta::Builder {
    let config = meta::Config::new()
        .match_kind(regex_automata::MatchKind::LeftmostFirst)
        .which_captures(regex_automata::nfa::thompson::WhichCaptures::Implicit)
        .nfa_size_limit(Some(opts.regex_size_limit))
        .onepass_size_limit(Some(opts.regex_size_limit))
        .dfa_size_limit(Some(opts.regex_dfa_size_limit))
        .hybrid_cache_capacity(opts.regex_cache_capacity);
    let mut b = meta::Builder::new();
    b.configure(config);
    b
}

/// Compiles one pattern into a whole-string matcher.
pub(crate) fn compile_one(
    pattern: &str,
    opts: &CompileOptions,
    location: impl Fn() -> Location,
) -> Result<meta::Regex, CompileError> {
    let hir = parse_anchored(pattern, opts, &location)?;
    builder(opts)
        .build_from_hir(&hir)
        .map_err(|_| CompileError::RegexTooBig {
            location: location().into(),
            pattern: pattern.to_owned(),
            limit: opts.regex_size_limit,
        })
}

/// Compiles one already-anchored pattern. `None` when a size limit is
/// exceeded.
pub(crate) fn compile_hir(hir: &Hir, opts: &CompileOptions) -> Option<meta::Regex> {
    builder(opts).build_from_hir(hir).ok()
}

/// Compiles already-anchored patterns into one multi-pattern matcher; pattern
/// `i` gets `PatternID` `i`. `None` when a size limit is exceeded.
pub(crate) fn compile_many(hirs: &[Hir], opts: &CompileOptions) -> Option<meta::Regex> {
    let mut b = builder(opts);
    // The lazy DFA keeps start states per pattern: with a fixed capacity a
    // large pattern set thrashes its cache, the engine gives up and falls
    // back to the (much slower) NFA simulations. Scale the capacity.
    b.configure(meta::Config::new().hybrid_cache_capacity(many_cache_capacity(hirs.len(), opts)));
    b.build_many_from_hir(hirs).ok()
}

/// Lazy-DFA cache capacity for a set of `patterns` path regexes: at least
/// the configured capacity, and 1 MiB plus 4 KiB per pattern.
fn many_cache_capacity(patterns: usize, opts: &CompileOptions) -> usize {
    opts.regex_cache_capacity
        .max((1 << 20) + patterns.saturating_mul(4 << 10))
}

/// Whole-string match of a single compiled pattern.
#[inline]
pub(crate) fn full_match(re: &meta::Regex, haystack: &[u8]) -> bool {
    re.is_match(regex_automata::Input::new(haystack).anchored(regex_automata::Anchored::Yes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(p: &str) -> meta::Regex {
        compile_one(p, &CompileOptions::default(), || Location::listener("l")).expect("compiles")
    }

    // spec: HTTPPathMatch RegularExpression — the regex must match the whole
    // path; leftmost-first engines that stop at `a` get `a|ab` wrong.
    #[test]
    fn regex_full_match_alternation() {
        let re = one("a|ab");
        assert!(full_match(&re, b"ab"));
        assert!(full_match(&re, b"a"));
        assert!(!full_match(&re, b"abc"));
        assert!(!full_match(&re, b"xab"));
    }

    #[test]
    fn regex_cannot_escape_its_group() {
        // `a)|(b` is a syntax error on its own, so it cannot widen the anchor.
        let err = compile_one("a)|(b", &CompileOptions::default(), || {
            Location::listener("l")
        });
        assert!(matches!(err, Err(CompileError::InvalidRegex { .. })));
    }

    #[test]
    fn regex_size_limit_is_reported() {
        let opts = CompileOptions {
            regex_size_limit: 100,
            ..CompileOptions::default()
        };
        let err = compile_one(r"\w{50}", &opts, || Location::listener("l"));
        assert!(
            matches!(err, Err(CompileError::RegexTooBig { .. })),
            "{err:?}"
        );
        let opts = CompileOptions {
            max_regex_len: 3,
            ..CompileOptions::default()
        };
        let err = compile_one("abcd", &opts, || Location::listener("l"));
        assert!(matches!(
            err,
            Err(CompileError::RegexTooLong { len: 4, .. })
        ));
    }

    #[test]
    fn multi_pattern_reports_lowest_matching_pattern() {
        let opts = CompileOptions::default();
        let hirs: Vec<Hir> = ["/a/b.*", "/a.*", "/a|/ab", ".*"]
            .iter()
            .map(|p| parse_anchored(p, &opts, || Location::listener("l")).expect("parses"))
            .collect();
        let re = compile_many(&hirs, &opts).expect("builds");
        let find = |h: &str| {
            re.search(&regex_automata::Input::new(h).anchored(regex_automata::Anchored::Yes))
                .map(|m| m.pattern().as_usize())
        };
        assert_eq!(find("/a/bc"), Some(0));
        assert_eq!(find("/ab"), Some(1));
        assert_eq!(find("/x"), Some(3));
        let only2 = regex_automata::Input::new("/ab").anchored(regex_automata::Anchored::Pattern(
            regex_automata::PatternID::must(2),
        ));
        assert!(re.is_match(only2));
    }
}
