//! Violations, worded as the API server words them.
//!
//! The text of a [`Violation`] follows apimachinery's `field.Error`: `<field>: <type>: <detail>`,
//! e.g. `spec.hostnames[0]: Invalid value: "Foo": spec.hostnames[0] in body should match '…'` or
//! `spec.rules: Invalid value: "array": <CEL rule message>`, so tools that match on the API
//! server's messages match on ours.

use std::fmt;

use crate::path::Path;

/// The kind of a violation (apimachinery `field.ErrorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A required field is missing (`Required value`).
    Required,
    /// A value breaks a constraint: a pattern, a bound, a format or a CEL rule (`Invalid value`).
    Invalid,
    /// A value is not one of the enum's values (`Unsupported value`).
    NotSupported,
    /// A string is longer than allowed (`Too long`).
    TooLong,
    /// A list has more items than allowed (`Too many`).
    TooMany,
    /// A list entry repeats the key of another (`Duplicate value`).
    Duplicate,
    /// A field may not be set (`Forbidden`).
    Forbidden,
}

impl ViolationKind {
    /// The API server's wording of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::Required => "Required value",
            ViolationKind::Invalid => "Invalid value",
            ViolationKind::NotSupported => "Unsupported value",
            ViolationKind::TooLong => "Too long",
            ViolationKind::TooMany => "Too many",
            ViolationKind::Duplicate => "Duplicate value",
            ViolationKind::Forbidden => "Forbidden",
        }
    }
}

/// Which kind of upstream rule a violation comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// An OpenAPI constraint of the CRD schema (type, pattern, bound, enum, required...).
    OpenApi,
    /// A CEL rule (`x-kubernetes-validations`) of the CRD; holds the rule's text.
    Cel(&'static str),
    /// The API server itself rather than a rule of the schema: a version the channel's CRDs do
    /// not serve, or CEL rules left unchecked because the schema validation already failed.
    ApiServer,
}

/// One violation: where, what kind, and the detail.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Violation {
    /// Field path in Kubernetes form (`spec.rules[0].matches[1].path.value`).
    pub field: String,
    /// The kind of violation.
    pub kind: ViolationKind,
    /// The offending value as the API server renders it (`"Foo"`, `17`, `"object"`), if any.
    pub value: Option<String>,
    /// What is wrong (upstream's message for CEL rules).
    pub detail: String,
    /// The rule behind it.
    pub origin: Origin,
}

impl Violation {
    /// The text after the field path (`Invalid value: "Foo": …`).
    pub fn body(&self) -> String {
        let mut s = self.kind.as_str().to_string();
        if let Some(v) = &self.value {
            s.push_str(": ");
            s.push_str(v);
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.body())
        } else {
            write!(f, "{}: {}", self.field, self.body())
        }
    }
}

/// Renders a string value as the API server does in messages (Go `%q`-like quoting).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Collects violations during a validation walk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Every violation found, in walk order.
    pub violations: Vec<Violation>,
}

/// What the API server reports when it did not evaluate the CEL rules because the schema
/// validation already failed with a blocking error (see [`Report::skip_cel_when_blocked`]).
pub const CEL_NOT_CHECKED: &str = "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

impl ViolationKind {
    /// Whether a schema violation of this kind keeps the API server from evaluating the CEL
    /// rules: apiextensions-apiserver's `hasBlockingErr` (`pkg/registry/customresource/
    /// strategy.go`) stops at `NotSupported`, `Required`, `TooLong`, `TooMany` and
    /// `TypeInvalid` (a wrong JSON type, a parse error here).
    pub fn blocks_cel(self) -> bool {
        matches!(
            self,
            ViolationKind::NotSupported
                | ViolationKind::Required
                | ViolationKind::TooLong
                | ViolationKind::TooMany
        )
    }
}

impl Report {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// Applies the API server's order of validation: the CEL rules (transition rules included)
    /// run only when the schema validation (OpenAPI constraints, object metadata, list keys)
    /// found no blocking error ([`ViolationKind::blocks_cel`]). Otherwise the CEL violations
    /// are dropped and one violation saying so ([`CEL_NOT_CHECKED`], at the object, as the API
    /// server's `field.Invalid(nil, nil, …)`) ends the report. Applying it twice changes
    /// nothing.
    pub fn skip_cel_when_blocked(&mut self) {
        let blocked = self
            .violations
            .iter()
            .any(|v| v.origin == Origin::OpenApi && v.kind.blocks_cel());
        if !blocked {
            return;
        }
        self.violations
            .retain(|v| !matches!(v.origin, Origin::Cel(_)));
        if !self.violations.iter().any(|v| v.detail == CEL_NOT_CHECKED) {
            self.violations.push(Violation {
                field: String::new(),
                kind: ViolationKind::Invalid,
                value: Some(quote("null")),
                detail: CEL_NOT_CHECKED.to_string(),
                origin: Origin::ApiServer,
            });
        }
    }

    /// Records a violation.
    pub fn push(
        &mut self,
        path: &Path<'_>,
        kind: ViolationKind,
        value: Option<String>,
        detail: String,
        origin: Origin,
    ) {
        self.violations.push(Violation {
            field: path.to_string(),
            kind,
            value,
            detail,
            origin,
        });
    }

    /// `Required value`.
    pub fn required(&mut self, path: &Path<'_>) {
        self.push(
            path,
            ViolationKind::Required,
            None,
            String::new(),
            Origin::OpenApi,
        );
    }

    /// A failed CEL rule on a value of OpenAPI type `type_name` (`object`, `array`, `string`,
    /// `integer`): `Invalid value: "object": <message>`.
    pub fn cel(&mut self, path: &Path<'_>, type_name: &str, message: &str, rule: &'static str) {
        self.push(
            path,
            ViolationKind::Invalid,
            Some(quote(type_name)),
            message.to_string(),
            Origin::Cel(rule),
        );
    }

    /// A CEL rule whose evaluation fails (for example `no such key`) rejects the object too;
    /// the API server reports `<error> evaluating rule: <message>`.
    pub fn cel_error(
        &mut self,
        path: &Path<'_>,
        type_name: &str,
        error: &str,
        message: &str,
        rule: &'static str,
    ) {
        self.push(
            path,
            ViolationKind::Invalid,
            Some(quote(type_name)),
            format!("{error} evaluating rule: {message}"),
            Origin::Cel(rule),
        );
    }
}
