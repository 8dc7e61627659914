//! BackendTLSPolicy: which Gateways a policy applies through, conflicts between policies,
//! and its CA certificate references.
//!
//! spec: `BackendTLSPolicySpec.TargetRefs` (conflicts: the oldest policy, then the
//! alphabetically first, wins for one target and section), `BackendTLSPolicyValidation`
//! (`caCertificateRefs`, `wellKnownCACertificates`), and the reasons `Conflicted`,
//! `NoValidCACertificate`, `InvalidCACertificateRef`, `InvalidKind`
//! (apis/v1/backendtlspolicy_types.go, policy_types.go). The ancestors of a policy are the
//! Gateways through which an accepted Route sends traffic to a targeted Service.

use std::collections::{BTreeMap, BTreeSet};

use gateway_api_types::v1::BackendTLSPolicy;

use super::listener::Problem;
use super::snapshot::{Key, Snapshot, created};

/// The verdict on one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyState {
    /// Gateways the policy applies through, by namespace/name.
    pub ancestors: BTreeSet<Key>,
    /// `Accepted=False` reason (`Conflicted`, `NoValidCACertificate`), `None` when accepted.
    pub rejected: Option<Problem>,
    /// `ResolvedRefs=False` reason (`InvalidKind`, `InvalidCACertificateRef`).
    pub unresolved: Option<Problem>,
}

/// Whether a ConfigMap or Secret value holds a PEM certificate.
fn has_ca(snapshot: &Snapshot, kind: &str, key: &Key) -> bool {
    let pem = |v: Option<&super::snapshot::SecretValue>| {
        v.and_then(|v| v.decode())
            .is_some_and(|b| String::from_utf8_lossy(&b).contains("-----BEGIN CERTIFICATE-----"))
    };
    match kind {
        "ConfigMap" => snapshot
            .config_maps
            .get(key)
            .is_some_and(|c| pem(c.data.get("ca.crt"))),
        _ => snapshot
            .secrets
            .get(key)
            .is_some_and(|s| pem(s.data.get("ca.crt"))),
    }
}

/// CA references: (any valid, first problem). spec: `BackendTLSPolicyValidation`.
fn check_ca(snapshot: &Snapshot, ns: &str, p: &BackendTLSPolicy) -> (bool, Option<Problem>) {
    let v = &p.spec.validation;
    let mut valid = v.well_known_ca_certificates.is_some();
    let mut problem = None;
    for r in v.ca_certificate_refs.iter().flatten() {
        let (group, kind) = (r.group.as_str(), r.kind.as_str());
        if !group.is_empty() || !matches!(kind, "ConfigMap" | "Secret") {
            problem.get_or_insert_with(|| {
                Problem::new(
                    "InvalidKind",
                    format!("CA certificate kind {group}/{kind} is not supported"),
                )
            });
            continue;
        }
        if has_ca(snapshot, kind, &(ns.to_string(), r.name.to_string())) {
            valid = true;
        } else {
            problem.get_or_insert_with(|| {
                Problem::new(
                    "InvalidCACertificateRef",
                    format!(
                        "{kind} {ns}/{} is missing or has no PEM ca.crt",
                        r.name.as_str()
                    ),
                )
            });
        }
    }
    (valid, problem)
}

/// Evaluates every policy that applies through at least one owned Gateway. `services_by_gateway`
/// lists, per Gateway, the Services its accepted Routes send traffic to.
pub fn evaluate_all(
    snapshot: &Snapshot,
    services_by_gateway: &BTreeMap<Key, BTreeSet<Key>>,
) -> BTreeMap<Key, PolicyState> {
    // spec: for one target (Service and sectionName) the oldest policy wins, then namespace/name.
    let mut by_target: BTreeMap<(Key, Option<String>), Vec<&Key>> = BTreeMap::new();
    for (k, p) in &snapshot.backend_tls_policies {
        for t in &p.spec.target_refs {
            if t.target.group.as_str().is_empty() && t.target.kind.as_str() == "Service" {
                by_target
                    .entry((
                        (k.0.clone(), t.target.name.to_string()),
                        t.section_name.as_ref().map(|s| s.to_string()),
                    ))
                    .or_default()
                    .push(k);
            }
        }
    }
    let mut losers = BTreeSet::new();
    for keys in by_target.values_mut() {
        keys.sort_by(|a, b| {
            let ca = snapshot
                .backend_tls_policies
                .get(*a)
                .and_then(|p| created(&p.metadata));
            let cb = snapshot
                .backend_tls_policies
                .get(*b)
                .and_then(|p| created(&p.metadata));
            let by_time = match (ca, cb) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            by_time.then_with(|| a.cmp(b))
        });
        losers.extend(keys.iter().skip(1).map(|k| (*k).clone()));
    }
    let mut out = BTreeMap::new();
    for (k, p) in &snapshot.backend_tls_policies {
        let ancestors: BTreeSet<Key> = services_by_gateway
            .iter()
            .filter(|(_, services)| {
                p.spec.target_refs.iter().any(|t| {
                    t.target.group.as_str().is_empty()
                        && t.target.kind.as_str() == "Service"
                        && services.contains(&(k.0.clone(), t.target.name.to_string()))
                })
            })
            .map(|(g, _)| g.clone())
            .collect();
        if ancestors.is_empty() {
            continue;
        }
        let (valid, unresolved) = check_ca(snapshot, &k.0, p);
        let rejected = if losers.contains(k) {
            Some(Problem::new(
                "Conflicted",
                "another BackendTLSPolicy targets the same Service and section",
            ))
        } else if !valid {
            Some(Problem::new(
                "NoValidCACertificate",
                "no usable CA certificate",
            ))
        } else {
            None
        };
        out.insert(
            k.clone(),
            PolicyState {
                ancestors,
                rejected,
                unresolved,
            },
        );
    }
    out
}
