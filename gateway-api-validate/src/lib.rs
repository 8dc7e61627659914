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
//! * [`validate()`]: an object as the API server stores it (defaults applied) — what an admission
//!   webhook or a controller holds;
//! * [`validate_manifest`]: an object as written in a manifest (prunes fields the channel does not
//!   define, applies defaults, then validates);
//! * [`validate_value`]: dynamic JSON of a known kind;
//! * [`validate_update`]: transition rules (`self == oldSelf`) between two versions of an object;
//! * [`validate_status`]: a status subresource update.
//!
//! What the API server does besides the rules, done here too:
//! * the channel decides what exists: with [`Channel::Standard`] the alpha versions (TLSRoute,
//!   TCPRoute and UDPRoute `v1alpha2`, TLSRoute and BackendTLSPolicy `v1alpha3`) are not served
//!   and the kinds of [`EXPERIMENTAL_GROUP`] are not defined, so every entry point reports one
//!   violation at `apiVersion` (see [`not_served`]) instead of checking the schema;
//! * the CEL rules run only when the schema validation found no blocking error (`Unsupported
//!   value`, `Required value`, `Too long`, `Too many`); otherwise they are replaced by the API
//!   server's notice [`CEL_NOT_CHECKED`] (see [`Report::skip_cel_when_blocked`]).
//!
//! [`Channel::Standard`]: gateway_api_types::Channel::Standard

#![forbid(unsafe_code)]

pub mod cel;
pub mod check;
pub mod kinds;
pub mod path;
pub mod patterns;
pub mod resolve;
pub mod shared;
pub mod validate;
pub mod violation;

use gateway_api_types::document::{Location, parse_value};
use gateway_api_types::{Channel, GatewayObject};

pub use path::Path;
pub use validate::{Context, Validate};
pub use violation::{CEL_NOT_CHECKED, Origin, Report, Violation, ViolationKind};

/// Calls `$body` with `$o` bound to the typed object of every Gateway API variant; `$other`
/// for everything else.
macro_rules! each_kind {
    ($obj:expr, |$o:ident| $body:expr, $other:expr) => {
        match $obj {
            GatewayObject::GatewayClass($o) => $body,
            GatewayObject::GatewayClassV1beta1($o) => $body,
            GatewayObject::TLSRoute($o) => $body,
            GatewayObject::TLSRouteV1alpha2($o) => $body,
            GatewayObject::TLSRouteV1alpha3($o) => $body,
            GatewayObject::TCPRoute($o) => $body,
            GatewayObject::TCPRouteV1alpha2($o) => $body,
            GatewayObject::UDPRoute($o) => $body,
            GatewayObject::UDPRouteV1alpha2($o) => $body,
            GatewayObject::ReferenceGrant($o) => $body,
            GatewayObject::ReferenceGrantV1beta1($o) => $body,
            GatewayObject::BackendTLSPolicy($o) => $body,
            GatewayObject::BackendTLSPolicyV1alpha3($o) => $body,
            #[cfg(feature = "experimental")]
            GatewayObject::XBackend($o) => $body,
            #[cfg(feature = "experimental")]
            GatewayObject::XBackendTrafficPolicy($o) => $body,
            #[cfg(feature = "experimental")]
            GatewayObject::XMesh($o) => $body,
            GatewayObject::HTTPRoute($o) => $body,
            GatewayObject::HTTPRouteV1beta1($o) => $body,
            GatewayObject::GRPCRoute($o) => $body,
            GatewayObject::Gateway($o) => $body,
            GatewayObject::GatewayV1beta1($o) => $body,
            GatewayObject::ListenerSet($o) => $body,
            _ => $other,
        }
    };
}

/// Validates the metadata every object needs: a name that is a DNS subdomain, worded as
/// apimachinery's `ValidateObjectMeta` words it (every failure is an `Invalid value`, which does
/// not keep the CEL rules from running; a missing name is `Required` and does).
fn validate_metadata(object: &GatewayObject, report: &mut Report) {
    let root = Path::ROOT;
    let meta = root.field("metadata");
    let name = meta.field("name");
    let Some(n) = object.metadata().name.as_deref().filter(|n| !n.is_empty()) else {
        report.push(
            &name,
            ViolationKind::Required,
            None,
            "name or generateName is required".into(),
            Origin::OpenApi,
        );
        return;
    };
    let mut invalid = |detail: String| {
        report.push(
            &name,
            ViolationKind::Invalid,
            Some(violation::quote(n)),
            detail,
            Origin::OpenApi,
        );
    };
    // k8s.io/apimachinery/pkg/util/validation: IsDNS1123Subdomain.
    if n.len() > 253 {
        invalid("must be no more than 253 characters".into());
    }
    if !patterns::DNS_SUBDOMAIN.is_match(n) {
        invalid(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into(),
        );
    }
}

/// The API group of the kinds that only the experimental channel installs (XBackend, XMesh,
/// XBackendTrafficPolicy...).
pub const EXPERIMENTAL_GROUP: &str = "gateway.networking.x-k8s.io";

/// Whether an API server with the CRDs of `channel` serves `kind` at `api_version`; when it
/// does not, the violation it amounts to (at `apiVersion`, [`ViolationKind::NotSupported`]).
///
/// The standard channel's CRDs list the alpha versions (TLSRoute, TCPRoute and UDPRoute
/// `v1alpha2`, TLSRoute and BackendTLSPolicy `v1alpha3`) without serving them, and do not
/// define the kinds of [`EXPERIMENTAL_GROUP`] at all. The API server answers such a request
/// with kubectl's `no matches for kind … in version …`.
///
/// ```
/// use gateway_api_types::Channel;
/// use gateway_api_validate::{ViolationKind, not_served};
///
/// let v = not_served("gateway.networking.k8s.io/v1alpha2", "TCPRoute", Channel::Standard)
///     .expect("v1alpha2 is not served in the standard channel");
/// assert_eq!((v.field.as_str(), v.kind), ("apiVersion", ViolationKind::NotSupported));
/// assert!(not_served("gateway.networking.k8s.io/v1alpha2", "TCPRoute", Channel::Experimental).is_none());
/// assert!(not_served("gateway.networking.k8s.io/v1", "TCPRoute", Channel::Standard).is_none());
/// ```
pub fn not_served(api_version: &str, kind: &str, channel: Channel) -> Option<Violation> {
    if channel != Channel::Standard {
        return None;
    }
    let (group, version) = api_version.split_once('/')?;
    let why = if group == EXPERIMENTAL_GROUP {
        format!(
            "the kind {kind} needs the experimental channel: the standard channel does not define it"
        )
    } else if group == "gateway.networking.k8s.io" && version.contains("alpha") {
        format!(
            "version {version} of {kind} is not served in the standard channel (only in the experimental channel)"
        )
    } else {
        return None;
    };
    Some(Violation {
        field: "apiVersion".into(),
        kind: ViolationKind::NotSupported,
        value: Some(violation::quote(api_version)),
        detail: format!("no matches for kind \"{kind}\" in version \"{api_version}\": {why}"),
        origin: Origin::ApiServer,
    })
}

/// [`not_served`] for an object, as a report (empty when the version is served).
fn served(object: &GatewayObject, channel: Channel) -> Result<(), Report> {
    match not_served(object.api_version(), object.kind(), channel) {
        None => Ok(()),
        Some(v) => Err(Report {
            violations: vec![v],
        }),
    }
}

/// Validates an object as the API server stores it (defaults applied, only fields of
/// `channel`): metadata name, and `spec` against every rule of its kind and version. A version
/// the channel does not serve gets one violation at `apiVersion` (see [`not_served`]) instead.
pub fn validate(object: &GatewayObject, channel: Channel) -> Report {
    if let Err(r) = served(object, channel) {
        return r;
    }
    let cx = Context::new(channel);
    let mut report = Report::default();
    validate_metadata(object, &mut report);
    let root = Path::ROOT;
    let spec = root.field("spec");
    each_kind!(object, |o| o.spec.validate(&cx, &spec, &mut report), ());
    report.skip_cel_when_blocked();
    report
}

/// Validates an object as written in a manifest: the fields `channel` does not define are
/// pruned (as the API server prunes them), CRD defaults are applied, then [`validate()`] runs.
/// A version the channel does not serve gets one violation at `apiVersion` (see [`not_served`]).
pub fn validate_manifest(object: &GatewayObject, channel: Channel) -> Report {
    if let Err(r) = served(object, channel) {
        return r;
    }
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

/// Validates dynamic JSON of a Gateway API kind: a version `channel` does not serve is reported
/// as by [`validate_manifest`], type errors become violations at their field, then
/// [`validate_manifest`] runs.
pub fn validate_value(value: &serde_json::Value, channel: Channel) -> Report {
    // Checked before parsing: a build without the `experimental` feature has no types for the
    // experimental-only kinds.
    let field = |name: &str| value.get(name).and_then(serde_json::Value::as_str);
    if let (Some(api_version), Some(kind)) = (field("apiVersion"), field("kind"))
        && let Some(v) = not_served(api_version, kind, channel)
    {
        return Report {
            violations: vec![v],
        };
    }
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
    if let Err(r) = served(new, channel) {
        return r;
    }
    let mut report = validate_manifest(new, channel);
    let root = Path::ROOT;
    let spec = root.field("spec");
    match (old, new) {
        (GatewayObject::GatewayClass(o), GatewayObject::GatewayClass(n)) => {
            kinds::gatewayclass::validate_update(&o.spec, &n.spec, &spec, &mut report)
        }
        (GatewayObject::GatewayClassV1beta1(o), GatewayObject::GatewayClassV1beta1(n)) => {
            kinds::gatewayclass::validate_update(&o.spec.0, &n.spec.0, &spec, &mut report)
        }
        #[cfg(feature = "experimental")]
        (GatewayObject::XMesh(o), GatewayObject::XMesh(n)) => {
            kinds::gatewayclass::validate_update(&o.spec, &n.spec, &spec, &mut report)
        }
        _ => {}
    }
    report.skip_cel_when_blocked();
    report
}

/// Validates a status subresource update: the status against its schema. As the API server
/// does for status updates, field paths are relative to `status` (`addresses[0].value`). A
/// version the channel does not serve gets one violation at `apiVersion` (see [`not_served`]).
pub fn validate_status(object: &GatewayObject, channel: Channel) -> Report {
    if let Err(r) = served(object, channel) {
        return r;
    }
    let cx = Context::new(channel);
    let mut report = Report::default();
    let root = Path::ROOT;
    match object {
        GatewayObject::GatewayClass(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::GatewayClassV1beta1(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::TLSRoute(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::TLSRouteV1alpha2(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::TLSRouteV1alpha3(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::TCPRoute(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::TCPRouteV1alpha2(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::UDPRoute(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::UDPRouteV1alpha2(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::BackendTLSPolicy(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::BackendTLSPolicyV1alpha3(o) => o.status.validate(&cx, &root, &mut report),
        #[cfg(feature = "experimental")]
        GatewayObject::XBackend(o) => o.status.validate(&cx, &root, &mut report),
        #[cfg(feature = "experimental")]
        GatewayObject::XBackendTrafficPolicy(o) => o.status.validate(&cx, &root, &mut report),
        #[cfg(feature = "experimental")]
        GatewayObject::XMesh(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::HTTPRoute(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::HTTPRouteV1beta1(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::GRPCRoute(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::Gateway(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::GatewayV1beta1(o) => o.status.validate(&cx, &root, &mut report),
        GatewayObject::ListenerSet(o) => o.status.validate(&cx, &root, &mut report),
        _ => {}
    }
    report.skip_cel_when_blocked();
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(api_version: &str, kind: &str, spec: serde_json::Value) -> GatewayObject {
        let v = json!({
            "apiVersion": api_version,
            "kind": kind,
            "metadata": {"name": "r", "namespace": "ns"},
            "spec": spec,
        });
        parse_value(v, &Location::default())
            .pop()
            .expect("one document")
            .expect("parses")
            .object
    }

    /// A spec that parses (not necessarily valid) for each alpha kind.
    fn alpha_spec(kind: &str) -> serde_json::Value {
        match kind {
            "BackendTLSPolicy" => json!({
                "targetRefs": [{"group": "", "kind": "Service", "name": "s"}],
                "validation": {"hostname": "example.com"},
            }),
            _ => json!({
                "hostnames": ["example.com"],
                "rules": [{"backendRefs": [{"name": "s"}]}],
            }),
        }
    }

    fn tcp_route(api_version: &str) -> GatewayObject {
        // Invalid as well (a Service backend without a port): not served wins.
        object(
            api_version,
            "TCPRoute",
            json!({"rules": [{"backendRefs": [{"name": "s"}]}]}),
        )
    }

    #[test]
    fn alpha_versions_are_not_served_in_standard() {
        let cases = [
            ("gateway.networking.k8s.io/v1alpha2", "TCPRoute"),
            ("gateway.networking.k8s.io/v1alpha2", "UDPRoute"),
            ("gateway.networking.k8s.io/v1alpha2", "TLSRoute"),
            ("gateway.networking.k8s.io/v1alpha3", "TLSRoute"),
            ("gateway.networking.k8s.io/v1alpha3", "BackendTLSPolicy"),
        ];
        for (api_version, kind) in cases {
            let o = object(api_version, kind, alpha_spec(kind));
            for report in [
                validate(&o, Channel::Standard),
                validate_manifest(&o, Channel::Standard),
                validate_status(&o, Channel::Standard),
                validate_update(&o, &o, Channel::Standard),
            ] {
                assert_eq!(report.violations.len(), 1, "{kind} {api_version}");
                let v = &report.violations[0];
                assert_eq!(v.field, "apiVersion");
                assert_eq!(v.kind, ViolationKind::NotSupported);
                assert_eq!(v.origin, Origin::ApiServer);
                assert!(
                    v.detail.contains(
                        "is not served in the standard channel (only in the experimental channel)"
                    ),
                    "{v}"
                );
            }
        }
        let r = validate_manifest(
            &tcp_route("gateway.networking.k8s.io/v1alpha2"),
            Channel::Standard,
        );
        assert_eq!(
            r.violations[0].to_string(),
            "apiVersion: Unsupported value: \"gateway.networking.k8s.io/v1alpha2\": no matches for kind \"TCPRoute\" in version \"gateway.networking.k8s.io/v1alpha2\": version v1alpha2 of TCPRoute is not served in the standard channel (only in the experimental channel)"
        );
    }

    #[test]
    fn served_versions_are_validated() {
        // v1 is served in both channels: the schema is checked.
        let r = validate_manifest(
            &tcp_route("gateway.networking.k8s.io/v1"),
            Channel::Standard,
        );
        assert_eq!(r.violations.len(), 1);
        assert!(r.violations[0].detail.contains("Must have port"), "{r:?}");
        assert!(
            not_served(
                "gateway.networking.k8s.io/v1beta1",
                "HTTPRoute",
                Channel::Standard
            )
            .is_none()
        );
        assert!(not_served("v1", "Service", Channel::Standard).is_none());
        // Every version is served in the experimental channel.
        for (api_version, kind) in [
            ("gateway.networking.k8s.io/v1alpha2", "TCPRoute"),
            ("gateway.networking.x-k8s.io/v1alpha1", "XBackend"),
        ] {
            assert!(not_served(api_version, kind, Channel::Experimental).is_none());
        }
        if cfg!(feature = "experimental") {
            let r = validate_manifest(
                &tcp_route("gateway.networking.k8s.io/v1alpha2"),
                Channel::Experimental,
            );
            assert_eq!(r.violations.len(), 1);
            assert!(r.violations[0].detail.contains("Must have port"), "{r:?}");
        }
    }

    #[test]
    fn experimental_group_kinds_need_the_experimental_channel() {
        let v = json!({
            "apiVersion": "gateway.networking.x-k8s.io/v1alpha1",
            "kind": "XMesh",
            "metadata": {"name": "m"},
            "spec": {"controllerName": "example.com/mesh"},
        });
        let r = validate_value(&v, Channel::Standard);
        assert_eq!(r.violations.len(), 1, "{r:?}");
        let violation = &r.violations[0];
        assert_eq!(violation.field, "apiVersion", "{violation}");
        assert_eq!(violation.kind, ViolationKind::NotSupported);
        assert!(
            violation
                .detail
                .ends_with("the kind XMesh needs the experimental channel: the standard channel does not define it"),
            "{violation}"
        );
        if cfg!(feature = "experimental") {
            assert!(validate_value(&v, Channel::Experimental).is_empty());
        }
    }

    fn details(r: &Report) -> Vec<String> {
        r.violations.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn blocking_schema_errors_skip_the_cel_rules() {
        let route = |backend: serde_json::Value| {
            object(
                "gateway.networking.k8s.io/v1",
                "TCPRoute",
                json!({"rules": [{"backendRefs": [backend]}]}),
            )
        };
        // A pattern violation is not blocking: the CEL rule still runs.
        let r = validate_manifest(
            &route(json!({"name": "s", "namespace": "NS"})),
            Channel::Standard,
        );
        assert_eq!(r.violations.len(), 2, "{r:?}");
        assert!(matches!(r.violations[1].origin, Origin::Cel(_)));
        // `Too long` is: the CEL violation is replaced by the API server's notice, last.
        let long = "s".repeat(254);
        let r = validate_manifest(&route(json!({"name": long})), Channel::Standard);
        assert_eq!(
            details(&r),
            [
                "spec.rules[0].backendRefs[0].name: Too long: may not be more than 253 bytes",
                "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
            ]
        );
        let mut again = r.clone();
        again.skip_cel_when_blocked();
        assert_eq!(again, r);
        // A missing name blocks as well; an invalid one does not.
        let mut o = route(json!({"name": "s"}));
        if let GatewayObject::TCPRoute(t) = &mut o {
            t.metadata.name = None;
        }
        let r = validate(&o, Channel::Standard);
        assert_eq!(r.violations.len(), 2, "{r:?}");
        assert_eq!(
            r.violations[0].to_string(),
            "metadata.name: Required value: name or generateName is required"
        );
        assert_eq!(r.violations[1].detail, CEL_NOT_CHECKED);
        if let GatewayObject::TCPRoute(t) = &mut o {
            t.metadata.name = Some(format!("{}.", "a".repeat(253)));
        }
        let r = validate(&o, Channel::Standard);
        assert_eq!(r.violations.len(), 3, "{r:?}");
        assert_eq!(
            r.violations[0].to_string(),
            format!(
                "metadata.name: Invalid value: \"{}.\": must be no more than 253 characters",
                "a".repeat(253)
            )
        );
        assert!(
            r.violations[1]
                .detail
                .starts_with("a lowercase RFC 1123 subdomain")
        );
        assert!(r.violations[2].detail.contains("Must have port"));
    }

    #[test]
    fn blocking_schema_errors_skip_the_transition_rules() {
        let class = |controller: &str, description: &str| {
            parse_value(
                json!({
                    "apiVersion": "gateway.networking.k8s.io/v1",
                    "kind": "GatewayClass",
                    "metadata": {"name": "c"},
                    "spec": {"controllerName": controller, "description": description},
                }),
                &Location::default(),
            )
            .pop()
            .expect("one document")
            .expect("parses")
            .object
        };
        let old = class("example.com/a", "");
        let r = validate_update(&old, &class("example.com/b", ""), Channel::Standard);
        assert_eq!(
            details(&r),
            ["spec.controllerName: Invalid value: \"string\": Value is immutable"]
        );
        let r = validate_update(
            &old,
            &class("example.com/b", &"d".repeat(65)),
            Channel::Standard,
        );
        assert_eq!(
            details(&r),
            [
                "spec.description: Too long: may not be more than 64 bytes",
                &format!("Invalid value: \"null\": {CEL_NOT_CHECKED}"),
            ]
        );
    }
}
