//! grpcroute (v1): not written yet.

/// The versions of this kind, for [`crate::crd::crds`].
pub(crate) fn crd_versions() -> Vec<crate::crd::VersionFn> {
    Vec::new()
}
