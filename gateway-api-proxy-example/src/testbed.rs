//! In-process echo backends for a set of manifests, shared by `gwproxy demo` and
//! `gwproxy conformance`.
//!
//! In a cluster, a Service selects the Pods of a Deployment and the EndpointSlice controller
//! publishes their addresses. Here every echo Deployment of the manifests becomes `replicas`
//! [`EchoServer`]s on `127.0.0.1:0`, named like Kubernetes names Pods
//! (`<deployment>-<pod-template-hash>-<suffix>`), and [`Testbed::endpoint_slices`] produces the
//! `discovery.k8s.io/v1` EndpointSlices a Service would get: one per Pod, labelled
//! `kubernetes.io/service-name`, address `127.0.0.1`, one port per Service port, named as the
//! Service port and carrying its `appProtocol` (Kubernetes EndpointSlice semantics: a Service
//! port is matched to an EndpointSlice port by name).
//!
//! Deployments and Services are not Gateway API kinds: `gateway_api_types::parse_documents`
//! keeps them as [`GatewayObject::Other`] with the whole object as JSON, which is what is read
//! here.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use gateway_api_types::GatewayObject;
use serde_json::{Value, json};

use crate::echo::{EchoIdentity, EchoLog, EchoMode, EchoOptions, EchoServer};

/// The port the upstream echo image reports as `httpPort` (its `HTTP_PORT` default).
pub const ECHO_HTTP_PORT: &str = "3000";

/// The container port on which the upstream echo image serves TLS; Service ports targeting it
/// get no endpoint here (the in-process echo serves plain HTTP only).
const ECHO_TLS_PORT: i64 = 8443;

/// Errors while starting a testbed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestbedError {
    /// A loopback socket could not be bound or served.
    #[error("echo backend {pod}: {source}")]
    Spawn {
        /// The Pod name.
        pod: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A Deployment or Service field has the wrong shape.
    #[error("{object}: field {field}: {message}")]
    Field {
        /// `Kind namespace/name`.
        object: String,
        /// The field path.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// What an echo Pod serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// HTTP/1.1 and h2c echo (JSON description of the request).
    Http,
    /// The conformance GrpcEcho service over h2c.
    Grpc,
}

/// A group of identical echo Pods (a Deployment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendSpec {
    /// Namespace.
    pub namespace: String,
    /// Deployment name (Pod-name prefix).
    pub deployment: String,
    /// Labels of the Pod template (matched by Service selectors).
    pub labels: BTreeMap<String, String>,
    /// Number of Pods.
    pub replicas: usize,
    /// HTTP or gRPC echo.
    pub kind: BackendKind,
}

/// One running echo Pod.
pub struct Pod {
    /// Pod name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Deployment the Pod belongs to.
    pub deployment: String,
    /// Where it listens.
    pub addr: SocketAddr,
    server: EchoServer,
}

impl Pod {
    /// The Pod's request log (mirror checks).
    pub fn log(&self) -> Arc<EchoLog> {
        self.server.log()
    }
}

/// Running echo Pods for a set of manifests.
#[derive(Default)]
pub struct Testbed {
    specs: Vec<BackendSpec>,
    pods: Vec<Pod>,
}

/// `Kind namespace/name` of a JSON object for messages.
fn describe(v: &Value) -> String {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("object");
    let ns = v
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>");
    format!("{kind} {ns}/{name}")
}

fn namespace_of(v: &Value) -> String {
    v.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string()
}

fn name_of(v: &Value) -> String {
    v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The non-Gateway-API objects of `kind` (their JSON).
pub fn others_of_kind<'a>(
    objects: &'a [GatewayObject],
    kind: &'a str,
) -> impl Iterator<Item = &'a Value> + 'a {
    objects.iter().filter_map(move |o| match o {
        GatewayObject::Other(o) if o.kind == kind => Some(&o.value),
        _ => None,
    })
}

/// Echo Deployments of the manifests: containers running the upstream `echo-basic` image.
/// `GRPC_ECHO_SERVER` in the container env selects the gRPC echo (as the image does);
/// TCP/UDP echo Deployments and other images are not echo backends here.
pub fn echo_deployments(objects: &[GatewayObject]) -> Result<Vec<BackendSpec>, TestbedError> {
    let mut out = Vec::new();
    for d in others_of_kind(objects, "Deployment") {
        let Some(containers) = d
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
        else {
            continue;
        };
        let Some(c) = containers.iter().find(|c| {
            c.get("image")
                .and_then(Value::as_str)
                .is_some_and(|i| i.contains("/echo-basic"))
        }) else {
            continue;
        };
        let env: Vec<&str> = c
            .get("env")
            .and_then(Value::as_array)
            .map(|e| {
                e.iter()
                    .filter_map(|v| v.get("name").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        if env
            .iter()
            .any(|e| *e == "TCP_ECHO_SERVER" || *e == "UDP_ECHO_SERVER")
        {
            continue;
        }
        let kind = if env.contains(&"GRPC_ECHO_SERVER") {
            BackendKind::Grpc
        } else {
            BackendKind::Http
        };
        let replicas = match d.pointer("/spec/replicas") {
            None => 1,
            Some(r) => r
                .as_u64()
                .and_then(|r| usize::try_from(r).ok())
                .filter(|r| *r <= 64)
                .ok_or_else(|| TestbedError::Field {
                    object: describe(d),
                    field: "spec.replicas".into(),
                    message: format!("expected an integer from 0 to 64, got {r}"),
                })?,
        };
        out.push(BackendSpec {
            namespace: namespace_of(d),
            deployment: name_of(d),
            labels: string_map(d.pointer("/spec/template/metadata/labels")),
            replicas,
            kind,
        });
    }
    Ok(out)
}

/// Echo backends for Services that have no Deployment (the demo): one spec per Service, named
/// after it, gRPC when a GRPCRoute of the manifests sends traffic to it.
pub fn service_backends(objects: &[GatewayObject], replicas: usize) -> Vec<BackendSpec> {
    let mut grpc_targets = Vec::new();
    for o in objects {
        if let GatewayObject::GRPCRoute(r) = o {
            let ns = r
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into());
            for rule in r.spec.rules.iter().flatten() {
                for b in rule.backend_refs.iter().flatten() {
                    let bns = b
                        .backend_ref
                        .backend_ref
                        .namespace
                        .as_ref()
                        .map_or_else(|| ns.clone(), |n| n.as_str().to_string());
                    grpc_targets.push((bns, b.backend_ref.backend_ref.name.as_str().to_string()));
                }
            }
        }
    }
    others_of_kind(objects, "Service")
        .map(|s| {
            let namespace = namespace_of(s);
            let name = name_of(s);
            let kind = if grpc_targets.contains(&(namespace.clone(), name.clone())) {
                BackendKind::Grpc
            } else {
                BackendKind::Http
            };
            let labels = [("app".to_string(), name.clone())].into_iter().collect();
            BackendSpec {
                namespace,
                deployment: name,
                labels,
                replicas,
                kind,
            }
        })
        .collect()
}

/// Kubernetes' alphabet for generated name parts (no vowels, no look-alikes).
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

fn encode(mut h: u64, len: usize) -> String {
    let base = ALPHABET.len() as u64;
    (0..len)
        .map(|_| {
            let c = ALPHABET[usize::try_from(h % base).unwrap_or(0)];
            h /= base;
            char::from(c)
        })
        .collect()
}

/// The deterministic name of Pod `index` of a Deployment:
/// `<deployment>-<9-char template hash>-<5-char suffix>`, as the ReplicaSet controller names
/// Pods (the backend assertion of the suite is "pod name starts with the Deployment name").
pub fn pod_name(namespace: &str, deployment: &str, index: usize) -> String {
    let template = encode(fnv1a(&[namespace, deployment]), 9);
    let suffix = encode(fnv1a(&[namespace, deployment, &index.to_string()]), 5);
    format!("{deployment}-{template}-{suffix}")
}

/// The Deployment a Pod name belongs to: the name without its last two dash-separated parts
/// (how the suite maps answering Pods to backends in weight tests).
pub fn deployment_of_pod(pod: &str) -> &str {
    let mut it = pod.rsplitn(3, '-');
    match (it.next(), it.next(), it.next()) {
        (Some(_), Some(_), Some(rest)) => rest,
        _ => pod,
    }
}

impl Testbed {
    /// Starts `spec.replicas` echo Pods for each spec on `127.0.0.1:0`.
    pub async fn start(specs: Vec<BackendSpec>) -> Result<Testbed, TestbedError> {
        let mut pods = Vec::new();
        for spec in &specs {
            for i in 0..spec.replicas {
                let name = pod_name(&spec.namespace, &spec.deployment, i);
                let spawn_err = |source| TestbedError::Spawn {
                    pod: name.clone(),
                    source,
                };
                let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                    .await
                    .map_err(spawn_err)?;
                let options = EchoOptions {
                    identity: EchoIdentity {
                        pod: name.clone(),
                        namespace: spec.namespace.clone(),
                        // The base manifests set only POD_NAME and NAMESPACE.
                        service: String::new(),
                    },
                    mode: match spec.kind {
                        BackendKind::Http => EchoMode::Http,
                        BackendKind::Grpc => EchoMode::Grpc,
                    },
                    http_port: ECHO_HTTP_PORT.into(),
                };
                let server = EchoServer::spawn(listener, options)
                    .await
                    .map_err(spawn_err)?;
                pods.push(Pod {
                    addr: server.local_addr(),
                    name,
                    namespace: spec.namespace.clone(),
                    deployment: spec.deployment.clone(),
                    server,
                });
            }
        }
        Ok(Testbed { specs, pods })
    }

    /// The running Pods.
    pub fn pods(&self) -> &[Pod] {
        &self.pods
    }

    /// The Pods of Deployment `namespace/deployment`.
    pub fn pods_of<'a>(
        &'a self,
        namespace: &'a str,
        deployment: &'a str,
    ) -> impl Iterator<Item = &'a Pod> + 'a {
        self.pods
            .iter()
            .filter(move |p| p.namespace == namespace && p.deployment == deployment)
    }

    /// How many log lines of the Pods of `namespace/deployment` contain `needle`.
    pub fn count_logged(&self, namespace: &str, deployment: &str, needle: &str) -> usize {
        self.pods_of(namespace, deployment)
            .map(|p| p.log().count_containing(needle))
            .sum()
    }

    /// Deployments whose Pod template labels satisfy `selector` in `namespace`.
    fn selected<'a>(
        &'a self,
        namespace: &'a str,
        selector: &'a BTreeMap<String, String>,
    ) -> impl Iterator<Item = &'a BackendSpec> + 'a {
        self.specs.iter().filter(move |s| {
            s.namespace == namespace
                && !selector.is_empty()
                && selector.iter().all(|(k, v)| s.labels.get(k) == Some(v))
        })
    }

    /// EndpointSlices for every Service of `objects` whose selector picks running Pods.
    pub fn endpoint_slices(&self, objects: &[GatewayObject]) -> Vec<GatewayObject> {
        let mut out = Vec::new();
        for svc in others_of_kind(objects, "Service") {
            let namespace = namespace_of(svc);
            let selector = string_map(svc.pointer("/spec/selector"));
            let pods: Vec<&Pod> = self
                .selected(&namespace, &selector)
                .flat_map(|s| self.pods_of(&s.namespace, &s.deployment))
                .collect();
            out.extend(self.slices_for(svc, &pods, &name_of(svc)));
        }
        out
    }

    /// EndpointSlices for every Service of `objects` from the Pods of the Deployment named like
    /// the Service (the demo's backends, see [`service_backends`]).
    pub fn endpoint_slices_by_name(&self, objects: &[GatewayObject]) -> Vec<GatewayObject> {
        let mut out = Vec::new();
        for svc in others_of_kind(objects, "Service") {
            let (namespace, name) = (namespace_of(svc), name_of(svc));
            let pods: Vec<&Pod> = self.pods_of(&namespace, &name).collect();
            out.extend(self.slices_for(svc, &pods, &name));
        }
        out
    }

    /// EndpointSlices (one per Pod) giving `service` the endpoints of `pods`; slice names start
    /// with `prefix`.
    pub fn slices_for(&self, service: &Value, pods: &[&Pod], prefix: &str) -> Vec<GatewayObject> {
        let namespace = namespace_of(service);
        let service_name = name_of(service);
        let svc_ports: Vec<&Value> = service
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .map(|p| p.iter().collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        for pod in pods {
            let ports: Vec<Value> = svc_ports
                .iter()
                .filter(|p| p.get("targetPort").and_then(Value::as_i64) != Some(ECHO_TLS_PORT))
                .map(|p| {
                    let mut port = json!({"port": pod.addr.port(), "protocol": "TCP"});
                    if let Some(name) = p.get("name").and_then(Value::as_str) {
                        port["name"] = json!(name);
                    } else {
                        port["name"] = json!("");
                    }
                    if let Some(ap) = p.get("appProtocol").and_then(Value::as_str) {
                        port["appProtocol"] = json!(ap);
                    }
                    port
                })
                .collect();
            if ports.is_empty() {
                continue;
            }
            let suffix = pod.name.rsplit('-').next().unwrap_or_default();
            let value = json!({
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": format!("{prefix}-{suffix}"),
                    "namespace": namespace,
                    "labels": {"kubernetes.io/service-name": service_name},
                },
                "addressType": "IPv4",
                "endpoints": [{
                    "addresses": [pod.addr.ip().to_string()],
                    "conditions": {"ready": true},
                    "targetRef": {"kind": "Pod", "namespace": pod.namespace, "name": pod.name},
                }],
                "ports": ports,
            });
            let location = gateway_api_types::document::Location {
                source: "<testbed>".into(),
                index: 0,
                line: 1,
            };
            for doc in gateway_api_types::document::parse_value(value, &location)
                .into_iter()
                .flatten()
            {
                out.push(doc.object);
            }
        }
        out
    }

    /// Stops every Pod.
    pub fn shutdown(&self) {
        for p in &self.pods {
            p.server.shutdown();
        }
    }
}

/// Parses manifest texts (`(source name, YAML)`) into objects, failing on the first document
/// that cannot be read.
pub fn parse_sources(
    sources: &[(String, String)],
) -> Result<Vec<GatewayObject>, Box<gateway_api_types::document::DocumentError>> {
    let mut out = Vec::new();
    for (name, text) in sources {
        for doc in gateway_api_types::parse_documents(name, text) {
            out.push(doc.map_err(Box::new)?.object);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_names_are_deterministic_and_map_back_to_their_deployment() {
        let a = pod_name("ns", "infra-backend-v1", 0);
        assert_eq!(a, pod_name("ns", "infra-backend-v1", 0));
        assert_ne!(a, pod_name("ns", "infra-backend-v1", 1));
        assert!(a.starts_with("infra-backend-v1-"), "{a}");
        let parts: Vec<&str> = a.rsplitn(3, '-').collect();
        assert_eq!(parts[0].len(), 5);
        assert_eq!(parts[1].len(), 9);
        assert_eq!(deployment_of_pod(&a), "infra-backend-v1");
        assert_eq!(deployment_of_pod("x"), "x");
    }

    const MANIFESTS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: grpc-b, namespace: ns1}\nspec:\n  replicas: 2\n  template:\n    metadata: {labels: {app: grpc-b}}\n    spec:\n      containers:\n      - name: c\n        image: registry.k8s.io/gateway-api/echo-basic:v1.5.1\n        env: [{name: POD_NAME}, {name: GRPC_ECHO_SERVER, value: '1'}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ns1}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: c, image: registry.k8s.io/gateway-api/echo-basic:v1.5.1}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: dns, namespace: ns1}\nspec:\n  template:\n    metadata: {labels: {app: dns}}\n    spec:\n      containers:\n      - {name: c, image: registry.k8s.io/coredns/coredns:v1.12.2}\n";

    #[test]
    fn echo_deployments_are_read_from_unknown_kinds() {
        let objects = parse_sources(&[("m.yaml".into(), MANIFESTS.into())]).unwrap();
        let specs = echo_deployments(&objects).unwrap();
        assert_eq!(specs.len(), 2, "{specs:?}");
        assert_eq!(specs[0].deployment, "grpc-b");
        assert_eq!(specs[0].kind, BackendKind::Grpc);
        assert_eq!(specs[0].replicas, 2);
        assert_eq!(specs[1].kind, BackendKind::Http);
        assert_eq!(specs[1].replicas, 1);
        assert_eq!(specs[1].labels.get("app").map(String::as_str), Some("web"));
    }

    #[test]
    fn bad_replicas_names_object_and_field() {
        let text = MANIFESTS.replace("replicas: 2", "replicas: many");
        let objects = parse_sources(&[("m.yaml".into(), text)]).unwrap();
        let err = echo_deployments(&objects).unwrap_err().to_string();
        assert!(
            err.contains("Deployment ns1/grpc-b") && err.contains("spec.replicas"),
            "{err}"
        );
    }
}
