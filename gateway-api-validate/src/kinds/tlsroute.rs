//! TLSRoute (v1, v1alpha2, v1alpha3). spec: `apis/v1/tlsroute_types.go`,
//! `apis/v1alpha2/tlsroute_types.go`.

use gateway_api_types::v1::{TLSRouteRule, TLSRouteSpec, TLSRouteStatus};
use gateway_api_types::{v1alpha2, v1alpha3};

use crate::cel;
use crate::kinds::route::{l4_route_types, l4_rules, validate_common_route_spec};
use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

/// CEL rule on v1 `hostnames`: no IP addresses.
pub(crate) const RULE_HOSTNAME_NOT_IP: &str = "self.all(h, !isIP(h))";
/// CEL rule on v1 `hostnames`: names without `*` are RFC 1123 subdomains.
pub(crate) const RULE_HOSTNAME_RFC1123: &str = r"self.all(h, !h.contains('*') ? h.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$') : true)";
/// CEL rule on v1 `hostnames`: a `*` only as the whole first label.
pub(crate) const RULE_HOSTNAME_WILDCARD: &str = r"self.all(h, h.contains('*') ? (h.startsWith('*.') && h.substring(2).matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$')) : true)";

/// The RFC 1123 subdomain expression of the hostname CEL rules (RE2 `matches`, a search).
fn rfc1123(h: &str) -> bool {
    crate::patterns::DNS_SUBDOMAIN_GROUPED.is_match(h)
}

impl Validate for TLSRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        let hp = path.field("hostnames");
        report.min_items(&hp, self.hostnames.len(), 1);
        report.max_items(&hp, self.hostnames.len(), 1024);
        self.hostnames.validate(cx, &hp, report);
        // spec: TLSRouteSpec.Hostnames, "Hostnames cannot contain an IP".
        if self.hostnames.iter().any(|h| cel::is_ip(h.as_str())) {
            report.cel(
                &hp,
                "array",
                "Hostnames cannot contain an IP",
                RULE_HOSTNAME_NOT_IP,
            );
        }
        // spec: TLSRouteSpec.Hostnames, "Hostnames must be valid based on RFC-1123".
        if self
            .hostnames
            .iter()
            .any(|h| !h.as_str().contains('*') && !rfc1123(h.as_str()))
        {
            report.cel(
                &hp,
                "array",
                "Hostnames must be valid based on RFC-1123",
                RULE_HOSTNAME_RFC1123,
            );
        }
        // spec: TLSRouteSpec.Hostnames, "Wildcards on hostnames must be the first label, and
        // the rest of hostname must be valid based on RFC-1123".
        if self.hostnames.iter().any(|h| {
            let h = h.as_str();
            h.contains('*') && !h.strip_prefix("*.").is_some_and(rfc1123)
        }) {
            report.cel(
                &hp,
                "array",
                "Wildcards on hostnames must be the first label, and the rest of hostname must be valid based on RFC-1123",
                RULE_HOSTNAME_WILDCARD,
            );
        }
        l4_rules(&self.rules, false, cx, &path.field("rules"), report);
    }
}

impl Validate for v1alpha3::TLSRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        self.0.validate(cx, path, report);
    }
}

impl Validate for v1alpha2::TLSRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        if let Some(hosts) = &self.hostnames {
            let hp = path.field("hostnames");
            report.max_items(&hp, hosts.len(), 1024);
            hosts.validate(cx, &hp, report);
        }
        l4_rules(&self.rules, true, cx, &path.field("rules"), report);
    }
}

l4_route_types!(TLSRouteRule, TLSRouteStatus);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_api_types::Channel;

    fn spec(hosts: &[&str]) -> TLSRouteSpec {
        serde_json::from_value(serde_json::json!({
            "hostnames": hosts,
            "rules": [{"backendRefs": [{"name": "s", "port": 443}]}],
        }))
        .expect("spec")
    }

    fn details(s: &TLSRouteSpec) -> Vec<String> {
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
    fn ip_hostnames_are_rejected_by_the_cel_rule() {
        let d = details(&spec(&["192.168.1.1"]));
        assert_eq!(
            d,
            ["spec.hostnames: Invalid value: \"array\": Hostnames cannot contain an IP"]
        );
    }

    #[test]
    fn wildcards_only_as_first_label() {
        assert!(details(&spec(&["*.example.com", "a.example.com"])).is_empty());
        let d = details(&spec(&["a.*.example.com"]));
        assert!(
            d.iter()
                .any(|m| m.contains("Wildcards on hostnames must be the first label")),
            "{d:?}"
        );
        let d = details(&spec(&["Foo.example.com"]));
        assert!(
            d.iter()
                .any(|m| m.contains("Hostnames must be valid based on RFC-1123")),
            "{d:?}"
        );
    }

    #[test]
    fn hostnames_and_rules_counts() {
        let mut s = spec(&[]);
        s.rules.push(s.rules[0].clone());
        let d = details(&s);
        assert_eq!(
            d,
            [
                "spec.hostnames: Invalid value: 0: spec.hostnames in body should have at least 1 items",
                "spec.rules: Too many: 2: must have at most 1 items",
            ]
        );
    }
}
