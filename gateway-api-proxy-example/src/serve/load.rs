//! Loading a configuration: manifests -> validated objects -> snapshot -> resolution ->
//! compiled tables and TLS configurations.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_api_types::document::parse_value;
use gateway_api_types::features::{FeatureKind, SupportedFeatureName};
use gateway_api_types::{Channel, GatewayObject, parse_documents};
use gateway_api_validate::resolve::{
    Config, IncrementalResolver, Key, ObjectKind, ObjectRef, Resolution, Snapshot, SnapshotError,
    resolve,
};
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
        file_objects(name, text, channel, &mut out, &mut errors);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ConfigError::Invalid(errors))
    }
}

/// [`objects`] of one source: valid objects go to `out`, problems to `errors`.
fn file_objects(
    name: &str,
    text: &str,
    channel: Channel,
    out: &mut Vec<GatewayObject>,
    errors: &mut Vec<String>,
) {
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
    finish(resolution, &snapshot, per_gateway)
}

/// Tables, TLS configurations, sockets and `/config` JSON of a resolution.
fn finish(
    resolution: Resolution,
    snapshot: &Snapshot,
    per_gateway: bool,
) -> Result<Loaded, ConfigError> {
    let started = Instant::now();
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
            let table = gateway_table(g, snapshot).map_err(compile_err(name))?;
            add_sockets(
                &table,
                Some(g.key.clone()),
                snapshot,
                &mut sockets,
                &mut tls,
                &mut warnings,
            )?;
            tables.insert(Some(g.key.clone()), Arc::new(table));
        }
    } else {
        let table = shared_table(&resolution, snapshot).map_err(compile_err("*".to_owned()))?;
        add_sockets(
            &table,
            None,
            snapshot,
            &mut sockets,
            &mut tls,
            &mut warnings,
        )?;
        tables.insert(None, Arc::new(table));
    }
    tracing::debug!(compile_ms = ms(started.elapsed()), "tables compiled");
    Ok(Loaded {
        resolution: Arc::new(resolution),
        tables,
        tls,
        sockets,
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

/// Every object's status as JSON (`/config`'s `objects`; built when asked for, not at every
/// reload).
pub fn statuses_json(resolution: &Resolution) -> Value {
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

/// The listeners of every table as JSON (`/config`'s `listeners`).
pub fn routes_json(tables: &BTreeMap<Option<Key>, Arc<Table>>) -> Value {
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

/// Above this many changed objects a reload resolves everything again instead of applying
/// the changes one by one: each incremental change re-judges the listeners the Route touches,
/// so thousands of new Routes on one listener cost far more one at a time than at once
/// (3,000 new HTTPRoutes on one listener: 4.7 s one by one, 40 ms at once; one changed Route
/// among 3,000: 4 ms instead of 40 ms).
const INCREMENTAL_LIMIT: usize = 16;

/// A source's name and its valid objects.
type ParsedFile = (String, Arc<Vec<Arc<GatewayObject>>>);

/// One source's text and what it parsed to.
#[derive(Debug)]
struct CachedFile {
    text: String,
    parsed: Result<Arc<Vec<Arc<GatewayObject>>>, Arc<Vec<String>>>,
    /// The objects of each chunk of the text (the documents between two `---` lines), by
    /// the chunk's text: a changed file parses only its changed chunks.
    chunks: HashMap<String, Vec<Arc<GatewayObject>>>,
}

/// The chunks of a source: its text cut at every line that is exactly `---` (always a
/// document separator, so parsing chunk by chunk gives the documents parsing it whole gives).
fn chunks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        let mut offset = 0;
        for line in t.split_inclusive('\n') {
            let bare = line.trim_end_matches('\n').trim_end_matches('\r');
            if bare == "---" {
                rest = Some(&t[offset + line.len()..]);
                return Some(&t[..offset]);
            }
            offset += line.len();
        }
        rest = None;
        Some(t)
    })
}

/// Parses a changed source, reusing the objects of chunks seen in its previous text. A chunk
/// with a problem makes the whole text be parsed again, so messages carry the right lines.
fn parse_file(
    name: &str,
    text: &str,
    channel: Channel,
    previous: Option<&HashMap<String, Vec<Arc<GatewayObject>>>>,
    parsed_chunks: &mut u64,
) -> CachedFile {
    let mut objects = Vec::new();
    let mut cache: HashMap<String, Vec<Arc<GatewayObject>>> = HashMap::new();
    for chunk in chunks(text) {
        let known = previous
            .and_then(|p| p.get(chunk))
            .or_else(|| cache.get(chunk))
            .cloned();
        let found = match known {
            Some(found) => found,
            None => {
                *parsed_chunks += 1;
                let mut out = Vec::new();
                let mut problems = Vec::new();
                file_objects(name, chunk, channel, &mut out, &mut problems);
                if !problems.is_empty() {
                    let mut out = Vec::new();
                    let mut problems = Vec::new();
                    file_objects(name, text, channel, &mut out, &mut problems);
                    // The chunks known so far stay known (a fix re-parses only itself).
                    let mut known = previous.cloned().unwrap_or_default();
                    known.extend(cache);
                    return CachedFile {
                        text: text.to_owned(),
                        parsed: if problems.is_empty() {
                            Ok(Arc::new(out.into_iter().map(Arc::new).collect()))
                        } else {
                            Err(Arc::new(problems))
                        },
                        chunks: known,
                    };
                }
                out.into_iter().map(Arc::new).collect()
            }
        };
        objects.extend(found.iter().cloned());
        cache.insert(chunk.to_owned(), found);
    }
    CachedFile {
        text: text.to_owned(),
        parsed: Ok(Arc::new(objects)),
        chunks: cache,
    }
}

/// The resolver of the last applied load.
#[derive(Debug)]
enum Resolver {
    /// Ready to apply changes.
    Ready(Box<IncrementalResolver>),
    /// Resolved in full; the incremental resolver (which costs about twice a full
    /// resolution to set up) is built after the configuration is served
    /// ([`Reloader::prepare`]) or when a change needs it.
    Pending(Box<(Snapshot, Config)>),
}

/// What the last applied load was made of, with its resolver.
#[derive(Debug)]
struct Applied {
    resolver: Resolver,
    /// The sources' objects, in order.
    files: Vec<ParsedFile>,
    extra: Vec<GatewayObject>,
    channel: Channel,
    controller: Option<String>,
    /// Identity of every object in the resolver (built with the incremental resolver).
    ids: HashSet<ObjectId>,
}

impl Applied {
    fn snapshot(&self) -> &Snapshot {
        match &self.resolver {
            Resolver::Ready(r) => r.snapshot(),
            Resolver::Pending(p) => &p.0,
        }
    }

    /// Builds the incremental resolver (and the identity index) if not done yet.
    fn make_ready(&mut self) {
        if matches!(self.resolver, Resolver::Ready(_)) {
            return;
        }
        let placeholder =
            Resolver::Pending(Box::new((Snapshot::new(), Config::new(String::new()))));
        if let Resolver::Pending(pending) = std::mem::replace(&mut self.resolver, placeholder) {
            let (snapshot, config) = *pending;
            self.ids = self
                .files
                .iter()
                .flat_map(|(_, o)| o.iter().map(|o| &**o))
                .chain(self.extra.iter())
                .map(object_id)
                .collect();
            self.resolver = Resolver::Ready(Box::new(IncrementalResolver::new(snapshot, config)));
        }
    }

    /// The incremental resolver, once [`Applied::make_ready`] built it.
    fn resolver_mut(&mut self) -> Option<&mut IncrementalResolver> {
        match &mut self.resolver {
            Resolver::Ready(r) => Some(r),
            Resolver::Pending(..) => None,
        }
    }
}

/// Identity of an object as the snapshot sees it (a duplicate identity is refused).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ObjectId {
    /// A kind the resolver knows.
    Known(ObjectRef),
    /// Any other kind: `(apiVersion, kind, namespace, name)`.
    Other(String, String, String, String),
}

fn object_id(object: &GatewayObject) -> ObjectId {
    let meta = object.metadata();
    let ns = meta.namespace.clone().unwrap_or_default();
    let name = meta.name.clone().unwrap_or_default();
    match known_kind(object) {
        Some(kind) => ObjectId::Known(ObjectRef::new(kind, ns, name)),
        None => ObjectId::Other(
            object.api_version().to_owned(),
            object.kind().to_owned(),
            ns,
            name,
        ),
    }
}

/// The resolver's kind of an object (the snapshot's rule: Gateway API kinds of the Gateway API
/// group, core and discovery kinds of their versions).
fn known_kind(object: &GatewayObject) -> Option<ObjectKind> {
    gateway_api_validate::resolve::snapshot::kind_of(object)
}

/// Loads configurations one after the other, reusing what did not change: a source whose
/// text is unchanged is not parsed or validated again, and a few changed objects are applied
/// to the previous resolution ([`IncrementalResolver`]) instead of resolving everything.
/// The result is the same as [`load`] of the same sources.
#[derive(Debug, Default)]
pub struct Reloader {
    files: HashMap<String, CachedFile>,
    parsed: u64,
    /// Chunks of sources parsed (see [`chunks`]).
    parsed_chunks: u64,
    /// Loads that applied changes one at a time (the others resolved everything).
    incremental: u64,
    applied: Option<Applied>,
}

/// The objects that changed between two loads.
struct Diff<'a> {
    upserts: Vec<&'a Arc<GatewayObject>>,
    removes: Vec<ObjectRef>,
}

impl Reloader {
    /// A reloader with nothing cached.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many sources were parsed and validated so far (sources found unchanged are not
    /// counted).
    pub fn files_parsed(&self) -> u64 {
        self.parsed
    }

    /// [`load`], reusing the parsed objects of unchanged sources and the previous resolution.
    /// On error nothing of the previous load is kept but the parsed sources.
    pub fn load(
        &mut self,
        sources: &[(String, String)],
        extra: &[GatewayObject],
        channel: Channel,
        controller: Option<&str>,
        per_gateway: bool,
    ) -> Result<Loaded, ConfigError> {
        let started = Instant::now();
        let files = self.parse(sources, channel)?;
        let parsed = started.elapsed();
        let incremental = self.incremental;
        let previous = self.applied.take();
        let reusable = previous.filter(|p| {
            p.channel == channel && p.controller.as_deref() == controller && p.extra == extra
        });
        let changed = match reusable {
            Some(p) => match self.apply_changes(p, &files) {
                Some(result) => {
                    self.incremental += 1;
                    Some(result?)
                }
                None => None,
            },
            None => None,
        };
        let (mut applied, resolution) = match changed {
            Some(mut a) => {
                let resolution = a.resolver_mut().map(|r| r.resolution().clone());
                match resolution {
                    Some(r) => (a, r),
                    None => full(&files, extra, channel, controller)?,
                }
            }
            None => full(&files, extra, channel, controller)?,
        };
        let resolved = started.elapsed();
        let loaded = finish(resolution, applied.snapshot(), per_gateway)?;
        tracing::debug!(
            parse_ms = ms(parsed),
            resolve_ms = ms(resolved - parsed),
            finish_ms = ms(started.elapsed() - resolved),
            incremental = self.incremental > incremental,
            "configuration loaded"
        );
        applied.files = files;
        self.applied = Some(applied);
        Ok(loaded)
    }

    /// Prepares the next load: builds what applying a few changes needs (after a full
    /// resolution, this costs about twice that resolution, so it is done after the new
    /// configuration is served rather than before).
    pub fn prepare(&mut self) {
        if let Some(a) = &mut self.applied {
            a.make_ready();
        }
    }

    /// The parsed objects of every source, from the cache when the text is unchanged.
    fn parse(
        &mut self,
        sources: &[(String, String)],
        channel: Channel,
    ) -> Result<Vec<ParsedFile>, ConfigError> {
        let mut files = Vec::with_capacity(sources.len());
        let mut errors = Vec::new();
        let mut kept = HashMap::with_capacity(sources.len());
        for (name, text) in sources {
            let cached = match self.files.remove(name) {
                Some(c) if c.text == *text => c,
                previous => {
                    self.parsed += 1;
                    let chunks = previous.as_ref().map(|c| &c.chunks);
                    parse_file(name, text, channel, chunks, &mut self.parsed_chunks)
                }
            };
            match &cached.parsed {
                Ok(objects) => files.push((name.clone(), objects.clone())),
                Err(problems) => errors.extend(problems.iter().cloned()),
            }
            kept.insert(name.clone(), cached);
        }
        // Sources no longer given are forgotten.
        self.files = kept;
        if errors.is_empty() {
            Ok(files)
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }

    /// Applies the changes from `previous` to `files` one object at a time; `None` when a
    /// full load is the better (or the only correct) way.
    fn apply_changes(
        &self,
        mut previous: Applied,
        files: &[ParsedFile],
    ) -> Option<Result<Applied, ConfigError>> {
        previous.make_ready();
        let diff = diff(&previous, files)?;
        match diff {
            Err(e) => Some(Err(e)),
            Ok(diff) => {
                let controller = previous.controller.clone();
                let mut ids = std::mem::take(&mut previous.ids);
                let resolver = previous.resolver_mut()?;
                for r in &diff.removes {
                    resolver.remove(r);
                    ids.remove(&ObjectId::Known(r.clone()));
                }
                for o in &diff.upserts {
                    if let Err(e) = resolver.upsert(o) {
                        return Some(Err(ConfigError::Snapshot(e.to_string())));
                    }
                    ids.insert(object_id(o));
                }
                // The GatewayClasses may name another controller now.
                let wanted =
                    crate::explain::sole_controller(resolver.snapshot(), controller.as_deref());
                let same = wanted.is_ok_and(|c| c == resolver.config().controller_name);
                previous.ids = ids;
                same.then_some(Ok(previous))
            }
        }
    }
}

/// The objects that differ between the applied load and `files`; `None` when there are too
/// many, or of kinds the incremental resolver cannot remove.
fn diff<'a>(previous: &Applied, files: &'a [ParsedFile]) -> Option<Result<Diff<'a>, ConfigError>> {
    let old: HashMap<&str, &Arc<Vec<Arc<GatewayObject>>>> = previous
        .files
        .iter()
        .map(|(n, o)| (n.as_str(), o))
        .collect();
    let new_names: HashSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    // Objects of sources that changed or went away, by identity.
    let mut gone: HashMap<ObjectId, &Arc<GatewayObject>> = HashMap::new();
    for (name, objects) in &previous.files {
        let same = files
            .iter()
            .any(|(n, o)| n == name && Arc::ptr_eq(o, objects));
        if !same || !new_names.contains(name.as_str()) {
            for o in objects.iter() {
                gone.insert(object_id(o), o);
            }
        }
    }
    let mut upserts = Vec::new();
    let mut seen = HashSet::new();
    for (name, objects) in files {
        if old
            .get(name.as_str())
            .is_some_and(|o| Arc::ptr_eq(o, objects))
        {
            continue;
        }
        for o in objects.iter() {
            let id = object_id(o);
            // Kinds the resolver does not know are only kept as names (duplicates allowed);
            // a change to one of them is left to a full load.
            let other = matches!(id, ObjectId::Other(..));
            if !seen.insert(id.clone()) {
                return if other {
                    None
                } else {
                    Some(Err(duplicate(&id)))
                };
            }
            match gone.remove(&id) {
                Some(before) if Arc::ptr_eq(before, o) || before == o => {}
                _ if other => return None,
                Some(_) => upserts.push(o),
                None if previous.ids.contains(&id) => return Some(Err(duplicate(&id))),
                None => upserts.push(o),
            }
            if upserts.len() > INCREMENTAL_LIMIT {
                return None;
            }
        }
    }
    if upserts.len() + gone.len() > INCREMENTAL_LIMIT {
        return None;
    }
    let mut removes = Vec::with_capacity(gone.len());
    for id in gone.into_keys() {
        match id {
            ObjectId::Known(r) => removes.push(r),
            ObjectId::Other(..) => return None,
        }
    }
    Some(Ok(Diff { upserts, removes }))
}

/// Milliseconds, for logs.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The error a full load reports for the same duplicate.
fn duplicate(id: &ObjectId) -> ConfigError {
    ConfigError::Snapshot(match id {
        ObjectId::Known(r) => SnapshotError::Duplicate(r.clone()).to_string(),
        ObjectId::Other(api, kind, ns, name) => {
            format!("duplicate object {api} {kind} {ns}/{name}")
        }
    })
}

/// Snapshot and resolution of everything.
fn full(
    files: &[ParsedFile],
    extra: &[GatewayObject],
    channel: Channel,
    controller: Option<&str>,
) -> Result<(Applied, Resolution), ConfigError> {
    let all = files
        .iter()
        .flat_map(|(_, o)| o.iter().map(|o| &**o))
        .chain(extra.iter());
    let snapshot = Snapshot::from_objects(all).map_err(|e| ConfigError::Snapshot(e.to_string()))?;
    let name =
        crate::explain::sole_controller(&snapshot, controller).map_err(ConfigError::Controller)?;
    let config = Config::new(name).with_features(features(channel));
    let resolution = resolve(&snapshot, &config);
    let applied = Applied {
        resolver: Resolver::Pending(Box::new((snapshot, config))),
        files: Vec::new(),
        extra: extra.to_vec(),
        channel,
        controller: controller.map(str::to_owned),
        ids: HashSet::new(),
    };
    Ok((applied, resolution))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n\
        metadata: {name: gc}\nspec: {controllerName: example.net/gwproxy}\n---\n\
        apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n\
        metadata: {name: gw, namespace: default}\nspec:\n  gatewayClassName: gc\n  \
        listeners: [{name: http, port: 80, protocol: HTTP}]\n---\n\
        apiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: default}\n\
        spec: {ports: [{port: 80}]}\n";

    fn route(name: &str, path: &str, hostname: &str) -> String {
        format!(
            "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n\
             metadata: {{name: {name}, namespace: default}}\nspec:\n  parentRefs: [{{name: gw}}]\n  \
             hostnames: [{hostname}]\n  rules: [{{matches: [{{path: {{type: Exact, value: {path}}}}}], \
             backendRefs: [{{name: svc, port: 80}}]}}]\n"
        )
    }

    fn routes(prefix: &str, n: usize) -> String {
        (0..n)
            .map(|i| {
                route(
                    &format!("{prefix}{i}"),
                    &format!("/{prefix}{i}"),
                    "a.example",
                )
            })
            .collect()
    }

    fn sources(files: &[(&str, &str)]) -> Vec<(String, String)> {
        files
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect()
    }

    /// Loads `files` with the reloader and from scratch; both must agree.
    fn check(reloader: &mut Reloader, files: &[(&str, &str)]) -> Result<Loaded, ConfigError> {
        let sources = sources(files);
        let got = reloader.load(&sources, &[], Channel::Standard, None, true);
        let want = load(&sources, &[], Channel::Standard, None, true);
        match (&got, &want) {
            (Ok(g), Ok(w)) => {
                assert_eq!(g.resolution, w.resolution);
                assert_eq!(routes_json(&g.tables), routes_json(&w.tables));
                assert_eq!(g.sockets, w.sockets);
            }
            (Err(g), Err(w)) => assert_eq!(g.to_string(), w.to_string()),
            _ => panic!("reloader {:?} vs load {:?}", got.is_ok(), want.is_ok()),
        }
        got
    }

    fn rules(loaded: &Loaded) -> usize {
        loaded
            .resolution
            .data_plane
            .iter()
            .flat_map(|g| &g.listeners)
            .map(|l| l.rules.len())
            .sum()
    }

    #[test]
    fn chunks_cut_at_bare_separator_lines_only() {
        let text = "a: 1\n---\nb: 2\r\n---\r\n--- c: 3\n---\n";
        assert_eq!(
            chunks(text).collect::<Vec<_>>(),
            vec!["a: 1\n", "b: 2\r\n", "--- c: 3\n", ""]
        );
        assert_eq!(chunks("x: 1").collect::<Vec<_>>(), vec!["x: 1"]);
    }

    #[test]
    fn a_changed_file_parses_only_its_changed_documents() {
        let mut r = Reloader::new();
        let many = routes("r", 40);
        check(&mut r, &[("base.yaml", BASE), ("a.yaml", &many)]).unwrap();
        let chunks = r.parsed_chunks;
        // One document edited, one appended: two chunks parsed.
        let edited = many.replacen("value: /r3}", "value: /r3-moved}", 1)
            + &route("r40", "/r40", "a.example");
        assert_ne!(edited, many);
        let loaded = check(&mut r, &[("base.yaml", BASE), ("a.yaml", &edited)]).unwrap();
        assert_eq!(r.parsed_chunks, chunks + 2);
        assert_eq!(rules(&loaded), 41);
        // A broken document: the message names the line in the whole file, like a full load.
        let broken = edited.replacen("name: r30,", "name: R_30,", 1);
        let err = check(&mut r, &[("base.yaml", BASE), ("a.yaml", &broken)]).unwrap_err();
        assert!(err.to_string().contains("a.yaml:"), "{err}");
        // Fixed again: every chunk of the last good text is still known.
        let before = r.parsed_chunks;
        check(&mut r, &[("base.yaml", BASE), ("a.yaml", &edited)]).unwrap();
        assert_eq!(r.parsed_chunks, before);
    }

    #[test]
    fn unchanged_sources_are_not_parsed_again() {
        let mut r = Reloader::new();
        let big = routes("r", 5);
        check(&mut r, &[("base.yaml", BASE), ("routes.yaml", &big)]).unwrap();
        assert_eq!(r.files_parsed(), 2);
        // Same texts: nothing parsed.
        check(&mut r, &[("base.yaml", BASE), ("routes.yaml", &big)]).unwrap();
        assert_eq!(r.files_parsed(), 2);
        // One file changed: only it is parsed.
        let more = big.clone() + &route("extra", "/extra", "a.example");
        let loaded = check(&mut r, &[("base.yaml", BASE), ("routes.yaml", &more)]).unwrap();
        assert_eq!(r.files_parsed(), 3);
        assert_eq!(rules(&loaded), 6);
        // A new file is parsed, the others are not.
        let loaded = check(
            &mut r,
            &[
                ("base.yaml", BASE),
                ("routes.yaml", &more),
                ("new.yaml", &route("nn", "/nn", "a.example")),
            ],
        )
        .unwrap();
        assert_eq!(r.files_parsed(), 4);
        assert_eq!(rules(&loaded), 7);
    }

    #[test]
    fn reloads_agree_with_a_full_load() {
        let mut r = Reloader::new();
        let many = routes("r", 40);
        check(&mut r, &[("base.yaml", BASE), ("a.yaml", &many)]).unwrap();
        r.prepare();
        // Many new Routes at once (full resolution) and a few (incremental).
        let loaded = check(
            &mut r,
            &[
                ("base.yaml", BASE),
                ("a.yaml", &many),
                ("b.yaml", &routes("x", 30)),
            ],
        )
        .unwrap();
        assert_eq!(rules(&loaded), 70);
        assert_eq!(r.incremental, 0);
        let edited = many
            .replacen("/r3\n", "/r3-moved\n", 1)
            .replace("name: r7,", "name: r7b,")
            + &route("r40", "/r40", "b.example");
        assert_ne!(edited, many);
        let loaded = check(
            &mut r,
            &[
                ("base.yaml", BASE),
                ("a.yaml", &edited),
                ("b.yaml", &routes("x", 30)),
            ],
        )
        .unwrap();
        assert_eq!(rules(&loaded), 71);
        assert_eq!(r.incremental, 1);
        // A file removed.
        let loaded = check(&mut r, &[("base.yaml", BASE), ("a.yaml", &edited)]).unwrap();
        assert_eq!(rules(&loaded), 41);
        // A Service removed: the Routes' backends become invalid in both.
        let no_service = BASE.split("---\napiVersion: v1").next().unwrap_or(BASE);
        check(&mut r, &[("base.yaml", no_service), ("a.yaml", &edited)]).unwrap();
        check(&mut r, &[("base.yaml", BASE), ("a.yaml", &edited)]).unwrap();
        // The only GatewayClass names another controller: that one is served then.
        let other = BASE.replace("example.net/gwproxy", "example.net/other");
        let loaded = check(&mut r, &[("base.yaml", &other), ("a.yaml", &edited)]).unwrap();
        assert_eq!(rules(&loaded), 41);
        // Two controllers and none given: refused by both.
        let second = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n\
                      metadata: {name: gc2}\nspec: {controllerName: example.net/second}\n";
        let both = other.clone() + second;
        let err = check(&mut r, &[("base.yaml", &both), ("a.yaml", &edited)]).unwrap_err();
        assert!(matches!(err, ConfigError::Controller(_)), "{err}");
        let loaded = check(&mut r, &[("base.yaml", BASE), ("a.yaml", &edited)]).unwrap();
        assert_eq!(rules(&loaded), 41);
    }

    #[test]
    fn duplicates_and_broken_files_are_refused_and_forgotten_after() {
        let mut r = Reloader::new();
        let a = routes("r", 3);
        check(&mut r, &[("base.yaml", BASE), ("a.yaml", &a)]).unwrap();
        // The same Route in a second file (incremental path).
        let dup = route("r1", "/other", "a.example");
        let err = check(
            &mut r,
            &[("base.yaml", BASE), ("a.yaml", &a), ("b.yaml", &dup)],
        )
        .unwrap_err();
        assert!(err.to_string().contains("r1"), "{err}");
        // Twice in one new file.
        let twice = route("nn", "/n", "a.example") + &route("nn", "/n2", "a.example");
        assert!(
            check(
                &mut r,
                &[("base.yaml", BASE), ("a.yaml", &a), ("b.yaml", &twice)]
            )
            .is_err()
        );
        // A file that does not parse names itself; the cached one is reported again.
        let broken = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n\
                      metadata: {name: Bad_Name, namespace: default}\nspec: {}\n";
        for _ in 0..2 {
            let err = check(
                &mut r,
                &[("base.yaml", BASE), ("a.yaml", &a), ("c.yaml", broken)],
            )
            .unwrap_err();
            assert!(err.to_string().contains("c.yaml"), "{err}");
        }
        let parsed = r.files_parsed();
        let loaded = check(&mut r, &[("base.yaml", BASE), ("a.yaml", &a)]).unwrap();
        assert_eq!(r.files_parsed(), parsed);
        assert_eq!(rules(&loaded), 3);
        // A Route moved from one file to another is not a duplicate.
        let (first, rest) = (route("r0", "/r0", "a.example"), routes("r", 3));
        let rest = rest.replacen(&first, "", 1);
        let loaded = check(
            &mut r,
            &[("base.yaml", BASE), ("a.yaml", &rest), ("b.yaml", &first)],
        )
        .unwrap();
        assert_eq!(rules(&loaded), 3);
    }
}
