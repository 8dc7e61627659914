//! The incremental resolver equals the full resolver after every change of random change
//! sequences (upserts and deletes of any object: Routes, Gateways, classes, ReferenceGrants that
//! revoke, Namespace labels that selectors read, Services, EndpointSlices, Secrets, unrelated
//! objects), and an unrelated update never reorders routes.

mod common;

use std::collections::BTreeSet;

use gateway_api_types::features::SupportedFeatureName as F;
use gateway_api_types::{GatewayObject, parse_documents};
use gateway_api_validate::resolve::{
    Config, IncrementalResolver, ObjectKind, ObjectRef, Resolution, Snapshot, resolve,
};
use proptest::prelude::*;

const CONTROLLER: &str = "gateway.networking.k8s.io/gateway-controller";

/// Objects beyond the conformance files: cross-namespace Routes through a Selector listener,
/// the grant they need, an HTTPRoute/GRPCRoute hostname conflict, endpoints, an unrelated
/// ConfigMap and a class of another controller.
const EXTRA: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: selected, namespace: gateway-conformance-app-backend}
spec:
  parentRefs: [{name: backend-namespaces, namespace: gateway-conformance-infra}, {name: all-namespaces, namespace: gateway-conformance-infra}]
  hostnames: [conflict.example.com]
  rules:
  - backendRefs: [{name: infra-backend-v1, namespace: gateway-conformance-infra, port: 8080}]
  - matches: [{path: {type: Exact, value: /x}}]
    backendRefs: [{name: app-backend-v1, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: app-to-infra, namespace: gateway-conformance-infra}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-app-backend}]
  to: [{group: "", kind: Service}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc-clash, namespace: gateway-conformance-infra, creationTimestamp: "2020-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: all-namespaces}]
  hostnames: [conflict.example.com]
  rules: [{backendRefs: [{name: grpc-infra-backend-v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: plain, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: all-namespaces}, {name: same-namespace, sectionName: http}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /plain}}, {method: GET}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: infra-backend-v1-abc
  namespace: gateway-conformance-infra
  labels: {kubernetes.io/service-name: infra-backend-v1}
endpoints: [{addresses: [10.0.0.1]}, {addresses: [10.0.0.2], conditions: {ready: false}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated, namespace: gateway-conformance-infra}
data: {a: b}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: someone-else}
spec: {controllerName: example.com/other}
"#;

fn world() -> Vec<GatewayObject> {
    let dir = common::upstream_dir().join("conformance/manifests");
    let files = [
        "base/manifests.yaml",
        "tests/httproute-matching.yaml",
        "tests/httproute-reference-grant.yaml",
        "tests/gateway-with-attached-routes.yaml",
        "tests/listenerset-hostname-conflict.yaml",
        "tests/httproute-hostname-intersection.yaml",
        "tests/backendtlspolicy-conflict-resolution.yaml",
        "tests/grpcroute-header-matching.yaml",
    ];
    let class = format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: gateway-conformance}}\nspec: {{controllerName: {CONTROLLER}}}\n"
    );
    let mut texts = vec![("class".to_string(), class), ("extra".into(), EXTRA.into())];
    for f in files {
        let p = dir.join(f);
        let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        texts.push((
            f.to_string(),
            t.replace("{GATEWAY_CLASS_NAME}", "gateway-conformance"),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = vec![];
    for (name, text) in texts {
        for d in parse_documents(&name, &text).into_iter().flatten() {
            let m = d.object.metadata();
            let id = (
                d.object.kind().to_string(),
                m.namespace.clone().unwrap_or_default(),
                m.name.clone().unwrap_or_default(),
            );
            if seen.insert(id) {
                out.push(d.object);
            }
        }
    }
    out
}

fn config() -> Config {
    Config::new(CONTROLLER).with_features([
        F::GRPCRoute,
        F::ListenerSet,
        F::BackendTLSPolicy,
        F::TLSRoute,
    ])
}

fn id_of(o: &GatewayObject) -> Option<ObjectRef> {
    let m = o.metadata();
    let kind = ObjectKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == o.kind())?;
    Some(ObjectRef::new(
        kind,
        m.namespace.clone().unwrap_or_default(),
        m.name.clone().unwrap_or_default(),
    ))
}

/// A changed copy of an object: variant 1 relabels (Namespaces lose their selector labels),
/// 2 gives the selector label, 3 sets an old creation time, 4 bumps the generation and drops
/// Route hostnames.
fn variant(o: &GatewayObject, v: u8) -> GatewayObject {
    let Ok(mut j) = o.to_value() else {
        return o.clone();
    };
    match v {
        1 => j["metadata"]["labels"] = serde_json::json!({"changed": "yes"}),
        2 => j["metadata"]["labels"] = serde_json::json!({"gateway-conformance": "backend"}),
        3 => j["metadata"]["creationTimestamp"] = serde_json::json!("2019-06-01T00:00:00Z"),
        4 => {
            j["metadata"]["generation"] = serde_json::json!(7);
            if let Some(spec) = j.get_mut("spec").and_then(|s| s.as_object_mut()) {
                spec.remove("hostnames");
            }
        }
        _ => return o.clone(),
    }
    let text = serde_json::to_string(&j).unwrap_or_default();
    parse_documents("variant", &text)
        .into_iter()
        .flatten()
        .map(|d| d.object)
        .next()
        .unwrap_or_else(|| o.clone())
}

fn rule_order(r: &Resolution) -> Vec<String> {
    r.data_plane
        .iter()
        .flat_map(|g| g.listeners.iter())
        .flat_map(|l| l.rules.iter())
        .map(|x| {
            format!(
                "{}#{}/{}",
                x.route, x.precedence.rule_index, x.precedence.match_index
            )
        })
        .collect()
}

#[test]
fn initial_resolution_equals_full() {
    let snapshot = Snapshot::from_objects(&world()).expect("snapshot");
    let inc = IncrementalResolver::new(snapshot.clone(), config());
    assert_eq!(inc.resolution(), &resolve(&snapshot, &config()));
    assert!(!rule_order(inc.resolution()).is_empty());
}

#[test]
fn grant_removal_revokes_and_unrelated_update_keeps_order() {
    let objects = world();
    let snapshot = Snapshot::from_objects(&objects).expect("snapshot");
    let mut inc = IncrementalResolver::new(snapshot, config());
    let before = rule_order(inc.resolution());
    let route = ObjectRef::new(
        ObjectKind::HTTPRoute,
        "gateway-conformance-app-backend",
        "selected",
    );
    let refs_resolved = |inc: &IncrementalResolver| {
        format!("{:?}", inc.resolution().statuses.get(&route)).contains("RefNotPermitted")
    };
    assert!(!refs_resolved(&inc));

    // Unrelated objects: a ConfigMap update, a new Service nobody uses.
    let unrelated = parse_documents(
        "u",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unrelated, namespace: gateway-conformance-infra}\ndata: {a: c}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: nobody, namespace: gateway-conformance-infra}\nspec: {ports: [{port: 1}]}\n",
    );
    for d in unrelated.into_iter().flatten() {
        inc.upsert(&d.object).expect("upsert");
        assert_eq!(before, rule_order(inc.resolution()));
    }

    assert!(inc.remove(&ObjectRef::new(
        ObjectKind::ReferenceGrant,
        "gateway-conformance-infra",
        "app-to-infra"
    )));
    assert!(refs_resolved(&inc), "removing the grant revokes");
    assert_eq!(inc.resolution(), &resolve(inc.snapshot(), inc.config()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random sequences of upserts (original or changed objects) and deletes: after every step
    /// the incremental resolution equals a full resolve of the same snapshot.
    #[test]
    fn incremental_equals_full_after_every_step(
        keep in proptest::collection::vec(proptest::bool::weighted(0.7), 256),
        steps in proptest::collection::vec((0usize..1000, 0u8..7), 1..14),
    ) {
        let objects = world();
        let initial: Vec<GatewayObject> = objects
            .iter()
            .enumerate()
            .filter(|(i, _)| keep.get(*i).copied().unwrap_or(true))
            .map(|(_, o)| o.clone())
            .collect();
        let snapshot = Snapshot::from_objects(&initial).expect("snapshot");
        let mut inc = IncrementalResolver::new(snapshot, config());
        prop_assert_eq!(inc.resolution(), &resolve(inc.snapshot(), inc.config()));
        // Kinds with many dependants are picked more often.
        let hot: Vec<&GatewayObject> = objects
            .iter()
            .filter(|o| {
                matches!(
                    o.kind(),
                    "Namespace" | "ReferenceGrant" | "GatewayClass" | "Gateway" | "ListenerSet"
                        | "Service" | "EndpointSlice" | "GRPCRoute" | "Secret"
                )
            })
            .collect();
        for (pick, op) in steps {
            let o = if pick % 2 == 0 && !hot.is_empty() {
                hot[(pick / 2) % hot.len()]
            } else {
                &objects[pick % objects.len()]
            };
            if op >= 5 {
                let Some(id) = id_of(o) else { continue };
                inc.remove(&id);
            } else {
                let changed = variant(o, op);
                let _ = inc.upsert(&changed);
            }
            let full = resolve(inc.snapshot(), inc.config());
            prop_assert_eq!(inc.resolution(), &full, "after {} {:?} op {}", o.kind(), o.metadata().name, op);
        }
    }
}

/// One change of every dependency kind, each checked against the full resolver and shown to
/// change something (so the comparison is not vacuous).
#[test]
fn every_dependency_kind_propagates() {
    let objects = world();
    let find = |kind: &str, ns: &str, name: &str| {
        objects
            .iter()
            .find(|o| {
                o.kind() == kind
                    && o.metadata().namespace.as_deref().unwrap_or_default() == ns
                    && o.metadata().name.as_deref() == Some(name)
            })
            .unwrap_or_else(|| panic!("{kind} {ns}/{name} not in the world"))
            .clone()
    };
    let snapshot = Snapshot::from_objects(&objects).expect("snapshot");
    let mut inc = IncrementalResolver::new(snapshot, config());
    let mut previous = inc.resolution().clone();
    let mut check = |inc: &IncrementalResolver, what: &str| {
        assert_eq!(
            inc.resolution(),
            &resolve(inc.snapshot(), inc.config()),
            "{what}"
        );
        assert_ne!(inc.resolution(), &previous, "{what} changed nothing");
        previous = inc.resolution().clone();
    };
    let ns = find("Namespace", "", "gateway-conformance-app-backend");
    inc.upsert(&variant(&ns, 1)).expect("relabel");
    check(&inc, "namespace loses the selector label");
    inc.upsert(&ns).expect("label back");
    check(&inc, "namespace gets the selector label back");
    inc.remove(&ObjectRef::new(
        ObjectKind::ReferenceGrant,
        "gateway-conformance-infra",
        "app-to-infra",
    ));
    check(&inc, "grant removed");
    inc.upsert(&find(
        "ReferenceGrant",
        "gateway-conformance-infra",
        "app-to-infra",
    ))
    .expect("grant");
    check(&inc, "grant back");
    inc.remove(&ObjectRef::new(
        ObjectKind::EndpointSlice,
        "gateway-conformance-infra",
        "infra-backend-v1-abc",
    ));
    check(&inc, "endpoints removed");
    inc.remove(&ObjectRef::new(
        ObjectKind::Service,
        "gateway-conformance-infra",
        "infra-backend-v2",
    ));
    check(&inc, "service removed");
    inc.remove(&ObjectRef::new(
        ObjectKind::GRPCRoute,
        "gateway-conformance-infra",
        "grpc-clash",
    ));
    check(&inc, "conflicting GRPCRoute removed");
    inc.upsert(&variant(
        &find("HTTPRoute", "gateway-conformance-infra", "plain"),
        3,
    ))
    .expect("older route");
    check(&inc, "route creation time");
    inc.remove(&ObjectRef::new(
        ObjectKind::Gateway,
        "gateway-conformance-infra",
        "same-namespace",
    ));
    check(&inc, "gateway removed");
    inc.remove(&ObjectRef::new(
        ObjectKind::GatewayClass,
        "",
        "gateway-conformance",
    ));
    check(&inc, "class removed");
    inc.upsert(&find("GatewayClass", "", "gateway-conformance"))
        .expect("class");
    check(&inc, "class back");
}
