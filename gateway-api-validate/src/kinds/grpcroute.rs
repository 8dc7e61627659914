//! GRPCRoute (v1). spec: `apis/v1/grpcroute_types.go`.
//!
//! The header-modifier and mirror filters are HTTPRoute's types, validated in
//! [`crate::kinds::httproute`].

use gateway_api_types::v1::grpcroute::{
    GRPCBackendRef, GRPCHeaderMatch, GRPCHeaderMatchType, GRPCMethodMatch, GRPCMethodMatchType,
    GRPCRouteFilter, GRPCRouteFilterType, GRPCRouteMatch, GRPCRouteRule, GRPCRouteSpec,
    GRPCRouteStatus,
};

use crate::check::map_key;
use crate::kinds::httproute::{
    MATCH_TOTAL_MESSAGE, RepeatRule, UnionRule, filter_union, filters_not_repeated, repeat_rule,
    union_rule,
};
use crate::kinds::route::{unique_rule_names, validate_common_route_spec};
use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;
use crate::{check_enum, pattern};

/// The rule on `spec.rules` bounding the total number of matches (GRPCRoute's form, with
/// `has()` guards).
pub(crate) const RULE_MATCH_TOTAL: &str = "(self.size() > 0 ? (has(self[0].matches) ? self[0].matches.size() : 0) : 0) + (self.size() > 1 ? (has(self[1].matches) ? self[1].matches.size() : 0) : 0) + (self.size() > 2 ? (has(self[2].matches) ? self[2].matches.size() : 0) : 0) + (self.size() > 3 ? (has(self[3].matches) ? self[3].matches.size() : 0) : 0) + (self.size() > 4 ? (has(self[4].matches) ? self[4].matches.size() : 0) : 0) + (self.size() > 5 ? (has(self[5].matches) ? self[5].matches.size() : 0) : 0) + (self.size() > 6 ? (has(self[6].matches) ? self[6].matches.size() : 0) : 0) + (self.size() > 7 ? (has(self[7].matches) ? self[7].matches.size() : 0) : 0) + (self.size() > 8 ? (has(self[8].matches) ? self[8].matches.size() : 0) : 0) + (self.size() > 9 ? (has(self[9].matches) ? self[9].matches.size() : 0) : 0) + (self.size() > 10 ? (has(self[10].matches) ? self[10].matches.size() : 0) : 0) + (self.size() > 11 ? (has(self[11].matches) ? self[11].matches.size() : 0) : 0) + (self.size() > 12 ? (has(self[12].matches) ? self[12].matches.size() : 0) : 0) + (self.size() > 13 ? (has(self[13].matches) ? self[13].matches.size() : 0) : 0) + (self.size() > 14 ? (has(self[14].matches) ? self[14].matches.size() : 0) : 0) + (self.size() > 15 ? (has(self[15].matches) ? self[15].matches.size() : 0) : 0) <= 128";

const GRPC_FILTER_UNIONS: [UnionRule; 4] = [
    union_rule!("requestHeaderModifier", "RequestHeaderModifier"),
    union_rule!("responseHeaderModifier", "ResponseHeaderModifier"),
    union_rule!("requestMirror", "RequestMirror"),
    union_rule!("extensionRef", "ExtensionRef"),
];

const GRPC_FILTER_REPEATS: [RepeatRule; 2] = [
    repeat_rule!("RequestHeaderModifier"),
    repeat_rule!("ResponseHeaderModifier"),
];

impl Validate for GRPCRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        if let Some(h) = &self.hostnames {
            let p = path.field("hostnames");
            report.max_items(&p, h.len(), 16);
            h.validate(cx, &p, report);
        }
        let Some(rules) = &self.rules else {
            return;
        };
        let p = path.field("rules");
        report.max_items(&p, rules.len(), 16);
        rules.validate(cx, &p, report);
        // spec: GRPCRouteSpec.Rules, "While 16 rules and 64 matches per rule are allowed, the
        // total number of matches across all rules in a route must be less than 128".
        let total: usize = rules
            .iter()
            .take(16)
            .map(|r| r.matches.as_ref().map_or(0, Vec::len))
            .sum();
        if total > 128 {
            report.cel(&p, "array", MATCH_TOTAL_MESSAGE, RULE_MATCH_TOTAL);
        }
        unique_rule_names(rules.iter().map(|r| r.name.as_deref()), cx, &p, report);
    }
}

impl Validate for GRPCRouteStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.route_status.validate(cx, path, report);
    }
}

impl Validate for GRPCRouteRule {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.name.validate(cx, &path.field("name"), report);
        if let Some(m) = &self.matches {
            let p = path.field("matches");
            report.max_items(&p, m.len(), 64);
            m.validate(cx, &p, report);
        }
        if let Some(f) = &self.filters {
            validate_grpc_filters(f, cx, &path.field("filters"), report);
        }
        if let Some(b) = &self.backend_refs {
            let p = path.field("backendRefs");
            report.max_items(&p, b.len(), 16);
            b.validate(cx, &p, report);
        }
        #[cfg(feature = "experimental")]
        if cx.channel == gateway_api_types::Channel::Experimental {
            self.session_persistence
                .validate(cx, &path.field("sessionPersistence"), report);
        }
    }
}

impl Validate for GRPCRouteMatch {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.method.validate(cx, &path.field("method"), report);
        if let Some(h) = &self.headers {
            let p = path.field("headers");
            report.max_items(&p, h.len(), 16);
            h.validate(cx, &p, report);
            report.unique(&p, h.iter().map(|x| x.name.as_str()), |n| {
                map_key(&[("name", n)])
            });
        }
    }
}

impl Validate for GRPCMethodMatch {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(t) = &self.type_ {
            check_enum!(report, cx, &path.field("type"), t, GRPCMethodMatchType);
        }
        if let Some(s) = &self.service {
            report.max_length(&path.field("service"), s, 1024);
        }
        if let Some(m) = &self.method {
            report.max_length(&path.field("method"), m, 1024);
        }
        // spec: GRPCMethodMatch, "One or both of 'service' or 'method' must be specified".
        if self.type_.is_some() && self.service.is_none() && self.method.is_none() {
            report.cel(
                path,
                "object",
                "One or both of 'service' or 'method' must be specified",
                "has(self.type) ? has(self.service) || has(self.method) : true",
            );
        }
        let exact = self.type_.as_ref().is_none_or(|t| t.as_str() == "Exact");
        // spec: GRPCMethodMatch, "service must only contain valid characters (matching ...)".
        if exact
            && let Some(s) = &self.service
            && !pattern!(r"^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$").is_match(s)
        {
            report.cel(
                path,
                "object",
                r"service must only contain valid characters (matching ^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$)",
                r#"(!has(self.type) || self.type == 'Exact') && has(self.service) ? self.service.matches(r"""^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$"""): true"#,
            );
        }
        // spec: GRPCMethodMatch, "method must only contain valid characters (matching ...)".
        if exact
            && let Some(m) = &self.method
            && !pattern!(r"^[A-Za-z_][A-Za-z_0-9]*$").is_match(m)
        {
            report.cel(
                path,
                "object",
                "method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)",
                r#"(!has(self.type) || self.type == 'Exact') && has(self.method) ? self.method.matches(r"""^[A-Za-z_][A-Za-z_0-9]*$"""): true"#,
            );
        }
    }
}

impl Validate for GRPCHeaderMatch {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(t) = &self.type_ {
            check_enum!(report, cx, &path.field("type"), t, GRPCHeaderMatchType);
        }
        self.name.validate(cx, &path.field("name"), report);
        report.string(&path.field("value"), &self.value, Some(1), Some(4096), None);
    }
}

/// A gRPC filter list (of a rule or of a backend): its items and its CEL rules.
fn validate_grpc_filters(
    filters: &[GRPCRouteFilter],
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    report.max_items(path, filters.len(), 16);
    for (i, f) in filters.iter().enumerate() {
        f.validate(cx, &path.index(i), report);
    }
    let types = filters.iter().map(|f| f.type_.as_str());
    // spec: GRPCRouteRule.Filters / GRPCBackendRef.Filters, "<Type> filter cannot be repeated".
    filters_not_repeated(report, path, types, &GRPC_FILTER_REPEATS);
}

impl Validate for GRPCRouteFilter {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        check_enum!(
            report,
            cx,
            &path.field("type"),
            &self.type_,
            GRPCRouteFilterType
        );
        self.request_header_modifier
            .validate(cx, &path.field("requestHeaderModifier"), report);
        self.response_header_modifier
            .validate(cx, &path.field("responseHeaderModifier"), report);
        self.request_mirror
            .validate(cx, &path.field("requestMirror"), report);
        self.extension_ref
            .validate(cx, &path.field("extensionRef"), report);
        let ty = self.type_.as_str();
        let present = [
            self.request_header_modifier.is_some(),
            self.response_header_modifier.is_some(),
            self.request_mirror.is_some(),
            self.extension_ref.is_some(),
        ];
        // spec: GRPCRouteFilter, the type/field pairs ("filter.<field> must be nil if the
        // filter.type is not <Type>", "filter.<field> must be specified for <Type>
        // filter.type").
        for (rule, present) in GRPC_FILTER_UNIONS.iter().zip(present) {
            filter_union(report, path, ty, present, rule);
        }
    }
}

impl Validate for GRPCBackendRef {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.backend_ref.validate(cx, path, report);
        if let Some(f) = &self.filters {
            validate_grpc_filters(f, cx, &path.field("filters"), report);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::Channel;
    use serde_json::json;

    fn method(v: serde_json::Value) -> Vec<String> {
        let m: GRPCMethodMatch = serde_json::from_value(v).expect("method match");
        let mut r = Report::default();
        m.validate(&Context::new(Channel::Standard), &Path::ROOT, &mut r);
        r.violations.iter().map(|v| v.detail.clone()).collect()
    }

    #[test]
    fn method_match_names_are_checked_only_for_exact() {
        assert!(method(json!({"type": "Exact", "service": "foo.Bar", "method": "Get"})).is_empty());
        assert!(method(json!({"service": ".foo.bar_1"})).is_empty());
        assert_eq!(method(json!({"service": "foo/bar"})).len(), 1);
        assert_eq!(method(json!({"method": "a.b"})).len(), 1);
        assert!(method(json!({"type": "RegularExpression", "method": "a.*"})).is_empty());
    }

    #[test]
    fn a_typed_method_match_needs_service_or_method() {
        assert_eq!(
            method(json!({"type": "Exact"})),
            ["One or both of 'service' or 'method' must be specified"]
        );
        // `has(self.type)` is false without defaults applied.
        assert!(method(json!({})).is_empty());
    }

    #[test]
    fn rules_without_matches_count_zero() {
        let s: GRPCRouteSpec = serde_json::from_value(json!({"rules": [{}, {}]})).expect("spec");
        let mut r = Report::default();
        s.validate(&Context::new(Channel::Standard), &Path::ROOT, &mut r);
        assert!(r.is_empty(), "{r:?}");
    }
}
