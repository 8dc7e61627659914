//! Compiled value conditions shared by headers and query parameters.

use regex_automata::meta;

/// Exact bytes or a whole-value regex.
#[derive(Debug, Clone)]
pub(crate) enum ValuePredicate {
    Exact(Box<[u8]>),
    Regex(meta::Regex),
}

impl ValuePredicate {
    /// spec: HTTPHeaderMatch / HTTPQueryParamMatch — `Exact` compares
    /// case-sensitively; `RegularExpression` must match the whole value.
    #[inline]
    pub(crate) fn matches(&self, value: &[u8]) -> bool {
        match self {
            ValuePredicate::Exact(e) => **e == *value,
            ValuePredicate::Regex(re) => crate::pattern::full_match(re, value),
        }
    }
}
