//! `gateway.networking.k8s.io/v1beta1`: the beta versions still served.
//!
//! Upstream defines these as aliases of the v1 types, so their specs wrap the v1 specs
//! (`Deref` gives direct access) and convert to and from v1 without loss.

pub mod gateway;
pub mod gatewayclass;
pub mod httproute;
pub mod referencegrant;

pub use gateway::*;
pub use gatewayclass::*;
pub use httproute::*;
pub use referencegrant::*;
