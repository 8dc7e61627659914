//! `gateway.networking.x-k8s.io/v1alpha1`: XBackend, XBackendTrafficPolicy, XMesh.

pub mod xbackend;
pub mod xbackendtrafficpolicy;
pub mod xmesh;

pub use xbackend::*;
pub use xbackendtrafficpolicy::*;
pub use xmesh::*;
