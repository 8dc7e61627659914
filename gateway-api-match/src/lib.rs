//! A compiled Gateway API route matcher that follows the spec exactly.
//!
//! Build a [`RouteTable`] of listeners and their attached HTTPRoutes and
//! GRPCRoutes from this crate's plain data model (no Kubernetes types),
//! [`compile`] it once into an immutable, `Send + Sync` [`Matcher`], then
//! look requests up. A lookup never scans the routes: it goes through a
//! hostname index, a path index (exact hash map, segment trie, one
//! multi-pattern regex automaton per hostname) and only then checks the
//! method, header and query conditions of the few remaining candidates, in
//! precedence order. It does not allocate.
//!
//! ```
//! use gateway_api_match::*;
//!
//! let mut listener = Listener::new("http", 80, None);
//! listener.http_routes.push(HttpRoute {
//!     id: RouteId::http("default", "api"),
//!     creation_timestamp: 0,
//!     hostnames: vec!["*.example.com".into()],
//!     rules: vec![
//!         HttpRule {
//!             matches: vec![HttpMatch::path(PathMatch::PathPrefix("/api".into()))],
//!             filters: vec!["api"],
//!             backends: vec![
//!                 WeightedBackend { backend: "api-v1", weight: 90 },
//!                 WeightedBackend { backend: "api-v2", weight: 10 },
//!             ],
//!         },
//!         HttpRule {
//!             matches: vec![HttpMatch {
//!                 path: PathMatch::PathPrefix("/api".into()),
//!                 headers: vec![HeaderMatch::exact("x-canary", "1")],
//!                 ..HttpMatch::default()
//!             }],
//!             filters: vec![],
//!             backends: vec![WeightedBackend { backend: "api-canary", weight: 1 }],
//!         },
//!     ],
//! });
//! let matcher = compile(RouteTable { listeners: vec![listener] })?;
//!
//! let headers = [("X-Canary", "1")];
//! let req = Request::new(80, "GET", "www.Example.com:80", "/api/users", None, &headers[..]);
//! let hit = matcher.lookup(&req).expect("matched");
//! assert_eq!(hit.route.name, "api");
//! assert_eq!(hit.rule, 1); // more header matches take precedence
//! assert_eq!(hit.backends.pick(42), Some(&"api-canary"));
//!
//! // `/apix` is not under the `/api` prefix: no route, answer 404.
//! let req = Request::new(80, "GET", "www.example.com", "/apix", None, &headers[..]);
//! assert!(matcher.lookup(&req).is_none());
//! # Ok::<(), CompileError>(())
//! ```
//!
//! # Semantics
//!
//! * **Listener**: by port, then hostname: exact, then the longest matching
//!   wildcard, then a listener without hostname (first in table order on
//!   ties). Only the selected listener's routes are considered.
//! * **Hostnames**: the request authority's port and one trailing dot are
//!   ignored; comparison is ASCII case-insensitive; `*.example.com` matches
//!   one or more labels in front of `example.com`, never `example.com`.
//!   Route hostnames are intersected with the listener's.
//! * **Precedence** (the one [`Ord`] in `precedence.rs`), continuing on ties:
//!   characters of a matching non-wildcard hostname; characters of a matching
//!   hostname; path: Exact, then RegularExpression (longer pattern first,
//!   then pattern text; implementation-specific), then PathPrefix (longer
//!   first); method match; number of header matches; number of query param
//!   matches; oldest creation timestamp; `{namespace}/{name}`
//!   alphabetically; rule order; match order. GRPCRoutes: hostname, then
//!   Exact method matches, RegularExpression, none; characters of service,
//!   of method; header matches; then the same route tie-breaks.
//! * **Paths** are compared as received (no percent-decoding or dot-segment
//!   removal); PathPrefix is segment-aware and ignores a trailing `/`.
//! * **Headers**: names case-insensitive; the first value of a repeated
//!   header is used. **Query**: the first value of a parameter, names and
//!   values compared without decoding.
//! * **Regular expressions** (the `regex-syntax` dialect) must match the
//!   whole value; engines are linear-time with size limits set in
//!   [`CompileOptions`].
//! * **No match** is `None`: answer 404 (gRPC: `UNIMPLEMENTED`). A match
//!   whose [`BackendSet::pick`] returns `None` (no backend with weight > 0)
//!   should get a 500.
//!
//! The [`reference`](mod@reference) module implements the same rules literally (sort every
//! candidate, take the first that matches); property tests check that both
//! always agree.

#![forbid(unsafe_code)]

mod error;
mod fast_hash;
mod grpc;
mod header;
mod host;
mod matcher;
mod model;
mod path;
mod pattern;
mod precedence;
mod query;
pub mod reference;
mod regex_index;
mod request;
mod value;
mod weighted;

pub use error::{CompileError, Location};
pub use header::Headers;
pub use host::normalize_authority;
pub use matcher::{ListenerInfo, Matcher, RouteKind, RouteMatch, compile, compile_with};
pub use model::{
    GrpcMatch, GrpcMatchType, GrpcMethodMatch, GrpcRoute, GrpcRule, HeaderMatch, HttpMatch,
    HttpRoute, HttpRule, Listener, PathMatch, QueryParamMatch, RouteId, RouteTable, ValueMatch,
    WeightedBackend,
};
pub use pattern::CompileOptions;
pub use request::Request;
pub use weighted::BackendSet;
