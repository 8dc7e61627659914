//! The total order of candidate matches: one [`Ord`] impl, read top to
//! bottom. `Less` means "takes precedence".
//!
//! Both the compiled matcher and the [reference](mod@crate::reference) sort
//! candidates with this order; they differ only in how they find candidates.

use std::cmp::Ordering;

/// Host part of the key: the matching hostname's characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HostRank {
    /// Characters of a matching non-wildcard hostname (0 for a wildcard or no
    /// hostname).
    pub(crate) non_wildcard_chars: usize,
    /// Characters of the matching hostname, `*.` included (0 for none).
    pub(crate) chars: usize,
}

impl HostRank {
    pub(crate) fn of(host: Option<&crate::host::Hostname>) -> Self {
        use crate::host::Hostname;
        match host {
            None => HostRank {
                non_wildcard_chars: 0,
                chars: 0,
            },
            Some(h @ Hostname::Exact(_)) => HostRank {
                non_wildcard_chars: h.chars(),
                chars: h.chars(),
            },
            Some(h @ Hostname::Wildcard(_)) => HostRank {
                non_wildcard_chars: 0,
                chars: h.chars(),
            },
        }
    }
}

/// Path part of an HTTPRoute key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathRank<'a> {
    /// Exact path of this many characters.
    Exact(usize),
    /// Regular expression; longer pattern first, then the pattern text.
    Regex(&'a str),
    /// Normalized prefix of this many characters.
    Prefix(usize),
}

/// gRPC method-match kind: Exact > RegularExpression > none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum GrpcRank {
    /// No method condition.
    Any = 0,
    /// Regular expression condition.
    Regex = 1,
    /// Exact condition.
    Exact = 2,
}

/// The per-match part of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Specificity<'a> {
    /// An HTTPRouteMatch.
    Http {
        path: PathRank<'a>,
        method: bool,
        headers: usize,
        query_params: usize,
    },
    /// A GRPCRouteMatch.
    Grpc {
        kind: GrpcRank,
        service_chars: usize,
        method_chars: usize,
        headers: usize,
    },
}

/// Everything that orders one (route, rule, match) candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Precedence<'a> {
    pub(crate) host: HostRank,
    pub(crate) specificity: Specificity<'a>,
    pub(crate) creation_timestamp: i64,
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    /// Position of the route in its listener (last resort for duplicate ids).
    pub(crate) route: usize,
    pub(crate) rule: usize,
    pub(crate) match_index: usize,
}

/// `{namespace}/{name}` compared as one string, without allocating.
fn namespaced_name(a: &Precedence<'_>, b: &Precedence<'_>) -> Ordering {
    let x = a.namespace.bytes().chain([b'/']).chain(a.name.bytes());
    let y = b.namespace.bytes().chain([b'/']).chain(b.name.bytes());
    x.cmp(y)
}

impl Ord for Precedence<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        use Specificity::{Grpc, Http};
        let (a, b) = (self, other);
        // spec: HTTPRoute hostnames — precedence to the route with the most
        // "Characters in a matching non-wildcard hostname", then
        // "Characters in a matching hostname" (GRPCRouteRule: the same).
        b.host
            .non_wildcard_chars
            .cmp(&a.host.non_wildcard_chars)
            .then(b.host.chars.cmp(&a.host.chars))
            .then_with(|| match (a.specificity, b.specificity) {
                (
                    Http {
                        path: pa,
                        method: ma,
                        headers: ha,
                        query_params: qa,
                    },
                    Http {
                        path: pb,
                        method: mb,
                        headers: hb,
                        query_params: qb,
                    },
                ) => {
                    // spec: HTTPRouteRule matches — "Exact" path match, then
                    // "Prefix" path match with largest number of characters.
                    // RegularExpression precedence is implementation-specific:
                    // here Exact > RegularExpression > PathPrefix, and among
                    // regexes the longer pattern, then the smaller pattern text.
                    path_cmp(pa, pb)
                        // spec: HTTPRouteRule matches — "Method match."
                        .then(mb.cmp(&ma))
                        // spec: "Largest number of header matches."
                        .then(hb.cmp(&ha))
                        // spec: "Largest number of query param matches."
                        .then(qb.cmp(&qa))
                }
                (
                    Grpc {
                        kind: ka,
                        service_chars: sa,
                        method_chars: ma,
                        headers: ha,
                    },
                    Grpc {
                        kind: kb,
                        service_chars: sb,
                        method_chars: mb,
                        headers: hb,
                    },
                ) => {
                    // Implementation-specific: Exact method matches before
                    // RegularExpression ones before none. Then spec:
                    // GRPCRouteRule matches — "Characters in a matching
                    // service", "Characters in a matching method",
                    // "Header matches".
                    kb.cmp(&ka)
                        .then(sb.cmp(&sa))
                        .then(mb.cmp(&ma))
                        .then(hb.cmp(&ha))
                }
                (Http { .. }, Grpc { .. }) => Ordering::Less,
                (Grpc { .. }, Http { .. }) => Ordering::Greater,
            })
            // spec: "The oldest Route based on creation timestamp."
            .then(a.creation_timestamp.cmp(&b.creation_timestamp))
            // spec: "The Route appearing first in alphabetical order by
            // {namespace}/{name}."
            .then_with(|| namespaced_name(a, b))
            .then(a.route.cmp(&b.route))
            // spec: "matching precedence MUST be granted to the FIRST matching
            // rule (in list order)"; then the first match within the rule.
            .then(a.rule.cmp(&b.rule))
            .then(a.match_index.cmp(&b.match_index))
    }
}

impl PartialOrd for Precedence<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn path_cmp(a: PathRank<'_>, b: PathRank<'_>) -> Ordering {
    use PathRank::{Exact, Prefix, Regex};
    let rank = |p: PathRank<'_>| match p {
        Exact(_) => 2,
        Regex(_) => 1,
        Prefix(_) => 0,
    };
    rank(b).cmp(&rank(a)).then_with(|| match (a, b) {
        (Exact(x), Exact(y)) | (Prefix(x), Prefix(y)) => y.cmp(&x),
        (Regex(x), Regex(y)) => y.len().cmp(&x.len()).then(x.cmp(y)),
        _ => Ordering::Equal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(path: PathRank<'static>) -> Precedence<'static> {
        Precedence {
            host: HostRank {
                non_wildcard_chars: 0,
                chars: 0,
            },
            specificity: Specificity::Http {
                path,
                method: false,
                headers: 0,
                query_params: 0,
            },
            creation_timestamp: 0,
            namespace: "ns",
            name: "r",
            route: 0,
            rule: 0,
            match_index: 0,
        }
    }

    fn with(
        p: Precedence<'static>,
        f: impl FnOnce(&mut Precedence<'static>),
    ) -> Precedence<'static> {
        let mut p = p;
        f(&mut p);
        p
    }

    // spec: HTTPRouteRule matches — "Exact" path match beats "Prefix" path
    // match with largest number of characters.
    #[test]
    fn exact_beats_regex_beats_prefix() {
        let e = http(PathRank::Exact(2));
        let r = http(PathRank::Regex("/.*"));
        let p = http(PathRank::Prefix(100));
        assert!(e < r && r < p);
        assert!(http(PathRank::Prefix(4)) < http(PathRank::Prefix(3)));
        assert!(http(PathRank::Regex("/abc")) < http(PathRank::Regex("/.*")));
        assert!(http(PathRank::Regex("/a.*")) < http(PathRank::Regex("/b.*")));
    }

    // spec: "The Route appearing first in alphabetical order by
    // {namespace}/{name}" — the joined string, not the (namespace, name) pair.
    #[test]
    fn alphabetical_namespace_name_is_the_joined_string() {
        let a = with(http(PathRank::Prefix(1)), |p| {
            p.namespace = "a-b";
            p.name = "c";
        });
        let b = with(http(PathRank::Prefix(1)), |p| {
            p.namespace = "a";
            p.name = "z";
        });
        // "a-b/c" < "a/z" because '-' < '/'.
        assert!(a < b);
    }

    // spec: HTTPRoute hostnames — precedence to the most "Characters in a
    // matching non-wildcard hostname".
    #[test]
    fn hostname_precedence_comes_first() {
        let exact = with(http(PathRank::Prefix(1)), |p| {
            p.host = HostRank {
                non_wildcard_chars: 5,
                chars: 5,
            }
        });
        let wild = with(http(PathRank::Exact(10)), |p| {
            p.host = HostRank {
                non_wildcard_chars: 0,
                chars: 20,
            }
        });
        assert!(exact < wild);
    }
}
