//! XMesh (`gateway.networking.x-k8s.io/v1alpha1`, experimental channel).
//! spec: `apisx/v1alpha1/xmesh_types.go`.

use gateway_api_types::x::v1alpha1::{MeshSpec, MeshStatus};

use crate::kinds::gatewayclass::class_types;

// The same fields and constraints as GatewayClass (the transition rule too:
// `gatewayclass::validate_update`).
class_types!(MeshSpec, MeshStatus);

#[cfg(test)]
mod tests {
    #[test]
    fn update_through_the_entry_point() {
        use gateway_api_types::Channel;
        use gateway_api_types::document::{Location, parse_value};
        let obj = |controller: &str| {
            let v = serde_json::json!({
                "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
                "kind": "XMesh",
                "metadata": {"name": "mesh"},
                "spec": {"controllerName": controller, "description": "d"},
            });
            parse_value(v, &Location::default())
                .remove(0)
                .expect("parse")
                .object
        };
        let (a, b) = (obj("example.com/mesh-a"), obj("example.com/mesh-b"));
        assert!(crate::validate_manifest(&a, Channel::Experimental).is_empty());
        let r = crate::validate_update(&a, &b, Channel::Experimental);
        let msgs: Vec<String> = r.violations.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            ["spec.controllerName: Invalid value: \"string\": Value is immutable"]
        );
        assert!(crate::validate_update(&a, &a, Channel::Experimental).is_empty());
    }
}
