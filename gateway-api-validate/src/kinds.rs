//! Per-kind validation: one module per kind, each implementing [`crate::Validate`] for the
//! kind's spec and status types (OpenAPI constraints and CEL rules, in upstream's words).

pub mod gateway;
pub mod gatewayclass;
pub mod listenerset;
