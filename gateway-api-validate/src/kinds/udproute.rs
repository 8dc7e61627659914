//! UDPRoute (v1, v1alpha2). spec: `apis/v1/udproute_types.go`, `apis/v1alpha2/udproute_types.go`.

use gateway_api_types::v1::{UDPRouteRule, UDPRouteSpec, UDPRouteStatus};
use gateway_api_types::v1alpha2;

use crate::kinds::route::{l4_route_types, l4_rules, validate_common_route_spec};
use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

impl Validate for UDPRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        l4_rules(&self.rules, false, cx, &path.field("rules"), report);
    }
}

impl Validate for v1alpha2::UDPRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        l4_rules(&self.rules, true, cx, &path.field("rules"), report);
    }
}

l4_route_types!(UDPRouteRule, UDPRouteStatus);
