//! Status conditions: the `metav1.Condition` type every status uses, its schema, and the
//! condition types and reasons of Routes.
//!
//! Condition types and reasons of the other kinds live next to their kind
//! (`v1::gateway::GatewayConditionType`, `v1::gatewayclass::GatewayClassConditionReason`, ...).
//! Every one of them is a [`string_enum!`](crate::string_enum) with an `Unrecognized` catch-all, so
//! conditions written by other controllers still parse.

use schemars::JsonSchema;

pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// Schema-only mirror of `metav1.Condition` with the validation the CRDs put on it
/// (k8s-openapi's own schema for [`Condition`] has no constraints).
#[derive(JsonSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConditionSchema {
    /// Last time the condition changed status.
    #[schemars(extend("format" = "date-time"))]
    last_transition_time: String,
    /// Human-readable details.
    #[schemars(length(max = 32768))]
    message: String,
    /// The `.metadata.generation` the condition was computed from.
    #[schemars(range(min = 0))]
    observed_generation: Option<i64>,
    /// Programmatic reason (CamelCase).
    #[schemars(
        length(min = 1, max = 1024),
        regex(pattern = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    )]
    reason: String,
    /// `True`, `False` or `Unknown`.
    status: ConditionStatus,
    /// The condition type (CamelCase or `foo.example.com/CamelCase`).
    #[serde(rename = "type")]
    #[schemars(
        length(max = 316),
        regex(
            pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
        )
    )]
    type_: String,
}

string_enum! {
    /// The status of a condition.
    pub enum ConditionStatus {
        /// The condition holds.
        True = "True",
        /// The condition does not hold.
        False = "False",
        /// The controller cannot tell (yet).
        Unknown = "Unknown",
    }
}

string_enum! {
    /// Condition types of a Route's parent status. spec: `RouteConditionType`.
    pub enum RouteConditionType {
        /// The Route is accepted by the parent (it is valid and attaches to it).
        Accepted = "Accepted",
        /// Every reference of the Route (backends, filters) is resolved.
        ResolvedRefs = "ResolvedRefs",
        /// Some rules of the Route are invalid and were dropped; the rest are served.
        PartiallyInvalid = "PartiallyInvalid",
    }
}

string_enum! {
    /// Reasons of a Route's parent conditions. spec: `RouteConditionReason`.
    pub enum RouteConditionReason {
        /// `Accepted=True`.
        Accepted = "Accepted",
        /// No listener of the parent allows this Route (`allowedRoutes`).
        NotAllowedByListeners = "NotAllowedByListeners",
        /// No listener hostname intersects the Route's hostnames.
        NoMatchingListenerHostname = "NoMatchingListenerHostname",
        /// The parentRef's port or sectionName matches no listener.
        NoMatchingParent = "NoMatchingParent",
        /// A value of the Route is not supported by the implementation.
        UnsupportedValue = "UnsupportedValue",
        /// The controller has not reconciled the Route yet.
        Pending = "Pending",
        /// The Route's filters cannot be used together.
        IncompatibleFilters = "IncompatibleFilters",
        /// `ResolvedRefs=True`.
        ResolvedRefs = "ResolvedRefs",
        /// A cross-namespace reference is not permitted by any ReferenceGrant.
        RefNotPermitted = "RefNotPermitted",
        /// A reference names a kind the implementation does not support.
        InvalidKind = "InvalidKind",
        /// A referenced backend does not exist.
        BackendNotFound = "BackendNotFound",
        /// A backend's `appProtocol` is not supported.
        UnsupportedProtocol = "UnsupportedProtocol",
    }
}
