//! XBackendTrafficPolicy (`gateway.networking.x-k8s.io/v1alpha1`, experimental channel).
//! spec: `apisx/v1alpha1/xbackendtrafficpolicy_types.go`, `apisx/v1alpha1/shared_types.go`.

use gateway_api_types::shared::Duration;
use gateway_api_types::x::v1alpha1::{
    BackendTrafficPolicySpec, BudgetDetails, RequestRate, RetryConstraint,
};

use crate::cel::{self, HOUR, SECOND};
use crate::check::map_key;
use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

/// CEL rule on `budget.interval`.
pub(crate) const RULE_BUDGET_INTERVAL: &str =
    "!(duration(self) < duration('1s') || duration(self) > duration('1h'))";
/// CEL rule on `minRetryRate.interval`.
pub(crate) const RULE_MIN_RETRY_INTERVAL: &str =
    "!(duration(self) == duration('0s') || duration(self) > duration('1h'))";
impl Validate for BackendTrafficPolicySpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let tp = path.field("targetRefs");
        report.min_items(&tp, self.target_refs.len(), 1);
        report.max_items(&tp, self.target_refs.len(), 16);
        self.target_refs.validate(cx, &tp, report);
        report.unique(
            &tp,
            self.target_refs
                .iter()
                .map(|t| (t.group.as_str(), t.kind.as_str(), t.name.as_str())),
            |(group, kind, name)| map_key(&[("group", group), ("kind", kind), ("name", name)]),
        );
        self.retry_constraint
            .validate(cx, &path.field("retryConstraint"), report);
        self.session_persistence
            .validate(cx, &path.field("sessionPersistence"), report);
    }
}

impl Validate for RetryConstraint {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.budget.validate(cx, &path.field("budget"), report);
        self.min_retry_rate
            .validate(cx, &path.field("minRetryRate"), report);
    }
}

/// A duration field with a CEL rule comparing `duration(self)`: the pattern, then the rule
/// (`bad` says whether the parsed value breaks it; an unparsable value is a CEL error).
fn duration_rule(
    d: &Duration,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
    bad: impl Fn(i64) -> bool,
    message: &str,
    rule: &'static str,
) {
    d.validate(cx, path, report);
    match cel::duration(d.as_str()) {
        Some(n) if bad(n) => report.cel(path, "string", message, rule),
        Some(_) => {}
        None => report.cel_error(
            path,
            "string",
            cel::DURATION_CONVERSION_ERROR,
            message,
            rule,
        ),
    }
}

impl Validate for BudgetDetails {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(p) = self.percent {
            report.range(&path.field("percent"), i64::from(p), Some(0), Some(100));
        }
        if let Some(i) = &self.interval {
            // spec: BudgetDetails.Interval, "interval cannot be greater than one hour or less
            // than one second".
            duration_rule(
                i,
                cx,
                &path.field("interval"),
                report,
                |n| !(SECOND..=HOUR).contains(&n),
                "interval cannot be greater than one hour or less than one second",
                RULE_BUDGET_INTERVAL,
            );
        }
    }
}

impl Validate for RequestRate {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(c) = self.count {
            report.range(&path.field("count"), i64::from(c), Some(1), Some(1_000_000));
        }
        if let Some(i) = &self.interval {
            // spec: RequestRate.Interval, "interval cannot be greater than one hour".
            duration_rule(
                i,
                cx,
                &path.field("interval"),
                report,
                |n| n == 0 || n > HOUR,
                "interval cannot be greater than one hour",
                RULE_MIN_RETRY_INTERVAL,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_bounds() {
        let ctx = Context::new(gateway_api_types::Channel::Experimental);
        let root = Path::ROOT;
        let check = |interval: &str| {
            let mut r = Report::default();
            BudgetDetails {
                percent: Some(20),
                interval: Some(interval.into()),
            }
            .validate(&ctx, &root, &mut r);
            r.violations.len()
        };
        assert_eq!(check("1s"), 0);
        assert_eq!(check("60m"), 0);
        assert_eq!(check("999ms"), 1);
        assert_eq!(check("3601s"), 1);
        let mut r = Report::default();
        RequestRate {
            count: Some(10),
            interval: Some("0s".into()),
        }
        .validate(&ctx, &root, &mut r);
        assert_eq!(r.violations.len(), 1);
    }
}

#[cfg(test)]
mod object_tests {
    #[test]
    fn target_refs_are_a_map_keyed_by_group_kind_name() {
        let v = serde_json::json!({
            "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
            "kind": "XBackendTrafficPolicy",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "targetRefs": [
                    {"group": "", "kind": "Service", "name": "a"},
                    {"group": "", "kind": "Service", "name": "a"},
                ],
                "sessionPersistence": {"type": "Header", "cookieConfig": {}},
            },
        });
        let r = crate::validate_value(&v, gateway_api_types::Channel::Experimental);
        let msgs: Vec<String> = r.violations.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            [
                "spec.targetRefs[1]: Duplicate value: map[string]interface {}{\"group\":\"\", \"kind\":\"Service\", \"name\":\"a\"}",
                "spec.sessionPersistence: Invalid value: \"object\": cookieConfig can only be set with type Cookie",
            ]
        );
    }
}
