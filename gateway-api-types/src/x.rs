//! `gateway.networking.x-k8s.io`: experimental kinds outside the main API group
//! (feature `experimental`).

pub mod v1alpha1;
