//! ListenerSet (v1). spec: `apis/v1/listenerset_types.go`. The listener rules are the
//! Gateway's ([`crate::kinds::gateway`]).

use gateway_api_types::v1::{
    ListenerEntry, ListenerEntryStatus, ListenerSetSpec, ListenerSetStatus, ParentGatewayReference,
};

use crate::kinds::gateway::{ListenerView, listener_status, listener_statuses, validate_listeners};
use crate::path::Path;
use crate::shared::conditions;
use crate::validate::{Context, Validate};
use crate::violation::Report;

/// CEL rule on ListenerSet `listeners`: unique port, protocol and hostname (`port` is required,
/// so `!has(l1.port)` never holds).
pub(crate) const RULE_LISTENERSET_UNIQUE_COMBINATION: &str = "self.all(l1, !has(l1.port) || self.exists_one(l2, has(l2.port) && l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))";

impl<'a> From<&'a ListenerEntry> for ListenerView<'a> {
    fn from(l: &'a ListenerEntry) -> Self {
        ListenerView {
            name: &l.name,
            hostname: l.hostname.as_ref(),
            port: l.port,
            protocol: &l.protocol,
            tls: l.tls.as_ref(),
            allowed_routes: l.allowed_routes.as_ref(),
        }
    }
}

impl Validate for ListenerSetSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.parent_ref
            .validate(cx, &path.field("parentRef"), report);
        let views: Vec<ListenerView<'_>> = self.listeners.iter().map(ListenerView::from).collect();
        validate_listeners(
            cx,
            &views,
            &path.field("listeners"),
            report,
            RULE_LISTENERSET_UNIQUE_COMBINATION,
        );
    }
}

impl Validate for ParentGatewayReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.name.validate(cx, &path.field("name"), report);
        self.namespace
            .validate(cx, &path.field("namespace"), report);
    }
}

impl Validate for ListenerSetStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(c) = &self.conditions {
            conditions(report, &path.field("conditions"), c, None, 8);
        }
        if let Some(listeners) = &self.listeners {
            listener_statuses(listeners, |l| &l.name, cx, &path.field("listeners"), report);
        }
    }
}

impl Validate for ListenerEntryStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let kinds = self.supported_kinds.as_ref();
        listener_status(&self.name, kinds, &self.conditions, cx, path, report);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::Channel;
    use serde_json::json;

    #[test]
    fn listenerset_uses_the_listener_rules_and_checks_its_parent() {
        let s: ListenerSetSpec = serde_json::from_value(json!({
            "parentRef": {"name": "gw", "kind": "Gate way"},
            "listeners": [
                {"name": "a", "port": 443, "protocol": "TLS"},
                {"name": "b", "port": 443, "protocol": "TLS", "tls": {"mode": "Passthrough"}},
                {"name": "c", "port": 443, "protocol": "TLS", "tls": {"mode": "Passthrough"}}
            ]
        }))
        .expect("spec");
        let mut r = Report::default();
        s.validate(
            &Context::new(Channel::Standard),
            &Path::ROOT.field("spec"),
            &mut r,
        );
        let m: Vec<String> = r.violations.iter().map(ToString::to_string).collect();
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].starts_with("spec.parentRef.kind: Invalid value: \"Gate way\""));
        assert_eq!(
            m[1],
            "spec.listeners: Invalid value: \"array\": tls mode must be set for protocol TLS"
        );
        assert_eq!(
            m[2],
            "spec.listeners: Invalid value: \"array\": Combination of port, protocol and hostname must be unique for each listener"
        );
        assert_eq!(
            r.violations[2].origin,
            crate::Origin::Cel(RULE_LISTENERSET_UNIQUE_COMBINATION)
        );
    }
}
