//! Validation of Kubernetes Gateway API objects, identical to what an API server with
//! upstream's CRDs (v1.6.1) accepts and rejects — natively in Rust, without a CEL interpreter or
//! a JSON Schema engine at run time.
//!
//! Every OpenAPI constraint (pattern, length, bound, enum, item count, list keys) and every CEL
//! rule (`x-kubernetes-validations`) of every kind and served version is a Rust check that
//! reports a [`Violation`] with the field path in Kubernetes form and the API server's wording,
//! upstream's message included. All violations are reported, not only the first.
//!
//! ```
//! use gateway_api_types::{Channel, parse_documents};
//!
//! let yaml = r#"
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: GatewayClass
//! metadata: {name: example}
//! spec:
//!   controllerName: not-a-domain-path
//!   description: fine
//! "#;
//! let doc = parse_documents("class.yaml", yaml).remove(0).unwrap();
//! let report = gateway_api_validate::validate_manifest(&doc.object, Channel::Standard);
//! assert_eq!(report.violations.len(), 1);
//! assert_eq!(report.violations[0].field, "spec.controllerName");
//! assert!(report.violations[0].to_string().contains("in body should match"));
//! ```
//!
//! Entry points:
//! * [`validate`]: an object as the API server stores it (defaults applied) — what an admission
//!   webhook or a controller holds;
//! * [`validate_manifest`]: an object as written in a manifest (prunes fields the channel does not
//!   define, applies defaults, then validates);
//! * [`validate_value`]: dynamic JSON of a known kind;
//! * [`validate_update`]: transition rules (`self == oldSelf`) between two versions of an object;
//! * [`validate_status`]: a status subresource update.

#![forbid(unsafe_code)]

pub mod check;
pub mod kinds;
pub mod path;
pub mod resolve;
pub mod shared;
pub mod validate;
pub mod violation;

use gateway_api_types::document::{Location, parse_value};
use gateway_api_types::{Channel, GatewayObject};

pub use path::Path;
pub use validate::{Context, Validate};
pub use violation::{Origin, Report, Violation, ViolationKind};

/// Calls `$body` with `$o` bound to the typed object of every Gateway API variant; `$other`
/// for everything else.
macro_rules! each_kind {
    ($obj:expr, |$o:ident| $body:expr, $other:expr) => {
        match $obj {
            GatewayObject::GatewayClass($o) => $body,
            GatewayObject::GatewayClassV1beta1($o) => $body,
            _ => $other,
        }
    };
}

/// Validates the metadata every object needs: a name that is a DNS subdomain.
fn validate_metadata(object: &GatewayObject, report: &mut Report) {
    let root = Path::ROOT;
    let meta = root.field("metadata");
    let name = meta.field("name");
    match object.metadata().name.as_deref() {
        None | Some("") => report.required(&name),
        Some(n) => report.string(
            &name,
            n,
            None,
            Some(253),
            Some(pattern!(
                r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
            )),
        ),
    }
}

/// Validates an object as the API server stores it (defaults applied, only fields of
/// `channel`): metadata name, and `spec` against every rule of its kind and version.
pub fn validate(object: &GatewayObject, channel: Channel) -> Report {
    let cx = Context::new(channel);
    let mut report = Report::default();
    validate_metadata(object, &mut report);
    let root = Path::ROOT;
    let spec = root.field("spec");
    each_kind!(object, |o| o.spec.validate(&cx, &spec, &mut report), ());
    report
}

/// Validates an object as written in a manifest: the fields `channel` does not define are
/// pruned (as the API server prunes them), CRD defaults are applied, then [`validate`] runs.
pub fn validate_manifest(object: &GatewayObject, channel: Channel) -> Report {
    match object.normalized(channel) {
        Ok(o) => validate(&o, channel),
        Err(e) => {
            let mut report = Report::default();
            report.push(
                &Path::ROOT,
                ViolationKind::Invalid,
                None,
                e.to_string(),
                Origin::OpenApi,
            );
            report
        }
    }
}

/// Validates dynamic JSON of a Gateway API kind: type errors become violations at their field,
/// then [`validate_manifest`] runs.
pub fn validate_value(value: &serde_json::Value, channel: Channel) -> Report {
    let mut report = Report::default();
    for doc in parse_value(value.clone(), &Location::default()) {
        match doc {
            Ok(d) => report
                .violations
                .extend(validate_manifest(&d.object, channel).violations),
            Err(e) => {
                let field = match &e.kind {
                    gateway_api_types::document::DocumentErrorKind::Field(f) => f.field.clone(),
                    _ => String::new(),
                };
                report.violations.push(Violation {
                    field,
                    kind: ViolationKind::Invalid,
                    value: None,
                    detail: e.kind.to_string(),
                    origin: Origin::OpenApi,
                });
            }
        }
    }
    report
}

/// Validates an update: the new object as [`validate_manifest`] does, plus the transition
/// rules (`self == oldSelf`) between `old` and `new`.
pub fn validate_update(old: &GatewayObject, new: &GatewayObject, channel: Channel) -> Report {
    let mut report = validate_manifest(new, channel);
    let root = Path::ROOT;
    let spec = root.field("spec");
    match (old, new) {
        (GatewayObject::GatewayClass(o), GatewayObject::GatewayClass(n)) => {
            kinds::gatewayclass::validate_update(&o.spec, &n.spec, &spec, &mut report)
        }
        (GatewayObject::GatewayClassV1beta1(o), GatewayObject::GatewayClassV1beta1(n)) => {
            kinds::gatewayclass::validate_update(&o.spec, &n.spec, &spec, &mut report)
        }
        _ => {}
    }
    report
}

/// Validates a status subresource update: the status against its schema. As the API server
/// does for status updates, field paths are relative to `status` (`addresses[0].value`).
pub fn validate_status(object: &GatewayObject, channel: Channel) -> Report {
    let cx = Context::new(channel);
    let mut report = Report::default();
    let root = Path::ROOT;
    match object {
        GatewayObject::GatewayClass(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::GatewayClassV1beta1(o) => o.status.validate(&cx, &root, &mut report),
        _ => {}
    }
    report
}
