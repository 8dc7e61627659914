//! The whole upstream HTTP + gRPC data-plane conformance set (v1.6.1: 53 tests, 342 cases) run
//! in process through the library API: in-process echo Pods, one proxy per test on loopback.
//! Fails when a test whose features are all claimed (`SUPPORTED_FEATURES`) does not pass, or
//! when a claimed feature is not actually earned by passing tests. The result table is printed
//! (`cargo test --test conformance -- --nocapture`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use gateway_api_proxy_example::conformance::report::Outcome;
use gateway_api_proxy_example::conformance::{self, ConformanceOptions, SUPPORTED_FEATURES};

/// `../shared/upstream/conformance` beside the workspace (override with
/// `GATEWAY_API_UPSTREAM`). A missing dataset fails the test: it is never skipped.
fn suite() -> PathBuf {
    let upstream = std::env::var("GATEWAY_API_UPSTREAM").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/upstream"),
        PathBuf::from,
    );
    let dir = upstream.join("conformance");
    assert!(
        dir.is_dir(),
        "upstream conformance data not found at {} (set GATEWAY_API_UPSTREAM)",
        dir.display()
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn http_and_grpc_conformance() {
    let mut options = ConformanceOptions::new(suite());
    options.parallel = 4;
    options.case_timeout = Duration::from_secs(15);
    let result = tokio::time::timeout(Duration::from_secs(600), conformance::run(options))
        .await
        .expect("the conformance run did not finish within 10 minutes")
        .expect("the conformance run could not start");
    println!("{}", result.render_text());

    assert_eq!(result.tests.len(), 53, "53 data-plane tests in http+grpc");
    let cases: usize = result
        .tests
        .iter()
        .map(|t| t.cases_passed + t.cases_failed)
        .sum();
    assert!(cases >= 342, "every case was run ({cases})");
    assert!(
        result.tests.iter().all(|t| t.outcome != Outcome::Skip),
        "no http/grpc test may be skipped"
    );

    let broken: Vec<String> = result
        .broken_claims(SUPPORTED_FEATURES)
        .iter()
        .map(|t| format!("{}: {}", t.name, t.reason))
        .collect();
    assert!(
        broken.is_empty(),
        "tests of claimed features failed:\n{}",
        broken.join("\n")
    );
    // The report file is upstream's ConformanceReport shape and claims every supported feature.
    let report = result.conformance_report(
        &conformance::report::Implementation::default(),
        "2026-01-01T00:00:00Z",
    );
    let yaml = conformance::report::to_yaml(&report);
    let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(conformance::report::validate_report(&back), Ok(()));
    let http = &back["profiles"][0];
    assert_eq!(http["name"], "GATEWAY-HTTP");
    assert_eq!(http["core"]["result"], "success", "{yaml}");

    let earned = result.claimed_features();
    for f in SUPPORTED_FEATURES {
        assert!(
            earned.contains(*f),
            "{f} is claimed but not all of its tests pass"
        );
    }
}

/// The HTTPS part of the tls-l4 group the harness runs: HTTPS listeners with SNI, misdirected
/// requests over HTTP/2 (421), redirects from HTTPS, an h2c backend and a WebSocket through the
/// proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn https_listener_conformance() {
    let mut options = ConformanceOptions::new(suite());
    options.tests = [
        "HTTPRouteHTTPSListener",
        "HTTPRouteHTTPSListenerDetectMisdirectedRequests",
        "HTTPRouteRedirectPortAndScheme",
        "HTTPRouteBackendProtocolH2C",
        "HTTPRouteBackendProtocolWebSocket",
    ]
    .map(String::from)
    .to_vec();
    options.case_timeout = Duration::from_secs(15);
    let result = tokio::time::timeout(Duration::from_secs(300), conformance::run(options))
        .await
        .expect("the run did not finish within 5 minutes")
        .expect("the run could not start");
    println!("{}", result.render_text());
    assert_eq!(result.tests.len(), 5);
    let cases: usize = result.tests.iter().map(|t| t.cases_passed).sum();
    assert_eq!(cases, 35, "{}", result.render_text());
    assert!(
        result.tests.iter().all(|t| t.outcome == Outcome::Pass),
        "{}",
        result.render_text()
    );
}

/// The command line: JSON summary, report file, exit codes.
#[test]
fn cli_json_report_and_exit_codes() {
    let dir = std::env::temp_dir().join(format!("gwproxy-conformance-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.yaml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args([
            "conformance",
            "--format",
            "json",
            "--test",
            "HTTPRouteSimpleSameNamespace",
        ])
        .arg("--suite")
        .arg(suite())
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(json["summary"]["passed"], 1);
    assert_eq!(json["tests"][0]["name"], "HTTPRouteSimpleSameNamespace");
    assert_eq!(json["tests"][0]["result"], "pass");
    assert_eq!(json["tests"][0]["cases"]["passed"], 1);
    let yaml = std::fs::read_to_string(&report).unwrap();
    let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(conformance::report::validate_report(&back), Ok(()));
    std::fs::remove_dir_all(&dir).unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(["conformance", "--test", "NoSuchTest", "--suite"])
        .arg(suite())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown test NoSuchTest"));
}
