//! `gwproxy serve`: the reference data plane.
//!
//! Manifests (files or in-memory) are parsed, validated as the API server would, resolved
//! for one controller ([`gateway_api_validate::resolve::resolve`]), converted to route tables
//! with per-rule actions and `ip:port` endpoints, compiled ([`gateway_api_match::compile`]) and
//! published with one atomic pointer swap. Every request loads the current configuration once
//! and keeps it to the end, so a reload never fails a request in flight.
//!
//! Data path: HTTP/1.1 and HTTP/2 (h2c prior knowledge on HTTP listeners, ALPN on HTTPS
//! listeners); lookup by the Gateway listener port; filters as the spec says
//! ([`filters`]); weighted backend pick; forwarding over pooled keep-alive connections
//! (HTTP/1.1, or h2c for `appProtocol: kubernetes.io/h2c` and gRPC) with streamed bodies.
//! Answers of the proxy itself: 404 no route (gRPC: `UNIMPLEMENTED`), 500 invalid backend, 503
//! no ready endpoint, 502 backend unreachable (the endpoint is then skipped for a while), 504
//! timeout (gRPC: `UNAVAILABLE` for the 5xx), 421 misdirected HTTPS request.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use gateway_api_proxy_example::serve::{Bind, ConfigSource, Proxy, ServeOptions};
//! let options = ServeOptions::new(
//!     ConfigSource::Paths(vec!["examples/quickstart".into()]),
//!     Bind::PerGateway { ip: "127.0.0.1".parse()? },
//! );
//! let proxy = Proxy::start(options).await?;
//! for l in proxy.bound() {
//!     println!("{:?} port {} on {}", l.gateway, l.port, l.addr);
//! }
//! proxy.shutdown().await;
//! # Ok(()) }
//! ```

pub mod admin;
mod changes;
pub mod filters;
pub mod load;
mod proxy;
mod stop;
pub mod table;
pub mod tls;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use gateway_api_types::{Channel, GatewayObject};
use gateway_api_validate::resolve::{Key, Resolution};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use load::{ConfigError, SocketKey};
use table::Table;

/// Where the manifests come from.
#[derive(Clone, Debug)]
pub enum ConfigSource {
    /// Files or directories (searched for `*.yaml`, `*.yml`, `*.json`), re-read at reload.
    Paths(Vec<PathBuf>),
    /// In-memory `(name, yaml)` documents.
    Inline(Vec<(String, String)>),
}

/// How listener ports become sockets.
#[derive(Clone, Debug)]
pub enum Bind {
    /// One socket per listener port shared by all Gateways with a listener on that port (one
    /// table, `gateway_api_validate::resolve::to_route_table` semantics); `overrides` remaps
    /// ports (`--listen 80=127.0.0.1:8080`), other ports bind `default_ip:port`.
    Ports {
        /// Address for ports without override.
        default_ip: IpAddr,
        /// Listener port -> socket address.
        overrides: BTreeMap<u16, SocketAddr>,
    },
    /// One socket per (Gateway, listener port) on `ip` with an OS-assigned port (tests /
    /// conformance: every Gateway has its own address, as in a cluster); table per Gateway via
    /// `gateway_route_table`.
    PerGateway {
        /// Address to bind.
        ip: IpAddr,
    },
}

/// Hardening limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Maximum bytes of a request head (HTTP/1.1: answered 431 beyond; HTTP/2: header list
    /// size).
    pub max_header_bytes: usize,
    /// Maximum number of request headers (HTTP/1.1: answered 431 beyond).
    pub max_headers: usize,
    /// Time allowed to receive a request head (slowloris).
    pub header_read_timeout: Duration,
    /// Idle keep-alive connections are closed after this long (HTTP/2 pings).
    pub idle_timeout: Duration,
    /// Maximum concurrent client connections (more wait in the accept queue).
    pub max_connections: usize,
    /// Time given to requests in flight at shutdown.
    pub drain_timeout: Duration,
    /// Time to connect to a backend (beyond: 502).
    pub connect_timeout: Duration,
    /// How long an endpoint that refused a connection is skipped.
    pub failover_period: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_bytes: 64 * 1024,
            max_headers: 100,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            drain_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            failover_period: Duration::from_secs(10),
        }
    }
}

/// Everything `serve` needs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The manifests.
    pub sources: ConfigSource,
    /// Objects added to every load (e.g. EndpointSlices of in-process echo backends).
    pub extra_objects: Vec<GatewayObject>,
    /// The controller whose GatewayClasses are served (default: the only one named).
    pub controller_name: Option<String>,
    /// The channel of the CRDs.
    pub channel: Channel,
    /// Sockets.
    pub bind: Bind,
    /// Admin server address.
    pub admin: Option<SocketAddr>,
    /// One JSON access log line per request (tracing target `gwproxy::access`).
    pub access_log: bool,
    /// Poll interval for file changes; `None` = no watching.
    pub watch: Option<Duration>,
    /// Limits.
    pub limits: Limits,
}

impl ServeOptions {
    /// Options with defaults: standard channel, no admin, no access log, no watching.
    pub fn new(sources: ConfigSource, bind: Bind) -> Self {
        Self {
            sources,
            extra_objects: Vec::new(),
            controller_name: None,
            channel: Channel::Standard,
            bind,
            admin: None,
            access_log: false,
            watch: None,
            limits: Limits::default(),
        }
    }
}

/// A socket the proxy listens on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundListener {
    /// `(namespace, name)` of the Gateway (`Bind::PerGateway`), `None` for shared ports.
    pub gateway: Option<(String, String)>,
    /// The Gateway listener port.
    pub port: u16,
    /// The bound address.
    pub addr: SocketAddr,
    /// Whether it terminates TLS.
    pub tls: bool,
}

/// Starting failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The manifests could not be read.
    #[error(transparent)]
    Input(#[from] crate::check::InputError),
    /// The configuration is broken.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// A reload failed; the previous configuration keeps serving.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The manifests could not be read.
    #[error(transparent)]
    Input(#[from] crate::check::InputError),
    /// The configuration is broken.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A new socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// The configuration being served.
pub(crate) struct State {
    pub(crate) generation: u64,
    pub(crate) resolution: Arc<Resolution>,
    pub(crate) tables: BTreeMap<Option<Key>, Arc<Table>>,
    pub(crate) tls: BTreeMap<SocketKey, Arc<rustls::ServerConfig>>,
    pub(crate) warnings: Vec<String>,
}

impl State {
    /// `/config`'s `listeners` (built on request: a reload does not pay for it).
    pub(crate) fn listeners_json(&self) -> Value {
        load::routes_json(&self.tables)
    }

    /// `/config`'s `routes`.
    pub(crate) fn routes_json(&self) -> Value {
        resolved_routes(&self.resolution)
    }

    /// `/config`'s `objects`.
    pub(crate) fn statuses_json(&self) -> Value {
        load::statuses_json(&self.resolution)
    }
}

struct Socket {
    addr: SocketAddr,
    tls: bool,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// State shared by every task of a proxy.
pub(crate) struct Shared {
    pub(crate) state: ArcSwap<State>,
    pub(crate) metrics: admin::Metrics,
    pub(crate) last_error: Mutex<Option<String>>,
    pub(crate) access_log: bool,
    pub(crate) limits: Limits,
    pub(crate) upstream: proxy::Upstream,
    pub(crate) connections: AtomicUsize,
    options: Mutex<ServeOptions>,
    sockets: tokio::sync::Mutex<BTreeMap<SocketKey, Socket>>,
    generation: AtomicU64,
    reload_lock: tokio::sync::Mutex<()>,
    /// Parsed sources and the resolution of the last load, reused by the next one.
    reloader: Arc<Mutex<load::Reloader>>,
    /// Graceful shutdown of client connections.
    stopping: watch::Sender<bool>,
}

/// A running proxy.
pub struct Proxy {
    shared: Arc<Shared>,
    background: Vec<tokio::task::JoinHandle<()>>,
    bound: Arc<Mutex<Vec<BoundListener>>>,
    admin: Option<SocketAddr>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("generation", &self.generation())
            .field("bound", &self.bound())
            .finish_non_exhaustive()
    }
}

fn read(sources: &ConfigSource) -> Result<Vec<(String, String)>, crate::check::InputError> {
    match sources {
        ConfigSource::Paths(p) => crate::check::read_sources(p),
        ConfigSource::Inline(v) => Ok(v.clone()),
    }
}

fn resolved_routes(resolution: &Resolution) -> Value {
    let list: Vec<Value> = resolution
        .data_plane
        .iter()
        .flat_map(|g| {
            g.listeners.iter().flat_map(move |l| {
                l.rules.iter().map(move |r| {
                    serde_json::json!({
                        "gateway": format!("{}/{}", g.key.0, g.key.1),
                        "listener": l.name,
                        "port": l.port,
                        "route": format!("{} {}/{}", r.route.kind.as_str(), r.route.namespace, r.route.name),
                        "hostname": r.precedence.hostname.as_deref(),
                        "rule": r.precedence.rule_index,
                        "match": r.precedence.match_index,
                        "backends": r.backends.iter().map(|b| serde_json::json!({
                            "name": format!("{}/{}", b.namespace, b.name),
                            "port": b.port,
                            "weight": b.weight,
                            "invalid": b.invalid.as_ref().map(|p| format!("{}: {}", p.reason, p.message)),
                        })).collect::<Vec<_>>(),
                    })
                })
            })
        })
        .collect();
    Value::Array(list)
}

fn load_state(
    options: &ServeOptions,
    generation: u64,
    reloader: &mut load::Reloader,
) -> Result<(State, Vec<SocketKey>), ReloadError> {
    let sources = read(&options.sources)?;
    let per_gateway = matches!(options.bind, Bind::PerGateway { .. });
    let loaded = reloader.load(
        &sources,
        &options.extra_objects,
        options.channel,
        options.controller_name.as_deref(),
        per_gateway,
    )?;
    let sockets = loaded.sockets.iter().cloned().collect();
    Ok((
        State {
            generation,
            resolution: loaded.resolution,
            tables: loaded.tables,
            tls: loaded.tls,
            warnings: loaded.warnings,
        },
        sockets,
    ))
}

impl Proxy {
    /// Loads the configuration, binds the sockets and starts serving. A broken configuration
    /// is an error naming the file, object and field.
    pub async fn start(options: ServeOptions) -> Result<Proxy, ServeError> {
        // Taken before reading, so a change made while loading is seen by the watcher.
        let initial_print = options
            .watch
            .map(|_| changes::Fingerprint::of(&options.sources, changes::RECENT));
        let mut reloader = load::Reloader::new();
        let (state, sockets) = load_state(&options, 1, &mut reloader).map_err(|e| match e {
            ReloadError::Input(e) => ServeError::Input(e),
            ReloadError::Config(e) => ServeError::Config(e),
            ReloadError::Bind { addr, source } => ServeError::Bind { addr, source },
        })?;
        let (stopping, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            state: ArcSwap::from_pointee(state),
            metrics: admin::Metrics::default(),
            last_error: Mutex::new(None),
            access_log: options.access_log,
            limits: options.limits.clone(),
            upstream: proxy::Upstream::new(&options.limits),
            connections: AtomicUsize::new(0),
            options: Mutex::new(options.clone()),
            sockets: tokio::sync::Mutex::new(BTreeMap::new()),
            generation: AtomicU64::new(1),
            reload_lock: tokio::sync::Mutex::new(()),
            reloader: Arc::new(Mutex::new(reloader)),
            stopping,
        });
        let reloader = shared.reloader.clone();
        tokio::task::spawn_blocking(move || prepare(&reloader));
        let bound = Arc::new(Mutex::new(Vec::new()));
        let mut proxy = Proxy {
            shared: shared.clone(),
            background: Vec::new(),
            bound: bound.clone(),
            admin: None,
        };
        if let Err(e) = sync_sockets(&shared, &sockets, &bound).await {
            proxy.shutdown_now().await;
            return Err(match e {
                ReloadError::Bind { addr, source } => ServeError::Bind { addr, source },
                ReloadError::Input(e) => ServeError::Input(e),
                ReloadError::Config(e) => ServeError::Config(e),
            });
        }
        if let Some(addr) = options.admin {
            let listener = match TcpListener::bind(addr).await {
                Ok(l) => l,
                Err(source) => {
                    proxy.shutdown_now().await;
                    return Err(ServeError::Bind { addr, source });
                }
            };
            proxy.admin = listener.local_addr().ok();
            proxy
                .background
                .push(tokio::spawn(admin_loop(shared.clone(), listener)));
        }
        if let (Some(interval), ConfigSource::Paths(_)) = (options.watch, &options.sources) {
            let weak = Arc::downgrade(&shared);
            let bound = bound.clone();
            proxy.background.push(tokio::spawn(async move {
                let mut last = initial_print;
                loop {
                    let Some(shared) = weak.upgrade() else { return };
                    let sources = shared
                        .options
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .sources
                        .clone();
                    // Reading and hashing recently written files takes a while for large
                    // ones: not on a worker thread that serves requests.
                    let print = match tokio::task::spawn_blocking(move || {
                        changes::Fingerprint::of(&sources, changes::RECENT)
                    })
                    .await
                    {
                        Ok(p) => p,
                        Err(_) => {
                            drop(shared);
                            tokio::time::sleep(interval).await;
                            continue;
                        }
                    };
                    if last.as_ref().is_some_and(|l| print.changed_since(l)) {
                        match reload_shared(&shared, &bound).await {
                            Ok(g) => tracing::info!(generation = g, "configuration reloaded"),
                            Err(e) => tracing::warn!(error = %e, "configuration refused; the previous one keeps serving"),
                        }
                    }
                    last = Some(print);
                    drop(shared);
                    tokio::time::sleep(interval).await;
                }
            }));
        }
        Ok(proxy)
    }

    /// The sockets being served.
    pub fn bound(&self) -> Vec<BoundListener> {
        self.bound
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The address serving Gateway `namespace/name`'s listener port `port` (with
    /// `Bind::Ports`, the socket of that port).
    pub fn address_of(&self, namespace: &str, name: &str, port: u16) -> Option<SocketAddr> {
        let bound = self.bound();
        bound
            .iter()
            .find(|b| {
                b.port == port
                    && b.gateway
                        .as_ref()
                        .is_some_and(|(ns, n)| ns == namespace && n == name)
            })
            .or_else(|| bound.iter().find(|b| b.port == port && b.gateway.is_none()))
            .map(|b| b.addr)
    }

    /// The admin server's address, when one was asked for.
    pub fn admin_address(&self) -> Option<SocketAddr> {
        self.admin
    }

    /// The current resolution (statuses and data plane).
    pub fn resolution(&self) -> Arc<Resolution> {
        self.shared.state.load().resolution.clone()
    }

    /// The generation of the configuration being served (1 at start, +1 per applied reload).
    pub fn generation(&self) -> u64 {
        self.shared.state.load().generation
    }

    /// How many source files (or inline sources) were parsed and validated since the start;
    /// a reload parses only the sources whose text changed.
    pub fn files_parsed(&self) -> u64 {
        self.shared
            .reloader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .files_parsed()
    }

    /// Replaces the sources and reloads; on error the previous configuration (and sources)
    /// keep serving.
    pub async fn replace_sources(&self, sources: ConfigSource) -> Result<u64, ReloadError> {
        let old = {
            let mut o = self
                .shared
                .options
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            std::mem::replace(&mut o.sources, sources)
        };
        let r = reload_shared(&self.shared, &self.bound).await;
        if r.is_err() {
            self.shared
                .options
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .sources = old;
        }
        r
    }

    /// Re-reads the sources and applies them (validate, resolve, compile, swap); on error the
    /// previous configuration keeps serving.
    pub async fn reload(&self) -> Result<u64, ReloadError> {
        reload_shared(&self.shared, &self.bound).await
    }

    async fn shutdown_now(&mut self) {
        for t in self.background.drain(..) {
            t.abort();
        }
        let mut sockets = self.shared.sockets.lock().await;
        for (_, s) in std::mem::take(&mut *sockets) {
            let _ = s.stop.send(true);
            let _ = s.task.await;
        }
    }

    /// Graceful shutdown: stops accepting, lets requests in flight finish (bounded by
    /// `Limits::drain_timeout`), then returns.
    pub async fn shutdown(mut self) {
        self.shutdown_now().await;
        let _ = self.shared.stopping.send(true);
        let deadline = Instant::now() + self.shared.limits.drain_timeout;
        while self.shared.connections.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        for t in &self.background {
            t.abort();
        }
        if let Ok(sockets) = self.shared.sockets.try_lock() {
            for s in sockets.values() {
                let _ = s.stop.send(true);
            }
        }
    }
}

/// Builds what the next reload reuses ([`load::Reloader::prepare`]).
fn prepare(reloader: &Mutex<load::Reloader>) {
    reloader
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .prepare();
}

async fn reload_shared(
    shared: &Arc<Shared>,
    bound: &Arc<Mutex<Vec<BoundListener>>>,
) -> Result<u64, ReloadError> {
    let _guard = shared.reload_lock.lock().await;
    let options = shared
        .options
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let generation = shared.generation.load(Ordering::Acquire) + 1;
    // Parsing, validating, resolving and compiling a large configuration takes milliseconds to
    // seconds of CPU: do it off the runtime's worker threads so requests keep flowing (with the
    // proxy pinned to one core there is a single worker).
    let reloader = shared.reloader.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let mut reloader = reloader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        load_state(&options, generation, &mut reloader)
    })
    .await
    .unwrap_or_else(|e| {
        Err(ReloadError::Config(ConfigError::Invalid(vec![format!(
            "the configuration loader stopped: {e}"
        )])))
    });
    let result = match loaded {
        Ok((state, sockets)) => {
            // Bind new sockets first, then publish the state, then close the sockets no
            // longer needed.
            let old = shared.state.swap(Arc::new(state));
            match sync_sockets(shared, &sockets, bound).await {
                Ok(()) => {
                    shared.generation.store(generation, Ordering::Release);
                    // Off the request path: freeing the previous tables (when no request
                    // holds them any more) and preparing the next reload.
                    let reloader = shared.reloader.clone();
                    tokio::task::spawn_blocking(move || {
                        drop(old);
                        prepare(&reloader);
                    });
                    Ok(generation)
                }
                Err(e) => {
                    shared.state.store(old);
                    Err(e)
                }
            }
        }
        Err(e) => Err(e),
    };
    match &result {
        Ok(_) => {
            *shared
                .last_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
        Err(e) => {
            shared.metrics.config_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "configuration refused");
            *shared
                .last_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e.to_string());
        }
    }
    result
}

/// Opens the sockets in `wanted` that are not open, closes the others.
async fn sync_sockets(
    shared: &Arc<Shared>,
    wanted: &[SocketKey],
    bound: &Arc<Mutex<Vec<BoundListener>>>,
) -> Result<(), ReloadError> {
    let bind = shared
        .options
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .bind
        .clone();
    let mut sockets = shared.sockets.lock().await;
    let state = shared.state.load();
    let mut opened = Vec::new();
    for key in wanted {
        let tls = state.tls.contains_key(key);
        if let Some(s) = sockets.get(key)
            && s.tls == tls
        {
            continue;
        }
        if let Some(s) = sockets.remove(key) {
            let _ = s.stop.send(true);
            let _ = s.task.await;
        }
        let addr = match &bind {
            Bind::Ports {
                default_ip,
                overrides,
            } => overrides
                .get(&key.port)
                .copied()
                .unwrap_or(SocketAddr::new(*default_ip, key.port)),
            Bind::PerGateway { ip } => SocketAddr::new(*ip, 0),
        };
        let listener = match bind_socket(addr) {
            Ok(l) => l,
            Err(source) => {
                for k in opened {
                    if let Some(s) = sockets.remove(&k) {
                        let _ = s.stop.send(true);
                    }
                }
                return Err(ReloadError::Bind { addr, source });
            }
        };
        let local = listener.local_addr().unwrap_or(addr);
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(
            shared.clone(),
            key.clone(),
            listener,
            tls,
            stop_rx,
        ));
        sockets.insert(
            key.clone(),
            Socket {
                addr: local,
                tls,
                stop,
                task,
            },
        );
        opened.push(key.clone());
    }
    let keep: std::collections::BTreeSet<&SocketKey> = wanted.iter().collect();
    let gone: Vec<SocketKey> = sockets
        .keys()
        .filter(|k| !keep.contains(k))
        .cloned()
        .collect();
    for k in gone {
        if let Some(s) = sockets.remove(&k) {
            let _ = s.stop.send(true);
        }
    }
    let list = sockets
        .iter()
        .map(|(k, s)| BoundListener {
            gateway: k.gateway.clone(),
            port: k.port,
            addr: s.addr,
            tls: s.tls,
        })
        .collect();
    *bound
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = list;
    Ok(())
}

fn bind_socket(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let std = std::net::TcpListener::bind(addr)?;
    std.set_nonblocking(true)?;
    TcpListener::from_std(std)
}

/// Per-connection facts the request handler needs.
#[derive(Debug)]
pub(crate) struct ConnInfo {
    pub(crate) key: SocketKey,
    pub(crate) peer: SocketAddr,
    /// The peer's IP as an `X-Forwarded-For` value.
    pub(crate) peer_ip: http::HeaderValue,
    pub(crate) tls: bool,
    /// Index (in the table's listeners) of the HTTPS listener the SNI selected.
    pub(crate) sni_listener: Option<usize>,
}

async fn accept_loop(
    shared: Arc<Shared>,
    key: SocketKey,
    listener: TcpListener,
    tls: bool,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        if shared.connections.load(Ordering::Acquire) >= shared.limits.max_connections {
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        shared.connections.fetch_add(1, Ordering::AcqRel);
        let shared = shared.clone();
        let key = key.clone();
        tokio::spawn(async move {
            serve_connection(&shared, key, stream, peer, tls).await;
            shared.connections.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

async fn serve_connection(
    shared: &Arc<Shared>,
    key: SocketKey,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    tls: bool,
) {
    let limits = &shared.limits;
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .writev(false)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192));
    // hyper's own limit is 100 headers on a stack array; setting one (even 100) makes it
    // initialize a vector of that size for every request, so only set other values.
    if limits.max_headers != HYPER_DEFAULT_MAX_HEADERS {
        builder.http1().max_headers(limits.max_headers);
    }
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        .keep_alive_interval(limits.idle_timeout)
        .keep_alive_timeout(Duration::from_secs(20));
    let mut stop_rx = shared.stopping.subscribe();
    let mut stopping = stop::Signal::new(stop_rx.changed());
    if tls {
        let Some(config) = shared.state.load().tls.get(&key).cloned() else {
            return;
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let handshake = tokio::time::timeout(limits.header_read_timeout, acceptor.accept(stream));
        let Ok(Ok(tls_stream)) = handshake.await else {
            return;
        };
        let (_, conn) = tls_stream.get_ref();
        let sni = conn.server_name().map(str::to_owned);
        let sni_listener = shared.state.load().tables.get(&key.gateway).and_then(|t| {
            table::select_listener(
                t.listeners
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.port == key.port && l.https)
                    .map(|(i, l)| (i, l.hostname.as_deref())),
                sni.as_deref(),
            )
        });
        let info = Arc::new(ConnInfo {
            key,
            peer,
            peer_ip: peer_ip_value(peer),
            tls: true,
            sni_listener,
        });
        let svc = proxy::service(shared.clone(), info);
        let io = TokioIo::new(tls_stream);
        let conn = builder.serve_connection_with_upgrades(io, svc);
        tokio::pin!(conn);
        tokio::select! {
            biased;
            _ = conn.as_mut() => {}
            _ = &mut stopping => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(limits.drain_timeout, conn).await;
            }
        }
    } else {
        let info = Arc::new(ConnInfo {
            key,
            peer,
            peer_ip: peer_ip_value(peer),
            tls: false,
            sni_listener: None,
        });
        let svc = proxy::service(shared.clone(), info);
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc);
        tokio::pin!(conn);
        tokio::select! {
            biased;
            _ = conn.as_mut() => {}
            _ = &mut stopping => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(limits.drain_timeout, conn).await;
            }
        }
    }
}

fn peer_ip_value(peer: SocketAddr) -> http::HeaderValue {
    http::HeaderValue::from_str(&peer.ip().to_string())
        .unwrap_or(http::HeaderValue::from_static("unknown"))
}

/// hyper's default limit on the number of request headers (HTTP/1.1).
const HYPER_DEFAULT_MAX_HEADERS: usize = 100;

async fn admin_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| admin::handle(shared.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// Endpoints that refused a connection, with the time they may be tried again.
#[derive(Debug, Default)]
pub(crate) struct Failover {
    down: Mutex<HashMap<SocketAddr, Instant>>,
}

impl Failover {
    pub(crate) fn mark(&self, addr: SocketAddr, period: Duration) {
        self.down
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(addr, Instant::now() + period);
    }

    pub(crate) fn is_down(&self, addr: &SocketAddr) -> bool {
        let mut map = self
            .down
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match map.get(addr) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                map.remove(addr);
                false
            }
            None => false,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.down
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn proxy_and_options_are_send_and_sync() {
        assert_send_sync::<Proxy>();
        assert_send_sync::<ServeOptions>();
        assert_send_sync::<ReloadError>();
        assert_send_sync::<ServeError>();
    }

    #[test]
    fn failover_marks_expire() {
        let f = Failover::default();
        let a: SocketAddr = "127.0.0.1:1"
            .parse()
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 1)));
        assert!(f.is_empty());
        f.mark(a, Duration::from_secs(60));
        assert!(f.is_down(&a));
        f.mark(a, Duration::ZERO);
        assert!(!f.is_down(&a));
        assert!(f.is_empty());
    }
}
