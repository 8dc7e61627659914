//! `gwproxy demo`: the quickstart, running.
//!
//! Reads the manifests (default `examples/quickstart/`), starts two in-process echo Pods per
//! Service ([`crate::testbed`]; gRPC echo for Services a GRPCRoute sends traffic to), starts
//! the proxy on 127.0.0.1 with listener port 80 served on `--port`, prints for every route rule
//! the curl / grpcurl command that exercises it, sends each of those requests once itself and
//! prints the answer (status and answering Pod), then serves until Ctrl-C (or returns at once
//! with `--once`).

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use gateway_api_types::GatewayObject;

use crate::check::{InputError, read_sources};
use crate::conformance::http::{Transport, WireRequest, round_trip};
use crate::grpc;
use crate::serve::{Bind, ConfigSource, Proxy, ServeOptions};
use crate::testbed::{self, Testbed};

/// Options of `gwproxy demo`.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Local port serving the Gateways' port-80 listeners (0 = any free port).
    pub port: u16,
    /// Manifest files or directories.
    pub config: Vec<PathBuf>,
    /// Return after the self-check instead of serving until Ctrl-C.
    pub once: bool,
}

/// Errors that stop the demo.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The manifests could not be read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A manifest could not be parsed.
    #[error("{0}")]
    Manifest(String),
    /// The echo backends could not start.
    #[error(transparent)]
    Testbed(#[from] testbed::TestbedError),
    /// The proxy could not start.
    #[error("proxy: {0}")]
    Serve(String),
    /// Writing the output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Echo Pods per Service.
const REPLICAS: usize = 2;

/// What a probe sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeRequest {
    /// An HTTP request.
    Http {
        /// Method.
        method: String,
        /// Host header.
        host: String,
        /// Path with query.
        path: String,
        /// Extra headers.
        headers: Vec<(String, String)>,
    },
    /// A gRPC call of the echo service.
    Grpc {
        /// `:authority`.
        authority: String,
        /// Fully qualified service the route matches.
        service: String,
        /// Method.
        method: String,
        /// Metadata.
        metadata: Vec<(String, String)>,
    },
}

/// One request that exercises one route rule, and which Services may answer it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// `Kind namespace/name rule N`.
    pub rule: String,
    /// The request.
    pub request: ProbeRequest,
    /// Services (echo Deployment names) that may answer.
    pub backends: Vec<String>,
}

impl Probe {
    /// The command a user can paste to send the same request to `addr`.
    pub fn command(&self, addr: SocketAddr) -> String {
        match &self.request {
            ProbeRequest::Http {
                method,
                host,
                path,
                headers,
            } => {
                let mut c = String::from("curl -s");
                if method != "GET" {
                    c.push_str(&format!(" -X {method}"));
                }
                c.push_str(&format!(" -H 'Host: {host}'"));
                for (k, v) in headers {
                    c.push_str(&format!(" -H '{k}: {v}'"));
                }
                c.push_str(&format!(" 'http://{addr}{path}'"));
                c
            }
            ProbeRequest::Grpc {
                authority,
                service,
                method,
                metadata,
            } => {
                let mut c = format!("grpcurl -plaintext -authority {authority}");
                for (k, v) in metadata {
                    c.push_str(&format!(" -H '{k}: {v}'"));
                }
                c.push_str(&format!(" {addr} {service}/{method}"));
                c
            }
        }
    }
}

fn first_hostname(hostnames: Option<&Vec<gateway_api_types::shared::Hostname>>) -> String {
    match hostnames.and_then(|h| h.first()) {
        Some(h) => h
            .as_str()
            .strip_prefix("*.")
            .map_or_else(|| h.as_str().to_string(), |rest| format!("demo.{rest}")),
        None => "localhost".into(),
    }
}

/// One probe per match of every HTTPRoute and GRPCRoute rule (a rule without matches gets
/// one for `/`); regular-expression matches are skipped (no request can be derived reliably).
pub fn probes(objects: &[GatewayObject]) -> Vec<Probe> {
    let mut out = Vec::new();
    for o in objects {
        match o {
            GatewayObject::HTTPRoute(r) => {
                let ns = r.metadata.namespace.as_deref().unwrap_or("default");
                let name = r.metadata.name.as_deref().unwrap_or_default();
                let host = first_hostname(r.spec.hostnames.as_ref());
                for (i, rule) in r.spec.rules.iter().flatten().enumerate() {
                    let backends: Vec<String> = rule
                        .backend_refs
                        .iter()
                        .flatten()
                        .filter(|b| b.backend_ref.weight != Some(0))
                        .map(|b| b.backend_ref.backend_ref.name.as_str().to_string())
                        .collect();
                    let default = vec![Default::default()];
                    let matches = rule
                        .matches
                        .as_ref()
                        .filter(|m| !m.is_empty())
                        .unwrap_or(&default);
                    for m in matches {
                        let m: &gateway_api_types::v1::httproute::HTTPRouteMatch = m;
                        let path_type = m
                            .path
                            .as_ref()
                            .and_then(|p| p.type_.as_ref())
                            .map_or("PathPrefix", |t| t.as_str());
                        if path_type == "RegularExpression" {
                            continue;
                        }
                        let mut path = m
                            .path
                            .as_ref()
                            .and_then(|p| p.value.clone())
                            .unwrap_or_else(|| "/".into());
                        let mut headers = Vec::new();
                        let mut regex = false;
                        for h in m.headers.iter().flatten() {
                            if h.type_.as_ref().is_some_and(|t| t.as_str() != "Exact") {
                                regex = true;
                            }
                            headers.push((h.name.as_str().to_string(), h.value.clone()));
                        }
                        let query: Vec<String> = m
                            .query_params
                            .iter()
                            .flatten()
                            .map(|q| format!("{}={}", q.name.as_str(), q.value))
                            .collect();
                        if regex {
                            continue;
                        }
                        if !query.is_empty() {
                            path.push('?');
                            path.push_str(&query.join("&"));
                        }
                        out.push(Probe {
                            rule: format!("HTTPRoute {ns}/{name} rule {}", i + 1),
                            request: ProbeRequest::Http {
                                method: m
                                    .method
                                    .as_ref()
                                    .map_or_else(|| "GET".into(), |x| x.as_str().to_string()),
                                host: host.clone(),
                                path,
                                headers,
                            },
                            backends: backends.clone(),
                        });
                    }
                }
            }
            GatewayObject::GRPCRoute(r) => {
                let ns = r.metadata.namespace.as_deref().unwrap_or("default");
                let name = r.metadata.name.as_deref().unwrap_or_default();
                let host = first_hostname(r.spec.hostnames.as_ref());
                for (i, rule) in r.spec.rules.iter().flatten().enumerate() {
                    let backends: Vec<String> = rule
                        .backend_refs
                        .iter()
                        .flatten()
                        .filter(|b| b.backend_ref.weight != Some(0))
                        .map(|b| b.backend_ref.backend_ref.name.as_str().to_string())
                        .collect();
                    let default = vec![Default::default()];
                    let matches = rule
                        .matches
                        .as_ref()
                        .filter(|m| !m.is_empty())
                        .unwrap_or(&default);
                    for m in matches {
                        let m: &gateway_api_types::v1::grpcroute::GRPCRouteMatch = m;
                        let method = m.method.as_ref();
                        let metadata: Vec<(String, String)> = m
                            .headers
                            .iter()
                            .flatten()
                            .map(|h| (h.name.as_str().to_ascii_lowercase(), h.value.clone()))
                            .collect();
                        out.push(Probe {
                            rule: format!("GRPCRoute {ns}/{name} rule {}", i + 1),
                            request: ProbeRequest::Grpc {
                                authority: host.clone(),
                                service: method
                                    .and_then(|x| x.service.clone())
                                    .unwrap_or_else(|| grpc::ECHO_SERVICE.to_string()),
                                method: method
                                    .and_then(|x| x.method.clone())
                                    .unwrap_or_else(|| "Echo".into()),
                                metadata,
                            },
                            backends: backends.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Sends one probe; returns the result line and whether an expected backend answered.
async fn send_probe(probe: &Probe, addr: SocketAddr) -> (String, bool) {
    let timeout = Duration::from_secs(5);
    let ok_backend = |pod: &str| {
        probe
            .backends
            .iter()
            .any(|b| testbed::deployment_of_pod(pod) == b.as_str())
    };
    match &probe.request {
        ProbeRequest::Http {
            method,
            host,
            path,
            headers,
        } => {
            let req = WireRequest {
                transport: Transport::Http1,
                method: method.clone(),
                host: host.clone(),
                path: path.clone(),
                headers: headers.clone(),
                body: None,
            };
            match round_trip(addr, &req, timeout).await {
                Ok((cap, res)) => {
                    let ok = res.status == 200 && ok_backend(&cap.pod);
                    let who = if cap.pod.is_empty() {
                        "no echo answer".to_string()
                    } else {
                        format!("pod {}", cap.pod)
                    };
                    (format!("{} from {who}", res.status), ok)
                }
                Err(e) => (e.to_string(), false),
            }
        }
        ProbeRequest::Grpc {
            authority,
            service,
            method,
            metadata,
        } => match grpc::call_echo(
            addr,
            authority,
            &format!("/{service}/{method}"),
            metadata,
            timeout,
        )
        .await
        {
            Ok(reply) => {
                let pod = reply
                    .response
                    .and_then(|r| r.assertions)
                    .and_then(|a| a.context)
                    .map(|c| c.pod)
                    .unwrap_or_default();
                let ok = reply.code == grpc::Code::Ok && ok_backend(&pod);
                let who = if pod.is_empty() {
                    "no echo answer".to_string()
                } else {
                    format!("pod {pod}")
                };
                (format!("gRPC {} from {who}", reply.code), ok)
            }
            Err(e) => (e.to_string(), false),
        },
    }
}

/// Runs the demo, writing to `out`. `Ok(true)` when every self-check reached an expected
/// backend.
pub async fn run(options: DemoOptions, out: &mut dyn Write) -> Result<bool, DemoError> {
    let sources = read_sources(&options.config)?;
    let objects =
        testbed::parse_sources(&sources).map_err(|e| DemoError::Manifest(e.to_string()))?;
    let bed = Testbed::start(testbed::service_backends(&objects, REPLICAS)).await?;
    let extra_objects = bed.endpoint_slices_by_name(&objects);
    let mut overrides = BTreeMap::new();
    overrides.insert(
        80,
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), options.port),
    );
    let mut serve = ServeOptions::new(
        ConfigSource::Inline(sources),
        Bind::Ports {
            default_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            overrides,
        },
    );
    serve.extra_objects = extra_objects;
    let proxy = Proxy::start(serve)
        .await
        .map_err(|e| DemoError::Serve(e.to_string()))?;
    let bound = proxy.bound();
    let Some(listener) = bound.iter().find(|b| b.port == 80).or(bound.first()) else {
        proxy.shutdown().await;
        bed.shutdown();
        return Err(DemoError::Serve("no listener was bound".into()));
    };
    let addr = listener.addr;
    writeln!(
        out,
        "gwproxy demo: proxy on http://{addr} (listener port {}), {} echo pods for {} services",
        listener.port,
        bed.pods().len(),
        testbed::others_of_kind(&objects, "Service").count()
    )?;
    let mut all_ok = true;
    for probe in probes(&objects) {
        writeln!(out, "\n# {} -> {}", probe.rule, probe.backends.join(" | "))?;
        writeln!(out, "{}", probe.command(addr))?;
        if let ProbeRequest::Grpc { service, .. } = &probe.request
            && service != grpc::ECHO_SERVICE
        {
            writeln!(
                out,
                "  (not sent: the demo's echo backend implements only {})",
                grpc::ECHO_SERVICE
            )?;
            continue;
        }
        let (line, ok) = send_probe(&probe, addr).await;
        all_ok &= ok;
        writeln!(out, "  => {line} [{}]", if ok { "ok" } else { "FAILED" })?;
    }
    writeln!(
        out,
        "\nself-check: {}",
        if all_ok {
            "all routes answered"
        } else {
            "some routes FAILED"
        }
    )?;
    if !options.once {
        writeln!(out, "serving on http://{addr}; Ctrl-C to stop")?;
        out.flush()?;
        tokio::signal::ctrl_c().await?;
    }
    proxy.shutdown().await;
    bed.shutdown();
    Ok(all_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quickstart() -> Vec<GatewayObject> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart");
        let sources = read_sources(&[path]).unwrap();
        testbed::parse_sources(&sources).unwrap()
    }

    #[test]
    fn quickstart_probes_cover_path_canary_and_grpc() {
        let p = probes(&quickstart());
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let cmds: Vec<String> = p.iter().map(|p| p.command(addr)).collect();
        assert!(
            cmds.contains(
                &"curl -s -H 'Host: shop.example.com' 'http://127.0.0.1:8080/'".to_string()
            ),
            "{cmds:#?}"
        );
        assert!(
            cmds.iter()
                .any(|c| c.contains("x-canary: always") && c.ends_with("/api/checkout'"))
        );
        assert!(
            cmds.iter()
                .any(|c| c.starts_with("grpcurl -plaintext -authority grpc.example.com"))
        );
        let canary = p
            .iter()
            .find(
                |p| matches!(&p.request, ProbeRequest::Http { headers, .. } if !headers.is_empty()),
            )
            .unwrap();
        assert_eq!(canary.backends, vec!["api-v2".to_string()]);
        let weighted = p.iter().filter(|p| p.backends.len() == 2).count();
        assert_eq!(weighted, 1);
    }

    #[test]
    fn grpc_targets_get_grpc_echo_pods() {
        let specs = testbed::service_backends(&quickstart(), 2);
        let inventory = specs.iter().find(|s| s.deployment == "inventory").unwrap();
        assert_eq!(inventory.kind, testbed::BackendKind::Grpc);
        let web = specs.iter().find(|s| s.deployment == "web").unwrap();
        assert_eq!(web.kind, testbed::BackendKind::Http);
        assert_eq!(web.replicas, 2);
    }
}
