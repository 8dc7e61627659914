//! The OpenAPI constraints of the CRD schemas as plain Rust checks, each worded as the API
//! server's structural validation words it (`… in body should match '…'`, `Too long: …`,
//! `Unsupported value: …`).

use regex::Regex;

use crate::path::Path;
use crate::violation::{Origin, Report, ViolationKind, quote};

/// A compiled regular expression for an OpenAPI `pattern`, built once.
///
/// `pattern!(r"^[a-z]+$")` evaluates to `(&'static Regex, &'static str)`.
#[macro_export]
#[doc(hidden)]
macro_rules! pattern {
    ($re:literal) => {{
        static RE: ::std::sync::OnceLock<::regex::Regex> = ::std::sync::OnceLock::new();
        // Compiled once per call site (the OnceLock), not once per loop iteration.
        #[allow(clippy::regex_creation_in_loops)]
        let re = RE.get_or_init(|| ::regex::Regex::new($re).expect("upstream pattern compiles"));
        (re, $re)
    }};
}

impl Report {
    /// OpenAPI `maxLength` (counted in characters, as the API server counts runes).
    pub fn max_length(&mut self, path: &Path<'_>, value: &str, max: usize) {
        if value.chars().count() > max {
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
        if value.chars().count() < min {
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
    pub fn pattern(&mut self, path: &Path<'_>, value: &str, re: (&Regex, &str)) {
        if !re.0.is_match(value) {
            self.push(
                path,
                ViolationKind::Invalid,
                Some(quote(value)),
                format!("{path} in body should match '{}'", re.1),
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
        re: Option<(&Regex, &str)>,
    ) {
        if let Some(max) = max {
            self.max_length(path, value, max);
        }
        if let Some(min) = min {
            self.min_length(path, value, min);
        }
        if let Some(re) = re {
            self.pattern(path, value, re);
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
    /// item's key rendered for the message (`map[string]interface {}{"name":"a"}` style).
    pub fn unique<K: PartialEq>(
        &mut self,
        path: &Path<'_>,
        keys: impl IntoIterator<Item = (K, String)>,
    ) {
        let mut seen: Vec<K> = Vec::new();
        for (i, (k, rendered)) in keys.into_iter().enumerate() {
            if seen.contains(&k) {
                let p = path.index(i);
                self.push(
                    &p,
                    ViolationKind::Duplicate,
                    Some(rendered),
                    String::new(),
                    Origin::OpenApi,
                );
            } else {
                seen.push(k);
            }
        }
    }
}

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
        r.unique(
            &l,
            ["a", "b", "a"]
                .into_iter()
                .map(|n| (n, map_key(&[("name", n)]))),
        );
        assert_eq!(r.violations.len(), 1);
        assert_eq!(
            r.violations[0].to_string(),
            "listeners[2]: Duplicate value: map[string]interface {}{\"name\":\"a\"}"
        );
    }
}
