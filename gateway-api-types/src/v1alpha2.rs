//! `gateway.networking.k8s.io/v1alpha2`: deprecated alpha versions of the L4 routes
//! (served in the experimental channel only).

pub mod tcproute;
pub mod tlsroute;
pub mod udproute;

pub use tcproute::*;
pub use tlsroute::*;
pub use udproute::*;
