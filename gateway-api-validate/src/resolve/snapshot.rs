//! The resolver's input: every object of a cluster (or a set of manifests) at one point in time.
//!
//! A [`Snapshot`] is built from [`GatewayObject`]s. Gateway API objects of every served version
//! are converted to their `v1` form (the versions share one schema) with CRD defaults applied,
//! as the API server would store them. Services, EndpointSlices, Namespaces, Secrets and
//! ConfigMaps arrive as [`GatewayObject::Other`] and are reduced to the few fields resolution
//! needs. Objects are keyed by namespace/name in ordered maps, so the order in which objects are
//! inserted never changes anything downstream.

use std::collections::{BTreeMap, BTreeSet};

use gateway_api_types::GatewayObject;
use gateway_api_types::conditions::Time;
use gateway_api_types::v1;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

/// The label the API server puts on every Namespace (Kubernetes 1.22+), holding its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
/// The label linking an EndpointSlice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// Kinds of object the resolver knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// `GatewayClass` (cluster-scoped).
    GatewayClass,
    /// `Gateway`.
    Gateway,
    /// `ListenerSet`.
    ListenerSet,
    /// `HTTPRoute`.
    HTTPRoute,
    /// `GRPCRoute`.
    GRPCRoute,
    /// `TLSRoute`.
    TLSRoute,
    /// `TCPRoute`.
    TCPRoute,
    /// `UDPRoute`.
    UDPRoute,
    /// `ReferenceGrant`.
    ReferenceGrant,
    /// `BackendTLSPolicy`.
    BackendTLSPolicy,
    /// Core `Service`.
    Service,
    /// `discovery.k8s.io` `EndpointSlice`.
    EndpointSlice,
    /// Core `Namespace` (cluster-scoped).
    Namespace,
    /// Core `Secret`.
    Secret,
    /// Core `ConfigMap`.
    ConfigMap,
}

impl ObjectKind {
    /// Every kind, in order.
    pub const ALL: &'static [ObjectKind] = &[
        Self::GatewayClass,
        Self::Gateway,
        Self::ListenerSet,
        Self::HTTPRoute,
        Self::GRPCRoute,
        Self::TLSRoute,
        Self::TCPRoute,
        Self::UDPRoute,
        Self::ReferenceGrant,
        Self::BackendTLSPolicy,
        Self::Service,
        Self::EndpointSlice,
        Self::Namespace,
        Self::Secret,
        Self::ConfigMap,
    ];

    /// The Kubernetes `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GatewayClass => "GatewayClass",
            Self::Gateway => "Gateway",
            Self::ListenerSet => "ListenerSet",
            Self::HTTPRoute => "HTTPRoute",
            Self::GRPCRoute => "GRPCRoute",
            Self::TLSRoute => "TLSRoute",
            Self::TCPRoute => "TCPRoute",
            Self::UDPRoute => "UDPRoute",
            Self::ReferenceGrant => "ReferenceGrant",
            Self::BackendTLSPolicy => "BackendTLSPolicy",
            Self::Service => "Service",
            Self::EndpointSlice => "EndpointSlice",
            Self::Namespace => "Namespace",
            Self::Secret => "Secret",
            Self::ConfigMap => "ConfigMap",
        }
    }

    /// The API group (`""` for the core group).
    pub fn group(self) -> &'static str {
        match self {
            Self::Service | Self::Namespace | Self::Secret | Self::ConfigMap => "",
            Self::EndpointSlice => "discovery.k8s.io",
            _ => gateway_api_types::document::GROUP,
        }
    }
}

/// Identity of an object: kind, namespace (`""` when cluster-scoped) and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// Its kind.
    pub kind: ObjectKind,
    /// Its namespace, `""` for cluster-scoped kinds.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl ObjectRef {
    /// A reference from parts.
    pub fn new(kind: ObjectKind, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind,
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind.as_str(), self.name)
        } else {
            write!(f, "{} {}/{}", self.kind.as_str(), self.namespace, self.name)
        }
    }
}

/// Namespace/name key of an object within one kind's map.
pub type Key = (String, String);

/// Why an object cannot enter a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Two objects share kind, namespace and name.
    #[error("duplicate object {0}")]
    Duplicate(ObjectRef),
    /// A Gateway API object could not be converted to its `v1` form.
    #[error("{object}: cannot convert to v1: {message}")]
    Conversion {
        /// The object.
        object: String,
        /// The serde error.
        message: String,
    },
    /// An object has no name.
    #[error("{kind} without metadata.name")]
    MissingName {
        /// Its kind.
        kind: String,
    },
}

/// A port of a Service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    /// `port`.
    pub port: i32,
    /// `name`, if any.
    pub name: Option<String>,
    /// `appProtocol`, if any.
    pub app_protocol: Option<String>,
    /// `targetPort` (a number or a container port name), if given. Kubernetes defaults it to
    /// `port`.
    pub target_port: Option<TargetPort>,
}

/// `targetPort` of a Service port: a number or the name of a container port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetPort {
    /// A port number.
    Number(i32),
    /// A named container port.
    Name(String),
}

/// A port of an EndpointSlice (`ports[]`). spec (Kubernetes EndpointSlice): `name` equals the
/// name of the Service port it serves (empty for an unnamed Service port).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointPort {
    /// `name` (`None` when absent or empty).
    pub name: Option<String>,
    /// `port`, if given.
    pub port: Option<i32>,
    /// `appProtocol`, if any.
    pub app_protocol: Option<String>,
}

/// The parts of a Service resolution needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// Its metadata.
    pub metadata: ObjectMeta,
    /// `spec.type` (`ClusterIP` when absent).
    pub type_: String,
    /// `spec.ports`.
    pub ports: Vec<ServicePort>,
}

/// The parts of an EndpointSlice resolution needs.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSlice {
    /// Its metadata.
    pub metadata: ObjectMeta,
    /// The Service it belongs to (label `kubernetes.io/service-name`).
    pub service: Option<String>,
    /// Addresses of endpoints that are ready (`conditions.ready` absent counts as ready).
    pub ready_addresses: Vec<String>,
    /// `ports` (what a data plane needs to reach the addresses).
    pub ports: Vec<EndpointPort>,
}

/// The parts of a Secret resolution needs (never the values beyond what validity checks read).
#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    /// Its metadata.
    pub metadata: ObjectMeta,
    /// `type` (`Opaque` when absent).
    pub type_: String,
    /// `data` (base64 strings, as written) merged with `stringData` (plain).
    pub data: BTreeMap<String, SecretValue>,
}

/// A value of a Secret or ConfigMap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretValue {
    /// From `data`: base64 text.
    Base64(String),
    /// From `stringData` (Secret) or `data` (ConfigMap): plain text.
    Plain(String),
}

impl SecretValue {
    /// The decoded bytes, or `None` when the base64 is malformed.
    pub fn decode(&self) -> Option<Vec<u8>> {
        match self {
            Self::Plain(s) => Some(s.as_bytes().to_vec()),
            Self::Base64(s) => base64_decode(s),
        }
    }
}

/// Standard base64 (padding optional, whitespace ignored).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' | b' ' | b'\t' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The parts of a ConfigMap resolution needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigMap {
    /// Its metadata.
    pub metadata: ObjectMeta,
    /// `data`.
    pub data: BTreeMap<String, SecretValue>,
}

/// Every object of one point in time, ordered by namespace/name within each kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// GatewayClasses, keyed by `("", name)`.
    pub gateway_classes: BTreeMap<Key, v1::GatewayClass>,
    /// Gateways.
    pub gateways: BTreeMap<Key, v1::Gateway>,
    /// ListenerSets.
    pub listener_sets: BTreeMap<Key, v1::ListenerSet>,
    /// HTTPRoutes.
    pub http_routes: BTreeMap<Key, v1::HTTPRoute>,
    /// GRPCRoutes.
    pub grpc_routes: BTreeMap<Key, v1::GRPCRoute>,
    /// TLSRoutes.
    pub tls_routes: BTreeMap<Key, v1::TLSRoute>,
    /// TCPRoutes.
    pub tcp_routes: BTreeMap<Key, v1::TCPRoute>,
    /// UDPRoutes.
    pub udp_routes: BTreeMap<Key, v1::UDPRoute>,
    /// ReferenceGrants.
    pub reference_grants: BTreeMap<Key, v1::ReferenceGrant>,
    /// BackendTLSPolicies.
    pub backend_tls_policies: BTreeMap<Key, v1::BackendTLSPolicy>,
    /// Services.
    pub services: BTreeMap<Key, Service>,
    /// EndpointSlices.
    pub endpoint_slices: BTreeMap<Key, EndpointSlice>,
    /// Namespaces and their labels, keyed by name.
    pub namespaces: BTreeMap<String, BTreeMap<String, String>>,
    /// Secrets.
    pub secrets: BTreeMap<Key, Secret>,
    /// ConfigMaps.
    pub config_maps: BTreeMap<Key, ConfigMap>,
    /// Objects of other kinds, kept only by identity (`(apiVersion, kind, namespace, name)`),
    /// so references to them can be told apart from missing ones.
    pub others: BTreeSet<(String, String, String, String)>,
}

/// Converts between two versions of one kind (same schema) through JSON.
fn convert<S: serde::Serialize, T: serde::de::DeserializeOwned>(
    what: &str,
    o: &S,
) -> Result<T, SnapshotError> {
    serde_json::to_value(o)
        .and_then(serde_json::from_value)
        .map_err(|e| SnapshotError::Conversion {
            object: what.to_string(),
            message: e.to_string(),
        })
}

fn key_of(meta: &ObjectMeta, kind: &str) -> Result<Key, SnapshotError> {
    let name = meta
        .name
        .clone()
        .ok_or_else(|| SnapshotError::MissingName {
            kind: kind.to_string(),
        })?;
    Ok((meta.namespace.clone().unwrap_or_default(), name))
}

fn insert_unique<T>(
    map: &mut BTreeMap<Key, T>,
    kind: ObjectKind,
    key: Key,
    value: T,
) -> Result<(), SnapshotError> {
    if map.contains_key(&key) {
        return Err(SnapshotError::Duplicate(ObjectRef::new(kind, key.0, key.1)));
    }
    map.insert(key, value);
    Ok(())
}

fn str_map(v: Option<&Value>, base64: bool) -> BTreeMap<String, SecretValue> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(m)) = v {
        for (k, v) in m {
            let s = v.as_str().unwrap_or_default().to_string();
            out.insert(
                k.clone(),
                if base64 {
                    SecretValue::Base64(s)
                } else {
                    SecretValue::Plain(s)
                },
            );
        }
    }
    out
}

impl Snapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a snapshot from objects in any order. Fails on duplicates and unconvertible
    /// objects.
    pub fn from_objects<'a>(
        objects: impl IntoIterator<Item = &'a GatewayObject>,
    ) -> Result<Self, SnapshotError> {
        let mut s = Self::new();
        for o in objects {
            s.insert(o)?;
        }
        Ok(s)
    }

    /// Adds one object (CRD defaults applied, converted to `v1`). Fails when an object of the
    /// same kind, namespace and name is already present.
    pub fn insert(&mut self, object: &GatewayObject) -> Result<(), SnapshotError> {
        use GatewayObject as G;
        let mut object = object.clone();
        let what = format!("{} {:?}", object.kind(), object.metadata().name);
        object
            .apply_defaults()
            .map_err(|e| SnapshotError::Conversion {
                object: what.clone(),
                message: e.to_string(),
            })?;
        let key = key_of(object.metadata(), object.kind())?;
        match &object {
            G::GatewayClass(o) => insert_unique(
                &mut self.gateway_classes,
                ObjectKind::GatewayClass,
                key,
                (**o).clone(),
            ),
            G::GatewayClassV1beta1(o) => insert_unique(
                &mut self.gateway_classes,
                ObjectKind::GatewayClass,
                key,
                convert(&what, &**o)?,
            ),
            G::Gateway(o) => {
                insert_unique(&mut self.gateways, ObjectKind::Gateway, key, (**o).clone())
            }
            G::GatewayV1beta1(o) => insert_unique(
                &mut self.gateways,
                ObjectKind::Gateway,
                key,
                convert(&what, &**o)?,
            ),
            G::ListenerSet(o) => insert_unique(
                &mut self.listener_sets,
                ObjectKind::ListenerSet,
                key,
                (**o).clone(),
            ),
            G::HTTPRoute(o) => insert_unique(
                &mut self.http_routes,
                ObjectKind::HTTPRoute,
                key,
                (**o).clone(),
            ),
            G::HTTPRouteV1beta1(o) => insert_unique(
                &mut self.http_routes,
                ObjectKind::HTTPRoute,
                key,
                convert(&what, &**o)?,
            ),
            G::GRPCRoute(o) => insert_unique(
                &mut self.grpc_routes,
                ObjectKind::GRPCRoute,
                key,
                (**o).clone(),
            ),
            G::TLSRoute(o) => insert_unique(
                &mut self.tls_routes,
                ObjectKind::TLSRoute,
                key,
                (**o).clone(),
            ),
            G::TLSRouteV1alpha2(o) => insert_unique(
                &mut self.tls_routes,
                ObjectKind::TLSRoute,
                key,
                convert(&what, &**o)?,
            ),
            G::TLSRouteV1alpha3(o) => insert_unique(
                &mut self.tls_routes,
                ObjectKind::TLSRoute,
                key,
                convert(&what, &**o)?,
            ),
            G::TCPRoute(o) => insert_unique(
                &mut self.tcp_routes,
                ObjectKind::TCPRoute,
                key,
                (**o).clone(),
            ),
            G::TCPRouteV1alpha2(o) => insert_unique(
                &mut self.tcp_routes,
                ObjectKind::TCPRoute,
                key,
                convert(&what, &**o)?,
            ),
            G::UDPRoute(o) => insert_unique(
                &mut self.udp_routes,
                ObjectKind::UDPRoute,
                key,
                (**o).clone(),
            ),
            G::UDPRouteV1alpha2(o) => insert_unique(
                &mut self.udp_routes,
                ObjectKind::UDPRoute,
                key,
                convert(&what, &**o)?,
            ),
            G::ReferenceGrant(o) => insert_unique(
                &mut self.reference_grants,
                ObjectKind::ReferenceGrant,
                key,
                (**o).clone(),
            ),
            G::ReferenceGrantV1beta1(o) => insert_unique(
                &mut self.reference_grants,
                ObjectKind::ReferenceGrant,
                key,
                convert(&what, &**o)?,
            ),
            G::BackendTLSPolicy(o) => insert_unique(
                &mut self.backend_tls_policies,
                ObjectKind::BackendTLSPolicy,
                key,
                (**o).clone(),
            ),
            G::BackendTLSPolicyV1alpha3(o) => insert_unique(
                &mut self.backend_tls_policies,
                ObjectKind::BackendTLSPolicy,
                key,
                convert(&what, &**o)?,
            ),
            G::Other(o) => self.insert_other(o, key),
            #[allow(unreachable_patterns)]
            _ => {
                // Experimental `x-k8s.io` kinds take no part in resolution.
                self.others.insert((
                    object.api_version().to_string(),
                    object.kind().to_string(),
                    key.0,
                    key.1,
                ));
                Ok(())
            }
        }
    }

    fn insert_other(
        &mut self,
        o: &gateway_api_types::document::OtherObject,
        key: Key,
    ) -> Result<(), SnapshotError> {
        let v = &o.value;
        let meta = o.metadata.clone();
        match (o.api_version.as_str(), o.kind.as_str()) {
            ("v1", "Service") => {
                let spec = v.get("spec");
                let ports = spec
                    .and_then(|s| s.get("ports"))
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .filter_map(|p| {
                                Some(ServicePort {
                                    port: i32::try_from(p.get("port")?.as_i64()?).ok()?,
                                    name: p.get("name").and_then(Value::as_str).map(String::from),
                                    app_protocol: p
                                        .get("appProtocol")
                                        .and_then(Value::as_str)
                                        .map(String::from),
                                    target_port: match p.get("targetPort") {
                                        Some(Value::String(n)) => Some(n.parse().map_or_else(
                                            |_| TargetPort::Name(n.clone()),
                                            TargetPort::Number,
                                        )),
                                        Some(v) => v
                                            .as_i64()
                                            .and_then(|n| i32::try_from(n).ok())
                                            .map(TargetPort::Number),
                                        None => None,
                                    },
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let type_ = spec
                    .and_then(|s| s.get("type"))
                    .and_then(Value::as_str)
                    .unwrap_or("ClusterIP")
                    .to_string();
                insert_unique(
                    &mut self.services,
                    ObjectKind::Service,
                    key,
                    Service {
                        metadata: meta,
                        type_,
                        ports,
                    },
                )
            }
            ("discovery.k8s.io/v1", "EndpointSlice") => {
                let service = meta
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(SERVICE_NAME_LABEL))
                    .cloned();
                let ready_addresses = v
                    .get("endpoints")
                    .and_then(Value::as_array)
                    .map(|eps| {
                        eps.iter()
                            .filter(|e| {
                                e.pointer("/conditions/ready")
                                    .and_then(Value::as_bool)
                                    .unwrap_or(true)
                            })
                            .flat_map(|e| {
                                e.get("addresses")
                                    .and_then(Value::as_array)
                                    .into_iter()
                                    .flatten()
                                    .filter_map(|a| a.as_str().map(String::from))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let ports = v
                    .get("ports")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .map(|p| EndpointPort {
                                name: p
                                    .get("name")
                                    .and_then(Value::as_str)
                                    .filter(|n| !n.is_empty())
                                    .map(String::from),
                                port: p
                                    .get("port")
                                    .and_then(Value::as_i64)
                                    .and_then(|n| i32::try_from(n).ok()),
                                app_protocol: p
                                    .get("appProtocol")
                                    .and_then(Value::as_str)
                                    .map(String::from),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                insert_unique(
                    &mut self.endpoint_slices,
                    ObjectKind::EndpointSlice,
                    key,
                    EndpointSlice {
                        metadata: meta,
                        service,
                        ready_addresses,
                        ports,
                    },
                )
            }
            ("v1", "Namespace") => {
                if self.namespaces.contains_key(&key.1) {
                    return Err(SnapshotError::Duplicate(ObjectRef::new(
                        ObjectKind::Namespace,
                        "",
                        key.1,
                    )));
                }
                let mut labels = meta.labels.clone().unwrap_or_default();
                // The API server sets this label on every Namespace.
                labels.insert(NAMESPACE_NAME_LABEL.to_string(), key.1.clone());
                self.namespaces.insert(key.1, labels);
                Ok(())
            }
            ("v1", "Secret") => {
                let mut data = str_map(v.get("data"), true);
                data.extend(str_map(v.get("stringData"), false));
                let type_ = v
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("Opaque")
                    .to_string();
                insert_unique(
                    &mut self.secrets,
                    ObjectKind::Secret,
                    key,
                    Secret {
                        metadata: meta,
                        type_,
                        data,
                    },
                )
            }
            ("v1", "ConfigMap") => {
                let data = str_map(v.get("data"), false);
                insert_unique(
                    &mut self.config_maps,
                    ObjectKind::ConfigMap,
                    key,
                    ConfigMap {
                        metadata: meta,
                        data,
                    },
                )
            }
            (api, kind) => {
                self.others
                    .insert((api.to_string(), kind.to_string(), key.0, key.1));
                Ok(())
            }
        }
    }

    /// Removes an object; returns whether it was present. With [`Snapshot::upsert`], the
    /// building block for applying watch events one at a time.
    pub fn remove(&mut self, object: &ObjectRef) -> bool {
        let key = (object.namespace.clone(), object.name.clone());
        match object.kind {
            ObjectKind::GatewayClass => self.gateway_classes.remove(&key).is_some(),
            ObjectKind::Gateway => self.gateways.remove(&key).is_some(),
            ObjectKind::ListenerSet => self.listener_sets.remove(&key).is_some(),
            ObjectKind::HTTPRoute => self.http_routes.remove(&key).is_some(),
            ObjectKind::GRPCRoute => self.grpc_routes.remove(&key).is_some(),
            ObjectKind::TLSRoute => self.tls_routes.remove(&key).is_some(),
            ObjectKind::TCPRoute => self.tcp_routes.remove(&key).is_some(),
            ObjectKind::UDPRoute => self.udp_routes.remove(&key).is_some(),
            ObjectKind::ReferenceGrant => self.reference_grants.remove(&key).is_some(),
            ObjectKind::BackendTLSPolicy => self.backend_tls_policies.remove(&key).is_some(),
            ObjectKind::Service => self.services.remove(&key).is_some(),
            ObjectKind::EndpointSlice => self.endpoint_slices.remove(&key).is_some(),
            ObjectKind::Namespace => self.namespaces.remove(&object.name).is_some(),
            ObjectKind::Secret => self.secrets.remove(&key).is_some(),
            ObjectKind::ConfigMap => self.config_maps.remove(&key).is_some(),
        }
    }

    /// Inserts an object, replacing the one of the same kind, namespace and name.
    pub fn upsert(&mut self, object: &GatewayObject) -> Result<(), SnapshotError> {
        let meta = object.metadata();
        let name = meta
            .name
            .clone()
            .ok_or_else(|| SnapshotError::MissingName {
                kind: object.kind().to_string(),
            })?;
        let ns = meta.namespace.clone().unwrap_or_default();
        if let Some(kind) = kind_of(object) {
            self.remove(&ObjectRef::new(kind, ns, name));
        } else {
            self.others.remove(&(
                object.api_version().to_string(),
                object.kind().to_string(),
                ns,
                name,
            ));
        }
        self.insert(object)
    }

    /// Labels of a namespace. A namespace without an object gets only the
    /// `kubernetes.io/metadata.name` label the API server would set.
    pub fn namespace_labels(&self, ns: &str) -> BTreeMap<String, String> {
        self.namespaces
            .get(ns)
            .cloned()
            .unwrap_or_else(|| BTreeMap::from([(NAMESPACE_NAME_LABEL.to_string(), ns.to_string())]))
    }
}

/// `metadata.generation`, or 1 (what the API server sets on create) when absent offline.
pub fn generation(meta: &ObjectMeta) -> i64 {
    meta.generation.unwrap_or(1)
}

/// `metadata.creationTimestamp` (absent offline: objects without one tie).
pub fn created(meta: &ObjectMeta) -> Option<&Time> {
    meta.creation_timestamp.as_ref()
}

/// The [`ObjectKind`] an object is stored under, `None` for kinds kept only by identity
/// (and for core or discovery kinds of other API versions).
pub fn kind_of(object: &GatewayObject) -> Option<ObjectKind> {
    Some(match (object.api_version(), object.kind()) {
        ("v1", "Service") => ObjectKind::Service,
        ("discovery.k8s.io/v1", "EndpointSlice") => ObjectKind::EndpointSlice,
        ("v1", "Namespace") => ObjectKind::Namespace,
        ("v1", "Secret") => ObjectKind::Secret,
        ("v1", "ConfigMap") => ObjectKind::ConfigMap,
        (_, "GatewayClass") => ObjectKind::GatewayClass,
        (_, "Gateway") => ObjectKind::Gateway,
        (_, "ListenerSet") => ObjectKind::ListenerSet,
        (_, "HTTPRoute") => ObjectKind::HTTPRoute,
        (_, "GRPCRoute") => ObjectKind::GRPCRoute,
        (_, "TLSRoute") => ObjectKind::TLSRoute,
        (_, "TCPRoute") => ObjectKind::TCPRoute,
        (_, "UDPRoute") => ObjectKind::UDPRoute,
        (_, "ReferenceGrant") => ObjectKind::ReferenceGrant,
        (_, "BackendTLSPolicy") => ObjectKind::BackendTLSPolicy,
        _ => return None,
    })
    .filter(|_| {
        object
            .api_version()
            .starts_with(gateway_api_types::document::GROUP)
            || matches!(object.api_version(), "v1" | "discovery.k8s.io/v1")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(yaml: &str) -> Vec<GatewayObject> {
        gateway_api_types::parse_documents("t.yaml", yaml)
            .into_iter()
            .flatten()
            .map(|d| d.object)
            .collect()
    }

    #[test]
    fn upsert_replaces_and_remove_deletes() {
        let v1 = objects(
            "apiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: ns1}\nspec: {ports: [{port: 1}]}\n",
        );
        let v2 = objects(
            "apiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: ns1}\nspec: {ports: [{port: 2}]}\n",
        );
        let mut snap = Snapshot::from_objects(&v1).unwrap_or_default();
        assert_eq!(snap.services.len(), 1);
        assert!(snap.insert(&v2[0]).is_err(), "insert refuses duplicates");
        assert_eq!(snap.upsert(&v2[0]), Ok(()));
        let key = ("ns1".to_string(), "svc".to_string());
        assert_eq!(snap.services.get(&key).map(|s| s.ports[0].port), Some(2));
        assert!(snap.remove(&ObjectRef::new(ObjectKind::Service, "ns1", "svc")));
        assert!(snap.services.is_empty());
    }

    #[test]
    fn namespaces_get_the_name_label() {
        let ns =
            objects("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: x}}\n");
        let snap = Snapshot::from_objects(&ns).unwrap_or_default();
        let labels = snap.namespace_labels("a");
        assert_eq!(
            labels.get(NAMESPACE_NAME_LABEL).map(String::as_str),
            Some("a")
        );
        assert_eq!(labels.get("team").map(String::as_str), Some("x"));
        assert_eq!(
            snap.namespace_labels("b")
                .get(NAMESPACE_NAME_LABEL)
                .map(String::as_str),
            Some("b")
        );
    }

    #[test]
    fn service_target_ports_and_endpoint_slice_ports() {
        let s = Snapshot::from_objects(&objects(
            r#"
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: ns1}
spec:
  ports:
  - {name: web, port: 80, targetPort: 8080}
  - {port: 81, targetPort: http}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-1
  namespace: ns1
  labels: {kubernetes.io/service-name: svc}
addressType: IPv4
ports:
- {name: web, port: 8080, appProtocol: kubernetes.io/h2c}
- {name: "", port: 9}
endpoints:
- addresses: [10.0.0.1]
- addresses: [10.0.0.2]
  conditions: {ready: false}
"#,
        ))
        .unwrap();
        let svc = &s.services[&("ns1".to_string(), "svc".to_string())];
        assert_eq!(svc.ports[0].target_port, Some(TargetPort::Number(8080)));
        assert_eq!(
            svc.ports[1].target_port,
            Some(TargetPort::Name("http".to_string()))
        );
        let eps = &s.endpoint_slices[&("ns1".to_string(), "svc-1".to_string())];
        assert_eq!(eps.ready_addresses, vec!["10.0.0.1".to_string()]);
        assert_eq!(eps.ports.len(), 2);
        assert_eq!(eps.ports[0].name.as_deref(), Some("web"));
        assert_eq!(eps.ports[0].port, Some(8080));
        assert_eq!(
            eps.ports[0].app_protocol.as_deref(),
            Some("kubernetes.io/h2c")
        );
        assert_eq!(eps.ports[1].name, None);
    }

    #[test]
    fn secret_values_decode() {
        assert_eq!(
            SecretValue::Base64("aGk=".into()).decode(),
            Some(b"hi".to_vec())
        );
        assert_eq!(SecretValue::Base64("!!".into()).decode(), None);
    }
}
