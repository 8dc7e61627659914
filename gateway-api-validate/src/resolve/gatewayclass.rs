//! GatewayClass: which classes the controller owns and whether it accepts them.
//!
//! spec: `GatewayClassSpec.ControllerName`, `ParametersRef` and the `Accepted` /
//! `SupportedVersion` conditions (apis/v1/gatewayclass_types.go).

use gateway_api_types::v1::GatewayClass;

use super::listener::Problem;
use super::snapshot::Snapshot;

/// The verdict on one owned GatewayClass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassState {
    /// Class name.
    pub name: String,
    /// `Accepted=False` reason when not accepted.
    pub rejected: Option<Problem>,
}

impl ClassState {
    /// spec: `GatewayClassConditionStatusAccepted`.
    pub fn accepted(&self) -> bool {
        self.rejected.is_none()
    }
}

/// Whether an object named by group/kind/namespace/name exists in the snapshot (ConfigMaps and
/// Secrets for the core group, any other kind by identity).
pub(crate) fn parameters_exist(
    snapshot: &Snapshot,
    group: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> bool {
    let key = (namespace.to_string(), name.to_string());
    match (group, kind) {
        ("", "ConfigMap") => snapshot.config_maps.contains_key(&key),
        ("", "Secret") => snapshot.secrets.contains_key(&key),
        _ => snapshot.others.iter().any(|(api, k, ns, n)| {
            k == kind
                && ns == namespace
                && n == name
                && api.split_once('/').map_or("", |(g, _)| g) == group
        }),
    }
}

/// Evaluates a class this controller owns. spec: a class whose `parametersRef` cannot be
/// resolved is `Accepted=False` with reason `InvalidParameters`.
pub fn evaluate(snapshot: &Snapshot, class: &GatewayClass, name: &str) -> ClassState {
    let rejected = class.spec.parameters_ref.as_ref().and_then(|p| {
        let ns = p.namespace.as_ref().map_or("", |n| n.as_str());
        (!parameters_exist(snapshot, p.group.as_str(), p.kind.as_str(), ns, &p.name)).then(|| {
            Problem::new(
                "InvalidParameters",
                format!(
                    "parametersRef {}/{} {} not found",
                    p.group.as_str(),
                    p.kind.as_str(),
                    p.name
                ),
            )
        })
    });
    ClassState {
        name: name.to_string(),
        rejected,
    }
}
