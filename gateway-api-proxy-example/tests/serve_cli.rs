//! Black-box tests of the `gwproxy serve` binary with each runtime flavour (`--workers 1`:
//! tokio's current-thread scheduler; `--workers 2`: the multi-thread one): it serves, reloads
//! a changed file, and on SIGTERM drains the request in flight and exits 0.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn temp_dir(tag: &str) -> PathBuf {
    common::temp_dir("cli", tag)
}

/// Kills the child if the test fails before it exits.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `gwproxy serve` on `dir` with an OS-assigned port for listener port 80 and returns
/// the child with the address it logged.
fn spawn_serve(dir: &std::path::Path, workers: &str) -> (Running, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gwproxy"))
        .args(["serve", "--config"])
        .arg(dir)
        .args([
            "--listen",
            "80=127.0.0.1:0",
            "--watch-interval",
            "20",
            "--workers",
            workers,
        ])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if line.contains("listening")
                && let Some(at) = line.find("127.0.0.1:")
            {
                let rest = &line[at..];
                let end = rest
                    .char_indices()
                    .skip("127.0.0.1:".len())
                    .find(|(_, c)| !c.is_ascii_digit())
                    .map_or(rest.len(), |(i, _)| i);
                let _ = tx.send(rest[..end].parse::<SocketAddr>().unwrap());
            }
        }
    });
    let running = Running(child);
    let addr = rx
        .recv_timeout(TIMEOUT)
        .expect("gwproxy serve did not log its address");
    (running, addr)
}

async fn serve_reload_and_drain(workers: &str) {
    let one = echo("one").await;
    let two = echo("two").await;
    let dir = temp_dir(workers);
    let services = service_yaml("default", "svc-one", 80, &[one.addr], false)
        + "---\n"
        + &service_yaml("default", "svc-two", 80, &[two.addr], false);
    std::fs::write(dir.join("services.yaml"), &services).unwrap();
    std::fs::write(
        dir.join("gateway.yaml"),
        gateway_yaml("") + &route("/one", "svc-one", "r1"),
    )
    .unwrap();
    let (mut proxy, addr) = spawn_serve(&dir, workers);

    // Serves.
    let a = get(addr, "example.com", "/one/a", &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(one.seen.lock().unwrap().iter().any(|l| l == "GET /one/a"));
    assert_eq!(get(addr, "example.com", "/two/a", &[]).await.status, 404);

    // Reloads a changed file.
    std::fs::write(
        dir.join("gateway.yaml"),
        gateway_yaml("") + &route("/one", "svc-one", "r1") + &route("/two", "svc-two", "r2"),
    )
    .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if get(addr, "example.com", "/two/b", &[]).await.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the new route never served");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(two.seen.lock().unwrap().iter().any(|l| l == "GET /two/b"));

    // SIGTERM with a request in flight: it completes, then the process exits 0.
    let slow = tokio::spawn(get(
        addr,
        "example.com",
        "/one/slow",
        &[("x-delay-ms", "600")],
    ));
    let deadline = Instant::now() + TIMEOUT;
    while !one
        .seen
        .lock()
        .unwrap()
        .iter()
        .any(|l| l == "GET /one/slow")
    {
        assert!(Instant::now() < deadline, "the slow request never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &proxy.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let answer = tokio::time::timeout(TIMEOUT, slow).await.unwrap().unwrap();
    assert_eq!(answer.status, 200, "in-flight request during drain");
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(s) = proxy.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "gwproxy did not exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit status {status}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_worker_current_thread_runtime_serves_reloads_and_drains() {
    serve_reload_and_drain("1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_multi_thread_runtime_serves_reloads_and_drains() {
    serve_reload_and_drain("2").await;
}
