//! Loading a configuration: manifests -> validated objects -> snapshot -> resolution ->
//! compiled tables and TLS configurations.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use gateway_api_types::document::parse_value;
use gateway_api_types::features::{FeatureKind, SupportedFeatureName};
use gateway_api_types::{Channel, GatewayObject, parse_documents};
use gateway_api_validate::resolve::{Config, Key, Resolution, Snapshot, resolve};
use gateway_api_validate::validate_manifest;
use serde_json::{Value, json};

use super::table::{Table, gateway_table, shared_table};
use super::tls::{TlsError, server_config};

/// Kinds without a namespace (objects without `metadata.namespace` of other kinds go to
/// `default`, as `kubectl apply` would put them).
const CLUSTER_SCOPED: &[&str] = &[
    "GatewayClass",
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
];

/// What is wrong with a configuration (each message names the file, object and field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Documents that do not parse or objects the API server would refuse.
    #[error("invalid manifests:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
    /// Two objects with the same identity.
    #[error("{0}")]
    Snapshot(String),
    /// No controller name given and the GatewayClasses name none or several.
    #[error("{0}")]
    Controller(String),
    /// The resolved routes do not compile (for instance a regular expression too large).
    #[error("Gateway {gateway}: the resolved routes do not compile: {message}")]
    Compile {
        /// `namespace/name` of the Gateway (`*` for the shared table).
        gateway: String,
        /// The compiler's message.
        message: String,
    },
    /// A certificate Secret cannot be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// One socket the configuration needs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketKey {
    /// The Gateway (`Bind::PerGateway`), or `None` (one socket per port).
    pub gateway: Option<Key>,
    /// The Gateway listener port.
    pub port: u16,
}

/// A loaded configuration.
#[derive(Debug)]
pub struct Loaded {
    /// The resolution (statuses and data plane).
    pub resolution: Arc<Resolution>,
    /// Route tables: `None` = the shared table, `Some(gateway)` = one Gateway's.
    pub tables: BTreeMap<Option<Key>, Arc<Table>>,
    /// TLS server configurations per socket (HTTPS ports).
    pub tls: BTreeMap<SocketKey, Arc<rustls::ServerConfig>>,
    /// Sockets needed.
    pub sockets: BTreeSet<SocketKey>,
    /// Statuses as JSON, for `/config`.
    pub statuses: Value,
    /// Routes as JSON, for `/config`.
    pub routes: Value,
    /// Problems that do not stop the configuration (a certificate that cannot be used).
    pub warnings: Vec<String>,
}

/// Parses every document, defaults namespaces, validates every object.
pub fn objects(
    sources: &[(String, String)],
    channel: Channel,
) -> Result<Vec<GatewayObject>, ConfigError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in sources {
        for doc in parse_documents(name, text) {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            let location = doc.location.clone();
            let mut object = doc.object;
            let namespaced = !CLUSTER_SCOPED.contains(&object.kind());
            if namespaced && object.metadata().namespace.is_none() {
                match object.to_value() {
                    Ok(mut value) => {
                        if let Some(meta) = value
                            .as_object_mut()
                            .and_then(|o| o.get_mut("metadata"))
                            .and_then(Value::as_object_mut)
                        {
                            meta.insert("namespace".to_owned(), json!("default"));
                        }
                        match parse_value(value, &location).into_iter().next() {
                            Some(Ok(d)) => object = d.object,
                            Some(Err(e)) => {
                                errors.push(e.to_string());
                                continue;
                            }
                            None => continue,
                        }
                    }
                    Err(e) => {
                        errors.push(format!("{location}: {e}"));
                        continue;
                    }
                }
            }
            if !matches!(object, GatewayObject::Other(_)) {
                let who = format!(
                    "{} {}/{}",
                    object.kind(),
                    object.metadata().namespace.as_deref().unwrap_or(""),
                    object.metadata().name.as_deref().unwrap_or("")
                );
                let report = validate_manifest(&object, channel);
                if !report.violations.is_empty() {
                    for v in &report.violations {
                        errors.push(format!("{location}: {who}: {}: {}", v.field, v.body()));
                    }
                    continue;
                }
            }
            out.push(object);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ConfigError::Invalid(errors))
    }
}

/// The features the proxy implements: every Gateway, ReferenceGrant, HTTPRoute and GRPCRoute
/// feature of the channel.
pub fn features(channel: Channel) -> Vec<SupportedFeatureName> {
    crate::check::channel_features(
        [
            FeatureKind::Gateway,
            FeatureKind::ReferenceGrant,
            FeatureKind::HTTPRoute,
            FeatureKind::GRPCRoute,
        ]
        .into_iter(),
        channel,
    )
}

/// Loads a configuration from `(name, text)` sources plus in-memory objects.
pub fn load(
    sources: &[(String, String)],
    extra: &[GatewayObject],
    channel: Channel,
    controller: Option<&str>,
    per_gateway: bool,
) -> Result<Loaded, ConfigError> {
    let mut objects = objects(sources, channel)?;
    objects.extend(extra.iter().cloned());
    let snapshot =
        Snapshot::from_objects(&objects).map_err(|e| ConfigError::Snapshot(e.to_string()))?;
    let controller =
        crate::explain::sole_controller(&snapshot, controller).map_err(ConfigError::Controller)?;
    let config = Config::new(controller).with_features(features(channel));
    let resolution = resolve(&snapshot, &config);

    let mut tables = BTreeMap::new();
    let mut tls = BTreeMap::new();
    let mut sockets = BTreeSet::new();
    let mut warnings = Vec::new();
    let compile_err = |gateway: String| {
        move |e: gateway_api_match::CompileError| ConfigError::Compile {
            gateway,
            message: e.to_string(),
        }
    };
    if per_gateway {
        for g in &resolution.data_plane {
            let name = format!("{}/{}", g.key.0, g.key.1);
            let table = gateway_table(g, &snapshot).map_err(compile_err(name))?;
            add_sockets(
                &table,
                Some(g.key.clone()),
                &snapshot,
                &mut sockets,
                &mut tls,
                &mut warnings,
            )?;
            tables.insert(Some(g.key.clone()), Arc::new(table));
        }
    } else {
        let table = shared_table(&resolution, &snapshot).map_err(compile_err("*".to_owned()))?;
        add_sockets(
            &table,
            None,
            &snapshot,
            &mut sockets,
            &mut tls,
            &mut warnings,
        )?;
        tables.insert(None, Arc::new(table));
    }
    let statuses = statuses_json(&resolution);
    let routes = routes_json(&tables);
    Ok(Loaded {
        resolution: Arc::new(resolution),
        tables,
        tls,
        sockets,
        statuses,
        routes,
        warnings,
    })
}

fn add_sockets(
    table: &Table,
    gateway: Option<Key>,
    snapshot: &Snapshot,
    sockets: &mut BTreeSet<SocketKey>,
    tls: &mut BTreeMap<SocketKey, Arc<rustls::ServerConfig>>,
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    let ports: BTreeSet<u16> = table.listeners.iter().map(|l| l.port).collect();
    for port in ports {
        let key = SocketKey {
            gateway: gateway.clone(),
            port,
        };
        let https: Vec<_> = table
            .listeners
            .iter()
            .filter(|l| l.port == port && l.https)
            .collect();
        if !https.is_empty() {
            let (config, problems) = server_config(&https, snapshot)?;
            for p in problems {
                tracing::warn!(error = %p, "HTTPS listener left without its certificate");
                warnings.push(p.to_string());
            }
            tls.insert(key.clone(), Arc::new(config));
        }
        sockets.insert(key);
    }
    Ok(())
}

fn statuses_json(resolution: &Resolution) -> Value {
    use gateway_api_validate::resolve::ObjectStatus;
    let list: Vec<Value> = resolution
        .statuses
        .iter()
        .map(|(id, status)| {
            let value = match status {
                ObjectStatus::GatewayClass(s) => serde_json::to_value(s),
                ObjectStatus::Gateway(s) => serde_json::to_value(s),
                ObjectStatus::ListenerSet(s) => serde_json::to_value(s),
                ObjectStatus::Route(s) => serde_json::to_value(s),
                ObjectStatus::Policy(s) => serde_json::to_value(s),
            }
            .unwrap_or(Value::Null);
            json!({
                "kind": id.kind.as_str(),
                "namespace": id.namespace,
                "name": id.name,
                "status": value,
            })
        })
        .collect();
    Value::Array(list)
}

fn routes_json(tables: &BTreeMap<Option<Key>, Arc<Table>>) -> Value {
    let list: Vec<Value> = tables
        .iter()
        .map(|(gateway, t)| {
            json!({
                "gateway": gateway.as_ref().map(|(ns, n)| format!("{ns}/{n}")),
                "listeners": t.listeners.iter().map(|l| json!({
                    "gateway": &*l.gateway,
                    "name": l.name,
                    "port": l.port,
                    "hostname": l.hostname,
                    "protocol": if l.https { "HTTPS" } else { "HTTP" },
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Value::Array(list)
}
