//! ReferenceGrant (v1, v1beta1). spec: `apis/v1/referencegrant_types.go`. No CEL rules and no
//! status: only OpenAPI constraints.

use gateway_api_types::v1::{ReferenceGrantFrom, ReferenceGrantSpec, ReferenceGrantTo};
use gateway_api_types::v1beta1;

use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

impl Validate for ReferenceGrantSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let from = path.field("from");
        report.min_items(&from, self.from.len(), 1);
        report.max_items(&from, self.from.len(), 16);
        self.from.validate(cx, &from, report);
        let to = path.field("to");
        report.min_items(&to, self.to.len(), 1);
        report.max_items(&to, self.to.len(), 16);
        self.to.validate(cx, &to, report);
    }
}

impl Validate for v1beta1::ReferenceGrantSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.0.validate(cx, path, report);
    }
}

impl Validate for ReferenceGrantFrom {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.namespace
            .validate(cx, &path.field("namespace"), report);
    }
}

impl Validate for ReferenceGrantTo {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.name.validate(cx, &path.field("name"), report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::Channel;

    #[test]
    fn empty_lists_and_bad_namespace_are_rejected() {
        let spec: ReferenceGrantSpec = serde_json::from_value(serde_json::json!({
            "from": [{"group": "", "kind": "HTTPRoute", "namespace": "Bad_NS"}],
            "to": [],
        }))
        .expect("spec");
        let mut r = Report::default();
        let root = Path::ROOT;
        spec.validate(
            &Context::new(Channel::Standard),
            &root.field("spec"),
            &mut r,
        );
        let fields: Vec<&str> = r.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["spec.from[0].namespace", "spec.to"]);
    }
}
