//! prints
use kube_core::CustomResourceExt;
fn main() {
    println!(
        "{}",
        serde_json::to_string_pretty(&gateway_api_types::experiment::GatewayClass::crd()).unwrap()
    );
}
