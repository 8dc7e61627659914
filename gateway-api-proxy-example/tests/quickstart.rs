//! The bundled `examples/quickstart` configuration is valid, fully accepted, and routes as its
//! comments say.

use std::process::Command;

use serde_json::Value;

fn quickstart() -> String {
    format!("{}/../examples/quickstart", env!("CARGO_MANIFEST_DIR"))
}

fn explain(extra: &[&str], url: &str) -> Value {
    let dir = quickstart();
    let mut args = vec!["explain", "--config", dir.as_str()];
    args.extend_from_slice(extra);
    args.push(url);
    let out = Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(&args)
        .output()
        .expect("run gwproxy");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("explain prints JSON")
}

#[test]
fn quickstart_checks_clean() {
    let out = Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(["check", "--format", "json", &quickstart()])
        .output()
        .expect("run gwproxy");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["invalid"], 0);
    let gw = v["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["kind"] == "Gateway")
        .expect("gateway");
    // storefront, checkout-canary and the GRPCRoute.
    assert_eq!(gw["status"]["listeners"][0]["attachedRoutes"], 3);
}

#[test]
fn quickstart_routes_as_documented() {
    let canary = explain(
        &["--header", "x-canary: always"],
        "http://shop.example.com/api/checkout/cart",
    );
    assert_eq!(canary["route"]["name"], "checkout-canary");
    assert_eq!(canary["backends"][0]["name"], "api-v2");

    let split = explain(&[], "http://shop.example.com/api/checkout");
    assert_eq!(split["route"]["name"], "checkout-canary");
    assert_eq!(split["rule"], 1);
    let weights: Vec<(String, i64)> = split["backends"]
        .as_array()
        .expect("backends")
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap_or_default().to_string(),
                b["weight"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        weights,
        [("api".to_string(), 90), ("api-v2".to_string(), 10)]
    );

    let api = explain(&[], "http://SHOP.example.com:80/api/orders");
    assert_eq!(
        (api["route"]["name"].as_str(), api["rule"].as_i64()),
        (Some("storefront"), Some(1))
    );
    assert_eq!(
        explain(&[], "http://shop.example.com/apix")["backends"][0]["name"],
        "web"
    );
    assert_eq!(
        explain(&[], "http://elsewhere.example.com/")["matched"],
        false
    );
}
