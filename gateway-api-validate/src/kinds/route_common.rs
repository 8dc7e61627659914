//! Rules every Route kind shares (`CommonRouteSpec`, spec: `apis/v1/shared_types.go`): the
//! parent references list with its CEL rules, and the experimental `useDefaultGateways`.

use gateway_api_types::Channel;
use gateway_api_types::shared::{CommonRouteSpec, ParentReference};

use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

/// Standard-channel CEL rule on `parentRefs`: duplicates need a `sectionName` on every entry.
pub(crate) const RULE_PARENT_SECTION_SPECIFIED: &str = "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))";

/// Standard-channel CEL rule on `parentRefs`: no two entries name the same section.
pub(crate) const RULE_PARENT_SECTION_UNIQUE: &str = "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))";

/// Experimental-channel CEL rule on `parentRefs`: duplicates need a `sectionName` or `port`
/// on every entry alike.
pub(crate) const RULE_PARENT_SECTION_OR_PORT_SPECIFIED: &str = "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__)) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '') && (!has(p1.port) || p1.port == 0) == (!has(p2.port) || p2.port == 0)): true))";

/// Experimental-channel CEL rule on `parentRefs`: no two entries name the same section and port.
pub(crate) const RULE_PARENT_SECTION_OR_PORT_UNIQUE: &str = "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || ( has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName)) && (((!has(p1.port) || p1.port == 0) && (!has(p2.port) || p2.port == 0)) || (has(p1.port) && has(p2.port) && p1.port == p2.port))))";

/// A parent reference as the CEL rules see it after defaulting (`group` and `kind` are
/// defaulted, so `p.group`/`p.kind` never fail).
struct Parent<'a> {
    group: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: Option<&'a str>,
    section: Option<&'a str>,
    port: Option<i32>,
}

impl<'a> Parent<'a> {
    fn of(p: &'a ParentReference) -> Self {
        Parent {
            group: p.group.as_deref().unwrap_or("gateway.networking.k8s.io"),
            kind: p.kind.as_deref().unwrap_or("Gateway"),
            name: p.name.as_str(),
            namespace: p.namespace.as_deref(),
            section: p.section_name.as_deref(),
            port: p.port,
        }
    }

    /// `p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && <same namespace>`.
    fn same_parent(&self, o: &Parent<'_>) -> bool {
        self.group == o.group
            && self.kind == o.kind
            && self.name == o.name
            && ((unset_str(self.namespace) && unset_str(o.namespace))
                || matches!((self.namespace, o.namespace), (Some(a), Some(b)) if a == b))
    }

    /// `((!has(p1.sectionName) || p1.sectionName == '') && (...p2...)) || (has(p1.sectionName)
    /// && has(p2.sectionName) && p1.sectionName == p2.sectionName)`.
    fn same_section(&self, o: &Parent<'_>) -> bool {
        (unset_str(self.section) && unset_str(o.section))
            || matches!((self.section, o.section), (Some(a), Some(b)) if a == b)
    }

    /// `((!has(p1.port) || p1.port == 0) && (...p2...)) || (has(p1.port) && has(p2.port) &&
    /// p1.port == p2.port)`.
    fn same_port(&self, o: &Parent<'_>) -> bool {
        (unset_port(self.port) && unset_port(o.port))
            || matches!((self.port, o.port), (Some(a), Some(b)) if a == b)
    }
}

/// `!has(x) || x == ''`.
fn unset_str(v: Option<&str>) -> bool {
    v.is_none_or(str::is_empty)
}

/// `!has(x) || x == 0`.
fn unset_port(v: Option<i32>) -> bool {
    v.is_none_or(|p| p == 0)
}

/// `CommonRouteSpec.parentRefs`: at most 32 entries, each a valid `ParentReference`, and the
/// list's CEL rules (which differ between the channels).
pub(crate) fn validate_parent_refs(
    refs: &Option<Vec<ParentReference>>,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    let Some(refs) = refs else { return };
    report.max_items(path, refs.len(), 32);
    refs.validate(cx, path, report);
    let parents: Vec<Parent<'_>> = refs.iter().map(Parent::of).collect();
    match cx.channel {
        Channel::Standard => {
            // spec: CommonRouteSpec.ParentRefs (standard), "sectionName must be specified when
            // parentRefs includes 2 or more references to the same parent".
            let specified = parents.iter().all(|p1| {
                parents
                    .iter()
                    .all(|p2| !p1.same_parent(p2) || unset_str(p1.section) == unset_str(p2.section))
            });
            if !specified {
                report.cel(
                    path,
                    "array",
                    "sectionName must be specified when parentRefs includes 2 or more references to the same parent",
                    RULE_PARENT_SECTION_SPECIFIED,
                );
            }
            // spec: CommonRouteSpec.ParentRefs (standard), "sectionName must be unique when
            // parentRefs includes 2 or more references to the same parent".
            let unique = parents.iter().all(|p1| {
                parents
                    .iter()
                    .filter(|p2| p1.same_parent(p2) && p1.same_section(p2))
                    .count()
                    == 1
            });
            if !unique {
                report.cel(
                    path,
                    "array",
                    "sectionName must be unique when parentRefs includes 2 or more references to the same parent",
                    RULE_PARENT_SECTION_UNIQUE,
                );
            }
        }
        Channel::Experimental => {
            // spec: CommonRouteSpec.ParentRefs (experimental), "sectionName or port must be
            // specified when parentRefs includes 2 or more references to the same parent".
            let specified = parents.iter().all(|p1| {
                parents.iter().all(|p2| {
                    !p1.same_parent(p2)
                        || (unset_str(p1.section) == unset_str(p2.section)
                            && unset_port(p1.port) == unset_port(p2.port))
                })
            });
            if !specified {
                report.cel(
                    path,
                    "array",
                    "sectionName or port must be specified when parentRefs includes 2 or more references to the same parent",
                    RULE_PARENT_SECTION_OR_PORT_SPECIFIED,
                );
            }
            // spec: CommonRouteSpec.ParentRefs (experimental), "sectionName or port must be
            // unique when parentRefs includes 2 or more references to the same parent".
            let unique = parents.iter().all(|p1| {
                parents
                    .iter()
                    .filter(|p2| p1.same_parent(p2) && p1.same_section(p2) && p1.same_port(p2))
                    .count()
                    == 1
            });
            if !unique {
                report.cel(
                    path,
                    "array",
                    "sectionName or port must be unique when parentRefs includes 2 or more references to the same parent",
                    RULE_PARENT_SECTION_OR_PORT_UNIQUE,
                );
            }
        }
    }
}

/// The `CommonRouteSpec` fields of the L4 routes (TLSRoute, TCPRoute, UDPRoute): `parentRefs`
/// and, in the experimental channel, `useDefaultGateways`.
pub(crate) fn validate_l4_common(
    common: &CommonRouteSpec,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    validate_parent_refs(&common.parent_refs, cx, &path.field("parentRefs"), report);
    #[cfg(feature = "experimental")]
    if cx.channel == Channel::Experimental {
        common
            .use_default_gateways
            .validate(cx, &path.field("useDefaultGateways"), report);
    }
}

/// CEL rule on the `rules` of the v1alpha2 L4 routes (experimental channel only).
pub(crate) const RULE_RULE_NAME_UNIQUE: &str =
    "self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))";

/// `self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))` on a
/// `rules` list whose names are `names` (experimental channel only; "Rule name must be unique
/// within the route").
pub(crate) fn validate_rule_names<'a>(
    names: impl Iterator<Item = Option<&'a str>> + Clone,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    if cx.channel != Channel::Experimental {
        return;
    }
    let ok = names.clone().all(|l1| match l1 {
        None => true,
        Some(n1) => names.clone().filter(|l2| *l2 == Some(n1)).count() == 1,
    });
    if !ok {
        report.cel(
            path,
            "array",
            "Rule name must be unique within the route",
            RULE_RULE_NAME_UNIQUE,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent(name: &str, section: Option<&str>, port: Option<i32>) -> ParentReference {
        ParentReference {
            name: name.into(),
            section_name: section.map(Into::into),
            port,
            ..Default::default()
        }
    }

    fn messages(refs: Vec<ParentReference>, channel: Channel) -> Vec<String> {
        let mut r = Report::default();
        let root = Path::ROOT;
        validate_parent_refs(
            &Some(refs),
            &Context::new(channel),
            &root.field("parentRefs"),
            &mut r,
        );
        r.violations.iter().map(|v| v.detail.clone()).collect()
    }

    #[test]
    fn duplicate_parents_without_section_are_rejected_in_standard() {
        let m = messages(
            vec![parent("gw", None, None), parent("gw", None, None)],
            Channel::Standard,
        );
        assert_eq!(
            m,
            [
                "sectionName must be unique when parentRefs includes 2 or more references to the same parent"
            ]
        );
    }

    #[test]
    fn one_section_missing_is_rejected() {
        let m = messages(
            vec![parent("gw", None, None), parent("gw", Some("a"), None)],
            Channel::Standard,
        );
        assert_eq!(
            m,
            [
                "sectionName must be specified when parentRefs includes 2 or more references to the same parent"
            ]
        );
    }

    #[test]
    fn empty_section_counts_as_unset_and_namespaces_distinguish_parents() {
        let mut a = parent("gw", None, None);
        let mut b = parent("gw", Some("x"), None);
        a.namespace = Some("n1".into());
        b.namespace = Some("n2".into());
        assert!(messages(vec![a, b], Channel::Standard).is_empty());
    }

    #[test]
    fn ports_distinguish_parents_only_in_experimental() {
        let refs = vec![parent("gw", None, Some(80)), parent("gw", None, Some(443))];
        assert!(messages(refs.clone(), Channel::Experimental).is_empty());
        assert_eq!(messages(refs, Channel::Standard).len(), 1);
        let m = messages(
            vec![parent("gw", None, Some(80)), parent("gw", None, None)],
            Channel::Experimental,
        );
        assert_eq!(
            m,
            [
                "sectionName or port must be specified when parentRefs includes 2 or more references to the same parent"
            ]
        );
    }

    #[test]
    fn rule_names_unique_in_experimental_only() {
        let names = [Some("a"), None, Some("a")];
        let root = Path::ROOT;
        let mut r = Report::default();
        validate_rule_names(
            names.iter().copied(),
            &Context::new(Channel::Standard),
            &root,
            &mut r,
        );
        assert!(r.is_empty());
        validate_rule_names(
            names.iter().copied(),
            &Context::new(Channel::Experimental),
            &root,
            &mut r,
        );
        assert_eq!(r.violations.len(), 1);
        let mut r = Report::default();
        validate_rule_names(
            [None, None, Some("b")].into_iter(),
            &Context::new(Channel::Experimental),
            &root,
            &mut r,
        );
        assert!(r.is_empty());
    }
}
