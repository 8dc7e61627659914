//! ListenerSet: extra listeners, in any namespace the parent Gateway allows, attached to a
//! Gateway.
//!
//! spec: `apis/v1/listenerset_types.go`. Namespaced. Reuses the Gateway's listener types
//! ([`ListenerTLSConfig`], [`AllowedRoutes`], [`RouteGroupKind`], [`ProtocolType`]).

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::conditions::{Condition, ConditionSchema};
use crate::shared::{Group, Hostname, Kind, Namespace, ObjectName, PortNumber, SectionName};
use crate::v1::gateway::{
    AllowedRoutes, Listener, ListenerTLSConfig, ProtocolType, RouteGroupKind,
};

/// The desired state of a ListenerSet. spec: `ListenerSetSpec`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "ListenerSet",
    doc = "A ListenerSet (`gateway.networking.k8s.io/v1`): metadata, [`ListenerSetSpec`] and status; see the module docs.",
    derive = "PartialEq",
    status = "ListenerSetStatus",
    shortname = "lset",
    category = "gateway-api",
    namespaced,
    schema = "manual",
    printcolumn = r#"{"name": "Accepted", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Accepted\")].status"}"#,
    printcolumn = r#"{"name": "Programmed", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Programmed\")].status"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    crates(kube_core = "::kube_core")
)]
#[serde(rename_all = "camelCase")]
pub struct ListenerSetSpec {
    /// The Gateway these listeners attach to.
    pub parent_ref: ParentGatewayReference,
    /// The listeners (1–64, unique names, distinct port/protocol/hostname).
    #[schemars(length(min = 1, max = 64), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map",
        "x-kubernetes-validations" = crate::v1::gateway::listener_list_rules(true)))]
    pub listeners: Vec<ListenerEntry>,
}

crate::gateway_api_root!(ListenerSet, ListenerSetSpec, ListenerSetStatus);

/// Reference to the Gateway a ListenerSet attaches to. spec: `ParentGatewayReference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ParentGatewayReference {
    /// API group of the parent (default `gateway.networking.k8s.io`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "gateway.networking.k8s.io"))]
    pub group: Option<Group>,
    /// Kind of the parent (default `Gateway`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Gateway"))]
    pub kind: Option<Kind>,
    /// Name of the parent.
    pub name: ObjectName,
    /// Namespace of the parent; the ListenerSet's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Namespace>,
}

/// A listener of a ListenerSet: the same fields as a Gateway [`Listener`].
/// spec: `ListenerEntry`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListenerEntry {
    /// Name of the listener, unique within the ListenerSet.
    pub name: SectionName,
    /// Host name the listener matches (not for TCP/UDP); all hosts when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Hostname>,
    /// Network port the listener binds.
    #[schemars(range(min = 1, max = 65535))]
    pub port: PortNumber,
    /// Protocol the listener expects.
    pub protocol: ProtocolType,
    /// TLS configuration (HTTPS and TLS protocols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ListenerTLSConfig>,
    /// Which Routes may attach to this listener (default: same namespace as the ListenerSet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"namespaces": {"from": "Same"}}))]
    pub allowed_routes: Option<AllowedRoutes>,
}

impl From<Listener> for ListenerEntry {
    fn from(l: Listener) -> Self {
        Self {
            name: l.name,
            hostname: l.hostname,
            port: l.port,
            protocol: l.protocol,
            tls: l.tls,
            allowed_routes: l.allowed_routes,
        }
    }
}

impl From<ListenerEntry> for Listener {
    fn from(l: ListenerEntry) -> Self {
        Self {
            name: l.name,
            hostname: l.hostname,
            port: l.port,
            protocol: l.protocol,
            tls: l.tls,
            allowed_routes: l.allowed_routes,
        }
    }
}

/// The observed state of a ListenerSet. spec: `ListenerSetStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"conditions": [
    {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
     "reason": "Pending", "status": "Unknown", "type": "Accepted"},
    {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
     "reason": "Pending", "status": "Unknown", "type": "Programmed"}]}))]
pub struct ListenerSetStatus {
    /// ListenerSet conditions (`Accepted`, `Programmed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<ConditionSchema>>", length(max = 8), extend(
        "default" = [
            {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
             "reason": "Pending", "status": "Unknown", "type": "Accepted"},
            {"lastTransitionTime": "1970-01-01T00:00:00Z", "message": "Waiting for controller",
             "reason": "Pending", "status": "Unknown", "type": "Programmed"}],
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Option<Vec<Condition>>,
    /// Status of each listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64), extend(
        "x-kubernetes-list-map-keys" = ["name"], "x-kubernetes-list-type" = "map"))]
    pub listeners: Option<Vec<ListenerEntryStatus>>,
}

/// The observed state of one listener of a ListenerSet. spec: `ListenerEntryStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListenerEntryStatus {
    /// Name of the listener.
    pub name: SectionName,
    /// Route kinds the listener supports and accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8), extend("x-kubernetes-list-type" = "atomic"))]
    pub supported_kinds: Option<Vec<RouteGroupKind>>,
    /// Number of accepted Routes attached to the listener.
    pub attached_routes: i32,
    /// Listener conditions (`Accepted`, `Programmed`, `ResolvedRefs`, `Conflicted`, ...).
    #[schemars(with = "Vec<ConditionSchema>", length(max = 8), extend(
        "x-kubernetes-list-map-keys" = ["type"], "x-kubernetes-list-type" = "map"))]
    pub conditions: Vec<Condition>,
}

string_enum! {
    /// Condition types of a ListenerSet. spec: `ListenerSetConditionType`.
    pub enum ListenerSetConditionType {
        /// The ListenerSet's configuration is ready to reach the data plane soon.
        Programmed = "Programmed",
        /// The ListenerSet is valid and accepted by its parent Gateway.
        Accepted = "Accepted",
    }
}

string_enum! {
    /// Reasons of ListenerSet conditions. spec: `ListenerSetConditionReason`.
    pub enum ListenerSetConditionReason {
        /// `Programmed=True`.
        Programmed = "Programmed",
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// The parent Gateway's `allowedListeners` does not allow this ListenerSet.
        NotAllowed = "NotAllowed",
        /// The parent Gateway is not accepted.
        ParentNotAccepted = "ParentNotAccepted",
        /// One or more listeners are invalid.
        ListenersNotValid = "ListenersNotValid",
        /// The ListenerSet is invalid.
        Invalid = "Invalid",
        /// The controller has not handled the ListenerSet yet.
        Pending = "Pending",
    }
}

string_enum! {
    /// Condition types of a ListenerSet listener. spec: `ListenerEntryConditionType`.
    pub enum ListenerEntryConditionType {
        /// The listener conflicts with another one (of the Gateway or a ListenerSet).
        Conflicted = "Conflicted",
        /// The listener is valid and accepted.
        Accepted = "Accepted",
        /// The listener's references are resolved.
        ResolvedRefs = "ResolvedRefs",
        /// The listener's configuration is ready to reach the data plane soon.
        Programmed = "Programmed",
        /// Reserved for future use.
        Ready = "Ready",
    }
}

string_enum! {
    /// Reasons of ListenerSet listener conditions. spec: `ListenerEntryConditionReason`.
    pub enum ListenerEntryConditionReason {
        /// `Conflicted=True`: hostname conflict with another listener.
        HostnameConflict = "HostnameConflict",
        /// `Conflicted=True`: protocol conflict on the same port.
        ProtocolConflict = "ProtocolConflict",
        /// `Conflicted=True`: the listener loses to a higher-precedence listener.
        ListenerConflict = "ListenerConflict",
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// The protocol is not supported.
        UnsupportedProtocol = "UnsupportedProtocol",
        /// The Gateway already has as many listeners as the implementation supports.
        TooManyListeners = "TooManyListeners",
        /// `ResolvedRefs=True`.
        ResolvedRefs = "ResolvedRefs",
        /// A TLS certificate reference is invalid or missing.
        InvalidCertificateRef = "InvalidCertificateRef",
        /// An allowed Route kind is invalid or unsupported.
        InvalidRouteKinds = "InvalidRouteKinds",
        /// A cross-namespace reference is not permitted by a ReferenceGrant.
        RefNotPermitted = "RefNotPermitted",
        /// `Programmed=True`.
        Programmed = "Programmed",
        /// The requested port cannot be used.
        PortUnavailable = "PortUnavailable",
        /// The listener is not reconciled or not ready yet.
        Pending = "Pending",
        /// The listener is invalid.
        Invalid = "Invalid",
        /// Reserved for future use.
        Ready = "Ready",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GatewayApiResource;
    use crate::v1::{FromNamespaces, TLSModeType};
    use serde_json::{Value, json};

    /// The second ListenerSet of upstream `examples/standard/listenerset/listenerset.yaml`,
    /// with a status added.
    const EXAMPLE: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata:
  name: second-workload-listeners
  namespace: team-2-ns
spec:
  parentRef:
    namespace: default
    name: parent-gateway
    kind: Gateway
    group: gateway.networking.k8s.io
  listeners:
  - name: second
    hostname: second.foo.com
    protocol: HTTPS
    port: 443
    tls:
      mode: Terminate
      certificateRefs:
      - kind: Secret
        group: ""
        name: second-workload-cert
status:
  conditions:
  - {type: Accepted, status: "False", reason: NotAllowed, message: "not allowed", lastTransitionTime: "2024-01-01T00:00:00Z"}
  listeners:
  - name: second
    attachedRoutes: 0
    conditions:
    - {type: Conflicted, status: "True", reason: ListenerConflict, message: "", lastTransitionTime: "2024-01-01T00:00:00Z"}
"#;

    fn round_trip(v: &Value) -> ListenerSet {
        let ls: ListenerSet = serde_json::from_value(v.clone()).expect("parse ListenerSet");
        assert_eq!(&serde_json::to_value(&ls).expect("serialize"), v);
        ls
    }

    #[test]
    fn upstream_example_round_trips() {
        let v: Value = serde_saphyr::from_str(EXAMPLE).expect("yaml");
        let ls = round_trip(&v);
        assert_eq!(ls.spec.parent_ref.name, "parent-gateway");
        let l = &ls.spec.listeners[0];
        assert_eq!(l.protocol, ProtocolType::HTTPS);
        assert_eq!(
            l.tls.as_ref().and_then(|t| t.mode.clone()),
            Some(TLSModeType::Terminate)
        );
        let status = ls.status.as_ref().expect("status");
        let reason = &status.conditions.as_ref().expect("conditions")[0].reason;
        assert_eq!(
            ListenerSetConditionReason::from_wire(reason),
            ListenerSetConditionReason::NotAllowed
        );
        let entry = &status.listeners.as_ref().expect("listeners")[0];
        assert_eq!(
            ListenerEntryConditionReason::from_wire(&entry.conditions[0].reason),
            ListenerEntryConditionReason::ListenerConflict
        );
    }

    #[test]
    fn unknown_values_round_trip() {
        let mut v: Value = serde_saphyr::from_str(EXAMPLE).expect("yaml");
        v["spec"]["listeners"][0]["tls"]["mode"] = json!("Mirror");
        v["spec"]["listeners"][0]["allowedRoutes"] = json!({"namespaces": {"from": "Elsewhere"}});
        let ls = round_trip(&v);
        let l = &ls.spec.listeners[0];
        assert_eq!(
            l.tls.as_ref().and_then(|t| t.mode.clone()),
            Some(TLSModeType::Unrecognized("Mirror".into()))
        );
        let from = l
            .allowed_routes
            .as_ref()
            .and_then(|r| r.namespaces.as_ref())
            .and_then(|n| n.from.clone());
        assert_eq!(from, Some(FromNamespaces::Unrecognized("Elsewhere".into())));
        assert_eq!(
            ListenerSetConditionType::from_wire("Fancy").as_str(),
            "Fancy"
        );
    }

    #[test]
    fn listener_and_entry_convert_both_ways() {
        let v: Value = serde_saphyr::from_str(EXAMPLE).expect("yaml");
        let ls: ListenerSet = serde_json::from_value(v).expect("parse");
        let entry = ls.spec.listeners[0].clone();
        let listener: Listener = entry.clone().into();
        assert_eq!(
            serde_json::to_value(&listener).expect("serialize"),
            serde_json::to_value(&entry).expect("serialize")
        );
        assert_eq!(ListenerEntry::from(listener), entry);
    }

    #[test]
    fn defaults_fill_parent_and_allowed_routes() {
        let mut ls: ListenerSet = serde_json::from_value(json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "ListenerSet",
            "metadata": {"name": "a"},
            "spec": {"parentRef": {"name": "gw"},
                     "listeners": [{"name": "l", "port": 80, "protocol": "HTTP"}]}
        }))
        .expect("parse");
        ls.apply_defaults().expect("defaults");
        assert_eq!(ls.spec.parent_ref.kind.as_deref(), Some("Gateway"));
        assert_eq!(
            ls.spec.parent_ref.group.as_deref(),
            Some("gateway.networking.k8s.io")
        );
        let ns = ls.spec.listeners[0]
            .allowed_routes
            .as_ref()
            .and_then(|r| r.namespaces.as_ref());
        assert_eq!(ns.and_then(|n| n.from.clone()), Some(FromNamespaces::Same));
    }
}
