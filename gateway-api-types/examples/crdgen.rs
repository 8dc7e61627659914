//! Prints the CustomResourceDefinitions of a channel as multi-document YAML.
//!
//! ```text
//! cargo run -q -p gateway-api-types --example crdgen -- --channel standard
//! cargo run -q -p gateway-api-types --features experimental --example crdgen -- --channel experimental
//! ```

use std::process::ExitCode;

use gateway_api_types::{Channel, crds_yaml};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut channel = Channel::Standard;
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--channel" => args.next(),
            a if a.starts_with("--channel=") => a.strip_prefix("--channel=").map(str::to_string),
            "-h" | "--help" => {
                println!("usage: crdgen [--channel standard|experimental]");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!(
                    "crdgen: unexpected argument {other:?}\nusage: crdgen [--channel standard|experimental]"
                );
                return ExitCode::from(2);
            }
        };
        match value.as_deref().map(str::parse::<Channel>) {
            Some(Ok(c)) => channel = c,
            Some(Err(e)) => {
                eprintln!("crdgen: {e}");
                return ExitCode::from(2);
            }
            None => {
                eprintln!("crdgen: --channel needs a value");
                return ExitCode::from(2);
            }
        }
    }
    match crds_yaml(channel) {
        Ok(yaml) => {
            print!("{yaml}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crdgen: {e}");
            ExitCode::FAILURE
        }
    }
}
