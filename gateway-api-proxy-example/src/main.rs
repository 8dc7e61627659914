//! `gwproxy`: see `gwproxy --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use gateway_api_proxy_example::check::{self, CheckOptions, Format};
use gateway_api_types::Channel;

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
}

#[derive(Clone, Copy, Debug, ValueEnum)]
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
    }
}
