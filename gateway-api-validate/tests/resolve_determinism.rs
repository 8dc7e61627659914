//! The resolver is a pure function of the set of objects: shuffling the input, or resolving
//! twice, gives the same output; adding an unrelated object never reorders route rules.

mod common;

use std::collections::BTreeSet;

use gateway_api_types::{GatewayObject, parse_documents};
use gateway_api_validate::resolve::{Config, Resolution, Snapshot, resolve};
use proptest::prelude::*;

const CONTROLLER: &str = "gateway.networking.k8s.io/gateway-controller";

/// Base manifests and a few test manifests with routes, ListenerSets, conflicts, grants and
/// policies; duplicates (same kind/namespace/name) keep the first.
fn world() -> Vec<GatewayObject> {
    let dir = common::upstream_dir().join("conformance/manifests");
    let files = [
        "base/manifests.yaml",
        "tests/httproute-matching.yaml",
        "tests/httproute-reference-grant.yaml",
        "tests/gateway-with-attached-routes.yaml",
        "tests/listenerset-hostname-conflict.yaml",
        "tests/listenerset-protocol-conflict.yaml",
        "tests/httproute-hostname-intersection.yaml",
        "tests/backendtlspolicy-conflict-resolution.yaml",
        "tests/grpcroute-header-matching.yaml",
    ];
    let mut seen = BTreeSet::new();
    let mut out = vec![];
    let class = format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: gateway-conformance}}\nspec: {{controllerName: {CONTROLLER}}}\n"
    );
    let mut texts = vec![("class".to_string(), class)];
    for f in files {
        let p = dir.join(f);
        let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        texts.push((
            f.to_string(),
            t.replace("{GATEWAY_CLASS_NAME}", "gateway-conformance"),
        ));
    }
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

fn run(objects: &[GatewayObject]) -> Resolution {
    let snapshot = Snapshot::from_objects(objects).expect("snapshot");
    let config = Config::new(CONTROLLER).with_features([
        gateway_api_types::features::SupportedFeatureName::GRPCRoute,
        gateway_api_types::features::SupportedFeatureName::ListenerSet,
        gateway_api_types::features::SupportedFeatureName::BackendTLSPolicy,
    ]);
    resolve(&snapshot, &config)
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
fn world_resolves_to_something() {
    let objects = world();
    let out = run(&objects);
    assert!(out.statuses.len() > 20, "{}", out.statuses.len());
    assert!(
        out.data_plane
            .iter()
            .any(|g| g.listeners.iter().any(|l| !l.rules.is_empty()))
    );
    assert_eq!(out, run(&objects), "resolving twice differs");
}

#[test]
fn unrelated_object_never_reorders_routes() {
    let mut objects = world();
    let before = rule_order(&run(&objects));
    let extra = "apiVersion: v1\nkind: Service\nmetadata: {name: unrelated, namespace: gateway-conformance-infra}\nspec: {ports: [{port: 1}]}\n";
    objects.extend(
        parse_documents("extra", extra)
            .into_iter()
            .flatten()
            .map(|d| d.object),
    );
    assert_eq!(before, rule_order(&run(&objects)));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any subset of the world, in any order, resolves like the same subset in file order.
    #[test]
    fn shuffled_input_same_output(
        (keep, order) in {
            let n = world().len();
            (proptest::collection::vec(proptest::bool::weighted(0.8), n), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        }
    ) {
        let objects = world();
        let subset: Vec<GatewayObject> = objects
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(o, _)| o.clone())
            .collect();
        let shuffled: Vec<GatewayObject> = order
            .iter()
            .filter(|&&i| keep[i])
            .map(|&i| objects[i].clone())
            .collect();
        prop_assert_eq!(run(&subset), run(&shuffled));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Applying one change to a snapshot (delete, or re-insert an object with its labels
    /// changed) resolves like a snapshot built from scratch with the change.
    #[test]
    fn applied_change_equals_rebuild(pick in 0usize..1000, delete in proptest::bool::ANY) {
        let mut objects = world();
        let i = pick % objects.len();
        let mut snapshot = Snapshot::from_objects(&objects).expect("snapshot");
        let m = objects[i].metadata();
        let kind = gateway_api_validate::resolve::snapshot::ObjectKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == objects[i].kind());
        if delete {
            let Some(kind) = kind else { return Ok(()) };
            let r = gateway_api_validate::resolve::ObjectRef::new(
                kind,
                m.namespace.clone().unwrap_or_default(),
                m.name.clone().unwrap_or_default(),
            );
            prop_assert!(snapshot.remove(&r));
            objects.remove(i);
        } else {
            let mut v = objects[i].to_value().expect("json");
            v["metadata"]["labels"] = serde_json::json!({"changed": "yes"});
            let text = serde_json::to_string(&v).expect("json");
            let changed = parse_documents("changed", &text)
                .into_iter()
                .flatten()
                .map(|d| d.object)
                .next()
                .expect("reparse");
            snapshot.upsert(&changed).expect("upsert");
            objects[i] = changed;
        }
        let config = Config::new(CONTROLLER).with_features([
            gateway_api_types::features::SupportedFeatureName::GRPCRoute,
            gateway_api_types::features::SupportedFeatureName::ListenerSet,
            gateway_api_types::features::SupportedFeatureName::BackendTLSPolicy,
        ]);
        prop_assert_eq!(resolve(&snapshot, &config), run(&objects));
    }
}
