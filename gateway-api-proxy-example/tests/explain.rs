//! Black-box tests of `gwproxy explain`: the built binary against upstream examples and the
//! conformance manifests, whose expected backends it must reproduce.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The upstream data (`GATEWAY_API_UPSTREAM`, default `../shared/upstream` beside the
/// workspace). A missing dataset fails the test: it is never skipped.
fn upstream() -> PathBuf {
    let dir = match std::env::var("GATEWAY_API_UPSTREAM") {
        Ok(d) => PathBuf::from(d),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/upstream"),
    };
    assert!(
        dir.is_dir(),
        "upstream data not found at {} (set GATEWAY_API_UPSTREAM)",
        dir.display()
    );
    dir
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gwproxy-explain-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        serde_json::from_str(self.stdout.trim()).expect("one JSON line")
    }
}

fn gwproxy(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(args)
        .output()
        .expect("runs gwproxy");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const CLASS: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n\
                     metadata: {name: example-gateway-class}\n\
                     spec: {controllerName: example.com/gateway}\n";

/// `examples/standard/http-routing` plus the GatewayClass its Gateway names.
fn http_routing() -> (PathBuf, PathBuf) {
    let dir = temp_dir("http-routing");
    std::fs::write(dir.join("class.yaml"), CLASS).expect("write");
    (
        dir.join("class.yaml"),
        upstream().join("examples/standard/http-routing"),
    )
}

fn explain(extra: &[&str], url: &str) -> Value {
    let (class, routing) = http_routing();
    let mut args = vec![
        "explain",
        "--config",
        class.to_str().expect("utf-8"),
        routing.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    args.push(url);
    gwproxy(&args).json()
}

#[test]
fn matched_output_is_exactly_the_documented_json() {
    let (class, routing) = http_routing();
    let run = gwproxy(&[
        "explain",
        "--config",
        class.to_str().expect("utf-8"),
        routing.to_str().expect("utf-8"),
        "http://foo.example.com/login/x",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        concat!(
            r#"{"matched":true,"gateway":"default/example-gateway","listener":"http","#,
            r#""route":{"kind":"HTTPRoute","namespace":"default","name":"foo-route"},"#,
            r#""rule":0,"match":0,"backends":[{"kind":"Service","namespace":"default","#,
            r#""name":"foo-svc","port":8080,"weight":1,"valid":false}],"filters":[]}"#,
            "\n"
        )
    );
}

#[test]
fn routes_rules_and_backends_of_the_http_routing_example() {
    let route = |v: &Value| {
        (
            v["route"]["name"].as_str().unwrap_or("").to_owned(),
            v["rule"].as_u64(),
            v["backends"][0]["name"].as_str().unwrap_or("").to_owned(),
        )
    };
    let owned = |r: &str, rule: u64, b: &str| (r.to_owned(), Some(rule), b.to_owned());
    // Header match on bar.example.com: the canary rule.
    assert_eq!(
        route(&explain(
            &["--header", "env: canary"],
            "http://bar.example.com/"
        )),
        owned("bar-route", 0, "bar-svc-canary")
    );
    // Header values are exact and case-sensitive; header names are not.
    assert_eq!(
        route(&explain(
            &["--header", "ENV: Canary"],
            "http://bar.example.com/x"
        )),
        owned("bar-route", 1, "bar-svc")
    );
    assert_eq!(
        route(&explain(
            &["--header", "ENV: canary"],
            "http://bar.example.com/x"
        )),
        owned("bar-route", 0, "bar-svc-canary")
    );
    // Hostnames are case-insensitive and the port of the authority is ignored.
    assert_eq!(
        route(&explain(&[], "http://FOO.example.com:80/login")),
        owned("foo-route", 0, "foo-svc")
    );
    assert_eq!(
        route(&explain(
            &["--method", "DELETE"],
            "http://example.com/anything"
        )),
        owned("example-route", 0, "example-svc")
    );
    // A Host header replaces the URL's authority, exactly as written.
    assert_eq!(
        route(&explain(
            &["--header", "Host: Bar.Example.com:8080"],
            "http://foo.example.com/login"
        )),
        owned("bar-route", 1, "bar-svc")
    );
}

#[test]
fn unmatched_requests_get_404() {
    let not_found = serde_json::json!({"matched": false, "status": 404});
    // PathPrefix is segment-aware: /loginx is not under /login.
    assert_eq!(explain(&[], "http://foo.example.com/loginx"), not_found);
    // No route for this host.
    assert_eq!(explain(&[], "http://other.example.com/"), not_found);
    // No listener on 8080 (nor on 443 for https).
    assert_eq!(explain(&[], "http://foo.example.com:8080/login"), not_found);
    assert_eq!(explain(&[], "https://foo.example.com/login"), not_found);
}

#[test]
fn usage_errors_exit_2() {
    let routing = upstream().join("examples/standard/http-routing");
    let routing = routing.to_str().expect("utf-8");
    // No GatewayClass in the configuration: the controller cannot be guessed.
    let run = gwproxy(&["explain", "--config", routing, "http://example.com/"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--controller-name"), "{}", run.stderr);
    // Two GatewayClasses with different controllers.
    let dir = temp_dir("two-controllers");
    std::fs::write(dir.join("class.yaml"), CLASS).expect("write");
    std::fs::write(
        dir.join("other.yaml"),
        CLASS
            .replace("example-gateway-class", "other")
            .replace("example.com/gateway", "example.com/other"),
    )
    .expect("write");
    let dir_s = dir.to_str().expect("utf-8");
    let run = gwproxy(&["explain", "--config", dir_s, routing, "http://example.com/"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--controller-name"), "{}", run.stderr);
    // ... which --controller-name resolves.
    let run = gwproxy(&[
        "explain",
        "--controller-name",
        "example.com/gateway",
        "--config",
        dir_s,
        routing,
        "http://example.com/",
    ]);
    assert_eq!(run.json()["route"]["name"], "example-route");
    // Bad URL and header.
    let run = gwproxy(&[
        "explain",
        "--config",
        dir_s,
        "--controller-name",
        "x",
        "/relative",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = gwproxy(&[
        "explain",
        "--config",
        dir_s,
        "--controller-name",
        "x",
        "--header",
        "no-colon",
        "http://h/",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Conformance: the expected backend of every applicable request of some conformance tests.

const CONFORMANCE_CLASS: &str = "gwproxy-conformance";
const CONFORMANCE_CONTROLLER: &str = "gwproxy.example/conformance";

/// The base manifests and those of `tests`, with the placeholders filled in, plus the
/// GatewayClass, in a temporary directory.
fn conformance_config(name: &str, tests: &[String]) -> PathBuf {
    let root = upstream().join("conformance/manifests");
    let dir = temp_dir(name);
    let fill = |p: &Path| {
        std::fs::read_to_string(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .replace("{GATEWAY_CLASS_NAME}", CONFORMANCE_CLASS)
            .replace("{GATEWAY_CONTROLLER_NAME}", CONFORMANCE_CONTROLLER)
    };
    std::fs::write(
        dir.join("0-class.yaml"),
        format!(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n\
             metadata: {{name: {CONFORMANCE_CLASS}}}\n\
             spec: {{controllerName: {CONFORMANCE_CONTROLLER}}}\n"
        ),
    )
    .expect("write");
    std::fs::write(
        dir.join("1-base.yaml"),
        fill(&root.join("base/manifests.yaml")),
    )
    .expect("write");
    for (i, t) in tests.iter().enumerate() {
        std::fs::write(dir.join(format!("2-test-{i}.yaml")), fill(&root.join(t))).expect("write");
    }
    dir
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// What a conformance case expects: `Some(service)` routed to that backend, `None` 404.
enum Expect {
    Backend(String),
    NotFound,
}

/// Runs every applicable case of `conformance/cases/<short_name>.yaml`; returns how many ran.
fn conformance(short_name: &str) -> usize {
    let path = upstream().join(format!("conformance/cases/{short_name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{short_name}: {e}"));
    let manifests: Vec<String> = spec["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect();
    let dir = conformance_config(short_name, &manifests);
    let dir = dir.to_str().expect("utf-8").to_owned();
    let default_gw = &spec["gateways"][0];
    let mut ran = 0;
    for (i, case) in spec["cases"].as_array().into_iter().flatten().enumerate() {
        if case.get("preAction").is_some() {
            continue;
        }
        let req = &case["request"];
        let protocol = str_of(req, "protocol").unwrap_or("HTTP");
        let gw = case.get("gateway").unwrap_or(default_gw);
        let gateway = format!(
            "{}/{}",
            str_of(gw, "namespace").unwrap_or_default(),
            str_of(gw, "name").unwrap_or_default()
        );
        let port = gw["port"].as_u64().unwrap_or(80);
        let backend = str_of(case, "backend").unwrap_or("");
        let mut args: Vec<String> = vec![
            "explain".into(),
            "--gateway".into(),
            gateway.clone(),
            "--config".into(),
            dir.clone(),
        ];
        let (path, expect) = match protocol {
            "HTTP" => {
                let codes: Vec<u64> = case["response"]["statusCodes"]
                    .as_array()
                    .map(|c| c.iter().filter_map(Value::as_u64).collect())
                    .unwrap_or_else(|| vec![200]);
                let expect = match codes.as_slice() {
                    [200] if !backend.is_empty() => Expect::Backend(backend.to_owned()),
                    [404] => Expect::NotFound,
                    _ => continue,
                };
                if let Some(m) = str_of(req, "method") {
                    args.extend(["--method".into(), m.to_owned()]);
                }
                (str_of(req, "path").unwrap_or("/").to_owned(), expect)
            }
            "gRPC" => {
                let expect = match str_of(&case["response"], "grpcCode").unwrap_or("OK") {
                    "OK" if !backend.is_empty() => Expect::Backend(backend.to_owned()),
                    "Unimplemented" => Expect::NotFound,
                    _ => continue,
                };
                args.extend([
                    "--method".into(),
                    "POST".into(),
                    "--header".into(),
                    "content-type: application/grpc".into(),
                ]);
                let service = str_of(&case["grpc"], "service").unwrap_or_default();
                let method = str_of(&case["grpc"], "method").unwrap_or_default();
                (format!("/{service}/{method}"), expect)
            }
            _ => continue,
        };
        if let Some(host) = str_of(req, "host") {
            args.extend(["--header".into(), format!("Host: {host}")]);
        }
        if let Some(headers) = req.get("headers").and_then(Value::as_object) {
            for (k, v) in headers {
                args.extend([
                    "--header".into(),
                    format!("{k}: {}", v.as_str().unwrap_or("")),
                ]);
            }
        }
        // A request without host goes to the Gateway's address.
        let url = if port == 80 {
            format!("http://192.0.2.1{path}")
        } else {
            format!("http://192.0.2.1:{port}{path}")
        };
        args.push(url);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = gwproxy(&argv).json();
        let what = format!("{short_name} case {i}: {}", args[5..].join(" "));
        match expect {
            Expect::NotFound => assert_eq!(out["matched"], false, "{what}: {out}"),
            Expect::Backend(b) => {
                assert_eq!(out["matched"], true, "{what}: {out}");
                assert_eq!(out["gateway"], gateway.as_str(), "{what}: {out}");
                let backends = out["backends"].as_array().cloned().unwrap_or_default();
                // The echo pod name starts with its Service's name; every case here has one
                // backend per rule.
                assert_eq!(backends.len(), 1, "{what}: {out}");
                assert_eq!(backends[0]["name"], b.as_str(), "{what}: {out}");
                assert_eq!(backends[0]["valid"], true, "{what}: {out}");
            }
        }
        ran += 1;
    }
    eprintln!("{short_name}: {ran} cases agree");
    ran
}

#[test]
fn conformance_httproute_matching() {
    assert_eq!(conformance("HTTPRouteMatching"), 9);
}

#[test]
fn conformance_other_matching_tests() {
    let mut total = 0;
    for name in [
        "HTTPRouteExactPathMatching",
        "HTTPRouteHeaderMatching",
        "HTTPRouteMethodMatching",
        "HTTPRouteQueryParamMatching",
        "HTTPRoutePathMatchOrder",
        "HTTPRouteMatchingAcrossRoutes",
        "HTTPRouteListenerHostnameMatching",
        "HTTPRouteHostnameIntersection",
        "HTTPRouteSimpleSameNamespace",
    ] {
        let n = conformance(name);
        assert!(n > 0, "{name}: no case ran");
        total += n;
    }
    assert!(total >= 50, "{total}");
}

#[test]
fn conformance_grpc() {
    for name in [
        "GRPCExactMethodMatching",
        "GRPCRouteHeaderMatching",
        "GRPCRouteListenerHostnameMatching",
    ] {
        assert!(conformance(name) > 0, "{name}: no case ran");
    }
}
