//! HTTPRoute (v1, v1beta1). spec: `apis/v1/httproute_types.go`.
//!
//! The filter types (`HTTPHeaderFilter`, `HTTPRequestMirrorFilter`) are shared with GRPCRoute
//! and validated here once.

#[cfg(feature = "experimental")]
use gateway_api_types::v1::httproute::{
    ForwardBodyConfig, GRPCAuthConfig, HTTPAuthConfig, HTTPExternalAuthFilter,
    HTTPRouteExternalAuthProtocol, HTTPRouteRetry,
};
use gateway_api_types::v1::httproute::{
    HTTPBackendRef, HTTPCORSFilter, HTTPHeader, HTTPHeaderFilter, HTTPHeaderMatch, HTTPMethod,
    HTTPMethodWithWildcard, HTTPPathMatch, HTTPPathModifier, HTTPPathModifierType,
    HTTPQueryParamMatch, HTTPRequestMirrorFilter, HTTPRequestRedirectFilter, HTTPRouteFilter,
    HTTPRouteFilterType, HTTPRouteMatch, HTTPRouteRule, HTTPRouteSpec, HTTPRouteStatus,
    HTTPRouteTimeouts, HTTPURLRewriteFilter, HeaderMatchType, PathMatchType, QueryParamMatchType,
};
use gateway_api_types::{Channel, v1beta1};

use crate::cel;
use crate::check::{Pattern, map_key};
use crate::kinds::route::{unique_rule_names, unique_strings, validate_common_route_spec};
use crate::path::Path;
use crate::patterns::PATH_CHARS;
use crate::shared::port;
use crate::validate::{Context, Validate};
use crate::violation::{Origin, Report, ViolationKind};
use crate::{check_enum, pattern};

/// The rule on `spec.rules` bounding the total number of matches.
pub(crate) const RULE_MATCH_TOTAL: &str = "(self.size() > 0 ? self[0].matches.size() : 0) + (self.size() > 1 ? self[1].matches.size() : 0) + (self.size() > 2 ? self[2].matches.size() : 0) + (self.size() > 3 ? self[3].matches.size() : 0) + (self.size() > 4 ? self[4].matches.size() : 0) + (self.size() > 5 ? self[5].matches.size() : 0) + (self.size() > 6 ? self[6].matches.size() : 0) + (self.size() > 7 ? self[7].matches.size() : 0) + (self.size() > 8 ? self[8].matches.size() : 0) + (self.size() > 9 ? self[9].matches.size() : 0) + (self.size() > 10 ? self[10].matches.size() : 0) + (self.size() > 11 ? self[11].matches.size() : 0) + (self.size() > 12 ? self[12].matches.size() : 0) + (self.size() > 13 ? self[13].matches.size() : 0) + (self.size() > 14 ? self[14].matches.size() : 0) + (self.size() > 15 ? self[15].matches.size() : 0) <= 128";

/// Message of the match-total rule (HTTPRoute and GRPCRoute).
pub(crate) const MATCH_TOTAL_MESSAGE: &str = "While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128";

/// One pair of rules tying a filter's `type` to the presence of its config field:
/// `(field, type, nil message, nil rule, specified message, specified rule)`.
pub(crate) type UnionRule = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Builds a [`UnionRule`] with upstream's wording.
macro_rules! union_rule {
    ($field:literal, $ty:literal) => {
        (
            $field,
            $ty,
            concat!(
                "filter.",
                $field,
                " must be nil if the filter.type is not ",
                $ty
            ),
            concat!("!(has(self.", $field, ") && self.type != '", $ty, "')"),
            concat!(
                "filter.",
                $field,
                " must be specified for ",
                $ty,
                " filter.type"
            ),
            concat!("!(!has(self.", $field, ") && self.type == '", $ty, "')"),
        )
    };
}
pub(crate) use union_rule;

/// A "filter cannot be repeated" rule of a filter list: `(type, message, rule)`.
pub(crate) type RepeatRule = (&'static str, &'static str, &'static str);

/// Builds a [`RepeatRule`] with upstream's wording.
macro_rules! repeat_rule {
    ($ty:literal) => {
        (
            $ty,
            concat!($ty, " filter cannot be repeated"),
            concat!("self.filter(f, f.type == '", $ty, "').size() <= 1"),
        )
    };
}
pub(crate) use repeat_rule;

/// Checks one [`UnionRule`] on a filter of type `ty` whose config field is `present`.
pub(crate) fn filter_union(
    report: &mut Report,
    path: &Path<'_>,
    ty: &str,
    present: bool,
    rule: &UnionRule,
) {
    let (_, filter_type, nil_msg, nil_rule, spec_msg, spec_rule) = *rule;
    // spec: <Filter>, "filter.<field> must be nil if the filter.type is not <Type>".
    if present && ty != filter_type {
        report.cel(path, "object", nil_msg, nil_rule);
    }
    // spec: <Filter>, "filter.<field> must be specified for <Type> filter.type".
    if !present && ty == filter_type {
        report.cel(path, "object", spec_msg, spec_rule);
    }
}

/// Checks the [`RepeatRule`]s of a filter list whose types are `types`.
pub(crate) fn filters_not_repeated<'a>(
    report: &mut Report,
    path: &Path<'_>,
    types: impl Iterator<Item = &'a str> + Clone,
    rules: &[RepeatRule],
) {
    for (ty, message, rule) in rules {
        // spec: <Filter list>, "<Type> filter cannot be repeated".
        if types.clone().filter(|t| t == ty).nth(1).is_some() {
            report.cel(path, "array", message, rule);
        }
    }
}

const HTTP_FILTER_UNIONS: [UnionRule; 7] = [
    union_rule!("cors", "CORS"),
    union_rule!("requestHeaderModifier", "RequestHeaderModifier"),
    union_rule!("responseHeaderModifier", "ResponseHeaderModifier"),
    union_rule!("requestMirror", "RequestMirror"),
    union_rule!("requestRedirect", "RequestRedirect"),
    union_rule!("urlRewrite", "URLRewrite"),
    union_rule!("extensionRef", "ExtensionRef"),
];

#[cfg(feature = "experimental")]
const HTTP_FILTER_UNION_EXTERNAL_AUTH: UnionRule = union_rule!("externalAuth", "ExternalAuth");

const HTTP_FILTER_REPEATS: [RepeatRule; 5] = [
    repeat_rule!("CORS"),
    repeat_rule!("RequestHeaderModifier"),
    repeat_rule!("ResponseHeaderModifier"),
    repeat_rule!("RequestRedirect"),
    repeat_rule!("URLRewrite"),
];

/// A header value's experimental-channel pattern.
fn header_value_pattern() -> Pattern {
    pattern!(r"^[!-~]+([\t ]?[!-~]+)*$")
}

/// An integer OpenAPI `enum` (`Unsupported value: 304: supported values: "301", ...`).
fn int_enum(report: &mut Report, path: &Path<'_>, value: i64, allowed: &[i64]) {
    if !allowed.contains(&value) {
        let list = allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ");
        report.push(
            path,
            ViolationKind::NotSupported,
            Some(value.to_string()),
            format!("supported values: {list}"),
            Origin::OpenApi,
        );
    }
}

impl Validate for HTTPRouteSpec {
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
        report.min_items(&p, rules.len(), 1);
        report.max_items(&p, rules.len(), 16);
        rules.validate(cx, &p, report);
        // spec: HTTPRouteSpec.Rules, "While 16 rules and 64 matches per rule are allowed, the
        // total number of matches across all rules in a route must be less than 128". Rules
        // without `matches` (not defaulted) make the rule fail with "no such key".
        let mut total = 0;
        let mut missing = false;
        for r in rules.iter().take(16) {
            match &r.matches {
                Some(m) => total += m.len(),
                None => missing = true,
            }
        }
        if missing {
            report.cel_error(
                &p,
                "array",
                "no such key: matches",
                MATCH_TOTAL_MESSAGE,
                RULE_MATCH_TOTAL,
            );
        } else if total > 128 {
            report.cel(&p, "array", MATCH_TOTAL_MESSAGE, RULE_MATCH_TOTAL);
        }
        unique_rule_names(rules.iter().map(|r| r.name.as_deref()), cx, &p, report);
    }
}

impl Validate for v1beta1::HTTPRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.0.validate(cx, path, report);
    }
}

impl Validate for HTTPRouteStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.route_status.validate(cx, path, report);
    }
}

/// Whether `f` is a `RequestRedirect` (`redirect`) or `URLRewrite` filter config whose path
/// modifier is a `ReplacePrefixMatch` with `replacePrefixMatch` set.
fn replaces_prefix(f: &HTTPRouteFilter, redirect: bool) -> bool {
    let modifier = if redirect {
        f.request_redirect.as_ref().and_then(|r| r.path.as_ref())
    } else {
        f.url_rewrite.as_ref().and_then(|r| r.path.as_ref())
    };
    modifier.is_some_and(|m| {
        m.type_.as_str() == "ReplacePrefixMatch" && m.replace_prefix_match.is_some()
    })
}

/// `has(filters) && filters.exists_one(f, <replaces prefix>)`.
fn exactly_one_replaces_prefix(filters: Option<&Vec<HTTPRouteFilter>>, redirect: bool) -> bool {
    filters.is_some_and(|fs| fs.iter().filter(|f| replaces_prefix(f, redirect)).count() == 1)
}

const RULE_REDIRECT_PREFIX: &str = "(has(self.filters) && self.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true";
const RULE_REWRITE_PREFIX: &str = "(has(self.filters) && self.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true";
const RULE_BACKEND_REDIRECT_PREFIX: &str = "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true";
const RULE_BACKEND_REWRITE_PREFIX: &str = "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true";

/// The consequent of the replace-prefix rules: exactly one match, a `PathPrefix` one.
/// `Err` when `matches` is absent (`size(self.matches)` fails).
fn single_prefix_match(rule: &HTTPRouteRule) -> Result<bool, ()> {
    let matches = rule.matches.as_ref().ok_or(())?;
    Ok(matches.len() == 1
        && matches[0].path.as_ref().is_some_and(|p| {
            p.type_.as_ref().map_or("PathPrefix", PathMatchType::as_str) == "PathPrefix"
        }))
}

impl Validate for HTTPRouteRule {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.name.validate(cx, &path.field("name"), report);
        if let Some(m) = &self.matches {
            let p = path.field("matches");
            report.max_items(&p, m.len(), 64);
            m.validate(cx, &p, report);
        }
        if let Some(f) = &self.filters {
            validate_http_filters(f, cx, &path.field("filters"), report);
        }
        if let Some(b) = &self.backend_refs {
            let p = path.field("backendRefs");
            report.max_items(&p, b.len(), 16);
            b.validate(cx, &p, report);
        }
        self.timeouts.validate(cx, &path.field("timeouts"), report);
        #[cfg(feature = "experimental")]
        if cx.channel == Channel::Experimental {
            self.retry.validate(cx, &path.field("retry"), report);
            self.session_persistence
                .validate(cx, &path.field("sessionPersistence"), report);
        }

        // spec: HTTPRouteRule, "RequestRedirect filter must not be used together with
        // backendRefs".
        if self.backend_refs.as_ref().is_some_and(|b| !b.is_empty())
            && self
                .filters
                .as_ref()
                .is_some_and(|fs| fs.iter().any(|f| f.request_redirect.is_some()))
        {
            report.cel(
                path,
                "object",
                "RequestRedirect filter must not be used together with backendRefs",
                "(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true",
            );
        }

        let in_backends = |redirect: bool| {
            self.backend_refs.as_ref().is_some_and(|bs| {
                bs.iter()
                    .filter(|b| exactly_one_replaces_prefix(b.filters.as_ref(), redirect))
                    .count()
                    == 1
            })
        };
        let prefix_rules = [
            // spec: HTTPRouteRule, "When using RequestRedirect filter with
            // path.replacePrefixMatch, exactly one PathPrefix match must be specified".
            (
                exactly_one_replaces_prefix(self.filters.as_ref(), true),
                "When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
                RULE_REDIRECT_PREFIX,
            ),
            // spec: HTTPRouteRule, "When using URLRewrite filter with path.replacePrefixMatch,
            // exactly one PathPrefix match must be specified".
            (
                exactly_one_replaces_prefix(self.filters.as_ref(), false),
                "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
                RULE_REWRITE_PREFIX,
            ),
            // spec: HTTPRouteRule, "Within backendRefs, when using RequestRedirect filter with
            // path.replacePrefixMatch, exactly one PathPrefix match must be specified".
            (
                in_backends(true),
                "Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
                RULE_BACKEND_REDIRECT_PREFIX,
            ),
            // spec: HTTPRouteRule, "Within backendRefs, When using URLRewrite filter with
            // path.replacePrefixMatch, exactly one PathPrefix match must be specified".
            (
                in_backends(false),
                "Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
                RULE_BACKEND_REWRITE_PREFIX,
            ),
        ];
        for (applies, message, rule) in prefix_rules {
            if !applies {
                continue;
            }
            match single_prefix_match(self) {
                Ok(true) => {}
                Ok(false) => report.cel(path, "object", message, rule),
                Err(()) => report.cel_error(path, "object", "no such key: matches", message, rule),
            }
        }
    }
}

impl Validate for HTTPRouteTimeouts {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.request.validate(cx, &path.field("request"), report);
        self.backend_request
            .validate(cx, &path.field("backendRequest"), report);
        // spec: HTTPRouteTimeouts, "backendRequest timeout cannot be longer than request
        // timeout". `&&` is commutative in CEL: a false operand wins over a parse error.
        const MESSAGE: &str = "backendRequest timeout cannot be longer than request timeout";
        const RULE: &str = "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))";
        let (Some(request), Some(backend)) = (&self.request, &self.backend_request) else {
            return;
        };
        let req = cel::duration(request.as_str());
        let back = cel::duration(backend.as_str());
        let not_zero = req.map(|r| r != 0);
        let longer = match (back, req) {
            (Some(b), Some(r)) => Some(b > r),
            _ => None,
        };
        match (not_zero, longer) {
            (Some(false), _) | (_, Some(false)) => {}
            (Some(true), Some(true)) => report.cel(path, "object", MESSAGE, RULE),
            _ => report.cel_error(
                path,
                "object",
                cel::DURATION_CONVERSION_ERROR,
                MESSAGE,
                RULE,
            ),
        }
    }
}

#[cfg(feature = "experimental")]
impl Validate for HTTPRouteRetry {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(codes) = &self.codes {
            let p = path.field("codes");
            for (i, c) in codes.iter().enumerate() {
                report.range(&p.index(i), *c, Some(400), Some(599));
            }
            report.unique(&p, codes.iter().copied(), ToString::to_string);
        }
        if let Some(a) = self.attempts {
            report.range(&path.field("attempts"), a, Some(1), None);
        }
        self.backoff.validate(cx, &path.field("backoff"), report);
    }
}

const EXACT_OR_PREFIX_VALID_CHARS: &str = r#"(self.type in ['Exact','PathPrefix']) ? self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""") : true"#;

/// The substrings an `Exact` or `PathPrefix` path match must not contain, with their CEL rule's
/// message and text, in upstream's order (see [`forbidden_substrings`]).
const PATH_CONTAINS: [(&str, &str, &str); 6] = [
    (
        "//",
        "must not contain '//' when type one of ['Exact', 'PathPrefix']",
        "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('//') : true",
    ),
    (
        "/./",
        "must not contain '/./' when type one of ['Exact', 'PathPrefix']",
        "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('/./') : true",
    ),
    (
        "/../",
        "must not contain '/../' when type one of ['Exact', 'PathPrefix']",
        "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('/../') : true",
    ),
    (
        "%2f",
        "must not contain '%2f' when type one of ['Exact', 'PathPrefix']",
        "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('%2f') : true",
    ),
    (
        "%2F",
        "must not contain '%2F' when type one of ['Exact', 'PathPrefix']",
        "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('%2F') : true",
    ),
    (
        "#",
        "must not contain '#' when type one of ['Exact', 'PathPrefix']",
        "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('#') : true",
    ),
];

/// Which of [`PATH_CONTAINS`] occur in `value` (bit `i` for entry `i`), found in one pass.
fn forbidden_substrings(value: &str) -> u8 {
    let b = value.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let mut found = 0u8;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'/' => match (at(i + 1), at(i + 2), at(i + 3)) {
                (Some(b'/'), _, _) => found |= 1,
                (Some(b'.'), Some(b'/'), _) => found |= 1 << 1,
                (Some(b'.'), Some(b'.'), Some(b'/')) => found |= 1 << 2,
                _ => {}
            },
            b'%' if at(i + 1) == Some(b'2') => match at(i + 2) {
                Some(b'f') => found |= 1 << 3,
                Some(b'F') => found |= 1 << 4,
                _ => {}
            },
            b'#' => found |= 1 << 5,
            _ => {}
        }
    }
    found
}

impl Validate for HTTPPathMatch {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(t) = &self.type_ {
            check_enum!(report, cx, &path.field("type"), t, PathMatchType);
        }
        if let Some(v) = &self.value {
            report.max_length(&path.field("value"), v, 1024);
        }
        // `type` defaults to PathPrefix and `value` to "/".
        let ty = self
            .type_
            .as_ref()
            .map_or("PathPrefix", PathMatchType::as_str);
        let value = self.value.as_deref().unwrap_or("/");
        let exact_or_prefix = ty == "Exact" || ty == "PathPrefix";
        // spec: HTTPPathMatch, "value must be an absolute path and start with '/' when type one
        // of ['Exact', 'PathPrefix']".
        if exact_or_prefix && !value.starts_with('/') {
            report.cel(
                path,
                "object",
                "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
                "(self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true",
            );
        }
        // spec: HTTPPathMatch, "must not contain '<s>' when type one of ['Exact', 'PathPrefix']".
        let found = if exact_or_prefix {
            forbidden_substrings(value)
        } else {
            0
        };
        for (bit, (_, message, rule)) in PATH_CONTAINS.iter().enumerate() {
            if found & (1 << bit) != 0 {
                report.cel(path, "object", message, rule);
            }
        }
        // spec: HTTPPathMatch, "must not end with '<s>' when type one of ['Exact', 'PathPrefix']".
        let ends: [(&str, &str, &str); 2] = [
            (
                "/..",
                "must not end with '/..' when type one of ['Exact', 'PathPrefix']",
                "(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/..') : true",
            ),
            (
                "/.",
                "must not end with '/.' when type one of ['Exact', 'PathPrefix']",
                "(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/.') : true",
            ),
        ];
        for (s, message, rule) in ends {
            if exact_or_prefix && value.ends_with(s) {
                report.cel(path, "object", message, rule);
            }
        }
        // spec: HTTPPathMatch, "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']".
        if !exact_or_prefix && ty != "RegularExpression" {
            report.cel(
                path,
                "object",
                "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']",
                "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'",
            );
        }
        // spec: HTTPPathMatch, "must only contain valid characters (matching ...) for types
        // ['Exact', 'PathPrefix']".
        if exact_or_prefix && !PATH_CHARS.is_match(value) {
            report.cel(
                path,
                "object",
                r"must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']",
                EXACT_OR_PREFIX_VALID_CHARS,
            );
        }
    }
}

impl Validate for HTTPRouteMatch {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.path.validate(cx, &path.field("path"), report);
        if let Some(h) = &self.headers {
            let p = path.field("headers");
            report.max_items(&p, h.len(), 16);
            h.validate(cx, &p, report);
            report.unique(&p, h.iter().map(|x| x.name.as_str()), |n| {
                map_key(&[("name", n)])
            });
        }
        if let Some(q) = &self.query_params {
            let p = path.field("queryParams");
            report.max_items(&p, q.len(), 16);
            q.validate(cx, &p, report);
            report.unique(&p, q.iter().map(|x| x.name.as_str()), |n| {
                map_key(&[("name", n)])
            });
        }
        if let Some(m) = &self.method {
            check_enum!(report, cx, &path.field("method"), m, HTTPMethod);
        }
    }
}

impl Validate for HTTPHeaderMatch {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(t) = &self.type_ {
            check_enum!(report, cx, &path.field("type"), t, HeaderMatchType);
        }
        self.name.validate(cx, &path.field("name"), report);
        let pat = (cx.channel == Channel::Experimental).then(header_value_pattern);
        report.string(&path.field("value"), &self.value, Some(1), Some(4096), pat);
    }
}

impl Validate for HTTPQueryParamMatch {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(t) = &self.type_ {
            check_enum!(report, cx, &path.field("type"), t, QueryParamMatchType);
        }
        self.name.validate(cx, &path.field("name"), report);
        report.string(&path.field("value"), &self.value, Some(1), Some(1024), None);
    }
}

/// An HTTP filter list (of a rule or of a backend): its items and its CEL rules.
fn validate_http_filters(
    filters: &[HTTPRouteFilter],
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    report.max_items(path, filters.len(), 16);
    for (i, f) in filters.iter().enumerate() {
        f.validate(cx, &path.index(i), report);
    }
    let types = filters.iter().map(|f| f.type_.as_str());
    // spec: HTTPRouteRule.Filters / HTTPBackendRef.Filters, "May specify either
    // httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both".
    if types.clone().any(|t| t == "RequestRedirect") && types.clone().any(|t| t == "URLRewrite") {
        report.cel(
            path,
            "array",
            "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both",
            "!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))",
        );
    }
    filters_not_repeated(report, path, types, &HTTP_FILTER_REPEATS);
}

impl Validate for HTTPRouteFilter {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        check_enum!(
            report,
            cx,
            &path.field("type"),
            &self.type_,
            HTTPRouteFilterType
        );
        self.request_header_modifier
            .validate(cx, &path.field("requestHeaderModifier"), report);
        self.response_header_modifier
            .validate(cx, &path.field("responseHeaderModifier"), report);
        self.request_mirror
            .validate(cx, &path.field("requestMirror"), report);
        self.request_redirect
            .validate(cx, &path.field("requestRedirect"), report);
        self.url_rewrite
            .validate(cx, &path.field("urlRewrite"), report);
        self.cors.validate(cx, &path.field("cors"), report);
        self.extension_ref
            .validate(cx, &path.field("extensionRef"), report);
        let ty = self.type_.as_str();
        let present = [
            self.cors.is_some(),
            self.request_header_modifier.is_some(),
            self.response_header_modifier.is_some(),
            self.request_mirror.is_some(),
            self.request_redirect.is_some(),
            self.url_rewrite.is_some(),
            self.extension_ref.is_some(),
        ];
        // spec: HTTPRouteFilter, the type/field pairs ("filter.<field> must be nil if the
        // filter.type is not <Type>", "filter.<field> must be specified for <Type>
        // filter.type").
        for (rule, present) in HTTP_FILTER_UNIONS.iter().zip(present) {
            filter_union(report, path, ty, present, rule);
        }
        #[cfg(feature = "experimental")]
        if cx.channel == Channel::Experimental {
            self.external_auth
                .validate(cx, &path.field("externalAuth"), report);
            // spec: HTTPRouteFilter (experimental), the externalAuth pair.
            filter_union(
                report,
                path,
                ty,
                self.external_auth.is_some(),
                &HTTP_FILTER_UNION_EXTERNAL_AUTH,
            );
        }
    }
}

impl Validate for HTTPHeader {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.name.validate(cx, &path.field("name"), report);
        let pat = (cx.channel == Channel::Experimental).then(header_value_pattern);
        report.string(&path.field("value"), &self.value, Some(1), Some(4096), pat);
    }
}

impl Validate for HTTPHeaderFilter {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        for (name, list) in [("set", &self.set), ("add", &self.add)] {
            if let Some(l) = list {
                let p = path.field(name);
                report.max_items(&p, l.len(), 16);
                l.validate(cx, &p, report);
                report.unique(&p, l.iter().map(|h| h.name.as_str()), |n| {
                    map_key(&[("name", n)])
                });
            }
        }
        if let Some(r) = &self.remove {
            let p = path.field("remove");
            report.max_items(&p, r.len(), 16);
            unique_strings(report, &p, r.iter().map(String::as_str));
        }
    }
}

impl Validate for HTTPPathModifier {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        check_enum!(
            report,
            cx,
            &path.field("type"),
            &self.type_,
            HTTPPathModifierType
        );
        if let Some(s) = &self.replace_full_path {
            report.max_length(&path.field("replaceFullPath"), s, 1024);
        }
        if let Some(s) = &self.replace_prefix_match {
            report.max_length(&path.field("replacePrefixMatch"), s, 1024);
        }
        let ty = self.type_.as_str();
        let full = self.replace_full_path.is_some();
        let prefix = self.replace_prefix_match.is_some();
        // spec: HTTPPathModifier, "replaceFullPath must be specified when type is set to
        // 'ReplaceFullPath'".
        if ty == "ReplaceFullPath" && !full {
            report.cel(
                path,
                "object",
                "replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
                "self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true",
            );
        }
        // spec: HTTPPathModifier, "type must be 'ReplaceFullPath' when replaceFullPath is set".
        if full && ty != "ReplaceFullPath" {
            report.cel(
                path,
                "object",
                "type must be 'ReplaceFullPath' when replaceFullPath is set",
                "has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true",
            );
        }
        // spec: HTTPPathModifier, "replacePrefixMatch must be specified when type is set to
        // 'ReplacePrefixMatch'".
        if ty == "ReplacePrefixMatch" && !prefix {
            report.cel(
                path,
                "object",
                "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
                "self.type == 'ReplacePrefixMatch' ? has(self.replacePrefixMatch) : true",
            );
        }
        // spec: HTTPPathModifier, "type must be 'ReplacePrefixMatch' when replacePrefixMatch is
        // set".
        if prefix && ty != "ReplacePrefixMatch" {
            report.cel(
                path,
                "object",
                "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
                "has(self.replacePrefixMatch) ? self.type == 'ReplacePrefixMatch' : true",
            );
        }
    }
}

impl Validate for HTTPRequestRedirectFilter {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(s) = &self.scheme {
            report.one_of(&path.field("scheme"), s, ["http", "https"]);
        }
        self.hostname.validate(cx, &path.field("hostname"), report);
        self.path.validate(cx, &path.field("path"), report);
        port(report, &path.field("port"), self.port);
        if let Some(code) = self.status_code {
            int_enum(
                report,
                &path.field("statusCode"),
                code,
                &[301, 302, 303, 307, 308],
            );
        }
    }
}

impl Validate for HTTPURLRewriteFilter {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.hostname.validate(cx, &path.field("hostname"), report);
        self.path.validate(cx, &path.field("path"), report);
    }
}

impl Validate for HTTPRequestMirrorFilter {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.backend_ref
            .validate(cx, &path.field("backendRef"), report);
        if let Some(p) = self.percent {
            report.range(&path.field("percent"), i64::from(p), Some(0), Some(100));
        }
        self.fraction.validate(cx, &path.field("fraction"), report);
        // spec: HTTPRouteFilter.RequestMirror / GRPCRouteFilter.RequestMirror, "Only one of
        // percent or fraction may be specified in HTTPRequestMirrorFilter".
        if self.percent.is_some() && self.fraction.is_some() {
            report.cel(
                path,
                "object",
                "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter",
                "!(has(self.percent) && has(self.fraction))",
            );
        }
    }
}

/// The CEL rule of the CORS lists (`*` alone or not at all).
const RULE_WILDCARD_ALONE: &str = "!('*' in self && self.size() > 1)";

/// The CORS lists' rule `!('*' in self && self.size() > 1)`: `*` only on its own.
fn wildcard_alone<'a>(
    report: &mut Report,
    path: &Path<'_>,
    values: impl Iterator<Item = &'a str>,
    message: &str,
) {
    let (mut wildcard, mut count) = (false, 0);
    for v in values {
        wildcard |= v == "*";
        count += 1;
    }
    if wildcard && count > 1 {
        report.cel(path, "array", message, RULE_WILDCARD_ALONE);
    }
}

impl Validate for HTTPCORSFilter {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(l) = &self.allow_origins {
            let p = path.field("allowOrigins");
            report.max_items(&p, l.len(), 64);
            l.validate(cx, &p, report);
            unique_strings(report, &p, l.iter().map(|o| o.as_str()));
            // spec: HTTPCORSFilter.AllowOrigins, "AllowOrigins cannot contain '*' alongside
            // other origins".
            wildcard_alone(
                report,
                &p,
                l.iter().map(|o| o.as_str()),
                "AllowOrigins cannot contain '*' alongside other origins",
            );
        }
        if let Some(l) = &self.allow_methods {
            let p = path.field("allowMethods");
            report.max_items(&p, l.len(), 9);
            for (i, m) in l.iter().enumerate() {
                check_enum!(report, cx, &p.index(i), m, HTTPMethodWithWildcard);
            }
            unique_strings(report, &p, l.iter().map(|m| m.as_str()));
            // spec: HTTPCORSFilter.AllowMethods, "AllowMethods cannot contain '*' alongside
            // other methods".
            wildcard_alone(
                report,
                &p,
                l.iter().map(|m| m.as_str()),
                "AllowMethods cannot contain '*' alongside other methods",
            );
        }
        if let Some(l) = &self.allow_headers {
            let p = path.field("allowHeaders");
            report.max_items(&p, l.len(), 64);
            l.validate(cx, &p, report);
            unique_strings(report, &p, l.iter().map(|h| h.as_str()));
            // spec: HTTPCORSFilter.AllowHeaders, "AllowHeaders cannot contain '*' alongside
            // other methods".
            wildcard_alone(
                report,
                &p,
                l.iter().map(|h| h.as_str()),
                "AllowHeaders cannot contain '*' alongside other methods",
            );
        }
        if let Some(l) = &self.expose_headers {
            let p = path.field("exposeHeaders");
            report.max_items(&p, l.len(), 64);
            l.validate(cx, &p, report);
            unique_strings(report, &p, l.iter().map(|h| h.as_str()));
        }
        if let Some(m) = self.max_age {
            report.range(&path.field("maxAge"), i64::from(m), Some(1), None);
        }
    }
}

#[cfg(feature = "experimental")]
impl Validate for HTTPExternalAuthFilter {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        check_enum!(
            report,
            cx,
            &path.field("protocol"),
            &self.protocol,
            HTTPRouteExternalAuthProtocol
        );
        self.backend_ref
            .validate(cx, &path.field("backendRef"), report);
        self.grpc.validate(cx, &path.field("grpc"), report);
        self.http.validate(cx, &path.field("http"), report);
        self.forward_body
            .validate(cx, &path.field("forwardBody"), report);
        let protocol = self.protocol.as_str();
        // spec: HTTPExternalAuthFilter, "grpc must be specified when protocol is set to 'GRPC'".
        if protocol == "GRPC" && self.grpc.is_none() {
            report.cel(
                path,
                "object",
                "grpc must be specified when protocol is set to 'GRPC'",
                "self.protocol == 'GRPC' ? has(self.grpc) : true",
            );
        }
        // spec: HTTPExternalAuthFilter, "protocol must be 'GRPC' when grpc is set".
        if self.grpc.is_some() && protocol != "GRPC" {
            report.cel(
                path,
                "object",
                "protocol must be 'GRPC' when grpc is set",
                "has(self.grpc) ? self.protocol == 'GRPC' : true",
            );
        }
        // spec: HTTPExternalAuthFilter, "http must be specified when protocol is set to 'HTTP'".
        if protocol == "HTTP" && self.http.is_none() {
            report.cel(
                path,
                "object",
                "http must be specified when protocol is set to 'HTTP'",
                "self.protocol == 'HTTP' ? has(self.http) : true",
            );
        }
        // spec: HTTPExternalAuthFilter, "protocol must be 'HTTP' when http is set".
        if self.http.is_some() && protocol != "HTTP" {
            report.cel(
                path,
                "object",
                "protocol must be 'HTTP' when http is set",
                "has(self.http) ? self.protocol == 'HTTP' : true",
            );
        }
    }
}

/// A `list-type: set` of at most 64 strings.
#[cfg(feature = "experimental")]
fn string_set_64(report: &mut Report, path: &Path<'_>, list: Option<&Vec<String>>) {
    if let Some(l) = list {
        report.max_items(path, l.len(), 64);
        unique_strings(report, path, l.iter().map(String::as_str));
    }
}

#[cfg(feature = "experimental")]
impl Validate for GRPCAuthConfig {
    fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
        string_set_64(
            report,
            &path.field("allowedHeaders"),
            self.allowed_headers.as_ref(),
        );
    }
}

#[cfg(feature = "experimental")]
impl Validate for HTTPAuthConfig {
    fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(p) = &self.path {
            report.string(&path.field("path"), p, None, Some(1024), Some(PATH_CHARS));
        }
        string_set_64(
            report,
            &path.field("allowedHeaders"),
            self.allowed_headers.as_ref(),
        );
        string_set_64(
            report,
            &path.field("allowedResponseHeaders"),
            self.allowed_response_headers.as_ref(),
        );
    }
}

#[cfg(feature = "experimental")]
impl Validate for ForwardBodyConfig {
    fn validate(&self, _cx: &Context, _path: &Path<'_>, _report: &mut Report) {
        // `maxSize` is a plain integer (no bounds in the CRD).
    }
}

impl Validate for HTTPBackendRef {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.backend_ref.validate(cx, path, report);
        if let Some(f) = &self.filters {
            validate_http_filters(f, cx, &path.field("filters"), report);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::shared::Duration;
    use serde_json::json;

    proptest::proptest! {
        /// The one-pass scan finds exactly the substrings `str::contains` finds.
        #[test]
        fn forbidden_substrings_agree_with_contains(
            parts in proptest::collection::vec(
                proptest::sample::select(&["/", ".", "%", "2", "f", "F", "#", "a"][..]),
                0..24,
            ),
        ) {
            let value = parts.concat();
            let found = forbidden_substrings(&value);
            for (bit, (needle, _, _)) in PATH_CONTAINS.iter().enumerate() {
                proptest::prop_assert_eq!(found & (1 << bit) != 0, value.contains(needle), "{:?} in {:?}", needle, value);
            }
        }
    }

    fn details(r: &Report) -> Vec<String> {
        r.violations.iter().map(ToString::to_string).collect()
    }

    fn rule(v: serde_json::Value) -> HTTPRouteRule {
        serde_json::from_value(v).expect("rule")
    }

    fn check_rule(v: serde_json::Value) -> Vec<String> {
        let mut r = Report::default();
        rule(v).validate(
            &Context::new(Channel::Standard),
            &Path::ROOT.field("r"),
            &mut r,
        );
        details(&r)
    }

    fn timeouts(request: &str, backend: &str) -> Vec<String> {
        let t = HTTPRouteTimeouts {
            request: Some(Duration::from(request)),
            backend_request: Some(Duration::from(backend)),
        };
        let mut r = Report::default();
        t.validate(&Context::new(Channel::Standard), &Path::ROOT, &mut r);
        details(&r)
    }

    #[test]
    fn backend_timeout_may_not_exceed_a_finite_request_timeout() {
        assert!(timeouts("1s", "200ms").is_empty());
        assert!(timeouts("10s", "10s").is_empty());
        assert!(timeouts("0s", "1h").is_empty(), "0s means no timeout");
        let v = timeouts("200ms", "1s");
        assert_eq!(v.len(), 1);
        assert!(v[0].ends_with("backendRequest timeout cannot be longer than request timeout"));
        // A malformed request timeout breaks the pattern and makes the rule fail to evaluate.
        let v = timeouts("1d", "1s");
        assert!(v.iter().any(|m| m.contains("evaluating rule")), "{v:?}");
        // ... unless another operand of the `&&` is false.
        assert!(
            !timeouts("0s", "1d")
                .iter()
                .any(|m| m.contains("evaluating rule"))
        );
    }

    #[test]
    fn replace_prefix_needs_exactly_one_path_prefix_match() {
        let filter = json!({"type": "URLRewrite", "urlRewrite": {"path": {
            "type": "ReplacePrefixMatch", "replacePrefixMatch": "/b"}}});
        let ok = check_rule(json!({
            "matches": [{"path": {"type": "PathPrefix", "value": "/a"}}],
            "filters": [filter.clone()],
        }));
        assert!(ok.is_empty(), "{ok:?}");
        let bad = check_rule(json!({
            "matches": [{"path": {"type": "Exact", "value": "/a"}}],
            "filters": [filter.clone()],
        }));
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].contains("When using URLRewrite filter"));
        // The same filter on exactly one backend triggers the backendRefs variant.
        let bad = check_rule(json!({
            "matches": [{"path": {"type": "Exact", "value": "/a"}}],
            "backendRefs": [{"name": "s", "port": 80, "filters": [filter.clone()]}],
        }));
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].contains("Within backendRefs, When using URLRewrite"));
        // `exists_one`: two backends with the filter do not trigger the rule.
        let two = check_rule(json!({
            "matches": [{"path": {"type": "Exact", "value": "/a"}}],
            "backendRefs": [
                {"name": "s", "port": 80, "filters": [filter.clone()]},
                {"name": "t", "port": 80, "filters": [filter]}
            ],
        }));
        assert!(two.is_empty(), "{two:?}");
    }

    #[test]
    fn missing_matches_make_the_prefix_rule_fail_to_evaluate() {
        let v = check_rule(
            json!({"filters": [{"type": "RequestRedirect", "requestRedirect":
            {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/b"}}}]}),
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("no such key: matches evaluating rule"));
    }

    fn spec(v: serde_json::Value, channel: Channel) -> Vec<String> {
        let s: HTTPRouteSpec = serde_json::from_value(v).expect("spec");
        let mut r = Report::default();
        s.validate(&Context::new(channel), &Path::ROOT.field("spec"), &mut r);
        details(&r)
    }

    #[test]
    fn at_most_128_matches_across_rules() {
        let rule = |n: usize| json!({"matches": vec![json!({"path": {"type": "PathPrefix", "value": "/"}}); n]});
        assert!(spec(json!({"rules": [rule(64), rule(64)]}), Channel::Standard).is_empty());
        let v = spec(
            json!({"rules": [rule(64), rule(64), rule(1)]}),
            Channel::Standard,
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].starts_with("spec.rules: Invalid value: \"array\": While 16 rules"));
    }

    #[test]
    fn rule_names_are_unique_only_in_experimental() {
        let s = json!({"rules": [
            {"name": "a", "matches": []}, {"name": "a", "matches": []}, {"matches": []}]});
        assert!(spec(s.clone(), Channel::Standard).is_empty());
        assert_eq!(
            spec(s, Channel::Experimental),
            ["spec.rules: Invalid value: \"array\": Rule name must be unique within the route"]
        );
    }

    #[test]
    fn header_values_have_a_pattern_only_in_experimental() {
        let s = json!({"rules": [{"matches": [{"headers": [{"name": "x", "value": "a\nb"}]}]}]});
        assert!(spec(s.clone(), Channel::Standard).is_empty());
        assert_eq!(spec(s, Channel::Experimental).len(), 1);
    }

    #[test]
    fn redirect_status_code_is_an_integer_enum() {
        let v = check_rule(
            json!({"matches": [], "filters": [{"type": "RequestRedirect",
            "requestRedirect": {"statusCode": 304}}]}),
        );
        assert_eq!(
            v,
            [
                "r.filters[0].requestRedirect.statusCode: Unsupported value: 304: supported values: \"301\", \"302\", \"303\", \"307\", \"308\""
            ]
        );
    }
}
