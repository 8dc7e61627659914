//! The resolver benchmark world: 1 Gateway with 20 HTTP listeners (one wildcard hostname each),
//! 10,000 HTTPRoutes of 3 rules over 1,000 hostnames, 100 Services with EndpointSlices.

#![allow(dead_code)]

use gateway_api_types::{GatewayObject, parse_documents};
use serde_json::{Value, json};

/// The controller name of the world's GatewayClass.
pub const CONTROLLER: &str = "example.com/bench";
/// Listeners on the Gateway.
pub const LISTENERS: usize = 20;
/// HTTPRoutes.
pub const ROUTES: usize = 10_000;
/// Distinct route hostnames.
pub const HOSTNAMES: usize = 1_000;
/// Services (each with one EndpointSlice).
pub const SERVICES: usize = 100;

fn object(v: Value) -> GatewayObject {
    let text = v.to_string();
    match parse_documents("bench", &text).into_iter().next() {
        Some(Ok(d)) => d.object,
        other => panic!("bench object does not parse: {other:?}"),
    }
}

/// One HTTPRoute of the world; `variant` changes its first rule's path (for incremental
/// changes).
pub fn route(i: usize, variant: usize) -> GatewayObject {
    let h = i % HOSTNAMES;
    let zone = h % LISTENERS;
    object(json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {
            "name": format!("route-{i}"),
            "namespace": "bench",
            "creationTimestamp": format!("2024-01-01T00:{:02}:{:02}Z", (i / 60) % 60, i % 60),
        },
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "hostnames": [format!("h{h}.zone{zone}.example.com")],
            "rules": [
                {
                    "matches": [{"path": {"type": "Exact", "value": format!("/r{i}/exact{variant}")}}],
                    "backendRefs": [{"name": format!("svc-{}", i % SERVICES), "port": 8080}],
                },
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": format!("/r{i}")}, "method": "GET"}],
                    "backendRefs": [
                        {"name": format!("svc-{}", (i + 1) % SERVICES), "port": 8080, "weight": 90},
                        {"name": format!("svc-{}", (i + 2) % SERVICES), "port": 8080, "weight": 10},
                    ],
                },
                {
                    "matches": [{
                        "path": {"type": "PathPrefix", "value": "/"},
                        "headers": [{"name": "x-route", "value": format!("{i}")}],
                    }],
                    "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"add": [{"name": "x-via", "value": "bench"}]}}],
                    "backendRefs": [{"name": format!("svc-{}", (i + 3) % SERVICES), "port": 8080}],
                },
            ],
        },
    }))
}

/// Every object of the world.
pub fn objects() -> Vec<GatewayObject> {
    let mut out = vec![
        object(json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "GatewayClass",
            "metadata": {"name": "bench"},
            "spec": {"controllerName": CONTROLLER},
        })),
        object(json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "bench", "labels": {"team": "bench"}},
        })),
        object(json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "gw", "namespace": "bench"},
            "spec": {
                "gatewayClassName": "bench",
                "listeners": (0..LISTENERS).map(|z| json!({
                    "name": format!("zone{z}"),
                    "port": 80,
                    "protocol": "HTTP",
                    "hostname": format!("*.zone{z}.example.com"),
                })).collect::<Vec<_>>(),
            },
        })),
    ];
    for s in 0..SERVICES {
        out.push(object(json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": format!("svc-{s}"), "namespace": "bench"},
            "spec": {"ports": [{"name": "http", "port": 8080}]},
        })));
        out.push(object(json!({
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": format!("svc-{s}-1"),
                "namespace": "bench",
                "labels": {"kubernetes.io/service-name": format!("svc-{s}")},
            },
            "endpoints": [{"addresses": [format!("10.1.{}.1", s % 250)]}, {"addresses": [format!("10.2.{}.1", s % 250)]}],
        })));
    }
    out.extend((0..ROUTES).map(|i| route(i, 0)));
    out
}
