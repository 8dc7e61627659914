//! `gwproxy`: the reference data plane and manifest checker built only on the gateway-api
//! crates.
//!
//! This library holds the subcommands so they can be tested in-process; `src/main.rs` is the
//! command-line front end.
//!
//! ```
//! use gateway_api_proxy_example::check::{CheckOptions, Format, check_sources};
//! use gateway_api_types::Channel;
//!
//! let yaml = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n\
//!             metadata: {name: c}\nspec: {controllerName: example.net/gw}\n";
//! let out = check_sources(&[("c.yaml".into(), yaml.into())], &CheckOptions {
//!     channel: Channel::Standard,
//!     controller_name: None,
//! });
//! assert_eq!(out.summary.invalid, 0);
//! assert_eq!(out.render(Format::Json, false).lines().count(), 1);
//! ```

#![forbid(unsafe_code)]

pub mod check;
pub mod conformance;
pub mod demo;
pub mod echo;
pub mod explain;
pub mod grpc;
pub mod serve;
pub mod testbed;
