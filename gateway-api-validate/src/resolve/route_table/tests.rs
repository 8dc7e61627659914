use gateway_api_match::{Matcher, Request, RouteKind, compile};
use gateway_api_types::features::SupportedFeatureName;
use gateway_api_types::{GatewayObject, parse_documents};

use super::*;
use crate::resolve::{Config, Snapshot, resolve};

const BASE: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: example}
spec: {controllerName: example.com/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: default}
spec:
  gatewayClassName: example
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: foo, port: 8080, protocol: HTTP, hostname: "*.foo.example.com"}
---
apiVersion: v1
kind: Service
metadata: {name: svc-a, namespace: default}
spec: {ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: svc-b, namespace: default}
spec: {ports: [{port: 8080}]}
"#;

fn resolution(extra: &str) -> Resolution {
    let text = format!("{BASE}\n---\n{extra}");
    let objects: Vec<GatewayObject> = parse_documents("t.yaml", &text)
        .into_iter()
        .map(|d| d.expect("parses").object)
        .collect();
    let snapshot = Snapshot::from_objects(&objects).expect("snapshot");
    let config = Config::new("example.com/gateway").with_features([
        SupportedFeatureName::GRPCRoute,
        SupportedFeatureName::TCPRoute,
    ]);
    resolve(&snapshot, &config)
}

fn matcher(extra: &str) -> (Resolution, Matcher<Filter, ResolvedBackend>) {
    let res = resolution(extra);
    let m = compile(to_route_table(&res)).expect("compiles");
    (res, m)
}

const NO_HEADERS: &[(&str, &str)] = &[];

fn get(
    m: &Matcher<Filter, ResolvedBackend>,
    port: u16,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Option<(String, usize, Option<usize>, Vec<String>)> {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let req = Request::new(port, "GET", host, path, query, headers);
    m.lookup(&req).map(|hit| {
        (
            hit.route.name.clone(),
            hit.rule,
            hit.match_index,
            hit.backends
                .backends()
                .iter()
                .map(|b| b.backend.name.clone())
                .collect(),
        )
    })
}

#[test]
fn listeners_are_the_served_http_ones_in_order() {
    let res = resolution("");
    let table = to_route_table(&res);
    let names: Vec<&str> = table.listeners.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["http", "foo"], "the TCP listener is not served");
    let served: Vec<(&str, &str)> = served_listeners(&res)
        .map(|(g, l)| (g.key.1.as_str(), l.name.as_str()))
        .collect();
    assert_eq!(served, [("web", "http"), ("web", "foo")]);
    assert_eq!(table.listeners[1].port, 8080);
    assert_eq!(
        table.listeners[1].hostname.as_deref(),
        Some("*.foo.example.com")
    );
}

#[test]
fn rules_matches_filters_and_backends_carry_over() {
    let (_, m) = matcher(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: web, sectionName: http}]
  hostnames: [a.example.com]
  rules:
  - matches:
    - path: {type: Exact, value: /exact}
    - path: {type: PathPrefix, value: /api}
      headers: [{name: X-Canary, value: "1"}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {add: [{name: x-hit, value: "yes"}]}
    backendRefs: [{name: svc-b, port: 8080, weight: 3}, {name: missing, port: 80}]
  - matches:
    - path: {type: PathPrefix, value: /api}
      queryParams: [{name: v, type: RegularExpression, value: "[0-9]+"}]
      method: POST
    backendRefs: [{name: svc-a, port: 8080}]
  - backendRefs: [{name: svc-a, port: 8080}]
"#,
    );
    // spec: Exact path, then PathPrefix with a header match.
    assert_eq!(
        get(&m, 80, "a.example.com", "/exact", NO_HEADERS),
        Some((
            "r".into(),
            0,
            Some(0),
            vec!["svc-b".into(), "missing".into()]
        ))
    );
    assert_eq!(
        get(&m, 80, "A.Example.com:80", "/api/x", &[("x-canary", "1")]).map(|h| (h.1, h.2)),
        Some((0, Some(1)))
    );
    // The implicit `PathPrefix /` of the last rule.
    assert_eq!(
        get(&m, 80, "a.example.com", "/api/x", NO_HEADERS).map(|h| (h.1, h.2)),
        Some((2, Some(0)))
    );
    assert_eq!(get(&m, 80, "b.example.com", "/", NO_HEADERS), None);
    // Method + query: only with POST and a numeric `v`.
    let req = Request::new(
        80,
        "POST",
        "a.example.com",
        "/api",
        Some("v=12"),
        NO_HEADERS,
    );
    assert_eq!(m.lookup(&req).map(|h| h.rule), Some(1));
    let req = Request::new(80, "POST", "a.example.com", "/api", Some("v=x"), NO_HEADERS);
    assert_eq!(m.lookup(&req).map(|h| h.rule), Some(2));

    let req = Request::new(80, "GET", "a.example.com", "/exact", None, NO_HEADERS);
    let hit = m.lookup(&req).expect("matched");
    assert_eq!(hit.kind, RouteKind::Http);
    assert_eq!(hit.route, &RouteId::http("default", "r"));
    assert!(matches!(
        hit.filters,
        [Filter::Http(f)] if f.request_header_modifier.is_some()
    ));
    let b = hit.backends.backends();
    assert_eq!(b[0].weight, 3);
    assert_eq!(b[0].backend.port, Some(8080));
    assert!(b[0].backend.invalid.is_none());
    assert_eq!(b[1].weight, 1);
    assert_eq!(
        b[1].backend.invalid.as_ref().map(|p| p.reason),
        Some("BackendNotFound")
    );
}

#[test]
fn dropped_rules_keep_the_indices_of_later_rules() {
    // ResponseHeaderModifier is not among Config::new's features: rule 0 is dropped
    // (PartiallyInvalid) but rule 1 keeps index 1.
    let (res, m) = matcher(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: web, sectionName: http}]
  rules:
  - filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier: {add: [{name: x, value: z}]}
    backendRefs: [{name: svc-a, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /b}}]
    backendRefs: [{name: svc-b, port: 8080}]
"#,
    );
    assert!(
        res.data_plane[0].listeners[0]
            .rules
            .iter()
            .all(|r| r.precedence.rule_index == 1)
    );
    assert_eq!(
        get(&m, 80, "any.host", "/b/c", NO_HEADERS),
        Some(("r".into(), 1, Some(0), vec!["svc-b".into()]))
    );
    // The dropped catch-all never answers.
    assert_eq!(get(&m, 80, "any.host", "/", NO_HEADERS), None);
    for path in ["/", "", "[^\\s\\S]", "/x/y"] {
        assert_eq!(get(&m, 80, "h", path, NO_HEADERS), None, "{path}");
    }
}

#[test]
fn hostnames_are_the_intersected_ones() {
    let (_, m) = matcher(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wide, namespace: default}
spec:
  parentRefs: [{name: web, sectionName: foo}]
  hostnames: ["*.example.com", "exact.foo.example.com"]
  rules: [{backendRefs: [{name: svc-a, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: any, namespace: default}
spec:
  parentRefs: [{name: web, sectionName: foo}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /only}}]
    backendRefs: [{name: svc-b, port: 8080}]
"#,
    );
    // `*.example.com` ∩ `*.foo.example.com` = `*.foo.example.com`.
    assert_eq!(
        get(&m, 8080, "x.foo.example.com", "/", NO_HEADERS).map(|h| h.0),
        Some("wide".into())
    );
    assert_eq!(get(&m, 8080, "x.example.com", "/", NO_HEADERS), None);
    // spec: the more specific hostname wins over a longer path on a less specific one.
    assert_eq!(
        get(&m, 8080, "exact.foo.example.com", "/only", NO_HEADERS).map(|h| h.0),
        Some("wide".into())
    );
    // `any` serves the listener's `*.foo.example.com`, as specific as `wide`'s wildcard:
    // the longer path decides.
    assert_eq!(
        get(&m, 8080, "y.foo.example.com", "/only", NO_HEADERS).map(|h| h.0),
        Some("any".into())
    );
}

#[test]
fn older_routes_win_ties_and_unknown_age_sorts_last() {
    let route = |name: &str, created: Option<&str>| {
        let ts = created
            .map(|c| format!(", creationTimestamp: \"{c}\""))
            .unwrap_or_default();
        format!(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n\
             metadata: {{name: {name}, namespace: default{ts}}}\n\
             spec: {{parentRefs: [{{name: web, sectionName: http}}], \
             rules: [{{backendRefs: [{{name: svc-a, port: 8080}}]}}]}}\n"
        )
    };
    let (_, m) = matcher(&format!(
        "{}---\n{}---\n{}",
        route("a-unknown", None),
        route("b-new", Some("2024-01-02T00:00:00Z")),
        route("c-old", Some("2024-01-01T00:00:00Z")),
    ));
    assert_eq!(
        get(&m, 80, "h", "/", NO_HEADERS).map(|h| h.0),
        Some("c-old".into())
    );
    let (_, m) = matcher(&format!(
        "{}---\n{}",
        route("z-known", Some("2024-01-02T00:00:00Z")),
        route("a-unknown", None),
    ));
    assert_eq!(
        get(&m, 80, "h", "/", NO_HEADERS).map(|h| h.0),
        Some("z-known".into())
    );
}

#[test]
fn grpc_routes_convert() {
    let (_, m) = matcher(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: default}
spec:
  parentRefs: [{name: web, sectionName: http}]
  rules:
  - matches:
    - method: {service: foo.Greeter, method: Hello}
      headers: [{name: x-v, value: "2"}]
    backendRefs: [{name: svc-b, port: 8080}]
  - matches:
    - method: {type: RegularExpression, service: "foo\\..*"}
    backendRefs: [{name: svc-a, port: 8080}]
  - backendRefs: [{name: svc-a, port: 9999}]
"#,
    );
    let lookup = |path: &str, headers: &[(&str, &str)]| {
        let req = Request::new(80, "POST", "h", path, None, headers);
        m.lookup_grpc(&req).map(|h| (h.kind, h.rule, h.match_index))
    };
    assert_eq!(
        lookup("/foo.Greeter/Hello", &[("x-v", "2")]),
        Some((RouteKind::Grpc, 0, Some(0)))
    );
    assert_eq!(
        lookup("/foo.Greeter/Hello", NO_HEADERS).map(|h| h.1),
        Some(1)
    );
    // A rule without matches matches every gRPC request (the resolver's match 0).
    assert_eq!(
        lookup("/bar.B/C", NO_HEADERS).map(|h| (h.1, h.2)),
        Some((2, Some(0)))
    );
    // Not an HTTPRoute: plain HTTP lookups find nothing.
    assert!(
        m.lookup(&Request::new(80, "GET", "h", "/", None, NO_HEADERS))
            .is_none()
    );
}

#[test]
fn a_route_attached_twice_to_one_listener_is_listed_once() {
    let (res, m) = matcher(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: web, sectionName: http}, {name: web, port: 80}]
  rules: [{backendRefs: [{name: svc-a, port: 8080}]}]
"#,
    );
    let table = to_route_table(&res);
    assert_eq!(table.listeners[0].http_routes.len(), 1);
    assert_eq!(table.listeners[0].http_routes[0].rules.len(), 1);
    assert_eq!(table.listeners[0].http_routes[0].rules[0].matches.len(), 1);
    assert!(get(&m, 80, "h", "/", NO_HEADERS).is_some());
}

#[test]
fn the_never_pattern_compiles_and_matches_nothing() {
    let re = regex::Regex::new(&format!("^(?:{NEVER})$")).expect("valid");
    for s in ["", "/", "a", "\n", "[^\\s\\S]", "\u{10FFFF}"] {
        assert!(!re.is_match(s), "{s:?}");
    }
}

#[test]
fn one_table_per_gateway() {
    let res = resolution(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other, namespace: default}
spec:
  gatewayClassName: example
  listeners: [{name: other-http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: web}]
  rules: [{backendRefs: [{name: svc-a, port: 8080}]}]
"#,
    );
    // Merged: `default/other` sorts first and its equally specific listener takes port 80.
    let merged = compile(to_route_table(&res)).expect("compiles");
    assert_eq!(get(&merged, 80, "h", "/", NO_HEADERS), None);
    let web = res
        .data_plane
        .iter()
        .find(|g| g.key.1 == "web")
        .expect("web");
    let m = compile(gateway_route_table(web)).expect("compiles");
    let req = Request::new(80, "GET", "h", "/", None, NO_HEADERS);
    let hit = m.lookup(&req).expect("matched on web");
    assert_eq!(hit.route.name, "r");
    let names: Vec<&str> = served_gateway_listeners(web)
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(names, ["http", "foo"]);
    assert_eq!(names[hit.listener.index], "http");
}
