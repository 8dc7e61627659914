//! Route rule precedence: the total order in which a data plane must try matches — and
//! nothing else.
//!
//! spec: `HTTPRouteRule` ("Proxy or Load Balancer routing configuration generated from
//! HTTPRoutes MUST prioritize matches based on the following criteria", apis/v1/httproute_types.go),
//! `GRPCRouteRule` (apis/v1/grpcroute_types.go) and `AllowedRoutes` (oldest Route, then
//! namespace/name). The whole order is the one [`Ord`] impl of [`MatchSummary`], read top to
//! bottom; `a < b` means `a` is tried first.
//!
//! Regular-expression paths are implementation-specific in the spec. Following Envoy Gateway
//! and Contour: `Exact` before `RegularExpression` before `PathPrefix`, longer values first
//! within each type.
//!
//! Offline, `metadata.creationTimestamp` comes from the manifest; a Route without one ties with
//! other Routes without one and sorts after every Route that has one (its age is unknown).

use std::cmp::Ordering;
use std::sync::Arc;

use gateway_api_types::conditions::Time;
use gateway_api_types::v1::grpcroute::GRPCRouteMatch;
use gateway_api_types::v1::httproute::{HTTPRouteMatch, PathMatchType};

/// How a match selects paths (HTTP) or methods (gRPC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathKey {
    /// `Exact` path of this length.
    Exact(usize),
    /// `RegularExpression` path of this length.
    RegularExpression(usize),
    /// `PathPrefix` path of this length.
    PathPrefix(usize),
    /// A gRPC method match: lengths of service and method (0 = any).
    Grpc {
        /// Characters in the service.
        service: usize,
        /// Characters in the method.
        method: usize,
    },
    /// Matches any path (L4 Routes).
    Any,
}

impl PathKey {
    /// (type rank, length rank): lower is tried first.
    fn rank(&self) -> (u8, std::cmp::Reverse<(usize, usize)>) {
        use std::cmp::Reverse as R;
        match *self {
            // spec: HTTPRouteRule precedence item 2 (longest Exact path), then regex, then the
            // longest prefix (item 3).
            Self::Exact(n) => (0, R((n, 0))),
            Self::RegularExpression(n) => (1, R((n, 0))),
            Self::PathPrefix(n) => (2, R((n, 0))),
            // spec: GRPCRouteRule precedence items 3-4 (longest service, then method).
            Self::Grpc { service, method } => (3, R((service, method))),
            Self::Any => (4, R((0, 0))),
        }
    }
}

/// Everything that orders one (hostname, rule, match) of a Route among all others on a
/// listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchSummary {
    /// The intersected hostname this entry serves (`None` = any hostname).
    pub hostname: Option<Arc<str>>,
    /// Path (or gRPC method) selector.
    pub path: PathKey,
    /// Whether a method is matched.
    pub method: bool,
    /// Number of header matches.
    pub headers: usize,
    /// Number of query parameter matches.
    pub query_params: usize,
    /// The Route's `metadata.creationTimestamp`.
    pub created: Option<Time>,
    /// The Route's namespace.
    pub namespace: Arc<str>,
    /// The Route's name.
    pub name: Arc<str>,
    /// Index of the rule in the Route.
    pub rule_index: usize,
    /// Index of the match in the rule.
    pub match_index: usize,
}

/// Host specificity: exact hostnames first, then wildcards with more labels, then "any"; ties
/// broken by the longer, then the alphabetically first name (only for a total order: entries
/// with different hostnames never compete for a request).
fn host_rank(
    h: &Option<Arc<str>>,
) -> (u8, std::cmp::Reverse<usize>, std::cmp::Reverse<usize>, &str) {
    use std::cmp::Reverse as R;
    match h {
        Some(h) if !h.starts_with('*') => (0, R(labels(h)), R(h.len()), h),
        Some(h) => (1, R(labels(h)), R(h.len()), h),
        None => (2, R(0), R(0), ""),
    }
}

/// Number of DNS labels of a hostname.
fn labels(h: &str) -> usize {
    h.bytes().filter(|&b| b == b'.').count() + 1
}

impl Ord for MatchSummary {
    fn cmp(&self, other: &Self) -> Ordering {
        use std::cmp::Reverse as R;
        // spec: Listener hostname precedence — exact over wildcard, more specific wildcard first.
        host_order(&self.hostname, &other.hostname)
            // spec: HTTPRouteRule precedence items 1-3 (path type and length).
            .then_with(|| self.path.rank().cmp(&other.path.rank()))
            // spec: HTTPRouteRule precedence item 4 (method match).
            .then_with(|| R(self.method).cmp(&R(other.method)))
            // spec: HTTPRouteRule precedence item 5 (largest number of header matches).
            .then_with(|| R(self.headers).cmp(&R(other.headers)))
            // spec: HTTPRouteRule precedence item 6 (largest number of query param matches).
            .then_with(|| R(self.query_params).cmp(&R(other.query_params)))
            // spec: the oldest Route wins; unknown age sorts last.
            .then_with(|| match (&self.created, &other.created) {
                (Some(a), Some(b)) => a.cmp(b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            // spec: then alphabetical namespace/name.
            .then_with(|| self.namespace.cmp(&other.namespace))
            .then_with(|| self.name.cmp(&other.name))
            // spec: then the first rule and match in the Route.
            .then_with(|| self.rule_index.cmp(&other.rule_index))
            .then_with(|| self.match_index.cmp(&other.match_index))
    }
}

/// The steps of [`MatchSummary`]'s order up to the creation time, packed in two integers:
/// sorting by it, then by the full order among equal keys, gives the full order. Counts and
/// lengths too large for their bits are clamped, which can only turn an order into a tie (that
/// the full order then breaks), never invert it. `host` is the rank of the entry's hostname
/// among the distinct hostnames being sorted, in the order of the hostname step (see
/// [`host_order`]).
pub(crate) type SortKey = (u128, u128);

impl MatchSummary {
    /// The [`SortKey`] of this entry, its hostname ranked `host`. Must agree with [`Ord`]
    /// step by step (tested below).
    pub(crate) fn sort_key(&self, host: u32) -> SortKey {
        // Larger first: store the complement of the clamped value.
        let desc = |n: usize, bits: u32| {
            let max = (1u128 << bits) - 1;
            max - u128::try_from(n).unwrap_or(max).min(max)
        };
        let (path_type, std::cmp::Reverse((a, b))) = self.path.rank();
        let steps = (u128::from(host) << 96)
            | (u128::from(path_type) << 88)
            | (desc(a, 32) << 56)
            | (desc(b, 32) << 24)
            | (u128::from(!self.method) << 23)
            | (desc(self.headers, 11) << 12)
            | desc(self.query_params, 12);
        // Oldest first, unknown age last. Timestamps are within about 2^69 ns of the epoch.
        let created = match &self.created {
            None => u128::MAX,
            Some(t) => u128::try_from(t.0.as_nanosecond() + (1i128 << 100)).unwrap_or(0),
        };
        (steps, created)
    }
}

/// The hostname step of [`MatchSummary`]'s order between two distinct hostnames (`None` =
/// any hostname): ranking distinct hostnames by it gives [`SortKey`]'s `host`.
pub(crate) fn host_order(a: &Option<Arc<str>>, b: &Option<Arc<str>>) -> Ordering {
    if a == b {
        Ordering::Equal
    } else {
        host_rank(a).cmp(&host_rank(b))
    }
}

impl PartialOrd for MatchSummary {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The path key of an HTTPRoute match.
pub fn http_path_key(m: &HTTPRouteMatch) -> PathKey {
    let Some(p) = &m.path else {
        return PathKey::PathPrefix(1);
    };
    let n = p.value.as_deref().unwrap_or("/").len();
    match p.type_.as_ref().unwrap_or(&PathMatchType::PathPrefix) {
        PathMatchType::Exact => PathKey::Exact(n),
        PathMatchType::RegularExpression => PathKey::RegularExpression(n),
        _ => PathKey::PathPrefix(n),
    }
}

/// The path key of a GRPCRoute match.
pub fn grpc_path_key(m: &GRPCRouteMatch) -> PathKey {
    let method = m.method.as_ref();
    PathKey::Grpc {
        service: method
            .and_then(|x| x.service.as_ref())
            .map_or(0, String::len),
        method: method
            .and_then(|x| x.method.as_ref())
            .map_or(0, String::len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(path: PathKey) -> MatchSummary {
        MatchSummary {
            hostname: None,
            path,
            method: false,
            headers: 0,
            query_params: 0,
            created: None,
            namespace: "ns".into(),
            name: "r".into(),
            rule_index: 0,
            match_index: 0,
        }
    }

    #[test]
    fn path_length_precedence() {
        assert!(s(PathKey::Exact(1)) < s(PathKey::RegularExpression(10)));
        assert!(s(PathKey::RegularExpression(1)) < s(PathKey::PathPrefix(10)));
        assert!(s(PathKey::PathPrefix(5)) < s(PathKey::PathPrefix(2)));
    }

    #[test]
    fn hostname_precedence() {
        let mut a = s(PathKey::PathPrefix(1));
        a.hostname = Some("a.example.com".into());
        let mut b = a.clone();
        b.hostname = Some("*.example.com".into());
        let mut c = a.clone();
        c.hostname = Some("*.a.example.com".into());
        assert!(a < c && c < b && b < s(PathKey::Exact(100)));
    }

    #[test]
    fn method_then_header_then_query_precedence() {
        let mut m = s(PathKey::PathPrefix(1));
        m.method = true;
        let mut h = s(PathKey::PathPrefix(1));
        h.headers = 3;
        let mut q = s(PathKey::PathPrefix(1));
        q.query_params = 1;
        assert!(m < h && h < q && q < s(PathKey::PathPrefix(1)));
    }

    /// Entries differing in every step of the order, in many combinations.
    fn variety() -> Vec<MatchSummary> {
        let hosts: [Option<Arc<str>>; 5] = [
            None,
            Some("a.example.com".into()),
            Some("*.example.com".into()),
            Some("*.a.example.com".into()),
            Some("b.example.com".into()),
        ];
        let paths = [
            PathKey::Exact(3),
            PathKey::Exact(7),
            PathKey::Exact(usize::MAX),
            PathKey::RegularExpression(4),
            PathKey::PathPrefix(1),
            PathKey::PathPrefix(9),
            PathKey::Grpc {
                service: 3,
                method: 0,
            },
            PathKey::Grpc {
                service: 3,
                method: 2,
            },
            PathKey::Any,
        ];
        let times = [
            None,
            Some(Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)),
            Some(Time(k8s_openapi::jiff::Timestamp::from_second(-5).unwrap())),
            Some(Time(
                k8s_openapi::jiff::Timestamp::new(1_700_000_000, 5).unwrap(),
            )),
        ];
        let mut out = Vec::new();
        let mut n = 0usize;
        for h in &hosts {
            for p in &paths {
                for t in &times {
                    n += 1;
                    let mut m = s(p.clone());
                    m.hostname = h.clone();
                    m.created = t.clone();
                    m.method = n.is_multiple_of(2);
                    m.headers = [0, 1, 2, 5000, usize::MAX][n % 5];
                    m.query_params = [0, 1, 9000, usize::MAX][n % 4];
                    m.name = if n % 7 < 3 { "a" } else { "b" }.into();
                    m.rule_index = n % 4;
                    out.push(m);
                }
            }
        }
        out
    }

    #[test]
    fn sort_key_agrees_with_the_order() {
        let v = variety();
        let mut hosts: Vec<Option<Arc<str>>> = v.iter().map(|m| m.hostname.clone()).collect();
        hosts.sort_by(host_order);
        hosts.dedup();
        let rank = |h: &Option<Arc<str>>| {
            u32::try_from(hosts.iter().position(|x| x == h).unwrap()).unwrap()
        };
        for a in &v {
            for b in &v {
                let (ka, kb) = (a.sort_key(rank(&a.hostname)), b.sort_key(rank(&b.hostname)));
                // The key never contradicts the order, and ties only where the order looks
                // past the creation time.
                if ka != kb {
                    assert_eq!(ka.cmp(&kb), a.cmp(b), "{a:?} vs {b:?}");
                } else {
                    assert_eq!(a.hostname, b.hostname);
                    assert_eq!(
                        (&a.path, a.method, a.headers),
                        (&b.path, b.method, b.headers)
                    );
                    assert_eq!((a.query_params, &a.created), (b.query_params, &b.created));
                }
            }
        }
    }

    #[test]
    fn oldest_then_name_then_index() {
        let mut old = s(PathKey::Any);
        old.created = Some(Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH));
        old.name = "z".into();
        let mut other = s(PathKey::Any);
        other.name = "a".into();
        assert!(old < other);
        let mut later_rule = other.clone();
        later_rule.rule_index = 1;
        assert!(other < later_rule);
    }
}
