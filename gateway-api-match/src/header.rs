//! Header matching: request header access and compiled header conditions.

use http::HeaderName;
use http::header::HeaderMap;

use crate::value::ValuePredicate;

/// Read access to request headers for matching.
///
/// Implementations return the **first** value of a header: when a header is
/// repeated, the matcher looks at its first occurrence only.
///
/// Implemented for [`HeaderMap`] and for slices of `(name, value)` pairs
/// (names compared ASCII case-insensitively).
pub trait Headers {
    /// First value of the header `name` (a lower-case [`HeaderName`]).
    fn first_value(&self, name: &HeaderName) -> Option<&[u8]>;
}

impl Headers for HeaderMap {
    fn first_value(&self, name: &HeaderName) -> Option<&[u8]> {
        self.get(name).map(|v| v.as_bytes())
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> Headers for [(N, V)] {
    fn first_value(&self, name: &HeaderName) -> Option<&[u8]> {
        // `HeaderName`s are lower case: compare 8 bytes at a time,
        // lower-casing only the request's bytes, and only when they differ.
        let want = name.as_str().as_bytes();
        self.iter()
            .find(|(n, _)| crate::host::eq_lower(n.as_ref().as_bytes(), want))
            .map(|(_, v)| v.as_ref())
    }
}

impl<T: Headers + ?Sized> Headers for &T {
    fn first_value(&self, name: &HeaderName) -> Option<&[u8]> {
        (**self).first_value(name)
    }
}

/// A compiled header condition.
#[derive(Debug, Clone)]
pub(crate) struct HeaderPredicate {
    pub(crate) name: HeaderName,
    pub(crate) value: ValuePredicate,
}

impl HeaderPredicate {
    /// spec: HTTPHeaderMatch — names match case-insensitively; for a repeated
    /// request header the first value is used (implementation-specific).
    #[inline]
    pub(crate) fn matches<H: Headers + ?Sized>(&self, headers: &H) -> bool {
        headers
            .first_value(&self.name)
            .is_some_and(|v| self.value.matches(v))
    }
}

/// Indices of the header conditions that count: of entries with equal
/// (case-insensitive) names, only the first.
///
/// spec: HTTPHeaderMatch name — "If multiple entries specify equivalent header
/// names, only the first entry with an equivalent name MUST be considered for
/// a match. Subsequent entries with an equivalent header name MUST be ignored."
pub(crate) fn effective(
    headers: &[crate::HeaderMatch],
) -> impl Iterator<Item = (usize, &crate::HeaderMatch)> {
    headers.iter().enumerate().filter(|(i, h)| {
        !headers[..*i]
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(&h.name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec: HTTPHeaderMatch — "When a header is repeated in an HTTP request,
    // it is implementation-specific behavior"; this crate matches the first.
    #[test]
    fn repeated_request_header_uses_first_value() {
        let name = HeaderName::from_static("x-a");
        let pairs = [("X-A", "1"), ("x-a", "2")];
        assert_eq!(pairs[..].first_value(&name), Some(&b"1"[..]));
        // Long names, mixed case, and near misses (bit 5 differences that
        // are not letters).
        let long = HeaderName::from_static("x-request-identifier");
        let long_pairs = [
            ("x-request-identifie", "0"),
            ("x\rrequest-identifier", "1"),
            ("X-Request-IdentifieR", "2"),
            ("x-request-identifier", "3"),
        ];
        assert_eq!(long_pairs[..].first_value(&long), Some(&b"2"[..]));
        assert_eq!(long_pairs[3..].first_value(&long), Some(&b"3"[..]));
        assert_eq!(long_pairs[..2].first_value(&long), None);
        let mut map = HeaderMap::new();
        map.append("x-a", "1".parse().expect("value"));
        map.append("x-a", "2".parse().expect("value"));
        assert_eq!(map.first_value(&name), Some(&b"1"[..]));
    }

    // spec: HTTPHeaderMatch name — "Subsequent entries with an equivalent
    // header name MUST be ignored."
    #[test]
    fn duplicate_header_conditions_keep_the_first() {
        let hs = [
            crate::HeaderMatch::exact("X-A", "1"),
            crate::HeaderMatch::exact("x-a", "2"),
            crate::HeaderMatch::exact("x-b", "3"),
        ];
        let kept: Vec<usize> = effective(&hs).map(|(i, _)| i).collect();
        assert_eq!(kept, [0, 2]);
    }
}
