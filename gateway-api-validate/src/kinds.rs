//! Per-kind validation: one module per kind, each implementing [`crate::Validate`] for the
//! kind's spec and status types (OpenAPI constraints and CEL rules, in upstream's words).

pub mod backendtlspolicy;
pub mod gateway;
pub mod gatewayclass;
pub mod grpcroute;
pub mod httproute;
pub mod listenerset;
pub mod policy;
pub mod referencegrant;
pub mod route;
pub mod tcproute;
pub mod tlsroute;
pub mod udproute;
#[cfg(feature = "experimental")]
pub mod xbackend;
#[cfg(feature = "experimental")]
pub mod xbackendtrafficpolicy;
#[cfg(feature = "experimental")]
pub mod xmesh;
