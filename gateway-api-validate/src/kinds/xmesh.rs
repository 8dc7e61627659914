//! XMesh (`gateway.networking.x-k8s.io/v1alpha1`, experimental channel).
//! spec: `apisx/v1alpha1/xmesh_types.go`.

use gateway_api_types::x::v1alpha1::{MeshSpec, MeshStatus};

use crate::kinds::gatewayclass::class_types;

// The same fields and constraints as GatewayClass (the transition rule too:
// `gatewayclass::validate_update`).
class_types!(MeshSpec, MeshStatus);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::gatewayclass::validate_update;
    use crate::path::Path;
    use crate::violation::Report;

    fn spec(controller: &str) -> MeshSpec {
        MeshSpec {
            controller_name: controller.into(),
            ..Default::default()
        }
    }

    #[test]
    fn controller_name_is_immutable() {
        let root = Path::ROOT;
        let mut r = Report::default();
        validate_update(
            &spec("a.io/x"),
            &spec("a.io/y"),
            &root.field("spec"),
            &mut r,
        );
        assert_eq!(
            r.violations[0].to_string(),
            "spec.controllerName: Invalid value: \"string\": Value is immutable"
        );
        let mut r = Report::default();
        validate_update(
            &spec("a.io/x"),
            &spec("a.io/x"),
            &root.field("spec"),
            &mut r,
        );
        assert!(r.is_empty());
    }

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
