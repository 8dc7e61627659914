//! The OpenAPI patterns checked on almost every object (names, groups, kinds, namespaces,
//! hostnames, header names, request paths), as hand-written matchers.
//!
//! Each is a [`Pattern`] that keeps upstream's regular expression as its source (quoted in
//! messages, `… in body should match '<source>'`) and answers exactly as that regular
//! expression does (an unanchored search, as Go's `regexp.MatchString`; every pattern here is
//! anchored at both ends). They avoid a regex search per field: a 16-rule HTTPRoute checks
//! about 230 such fields. The unit tests check each matcher against its regular expression,
//! exhaustively on short strings and with proptest on longer ones.
//!
//! The other patterns of the CRDs stay regular expressions ([`crate::pattern!`]).

use crate::check::Pattern;

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`: an RFC 1123 label (no length bound).
pub const DNS_LABEL: Pattern = Pattern::native(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", dns_label);

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`: an RFC 1123
/// subdomain (no length bound).
pub const DNS_SUBDOMAIN: Pattern = Pattern::native(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    dns_subdomain,
);

/// The same language as [`DNS_SUBDOMAIN`], written with an outer group (the TLSRoute hostname
/// rules' spelling).
pub const DNS_SUBDOMAIN_GROUPED: Pattern = Pattern::native(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$",
    dns_subdomain,
);

/// `Hostname`: an RFC 1123 subdomain, optionally prefixed by a `*.` wildcard label.
pub const HOSTNAME: Pattern = Pattern::native(
    r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    hostname,
);

/// `Group`: empty (the core group) or an RFC 1123 subdomain.
pub const GROUP: Pattern = Pattern::native(
    r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    group,
);

/// `Kind`: a letter, then letters, digits and `-`, not ending with `-`.
pub const KIND: Pattern = Pattern::native(r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$", kind);

/// `HTTPHeaderName`: one or more RFC 7230 token characters.
pub const HEADER_NAME: Pattern = Pattern::native(r"^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$", header_name);

/// The characters of an `Exact` or `PathPrefix` path match, and of a CORS-like path field: RFC
/// 3986 `pchar`s and `/`, with `%` only as a percent-encoding.
pub const PATH_CHARS: Pattern = Pattern::native(
    r"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$",
    path_chars,
);

/// A byte class: ASCII letters and digits, plus `extra`.
const fn alphanumeric_and(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = (c as u8).is_ascii_alphanumeric();
        c += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

/// The token characters of [`HEADER_NAME`].
const HEADER_NAME_BYTES: [bool; 256] = alphanumeric_and(b"!#$%&'*+-.^_`|~");

/// The single characters of [`PATH_CHARS`] (`%` comes with two hex digits).
const PATH_BYTES: [bool; 256] = alphanumeric_and(b"-/._~!$&'()*+,;=:@");

fn label_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

fn dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            first != b'-' && last != b'-' && b.iter().all(|&c| label_byte(c))
        }
        _ => false,
    }
}

/// Labels of [`dns_label`] joined by `.`, checked in one pass.
fn dns_subdomain(s: &str) -> bool {
    // The byte before the current one; a label starts after a (virtual) dot.
    let mut prev = b'.';
    for &c in s.as_bytes() {
        match c {
            // A label neither is empty nor ends with `-`.
            b'.' if prev == b'.' || prev == b'-' => return false,
            // Nor starts with `-`.
            b'-' if prev == b'.' => return false,
            b'.' | b'-' => {}
            c if c.is_ascii_lowercase() || c.is_ascii_digit() => {}
            _ => return false,
        }
        prev = c;
    }
    prev != b'.' && prev != b'-'
}

fn hostname(s: &str) -> bool {
    dns_subdomain(s.strip_prefix("*.").unwrap_or(s))
}

fn group(s: &str) -> bool {
    s.is_empty() || dns_subdomain(s)
}

fn kind(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(&last)) => {
            first.is_ascii_alphabetic()
                && last != b'-'
                && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        }
        _ => false,
    }
}

fn header_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| HEADER_NAME_BYTES[usize::from(c)])
}

fn path_chars(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if PATH_BYTES[usize::from(c)] {
            i += 1;
        } else if c == b'%'
            && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            i += 3;
        } else {
            return false;
        }
    }
    true
}

/// Every hand-written pattern, for the equivalence tests.
#[cfg(test)]
const ALL: [Pattern; 8] = [
    DNS_LABEL,
    DNS_SUBDOMAIN,
    DNS_SUBDOMAIN_GROUPED,
    HOSTNAME,
    GROUP,
    KIND,
    HEADER_NAME,
    PATH_CHARS,
];

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;

    /// Characters that cover every class of every pattern and its neighbours.
    const ALPHABET: &[&str] = &[
        "a", "z", "A", "Z", "0", "9", "f", "F", "g", "-", ".", "*", "/", "%", "_", "~", "!", "#",
        "`", "|", "^", "@", ":", " ", "\t", "\n", "\u{e9}", "\u{0}", "?",
    ];

    /// Each pattern with its source compiled as a regular expression (once).
    fn regexes() -> &'static [(Pattern, Regex)] {
        static REGEXES: std::sync::LazyLock<Vec<(Pattern, Regex)>> =
            std::sync::LazyLock::new(|| {
                ALL.iter()
                    .map(|p| (*p, Regex::new(p.source()).unwrap()))
                    .collect()
            });
        &REGEXES
    }

    fn check(regexes: &[(Pattern, Regex)], s: &str) {
        for (p, re) in regexes {
            assert_eq!(
                p.is_match(s),
                re.is_match(s),
                "{:?} on {s:?}: native {} vs regex {}",
                p.source(),
                p.is_match(s),
                re.is_match(s)
            );
        }
    }

    #[test]
    fn equal_to_their_regex_on_every_short_string() {
        let regexes = regexes();
        // Every string of up to 3 characters of the alphabet.
        let mut strings = vec![String::new()];
        for _ in 0..3 {
            let mut next = Vec::new();
            for s in &strings {
                for c in ALPHABET {
                    next.push(format!("{s}{c}"));
                }
            }
            for s in &next {
                check(regexes, s);
            }
            strings = next;
        }
        check(regexes, "");
    }

    #[test]
    fn known_answers() {
        assert!(HOSTNAME.is_match("*.example.com"));
        assert!(!HOSTNAME.is_match("*"));
        assert!(!HOSTNAME.is_match("foo.*.com"));
        assert!(GROUP.is_match(""));
        assert!(!DNS_SUBDOMAIN.is_match("a..b"));
        assert!(KIND.is_match("HTTPRoute"));
        assert!(!KIND.is_match("0Route"));
        assert!(HEADER_NAME.is_match("x-request-id"));
        assert!(!HEADER_NAME.is_match("x:y"));
        assert!(PATH_CHARS.is_match("/a%2Fb"));
        assert!(!PATH_CHARS.is_match("/a%2"));
        assert!(!PATH_CHARS.is_match("/a b"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn equal_to_their_regex(
            parts in proptest::collection::vec(proptest::sample::select(ALPHABET), 0..40),
        ) {
            check(regexes(), &parts.concat());
        }

        #[test]
        fn equal_to_their_regex_on_near_valid_strings(
            s in "(\\*\\.)?[a-z0-9-]{0,6}(\\.[a-zA-Z0-9-]{0,6}){0,3}|/[a-zA-Z0-9%/._~-]{0,12}",
        ) {
            check(regexes(), &s);
        }
    }
}
