//! `gateway.networking.k8s.io/v1alpha3`: deprecated alpha versions of BackendTLSPolicy and
//! TLSRoute (served in the experimental channel only).

pub mod backendtlspolicy;
pub mod tlsroute;

pub use backendtlspolicy::*;
pub use tlsroute::*;
