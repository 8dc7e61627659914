//! Native validation against kube-cel's evaluation of the same CRD rules, side by side.
//!
//! ```sh
//! cargo bench -p gateway-api-benches --bench validate            # full run
//! cargo bench -p gateway-api-benches --bench validate -- --quick # a quick check
//! ```
//!
//! Objects (built from YAML with `gateway_api_types::parse_documents`, defaults applied):
//! * an HTTPRoute with 3 parentRefs, 4 hostnames and 16 rules; each rule has 2 matches (path,
//!   headers, query parameters, method), 3 filters (request and response header modifiers, a
//!   URL rewrite or a mirror) and splits traffic between 2 of 8 backend Services;
//! * a Gateway with 20 listeners (HTTP and HTTPS with certificates, hostnames and allowed
//!   routes) and an address.
//!
//! For each, `native` is `gateway_api_validate::validate` on the defaulted typed object (what an
//! admission webhook or controller holds); `kube-cel` is `kube_cel::Validator::validate_compiled`
//! on the same object as JSON with the CRD schema compiled once (the CEL rules only: kube-cel
//! does not check OpenAPI constraints, which the native run does too). Until a kind's native
//! validator lands, its `native` figure only covers metadata.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gateway_api_types::{Channel, GatewayObject, parse_documents};

const CHANNEL: Channel = Channel::Standard;

fn httproute_yaml() -> String {
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

fn gateway_yaml() -> String {
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
fn object(yaml: &str) -> GatewayObject {
    let doc = parse_documents("bench.yaml", yaml)
        .pop()
        .expect("one document")
        .expect("the benchmark object parses");
    doc.object
        .normalized(CHANNEL)
        .expect("the benchmark object normalizes")
}

fn bench(c: &mut Criterion, name: &str, yaml: &str) {
    let obj = object(yaml);
    let report = gateway_api_validate::validate(&obj, CHANNEL);
    assert!(report.is_empty(), "{name} must be valid: {report:?}");
    let value = obj.to_value().expect("serialize");
    let schema = obj.schema(CHANNEL).expect("a Gateway API kind");
    let compiled = kube_cel::compile_schema(&schema);
    assert!(!compiled.has_errors(), "{name}: CEL rules compile");
    let validator = kube_cel::Validator::new();
    if let Err(e) = validator.validate_compiled(&compiled, &value, None) {
        panic!("{name} must pass the CEL rules: {e}");
    }

    let mut group = c.benchmark_group(name);
    group.bench_function("native", |b| {
        b.iter(|| gateway_api_validate::validate(black_box(&obj), CHANNEL))
    });
    group.bench_function("kube-cel", |b| {
        b.iter(|| validator.validate_compiled(&compiled, black_box(&value), None))
    });
    group.finish();
}

fn validate(c: &mut Criterion) {
    bench(c, "httproute-16-rules", &httproute_yaml());
    bench(c, "gateway-20-listeners", &gateway_yaml());
}

criterion_group!(benches, validate);
criterion_main!(benches);
