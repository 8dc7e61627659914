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

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "common/objects.rs"]
mod objects;
use objects::{CHANNEL, gateway_yaml, httproute_yaml, object};

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
