//! Behaviour of the resolver on small hand-written configurations, one rule per test.

use gateway_api_types::conditions::{Condition, Time};
use gateway_api_types::features::SupportedFeatureName as F;
use gateway_api_types::parse_documents;
use gateway_api_validate::resolve::snapshot::{ObjectKind, ObjectRef};
use gateway_api_validate::resolve::{
    Config, ObjectStatus, Resolution, RuleMatch, Snapshot, resolve,
};

const CONTROLLER: &str = "example.com/gateway";

const BASE: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: gc}
spec: {controllerName: example.com/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: gc
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: infra}
spec: {ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: apps}
spec: {ports: [{port: 8080}]}
"#;

fn snapshot(extra: &str) -> Snapshot {
    let text = format!("{BASE}\n---\n{extra}");
    let objects: Vec<_> = parse_documents("t.yaml", &text)
        .into_iter()
        .map(|d| d.expect("valid document").object)
        .collect();
    Snapshot::from_objects(&objects).expect("snapshot")
}

fn config() -> Config {
    Config::new(CONTROLLER).with_features([F::GRPCRoute])
}

fn route_conditions(out: &Resolution, kind: ObjectKind, ns: &str, name: &str) -> Vec<Condition> {
    match out.statuses.get(&ObjectRef::new(kind, ns, name)) {
        Some(ObjectStatus::Route(r)) => r
            .parents
            .iter()
            .find(|p| p.controller_name.as_str() == CONTROLLER)
            .map(|p| p.conditions.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn cond<'a>(c: &'a [Condition], t: &str) -> Option<(&'a str, &'a str)> {
    c.iter()
        .find(|c| c.type_ == t)
        .map(|c| (c.status.as_str(), c.reason.as_str()))
}

fn listener_rules(out: &Resolution) -> Vec<String> {
    out.data_plane[0].listeners[0]
        .rules
        .iter()
        .map(|r| {
            let m = match &*r.matches {
                RuleMatch::Http(m) => m
                    .path
                    .as_ref()
                    .and_then(|p| p.value.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            format!(
                "{}:{}{}",
                r.route.name,
                r.precedence.hostname.as_deref().unwrap_or("*any*"),
                m
            )
        })
        .collect()
}

#[test]
fn reference_grant_removal_revokes() {
    let route = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: other, namespace: apps, port: 8080}]}]
"#;
    let grant = r#"
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: apps}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}]
  to: [{group: "", kind: Service}]
"#;
    let with = resolve(&snapshot(&format!("{route}{grant}")), &config());
    let c = route_conditions(&with, ObjectKind::HTTPRoute, "infra", "r");
    assert_eq!(cond(&c, "ResolvedRefs"), Some(("True", "ResolvedRefs")));
    let without = resolve(&snapshot(route), &config());
    let c = route_conditions(&without, ObjectKind::HTTPRoute, "infra", "r");
    assert_eq!(cond(&c, "ResolvedRefs"), Some(("False", "RefNotPermitted")));
    assert_eq!(cond(&c, "Accepted"), Some(("True", "Accepted")));
    let backend = &without.data_plane[0].listeners[0].rules[0].backends[0];
    assert_eq!(
        backend.invalid.as_ref().map(|p| p.reason),
        Some("RefNotPermitted")
    );
    assert_eq!(
        backend.weight, 1,
        "an invalid backend keeps its share (answered with 500)"
    );
}

#[test]
fn invalid_rule_is_dropped_individually() {
    let route = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /ok}}]
    backendRefs: [{name: svc, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /ext}}]
    filters: [{type: ExtensionRef, extensionRef: {group: x.io, kind: Ext, name: z}}]
    backendRefs: [{name: svc, port: 8080}]
"#;
    let out = resolve(&snapshot(route), &config());
    let c = route_conditions(&out, ObjectKind::HTTPRoute, "infra", "r");
    assert_eq!(cond(&c, "Accepted"), Some(("True", "Accepted")));
    assert_eq!(
        cond(&c, "PartiallyInvalid"),
        Some(("True", "UnsupportedValue"))
    );
    assert_eq!(listener_rules(&out), vec!["r:*any*/ok"]);
}

#[test]
fn all_rules_invalid_is_not_accepted() {
    let route = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules:
  - filters:
    - {type: RequestRedirect, requestRedirect: {scheme: https}}
    - {type: URLRewrite, urlRewrite: {hostname: x.example.com}}
"#;
    let out = resolve(
        &snapshot(route),
        &config().with_features([F::HTTPRouteHostRewrite]),
    );
    let c = route_conditions(&out, ObjectKind::HTTPRoute, "infra", "r");
    assert_eq!(cond(&c, "Accepted"), Some(("False", "IncompatibleFilters")));
    assert_eq!(cond(&c, "PartiallyInvalid"), None);
    assert!(listener_rules(&out).is_empty());
}

#[test]
fn http_and_grpc_on_one_hostname_oldest_wins() {
    let routes = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: newer, namespace: infra, creationTimestamp: "2024-01-02T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: svc, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: older, namespace: infra, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  hostnames: ["*.example.com"]
  rules: [{backendRefs: [{name: svc, port: 8080}]}]
"#;
    let out = resolve(&snapshot(routes), &config());
    let older = route_conditions(&out, ObjectKind::HTTPRoute, "infra", "older");
    let newer = route_conditions(&out, ObjectKind::GRPCRoute, "infra", "newer");
    assert_eq!(cond(&older, "Accepted"), Some(("True", "Accepted")));
    assert_eq!(cond(&newer, "Accepted").map(|c| c.0), Some("False"));
    let Some(ObjectStatus::Gateway(g)) =
        out.statuses
            .get(&ObjectRef::new(ObjectKind::Gateway, "infra", "gw"))
    else {
        panic!("no gateway status")
    };
    assert_eq!(g.listeners.as_ref().map(|l| l[0].attached_routes), Some(1));
}

#[test]
fn precedence_order_on_a_listener() {
    let routes = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b-prefix, namespace: infra, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}, {path: {type: PathPrefix, value: /abc}}]
    backendRefs: [{name: svc, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a-exact, namespace: infra, creationTimestamp: "2024-01-03T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: Exact, value: /a}}, {path: {type: RegularExpression, value: /r.*}}]
    backendRefs: [{name: svc, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: c-host, namespace: infra, creationTimestamp: "2024-01-02T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  hostnames: [x.example.com, "*.example.com"]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: svc, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: d-same-newer, namespace: infra, creationTimestamp: "2024-01-05T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}]
    backendRefs: [{name: svc, port: 8080}]
"#;
    let out = resolve(&snapshot(routes), &config());
    assert_eq!(
        listener_rules(&out),
        vec![
            "c-host:x.example.com/",
            "c-host:*.example.com/",
            "a-exact:*any*/a",
            "a-exact:*any*/r.*",
            "b-prefix:*any*/abc",
            "b-prefix:*any*/a",
            "d-same-newer:*any*/a",
        ]
    );
}

#[test]
fn mixed_tls_modes_on_one_port_conflict() {
    let gw = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: tls, namespace: infra}
spec:
  gatewayClassName: gc
  listeners:
  - {name: pass, port: 443, protocol: TLS, hostname: a.example.com, tls: {mode: Passthrough}}
  - {name: http, port: 80, protocol: HTTP}
  - {name: tcp, port: 80, protocol: TCP}
"#;
    let out = resolve(
        &snapshot(gw),
        &config().with_features([F::TLSRoute, F::TCPRoute]),
    );
    let Some(ObjectStatus::Gateway(g)) =
        out.statuses
            .get(&ObjectRef::new(ObjectKind::Gateway, "infra", "tls"))
    else {
        panic!("no status")
    };
    let l = g.listeners.as_deref().unwrap_or_default();
    let accepted: Vec<_> = l
        .iter()
        .map(|l| {
            let c = cond(&l.conditions, "Accepted").unwrap_or_default();
            format!("{}={}/{}", l.name.as_str(), c.0, c.1)
        })
        .collect();
    assert_eq!(
        accepted,
        vec![
            "pass=True/Accepted",
            "http=False/ProtocolConflict",
            "tcp=False/ProtocolConflict"
        ]
    );
    let gc = g.conditions.as_deref().unwrap_or_default();
    assert_eq!(cond(gc, "Accepted"), Some(("True", "ListenersNotValid")));
}

#[test]
fn status_merge_keeps_transition_time_and_other_controllers() {
    let route = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra, generation: 3}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: svc, port: 8080}]}]
status:
  parents:
  - parentRef: {name: elsewhere}
    controllerName: other.io/controller
    conditions:
    - {type: Accepted, status: "True", reason: Accepted, message: "", lastTransitionTime: "2020-01-01T00:00:00Z"}
  - parentRef: {group: gateway.networking.k8s.io, kind: Gateway, name: gw}
    controllerName: example.com/gateway
    conditions:
    - {type: Accepted, status: "True", reason: Accepted, message: "", lastTransitionTime: "2021-01-01T00:00:00Z", observedGeneration: 2}
    - {type: ResolvedRefs, status: "False", reason: BackendNotFound, message: "", lastTransitionTime: "2021-01-01T00:00:00Z", observedGeneration: 2}
"#;
    let mut cfg = config();
    cfg.now = Time("2030-01-01T00:00:00Z".parse().expect("time"));
    let out = resolve(&snapshot(route), &cfg);
    let Some(ObjectStatus::Route(st)) =
        out.statuses
            .get(&ObjectRef::new(ObjectKind::HTTPRoute, "infra", "r"))
    else {
        panic!("no status")
    };
    assert_eq!(st.parents.len(), 2);
    assert_eq!(
        st.parents[0].controller_name.as_str(),
        "other.io/controller"
    );
    let ours = &st.parents[1].conditions;
    let accepted = ours
        .iter()
        .find(|c| c.type_ == "Accepted")
        .expect("Accepted");
    assert_eq!(
        accepted.last_transition_time.0.to_string(),
        "2021-01-01T00:00:00Z"
    );
    assert_eq!(accepted.observed_generation, Some(3));
    let refs = ours
        .iter()
        .find(|c| c.type_ == "ResolvedRefs")
        .expect("ResolvedRefs");
    assert_eq!(refs.status, "True");
    assert_eq!(
        refs.last_transition_time.0.to_string(),
        "2030-01-01T00:00:00Z"
    );
}

#[test]
fn endpoints_and_weights_reach_the_data_plane() {
    let extra = r#"
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc-1, namespace: infra, labels: {kubernetes.io/service-name: svc}}
addressType: IPv4
endpoints:
- {addresses: [10.0.0.1], conditions: {ready: true}}
- {addresses: [10.0.0.2], conditions: {ready: false}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: svc, port: 8080, weight: 3}, {name: missing, port: 80, weight: 1}]}]
"#;
    let out = resolve(&snapshot(extra), &config());
    let b = &out.data_plane[0].listeners[0].rules[0].backends;
    assert_eq!(*b[0].endpoints, ["10.0.0.1".to_string()]);
    assert_eq!((b[0].weight, b[1].weight), (3, 1));
    assert_eq!(
        b[1].invalid.as_ref().map(|p| p.reason),
        Some("BackendNotFound")
    );
}

#[test]
fn overlapping_tls_hostnames_are_flagged_on_both_listeners() {
    let extra = r#"
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: infra}
type: kubernetes.io/tls
stringData:
  tls.crt: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"
  tls.key: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: https, namespace: infra}
spec:
  gatewayClassName: gc
  listeners:
  - {name: a, port: 443, protocol: HTTPS, hostname: foo.example.com, tls: {certificateRefs: [{name: cert}]}}
  - {name: b, port: 443, protocol: HTTPS, hostname: foo.example.org, tls: {certificateRefs: [{name: cert}]}}
  - {name: c, port: 443, protocol: HTTPS, hostname: "*.example.com", tls: {certificateRefs: [{name: cert}]}}
"#;
    let out = resolve(&snapshot(extra), &config());
    let Some(ObjectStatus::Gateway(g)) =
        out.statuses
            .get(&ObjectRef::new(ObjectKind::Gateway, "infra", "https"))
    else {
        panic!("no status")
    };
    let flagged: Vec<_> = g
        .listeners
        .iter()
        .flatten()
        .filter(|l| {
            cond(&l.conditions, "OverlappingTLSConfig") == Some(("True", "OverlappingHostnames"))
        })
        .map(|l| l.name.to_string())
        .collect();
    assert_eq!(flagged, vec!["a", "c"]);
    assert!(
        out.data_plane
            .iter()
            .all(|g| g.listeners.iter().all(|l| l.valid))
    );
}

#[test]
fn unsupported_app_protocol_is_unresolved() {
    let extra = r#"
apiVersion: v1
kind: Service
metadata: {name: h2c, namespace: infra}
spec: {ports: [{port: 8080, appProtocol: kubernetes.io/h2c}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: h2c, port: 8080}]}]
"#;
    let out = resolve(&snapshot(extra), &config());
    let c = route_conditions(&out, ObjectKind::HTTPRoute, "infra", "r");
    assert_eq!(
        cond(&c, "ResolvedRefs"),
        Some(("False", "UnsupportedProtocol"))
    );
    let out = resolve(
        &snapshot(extra),
        &config().with_features([F::HTTPRouteBackendProtocolH2C]),
    );
    let c = route_conditions(&out, ObjectKind::HTTPRoute, "infra", "r");
    assert_eq!(cond(&c, "ResolvedRefs"), Some(("True", "ResolvedRefs")));
}

#[test]
fn entries_for_parents_no_longer_referenced_are_removed() {
    let route = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: not-ours}]
  rules: [{backendRefs: [{name: svc, port: 8080}]}]
status:
  parents:
  - parentRef: {name: gw}
    controllerName: example.com/gateway
    conditions:
    - {type: Accepted, status: "True", reason: Accepted, message: "", lastTransitionTime: "2021-01-01T00:00:00Z"}
  - parentRef: {name: not-ours}
    controllerName: other.io/controller
    conditions: []
"#;
    let out = resolve(&snapshot(route), &config());
    let Some(ObjectStatus::Route(st)) =
        out.statuses
            .get(&ObjectRef::new(ObjectKind::HTTPRoute, "infra", "r"))
    else {
        panic!("stale entries must be cleaned up")
    };
    assert_eq!(st.parents.len(), 1);
    assert_eq!(
        st.parents[0].controller_name.as_str(),
        "other.io/controller"
    );
}

/// spec: GatewayReasonAddressNotUsable / GatewayReasonUnsupportedAddress: an unsupported
/// address type rejects the Gateway; a supported address the infrastructure cannot use leaves
/// it accepted but not programmed; only usable addresses are reported in `status.addresses`.
#[test]
fn static_addresses_unsupported_unusable_usable() {
    let gateway = |addresses: &str| {
        format!(
            r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: static, namespace: infra}}
spec:
  gatewayClassName: gc
  addresses: {addresses}
  listeners: [{{name: http, port: 8080, protocol: HTTP}}]
"#
        )
    };
    let config = config().with_usable_addresses(["127.0.0.1"]);
    let gw = ObjectRef::new(ObjectKind::Gateway, "infra", "static");
    let conditions = |addresses: &str| {
        let out = resolve(&snapshot(&gateway(addresses)), &config);
        let Some(ObjectStatus::Gateway(st)) = out.statuses.get(&gw) else {
            panic!("no Gateway status")
        };
        let c = st.conditions.clone().unwrap_or_default();
        let values: Vec<String> = st
            .addresses
            .iter()
            .flatten()
            .map(|a| a.value.clone())
            .collect();
        (
            cond(&c, "Accepted").map(|(s, r)| format!("{s}/{r}")),
            cond(&c, "Programmed").map(|(s, r)| format!("{s}/{r}")),
            values,
        )
    };
    let (a, _, _) = conditions(r#"[{type: example.com/fake, value: x}, {value: 127.0.0.1}]"#);
    assert_eq!(a.as_deref(), Some("False/UnsupportedAddress"));
    let (a, p, v) = conditions(r#"[{value: 127.0.0.2}, {value: 127.0.0.1}]"#);
    assert_eq!(a.as_deref(), Some("True/Accepted"));
    assert_eq!(p.as_deref(), Some("False/AddressNotUsable"));
    assert_eq!(v, ["127.0.0.1"]);
    let (a, p, v) = conditions(r#"[{value: 127.0.0.1}]"#);
    assert_eq!(a.as_deref(), Some("True/Accepted"));
    assert_eq!(p.as_deref(), Some("True/Programmed"));
    assert_eq!(v, ["127.0.0.1"]);
    // Without a restriction every address of a supported type is usable.
    let out = resolve(
        &snapshot(&gateway(r#"[{value: 127.0.0.2}]"#)),
        &Config::new(CONTROLLER),
    );
    let Some(ObjectStatus::Gateway(st)) = out.statuses.get(&gw) else {
        panic!("no Gateway status")
    };
    let c = st.conditions.clone().unwrap_or_default();
    assert_eq!(cond(&c, "Programmed"), Some(("True", "Programmed")));
}
