//! Policy attachment (GEP-713) types shared by the policy kinds: target references and the
//! ancestor status. spec: `apis/v1/policy_types.go`.

use gateway_api_types::policy::{
    LocalPolicyTargetReference, LocalPolicyTargetReferenceWithSectionName,
    NamespacedPolicyTargetReference, PolicyAncestorStatus, PolicyStatus,
};

use crate::path::Path;
use crate::shared::conditions;
use crate::validate::{Context, Validate};
use crate::violation::Report;

impl Validate for LocalPolicyTargetReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.name.validate(cx, &path.field("name"), report);
    }
}

impl Validate for NamespacedPolicyTargetReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.name.validate(cx, &path.field("name"), report);
        self.namespace
            .validate(cx, &path.field("namespace"), report);
    }
}

impl Validate for LocalPolicyTargetReferenceWithSectionName {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.target.validate(cx, path, report);
        self.section_name
            .validate(cx, &path.field("sectionName"), report);
    }
}

impl Validate for PolicyAncestorStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.ancestor_ref
            .validate(cx, &path.field("ancestorRef"), report);
        self.controller_name
            .validate(cx, &path.field("controllerName"), report);
        conditions(
            report,
            &path.field("conditions"),
            &self.conditions,
            Some(1),
            8,
        );
    }
}

impl Validate for PolicyStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let p = path.field("ancestors");
        report.max_items(&p, self.ancestors.len(), 16);
        self.ancestors.validate(cx, &p, report);
    }
}

#[cfg(test)]
mod tests {
    use gateway_api_types::Channel;
    use gateway_api_types::document::{Location, parse_value};

    #[test]
    fn ancestor_status_needs_conditions_and_a_valid_controller() {
        let v = serde_json::json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "BackendTLSPolicy",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "targetRefs": [{"group": "", "kind": "Service", "name": "s"}],
                "validation": {"wellKnownCACertificates": "System", "hostname": "s.example.com"},
            },
            "status": {"ancestors": [{
                "ancestorRef": {"name": "gw", "port": 0},
                "controllerName": "no-slash",
                "conditions": [],
            }]},
        });
        let obj = parse_value(v, &Location::default())
            .remove(0)
            .expect("parse")
            .object;
        let r = crate::validate_status(&obj, Channel::Standard);
        let fields: Vec<&str> = r.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "ancestors[0].ancestorRef.port",
                "ancestors[0].controllerName",
                "ancestors[0].conditions",
            ]
        );
    }
}
