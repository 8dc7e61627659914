//! `gateway.networking.k8s.io/v1`: the GA version of every standard kind.
//!
//! Each kind lives in its own module with the types it alone uses; everything is re-exported
//! here, so `gateway_api_types::v1::HTTPRoute` is the usual path.

pub mod backendtlspolicy;
pub mod gateway;
pub mod gatewayclass;
pub mod grpcroute;
pub mod httproute;
pub mod listenerset;
pub mod referencegrant;
pub mod tcproute;
pub mod tlsroute;
pub mod udproute;

pub use backendtlspolicy::*;
pub use gateway::*;
pub use gatewayclass::*;
pub use grpcroute::*;
pub use httproute::*;
pub use listenerset::*;
pub use referencegrant::*;
pub use tcproute::*;
pub use tlsroute::*;
pub use udproute::*;
