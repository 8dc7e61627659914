//! Black-box tests of `gwproxy check`: the built binary on upstream's examples, on broken
//! input, and on usage and I/O errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/upstream` beside the workspace (override with `GATEWAY_API_UPSTREAM`).
fn upstream_dir() -> PathBuf {
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

fn gwproxy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(args)
        .output()
        .expect("run gwproxy")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A file with `content` in a fresh temporary directory.
fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gwproxy-check-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(format!("{name}.yaml"));
    std::fs::write(&p, content).expect("write");
    p
}

/// Every `*.yaml` under `dir`, sorted.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

/// Upstream's examples are independent configurations (several reuse the same names), so each
/// file is checked on its own. Every one is valid and every owned object accepted, except the
/// three whose GatewayClass has a `parametersRef` to an `acme.io/Parameters` object that is not
/// among the manifests: a controller rejects such a class (`InvalidParameters`), and with it
/// the Gateways and Routes that hang off it — exit 1, with that reason.
#[test]
fn each_example_is_valid_and_accepted() {
    let missing_parameters = ["basic-grpc.yaml", "basic-http.yaml", "http-redirect.yaml"];
    let mut checked = 0;
    for channel in ["standard", "experimental"] {
        let mut files = Vec::new();
        yaml_files(&upstream_dir().join("examples").join(channel), &mut files);
        for f in files {
            let out = gwproxy(&["check", "--channel", channel, &f.to_string_lossy()]);
            let t = text(&out);
            let name = f.file_name().map(|n| n.to_string_lossy().to_string());
            if channel == "standard" && missing_parameters.contains(&name.as_deref().unwrap_or(""))
            {
                assert_eq!(out.status.code(), Some(1), "{}: {t}", f.display());
                assert!(
                    t.contains(
                        "not accepted (InvalidParameters): parametersRef acme.io/Parameters"
                    ),
                    "{t}"
                );
                assert!(t.contains("0 invalid"), "{t}");
            } else {
                assert_eq!(out.status.code(), Some(0), "{}: {t}", f.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} example files");
}

/// All examples at once are one configuration with duplicate objects (the examples reuse
/// names): each duplicate is reported where it occurs, exit 1.
#[test]
fn all_examples_together_report_duplicates() {
    let dir = upstream_dir().join("examples/standard");
    let out = gwproxy(&["check", &dir.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.lines()
            .any(|l| l.contains("http-cors/") && l.contains("duplicate object HTTPRoute")),
        "{t}"
    );
}

#[test]
fn json_gives_status_subresources_of_owned_objects_only() {
    let file = upstream_dir().join("examples/standard/default-match-http.yaml");
    let out = gwproxy(&["check", "--format", "json", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    let objects = v["objects"].as_array().expect("objects");
    let class = objects
        .iter()
        .find(|o| o["kind"] == "GatewayClass")
        .expect("a GatewayClass");
    assert_eq!(class["status"]["conditions"][0]["type"], "Accepted");
    assert_eq!(class["status"]["conditions"][0]["status"], "True");
    let route = objects
        .iter()
        .find(|o| o["kind"] == "HTTPRoute" && !o["status"].is_null())
        .expect("an owned HTTPRoute");
    let parent = &route["status"]["parents"][0];
    assert_eq!(parent["controllerName"], v["summary"]["controllerName"]);
    assert_eq!(parent["conditions"][0]["type"], "Accepted");
    assert_eq!(parent["conditions"][0]["status"], "True");
    assert!(v["summary"]["owned"].as_u64().unwrap_or_default() >= 3);
}

/// Objects of kinds no controller owns get `null`.
#[test]
fn unowned_objects_get_null_status() {
    let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {ports: [{port: 80}]}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {controllerName: example.com/gw}\n";
    let p = temp_file("unowned", yaml);
    let out = gwproxy(&["check", "--format", "json", &p.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["objects"][0]["status"].is_null());
    assert!(!v["objects"][1]["status"].is_null());
}

const BROKEN: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: mine}
spec: {controllerName: example.com/gw}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: mine
  listeners:
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wrong-host, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [other.org]
  rules: [{backendRefs: [{name: svc, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad-path, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: "no-slash"}}]}]
"#;

#[test]
fn broken_input_gives_one_clear_line_per_problem_and_exit_1() {
    let p = temp_file("broken", BROKEN);
    let out = gwproxy(&[
        "check",
        "--controller-name",
        "example.com/gw",
        &p.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    // Validation error, with file and line.
    assert!(
        t.lines().any(|l| l.contains("broken.yaml:24")
            && l.contains("HTTPRoute default/bad-path")
            && l.contains("spec.rules[0].matches[0].path")),
        "{t}"
    );
    // Not accepted: reason and message.
    assert!(
        t.lines().any(|l| l.contains("HTTPRoute default/wrong-host")
            && l.contains("parent Gateway gw section http")
            && l.contains("NoMatchingListenerHostname")),
        "{t}"
    );
    // TCPRoute is a standard-channel feature: the TCP listener is accepted.
    assert!(!t.contains("listener tcp"), "{t}");
    let json = gwproxy(&["check", "--format", "json", &p.to_string_lossy()]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["summary"]["invalid"], 1);
    assert_eq!(v["summary"]["notAccepted"], 1);
    assert_eq!(v["summary"]["controllerName"], "example.com/gw");
    // The invalid route is not stored by the API server, so it gets no status.
    let bad = v["objects"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["name"] == "bad-path"))
        .expect("bad-path");
    assert!(bad["status"].is_null());
}

#[test]
fn class_of_another_controller_owns_nothing() {
    let p = temp_file("other", BROKEN);
    let out = gwproxy(&[
        "check",
        "--format",
        "json",
        "--controller-name",
        "example.com/other",
        &p.to_string_lossy(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["owned"], 0);
    // Still exit 1: one object is invalid.
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn missing_path_is_exit_2() {
    let out = gwproxy(&["check", "/nonexistent/gwproxy/input"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("/nonexistent/gwproxy/input"));
}

#[test]
fn usage_errors_are_exit_2() {
    assert_eq!(gwproxy(&["check"]).status.code(), Some(2));
    assert_eq!(
        gwproxy(&["check", "--format", "xml", "x"]).status.code(),
        Some(2)
    );
    let two = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: a}\nspec: {controllerName: example.com/a}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: b}\nspec: {controllerName: example.com/b}\n";
    let p = temp_file("two", two);
    let out = gwproxy(&["check", &p.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--controller-name"), "{}", text(&out));
    let out = gwproxy(&[
        "check",
        "--controller-name",
        "example.com/a",
        &p.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
