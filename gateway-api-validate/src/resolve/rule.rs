//! Rule validity: which rules of a Route this implementation can serve. Invalid rules are
//! dropped one by one; the Route reports them with `PartiallyInvalid` (some rules left) or
//! `Accepted=False` (none left).
//!
//! spec: `RouteConditionPartiallyInvalid` ("Drop Rule(s)" approach), `RouteReasonUnsupportedValue`
//! and `RouteReasonIncompatibleFilters` (apis/v1/shared_types.go); the features of
//! `HTTPRouteFilterType` (apis/v1/httproute_types.go).

use gateway_api_types::features::SupportedFeatureName as F;
use gateway_api_types::v1::grpcroute::{GRPCRouteFilter, GRPCRouteFilterType};
use gateway_api_types::v1::httproute::{HTTPRouteFilter, HTTPRouteFilterType, HTTPRouteMatch};

use super::Config;
use super::listener::Problem;
use super::route::{Filters, Matches, RuleView};

fn unsupported(what: impl Into<String>) -> Problem {
    Problem::new("UnsupportedValue", what)
}

/// Whether the implementation serves an HTTP filter type (rule-level, or backend-level when
/// `backend`).
fn http_filter_problem(f: &HTTPRouteFilter, config: &Config, backend: bool) -> Option<Problem> {
    let has = |x: F| config.features.contains(&x);
    let ok = match &f.type_ {
        HTTPRouteFilterType::RequestHeaderModifier => {
            !backend || has(F::HTTPRouteBackendRequestHeaderModification)
        }
        HTTPRouteFilterType::RequestRedirect => true,
        HTTPRouteFilterType::ResponseHeaderModifier => has(F::HTTPRouteResponseHeaderModification),
        HTTPRouteFilterType::RequestMirror => {
            has(F::HTTPRouteRequestMirror)
                || has(F::HTTPRouteRequestMultipleMirrors)
                || has(F::HTTPRouteRequestPercentageMirror)
        }
        HTTPRouteFilterType::URLRewrite => {
            has(F::HTTPRouteHostRewrite) || has(F::HTTPRoutePathRewrite)
        }
        HTTPRouteFilterType::CORS => has(F::HTTPRouteCORS),
        // No extension filters and no external authorization are implemented.
        _ => false,
    };
    (!ok).then(|| unsupported(format!("filter {} is not supported", f.type_.as_str())))
}

fn grpc_filter_problem(f: &GRPCRouteFilter) -> Option<Problem> {
    match &f.type_ {
        GRPCRouteFilterType::RequestHeaderModifier
        | GRPCRouteFilterType::ResponseHeaderModifier
        | GRPCRouteFilterType::RequestMirror => None,
        t => Some(unsupported(format!(
            "filter {} is not supported",
            t.as_str()
        ))),
    }
}

fn http_match_problem(m: &HTTPRouteMatch) -> Option<Problem> {
    if let Some(t) = m.path.as_ref().and_then(|p| p.type_.as_ref())
        && !t.is_known()
    {
        return Some(unsupported(format!("path match type {}", t.as_str())));
    }
    if let Some(method) = &m.method
        && !method.is_known()
    {
        return Some(unsupported(format!("method {}", method.as_str())));
    }
    let bad_header = m
        .headers
        .iter()
        .flatten()
        .filter_map(|h| h.type_.as_ref())
        .find(|t| !t.is_known());
    if let Some(t) = bad_header {
        return Some(unsupported(format!("header match type {}", t.as_str())));
    }
    let bad_query = m
        .query_params
        .iter()
        .flatten()
        .filter_map(|q| q.type_.as_ref())
        .find(|t| !t.is_known());
    bad_query.map(|t| unsupported(format!("query parameter match type {}", t.as_str())))
}

/// Why a rule cannot be served, or `None` when it can.
pub fn problem(rule: &RuleView<'_>, config: &Config) -> Option<Problem> {
    let backend_filters = &rule.backend_filters;
    match (&rule.matches, &*rule.filters) {
        (Matches::Http(ms), Filters::Http(fs)) => {
            // spec: RouteReasonIncompatibleFilters (URLRewrite with RequestRedirect).
            let has = |t: HTTPRouteFilterType| fs.iter().any(|f| f.type_ == t);
            if has(HTTPRouteFilterType::RequestRedirect) && has(HTTPRouteFilterType::URLRewrite) {
                return Some(Problem::new(
                    "IncompatibleFilters",
                    "RequestRedirect and URLRewrite cannot be used together",
                ));
            }
            ms.iter()
                .find_map(http_match_problem)
                .or_else(|| {
                    fs.iter()
                        .find_map(|f| http_filter_problem(f, config, false))
                })
                .or_else(|| {
                    backend_filters
                        .iter()
                        .find_map(|f| http_filter_problem(f, config, true))
                })
        }
        (Matches::Grpc(ms), Filters::Grpc(fs)) => {
            let bad_method = ms
                .iter()
                .filter_map(|m| m.method.as_ref().and_then(|x| x.type_.as_ref()))
                .find(|t| !t.is_known());
            bad_method
                .map(|t| unsupported(format!("method match type {}", t.as_str())))
                .or_else(|| fs.iter().find_map(grpc_filter_problem))
        }
        _ => None,
    }
}
