//! Typed Kubernetes Gateway API resources (`gateway.networking.k8s.io`, upstream v1.6.1).
//!
//! Every kind and served version of the standard channel, and with the `experimental` feature
//! the experimental channel (experimental fields, alpha versions, and the
//! `gateway.networking.x-k8s.io` kinds). The types work with kube-rs (`Api<HTTPRoute>`), and
//! the CRDs generated from them equal upstream's (see [`crds`]).
//!
//! ```
//! use gateway_api_types::v1::{HTTPRoute, HTTPRouteSpec};
//! use gateway_api_types::{GatewayApiResource, Channel};
//! use kube_core::Resource;
//!
//! let yaml = r#"
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: HTTPRoute
//! metadata: {name: store, namespace: shop}
//! spec:
//!   parentRefs: [{name: public}]
//!   rules:
//!   - backendRefs: [{name: store-v1, port: 8080}]
//! "#;
//! let mut route: HTTPRoute = gateway_api_types::from_yaml(yaml).unwrap();
//! assert_eq!(HTTPRoute::kind(&()), "HTTPRoute");
//! // What the API server stores: every CRD default filled in.
//! route.apply_defaults().unwrap();
//! let rule = &route.spec.rules.as_ref().unwrap()[0];
//! let m = &rule.matches.as_ref().unwrap()[0];
//! assert_eq!(m.path.as_ref().unwrap().value.as_deref(), Some("/"));
//! assert_eq!(rule.backend_refs.as_ref().unwrap()[0].backend_ref.weight, Some(1));
//!
//! // The CRDs to install, equal to upstream's standard channel.
//! let crds = gateway_api_types::crds(Channel::Standard).unwrap();
//! assert!(crds.iter().any(|c| c.spec.names.kind == "HTTPRoute"));
//! ```
//!
//! With kube-rs (not a dependency of this crate, hence not compiled here), the root types are
//! ordinary custom resources:
//!
//! ```ignore
//! use gateway_api_types::v1::{HTTPRoute, HTTPRouteStatus};
//! use kube::api::{Api, ListParams, Patch, PatchParams};
//! use kube::{Client, ResourceExt};
//!
//! let client = Client::try_default().await?;
//! let routes: Api<HTTPRoute> = Api::namespaced(client, "shop");
//! for route in routes.list(&ListParams::default()).await? {
//!     let status = HTTPRouteStatus::default(); // one `parents` entry per Gateway you manage
//!     let patch = serde_json::json!({"status": status});
//!     routes
//!         .patch_status(&route.name_any(), &PatchParams::default(), &Patch::Merge(&patch))
//!         .await?;
//! }
//! ```
//!
//! # Layout
//! * [`v1`], [`v1beta1`], [`v1alpha2`], [`v1alpha3`] and (feature `experimental`) `x`
//!   (`gateway.networking.x-k8s.io`): one module per API version, one submodule per kind.
//! * [`shared`]: types several kinds use (`ParentReference`, `BackendRef`, `RouteStatus`, ...).
//! * [`conditions`]: the condition type every status uses, and route condition types/reasons.
//! * [`policy`]: policy attachment (target references, `PolicyStatus`).
//! * [`crd`]: the CRDs of a channel; [`schema`]: how they are generated, and [`Channel`].
//! * [`defaults`]: the API server's defaulting, also on dynamic JSON.
//! * [`document`]: reading manifests (multi-document YAML/JSON) into typed objects.

#![forbid(unsafe_code)]

#[macro_use]
mod macros;

pub mod conditions;
pub mod crd;
pub mod defaults;
pub mod document;
pub mod features;
pub mod policy;
mod resource;
pub mod schema;
pub mod shared;
#[cfg(test)]
pub(crate) mod test_support;
pub mod v1;
pub mod v1alpha2;
pub mod v1alpha3;
pub mod v1beta1;
#[cfg(feature = "experimental")]
pub mod x;

pub use crd::{CrdError, crds, crds_yaml};
pub use document::{Document, DocumentError, GatewayObject, from_yaml, parse_documents};
pub use resource::GatewayApiResource;
pub use schema::Channel;
