//! Validation of the types in `gateway_api_types::shared`: the validated string types,
//! references, parent references, backend references, route status and conditions.

use gateway_api_types::conditions::Condition;
use gateway_api_types::shared::*;

use crate::check::map_key;
use crate::path::Path;
use crate::patterns;
use crate::validate::{Context, Validate};
use crate::violation::Report;
use crate::{check_enum, pattern};

/// Implements [`Validate`] for a string newtype with its OpenAPI constraints.
macro_rules! string_rules {
    ($ty:ty, min = $min:expr, max = $max:expr, pattern = $pat:expr) => {
        impl Validate for $ty {
            fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
                report.string(path, self.as_str(), $min, $max, $pat);
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use string_rules;

string_rules!(
    Hostname,
    min = Some(1),
    max = Some(253),
    pattern = Some(patterns::HOSTNAME)
);
string_rules!(
    PreciseHostname,
    min = Some(1),
    max = Some(253),
    pattern = Some(patterns::DNS_SUBDOMAIN)
);
string_rules!(
    AbsoluteUri,
    min = Some(1),
    max = Some(253),
    pattern = Some(pattern!(
        r"^(([^:/?#]+):)(//([^/?#]*))([^?#]*)(\?([^#]*))?(#(.*))?"
    ))
);
string_rules!(
    CorsOrigin,
    min = Some(1),
    max = Some(253),
    pattern = Some(pattern!(
        r"(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)"
    ))
);
string_rules!(
    Group,
    min = None,
    max = Some(253),
    pattern = Some(patterns::GROUP)
);
string_rules!(
    Kind,
    min = Some(1),
    max = Some(63),
    pattern = Some(patterns::KIND)
);
string_rules!(ObjectName, min = Some(1), max = Some(253), pattern = None);
string_rules!(
    Namespace,
    min = Some(1),
    max = Some(63),
    pattern = Some(patterns::DNS_LABEL)
);
string_rules!(
    SectionName,
    min = Some(1),
    max = Some(253),
    pattern = Some(patterns::DNS_SUBDOMAIN)
);
string_rules!(
    GatewayController,
    min = Some(1),
    max = Some(253),
    pattern = Some(pattern!(
        r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$"
    ))
);
string_rules!(
    AnnotationKey,
    min = Some(1),
    max = Some(253),
    pattern = Some(pattern!(
        r"^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"
    ))
);
string_rules!(
    AnnotationValue,
    min = Some(0),
    max = Some(4096),
    pattern = None
);
string_rules!(
    LabelKey,
    min = Some(1),
    max = Some(253),
    pattern = Some(pattern!(
        r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"
    ))
);
string_rules!(
    LabelValue,
    min = Some(0),
    max = Some(63),
    pattern = Some(pattern!(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"))
);
string_rules!(
    AddressType,
    min = Some(1),
    max = Some(253),
    pattern = Some(pattern!(
        r"^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$"
    ))
);
string_rules!(
    HeaderName,
    min = Some(1),
    max = Some(256),
    pattern = Some(patterns::HEADER_NAME)
);
string_rules!(
    Duration,
    min = None,
    max = None,
    pattern = Some(pattern!(r"^([0-9]{1,5}(h|m|s|ms)){1,4}$"))
);

/// A port number field (`minimum: 1`, `maximum: 65535`).
pub(crate) fn port(report: &mut Report, path: &Path<'_>, port: Option<PortNumber>) {
    if let Some(p) = port {
        report.range(path, i64::from(p), Some(1), Some(65535));
    }
}

impl Validate for ParentReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.namespace
            .validate(cx, &path.field("namespace"), report);
        self.name.validate(cx, &path.field("name"), report);
        self.section_name
            .validate(cx, &path.field("sectionName"), report);
        port(report, &path.field("port"), self.port);
    }
}

impl Validate for LocalObjectReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.name.validate(cx, &path.field("name"), report);
    }
}

impl Validate for SecretObjectReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.name.validate(cx, &path.field("name"), report);
        self.namespace
            .validate(cx, &path.field("namespace"), report);
    }
}

impl Validate for ObjectReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.name.validate(cx, &path.field("name"), report);
        self.namespace
            .validate(cx, &path.field("namespace"), report);
    }
}

/// CEL rule of `BackendObjectReference`.
pub(crate) const RULE_SERVICE_PORT: &str =
    "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true";

impl Validate for BackendObjectReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        self.name.validate(cx, &path.field("name"), report);
        self.namespace
            .validate(cx, &path.field("namespace"), report);
        port(report, &path.field("port"), self.port);
        // spec: BackendObjectReference, "Must have port for Service reference". `group` and
        // `kind` are defaulted ("" and "Service") before validation.
        let group = self.group.as_deref().unwrap_or("");
        let kind = self.kind.as_deref().unwrap_or("Service");
        if group.is_empty() && kind == "Service" && self.port.is_none() {
            report.cel(
                path,
                "object",
                "Must have port for Service reference",
                RULE_SERVICE_PORT,
            );
        }
    }
}

impl Validate for BackendRef {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.backend_ref.validate(cx, path, report);
        if let Some(w) = self.weight {
            report.range(
                &path.field("weight"),
                i64::from(w),
                Some(0),
                Some(1_000_000),
            );
        }
    }
}

impl Validate for Fraction {
    fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
        report.range(
            &path.field("numerator"),
            i64::from(self.numerator),
            Some(0),
            None,
        );
        if let Some(d) = self.denominator {
            report.range(&path.field("denominator"), i64::from(d), Some(1), None);
        }
        // spec: Fraction, "numerator must be less than or equal to denominator".
        if self.numerator > self.denominator.unwrap_or(100) {
            report.cel(
                path,
                "object",
                "numerator must be less than or equal to denominator",
                "self.numerator <= self.denominator",
            );
        }
    }
}

impl Validate for GatewayDefaultScope {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        check_enum!(report, cx, path, self, GatewayDefaultScope);
    }
}

/// The `metav1.Condition` constraints of a status `conditions` list.
pub(crate) fn conditions(
    report: &mut Report,
    path: &Path<'_>,
    list: &[Condition],
    min: Option<usize>,
    max: usize,
) {
    if let Some(min) = min {
        report.min_items(path, list.len(), min);
    }
    report.max_items(path, list.len(), max);
    for (i, c) in list.iter().enumerate() {
        let p = path.index(i);
        report.max_length(&p.field("message"), &c.message, 32768);
        if let Some(g) = c.observed_generation {
            report.range(&p.field("observedGeneration"), g, Some(0), None);
        }
        report.string(
            &p.field("reason"),
            &c.reason,
            Some(1),
            Some(1024),
            Some(pattern!(r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")),
        );
        report.one_of(&p.field("status"), &c.status, ["True", "False", "Unknown"]);
        report.string(&p.field("type"), &c.type_, None, Some(316),
            Some(pattern!(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")));
    }
    report.unique(path, list.iter().map(|c| c.type_.as_str()), |t| {
        map_key(&[("type", t)])
    });
}

impl Validate for RouteParentStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.parent_ref
            .validate(cx, &path.field("parentRef"), report);
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

impl Validate for RouteStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let p = path.field("parents");
        report.max_items(&p, self.parents.len(), 32);
        self.parents.validate(cx, &p, report);
    }
}
