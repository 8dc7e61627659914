//! UDPRoute (v1, v1alpha2). spec: `apis/v1/udproute_types.go`, `apis/v1alpha2/udproute_types.go`.

use gateway_api_types::v1::{UDPRouteRule, UDPRouteSpec, UDPRouteStatus};
use gateway_api_types::v1alpha2;

use crate::kinds::route::{unique_rule_names, validate_common_route_spec};
use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

impl Validate for UDPRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        let rp = path.field("rules");
        report.min_items(&rp, self.rules.len(), 1);
        report.max_items(&rp, self.rules.len(), 1);
        self.rules.validate(cx, &rp, report);
    }
}

impl Validate for v1alpha2::UDPRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        let rp = path.field("rules");
        report.min_items(&rp, self.rules.len(), 1);
        report.max_items(&rp, self.rules.len(), 16);
        // spec: UDPRouteSpec.Rules (v1alpha2, experimental), "Rule name must be unique within
        // the route".
        unique_rule_names(
            self.rules.iter().map(|r| r.name.as_deref()),
            cx,
            &rp,
            report,
        );
        self.rules.validate(cx, &rp, report);
    }
}

impl Validate for UDPRouteRule {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.name.validate(cx, &path.field("name"), report);
        let bp = path.field("backendRefs");
        report.min_items(&bp, self.backend_refs.len(), 1);
        report.max_items(&bp, self.backend_refs.len(), 16);
        self.backend_refs.validate(cx, &bp, report);
    }
}

impl Validate for UDPRouteStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.route_status.validate(cx, path, report);
    }
}
