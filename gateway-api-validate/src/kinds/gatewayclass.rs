//! GatewayClass (v1, v1beta1). spec: `apis/v1/gatewayclass_types.go`.

use gateway_api_types::shared::GatewayController;
use gateway_api_types::v1::{GatewayClassSpec, GatewayClassStatus, ParametersReference};
use gateway_api_types::v1beta1;

use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

/// Transition rule on `spec.controllerName`.
pub(crate) const RULE_IMMUTABLE: &str = "self == oldSelf";

/// The spec of a class-like kind (GatewayClass, XMesh: the same fields and constraints).
pub(crate) trait ClassSpec {
    /// `spec.controllerName`, immutable once set.
    fn controller_name(&self) -> &GatewayController;
}

/// Implements [`Validate`] for the spec and status of a class-like kind (GatewayClass, XMesh)
/// and [`ClassSpec`] for the spec.
macro_rules! class_types {
    ($spec:ty, $status:ty) => {
        impl $crate::validate::Validate for $spec {
            fn validate(
                &self,
                cx: &$crate::validate::Context,
                path: &$crate::path::Path<'_>,
                report: &mut $crate::violation::Report,
            ) {
                $crate::validate::Validate::validate(
                    &self.controller_name,
                    cx,
                    &path.field("controllerName"),
                    report,
                );
                $crate::validate::Validate::validate(
                    &self.parameters_ref,
                    cx,
                    &path.field("parametersRef"),
                    report,
                );
                if let Some(d) = &self.description {
                    report.max_length(&path.field("description"), d, 64);
                }
            }
        }

        impl $crate::kinds::gatewayclass::ClassSpec for $spec {
            fn controller_name(&self) -> &gateway_api_types::shared::GatewayController {
                &self.controller_name
            }
        }

        impl $crate::validate::Validate for $status {
            fn validate(
                &self,
                _cx: &$crate::validate::Context,
                path: &$crate::path::Path<'_>,
                report: &mut $crate::violation::Report,
            ) {
                if let Some(c) = &self.conditions {
                    $crate::shared::conditions(report, &path.field("conditions"), c, None, 8);
                }
                if let Some(features) = &self.supported_features {
                    let p = path.field("supportedFeatures");
                    report.max_items(&p, features.len(), 64);
                    report.unique(&p, features.iter().map(|f| f.name.as_str()), |n| {
                        $crate::check::map_key(&[("name", n)])
                    });
                }
            }
        }
    };
}
#[cfg(feature = "experimental")]
pub(crate) use class_types;

class_types!(GatewayClassSpec, GatewayClassStatus);

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

/// Transition rules of a class-like spec: `controllerName` cannot change (spec:
/// GatewayClassSpec.ControllerName, MeshSpec.ControllerName, "Value is immutable").
pub(crate) fn validate_update<S: ClassSpec>(
    old: &S,
    new: &S,
    path: &Path<'_>,
    report: &mut Report,
) {
    if old.controller_name() != new.controller_name() {
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
