//! XMesh (`gateway.networking.x-k8s.io/v1alpha1`, experimental channel).
//! spec: `apisx/v1alpha1/xmesh_types.go`.

use gateway_api_types::x::v1alpha1::{MeshSpec, MeshStatus};

use crate::check::map_key;
use crate::kinds::gatewayclass::RULE_IMMUTABLE;
use crate::path::Path;
use crate::shared::conditions;
use crate::validate::{Context, Validate};
use crate::violation::Report;

impl Validate for MeshSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.controller_name
            .validate(cx, &path.field("controllerName"), report);
        self.parameters_ref
            .validate(cx, &path.field("parametersRef"), report);
        if let Some(d) = &self.description {
            report.max_length(&path.field("description"), d, 64);
        }
    }
}

impl Validate for MeshStatus {
    fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(c) = &self.conditions {
            conditions(report, &path.field("conditions"), c, None, 8);
        }
        if let Some(features) = &self.supported_features {
            let p = path.field("supportedFeatures");
            report.max_items(&p, features.len(), 64);
            report.unique(
                &p,
                features
                    .iter()
                    .map(|f| (f.name.as_str(), map_key(&[("name", &f.name)]))),
            );
        }
    }
}

/// Transition rules: `controllerName` cannot change (spec: MeshSpec.ControllerName, "Value is
/// immutable").
pub(crate) fn validate_update(
    old: &MeshSpec,
    new: &MeshSpec,
    path: &Path<'_>,
    report: &mut Report,
) {
    if old.controller_name != new.controller_name {
        report.cel(
            &path.field("controllerName"),
            "string",
            "Value is immutable",
            RULE_IMMUTABLE,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
