//! ReferenceGrant: whether a cross-namespace reference is permitted.
//!
//! spec: `ReferenceGrant` (apis/v1/referencegrant_types.go). A reference from an object in one
//! namespace to an object in another is allowed only when a ReferenceGrant in the *target*
//! namespace lists the source's group/kind/namespace in `from` and the target's group/kind
//! (and name, when set) in `to`. Same-namespace references need no grant. Removing the grant
//! revokes the reference: nothing here is cached between snapshots.

use super::snapshot::Snapshot;

/// One side of a reference: group (`""` = core), kind, namespace and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefEnd<'a> {
    /// API group (`""` for core).
    pub group: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// Namespace.
    pub namespace: &'a str,
    /// Name (unused for the `from` side).
    pub name: &'a str,
}

/// Whether `from` may refer to `to`. spec: ReferenceGrant `from`/`to` matching.
pub fn permitted(snapshot: &Snapshot, from: RefEnd<'_>, to: RefEnd<'_>) -> bool {
    if from.namespace == to.namespace {
        return true;
    }
    snapshot
        .reference_grants
        .range((to.namespace.to_string(), String::new())..)
        .take_while(|((ns, _), _)| ns == to.namespace)
        .any(|(_, grant)| {
            grant.spec.from.iter().any(|f| {
                f.group.as_str() == from.group
                    && f.kind.as_str() == from.kind
                    && f.namespace.as_str() == from.namespace
            }) && grant.spec.to.iter().any(|t| {
                t.group.as_str() == to.group
                    && t.kind.as_str() == to.kind
                    && t.name.as_ref().is_none_or(|n| n.as_str() == to.name)
            })
        })
}
