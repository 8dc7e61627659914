//! `gwproxy`: see `gwproxy --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use gateway_api_proxy_example::check::{self, CheckOptions, Format};
use gateway_api_proxy_example::conformance::{self, ConformanceOptions, case::Group};
use gateway_api_proxy_example::demo::{self, DemoOptions};
use gateway_api_proxy_example::echo;
use gateway_api_proxy_example::explain::{self, ExplainOptions};
use gateway_api_proxy_example::serve::{Bind, ConfigSource, Proxy, ServeOptions};
use gateway_api_types::Channel;
use std::time::Duration;

/// The reference Gateway API proxy and manifest checker.
#[derive(Parser, Debug)]
#[command(name = "gwproxy", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate manifests (files or directories of YAML/JSON) as the API server would, resolve
    /// them together for one controller, and report per object its problems and the status the
    /// controller would write. Exit 0 when every object is valid and every owned object is
    /// accepted, 1 otherwise, 2 on usage or I/O errors.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// The controller whose objects get a status (GatewayClasses naming it in
        /// spec.controllerName and what hangs off them). Default: the controller every
        /// GatewayClass read names; required when they name several.
        #[arg(long)]
        controller_name: Option<String>,
        /// The channel of the CRDs installed in the cluster.
        #[arg(long, value_enum, default_value_t = ChannelArg::Standard)]
        channel: ChannelArg,
        /// Files or directories to read.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Show which Gateway, listener, Route, rule and match a request would hit, with its
    /// backends and filters, as one JSON line (`{"matched":false,"status":404}` when none).
    /// Exit 0 when explained, 1 when the configuration cannot be read or compiled, 2 on usage
    /// errors.
    Explain {
        /// Files or directories of manifests (YAML/JSON) making up the configuration.
        #[arg(long = "config", value_name = "PATH", required = true, num_args = 1..)]
        config: Vec<PathBuf>,
        /// The controller whose GatewayClasses are served (default: the only controller the
        /// configuration's GatewayClasses name).
        #[arg(long)]
        controller_name: Option<String>,
        /// Only this Gateway, `namespace/name` (default: the first Gateway, by namespace/name,
        /// that routes the request).
        #[arg(long, value_name = "NAMESPACE/NAME")]
        gateway: Option<String>,
        /// Request method.
        #[arg(long, default_value = "GET")]
        method: String,
        /// A request header, `Name: value` (repeatable). A `Host` header replaces the URL's
        /// authority as the request's host, exactly as written.
        #[arg(long = "header", value_name = "'NAME: VALUE'")]
        headers: Vec<String>,
        /// The request URL; its port (default 80 for http, 443 for https) selects the listener.
        url: Option<String>,
    },
    /// Run an echo backend compatible with the conformance suite's echo-basic: HTTP/1.1 and
    /// h2c (or, with --grpc, the GrpcEcho gRPC service), answering each request with JSON
    /// describing it. Logs one line per echoed request to stdout; runs until Ctrl-C.
    Echo(echo::EchoArgs),
    /// Serve HTTP and gRPC traffic as the manifests say (the reference data plane): one
    /// socket per Gateway listener port, route tables compiled from the resolved
    /// configuration, reloaded when the files change. Runs until SIGTERM or Ctrl-C, then
    /// drains. Exit 1 when the configuration is broken at start, 2 on usage errors.
    Serve {
        /// Files or directories of manifests (YAML/JSON).
        #[arg(long = "config", value_name = "PATH", required = true, num_args = 1..)]
        config: Vec<PathBuf>,
        /// The controller whose GatewayClasses are served (default: the only controller the
        /// configuration's GatewayClasses name).
        #[arg(long)]
        controller_name: Option<String>,
        /// The channel of the CRDs.
        #[arg(long, value_enum, default_value_t = ChannelArg::Standard)]
        channel: ChannelArg,
        /// Remap a listener port to a local address, `PORT=ADDR` (repeatable), e.g.
        /// `80=127.0.0.1:8080`.
        #[arg(long = "listen", value_name = "PORT=ADDR")]
        listen: Vec<String>,
        /// Address for listener ports without `--listen`.
        #[arg(long, default_value = "0.0.0.0")]
        bind_ip: std::net::IpAddr,
        /// Admin server address (`/healthz`, `/readyz`, `/metrics`, `/config`).
        #[arg(long, value_name = "ADDR")]
        admin: Option<std::net::SocketAddr>,
        /// Log one JSON line per request.
        #[arg(long)]
        access_log: bool,
        /// Poll the configuration files every this many milliseconds (0: no watching).
        #[arg(long, value_name = "MS", default_value_t = 20)]
        watch_interval: u64,
        /// Threads serving traffic (0: one per CPU the process may run on). With one, the
        /// proxy runs tokio's single-threaded scheduler, which costs less per request than
        /// the work-stealing one; reloads still run on the blocking pool.
        #[arg(long, value_name = "N", default_value_t = 0)]
        workers: usize,
    },
    /// Run upstream's Gateway API conformance cases (HTTP and gRPC data plane) against the
    /// in-process proxy and echo backends on loopback, without a cluster. Prints a table (or
    /// JSON) of the results; exit 0 when no test failed, 1 otherwise, 2 on usage or I/O errors.
    Conformance {
        /// The suite directory (`.../shared/upstream/conformance`: `cases/`, `manifests/`).
        #[arg(long, value_name = "DIR")]
        suite: PathBuf,
        /// Only this test (upstream ShortName; repeatable).
        #[arg(long = "test", value_name = "SHORTNAME")]
        tests: Vec<String>,
        /// Groups to run (repeatable; default http and grpc).
        #[arg(long = "group", value_enum)]
        groups: Vec<GroupArg>,
        /// Write upstream's ConformanceReport (YAML) to this file.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// Longest time one case may take to answer as expected 3 times in a row.
        #[arg(long, value_name = "MS", default_value_t = 10_000)]
        case_timeout_ms: u64,
        /// Tests run at the same time.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
    },
    /// Start echo backends and the proxy on 127.0.0.1 from the quickstart manifests, print the
    /// curl/grpcurl commands that exercise each route, send each once and print the answer,
    /// then serve until Ctrl-C (`--once`: exit after the self-check; exit 1 if a check failed).
    Demo {
        /// Local port that serves the Gateway's port-80 listener.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Manifests (files or directories).
        #[arg(long, value_name = "PATH", default_value = "examples/quickstart")]
        config: Vec<PathBuf>,
        /// Exit after the self-check instead of serving until Ctrl-C.
        #[arg(long)]
        once: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum GroupArg {
    Http,
    Grpc,
    #[value(name = "tls-l4")]
    TlsL4,
    Status,
    Mesh,
}

impl From<GroupArg> for Group {
    fn from(g: GroupArg) -> Self {
        match g {
            GroupArg::Http => Group::Http,
            GroupArg::Grpc => Group::Grpc,
            GroupArg::TlsL4 => Group::TlsL4,
            GroupArg::Status => Group::Status,
            GroupArg::Mesh => Group::Mesh,
        }
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ChannelArg {
    Standard,
    Experimental,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Echo(args) => echo::run_cli(&args),
        Command::Serve {
            config,
            controller_name,
            channel,
            listen,
            bind_ip,
            admin,
            access_log,
            watch_interval,
            workers,
        } => {
            let mut overrides = std::collections::BTreeMap::new();
            for l in &listen {
                let parsed = l.split_once('=').and_then(|(p, a)| {
                    Some((p.trim().parse::<u16>().ok()?, a.trim().parse().ok()?))
                });
                match parsed {
                    Some((p, a)) => {
                        overrides.insert(p, a);
                    }
                    None => {
                        eprintln!("gwproxy serve: --listen {l:?}: expected PORT=IP:PORT");
                        return ExitCode::from(2);
                    }
                }
            }
            let mut options = ServeOptions::new(
                ConfigSource::Paths(config),
                Bind::Ports {
                    default_ip: bind_ip,
                    overrides,
                },
            );
            options.controller_name = controller_name;
            options.channel = match channel {
                ChannelArg::Standard => Channel::Standard,
                ChannelArg::Experimental => Channel::Experimental,
            };
            options.admin = admin;
            options.access_log = access_log;
            options.watch = (watch_interval > 0).then(|| Duration::from_millis(watch_interval));
            serve_main(options, workers)
        }
        Command::Check {
            format,
            controller_name,
            channel,
            paths,
        } => {
            let sources = match check::read_sources(&paths) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("gwproxy check: {e}");
                    return ExitCode::from(2);
                }
            };
            let options = CheckOptions {
                channel: match channel {
                    ChannelArg::Standard => Channel::Standard,
                    ChannelArg::Experimental => Channel::Experimental,
                },
                controller_name,
            };
            let out = check::check_sources(&sources, &options);
            if let Some(e) = &out.usage_error {
                eprintln!("gwproxy check: {e}");
                return ExitCode::from(2);
            }
            let format = match format {
                FormatArg::Text => Format::Text,
                FormatArg::Json => Format::Json,
            };
            print!(
                "{}",
                out.render(
                    format,
                    format == Format::Text && check::stdout_is_terminal()
                )
            );
            if out.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Command::Explain {
            mut config,
            controller_name,
            gateway,
            method,
            headers,
            url,
        } => {
            // `--config a.yaml b.yaml URL`: the paths take every value, so the URL is the last.
            let url = match url {
                Some(u) => u,
                None if config.len() > 1 => config
                    .pop()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                None => {
                    eprintln!("gwproxy explain: the request URL is missing");
                    return ExitCode::from(2);
                }
            };
            let sources = match check::read_sources(&config) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("gwproxy explain: {e}");
                    return ExitCode::from(2);
                }
            };
            let options = ExplainOptions {
                controller_name,
                gateway,
                method,
                headers,
                url,
            };
            match explain::explain_sources(&sources, &options) {
                Ok(v) => {
                    println!("{}", v.to_json());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("gwproxy explain: {e}");
                    ExitCode::from(e.exit_code())
                }
            }
        }
        Command::Conformance {
            suite,
            tests,
            groups,
            report,
            format,
            case_timeout_ms,
            parallel,
        } => {
            let mut options = ConformanceOptions::new(suite);
            options.tests = tests;
            if !groups.is_empty() {
                options.groups = groups.into_iter().map(Group::from).collect();
            }
            options.case_timeout = std::time::Duration::from_millis(case_timeout_ms);
            options.parallel = parallel.max(1);
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("gwproxy conformance: {e}");
                    return ExitCode::from(2);
                }
            };
            let result = match rt.block_on(conformance::run(options)) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("gwproxy conformance: {e}");
                    return ExitCode::from(2);
                }
            };
            match format {
                FormatArg::Text => print!("{}", result.render_text()),
                FormatArg::Json => println!("{}", result.to_json()),
            }
            if let Some(path) = report {
                let date = k8s_openapi::jiff::Timestamp::now().to_string();
                let report = result
                    .conformance_report(&conformance::report::Implementation::default(), &date);
                if let Err(e) = conformance::report::validate_report(&report) {
                    eprintln!("gwproxy conformance: the report is malformed: {e}");
                    return ExitCode::from(2);
                }
                let yaml = conformance::report::to_yaml(&report);
                if let Err(e) = std::fs::write(&path, yaml) {
                    eprintln!("gwproxy conformance: {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
            if result.counts().1 == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Command::Demo { port, config, once } => {
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("gwproxy demo: {e}");
                    return ExitCode::from(2);
                }
            };
            let options = DemoOptions { port, config, once };
            match rt.block_on(demo::run(options, &mut std::io::stdout())) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("gwproxy demo: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Runs the proxy until SIGTERM or Ctrl-C, then drains.
fn serve_main(options: ServeOptions, workers: usize) -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match serve_runtime(workers) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gwproxy serve: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        let proxy = match Proxy::start(options).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("gwproxy serve: {e}");
                return ExitCode::from(1);
            }
        };
        for b in proxy.bound() {
            tracing::info!(
                port = b.port,
                addr = %b.addr,
                tls = b.tls,
                "listening"
            );
        }
        wait_for_signal().await;
        tracing::info!("shutting down: draining requests in flight");
        proxy.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// The runtime of `serve`: `workers` threads (0: the CPUs this process may run on, as
/// `std::thread::available_parallelism` reports them, which honours CPU affinity). One
/// worker gets tokio's current-thread scheduler: no work-stealing queues, no cross-thread
/// wake-ups, so each request costs fewer instructions; more get the multi-thread one.
fn serve_runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let workers = match workers {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        n => n,
    };
    if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
