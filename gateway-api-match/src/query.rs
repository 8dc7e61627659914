//! Query parameter matching.
//!
//! The query string is split on `&`, each pair on its first `=` (a pair
//! without `=` has the empty value). Names and values are compared as sent:
//! case-sensitive, not percent-decoded, `+` not turned into a space.

use crate::value::ValuePredicate;

/// First value of the parameter `name` in `query`.
///
/// spec: HTTPQueryParamMatch name — "it is *recommended* that
/// implementations should match against the first value of the param".
pub(crate) fn first_value<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    let q = query.as_bytes();
    let nb = name.as_bytes();
    // A pair's name ends at its first `=` and the pair at `&`: a name
    // holding either never matches.
    if nb.iter().any(|&b| b == b'=' || b == b'&') {
        return None;
    }
    let mut start = 0;
    loop {
        let end = q[start..]
            .iter()
            .position(|&b| b == b'&')
            .map_or(q.len(), |i| start + i);
        let pair = &q[start..end];
        if pair.starts_with(nb) {
            match pair.get(nb.len()) {
                None => return Some(""),
                Some(b'=') => return query.get(start + nb.len() + 1..end),
                Some(_) => {}
            }
        }
        if end == q.len() {
            return None;
        }
        start = end + 1;
    }
}

#[derive(Debug, Clone)]
pub(crate) struct QueryPredicate {
    pub(crate) name: Box<str>,
    pub(crate) value: ValuePredicate,
}

impl QueryPredicate {
    #[inline]
    pub(crate) fn matches(&self, query: Option<&str>) -> bool {
        query
            .and_then(|q| first_value(q, &self.name))
            .is_some_and(|v| self.value.matches(v.as_bytes()))
    }
}

/// Indices of the query conditions that count: the first per (exact) name.
///
/// spec: HTTPQueryParamMatch name — "If multiple entries specify equivalent
/// query param names, only the first entry with an equivalent name MUST be
/// considered for a match."
pub(crate) fn effective(
    params: &[crate::QueryParamMatch],
) -> impl Iterator<Item = (usize, &crate::QueryParamMatch)> {
    params
        .iter()
        .enumerate()
        .filter(|(i, q)| !params[..*i].iter().any(|e| e.name == q.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec: HTTPQueryParamMatch name — match "against the first value of the
    // param".
    #[test]
    fn query_param_first_value_wins() {
        assert_eq!(first_value("a=1&a=2", "a"), Some("1"));
        assert_eq!(first_value("b=1&a=2&a=3", "a"), Some("2"));
        assert_eq!(first_value("a&a=2", "a"), Some(""));
        assert_eq!(first_value("A=1", "a"), None);
        assert_eq!(first_value("a%3D=1", "a"), None);
        assert_eq!(first_value("x=a=b", "x"), Some("a=b"));
        assert_eq!(first_value("ab=1&a=2", "a"), Some("2"));
        assert_eq!(first_value("a=b=1", "a=b"), None);
        assert_eq!(first_value("a&b", "a&b"), None);
        assert_eq!(first_value("", "a"), None);
        assert_eq!(first_value("&a", "a"), Some(""));
        assert_eq!(first_value("a=", "a"), Some(""));
        assert_eq!(first_value("b=1&", ""), Some(""));
        assert_eq!(first_value("b=1&=2", ""), Some("2"));
    }
}
