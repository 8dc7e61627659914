//! `gwproxy demo --once`: the README's main job proves itself (every route's request is sent
//! through the proxy to the expected echo backend).

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn demo_once_self_checks_every_route() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(["demo", "--once", "--port", "0", "--config"])
        .arg(root.join("examples/quickstart"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded wait: the self-check sends a handful of loopback requests.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("gwproxy demo --once did not exit within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(status.success(), "exit {status:?}\n{stdout}\n{stderr}");
    assert!(stdout.contains("curl -s -H 'Host: shop.example.com' 'http://127.0.0.1:"));
    assert!(stdout.contains("-H 'x-canary: always'"), "{stdout}");
    assert!(
        stdout.contains("grpcurl -plaintext -authority grpc.example.com"),
        "{stdout}"
    );
    // Each result line names the answering Pod of the expected Service.
    assert!(stdout.contains("=> 200 from pod web-"), "{stdout}");
    assert!(stdout.contains("=> 200 from pod api-v2-"), "{stdout}");
    assert!(
        stdout.contains("=> gRPC OK from pod inventory-"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAILED"), "{stdout}");
    assert!(stdout.contains("self-check: all routes answered"));
}
