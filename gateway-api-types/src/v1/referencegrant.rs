//! ReferenceGrant: lets objects of other namespaces reference objects of this namespace.
//!
//! spec: `apis/v1/referencegrant_types.go`. Namespaced, no status. The storage version is
//! v1beta1 ([`crate::v1beta1::ReferenceGrant`], an alias of this type); v1 is served but not
//! stored.

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::shared::{Group, Kind, Namespace, ObjectName};

/// The desired state of a ReferenceGrant: who may reference what. spec: `ReferenceGrantSpec`.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema,
)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "ReferenceGrant",
    doc = "A ReferenceGrant (`gateway.networking.k8s.io/v1`): metadata and [`ReferenceGrantSpec`]; see the module docs.",
    derive = "PartialEq",
    shortname = "refgrant",
    category = "gateway-api",
    namespaced,
    schema = "manual",
    storage = false,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
pub struct ReferenceGrantSpec {
    /// The namespaces and kinds of the objects allowed to reference the targets.
    #[schemars(length(min = 1, max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub from: Vec<ReferenceGrantFrom>,
    /// The objects of this namespace that may be referenced.
    #[schemars(length(min = 1, max = 16), extend("x-kubernetes-list-type" = "atomic"))]
    pub to: Vec<ReferenceGrantTo>,
}

crate::gateway_api_root!(ReferenceGrant, ReferenceGrantSpec);

/// A group, kind and namespace of referencing objects. spec: `ReferenceGrantFrom`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ReferenceGrantFrom {
    /// API group of the referencing objects (empty for the core group).
    pub group: Group,
    /// Kind of the referencing objects (`HTTPRoute`, `Gateway`, ...).
    pub kind: Kind,
    /// Namespace of the referencing objects.
    pub namespace: Namespace,
}

/// A group and kind, optionally a name, of objects that may be referenced.
/// spec: `ReferenceGrantTo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ReferenceGrantTo {
    /// API group of the referent (empty for the core group).
    pub group: Group,
    /// Kind of the referent (`Service`, `Secret`, ...).
    pub kind: Kind,
    /// Name of the referent; every object of the group and kind when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<ObjectName>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::upstream_example;

    #[test]
    fn upstream_example_has_core_group_and_no_name() {
        for doc in upstream_example(
            "examples/standard/reference-grant.yaml",
            "gateway.networking.k8s.io/v1",
            "ReferenceGrant",
        ) {
            let rg: ReferenceGrant = serde_json::from_value(doc.clone()).expect("parse");
            assert_eq!(rg.spec.from[0].kind, "HTTPRoute");
            assert_eq!(rg.spec.to[0].group, "");
            assert_eq!(rg.spec.to[0].name, None);
            assert_eq!(serde_json::to_value(&rg).expect("serialize"), doc);
        }
    }

    #[test]
    fn to_with_name_round_trips_and_v1beta1_converts() {
        let json = serde_json::json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "ReferenceGrant",
            "metadata": {"name": "g", "namespace": "backends"},
            "spec": {
                "from": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": "infra"}],
                "to": [{"group": "", "kind": "Secret", "name": "cert"}],
            },
        });
        let rg: ReferenceGrant = serde_json::from_value(json.clone()).expect("parse");
        assert_eq!(rg.spec.to[0].name.as_deref(), Some("cert"));
        assert_eq!(serde_json::to_value(&rg).expect("serialize"), json);

        let beta: crate::v1beta1::ReferenceGrant = rg.clone().into();
        assert_eq!(beta.spec.from, rg.spec.from);
        assert_eq!(beta.metadata.namespace.as_deref(), Some("backends"));
        let mut beta_json = serde_json::to_value(&beta).expect("serialize");
        assert_eq!(beta_json["apiVersion"], "gateway.networking.k8s.io/v1beta1");
        beta_json["apiVersion"] = json["apiVersion"].clone();
        assert_eq!(beta_json, json);
        let back: ReferenceGrant = beta.into();
        assert_eq!(back.spec, rg.spec);
        assert_eq!(back.metadata, rg.metadata);
    }

    #[test]
    fn missing_required_list_is_rejected() {
        let r = serde_json::from_value::<ReferenceGrantSpec>(serde_json::json!({"from": []}));
        assert!(r.is_err());
    }
}
