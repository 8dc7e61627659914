//! What every Route kind shares: the `parentRefs` rules of `CommonRouteSpec` (which differ
//! between channels), `useDefaultGateways`, session persistence and list helpers.
//! spec: `apis/v1/shared_types.go`.

use gateway_api_types::Channel;
use gateway_api_types::shared::{
    CommonRouteSpec, CookieConfig, CookieLifetimeType, ParentReference, SessionPersistence,
    SessionPersistenceType,
};

use crate::check_enum;
use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::{Report, quote};

/// Standard-channel rule: a parent referenced twice needs `sectionName` on both references.
pub(crate) const RULE_PARENT_SECTION_SPECIFIED: &str = "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))";
/// Standard-channel rule: references to the same parent have distinct `sectionName`s.
pub(crate) const RULE_PARENT_SECTION_UNIQUE: &str = "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))";
/// Experimental-channel rule: a parent referenced twice needs `sectionName` or `port` on both.
pub(crate) const RULE_PARENT_SECTION_OR_PORT_SPECIFIED: &str = "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__)) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '') && (!has(p1.port) || p1.port == 0) == (!has(p2.port) || p2.port == 0)): true))";
/// Experimental-channel rule: references to the same parent have distinct `sectionName`/`port`.
pub(crate) const RULE_PARENT_SECTION_OR_PORT_UNIQUE: &str = "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || ( has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName)) && (((!has(p1.port) || p1.port == 0) && (!has(p2.port) || p2.port == 0)) || (has(p1.port) && has(p2.port) && p1.port == p2.port))))";

/// The rule on a route's `rules` list (experimental): rule names are unique.
pub(crate) const RULE_UNIQUE_RULE_NAME: &str =
    "self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))";

/// `group`, `kind`, `name` of a parent reference, with the CRD defaults of `group` and `kind`.
fn parent_target(p: &ParentReference) -> (&str, &str, &str) {
    (
        p.group.as_deref().unwrap_or("gateway.networking.k8s.io"),
        p.kind.as_deref().unwrap_or("Gateway"),
        p.name.as_str(),
    )
}

/// `(!has(x) || x == '')`: an absent or empty optional string.
fn blank(s: Option<&str>) -> bool {
    s.is_none_or(str::is_empty)
}

/// The namespace clause of the rules: both blank, or both set and equal.
fn same_namespace(p1: &ParentReference, p2: &ParentReference) -> bool {
    let (a, b) = (p1.namespace.as_deref(), p2.namespace.as_deref());
    (blank(a) && blank(b)) || matches!((a, b), (Some(x), Some(y)) if x == y)
}

/// `p1` and `p2` name the same parent object (the guard shared by all four rules).
fn same_parent(p1: &ParentReference, p2: &ParentReference) -> bool {
    parent_target(p1) == parent_target(p2) && same_namespace(p1, p2)
}

/// Both `sectionName`s blank, or both set and equal.
fn same_section(p1: &ParentReference, p2: &ParentReference) -> bool {
    let (a, b) = (p1.section_name.as_deref(), p2.section_name.as_deref());
    (blank(a) && blank(b)) || matches!((a, b), (Some(x), Some(y)) if x == y)
}

/// `(!has(p.port) || p.port == 0)`.
fn no_port(p: &ParentReference) -> bool {
    p.port.is_none_or(|v| v == 0)
}

/// Both ports unset (or 0), or both set and equal.
fn same_port(p1: &ParentReference, p2: &ParentReference) -> bool {
    (no_port(p1) && no_port(p2)) || matches!((p1.port, p2.port), (Some(x), Some(y)) if x == y)
}

/// The CEL rules of `CommonRouteSpec.parentRefs` (two per channel), the OpenAPI constraints of
/// `parentRefs` and, in the experimental channel, `useDefaultGateways`. `path` is the route's
/// `spec`.
pub(crate) fn validate_common_route_spec(
    spec: &CommonRouteSpec,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    #[cfg(feature = "experimental")]
    if cx.channel == Channel::Experimental
        && let Some(scope) = &spec.use_default_gateways
    {
        scope.validate(cx, &path.field("useDefaultGateways"), report);
    }
    let Some(refs) = &spec.parent_refs else {
        return;
    };
    let p = path.field("parentRefs");
    report.max_items(&p, refs.len(), 32);
    refs.validate(cx, &p, report);
    // spec: CommonRouteSpec.ParentRefs, "sectionName must be specified when parentRefs
    // includes 2 or more references to the same parent" and "sectionName must be unique when
    // parentRefs includes 2 or more references to the same parent". The experimental CRDs
    // count `port` as well ("sectionName or port must be ...").
    let (ports, specified_message, specified_rule, unique_message, unique_rule) = if cx.channel
        == Channel::Experimental
    {
        (
            true,
            "sectionName or port must be specified when parentRefs includes 2 or more references to the same parent",
            RULE_PARENT_SECTION_OR_PORT_SPECIFIED,
            "sectionName or port must be unique when parentRefs includes 2 or more references to the same parent",
            RULE_PARENT_SECTION_OR_PORT_UNIQUE,
        )
    } else {
        (
            false,
            "sectionName must be specified when parentRefs includes 2 or more references to the same parent",
            RULE_PARENT_SECTION_SPECIFIED,
            "sectionName must be unique when parentRefs includes 2 or more references to the same parent",
            RULE_PARENT_SECTION_UNIQUE,
        )
    };
    let specified = refs.iter().all(|p1| {
        refs.iter().all(|p2| {
            !same_parent(p1, p2)
                || (blank(p1.section_name.as_deref()) == blank(p2.section_name.as_deref())
                    && (!ports || no_port(p1) == no_port(p2)))
        })
    });
    if !specified {
        report.cel(&p, "array", specified_message, specified_rule);
    }
    let unique = refs.iter().all(|p1| {
        refs.iter()
            .filter(|p2| {
                same_parent(p1, p2) && same_section(p1, p2) && (!ports || same_port(p1, p2))
            })
            .count()
            == 1
    });
    if !unique {
        report.cel(&p, "array", unique_message, unique_rule);
    }
}

/// The experimental rule on a route's `rules` list: every named rule's name occurs once
/// (HTTPRoute, GRPCRoute and the v1alpha2 L4 routes; the standard CRDs do not have it).
/// `names` yields each rule's `name` (None when unset); `path` is the `rules` list.
pub(crate) fn unique_rule_names<'a>(
    names: impl Iterator<Item = Option<&'a str>> + Clone,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    if cx.channel != Channel::Experimental {
        return;
    }
    // spec: <Route>Spec.Rules (experimental), "Rule name must be unique within the route".
    let short = names.size_hint().1.is_some_and(|n| n <= 64);
    let names = names.flatten();
    let ok = if short {
        names
            .clone()
            .enumerate()
            .all(|(i, n)| !names.clone().take(i).any(|m| m == n))
    } else {
        // An over-limit list (also reported as `Too many`): linear, not quadratic.
        let mut seen = std::collections::HashSet::new();
        names.into_iter().all(|n| seen.insert(n))
    };
    if !ok {
        report.cel(
            path,
            "array",
            "Rule name must be unique within the route",
            RULE_UNIQUE_RULE_NAME,
        );
    }
}

/// `x-kubernetes-list-type: set` of strings: no value repeated.
pub(crate) fn unique_strings<'a>(
    report: &mut Report,
    path: &Path<'_>,
    items: impl IntoIterator<Item = &'a str, IntoIter: Clone>,
) {
    report.unique(path, items, |s| quote(s));
}

/// An L4 route's rule (TLSRoute, TCPRoute, UDPRoute: the same shape in every version): an
/// optional name and 1 to 16 backends.
pub(crate) trait L4Rule: Validate {
    /// The rule's `name`.
    fn name(&self) -> Option<&str>;
}

/// Implements [`Validate`] for an L4 route's rule and status types, and [`L4Rule`] for the
/// rule.
macro_rules! l4_route_types {
    ($rule:ty, $status:ty) => {
        impl $crate::validate::Validate for $rule {
            fn validate(
                &self,
                cx: &$crate::validate::Context,
                path: &$crate::path::Path<'_>,
                report: &mut $crate::violation::Report,
            ) {
                $crate::validate::Validate::validate(&self.name, cx, &path.field("name"), report);
                let bp = path.field("backendRefs");
                report.min_items(&bp, self.backend_refs.len(), 1);
                report.max_items(&bp, self.backend_refs.len(), 16);
                $crate::validate::Validate::validate(&self.backend_refs, cx, &bp, report);
            }
        }

        impl $crate::kinds::route::L4Rule for $rule {
            fn name(&self) -> Option<&str> {
                self.name.as_deref()
            }
        }

        impl $crate::validate::Validate for $status {
            fn validate(
                &self,
                cx: &$crate::validate::Context,
                path: &$crate::path::Path<'_>,
                report: &mut $crate::violation::Report,
            ) {
                $crate::validate::Validate::validate(&self.route_status, cx, path, report);
            }
        }
    };
}
pub(crate) use l4_route_types;

/// The `rules` list of an L4 route at `path`: exactly one rule in v1; 1 to 16 in v1alpha2, whose
/// experimental CRDs also want unique rule names ("Rule name must be unique within the
/// route").
pub(crate) fn l4_rules<R: L4Rule>(
    rules: &[R],
    v1alpha2: bool,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    report.min_items(path, rules.len(), 1);
    report.max_items(path, rules.len(), if v1alpha2 { 16 } else { 1 });
    if v1alpha2 {
        unique_rule_names(rules.iter().map(L4Rule::name), cx, path, report);
    }
    for (i, r) in rules.iter().enumerate() {
        r.validate(cx, &path.index(i), report);
    }
}

impl Validate for SessionPersistence {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(n) = &self.session_name {
            report.max_length(&path.field("sessionName"), n, 128);
        }
        self.absolute_timeout
            .validate(cx, &path.field("absoluteTimeout"), report);
        if let Some(t) = &self.type_ {
            check_enum!(report, cx, &path.field("type"), t, SessionPersistenceType);
        }
        self.cookie_config
            .validate(cx, &path.field("cookieConfig"), report);
        // spec: SessionPersistence, "AbsoluteTimeout must be specified when cookie lifetimeType
        // is Permanent".
        let permanent = self.cookie_config.as_ref().is_some_and(|c| {
            c.lifetime_type
                .as_ref()
                .is_some_and(|l| l.as_str() == "Permanent")
        });
        if permanent && self.absolute_timeout.is_none() {
            report.cel(
                path,
                "object",
                "AbsoluteTimeout must be specified when cookie lifetimeType is Permanent",
                "!has(self.cookieConfig) || !has(self.cookieConfig.lifetimeType) || self.cookieConfig.lifetimeType != 'Permanent' || has(self.absoluteTimeout)",
            );
        }
        // spec: SessionPersistence, "cookieConfig can only be set with type Cookie". `type`
        // defaults to Cookie.
        let ty = self.type_.as_ref().map_or("Cookie", |t| t.as_str());
        if self.cookie_config.is_some() && ty != "Cookie" {
            report.cel(
                path,
                "object",
                "cookieConfig can only be set with type Cookie",
                "!has(self.cookieConfig) || self.type == 'Cookie'",
            );
        }
    }
}

impl Validate for CookieConfig {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(l) = &self.lifetime_type {
            check_enum!(
                report,
                cx,
                &path.field("lifetimeType"),
                l,
                CookieLifetimeType
            );
        }
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
            group: None,
            kind: None,
            namespace: None,
        }
    }

    // `..Default::default()` fills `useDefaultGateways` in experimental builds only.
    #[allow(clippy::needless_update)]
    fn messages(refs: Vec<ParentReference>, channel: Channel) -> Vec<String> {
        let spec = CommonRouteSpec {
            parent_refs: Some(refs),
            ..Default::default()
        };
        let mut r = Report::default();
        validate_common_route_spec(&spec, &Context::new(channel), &Path::ROOT, &mut r);
        r.violations.into_iter().map(|v| v.detail).collect()
    }

    #[test]
    fn a_parent_referenced_twice_needs_section_names_in_standard() {
        let m = messages(
            vec![parent("gw", None, None), parent("gw", Some("a"), None)],
            Channel::Standard,
        );
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("sectionName must be specified"));
        let m = messages(
            vec![parent("gw", Some("a"), None), parent("gw", Some("a"), None)],
            Channel::Standard,
        );
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("sectionName must be unique"));
        assert!(
            messages(
                vec![parent("gw", Some("a"), None), parent("gw", Some("b"), None)],
                Channel::Standard
            )
            .is_empty()
        );
    }

    #[test]
    fn ports_distinguish_parents_only_in_experimental() {
        let refs = vec![parent("gw", None, Some(80)), parent("gw", None, Some(443))];
        assert!(messages(refs.clone(), Channel::Experimental).is_empty());
        let m = messages(refs, Channel::Standard);
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("sectionName must be unique"));
    }

    #[test]
    fn one_missing_section_name_is_rejected_and_namespaces_distinguish_parents() {
        let m = messages(
            vec![parent("gw", None, None), parent("gw", None, None)],
            Channel::Standard,
        );
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("sectionName must be unique"));
        let mut a = parent("gw", None, None);
        let mut b = parent("gw", Some("x"), None);
        a.namespace = Some("n1".into());
        b.namespace = Some("n2".into());
        assert!(messages(vec![a, b], Channel::Standard).is_empty());
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
    fn rule_names_must_be_unique_in_experimental_only() {
        let names = [Some("a"), None, Some("a")];
        let (std, exp) = (
            Context::new(Channel::Standard),
            Context::new(Channel::Experimental),
        );
        let mut r = Report::default();
        unique_rule_names(names.into_iter(), &std, &Path::ROOT, &mut r);
        assert!(r.is_empty());
        unique_rule_names(
            [Some("a"), None, None].into_iter(),
            &exp,
            &Path::ROOT,
            &mut r,
        );
        unique_rule_names(
            [None, None, Some("b")].into_iter(),
            &exp,
            &Path::ROOT,
            &mut r,
        );
        assert!(r.is_empty());
        unique_rule_names(names.into_iter(), &exp, &Path::ROOT, &mut r);
        assert_eq!(r.violations.len(), 1);

        // Over-limit lists (checked through a hash set) give the same answers.
        let distinct: Vec<String> = (0..1000).map(|i| format!("r{i}")).collect();
        let mut long: Vec<Option<&str>> = distinct.iter().map(|n| Some(n.as_str())).collect();
        long.push(None);
        long.push(None);
        let mut r = Report::default();
        unique_rule_names(long.iter().copied(), &exp, &Path::ROOT, &mut r);
        assert!(r.is_empty());
        long.push(Some("r500"));
        unique_rule_names(long.iter().copied(), &exp, &Path::ROOT, &mut r);
        assert_eq!(r.violations.len(), 1);
    }
}
