//! The objects of the `validate` bench, shared with the `validate_profile` example (included
//! with `#[path]`, so both measure the same objects).

use std::fmt::Write as _;

use gateway_api_types::{Channel, GatewayObject, parse_documents};

/// The channel both objects are validated against.
pub const CHANNEL: Channel = Channel::Standard;

/// An HTTPRoute with 3 parentRefs, 4 hostnames and 16 rules (2 matches, 3 filters and 2 of 8
/// backends each).
pub fn httproute_yaml() -> String {
    let mut y = String::from(
        "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: shop}
spec:
  parentRefs:
  - {name: public, namespace: infra, sectionName: https-0}
  - {name: public, namespace: infra, sectionName: https-1}
  - {name: internal, namespace: infra}
  hostnames: [shop.example.com, www.shop.example.com, \"*.shop.example.net\", api.example.com]
  rules:
",
    );
    for i in 0..16 {
        let (a, b) = (i % 8, (i + 3) % 8);
        let third = if i % 2 == 0 {
            format!(
                "    - type: URLRewrite
      urlRewrite:
        hostname: backend-{i}.internal
        path: {{type: ReplaceFullPath, replaceFullPath: /v{i}/items}}"
            )
        } else {
            format!(
                "    - type: RequestMirror
      requestMirror:
        backendRef: {{name: mirror, port: 8080}}
        percent: {i}"
            )
        };
        write!(
            y,
            "  - name: rule-{i}
    matches:
    - path: {{type: PathPrefix, value: /api/v{i}/items}}
      headers:
      - {{name: x-tenant, value: tenant-{i}}}
      - {{type: RegularExpression, name: x-version, value: \"v[0-9]+\"}}
      queryParams:
      - {{name: debug, value: \"false\"}}
      method: GET
    - path: {{type: Exact, value: /api/v{i}/health}}
      method: HEAD
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{{name: x-route, value: rule-{i}}}]
        add: [{{name: x-shop, value: \"1\"}}]
        remove: [x-internal]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{{name: cache-control, value: no-store}}]
{third}
    backendRefs:
    - {{name: svc-{a}, port: 8080, weight: 90}}
    - {{name: svc-{b}, namespace: shop, port: 8080, weight: 10}}
"
        )
        .expect("write to string");
    }
    y
}

/// A Gateway with 20 listeners (HTTP and HTTPS) and an address.
pub fn gateway_yaml() -> String {
    let mut y = String::from(
        "apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: infra}
spec:
  gatewayClassName: example
  addresses:
  - {type: IPAddress, value: 192.0.2.10}
  listeners:
",
    );
    for i in 0..20 {
        if i % 2 == 0 {
            write!(
                y,
                "  - name: http-{i}
    protocol: HTTP
    port: 80
    hostname: \"site-{i}.example.com\"
    allowedRoutes:
      namespaces: {{from: Same}}
"
            )
        } else {
            write!(
                y,
                "  - name: https-{i}
    protocol: HTTPS
    port: 443
    hostname: \"*.site-{i}.example.com\"
    tls:
      mode: Terminate
      certificateRefs:
      - {{kind: Secret, group: \"\", name: cert-{i}}}
    allowedRoutes:
      namespaces:
        from: Selector
        selector:
          matchLabels: {{team: team-{i}}}
      kinds:
      - {{kind: HTTPRoute}}
"
            )
        }
        .expect("write to string");
    }
    y
}

/// The object of `yaml`, normalized (pruned to the channel, defaults applied).
pub fn object(yaml: &str) -> GatewayObject {
    let doc = parse_documents("bench.yaml", yaml)
        .pop()
        .expect("one document")
        .expect("the benchmark object parses");
    doc.object
        .normalized(CHANNEL)
        .expect("the benchmark object normalizes")
}
