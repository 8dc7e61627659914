//! Benchmarks of the workspace crates, with the workloads, request sets and baseline matchers
//! they use.
//!
//! * `matcher` (`cargo bench -p gateway-api-benches --bench matcher`): `gateway-api-match`
//!   against the reference matcher, a first-match scan, `matchit` and one-regex-at-a-time.
//! * `validate` (`cargo bench -p gateway-api-benches --bench validate [-- --quick]`): per-object
//!   validation of a realistic HTTPRoute and a 20-listener Gateway, natively and through kube-cel.
//! * `resolve` (`cargo bench -p gateway-api-benches --bench resolve`): full resolution of
//!   1 Gateway x 20 listeners x 10,000 HTTPRoutes, and one incremental change.
//!
//! Library modules (for the matcher benches):
//!
//! * [`workload`]: route tables of any size in several realistic mixes, and
//!   request pools that hit (or deliberately miss) them.
//! * [`dist`]: request sequences drawn uniformly, by popularity (Zipf) or
//!   as a cold set of never-seen requests.
//! * [`linear`]: an Envoy/agentgateway-style baseline: virtual host picked by
//!   hash, then a first-match linear scan of pre-sorted routes, each regex
//!   compiled and run on its own.
//! * [`pathonly`]: `matchit` on the path-only subset.
//! * [`regexes`]: one-regex-at-a-time path matching.

pub mod dist;
pub mod linear;
pub mod pathonly;
pub mod regexes;
pub mod workload;

pub use workload::{Mix, Req, Table, Workload};

use gateway_api_match::{Matcher, RouteMatch};

/// Looks a request up the way a proxy would: gRPC requests against the
/// GRPCRoutes, the others against the HTTPRoutes.
#[inline]
pub fn lookup<'m>(m: &'m Matcher<u32, u32>, r: &Req) -> Option<RouteMatch<'m, u32, u32>> {
    let req = r.request();
    if r.grpc {
        m.lookup_grpc(&req)
    } else {
        m.lookup(&req)
    }
}

/// `(route name, rule, match)` of a result, to compare matchers.
pub fn summary(m: Option<RouteMatch<'_, u32, u32>>) -> Option<(String, usize, Option<usize>)> {
    m.map(|m| (m.route.name.clone(), m.rule, m.match_index))
}
