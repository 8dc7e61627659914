//! BackendTLSPolicy (v1, v1alpha3). spec: `apis/v1/backendtlspolicy_types.go`.

use gateway_api_types::policy::LocalPolicyTargetReferenceWithSectionName;
use gateway_api_types::v1::{
    BackendTLSPolicySpec, BackendTLSPolicyValidation, SubjectAltName, SubjectAltNameType,
    WellKnownCACertificatesType,
};
use gateway_api_types::v1alpha3;

use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;
use crate::{check_enum, pattern};

/// CEL rule on `targetRefs`: duplicates need a `sectionName` on every entry.
pub(crate) const RULE_TARGET_SECTION_SPECIFIED: &str = "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))";
/// CEL rule on `targetRefs`: no two entries name the same section of the same target.
pub(crate) const RULE_TARGET_SECTION_UNIQUE: &str = "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))";
/// CEL rule on `validation`: not both CA sources.
pub(crate) const RULE_CA_NOT_BOTH: &str = "!(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 && has(self.wellKnownCACertificates) && self.wellKnownCACertificates != \"\")";
/// CEL rule on `validation`: one CA source.
pub(crate) const RULE_CA_ONE_OF: &str = "(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 || has(self.wellKnownCACertificates) && self.wellKnownCACertificates != \"\")";

/// `!has(x) || x == ''`.
fn unset(v: Option<&str>) -> bool {
    v.is_none_or(str::is_empty)
}

/// The CEL rules on a `targetRefs` list of `LocalPolicyTargetReferenceWithSectionName`
/// (BackendTLSPolicy), at `path` (the list).
pub(crate) fn target_refs_rules(
    refs: &[LocalPolicyTargetReferenceWithSectionName],
    path: &Path<'_>,
    report: &mut Report,
) {
    let same = |a: &LocalPolicyTargetReferenceWithSectionName,
                b: &LocalPolicyTargetReferenceWithSectionName| {
        a.target.group == b.target.group
            && a.target.kind == b.target.kind
            && a.target.name == b.target.name
    };
    // spec: BackendTLSPolicySpec.TargetRefs, "sectionName must be specified when targetRefs
    // includes 2 or more references to the same target".
    let specified = refs.iter().all(|p1| {
        refs.iter().all(|p2| {
            !same(p1, p2) || unset(p1.section_name.as_deref()) == unset(p2.section_name.as_deref())
        })
    });
    if !specified {
        report.cel(
            path,
            "array",
            "sectionName must be specified when targetRefs includes 2 or more references to the same target",
            RULE_TARGET_SECTION_SPECIFIED,
        );
    }
    // spec: BackendTLSPolicySpec.TargetRefs, "sectionName must be unique when targetRefs
    // includes 2 or more references to the same target".
    let unique = refs.iter().all(|p1| {
        refs.iter()
            .filter(|p2| {
                same(p1, p2)
                    && ((unset(p1.section_name.as_deref()) && unset(p2.section_name.as_deref()))
                        || matches!((&p1.section_name, &p2.section_name), (Some(a), Some(b)) if a == b))
            })
            .count()
            == 1
    });
    if !unique {
        report.cel(
            path,
            "array",
            "sectionName must be unique when targetRefs includes 2 or more references to the same target",
            RULE_TARGET_SECTION_UNIQUE,
        );
    }
}

impl Validate for BackendTLSPolicySpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let tp = path.field("targetRefs");
        report.min_items(&tp, self.target_refs.len(), 1);
        report.max_items(&tp, self.target_refs.len(), 16);
        self.target_refs.validate(cx, &tp, report);
        target_refs_rules(&self.target_refs, &tp, report);
        self.validation
            .validate(cx, &path.field("validation"), report);
        if let Some(options) = &self.options {
            let op = path.field("options");
            // `maxProperties: 16`; the keys are unconstrained in the schema (no
            // `patternProperties` in Kubernetes), the values are at most 4096 long.
            report.max_items(&op, options.len(), 16);
            for (k, v) in options {
                v.validate(cx, &op.field(k.as_str()), report);
            }
        }
    }
}

impl Validate for v1alpha3::BackendTLSPolicySpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.0.validate(cx, path, report);
    }
}

impl Validate for WellKnownCACertificatesType {
    fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
        report.string(
            path,
            self.as_str(),
            Some(1),
            Some(253),
            Some(pattern!(
                r"^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$"
            )),
        );
    }
}

impl Validate for BackendTLSPolicyValidation {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(refs) = &self.ca_certificate_refs {
            let p = path.field("caCertificateRefs");
            report.max_items(&p, refs.len(), 8);
            refs.validate(cx, &p, report);
        }
        self.well_known_ca_certificates.validate(
            cx,
            &path.field("wellKnownCACertificates"),
            report,
        );
        self.hostname.validate(cx, &path.field("hostname"), report);
        if let Some(sans) = &self.subject_alt_names {
            let p = path.field("subjectAltNames");
            report.max_items(&p, sans.len(), 5);
            sans.validate(cx, &p, report);
        }
        let has_refs = self
            .ca_certificate_refs
            .as_ref()
            .is_some_and(|r| !r.is_empty());
        let has_well_known = self
            .well_known_ca_certificates
            .as_ref()
            .is_some_and(|w| !w.as_str().is_empty());
        // spec: BackendTLSPolicyValidation, "must not contain both CACertificateRefs and
        // WellKnownCACertificates".
        if has_refs && has_well_known {
            report.cel(
                path,
                "object",
                "must not contain both CACertificateRefs and WellKnownCACertificates",
                RULE_CA_NOT_BOTH,
            );
        }
        // spec: BackendTLSPolicyValidation, "must specify either CACertificateRefs or
        // WellKnownCACertificates".
        if !has_refs && !has_well_known {
            report.cel(
                path,
                "object",
                "must specify either CACertificateRefs or WellKnownCACertificates",
                RULE_CA_ONE_OF,
            );
        }
    }
}

impl Validate for SubjectAltName {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        check_enum!(
            report,
            cx,
            &path.field("type"),
            self.type_,
            SubjectAltNameType
        );
        self.hostname.validate(cx, &path.field("hostname"), report);
        self.uri.validate(cx, &path.field("uri"), report);
        let ty = self.type_.as_str();
        let has_hostname = self
            .hostname
            .as_ref()
            .is_some_and(|h| !h.as_str().is_empty());
        let has_uri = self.uri.as_ref().is_some_and(|u| !u.as_str().is_empty());
        // spec: SubjectAltName, "SubjectAltName element must contain Hostname, if Type is set to
        // Hostname".
        if ty == "Hostname" && !has_hostname {
            report.cel(
                path,
                "object",
                "SubjectAltName element must contain Hostname, if Type is set to Hostname",
                "!(self.type == \"Hostname\" && (!has(self.hostname) || self.hostname == \"\"))",
            );
        }
        // spec: SubjectAltName, "SubjectAltName element must not contain Hostname, if Type is not
        // set to Hostname".
        if ty != "Hostname" && has_hostname {
            report.cel(
                path,
                "object",
                "SubjectAltName element must not contain Hostname, if Type is not set to Hostname",
                "!(self.type != \"Hostname\" && has(self.hostname) && self.hostname != \"\")",
            );
        }
        // spec: SubjectAltName, "SubjectAltName element must contain URI, if Type is set to URI".
        if ty == "URI" && !has_uri {
            report.cel(
                path,
                "object",
                "SubjectAltName element must contain URI, if Type is set to URI",
                "!(self.type == \"URI\" && (!has(self.uri) || self.uri == \"\"))",
            );
        }
        // spec: SubjectAltName, "SubjectAltName element must not contain URI, if Type is not set
        // to URI".
        if ty != "URI" && has_uri {
            report.cel(
                path,
                "object",
                "SubjectAltName element must not contain URI, if Type is not set to URI",
                "!(self.type != \"URI\" && has(self.uri) && self.uri != \"\")",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::Channel;

    fn spec(v: serde_json::Value) -> BackendTLSPolicySpec {
        serde_json::from_value(v).expect("spec")
    }

    fn details(s: &BackendTLSPolicySpec) -> Vec<String> {
        let mut r = Report::default();
        let root = Path::ROOT;
        s.validate(
            &Context::new(Channel::Standard),
            &root.field("spec"),
            &mut r,
        );
        r.violations.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn empty_ca_refs_count_as_unset() {
        let s = spec(serde_json::json!({
            "targetRefs": [{"group": "", "kind": "Service", "name": "s"}],
            "validation": {"caCertificateRefs": [], "wellKnownCACertificates": "System", "hostname": "a.b"},
        }));
        assert!(details(&s).is_empty());
        let s = spec(serde_json::json!({
            "targetRefs": [{"group": "", "kind": "Service", "name": "s"}],
            "validation": {"caCertificateRefs": [], "hostname": "a.b"},
        }));
        assert_eq!(
            details(&s),
            [
                "spec.validation: Invalid value: \"object\": must specify either CACertificateRefs or WellKnownCACertificates"
            ]
        );
    }

    #[test]
    fn empty_section_name_counts_as_unset_for_target_refs() {
        let s = spec(serde_json::json!({
            "targetRefs": [
                {"group": "", "kind": "Service", "name": "s", "sectionName": ""},
                {"group": "", "kind": "Service", "name": "s"}],
            "validation": {"wellKnownCACertificates": "System", "hostname": "a.b"},
        }));
        let d = details(&s);
        assert!(
            d.iter()
                .any(|m| m.contains("sectionName must be unique when targetRefs")),
            "{d:?}"
        );
        assert!(!d.iter().any(|m| m.contains("must be specified")), "{d:?}");
    }

    #[test]
    fn options_values_and_count() {
        let mut opts = serde_json::Map::new();
        for i in 0..17 {
            opts.insert(format!("k{i}"), serde_json::json!("v"));
        }
        opts.insert("k0".into(), serde_json::json!("x".repeat(4097)));
        let s = spec(serde_json::json!({
            "targetRefs": [{"group": "", "kind": "Service", "name": "s"}],
            "validation": {"wellKnownCACertificates": "System", "hostname": "a.b"},
            "options": opts,
        }));
        assert_eq!(
            details(&s),
            [
                "spec.options: Too many: 17: must have at most 16 items",
                "spec.options.k0: Too long: may not be more than 4096 bytes",
            ]
        );
    }
}
