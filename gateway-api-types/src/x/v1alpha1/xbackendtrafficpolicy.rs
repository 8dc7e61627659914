//! XBackendTrafficPolicy: traffic settings for backends — a retry budget and session
//! persistence.
//!
//! spec: `apisx/v1alpha1/xbackendtrafficpolicy_types.go` and `apisx/v1alpha1/shared_types.go`
//! (group `gateway.networking.x-k8s.io`, experimental channel only). Namespaced, a Direct
//! policy (GEP-713) whose targets are backends (Services, ...).

use std::borrow::Cow;

use kube_derive::CustomResource;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::policy::{LocalPolicyTargetReference, PolicyStatus};
use crate::shared::{Duration, SessionPersistence};

/// The desired state of an XBackendTrafficPolicy. spec: `BackendTrafficPolicySpec`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.x-k8s.io",
    version = "v1alpha1",
    kind = "XBackendTrafficPolicy",
    doc = "An XBackendTrafficPolicy (`gateway.networking.x-k8s.io/v1alpha1`): metadata, [`BackendTrafficPolicySpec`] and status; see the module docs.",
    derive = "PartialEq",
    plural = "xbackendtrafficpolicies",
    status = "PolicyStatus",
    namespaced,
    shortname = "xbtrafficpolicy",
    category = "gateway-api",
    label("gateway.networking.k8s.io/policy", "Direct"),
    schema = "manual",
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct BackendTrafficPolicySpec {
    /// The backends the policy applies to (1–16, unique by group, kind and name).
    #[schemars(length(min = 1, max = 16), extend(
        "x-kubernetes-list-map-keys" = ["group", "kind", "name"],
        "x-kubernetes-list-type" = "map"))]
    pub target_refs: Vec<LocalPolicyTargetReference>,
    /// When further retries to the backend are allowed (a retry budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_constraint: Option<RetryConstraint>,
    /// Session persistence towards the backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_persistence: Option<SessionPersistence>,
}

crate::gateway_api_root!(
    XBackendTrafficPolicy,
    BackendTrafficPolicySpec,
    PolicyStatus
);

/// Schema of a Go `int` field: an integer with no `format` (unlike `int32`/`int64`).
struct GoInt;

impl JsonSchema for GoInt {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "GoInt".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "integer"})
    }
}

/// Limits on retries to a backend: a budget relative to the active requests, with a floor.
/// spec: `RetryConstraint`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetryConstraint {
    /// The retry budget (default 20% over 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"percent": 20, "interval": "10s"}))]
    pub budget: Option<BudgetDetails>,
    /// Retries always allowed regardless of the budget (default 10 per second).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"count": 10, "interval": "1s"}))]
    pub min_retry_rate: Option<RequestRate>,
}

/// A retry budget: retries may make up at most `percent` of the requests active during
/// `interval`. spec: `BudgetDetails`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct BudgetDetails {
    /// Maximum share of active requests that may be retries, 0–100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "Option<GoInt>",
        range(min = 0, max = 100),
        extend("default" = 20)
    )]
    pub percent: Option<i32>,
    /// The window over which active requests are counted, 1s–1h (default `10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "10s", "x-kubernetes-validations" = [{
        "message": "interval cannot be greater than one hour or less than one second",
        "rule": "!(duration(self) < duration('1s') || duration(self) > duration('1h'))"
    }]))]
    pub interval: Option<Duration>,
}

/// A rate: `count` requests per `interval`. spec: `RequestRate`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct RequestRate {
    /// Number of requests per interval, 1–1000000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<GoInt>", range(min = 1, max = 1000000))]
    pub count: Option<i32>,
    /// The interval, more than 0s and at most 1h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-validations" = [{
        "message": "interval cannot be greater than one hour",
        "rule": "!(duration(self) == duration('0s') || duration(self) > duration('1h'))"
    }]))]
    pub interval: Option<Duration>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GatewayApiResource;
    use crate::shared::{CookieLifetimeType, SessionPersistenceType};
    use serde_json::json;

    #[test]
    fn policy_round_trips() {
        let v = json!({
            "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
            "kind": "XBackendTrafficPolicy",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "targetRefs": [{"group": "", "kind": "Service", "name": "svc"}],
                "retryConstraint": {"budget": {"percent": 30}, "minRetryRate": {"count": 5, "interval": "2s"}},
                "sessionPersistence": {"sessionName": "s", "absoluteTimeout": "1h", "type": "Cookie",
                    "cookieConfig": {"lifetimeType": "Forever"}}
            }
        });
        let p: XBackendTrafficPolicy = serde_json::from_value(v.clone()).expect("parse");
        let sp = p.spec.session_persistence.as_ref().expect("sp");
        assert_eq!(sp.type_, Some(SessionPersistenceType::Cookie));
        assert_eq!(
            sp.cookie_config
                .as_ref()
                .and_then(|c| c.lifetime_type.clone()),
            Some(CookieLifetimeType::Unrecognized("Forever".into()))
        );
        assert_eq!(serde_json::to_value(&p).expect("json"), v);
    }

    #[test]
    fn defaults_fill_the_budget() {
        let mut p = XBackendTrafficPolicy::new(
            "p",
            BackendTrafficPolicySpec {
                target_refs: vec![LocalPolicyTargetReference {
                    group: "".into(),
                    kind: "Service".into(),
                    name: "svc".into(),
                }],
                retry_constraint: Some(RetryConstraint {
                    budget: Some(BudgetDetails {
                        percent: Some(50),
                        interval: None,
                    }),
                    min_retry_rate: None,
                }),
                session_persistence: None,
            },
        );
        p.apply_defaults().expect("defaults");
        let rc = p.spec.retry_constraint.as_ref().expect("rc");
        let budget = rc.budget.as_ref().expect("budget");
        assert_eq!(budget.percent, Some(50));
        assert_eq!(budget.interval.as_deref(), Some("10s"));
        let min = rc.min_retry_rate.as_ref().expect("min rate");
        assert_eq!(min.count, Some(10));
        assert_eq!(min.interval.as_deref(), Some("1s"));
    }

    #[test]
    fn go_int_fields_have_no_format() {
        let v = crate::schema::raw_schema_of::<BudgetDetails>();
        let percent = &v["properties"]["percent"];
        assert_eq!(percent["type"], json!("integer"));
        assert!(percent.get("format").is_none());
        assert_eq!(percent["maximum"], json!(100));
    }
}
