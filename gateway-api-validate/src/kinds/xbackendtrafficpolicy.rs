//! XBackendTrafficPolicy (`gateway.networking.x-k8s.io/v1alpha1`, experimental channel).
//! spec: `apisx/v1alpha1/xbackendtrafficpolicy_types.go`, `apisx/v1alpha1/shared_types.go`.

use gateway_api_types::shared::{
    CookieLifetimeType, Duration, SessionPersistence, SessionPersistenceType,
};
use gateway_api_types::x::v1alpha1::{
    BackendTrafficPolicySpec, BudgetDetails, RequestRate, RetryConstraint,
};

use crate::check::map_key;
use crate::check_enum;
use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

/// CEL rule on `budget.interval`.
pub(crate) const RULE_BUDGET_INTERVAL: &str =
    "!(duration(self) < duration('1s') || duration(self) > duration('1h'))";
/// CEL rule on `minRetryRate.interval`.
pub(crate) const RULE_MIN_RETRY_INTERVAL: &str =
    "!(duration(self) == duration('0s') || duration(self) > duration('1h'))";
/// CEL's error when `duration(string)` cannot parse its argument.
const DURATION_CONVERSION_ERROR: &str =
    "type conversion error from 'string' to 'google.protobuf.Duration'";

const SECOND: i128 = 1_000_000_000;
const HOUR: i128 = 3600 * SECOND;

/// Go's `time.ParseDuration` (what CEL's `duration(string)` uses), in nanoseconds; `None` when
/// Go would return an error (syntax, unknown unit, or out of the `int64` range).
pub(crate) fn go_duration_nanos(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let b = rest.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return None;
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let int: i128 = if int_len == 0 {
            0
        } else {
            // More than 19 digits overflows int64 in Go as well.
            if int_len > 19 {
                return None;
            }
            rest[..int_len].parse().ok()?
        };
        rest = &rest[int_len..];
        let mut frac_digits = "";
        if rest.starts_with('.') {
            rest = &rest[1..];
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            frac_digits = &rest[..n];
            rest = &rest[n..];
        }
        if int_len == 0 && frac_digits.is_empty() {
            // "." or ".s": no digits at all.
            return None;
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let unit = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => SECOND,
            "m" => 60 * SECOND,
            "h" => HOUR,
            _ => return None,
        };
        rest = &rest[unit_len..];
        let mut v = int.checked_mul(unit)?;
        if !frac_digits.is_empty() {
            // Go scales the fraction with floating point: int64(float64(f) * (float64(unit) / scale)).
            let digits: String = frac_digits.chars().take(18).collect();
            let f: f64 = digits.parse().ok()?;
            let scale = 10f64.powi(i32::try_from(digits.len()).ok()?);
            v += (f * (unit as f64 / scale)) as i128;
        }
        total += v;
        if total > i128::from(i64::MAX) + i128::from(neg) {
            return None;
        }
    }
    Some(if neg { -total } else { total })
}

impl Validate for BackendTrafficPolicySpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let tp = path.field("targetRefs");
        report.min_items(&tp, self.target_refs.len(), 1);
        report.max_items(&tp, self.target_refs.len(), 16);
        self.target_refs.validate(cx, &tp, report);
        report.unique(
            &tp,
            self.target_refs.iter().map(|t| {
                (
                    (t.group.as_str(), t.kind.as_str(), t.name.as_str()),
                    map_key(&[
                        ("group", t.group.as_str()),
                        ("kind", t.kind.as_str()),
                        ("name", t.name.as_str()),
                    ]),
                )
            }),
        );
        self.retry_constraint
            .validate(cx, &path.field("retryConstraint"), report);
        if let Some(sp) = &self.session_persistence {
            session_persistence(sp, cx, &path.field("sessionPersistence"), report);
        }
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
    bad: impl Fn(i128) -> bool,
    message: &str,
    rule: &'static str,
) {
    d.validate(cx, path, report);
    match go_duration_nanos(d.as_str()) {
        Some(n) if bad(n) => report.cel(path, "string", message, rule),
        Some(_) => {}
        None => report.cel_error(path, "string", DURATION_CONVERSION_ERROR, message, rule),
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

/// CEL rule on `sessionPersistence`: a permanent cookie needs an absolute timeout.
pub(crate) const RULE_PERMANENT_NEEDS_TIMEOUT: &str = "!has(self.cookieConfig) || !has(self.cookieConfig.lifetimeType) || self.cookieConfig.lifetimeType != 'Permanent' || has(self.absoluteTimeout)";
/// CEL rule on `sessionPersistence`: `cookieConfig` only with type `Cookie`.
pub(crate) const RULE_COOKIE_CONFIG_ONLY_COOKIE: &str =
    "!has(self.cookieConfig) || self.type == 'Cookie'";

/// `SessionPersistence` as XBackendTrafficPolicy's schema has it (the same type as
/// HTTPRoute's; a free function so that it does not clash with an HTTPRoute `Validate` impl).
pub(crate) fn session_persistence(
    sp: &SessionPersistence,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    if let Some(n) = &sp.session_name {
        report.max_length(&path.field("sessionName"), n, 128);
    }
    sp.absolute_timeout
        .validate(cx, &path.field("absoluteTimeout"), report);
    if let Some(t) = &sp.type_ {
        check_enum!(report, cx, &path.field("type"), t, SessionPersistenceType);
    }
    if let Some(c) = &sp.cookie_config
        && let Some(l) = &c.lifetime_type
    {
        check_enum!(
            report,
            cx,
            &path.field("cookieConfig").field("lifetimeType"),
            l,
            CookieLifetimeType
        );
    }
    // spec: SessionPersistence, "AbsoluteTimeout must be specified when cookie lifetimeType is
    // Permanent" (`lifetimeType` defaults to `Session`).
    let permanent = sp
        .cookie_config
        .as_ref()
        .and_then(|c| c.lifetime_type.as_ref())
        .is_some_and(|l| l.as_str() == "Permanent");
    if permanent && sp.absolute_timeout.is_none() {
        report.cel(
            path,
            "object",
            "AbsoluteTimeout must be specified when cookie lifetimeType is Permanent",
            RULE_PERMANENT_NEEDS_TIMEOUT,
        );
    }
    // spec: SessionPersistence, "cookieConfig can only be set with type Cookie" (`type`
    // defaults to `Cookie`).
    let cookie = sp.type_.as_ref().is_none_or(|t| t.as_str() == "Cookie");
    if sp.cookie_config.is_some() && !cookie {
        report.cel(
            path,
            "object",
            "cookieConfig can only be set with type Cookie",
            RULE_COOKIE_CONFIG_ONLY_COOKIE,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_duration_parsing() {
        assert_eq!(go_duration_nanos("1h"), Some(HOUR));
        assert_eq!(go_duration_nanos("1h0m1s"), Some(HOUR + SECOND));
        assert_eq!(go_duration_nanos("999ms"), Some(999_000_000));
        assert_eq!(go_duration_nanos("1.5s"), Some(1_500_000_000));
        assert_eq!(go_duration_nanos("0"), Some(0));
        assert_eq!(go_duration_nanos("-2m"), Some(-120 * SECOND));
        assert_eq!(go_duration_nanos("10us"), Some(10_000));
        assert_eq!(go_duration_nanos(""), None);
        assert_eq!(go_duration_nanos("1"), None);
        assert_eq!(go_duration_nanos("1d"), None);
        assert_eq!(go_duration_nanos("."), None);
        assert_eq!(go_duration_nanos("9999999999999h"), None);
    }

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
