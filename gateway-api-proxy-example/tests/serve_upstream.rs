//! `gwproxy serve` on upstream's conformance manifests (base + one test), with an in-test echo
//! standing in for `infra-backend-v1` through an EndpointSlice in `extra_objects`.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use gateway_api_proxy_example::serve::{Bind, ConfigSource, Proxy, ServeOptions};

/// `../shared/upstream` beside the workspace (override with `GATEWAY_API_UPSTREAM`).
fn upstream_dir() -> PathBuf {
    let dir = match std::env::var("GATEWAY_API_UPSTREAM") {
        Ok(d) => PathBuf::from(d),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/upstream"),
    };
    assert!(
        dir.is_dir(),
        "upstream data not found at {} (set GATEWAY_API_UPSTREAM)",
        dir.display()
    );
    dir
}

#[tokio::test]
async fn conformance_base_and_simple_same_namespace() {
    let manifests = upstream_dir().join("conformance/manifests");
    let read = |p: &str| {
        std::fs::read_to_string(manifests.join(p))
            .unwrap()
            .replace("{GATEWAY_CLASS_NAME}", "gwproxy")
    };
    let class = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n\
                 metadata: {name: gwproxy}\nspec: {controllerName: example.net/gwproxy}\n";
    let v1 = echo("infra-backend-v1").await;
    // The Service maps port 8080 (name first-port) to targetPort 3000; the EndpointSlice port
    // of the same name points at the echo.
    let slice = format!(
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n\
         metadata:\n  name: infra-backend-v1-x\n  namespace: gateway-conformance-infra\n  \
         labels: {{kubernetes.io/service-name: infra-backend-v1}}\n\
         addressType: IPv4\nports: [{{name: first-port, port: {}}}]\n\
         endpoints: [{{addresses: [\"127.0.0.1\"]}}]\n",
        v1.addr.port()
    );
    let mut options = ServeOptions::new(
        ConfigSource::Inline(vec![
            ("class.yaml".into(), class.into()),
            ("base/manifests.yaml".into(), read("base/manifests.yaml")),
            (
                "tests/httproute-simple-same-namespace.yaml".into(),
                read("tests/httproute-simple-same-namespace.yaml"),
            ),
        ]),
        Bind::PerGateway {
            ip: "127.0.0.1".parse().unwrap(),
        },
    );
    options.extra_objects = objects(&slice);
    let proxy = tokio::time::timeout(TIMEOUT, Proxy::start(options))
        .await
        .unwrap()
        .unwrap();
    let addr = proxy
        .address_of("gateway-conformance-infra", "same-namespace", 80)
        .expect("same-namespace:80 bound");
    // As upstream does: no Host given, the gateway address is the Host.
    let a = get(addr, &addr.to_string(), "/", &[]).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.json()["backend"], "infra-backend-v1");
    // Other Gateways have their own sockets and no route for this request.
    let other = proxy
        .address_of("gateway-conformance-infra", "all-namespaces", 80)
        .expect("all-namespaces:80 bound");
    assert_ne!(other, addr);
    assert_eq!(get(other, "x", "/", &[]).await.status, 404);
}
