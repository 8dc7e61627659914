//! gRPC: request path parsing, method conditions and the per-hostname gRPC
//! index.
//!
//! # The idea
//!
//! A gRPC call is `POST /{service}/{method}`. Exact conditions are hash-map
//! keys: service and method together (`svc/meth`, which is the request path
//! without its leading `/`), service only, method only. Those three groups
//! are already in precedence order for any one request (service characters,
//! then method characters). Regular-expression conditions are checked next,
//! in precedence order, then the rules without a method condition.

use crate::fast_hash::FastMap;

use regex_automata::meta;

use crate::precedence::{GrpcRank, Specificity};
use crate::{GrpcMatch, GrpcMatchType, GrpcMethodMatch};

/// Splits `/service/method`; `None` if the path is not of that form.
pub(crate) fn split_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix('/')?;
    let (service, method) = rest.split_once('/')?;
    (!method.contains('/')).then_some((service, method))
}

/// A method condition with empty strings treated as absent; `None` when
/// neither service nor method is set.
pub(crate) fn normalize(
    m: Option<&GrpcMethodMatch>,
) -> Option<(GrpcMatchType, Option<&str>, Option<&str>)> {
    let m = m?;
    let service = m.service.as_deref().filter(|s| !s.is_empty());
    let method = m.method.as_deref().filter(|s| !s.is_empty());
    (service.is_some() || method.is_some()).then_some((m.kind, service, method))
}

/// The gRPC part of the precedence key.
pub(crate) fn specificity(m: &GrpcMatch) -> Specificity<'static> {
    let headers = crate::header::effective(&m.headers).count();
    match normalize(m.method.as_ref()) {
        None => Specificity::Grpc {
            kind: GrpcRank::Any,
            service_chars: 0,
            method_chars: 0,
            headers,
        },
        Some((kind, service, method)) => Specificity::Grpc {
            kind: match kind {
                GrpcMatchType::Exact => GrpcRank::Exact,
                GrpcMatchType::RegularExpression => GrpcRank::Regex,
            },
            service_chars: service.map_or(0, str::len),
            method_chars: method.map_or(0, str::len),
            headers,
        },
    }
}

/// Compiled regular-expression service/method condition.
#[derive(Debug, Clone)]
pub(crate) struct GrpcRegex {
    pub(crate) service: Option<meta::Regex>,
    pub(crate) method: Option<meta::Regex>,
}

impl GrpcRegex {
    pub(crate) fn matches(&self, path: Option<(&str, &str)>) -> bool {
        let Some((service, method)) = path else {
            return false;
        };
        self.service
            .as_ref()
            .is_none_or(|re| crate::pattern::full_match(re, service.as_bytes()))
            && self
                .method
                .as_ref()
                .is_none_or(|re| crate::pattern::full_match(re, method.as_bytes()))
    }
}

/// The gRPC candidates of one hostname, each list in precedence order.
#[derive(Debug, Default)]
pub(crate) struct GrpcBucket {
    /// Exact service and method, keyed `service/method`.
    pub(crate) exact_full: FastMap<Box<str>, Box<[u32]>>,
    /// Exact service only.
    pub(crate) exact_service: FastMap<Box<str>, Box<[u32]>>,
    /// Exact method only.
    pub(crate) exact_method: FastMap<Box<str>, Box<[u32]>>,
    /// Regular-expression conditions.
    pub(crate) regex: Box<[u32]>,
    /// No method condition.
    pub(crate) any: Box<[u32]>,
}

impl GrpcBucket {
    /// Candidate lists to try for `path`, in precedence order.
    pub(crate) fn lists<'a>(
        &'a self,
        path: Option<(&'a str, &'a str)>,
        raw: &'a str,
    ) -> [&'a [u32]; 5] {
        const NONE: &[u32] = &[];
        let (full, service, method) = match path {
            Some((s, m)) => (
                self.exact_full.get(&raw[1..]).map_or(NONE, |b| &**b),
                self.exact_service.get(s).map_or(NONE, |b| &**b),
                self.exact_method.get(m).map_or(NONE, |b| &**b),
            ),
            None => (NONE, NONE, NONE),
        };
        [full, service, method, &self.regex, &self.any]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_path_is_service_slash_method() {
        assert_eq!(split_path("/foo.v1.Svc/Get"), Some(("foo.v1.Svc", "Get")));
        assert_eq!(split_path("/foo/Get/x"), None);
        assert_eq!(split_path("/foo"), None);
        assert_eq!(split_path("foo/Get"), None);
    }

    // spec: GRPCRouteRule matches — precedence to the most "Characters in a
    // matching service", then "Characters in a matching method".
    #[test]
    fn grpc_specificity_counts_service_then_method() {
        let m = |s: Option<&str>, me: Option<&str>| GrpcMatch {
            method: Some(GrpcMethodMatch {
                kind: GrpcMatchType::Exact,
                service: s.map(str::to_owned),
                method: me.map(str::to_owned),
            }),
            headers: vec![],
        };
        assert_eq!(
            specificity(&m(Some("svc"), Some(""))),
            Specificity::Grpc {
                kind: GrpcRank::Exact,
                service_chars: 3,
                method_chars: 0,
                headers: 0
            }
        );
        assert_eq!(
            specificity(&m(None, Some(""))),
            specificity(&GrpcMatch::default())
        );
    }
}
