//! GatewayClass (v1, v1beta1). spec: `apis/v1/gatewayclass_types.go`.

use gateway_api_types::v1::{GatewayClassSpec, GatewayClassStatus, ParametersReference};
use gateway_api_types::v1beta1;

use crate::check::map_key;
use crate::path::Path;
use crate::shared::conditions;
use crate::validate::{Context, Validate};
use crate::violation::Report;

/// Transition rule on `spec.controllerName`.
pub(crate) const RULE_IMMUTABLE: &str = "self == oldSelf";

impl Validate for GatewayClassSpec {
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

impl Validate for v1beta1::GatewayClassSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.0.validate(cx, path, report);
    }
}

impl Validate for ParametersReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        report.string(&path.field("name"), &self.name, Some(1), Some(253), None);
        self.namespace
            .validate(cx, &path.field("namespace"), report);
    }
}

impl Validate for GatewayClassStatus {
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

/// Transition rules: `controllerName` cannot change (spec: GatewayClassSpec.ControllerName,
/// "This field is immutable").
pub(crate) fn validate_update(
    old: &GatewayClassSpec,
    new: &GatewayClassSpec,
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
    use gateway_api_types::Channel;

    fn spec(controller: &str) -> GatewayClassSpec {
        GatewayClassSpec {
            controller_name: controller.into(),
            ..Default::default()
        }
    }

    #[test]
    fn controller_name_pattern_and_description_length() {
        let cx = Context::new(Channel::Standard);
        let mut r = Report::default();
        let mut s = spec("not-a-path");
        s.description = Some("x".repeat(65));
        s.validate(&cx, &Path::ROOT.field("spec"), &mut r);
        let fields: Vec<&str> = r.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["spec.controllerName", "spec.description"]);
        let mut r = Report::default();
        spec("example.net/gateway-controller").validate(&cx, &Path::ROOT.field("spec"), &mut r);
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn controller_name_is_immutable() {
        let mut r = Report::default();
        let root = Path::ROOT;
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
}
