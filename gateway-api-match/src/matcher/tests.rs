//! End-to-end behaviour tests: each builds a small table, looks a request up
//! in the compiled matcher and in the reference, asserts both agree and pins
//! the expected answer. Each cites the spec sentence it checks.

use super::*;
use crate::reference::ReferenceMatcher;
use crate::{GrpcMatch, GrpcMethodMatch, GrpcRoute, GrpcRule, HttpRoute, HttpRule, Listener};

type Table = RouteTable<&'static str, &'static str>;

fn route(
    ns: &str,
    name: &str,
    created: i64,
    hosts: &[&str],
    rules: Vec<Vec<HttpMatch>>,
) -> HttpRoute<&'static str, &'static str> {
    HttpRoute {
        id: RouteId::http(ns, name),
        creation_timestamp: created,
        hostnames: hosts.iter().map(|h| (*h).to_owned()).collect(),
        rules: rules
            .into_iter()
            .map(|matches| HttpRule {
                matches,
                filters: vec![],
                backends: vec![crate::WeightedBackend {
                    backend: "b",
                    weight: 1,
                }],
            })
            .collect(),
    }
}

fn prefix(p: &str) -> HttpMatch {
    HttpMatch::path(PathMatch::PathPrefix(p.into()))
}

fn exact(p: &str) -> HttpMatch {
    HttpMatch::path(PathMatch::Exact(p.into()))
}

fn regex(p: &str) -> HttpMatch {
    HttpMatch::path(PathMatch::RegularExpression(p.into()))
}

fn table(routes: Vec<HttpRoute<&'static str, &'static str>>) -> Table {
    let mut l = Listener::new("l", 80, None);
    l.http_routes = routes;
    RouteTable { listeners: vec![l] }
}

/// Looks up in both matchers; returns (route name, rule, match).
fn hit(
    t: &Table,
    host: &str,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &[(&str, &str)],
) -> Option<(String, usize, Option<usize>)> {
    hit_port(t, 80, host, method, path, query, headers)
}

fn hit_port(
    t: &Table,
    port: u16,
    host: &str,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &[(&str, &str)],
) -> Option<(String, usize, Option<usize>)> {
    let m = compile(t.clone()).expect("compiles");
    let r = ReferenceMatcher::new(t.clone(), &CompileOptions::default()).expect("builds");
    let req = Request::new(port, method, host, path, query, headers);
    let a = m
        .lookup(&req)
        .map(|x| (x.route.name.clone(), x.rule, x.match_index));
    let b = r
        .lookup(&req)
        .map(|x| (x.route.name.clone(), x.rule, x.match_index));
    assert_eq!(a, b, "compiled vs reference for {host} {method} {path}");
    a
}

fn name(s: &str, rule: usize, m: usize) -> Option<(String, usize, Option<usize>)> {
    Some((s.to_owned(), rule, Some(m)))
}

// spec: HTTPPathMatch PathPrefix — "`/abc`, `/abc/`, and `/abc/def` would
// all match the prefix `/abc`, but the path `/abcd` would not."
#[test]
fn path_prefix_is_segment_aware() {
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![prefix("/abc")]])]);
    for p in ["/abc", "/abc/", "/abc/def"] {
        assert_eq!(hit(&t, "h", "GET", p, None, &[]), name("r", 0, 0), "{p}");
    }
    assert_eq!(hit(&t, "h", "GET", "/abcd", None, &[]), None);
}

// spec: HTTPPathMatch PathPrefix — "When specified, a trailing `/` is
// ignored."
#[test]
fn path_prefix_trailing_slash_is_ignored() {
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![prefix("/abc/")]])]);
    assert_eq!(hit(&t, "h", "GET", "/abc", None, &[]), name("r", 0, 0));
    assert_eq!(hit(&t, "h", "GET", "/abcd", None, &[]), None);
}

// spec: HTTPRouteRule matches — "If no matches are specified, the default is
// a prefix path match on "/", which has the effect of matching every HTTP
// request."
#[test]
fn rule_without_matches_matches_everything() {
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![]])]);
    for p in ["/", "/x/y", ""] {
        assert_eq!(
            hit(&t, "h", "DELETE", p, Some("a=b"), &[]),
            Some(("r".into(), 0, None))
        );
    }
}

// spec: HTTPRouteRule matches — precedence to the match having: "Exact" path
// match, then "Prefix" path match with largest number of characters.
#[test]
fn exact_path_beats_longest_prefix() {
    let t = table(vec![route(
        "ns",
        "r",
        0,
        &[],
        vec![
            vec![prefix("/")],
            vec![prefix("/a/b")],
            vec![exact("/a/b")],
            vec![prefix("/a")],
        ],
    )]);
    assert_eq!(hit(&t, "h", "GET", "/a/b", None, &[]), name("r", 2, 0));
    assert_eq!(hit(&t, "h", "GET", "/a/b/c", None, &[]), name("r", 1, 0));
    assert_eq!(hit(&t, "h", "GET", "/a/bc", None, &[]), name("r", 3, 0));
    assert_eq!(hit(&t, "h", "GET", "/z", None, &[]), name("r", 0, 0));
}

// spec: HTTPRouteRule matches — "Note: The precedence of RegularExpression
// path matches are implementation-specific." Here: Exact > RegularExpression
// (longer pattern first) > PathPrefix.
#[test]
fn regex_path_precedence_is_between_exact_and_prefix() {
    let t = table(vec![route(
        "ns",
        "r",
        0,
        &[],
        vec![
            vec![prefix("/api/v1")],
            vec![regex("/api/.*")],
            vec![regex("/api/v[0-9]+")],
            vec![exact("/api/v1")],
        ],
    )]);
    assert_eq!(hit(&t, "h", "GET", "/api/v1", None, &[]), name("r", 3, 0));
    assert_eq!(hit(&t, "h", "GET", "/api/v2", None, &[]), name("r", 2, 0));
    assert_eq!(hit(&t, "h", "GET", "/api/x", None, &[]), name("r", 1, 0));
    assert_eq!(hit(&t, "h", "GET", "/api/v1/x", None, &[]), name("r", 1, 0));
}

// spec: HTTPPathMatch RegularExpression — the regex matches the whole path;
// `a|ab` must accept `ab` (leftmost-first engines stop at `a`).
#[test]
fn regex_full_match_alternation() {
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![regex("/a|/ab")]])]);
    assert_eq!(hit(&t, "h", "GET", "/ab", None, &[]), name("r", 0, 0));
    assert_eq!(hit(&t, "h", "GET", "/abc", None, &[]), None);
    assert_eq!(hit(&t, "h", "GET", "/x/ab", None, &[]), None);
}

// A higher-precedence regex whose other conditions fail falls through to the
// next matching regex.
#[test]
fn regex_falls_through_to_next_pattern() {
    let mut m = regex("/a/.*");
    m.method = Some(Method::POST);
    let t = table(vec![route(
        "ns",
        "r",
        0,
        &[],
        vec![vec![m], vec![regex("/a.*")], vec![regex(".*")]],
    )]);
    assert_eq!(hit(&t, "h", "GET", "/a/x", None, &[]), name("r", 1, 0));
    assert_eq!(hit(&t, "h", "POST", "/a/x", None, &[]), name("r", 0, 0));
    assert_eq!(hit(&t, "h", "GET", "/b", None, &[]), name("r", 2, 0));
}

// spec: HTTPRouteRule matches — after the path: "Method match."
#[test]
fn method_precedence() {
    let mut get = prefix("/");
    get.method = Some(Method::GET);
    let t = table(vec![route(
        "ns",
        "r",
        0,
        &[],
        vec![vec![prefix("/")], vec![get]],
    )]);
    assert_eq!(hit(&t, "h", "GET", "/x", None, &[]), name("r", 1, 0));
    assert_eq!(hit(&t, "h", "POST", "/x", None, &[]), name("r", 0, 0));
    // Methods are case-sensitive.
    assert_eq!(hit(&t, "h", "get", "/x", None, &[]), name("r", 0, 0));
}

// spec: HTTPRouteRule matches — longer path before method: "Prefix" path
// match with largest number of characters comes before "Method match."
#[test]
fn path_length_beats_method() {
    let mut get = prefix("/");
    get.method = Some(Method::GET);
    let t = table(vec![route(
        "ns",
        "r",
        0,
        &[],
        vec![vec![get], vec![prefix("/a")]],
    )]);
    assert_eq!(hit(&t, "h", "GET", "/a", None, &[]), name("r", 1, 0));
}

// spec: HTTPRouteRule matches — "Largest number of header matches."
#[test]
fn header_count_precedence() {
    let one = HttpMatch {
        headers: vec![HeaderMatch::exact("x-a", "1")],
        ..prefix("/")
    };
    let two = HttpMatch {
        headers: vec![
            HeaderMatch::exact("x-a", "1"),
            HeaderMatch::regex("x-b", "[0-9]+"),
        ],
        ..prefix("/")
    };
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![one], vec![two]])]);
    assert_eq!(
        hit(&t, "h", "GET", "/", None, &[("x-a", "1"), ("x-b", "22")]),
        name("r", 1, 0)
    );
    assert_eq!(
        hit(&t, "h", "GET", "/", None, &[("x-a", "1"), ("x-b", "x")]),
        name("r", 0, 0)
    );
    assert_eq!(hit(&t, "h", "GET", "/", None, &[]), None);
}

// spec: HTTPRouteRule matches — method match ranks above header count.
#[test]
fn method_beats_header_count() {
    let hdr = HttpMatch {
        headers: vec![HeaderMatch::exact("x-a", "1")],
        ..prefix("/")
    };
    let get = HttpMatch {
        method: Some(Method::GET),
        ..prefix("/")
    };
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![hdr], vec![get]])]);
    assert_eq!(
        hit(&t, "h", "GET", "/", None, &[("x-a", "1")]),
        name("r", 1, 0)
    );
}

// spec: HTTPRouteRule matches — "Largest number of query param matches."
#[test]
fn query_param_count_precedence() {
    let one = HttpMatch {
        query_params: vec![QueryParamMatch::exact("a", "1")],
        ..prefix("/")
    };
    let two = HttpMatch {
        query_params: vec![
            QueryParamMatch::exact("a", "1"),
            QueryParamMatch::regex("b", "x|xy"),
        ],
        ..prefix("/")
    };
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![one], vec![two]])]);
    assert_eq!(
        hit(&t, "h", "GET", "/", Some("b=xy&a=1"), &[]),
        name("r", 1, 0)
    );
    assert_eq!(hit(&t, "h", "GET", "/", Some("a=1"), &[]), name("r", 0, 0));
    // spec: HTTPQueryParamMatch — match "against the first value of the param".
    assert_eq!(hit(&t, "h", "GET", "/", Some("a=2&a=1"), &[]), None);
}

// spec: HTTPHeaderMatch — header names are case-insensitive; a repeated
// request header is implementation-specific, here the first value counts.
#[test]
fn header_names_case_insensitive_first_value_wins() {
    let m = HttpMatch {
        headers: vec![HeaderMatch::exact("X-Env", "prod")],
        ..prefix("/")
    };
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![m]])]);
    assert_eq!(
        hit(&t, "h", "GET", "/", None, &[("x-ENV", "prod")]),
        name("r", 0, 0)
    );
    assert_eq!(
        hit(
            &t,
            "h",
            "GET",
            "/",
            None,
            &[("x-env", "dev"), ("x-env", "prod")]
        ),
        None
    );
    assert_eq!(hit(&t, "h", "GET", "/", None, &[("x-env", "PROD")]), None);
}

// spec: HTTPRouteMatch — matches of a rule are ORed; conditions in one match
// are ANDed.
#[test]
fn matches_are_ored_conditions_anded() {
    let both = HttpMatch {
        method: Some(Method::PUT),
        ..exact("/p")
    };
    let t = table(vec![route(
        "ns",
        "r",
        0,
        &[],
        vec![vec![both, exact("/q")]],
    )]);
    assert_eq!(hit(&t, "h", "PUT", "/p", None, &[]), name("r", 0, 0));
    assert_eq!(hit(&t, "h", "GET", "/p", None, &[]), None);
    assert_eq!(hit(&t, "h", "GET", "/q", None, &[]), name("r", 0, 1));
}

// spec: HTTPRouteRule matches — "If ties still exist across multiple Routes
// ... The oldest Route based on creation timestamp."
#[test]
fn oldest_route_wins() {
    let t = table(vec![
        route("a", "new", 10, &[], vec![vec![prefix("/x")]]),
        route("z", "old", 5, &[], vec![vec![prefix("/x")]]),
    ]);
    assert_eq!(hit(&t, "h", "GET", "/x", None, &[]), name("old", 0, 0));
}

// spec: HTTPRouteRule matches — "The Route appearing first in alphabetical
// order by "{namespace}/{name}"."
#[test]
fn alphabetical_route_wins() {
    let t = table(vec![
        route("a", "z", 5, &[], vec![vec![prefix("/x")]]),
        route("a-b", "c", 5, &[], vec![vec![prefix("/x")]]),
    ]);
    // "a-b/c" < "a/z".
    assert_eq!(hit(&t, "h", "GET", "/x", None, &[]), name("c", 0, 0));
}

// spec: HTTPRouteRule matches — "If ties still exist within an HTTPRoute,
// matching precedence MUST be granted to the FIRST matching rule (in list
// order)".
#[test]
fn first_rule_wins() {
    let t = table(vec![route(
        "ns",
        "r",
        0,
        &[],
        vec![vec![prefix("/x")], vec![prefix("/x/")]],
    )]);
    assert_eq!(hit(&t, "h", "GET", "/x/y", None, &[]), name("r", 0, 0));
}

// spec: HTTPRoute hostnames — precedence to the route with the most
// "Characters in a matching non-wildcard hostname", then "Characters in a
// matching hostname", before any path rule.
#[test]
fn hostname_precedence() {
    let t = table(vec![
        route("ns", "wild", 0, &["*.example.com"], vec![vec![exact("/a")]]),
        route(
            "ns",
            "exact",
            9,
            &["foo.example.com"],
            vec![vec![prefix("/")]],
        ),
        route("ns", "wider", 0, &["*.com"], vec![vec![exact("/b")]]),
        route("ns", "any", 0, &[], vec![vec![exact("/c")]]),
    ]);
    assert_eq!(
        hit(&t, "foo.example.com", "GET", "/a", None, &[]),
        name("exact", 0, 0)
    );
    assert_eq!(
        hit(&t, "bar.example.com", "GET", "/a", None, &[]),
        name("wild", 0, 0)
    );
    assert_eq!(
        hit(&t, "bar.example.com", "GET", "/b", None, &[]),
        name("wider", 0, 0)
    );
    assert_eq!(
        hit(&t, "bar.example.com", "GET", "/c", None, &[]),
        name("any", 0, 0)
    );
    assert_eq!(hit(&t, "bar.example.com", "GET", "/d", None, &[]), None);
}

// spec: HTTPRoute hostnames — `*.example.com` matches `test.example.com` and
// `foo.test.example.com` "but not `example.com`"; ports in Host are ignored,
// comparison is case-insensitive.
#[test]
fn wildcard_route_hostname_and_authority_normalization() {
    let t = table(vec![route("ns", "r", 0, &["*.example.com"], vec![vec![]])]);
    assert!(hit(&t, "test.example.com", "GET", "/", None, &[]).is_some());
    assert!(hit(&t, "Foo.Test.EXAMPLE.com:8443", "GET", "/", None, &[]).is_some());
    assert!(hit(&t, "foo.example.com.", "GET", "/", None, &[]).is_some());
    assert!(hit(&t, "example.com", "GET", "/", None, &[]).is_none());
    let long = format!("{}.example.com", "a".repeat(300));
    assert!(hit(&t, &long, "GET", "/", None, &[]).is_some());
}

fn listener(name: &str, port: u16, host: Option<&str>) -> Listener<&'static str, &'static str> {
    let mut l = Listener::new(name, port, host);
    l.http_routes = vec![route("ns", name, 0, &[], vec![vec![]])];
    l
}

// spec: Listener hostname — a request is handled by the most specific
// matching listener: exact hostname, then wildcard, then none; by port first.
#[test]
fn listener_selection_by_port_then_hostname() {
    let t = RouteTable {
        listeners: vec![
            listener("none", 80, None),
            listener("wild", 80, Some("*.example.com")),
            listener("deeper", 80, Some("*.a.example.com")),
            listener("exact", 80, Some("x.a.example.com")),
            listener("other-port", 8080, Some("x.a.example.com")),
        ],
    };
    let l = |host: &str, port| hit_port(&t, port, host, "GET", "/", None, &[]).map(|h| h.0);
    assert_eq!(l("x.a.example.com", 80).as_deref(), Some("exact"));
    assert_eq!(l("y.a.example.com", 80).as_deref(), Some("deeper"));
    assert_eq!(l("a.example.com", 80).as_deref(), Some("wild"));
    assert_eq!(l("example.com", 80).as_deref(), Some("none"));
    assert_eq!(l("x.a.example.com", 8080).as_deref(), Some("other-port"));
    assert_eq!(l("y.example.com", 8080), None);
    assert_eq!(l("x.a.example.com", 9999), None);
}

// spec: HTTPRoute hostnames — "If both the Listener and HTTPRoute have
// specified hostnames, any HTTPRoute hostnames that do not match the Listener
// hostname MUST be ignored."
#[test]
fn route_hostnames_outside_listener_are_ignored() {
    let mut l = Listener::new("l", 80, Some("*.example.com"));
    l.http_routes = vec![route(
        "ns",
        "r",
        0,
        &["test.example.com", "test.example.net"],
        vec![vec![]],
    )];
    let t = RouteTable { listeners: vec![l] };
    assert!(hit(&t, "test.example.com", "GET", "/", None, &[]).is_some());
    assert!(hit(&t, "test.example.net", "GET", "/", None, &[]).is_none());
}

// spec: HTTPRouteRule — unmatched requests get a 404: `None`.
#[test]
fn no_route_is_none() {
    let t = table(vec![route("ns", "r", 0, &[], vec![vec![exact("/only")]])]);
    assert_eq!(hit(&t, "h", "GET", "/other", None, &[]), None);
}

#[test]
fn lookup_parts_uses_authority_or_host_header() {
    let t = table(vec![route(
        "ns",
        "r",
        0,
        &["example.com"],
        vec![vec![prefix("/a")]],
    )]);
    let m = compile(t).expect("compiles");
    let (parts, ()) = http::Request::builder()
        .uri("/a/b?x=1")
        .header("host", "Example.com:80")
        .body(())
        .expect("request")
        .into_parts();
    let got = m.lookup_parts(80, &parts).expect("match");
    assert_eq!(got.route.name, "r");
    assert_eq!(got.backends.pick(1), Some(&"b"));
    let (parts, ()) = http::Request::builder()
        .uri("https://user@example.com/a")
        .body(())
        .expect("request")
        .into_parts();
    assert!(m.lookup_parts(80, &parts).is_some());
}

#[test]
fn compile_error_names_route_rule_match() {
    let t = table(vec![route(
        "ns",
        "bad",
        0,
        &[],
        vec![vec![prefix("/")], vec![exact("/x"), regex("(")]],
    )]);
    let err = compile(t).expect_err("bad regex");
    match &err {
        CompileError::InvalidRegex { location, .. } => {
            assert_eq!(
                location.route.as_ref().map(|r| r.name.as_str()),
                Some("bad")
            );
            assert_eq!((location.rule, location.match_index), (Some(1), Some(1)));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("rule 1, match 1"), "{err}");
    let t = table(vec![route("ns", "bad", 0, &["*"], vec![])]);
    assert!(matches!(
        compile(t),
        Err(CompileError::InvalidHostname { .. })
    ));
    let bad_header = HttpMatch {
        headers: vec![HeaderMatch::exact("bad name", "1")],
        ..prefix("/")
    };
    let t = table(vec![route("ns", "bad", 0, &[], vec![vec![bad_header]])]);
    assert!(matches!(
        compile(t),
        Err(CompileError::InvalidHeaderName { .. })
    ));
}

// --- gRPC ---

fn grpc_table(routes: Vec<GrpcRoute<&'static str, &'static str>>) -> Table {
    let mut l = Listener::new("l", 80, None);
    l.grpc_routes = routes;
    RouteTable { listeners: vec![l] }
}

fn grpc_route(
    name: &str,
    created: i64,
    rules: Vec<Vec<GrpcMatch>>,
) -> GrpcRoute<&'static str, &'static str> {
    GrpcRoute {
        id: RouteId::grpc("ns", name),
        creation_timestamp: created,
        hostnames: vec![],
        rules: rules
            .into_iter()
            .map(|matches| GrpcRule {
                matches,
                filters: vec![],
                backends: vec![],
            })
            .collect(),
    }
}

fn gm(kind: crate::GrpcMatchType, service: Option<&str>, method: Option<&str>) -> GrpcMatch {
    GrpcMatch {
        method: Some(GrpcMethodMatch {
            kind,
            service: service.map(str::to_owned),
            method: method.map(str::to_owned),
        }),
        headers: vec![],
    }
}

fn grpc_hit(
    t: &Table,
    path: &str,
    headers: &[(&str, &str)],
) -> Option<(String, usize, Option<usize>)> {
    let m = compile(t.clone()).expect("compiles");
    let r = ReferenceMatcher::new(t.clone(), &CompileOptions::default()).expect("builds");
    let req = Request::new(80, "POST", "h", path, None, headers);
    let a = m
        .lookup_grpc(&req)
        .map(|x| (x.route.name.clone(), x.rule, x.match_index));
    let b = r
        .lookup_grpc(&req)
        .map(|x| (x.route.name.clone(), x.rule, x.match_index));
    assert_eq!(a, b, "compiled vs reference for {path}");
    a
}

// spec: GRPCRouteRule matches — precedence to the most "Characters in a
// matching service", then "Characters in a matching method", then "Header
// matches"; Exact before RegularExpression is this crate's choice.
#[test]
fn grpc_precedence() {
    use crate::GrpcMatchType::{Exact, RegularExpression};
    let with_header = GrpcMatch {
        headers: vec![HeaderMatch::exact("x-a", "1")],
        ..gm(Exact, Some("foo.Svc"), None)
    };
    let t = grpc_table(vec![grpc_route(
        "r",
        0,
        vec![
            vec![],
            vec![gm(RegularExpression, Some("foo\\..*"), Some("Get.*"))],
            vec![gm(Exact, None, Some("Get"))],
            vec![gm(Exact, Some("foo.Svc"), None)],
            vec![gm(Exact, Some("foo.Svc"), Some("Get"))],
            vec![with_header],
        ],
    )]);
    assert_eq!(grpc_hit(&t, "/foo.Svc/Get", &[]), name("r", 4, 0));
    assert_eq!(grpc_hit(&t, "/foo.Svc/List", &[]), name("r", 3, 0));
    assert_eq!(
        grpc_hit(&t, "/foo.Svc/List", &[("x-a", "1")]),
        name("r", 5, 0)
    );
    assert_eq!(grpc_hit(&t, "/bar.Svc/Get", &[]), name("r", 2, 0));
    assert_eq!(grpc_hit(&t, "/foo.Other/GetAll", &[]), name("r", 1, 0));
    assert_eq!(
        grpc_hit(&t, "/bar.Svc/List", &[]),
        Some(("r".into(), 0, None))
    );
}

// spec: GRPCRouteRule matches — "If ties still exist across multiple Routes
// ... The oldest Route based on creation timestamp."
#[test]
fn grpc_oldest_route_wins_and_unmatched_is_none() {
    use crate::GrpcMatchType::Exact;
    let t = grpc_table(vec![
        grpc_route("new", 2, vec![vec![gm(Exact, Some("s"), Some("M"))]]),
        grpc_route("old", 1, vec![vec![gm(Exact, Some("s"), Some("M"))]]),
    ]);
    assert_eq!(grpc_hit(&t, "/s/M", &[]), name("old", 0, 0));
    // Unmatched gRPC call: `None`, answered with UNIMPLEMENTED.
    assert_eq!(grpc_hit(&t, "/s/Other", &[]), None);
}

#[test]
fn lookup_parts_routes_grpc_content_type_to_grpc_routes() {
    use crate::GrpcMatchType::Exact;
    let mut t = grpc_table(vec![grpc_route(
        "g",
        0,
        vec![vec![gm(Exact, Some("s"), None)]],
    )]);
    t.listeners[0].http_routes = vec![route("ns", "h", 0, &[], vec![vec![]])];
    let m = compile(t).expect("compiles");
    let parts = |ct: &str| {
        http::Request::builder()
            .method("POST")
            .uri("http://x/s/M")
            .header("content-type", ct)
            .body(())
            .expect("request")
            .into_parts()
            .0
    };
    assert_eq!(
        m.lookup_parts(80, &parts("application/grpc+proto"))
            .map(|x| x.kind),
        Some(RouteKind::Grpc)
    );
    assert_eq!(
        m.lookup_parts(80, &parts("text/plain")).map(|x| x.kind),
        Some(RouteKind::Http)
    );
}

// Listeners equally specific for a request: the first in table order wins.
#[test]
fn equal_listeners_first_wins() {
    let t = RouteTable {
        listeners: vec![
            listener("first", 80, Some("A.example.com")),
            listener("second", 80, Some("a.example.com.")),
        ],
    };
    let got = hit_port(&t, 80, "a.example.com", "GET", "/", None, &[]);
    assert_eq!(got.map(|h| h.0).as_deref(), Some("first"));
}

// spec: HTTPRoute hostnames — "IPs are not allowed" as route hostnames, so an
// IP authority only reaches routes without hostnames; its port is ignored.
#[test]
fn ip_authority_matches_only_hostless_routes() {
    let t = table(vec![
        route("ns", "named", 0, &["example.com"], vec![vec![]]),
        route("ns", "any", 0, &[], vec![vec![exact("/x")]]),
    ]);
    assert_eq!(
        hit(&t, "[::1]:8080", "GET", "/x", None, &[]),
        name("any", 0, 0)
    );
    assert_eq!(
        hit(&t, "10.0.0.1:80", "GET", "/x", None, &[]),
        name("any", 0, 0)
    );
    assert_eq!(hit(&t, "10.0.0.1", "GET", "/y", None, &[]), None);
}

// Weighted backends of the matched rule; weight 0 is never picked and an
// all-zero rule yields no backend (the caller answers 500).
#[test]
fn matched_rule_backends_are_weighted() {
    let mut t = table(vec![route(
        "ns",
        "r",
        0,
        &[],
        vec![vec![], vec![exact("/z")]],
    )]);
    t.listeners[0].http_routes[0].rules[0].backends = vec![
        crate::WeightedBackend {
            backend: "zero",
            weight: 0,
        },
        crate::WeightedBackend {
            backend: "one",
            weight: 1,
        },
    ];
    t.listeners[0].http_routes[0].rules[1].backends = vec![crate::WeightedBackend {
        backend: "zero",
        weight: 0,
    }];
    let m = compile(t).expect("compiles");
    let headers: [(&str, &str); 0] = [];
    let hit = m
        .lookup(&Request::new(80, "GET", "h", "/", None, &headers[..]))
        .expect("match");
    assert!(
        (0..64u64)
            .all(|r| hit.backends.pick(r.wrapping_mul(0x9E37_79B9_7F4A_7C15)) == Some(&"one"))
    );
    let hit = m
        .lookup(&Request::new(80, "GET", "h", "/z", None, &headers[..]))
        .expect("match");
    assert_eq!(hit.backends.pick(7), None);
}
