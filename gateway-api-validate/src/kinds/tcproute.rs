//! TCPRoute (v1, v1alpha2). spec: `apis/v1/tcproute_types.go`, `apis/v1alpha2/tcproute_types.go`.

use gateway_api_types::v1::{TCPRouteRule, TCPRouteSpec, TCPRouteStatus};
use gateway_api_types::v1alpha2;

use crate::kinds::route::{l4_route_types, l4_rules, validate_common_route_spec};
use crate::path::Path;
use crate::validate::{Context, Validate};
use crate::violation::Report;

impl Validate for TCPRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        l4_rules(&self.rules, false, cx, &path.field("rules"), report);
    }
}

impl Validate for v1alpha2::TCPRouteSpec {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        validate_common_route_spec(&self.common_route_spec, cx, path, report);
        l4_rules(&self.rules, true, cx, &path.field("rules"), report);
    }
}

l4_route_types!(TCPRouteRule, TCPRouteStatus);

#[cfg(test)]
mod tests {
    use gateway_api_types::Channel;

    fn messages(v: &serde_json::Value, channel: Channel) -> Vec<String> {
        crate::validate_value(v, channel)
            .violations
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn v1alpha2_is_experimental_with_rule_names_and_port_parent_rules() {
        let v = serde_json::json!({
            "apiVersion": "gateway.networking.k8s.io/v1alpha2",
            "kind": "TCPRoute",
            "metadata": {"name": "r", "namespace": "ns"},
            "spec": {
                "parentRefs": [{"name": "gw", "port": 80}, {"name": "gw", "port": 81}],
                "rules": [
                    {"name": "a", "backendRefs": [{"name": "s", "port": 1}]},
                    {"name": "a", "backendRefs": [{"name": "s", "port": 2}]},
                ],
            },
        });
        // v1alpha2 is not served in the standard channel.
        let standard = messages(&v, Channel::Standard);
        assert_eq!(standard.len(), 1);
        assert!(standard[0].starts_with("apiVersion: Unsupported value"));
        if cfg!(feature = "experimental") {
            // Ports tell the parents apart in the experimental channel; rule names must differ.
            assert_eq!(
                messages(&v, Channel::Experimental),
                ["spec.rules: Invalid value: \"array\": Rule name must be unique within the route"]
            );
            let mut v = v;
            v["spec"]["parentRefs"][1]["port"] = serde_json::json!(80);
            v["spec"]["rules"][1]["name"] = serde_json::json!("b");
            assert_eq!(
                messages(&v, Channel::Experimental),
                [
                    "spec.parentRefs: Invalid value: \"array\": sectionName or port must be unique when parentRefs includes 2 or more references to the same parent"
                ]
            );
        }
    }

    #[test]
    fn v1_allows_one_rule_and_needs_service_ports() {
        let v = serde_json::json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "TCPRoute",
            "metadata": {"name": "r", "namespace": "ns"},
            "spec": {
                "rules": [
                    {"backendRefs": [{"name": "s"}]},
                    {"backendRefs": [{"name": "s", "port": 2, "weight": -1}]},
                ],
            },
        });
        assert_eq!(
            messages(&v, Channel::Standard),
            [
                "spec.rules: Too many: 2: must have at most 1 items",
                "spec.rules[1].backendRefs[0].weight: Invalid value: -1: spec.rules[1].backendRefs[0].weight in body should be greater than or equal to 0",
                // `Too many` keeps the API server from evaluating the CEL rules (the port rule).
                "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
            ]
        );
        let mut v = v;
        v["spec"]["rules"].as_array_mut().expect("rules").pop();
        assert_eq!(
            messages(&v, Channel::Standard),
            [
                "spec.rules[0].backendRefs[0]: Invalid value: \"object\": Must have port for Service reference"
            ]
        );
    }

    #[cfg(feature = "experimental")]
    #[test]
    fn use_default_gateways_is_an_experimental_enum() {
        let v = serde_json::json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "TCPRoute",
            "metadata": {"name": "r", "namespace": "ns"},
            "spec": {"useDefaultGateways": "Some", "rules": [{"backendRefs": [{"name": "s", "port": 1}]}]},
        });
        assert_eq!(
            messages(&v, Channel::Experimental),
            [
                "spec.useDefaultGateways: Unsupported value: \"Some\": supported values: \"All\", \"None\"",
                // `Unsupported value` keeps the API server from evaluating the CEL rules.
                "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
            ]
        );
        // The standard CRDs do not have the field: the API server prunes it.
        assert!(messages(&v, Channel::Standard).is_empty());
    }
}
