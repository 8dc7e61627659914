//! `gwproxy echo`: an echo backend compatible with the Gateway API conformance suite's
//! `echo-basic` (upstream v1.6.1 `conformance/echo-basic/`), for the conformance runner, the
//! proxy's tests and manual use.
//!
//! The contract is the conformance data's `echo.md`:
//!
//! * **HTTP mode** ([`EchoMode::Http`]) serves HTTP/1.1 and prior-knowledge cleartext HTTP/2
//!   (h2c) on one socket. Every `//` in the decoded path is collapsed to `/` before routing;
//!   a path that still is not canonical (`.`/`..` segments) is redirected with 301, as Go's
//!   `ServeMux` does. Routes:
//!   * `/health`: 200 `OK`;
//!   * `/status/NNN`: status NNN when the raw request URI is exactly `/status/` + 3 digits
//!     (200–999), else 400;
//!   * `/retry/<anything>?uuid=U&succeedAfter=N[&responseCode=C][&delayRetry=D]`: the first N
//!     requests per `uuid` fail (after sleeping D) with status C, or, without a usable C, by
//!     resetting the TCP connection (HTTP/1 only; HTTP/2 gets a 500); later ones are echoed.
//!     Missing `uuid` or `succeedAfter` → 400;
//!   * `/ws`: WebSocket echo (HTTP/1.1 `Upgrade: websocket`, version 13): every data frame
//!     is sent back with its opcode, FIN bit and payload, pings get pongs, a close is echoed;
//!     other requests get 400;
//!   * anything else: the echo handler. It appends
//!     `Echoing back request made to <RequestURI> to client (<remote addr>)` to the
//!     [`EchoLog`], reads and discards the body, sleeps `delay=<Go duration>` (an invalid one →
//!     500 `{"message": "..."}`), sets the response headers asked for in `X-Echo-Set-Header`
//!     (see [`echo_set_headers`]) and answers 200 with `Content-Type: application/json`,
//!     `X-Content-Type-Options: nosniff` and Go-style indented JSON: `path` (the raw request URI
//!     with its query), `host`, `method`, `proto` (`HTTP/1.1`, `HTTP/2.0`), `headers` (Go
//!     canonical names → values, without `Host`), `httpPort`, `namespace`, `ingress` (always
//!     empty), `service`, `pod`.
//! * **gRPC mode** ([`EchoMode::Grpc`]) serves the `GrpcEcho` service over h2c: `Echo` and
//!   `EchoTwo` answer an `EchoResponse` whose assertions carry the fully qualified method, the
//!   metadata (`:authority` first, then every value of every other header except the ones gRPC
//!   itself consumes such as `te` and `grpc-timeout`), the authority and the identity;
//!   `EchoThree`, other methods and other services end with status 12 (Unimplemented). Each
//!   answered call is logged with the same line format (`RequestURI` = the method path).
//!
//! Not implemented: the TLS listener and `tls` assertions, the TCP/UDP modes, WebSocket over
//! HTTP/2 (RFC 8441), and `delay` given in a POST form body (only the query is read).
//!
//! ```
//! use gateway_api_proxy_example::echo::{EchoIdentity, EchoMode, EchoOptions, EchoServer};
//!
//! # fn main() -> std::io::Result<()> {
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let server = EchoServer::spawn(listener, EchoOptions {
//!     identity: EchoIdentity {
//!         pod: "infra-backend-v1-abc".into(),
//!         namespace: "gateway-conformance-infra".into(),
//!         service: "infra-backend-v1".into(),
//!     },
//!     mode: EchoMode::Http,
//!     http_port: "3000".into(),
//! }).await?;
//! println!("echo on {}", server.local_addr());
//! // ... send requests ...
//! assert_eq!(server.log().count_containing("request made to /a?x=1 "), 0);
//! server.shutdown();
//! # Ok(()) })
//! # }
//! ```

mod duration;
mod grpc;
mod http;
mod ws;
pub(crate) use ws::base64;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

pub use duration::{DurationError, parse_go_duration};
pub use http::{canonical_header_name, echo_set_headers, query_value};

/// Who the echo server says it is (upstream: env `POD_NAME`, `NAMESPACE`, `SERVICE_NAME`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EchoIdentity {
    /// Reported as `pod` (tests check that it starts with the backend's name).
    pub pod: String,
    /// Reported as `namespace`.
    pub namespace: String,
    /// Reported as `service` (gRPC: `service_name`).
    pub service: String,
}

/// Which protocol the echo server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EchoMode {
    /// HTTP/1.1 and prior-knowledge h2c on the same socket.
    Http,
    /// The GrpcEcho service over h2c.
    Grpc,
}

/// Configuration of an [`EchoServer`].
#[derive(Clone, Debug)]
pub struct EchoOptions {
    /// The identity reported in every answer.
    pub identity: EchoIdentity,
    /// HTTP or gRPC.
    pub mode: EchoMode,
    /// Reported as `httpPort` (upstream: env `HTTP_PORT`, default `3000`).
    pub http_port: String,
}

/// Lines the echo server logged, newest last; the last [`EchoLog::CAPACITY`] are kept.
///
/// Mirror tests count the lines naming a request's path; see [`EchoLog::count_containing`].
#[derive(Debug, Default)]
pub struct EchoLog {
    lines: Mutex<VecDeque<String>>,
    print: bool,
}

impl EchoLog {
    /// How many lines are kept.
    pub const CAPACITY: usize = 100_000;

    fn new(print: bool) -> EchoLog {
        EchoLog {
            lines: Mutex::new(VecDeque::new()),
            print,
        }
    }

    fn record(&self, line: String) {
        if self.print {
            println!("{line}");
        }
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() >= Self::CAPACITY {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// A copy of the kept lines, oldest first.
    pub fn lines(&self) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        lines.iter().cloned().collect()
    }

    /// How many kept lines contain `needle`. To count requests for one exact request URI, use
    /// the needle `"request made to <uri> to client"`.
    pub fn count_containing(&self, needle: &str) -> usize {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        lines.iter().filter(|l| l.contains(needle)).count()
    }
}

/// State shared by all connections of one server.
struct Shared {
    options: EchoOptions,
    log: Arc<EchoLog>,
    /// Retry simulator: failed attempts per `uuid`.
    retries: Mutex<HashMap<String, i64>>,
}

/// Most `uuid`s the retry simulator remembers; beyond that it starts over.
const MAX_RETRY_IDS: usize = 100_000;

impl Shared {
    /// Counts an attempt for `uuid`: true when it must fail (fewer than `succeed_after`
    /// failures so far), false when it succeeds.
    fn retry_attempt(&self, uuid: &str, succeed_after: i64) -> bool {
        let mut map = self.retries.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_RETRY_IDS && !map.contains_key(uuid) {
            map.clear();
        }
        let n = map.entry(uuid.to_owned()).or_insert(0);
        if *n < succeed_after {
            *n += 1;
            true
        } else {
            false
        }
    }
}

/// One accepted connection.
struct ConnInfo {
    remote: SocketAddr,
    /// A second handle on the socket, used to make its close a reset.
    reset_handle: Mutex<Option<TcpSocket>>,
    abort: Notify,
    /// Server shutdown, for work that outlives the HTTP connection (WebSocket).
    stop: watch::Receiver<bool>,
}

impl ConnInfo {
    /// Arranges for the connection to be closed with a TCP RST (`SO_LINGER` 0) and asks its
    /// task to drop it.
    fn reset(&self) -> std::io::Result<()> {
        let guard = self
            .reset_handle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(sock) = guard.as_ref() else {
            return Err(std::io::Error::other("no handle on the socket"));
        };
        sock.set_zero_linger()?;
        self.abort.notify_one();
        Ok(())
    }
}

/// A running echo server; it stops on [`EchoServer::shutdown`] or when dropped.
#[derive(Debug)]
pub struct EchoServer {
    local_addr: SocketAddr,
    log: Arc<EchoLog>,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl EchoServer {
    /// Serves `listener` in the background (on the current Tokio runtime) until shut down.
    /// Request lines go to the [`EchoLog`] only.
    pub async fn spawn(listener: TcpListener, options: EchoOptions) -> std::io::Result<EchoServer> {
        Self::start(listener, options, false)
    }

    /// Like [`EchoServer::spawn`], and also prints every log line to stdout (the CLI).
    pub async fn spawn_printing(
        listener: TcpListener,
        options: EchoOptions,
    ) -> std::io::Result<EchoServer> {
        Self::start(listener, options, true)
    }

    fn start(
        listener: TcpListener,
        options: EchoOptions,
        print: bool,
    ) -> std::io::Result<EchoServer> {
        let local_addr = listener.local_addr()?;
        let log = Arc::new(EchoLog::new(print));
        let shared = Arc::new(Shared {
            options,
            log: log.clone(),
            retries: Mutex::new(HashMap::new()),
        });
        let (stop, stop_rx) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(listener, shared, stop_rx));
        Ok(EchoServer {
            local_addr,
            log,
            stop,
            accept,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The request log.
    pub fn log(&self) -> Arc<EchoLog> {
        self.log.clone()
    }

    /// Stops accepting (the listener is closed) and closes every open connection. Idempotent.
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
        self.accept.abort();
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, remote)) => {
                tokio::spawn(serve_connection(
                    shared.clone(),
                    stream,
                    remote,
                    stop.clone(),
                ));
            }
            // Out of file descriptors and the like: wait a little instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Splits off a second handle on the socket so a handler can turn its close into a reset.
fn with_reset_handle(stream: TcpStream) -> std::io::Result<(TcpStream, Option<TcpSocket>)> {
    let std_stream = stream.into_std()?;
    let clone = std_stream.try_clone().ok().map(TcpSocket::from_std_stream);
    Ok((TcpStream::from_std(std_stream)?, clone))
}

async fn serve_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    remote: SocketAddr,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let mode = shared.options.mode;
    let (stream, reset_handle) = match mode {
        EchoMode::Http => match with_reset_handle(stream) {
            Ok(x) => x,
            Err(_) => return,
        },
        EchoMode::Grpc => (stream, None),
    };
    let conn = Arc::new(ConnInfo {
        remote,
        reset_handle: Mutex::new(reset_handle),
        abort: Notify::new(),
        stop: stop.clone(),
    });
    let io = TokioIo::new(stream);
    match mode {
        EchoMode::Http => {
            let svc = {
                let (shared, conn) = (shared.clone(), conn.clone());
                service_fn(move |req| http::handle(shared.clone(), conn.clone(), req))
            };
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new());
            builder.http2().timer(TokioTimer::new());
            let served = builder.serve_connection_with_upgrades(io, svc);
            tokio::select! {
                _ = served => {}
                _ = stop.wait_for(|s| *s) => {}
                _ = conn.abort.notified() => {}
            }
        }
        EchoMode::Grpc => {
            let svc = {
                let (shared, conn) = (shared.clone(), conn.clone());
                service_fn(move |req| grpc::handle(shared.clone(), conn.clone(), req))
            };
            let served = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .serve_connection(io, svc);
            tokio::select! {
                _ = served => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
    }
    // Dropping the connection (above) and the second handle closes the socket; after
    // `ConnInfo::reset` the close is a reset.
    conn.reset_handle
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
}

/// Arguments of `gwproxy echo`.
#[derive(Clone, Debug, clap::Args)]
pub struct EchoArgs {
    /// Address to listen on, e.g. 127.0.0.1:3000 (port 0 picks a free port).
    #[arg(long)]
    pub listen: SocketAddr,
    /// Reported pod name (default: env POD_NAME, else `echo`).
    #[arg(long)]
    pub pod: Option<String>,
    /// Reported namespace (default: env NAMESPACE, else `default`).
    #[arg(long)]
    pub namespace: Option<String>,
    /// Reported service name (default: env SERVICE_NAME, else empty).
    #[arg(long)]
    pub service: Option<String>,
    /// Serve the GrpcEcho gRPC service (h2c) instead of HTTP.
    #[arg(long)]
    pub grpc: bool,
}

impl EchoArgs {
    /// The identity: flags first, then the environment (`POD_NAME`, `NAMESPACE`,
    /// `SERVICE_NAME`, non-empty values only), then the defaults.
    pub fn identity(&self, env: impl Fn(&str) -> Option<String>) -> EchoIdentity {
        let pick = |flag: &Option<String>, var: &str, default: &str| {
            flag.clone()
                .or_else(|| env(var).filter(|v| !v.is_empty()))
                .unwrap_or_else(|| default.to_owned())
        };
        EchoIdentity {
            pod: pick(&self.pod, "POD_NAME", "echo"),
            namespace: pick(&self.namespace, "NAMESPACE", "default"),
            service: pick(&self.service, "SERVICE_NAME", ""),
        }
    }
}

/// Runs `gwproxy echo` until Ctrl-C (SIGINT) or SIGTERM: exit 0 then, 2 when the address
/// cannot be bound, 1 on other start-up failures.
pub fn run_cli(args: &EchoArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gwproxy echo: starting the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async {
        let listener = match TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("gwproxy echo: listening on {}: {e}", args.listen);
                return ExitCode::from(2);
            }
        };
        let (mode, name) = if args.grpc {
            (EchoMode::Grpc, "grpc")
        } else {
            (EchoMode::Http, "http")
        };
        let port = listener
            .local_addr()
            .map(|a| a.port().to_string())
            .unwrap_or_default();
        let options = EchoOptions {
            identity: args.identity(|k| std::env::var(k).ok()),
            mode,
            http_port: port,
        };
        // The signal handlers are installed before the server announces itself, so a
        // signal sent after the "Starting server" line always stops it cleanly.
        let stopped = match stop_signal() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("gwproxy echo: installing the signal handler: {e}");
                return ExitCode::from(1);
            }
        };
        let server = match EchoServer::spawn_printing(listener, options).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("gwproxy echo: {e}");
                return ExitCode::from(2);
            }
        };
        println!(
            "Starting server, listening on {} ({name})",
            server.local_addr()
        );
        stopped.await;
        server.shutdown();
        ExitCode::SUCCESS
    })
}

/// Resolves on SIGINT or SIGTERM; the handlers are in place when this returns.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_is_bounded_and_counts() {
        let log = EchoLog::new(false);
        for i in 0..EchoLog::CAPACITY + 5 {
            log.record(format!("line {i} x"));
        }
        let lines = log.lines();
        assert_eq!(lines.len(), EchoLog::CAPACITY);
        assert_eq!(lines[0], "line 5 x");
        assert_eq!(log.count_containing("line 100004 "), 1);
        assert_eq!(log.count_containing("line 4 "), 0);
        assert_eq!(log.count_containing(" x"), EchoLog::CAPACITY);
    }

    #[test]
    fn retry_counter_per_uuid() {
        let shared = Shared {
            options: EchoOptions {
                identity: EchoIdentity::default(),
                mode: EchoMode::Http,
                http_port: "3000".into(),
            },
            log: Arc::new(EchoLog::default()),
            retries: Mutex::new(HashMap::new()),
        };
        assert!(shared.retry_attempt("a", 2));
        assert!(shared.retry_attempt("a", 2));
        assert!(!shared.retry_attempt("a", 2));
        assert!(!shared.retry_attempt("a", 2));
        assert!(shared.retry_attempt("b", 1));
        assert!(!shared.retry_attempt("b", 1));
        assert!(!shared.retry_attempt("c", 0));
        assert!(!shared.retry_attempt("d", -1));
    }

    #[test]
    fn identity_sources() {
        let args = EchoArgs {
            listen: "127.0.0.1:0".parse().unwrap(),
            pod: None,
            namespace: Some("ns-flag".into()),
            service: None,
            grpc: false,
        };
        let env = |k: &str| match k {
            "POD_NAME" => Some("pod-env".to_owned()),
            "NAMESPACE" => Some("ns-env".to_owned()),
            "SERVICE_NAME" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            args.identity(env),
            EchoIdentity {
                pod: "pod-env".into(),
                namespace: "ns-flag".into(),
                service: String::new(),
            }
        );
        assert_eq!(args.identity(|_| None).pod, "echo");
        let bare = EchoArgs {
            namespace: None,
            ..args
        };
        assert_eq!(bare.identity(|_| None).namespace, "default");
        assert_eq!(bare.identity(env).namespace, "ns-env");
    }
}
