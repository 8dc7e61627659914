//! Gateway (v1, v1beta1) and the listener types ListenerSet reuses.
//! spec: `apis/v1/gateway_types.go`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use gateway_api_types::conditions::Condition;
use gateway_api_types::shared::{AddressType, Hostname, PortNumber, SectionName};
use gateway_api_types::v1::{
    AllowedListeners, AllowedRoutes, FromNamespaces, FrontendTLSConfig, FrontendTLSValidation,
    FrontendValidationModeType, GatewayBackendTLS, GatewayInfrastructure, GatewaySpec,
    GatewaySpecAddress, GatewayStatus, GatewayStatusAddress, GatewayTLSConfig, Listener,
    ListenerNamespaces, ListenerStatus, ListenerTLSConfig, LocalParametersReference, ProtocolType,
    RouteGroupKind, RouteNamespaces, TLSConfig, TLSModeType, TLSPortConfig,
};
use gateway_api_types::v1beta1;

use crate::check::{Pattern, map_key};
use crate::path::Path;
use crate::shared::{conditions, port};
use crate::validate::{Context, Validate};
use crate::violation::{Origin, Report, ViolationKind, quote};
use crate::{check_enum, pattern};

// ---------------------------------------------------------------------------------------------
// Rule texts (shared by Gateway and ListenerSet where the CRDs share them).

/// CEL rule on `listeners`: no TLS for HTTP, TCP and UDP.
pub(crate) const RULE_TLS_NOT_FOR_PLAIN: &str =
    "self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)";
/// CEL rule on `listeners`: HTTPS terminates TLS.
pub(crate) const RULE_HTTPS_TERMINATE: &str = "self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true)";
/// CEL rule on `listeners`: TLS needs a TLS mode.
pub(crate) const RULE_TLS_MODE_SET: &str =
    "self.all(l, (l.protocol == 'TLS' ? has(l.tls) && has(l.tls.mode) && l.tls.mode != '' : true))";
/// CEL rule on `listeners`: no hostname for TCP and UDP.
pub(crate) const RULE_NO_HOSTNAME_TCP_UDP: &str =
    "self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true)";
/// CEL rule on `listeners`: unique names.
pub(crate) const RULE_UNIQUE_NAMES: &str = "self.all(l1, self.exists_one(l2, l1.name == l2.name))";
/// CEL rule on Gateway `listeners`: unique port, protocol and hostname.
pub(crate) const RULE_GATEWAY_UNIQUE_COMBINATION: &str = "self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))";
/// CEL rule on `ListenerTLSConfig`.
pub(crate) const RULE_TERMINATE_NEEDS_CERTS: &str =
    "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true";
const MSG_TERMINATE_NEEDS_CERTS: &str =
    "certificateRefs or options must be specified when mode is Terminate";

const RULE_UNIQUE_IP_ADDRESSES: &str = "self.all(a1, a1.type == 'IPAddress' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )";
const RULE_UNIQUE_HOSTNAMES: &str = "self.all(a1, a1.type == 'Hostname'  && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )";
const RULE_SPEC_ADDRESS_HOSTNAME: &str = r#"self.type == 'Hostname' ? (!has(self.value) || self.value.matches(r"""^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$""")): true"#;
const RULE_STATUS_ADDRESS_HOSTNAME: &str = r#"self.type == 'Hostname' ? self.value.matches(r"""^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"""): true"#;
const RULE_KEY_FORMAT: &str = r#"self.all(key, key.matches(r"""^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"""))"#;
const RULE_KEY_PREFIX_LENGTH: &str = r#"self.all(key, key.split("/")[0].size() < 253)"#;
const RULE_UNIQUE_TLS_PORTS: &str = "self.all(t1, self.exists_one(t2, t1.port == t2.port))";

/// The hostname regex of the address rules (CEL `matches`: an RE2 search).
fn address_hostname() -> Pattern {
    crate::patterns::HOSTNAME
}

/// The label/annotation key regex of the infrastructure rules.
fn qualified_key() -> Pattern {
    pattern!(
        r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"
    )
}

// ---------------------------------------------------------------------------------------------
// Listeners (shared with ListenerSet).

impl Validate for ProtocolType {
    fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
        report.string(
            path,
            self.as_str(),
            Some(1),
            Some(255),
            Some(pattern!(
                r"^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$"
            )),
        );
    }
}

/// The fields of one listener, as the `listeners` array rules see them (a Gateway
/// [`Listener`] or a ListenerSet `ListenerEntry`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ListenerView<'a> {
    /// `name`.
    pub name: &'a SectionName,
    /// `hostname`.
    pub hostname: Option<&'a Hostname>,
    /// `port`.
    pub port: PortNumber,
    /// `protocol`.
    pub protocol: &'a ProtocolType,
    /// `tls`.
    pub tls: Option<&'a ListenerTLSConfig>,
    /// `allowedRoutes`.
    pub allowed_routes: Option<&'a AllowedRoutes>,
}

impl<'a> From<&'a Listener> for ListenerView<'a> {
    fn from(l: &'a Listener) -> Self {
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

/// The TLS mode after defaulting (`Terminate` when unset).
fn tls_mode(tls: &ListenerTLSConfig) -> &str {
    tls.mode.as_ref().map_or("Terminate", TLSModeType::as_str)
}

/// The OpenAPI constraints of one listener's fields (and the rule on its `tls`).
pub(crate) fn validate_listener(
    cx: &Context,
    l: &ListenerView<'_>,
    path: &Path<'_>,
    report: &mut Report,
) {
    l.name.validate(cx, &path.field("name"), report);
    if let Some(h) = l.hostname {
        h.validate(cx, &path.field("hostname"), report);
    }
    port(report, &path.field("port"), Some(l.port));
    l.protocol.validate(cx, &path.field("protocol"), report);
    if let Some(tls) = l.tls {
        tls.validate(cx, &path.field("tls"), report);
    }
    if let Some(routes) = l.allowed_routes {
        routes.validate(cx, &path.field("allowedRoutes"), report);
    }
}

/// The `listeners` list: item count, unique names (`list-type: map`), every item, and the CEL
/// rules on the list. `combination_rule` is the port/protocol/hostname rule's text, which
/// differs between Gateway and ListenerSet (same semantics once `port` is required).
pub(crate) fn validate_listeners(
    cx: &Context,
    listeners: &[ListenerView<'_>],
    path: &Path<'_>,
    report: &mut Report,
    combination_rule: &'static str,
) {
    report.min_items(path, listeners.len(), 1);
    report.max_items(path, listeners.len(), 64);
    for (i, l) in listeners.iter().enumerate() {
        validate_listener(cx, l, &path.index(i), report);
    }
    report.unique(path, listeners.iter().map(|l| l.name.as_str()), |n| {
        map_key(&[("name", n)])
    });

    fn protocol<'a>(l: &ListenerView<'a>) -> &'a str {
        l.protocol.as_str()
    }
    // spec: Listener, "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']".
    if listeners
        .iter()
        .any(|l| matches!(protocol(l), "HTTP" | "TCP" | "UDP") && l.tls.is_some())
    {
        report.cel(
            path,
            "array",
            "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
            RULE_TLS_NOT_FOR_PLAIN,
        );
    }
    // spec: Listener, "tls mode must be Terminate for protocol HTTPS". `mode` is defaulted.
    if listeners.iter().any(|l| {
        protocol(l) == "HTTPS"
            && l.tls
                .is_some_and(|t| !matches!(tls_mode(t), "" | "Terminate"))
    }) {
        report.cel(
            path,
            "array",
            "tls mode must be Terminate for protocol HTTPS",
            RULE_HTTPS_TERMINATE,
        );
    }
    // spec: Listener, "tls mode must be set for protocol TLS".
    if listeners
        .iter()
        .any(|l| protocol(l) == "TLS" && l.tls.is_none_or(|t| tls_mode(t).is_empty()))
    {
        report.cel(
            path,
            "array",
            "tls mode must be set for protocol TLS",
            RULE_TLS_MODE_SET,
        );
    }
    // spec: Listener, "hostname must not be specified for protocols ['TCP', 'UDP']".
    if listeners.iter().any(|l| {
        matches!(protocol(l), "TCP" | "UDP") && l.hostname.is_some_and(|h| !h.as_str().is_empty())
    }) {
        report.cel(
            path,
            "array",
            "hostname must not be specified for protocols ['TCP', 'UDP']",
            RULE_NO_HOSTNAME_TCP_UDP,
        );
    }
    // spec: Listener, "Listener name must be unique within the Gateway" (`exists_one`: a
    // listener matches itself, so any repetition fails).
    let repeated = |same: &dyn Fn(&ListenerView<'_>, &ListenerView<'_>) -> bool| {
        listeners
            .iter()
            .enumerate()
            .any(|(i, a)| listeners[i + 1..].iter().any(|b| same(a, b)))
    };
    if repeated(&|a, b| a.name == b.name) {
        report.cel(
            path,
            "array",
            "Listener name must be unique within the Gateway",
            RULE_UNIQUE_NAMES,
        );
    }
    // spec: Listener, "Combination of port, protocol and hostname must be unique for each
    // listener". `has(hostname)` is true for an empty hostname too.
    if repeated(&|a, b| {
        a.port == b.port
            && a.protocol == b.protocol
            && a.hostname.map(Hostname::as_str) == b.hostname.map(Hostname::as_str)
    }) {
        report.cel(
            path,
            "array",
            "Combination of port, protocol and hostname must be unique for each listener",
            combination_rule,
        );
    }
}

impl Validate for ListenerTLSConfig {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(mode) = &self.mode {
            check_enum!(report, cx, &path.field("mode"), mode, TLSModeType);
        }
        if let Some(refs) = &self.certificate_refs {
            let p = path.field("certificateRefs");
            report.max_items(&p, refs.len(), 64);
            refs.validate(cx, &p, report);
        }
        if let Some(options) = &self.options {
            let p = path.field("options");
            report.max_items(&p, options.len(), 16);
            for (k, v) in options {
                v.validate(cx, &p.field(k.as_str()), report);
            }
        }
        // spec: ListenerTLSConfig, "certificateRefs or options must be specified when mode is
        // Terminate". `size()` of an absent field is a "no such key" error; CEL's `||` lets a
        // true side win over an error and reports the left error first.
        if tls_mode(self) == "Terminate" {
            let certs = self.certificate_refs.as_ref().map(|c| !c.is_empty());
            let options = self.options.as_ref().map(|o| !o.is_empty());
            match (certs, options) {
                (Some(true), _) | (_, Some(true)) => {}
                (Some(false), Some(false)) => report.cel(
                    path,
                    "object",
                    MSG_TERMINATE_NEEDS_CERTS,
                    RULE_TERMINATE_NEEDS_CERTS,
                ),
                (None, _) => report.cel_error(
                    path,
                    "object",
                    "no such key: certificateRefs",
                    MSG_TERMINATE_NEEDS_CERTS,
                    RULE_TERMINATE_NEEDS_CERTS,
                ),
                (Some(false), None) => report.cel_error(
                    path,
                    "object",
                    "no such key: options",
                    MSG_TERMINATE_NEEDS_CERTS,
                    RULE_TERMINATE_NEEDS_CERTS,
                ),
            }
        }
    }
}

impl Validate for AllowedRoutes {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.namespaces
            .validate(cx, &path.field("namespaces"), report);
        if let Some(kinds) = &self.kinds {
            let p = path.field("kinds");
            report.max_items(&p, kinds.len(), 8);
            kinds.validate(cx, &p, report);
        }
    }
}

impl Validate for RouteNamespaces {
    fn validate(&self, _cx: &Context, path: &Path<'_>, report: &mut Report) {
        // `None` is a `FromNamespaces` value, but not one Routes may use.
        if let Some(from) = &self.from {
            report.one_of(
                &path.field("from"),
                from.as_str(),
                ["All", "Selector", "Same"],
            );
        }
    }
}

impl Validate for RouteGroupKind {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway spec.

impl Validate for GatewaySpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.gateway_class_name
            .validate(cx, &path.field("gatewayClassName"), report);
        let views: Vec<ListenerView<'_>> = self.listeners.iter().map(ListenerView::from).collect();
        validate_listeners(
            cx,
            &views,
            &path.field("listeners"),
            report,
            RULE_GATEWAY_UNIQUE_COMBINATION,
        );
        if let Some(addresses) = &self.addresses {
            validate_spec_addresses(cx, addresses, &path.field("addresses"), report);
        }
        self.infrastructure
            .validate(cx, &path.field("infrastructure"), report);
        self.allowed_listeners
            .validate(cx, &path.field("allowedListeners"), report);
        self.tls.validate(cx, &path.field("tls"), report);
        #[cfg(feature = "experimental")]
        if cx.channel == gateway_api_types::Channel::Experimental {
            self.default_scope
                .validate(cx, &path.field("defaultScope"), report);
        }
    }
}

impl Validate for v1beta1::GatewaySpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.0.validate(cx, path, report);
    }
}

/// The address type after defaulting (`IPAddress` when unset).
fn address_type(t: Option<&AddressType>) -> &str {
    t.map_or(AddressType::IP_ADDRESS, AddressType::as_str)
}

/// Go's `net.ParseIP` plus the `strfmt` checks: `ipv4` needs a dot, `ipv6` a colon.
fn ip_formats(value: &str) -> (bool, bool) {
    let ip = value.parse::<IpAddr>().is_ok();
    (ip && value.contains('.'), ip && value.contains(':'))
}

/// The `oneOf` upstream puts on address items: an `IPAddress` value must be an IPv4 or IPv6
/// address. Reported as the API server's schema validator reports it: the failed `oneOf` and
/// `anyOf` (at the root of the validated object, naming the item), then the `ipv4` format error
/// of the best failing alternative.
fn ip_address_one_of(
    report: &mut Report,
    path: &Path<'_>,
    type_: Option<&AddressType>,
    value: Option<&str>,
) {
    let Some(value) = value else { return };
    if address_type(type_) != AddressType::IP_ADDRESS {
        return;
    }
    let (v4, v6) = ip_formats(value);
    if v4 || v6 {
        return;
    }
    let value_path = path.field("value");
    report.push(
        &Path::ROOT,
        ViolationKind::Invalid,
        Some(quote("")),
        format!(
            "{} must validate one and only one schema (oneOf). Found none valid",
            quote(&path.to_string())
        ),
        Origin::OpenApi,
    );
    report.push(
        &Path::ROOT,
        ViolationKind::Invalid,
        Some(quote("")),
        format!(
            "{} must validate at least one schema (anyOf)",
            quote(&value_path.to_string())
        ),
        Origin::OpenApi,
    );
    report.format(&value_path, value, "ipv4", false);
}

/// `spec.addresses`: item count, every item, and the uniqueness rules.
fn validate_spec_addresses(
    cx: &Context,
    addresses: &[GatewaySpecAddress],
    path: &Path<'_>,
    report: &mut Report,
) {
    report.max_items(path, addresses.len(), 16);
    for (i, a) in addresses.iter().enumerate() {
        a.validate(cx, &path.index(i), report);
    }
    let repeated = |kind: &str| {
        addresses.iter().enumerate().any(|(i, a)| {
            address_type(a.type_.as_ref()) == kind
                && a.value.as_ref().is_some_and(|v| {
                    addresses[i + 1..].iter().any(|b| {
                        address_type(b.type_.as_ref()) == kind && b.value.as_ref() == Some(v)
                    })
                })
        })
    };
    // spec: GatewaySpec.Addresses, "IPAddress values must be unique".
    if repeated(AddressType::IP_ADDRESS) {
        report.cel(
            path,
            "array",
            "IPAddress values must be unique",
            RULE_UNIQUE_IP_ADDRESSES,
        );
    }
    // spec: GatewaySpec.Addresses, "Hostname values must be unique".
    if repeated(AddressType::HOSTNAME) {
        report.cel(
            path,
            "array",
            "Hostname values must be unique",
            RULE_UNIQUE_HOSTNAMES,
        );
    }
}

impl Validate for GatewaySpecAddress {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.type_.validate(cx, &path.field("type"), report);
        if let Some(v) = &self.value {
            report.max_length(&path.field("value"), v, 253);
        }
        ip_address_one_of(report, path, self.type_.as_ref(), self.value.as_deref());
        // spec: GatewaySpecAddress, "Hostname value must be empty or contain only valid
        // characters (matching ...)".
        if address_type(self.type_.as_ref()) == AddressType::HOSTNAME
            && self
                .value
                .as_deref()
                .is_some_and(|v| !address_hostname().is_match(v))
        {
            report.cel(
                path,
                "object",
                r"Hostname value must be empty or contain only valid characters (matching ^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)",
                RULE_SPEC_ADDRESS_HOSTNAME,
            );
        }
    }
}

/// `labels` / `annotations` of `infrastructure`: the two key rules. `what` is `label` or
/// `annotation`.
fn infrastructure_keys<V>(
    report: &mut Report,
    path: &Path<'_>,
    map: &BTreeMap<impl AsRef<str>, V>,
    format_message: &str,
    prefix_message: &str,
) {
    // spec: GatewayInfrastructure.Labels/Annotations, "... keys must be in the form of an
    // optional DNS subdomain prefix followed by a required name segment of up to 63
    // characters."
    if map.keys().any(|k| !qualified_key().is_match(k.as_ref())) {
        report.cel(path, "object", format_message, RULE_KEY_FORMAT);
    }
    // spec: GatewayInfrastructure.Labels/Annotations, "If specified, the ... key's prefix must
    // be a DNS subdomain not longer than 253 characters in total." (`split("/")[0]` is the
    // whole key without a slash; `size()` counts code points.)
    if map.keys().any(|k| {
        let k = k.as_ref();
        k.split('/').next().unwrap_or(k).chars().count() >= 253
    }) {
        report.cel(path, "object", prefix_message, RULE_KEY_PREFIX_LENGTH);
    }
}

impl Validate for GatewayInfrastructure {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        // Map keys have no OpenAPI constraint (only the CEL rules); values do.
        if let Some(labels) = &self.labels {
            let p = path.field("labels");
            report.max_items(&p, labels.len(), 8);
            for (k, v) in labels {
                v.validate(cx, &p.field(k.as_str()), report);
            }
            infrastructure_keys(
                report,
                &p,
                labels,
                "Label keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.",
                "If specified, the label key's prefix must be a DNS subdomain not longer than 253 characters in total.",
            );
        }
        if let Some(annotations) = &self.annotations {
            let p = path.field("annotations");
            report.max_items(&p, annotations.len(), 16);
            for (k, v) in annotations {
                v.validate(cx, &p.field(k.as_str()), report);
            }
            infrastructure_keys(
                report,
                &p,
                annotations,
                "Annotation keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.",
                "If specified, the annotation key's prefix must be a DNS subdomain not longer than 253 characters in total.",
            );
        }
        self.parameters_ref
            .validate(cx, &path.field("parametersRef"), report);
    }
}

impl Validate for LocalParametersReference {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.group.validate(cx, &path.field("group"), report);
        self.kind.validate(cx, &path.field("kind"), report);
        report.string(&path.field("name"), &self.name, Some(1), Some(253), None);
    }
}

impl Validate for AllowedListeners {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.namespaces
            .validate(cx, &path.field("namespaces"), report);
    }
}

impl Validate for ListenerNamespaces {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(from) = &self.from {
            check_enum!(report, cx, &path.field("from"), from, FromNamespaces);
        }
    }
}

impl Validate for GatewayTLSConfig {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.backend.validate(cx, &path.field("backend"), report);
        self.frontend.validate(cx, &path.field("frontend"), report);
    }
}

impl Validate for GatewayBackendTLS {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.client_certificate_ref
            .validate(cx, &path.field("clientCertificateRef"), report);
    }
}

impl Validate for FrontendTLSConfig {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.default.validate(cx, &path.field("default"), report);
        if let Some(per_port) = &self.per_port {
            let p = path.field("perPort");
            report.max_items(&p, per_port.len(), 64);
            per_port.validate(cx, &p, report);
            report.unique(&p, per_port.iter().map(|t| t.port), |port| {
                format!("map[string]interface {{}}{{\"port\":{port}}}")
            });
            // spec: FrontendTLSConfig.PerPort, "Port for TLS configuration must be unique within
            // the Gateway".
            if per_port
                .iter()
                .enumerate()
                .any(|(i, a)| per_port[i + 1..].iter().any(|b| a.port == b.port))
            {
                report.cel(
                    &p,
                    "array",
                    "Port for TLS configuration must be unique within the Gateway",
                    RULE_UNIQUE_TLS_PORTS,
                );
            }
        }
    }
}

impl Validate for TLSPortConfig {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        port(report, &path.field("port"), Some(self.port));
        self.tls.validate(cx, &path.field("tls"), report);
    }
}

impl Validate for TLSConfig {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.validation
            .validate(cx, &path.field("validation"), report);
    }
}

impl Validate for FrontendTLSValidation {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        let p = path.field("caCertificateRefs");
        report.min_items(&p, self.ca_certificate_refs.len(), 1);
        report.max_items(&p, self.ca_certificate_refs.len(), 16);
        self.ca_certificate_refs.validate(cx, &p, report);
        if let Some(mode) = &self.mode {
            check_enum!(
                report,
                cx,
                &path.field("mode"),
                mode,
                FrontendValidationModeType
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway status.

impl Validate for GatewayStatus {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(addresses) = &self.addresses {
            let p = path.field("addresses");
            report.max_items(&p, addresses.len(), 16);
            addresses.validate(cx, &p, report);
        }
        if let Some(c) = &self.conditions {
            conditions(report, &path.field("conditions"), c, None, 8);
        }
        if let Some(listeners) = &self.listeners {
            listener_statuses(listeners, |l| &l.name, cx, &path.field("listeners"), report);
        }
    }
}

impl Validate for GatewayStatusAddress {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.type_.validate(cx, &path.field("type"), report);
        report.string(&path.field("value"), &self.value, Some(1), Some(253), None);
        ip_address_one_of(report, path, self.type_.as_ref(), Some(&self.value));
        // spec: GatewayStatusAddress, "Hostname value must only contain valid characters
        // (matching ...)".
        if address_type(self.type_.as_ref()) == AddressType::HOSTNAME
            && !address_hostname().is_match(&self.value)
        {
            report.cel(
                path,
                "object",
                r"Hostname value must only contain valid characters (matching ^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)",
                RULE_STATUS_ADDRESS_HOSTNAME,
            );
        }
    }
}

/// A `listeners` status list (Gateway and ListenerSet): at most 64 entries, a map keyed by
/// `name`.
pub(crate) fn listener_statuses<L: Validate>(
    listeners: &[L],
    name: impl Fn(&L) -> &SectionName,
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    report.max_items(path, listeners.len(), 64);
    for (i, l) in listeners.iter().enumerate() {
        l.validate(cx, &path.index(i), report);
    }
    report.unique(path, listeners.iter().map(|l| name(l).as_str()), |n| {
        map_key(&[("name", n)])
    });
}

/// One listener's status (Gateway `ListenerStatus`, ListenerSet `ListenerEntryStatus`: the
/// same fields and constraints).
pub(crate) fn listener_status(
    name: &SectionName,
    supported_kinds: Option<&Vec<RouteGroupKind>>,
    listener_conditions: &[Condition],
    cx: &Context,
    path: &Path<'_>,
    report: &mut Report,
) {
    name.validate(cx, &path.field("name"), report);
    if let Some(kinds) = supported_kinds {
        let p = path.field("supportedKinds");
        report.max_items(&p, kinds.len(), 8);
        kinds.validate(cx, &p, report);
    }
    conditions(
        report,
        &path.field("conditions"),
        listener_conditions,
        None,
        8,
    );
}

impl Validate for ListenerStatus {
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

    fn cx() -> Context {
        Context::new(Channel::Standard)
    }

    fn spec(v: serde_json::Value) -> GatewaySpec {
        serde_json::from_value(v).expect("GatewaySpec")
    }

    fn messages(s: &GatewaySpec) -> Vec<String> {
        let mut r = Report::default();
        s.validate(&cx(), &Path::ROOT.field("spec"), &mut r);
        r.violations.iter().map(ToString::to_string).collect()
    }

    fn tls(v: serde_json::Value) -> Vec<String> {
        let t: ListenerTLSConfig = serde_json::from_value(v).expect("tls");
        let mut r = Report::default();
        t.validate(&cx(), &Path::ROOT.field("tls"), &mut r);
        r.violations.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn terminate_rule_follows_cel_or_and_missing_key_semantics() {
        // A true side wins over a "no such key" error on the other side.
        assert!(tls(json!({"mode": "Terminate", "options": {"a": "b"}})).is_empty());
        assert!(tls(json!({"mode": "Terminate", "certificateRefs": [{"name": "c"}]})).is_empty());
        // Both present and empty: the plain message.
        assert_eq!(
            tls(json!({"mode": "Terminate", "certificateRefs": [], "options": {}})),
            [
                "tls: Invalid value: \"object\": certificateRefs or options must be specified when mode is Terminate"
            ]
        );
        // The left error first; the right one when the left side is false.
        assert!(
            tls(json!({"mode": "Terminate"}))[0]
                .contains("no such key: certificateRefs evaluating rule")
        );
        assert!(
            tls(json!({"mode": "Terminate", "options": {}}))[0]
                .contains("no such key: certificateRefs")
        );
        assert!(
            tls(json!({"mode": "Terminate", "certificateRefs": []}))[0]
                .contains("no such key: options")
        );
        // Unset mode is the default (Terminate); Passthrough needs nothing.
        assert!(tls(json!({}))[0].contains("no such key: certificateRefs"));
        assert!(tls(json!({"mode": "Passthrough"})).is_empty());
        // An unknown mode is NotSupported, and not `Terminate`.
        let unknown = tls(json!({"mode": "Reencrypt"}));
        assert_eq!(unknown.len(), 1);
        assert!(unknown[0].starts_with("tls.mode: Unsupported value: \"Reencrypt\""));
    }

    #[test]
    fn combination_rule_compares_port_protocol_and_hostname_presence() {
        let listeners = |a: serde_json::Value, b: serde_json::Value| {
            spec(json!({"gatewayClassName": "c", "listeners": [a, b]}))
        };
        let unique = "Combination of port, protocol and hostname must be unique";
        let base = json!({"name": "a", "port": 80, "protocol": "HTTP"});
        let mut other = base.clone();
        other["name"] = json!("b");
        assert!(
            messages(&listeners(base.clone(), other.clone()))
                .iter()
                .any(|m| m.contains(unique))
        );
        let mut with_host = other.clone();
        with_host["hostname"] = json!("x.example");
        assert!(messages(&listeners(base.clone(), with_host)).is_empty());
        let mut other_port = other.clone();
        other_port["port"] = json!(81);
        assert!(messages(&listeners(base.clone(), other_port)).is_empty());
        // `has()` holds for an empty hostname: "" and absent differ (only the OpenAPI checks on
        // the hostname fail).
        let mut empty_host = other;
        empty_host["hostname"] = json!("");
        let m = messages(&listeners(base, empty_host));
        assert!(!m.is_empty());
        assert!(
            m.iter()
                .all(|m| m.starts_with("spec.listeners[1].hostname: ")),
            "{m:?}"
        );
    }

    #[test]
    fn address_rules_default_the_type_and_skip_absent_values() {
        let s = spec(json!({
            "gatewayClassName": "c",
            "listeners": [{"name": "a", "port": 80, "protocol": "HTTP"}],
            "addresses": [
                {"value": "10.0.0.1"}, {"type": "IPAddress", "value": "10.0.0.1"},
                {"type": "IPAddress"}, {"type": "IPAddress"},
                {"type": "Hostname", "value": "a.example"}, {"type": "NamedAddress", "value": "a.example"},
                {"type": "example.com/custom", "value": "anything goes"},
                {"value": "::ffff:1.2.3.4"}, {"value": "2001:db8::1"}
            ]
        }));
        assert_eq!(
            messages(&s),
            ["spec.addresses: Invalid value: \"array\": IPAddress values must be unique"]
        );
        let s = spec(json!({
            "gatewayClassName": "c",
            "listeners": [{"name": "a", "port": 80, "protocol": "HTTP"}],
            "addresses": [{"value": "01.2.3.4"}, {"type": "Hostname", "value": "1.2.3.4"}]
        }));
        let m = messages(&s);
        assert_eq!(m.len(), 3, "{m:?}");
        assert_eq!(
            m[2],
            "spec.addresses[0].value: Invalid value: \"01.2.3.4\": spec.addresses[0].value in body must be of type ipv4: \"01.2.3.4\""
        );
    }

    #[test]
    fn label_key_prefix_limit_is_strictly_below_253() {
        let infra = |key: String| {
            let i: GatewayInfrastructure =
                serde_json::from_value(json!({"labels": {key: "v"}})).expect("infra");
            let mut r = Report::default();
            i.validate(&cx(), &Path::ROOT.field("infrastructure"), &mut r);
            r.violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert!(infra(format!("{}/key", "a".repeat(252))).is_empty());
        let m = infra(format!("{}/key", "a".repeat(253)));
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("label key's prefix must be a DNS subdomain not longer than 253"));
        // Without a slash the whole key is the "prefix" (and fails the format rule too).
        assert_eq!(infra("a".repeat(253)).len(), 2);
    }

    #[test]
    fn per_port_duplicates_render_integer_keys() {
        let f: FrontendTLSConfig = serde_json::from_value(json!({
            "default": {},
            "perPort": [
                {"port": 443, "tls": {}},
                {"port": 443, "tls": {"validation": {"caCertificateRefs": [{"group": "", "kind": "ConfigMap", "name": "ca"}]}}}
            ]
        }))
        .expect("frontend");
        let mut r = Report::default();
        f.validate(&cx(), &Path::ROOT.field("frontend"), &mut r);
        let m: Vec<String> = r.violations.iter().map(ToString::to_string).collect();
        assert_eq!(
            m,
            [
                "frontend.perPort[1]: Duplicate value: map[string]interface {}{\"port\":443}",
                "frontend.perPort: Invalid value: \"array\": Port for TLS configuration must be unique within the Gateway",
            ]
        );
    }
}
