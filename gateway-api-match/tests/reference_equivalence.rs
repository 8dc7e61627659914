//! Property test: the compiled matcher and the literal reference matcher
//! agree on random route tables and requests built to collide (shared
//! prefixes, wildcards, equal lengths, duplicate headers, trailing slashes,
//! mixed case, percent-encoding).
//!
//! Runs 256 cases by default; set `PROPTEST_CASES` for more.

use gateway_api_match::reference::ReferenceMatcher;
use gateway_api_match::*;
use proptest::prelude::*;

/// Filter = (listener, route position, kind, rule): identifies the rule.
type Filter = (usize, usize, u8, usize);

/// (listener, route, rule, match, filters) of a result.
type Summary = (usize, RouteId, usize, Option<usize>, Vec<Filter>);

fn pick<T: Clone + std::fmt::Debug + 'static>(xs: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(xs)
}

const LISTENER_HOSTS: &[Option<&str>] = &[
    None,
    None,
    Some("example.com"),
    Some("*.example.com"),
    Some("a.example.com"),
    Some("*.a.example.com"),
];
const ROUTE_HOSTS: &[&str] = &[
    "example.com",
    "a.example.com",
    "A.example.com.",
    "*.example.com",
    "*.a.example.com",
    "b.example.com",
    "*.com",
    "x.a.example.com",
];
const PATHS: &[&str] = &[
    "/",
    "/a",
    "/a/",
    "/ab",
    "/a/b",
    "/A",
    "/a%2Fb",
    "/a/b/",
    "/abc",
    "/a//b",
    "/abcdefg",
    "/abcdefg/h",
    "/abcdefg/hijklmno",
    "/abcdefg/hijklmno/",
];
const REGEXES: &[&str] = &[
    "/a.*",
    "/a|/ab",
    "/[ab]+",
    "/a/b",
    "/(a|ab)/?",
    ".*",
    "/a/.*",
    "/A.*",
    "/ab?",
];
const METHODS: &[Option<&str>] = &[None, None, Some("GET"), Some("POST")];
const HEADER_NAMES: &[&str] = &["x-a", "X-A", "x-b"];
const VALUES: &[&str] = &["1", "2", "12", ""];
const VALUE_REGEXES: &[&str] = &["1|12", "1", "[0-9]*", "2?"];
const QUERY_NAMES: &[&str] = &["q", "Q", "r"];
const NAMESPACES: &[&str] = &["a", "a-b", "b"];
const NAMES: &[&str] = &["r", "s", "z"];

fn value() -> impl Strategy<Value = ValueMatch> {
    prop_oneof![
        3 => pick(VALUES).prop_map(|v| ValueMatch::Exact(v.to_owned())),
        1 => pick(VALUE_REGEXES).prop_map(|v| ValueMatch::RegularExpression(v.to_owned())),
    ]
}

fn path_match() -> impl Strategy<Value = PathMatch> {
    prop_oneof![
        2 => pick(PATHS).prop_map(|p| PathMatch::Exact(p.to_owned())),
        3 => pick(PATHS).prop_map(|p| PathMatch::PathPrefix(p.to_owned())),
        2 => pick(REGEXES).prop_map(|p| PathMatch::RegularExpression(p.to_owned())),
    ]
}

fn http_match() -> impl Strategy<Value = HttpMatch> {
    (
        path_match(),
        pick(METHODS),
        prop::collection::vec((pick(HEADER_NAMES), value()), 0..3),
        prop::collection::vec((pick(QUERY_NAMES), value()), 0..3),
    )
        .prop_map(|(path, method, headers, queries)| HttpMatch {
            path,
            method: method.map(|m| m.parse().expect("method")),
            headers: headers
                .into_iter()
                .map(|(name, value)| HeaderMatch {
                    name: name.to_owned(),
                    value,
                })
                .collect(),
            query_params: queries
                .into_iter()
                .map(|(name, value)| QueryParamMatch {
                    name: name.to_owned(),
                    value,
                })
                .collect(),
        })
}

fn route_meta() -> impl Strategy<Value = (Vec<&'static str>, i64, &'static str, &'static str)> {
    (
        prop::collection::vec(pick(ROUTE_HOSTS), 0..3),
        0i64..3,
        pick(NAMESPACES),
        pick(NAMES),
    )
}

fn http_route() -> impl Strategy<Value = HttpRoute<Filter, u32>> {
    (
        route_meta(),
        prop::collection::vec(prop::collection::vec(http_match(), 0..3), 0..4),
    )
        .prop_map(|((hosts, created, ns, name), rules)| HttpRoute {
            id: RouteId::http(ns, name),
            creation_timestamp: created,
            hostnames: hosts.into_iter().map(str::to_owned).collect(),
            rules: rules
                .into_iter()
                .map(|matches| HttpRule {
                    matches,
                    filters: vec![],
                    backends: vec![WeightedBackend {
                        backend: 1,
                        weight: 1,
                    }],
                })
                .collect(),
        })
}

const SERVICES: &[&str] = &["foo.Svc", "foo.Svc2", "bar.Svc", "foo"];
const GRPC_METHODS: &[&str] = &["Get", "GetX", "List"];
const SERVICE_REGEXES: &[&str] = &["foo\\..*", ".*Svc", "foo\\.Svc2?"];
const METHOD_REGEXES: &[&str] = &["Get.*", "Get|GetX", "L.*"];

fn grpc_match() -> impl Strategy<Value = GrpcMatch> {
    let exact = (
        proptest::option::of(pick(SERVICES)),
        proptest::option::of(pick(GRPC_METHODS)),
    )
        .prop_map(|(s, m)| GrpcMethodMatch {
            kind: GrpcMatchType::Exact,
            service: s.map(str::to_owned),
            method: m.map(str::to_owned),
        });
    let regex = (
        proptest::option::of(pick(SERVICE_REGEXES)),
        proptest::option::of(pick(METHOD_REGEXES)),
    )
        .prop_map(|(s, m)| GrpcMethodMatch {
            kind: GrpcMatchType::RegularExpression,
            service: s.map(str::to_owned),
            method: m.map(str::to_owned),
        });
    (
        prop_oneof![1 => Just(None), 3 => exact.prop_map(Some), 2 => regex.prop_map(Some)],
        prop::collection::vec((pick(HEADER_NAMES), value()), 0..3),
    )
        .prop_map(|(method, headers)| GrpcMatch {
            method,
            headers: headers
                .into_iter()
                .map(|(name, value)| HeaderMatch {
                    name: name.to_owned(),
                    value,
                })
                .collect(),
        })
}

fn grpc_route() -> impl Strategy<Value = GrpcRoute<Filter, u32>> {
    (
        route_meta(),
        prop::collection::vec(prop::collection::vec(grpc_match(), 0..3), 0..3),
    )
        .prop_map(|((hosts, created, ns, name), rules)| GrpcRoute {
            id: RouteId::grpc(ns, name),
            creation_timestamp: created,
            hostnames: hosts.into_iter().map(str::to_owned).collect(),
            rules: rules
                .into_iter()
                .map(|matches| GrpcRule {
                    matches,
                    filters: vec![],
                    backends: vec![],
                })
                .collect(),
        })
}

fn table() -> impl Strategy<Value = RouteTable<Filter, u32>> {
    prop::collection::vec(
        (
            pick(&[80u16, 80, 8080]),
            pick(LISTENER_HOSTS),
            prop::collection::vec(http_route(), 0..5),
            prop::collection::vec(grpc_route(), 0..3),
        ),
        1..4,
    )
    .prop_map(|ls| {
        let mut t = RouteTable {
            listeners: ls
                .into_iter()
                .enumerate()
                .map(|(i, (port, host, http_routes, grpc_routes))| Listener {
                    name: format!("l{i}"),
                    port,
                    hostname: host.map(str::to_owned),
                    http_routes,
                    grpc_routes,
                })
                .collect(),
        };
        // Tag every rule so results can be compared exactly.
        for (li, l) in t.listeners.iter_mut().enumerate() {
            for (ri, r) in l.http_routes.iter_mut().enumerate() {
                for (i, rule) in r.rules.iter_mut().enumerate() {
                    rule.filters = vec![(li, ri, 0, i)];
                }
            }
            for (ri, r) in l.grpc_routes.iter_mut().enumerate() {
                for (i, rule) in r.rules.iter_mut().enumerate() {
                    rule.filters = vec![(li, ri, 1, i)];
                }
            }
        }
        t
    })
}

const AUTHORITIES: &[&str] = &[
    "example.com",
    "A.Example.com:80",
    "a.example.com.",
    "x.a.example.com",
    "X.A.EXAMPLE.COM:8080",
    "b.example.com",
    "other.org",
    "EXAMPLE.COM",
    "",
];
const REQ_PATHS: &[&str] = &[
    "/",
    "/a",
    "/a/",
    "/ab",
    "/a/b",
    "/A",
    "/a%2Fb",
    "/a/b/",
    "/abc",
    "/a/b/c",
    "/ab/",
    "//a",
    "/a//b",
    "",
    "/abcd",
    "/abcdefg",
    "/abcdefg/h",
    "/abcdefg/hi",
    "/abcdefg/hijklmno/p",
    "/abcdefg/hijklmno",
    "/abcdefgh",
];
const GRPC_PATHS: &[&str] = &[
    "/foo.Svc/Get",
    "/foo.Svc/GetX",
    "/foo.Svc2/List",
    "/bar.Svc/Get",
    "/foo/Get",
    "/foo.Svc/",
    "/foo.Svc",
    "/a/b/c",
];
const QUERIES: &[Option<&str>] = &[
    None,
    Some("q=1"),
    Some("q=2&q=1"),
    Some("Q=1&r=12"),
    Some("q"),
    Some("r=2&q=12"),
    Some("q=%31"),
];

#[derive(Debug, Clone)]
struct Req {
    port: u16,
    method: &'static str,
    authority: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    headers: Vec<(&'static str, &'static str)>,
}

fn request(paths: &'static [&'static str]) -> impl Strategy<Value = Req> {
    (
        pick(&[80u16, 80, 8080, 81]),
        pick(&["GET", "POST", "get"]),
        pick(AUTHORITIES),
        pick(paths),
        pick(QUERIES),
        prop::collection::vec((pick(HEADER_NAMES), pick(VALUES)), 0..4),
    )
        .prop_map(|(port, method, authority, path, query, headers)| Req {
            port,
            method,
            authority,
            path,
            query,
            headers,
        })
}

fn summary(m: Option<RouteMatch<'_, Filter, u32>>) -> Option<Summary> {
    m.map(|m| {
        (
            m.listener.index,
            m.route.clone(),
            m.rule,
            m.match_index,
            m.filters.to_vec(),
        )
    })
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn compiled_equals_reference(
        t in table(),
        reqs in prop::collection::vec(request(REQ_PATHS), 1..24),
        greqs in prop::collection::vec(request(GRPC_PATHS), 1..12),
    ) {
        let opts = CompileOptions::default();
        let compiled = compile(t.clone()).expect("compiles");
        let reference = ReferenceMatcher::new(t, &opts).expect("reference builds");
        for r in reqs.iter().chain(&greqs) {
            let req = Request::new(r.port, r.method, r.authority, r.path, r.query, &r.headers[..]);
            prop_assert_eq!(
                summary(compiled.lookup(&req)),
                summary(reference.lookup(&req)),
                "HTTP {:?}", r
            );
            prop_assert_eq!(
                summary(compiled.lookup_grpc(&req)),
                summary(reference.lookup_grpc(&req)),
                "gRPC {:?}", r
            );
        }
    }
}
