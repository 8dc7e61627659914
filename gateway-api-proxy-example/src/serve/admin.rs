//! Metrics (plain atomics) and the admin server: `/healthz`, `/readyz`, `/metrics`
//! (Prometheus text format), `/config` (JSON).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::json;

use super::Shared;

/// Upper bounds (seconds) of the request duration histogram buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// One `gwproxy_requests_total` series.
#[derive(Debug)]
struct Series {
    gateway: Box<str>,
    route: Box<str>,
    code: u16,
    count: AtomicU64,
}

/// A hash of the labels, eight bytes at a time (multiply-rotate, then a final mix so the
/// high bits, which the hash table's tags use, depend on every byte): cheap and
/// allocation-free (collisions are resolved by comparing the labels).
fn series_key(gateway: &str, route: &str, code: u16) -> u64 {
    const SEED: u64 = 0x9e37_79b9_7f4a_7c15;
    fn add(h: u64, word: u64) -> u64 {
        (h.rotate_left(5) ^ word).wrapping_mul(SEED)
    }
    fn words(mut h: u64, mut bytes: &[u8]) -> u64 {
        while let Some((chunk, rest)) = bytes.split_first_chunk::<8>() {
            h = add(h, u64::from_le_bytes(*chunk));
            bytes = rest;
        }
        let mut tail = [0u8; 8];
        if let Some(t) = tail.get_mut(..bytes.len()) {
            t.copy_from_slice(bytes);
        }
        // The length separates "ab" + "c" from "a" + "bc".
        add(add(h, u64::from_le_bytes(tail)), bytes.len() as u64)
    }
    let h = words(words(u64::from(code), gateway.as_bytes()), route.as_bytes());
    // Final mix (the finalizer of MurmurHash3).
    let h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    let h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A hasher for keys that already are hashes ([`series_key`]).
#[derive(Debug, Default)]
struct PreHashed(u64);

impl std::hash::Hasher for PreHashed {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Counters of the data path.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Series by a hash of their labels (looked up without allocating; a new series is
    /// inserted once under the write lock).
    requests: RwLock<HashMap<u64, Vec<Series>, BuildHasherDefault<PreHashed>>>,
    buckets: [AtomicU64; BUCKETS.len()],
    duration_count: AtomicU64,
    duration_sum_micros: AtomicU64,
    /// Backend connection failures, timeouts and protocol errors.
    pub backend_errors: AtomicU64,
    /// Configurations refused (at reload).
    pub config_errors: AtomicU64,
}

impl Metrics {
    /// Records one answered request.
    pub fn record(&self, gateway: &str, route: &str, code: u16, elapsed: Duration) {
        let key = series_key(gateway, route, code);
        let matches = |s: &Series| &*s.gateway == gateway && &*s.route == route && s.code == code;
        let counted = self
            .requests
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .and_then(|v| v.iter().find(|s| matches(s)))
            .map(|s| s.count.fetch_add(1, Ordering::Relaxed))
            .is_some();
        if !counted {
            let mut map = self
                .requests
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let list = map.entry(key).or_default();
            match list.iter().find(|s| matches(s)) {
                Some(s) => {
                    s.count.fetch_add(1, Ordering::Relaxed);
                }
                None => list.push(Series {
                    gateway: gateway.into(),
                    route: route.into(),
                    code,
                    count: AtomicU64::new(1),
                }),
            }
        }
        let secs = elapsed.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
        self.duration_count.fetch_add(1, Ordering::Relaxed);
        self.duration_sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The Prometheus text exposition.
    pub fn render(&self, generation: u64) -> String {
        let mut s = String::new();
        s.push_str(
            "# HELP gwproxy_requests_total Requests answered, by Gateway, Route and status code.\n",
        );
        s.push_str("# TYPE gwproxy_requests_total counter\n");
        let mut rows: Vec<(String, String, u16, u64)> = self
            .requests
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .flatten()
            .map(|s| {
                (
                    s.gateway.to_string(),
                    s.route.to_string(),
                    s.code,
                    s.count.load(Ordering::Relaxed),
                )
            })
            .collect();
        rows.sort();
        for (g, r, c, v) in rows {
            let _ = writeln!(
                s,
                "gwproxy_requests_total{{gateway=\"{}\",route=\"{}\",code=\"{c}\"}} {v}",
                escape(&g),
                escape(&r)
            );
        }
        s.push_str("# HELP gwproxy_request_duration_seconds Time to answer a request (response headers).\n");
        s.push_str("# TYPE gwproxy_request_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                s,
                "gwproxy_request_duration_seconds_bucket{{le=\"{b}\"}} {cumulative}"
            );
        }
        let count = self.duration_count.load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "gwproxy_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "gwproxy_request_duration_seconds_sum {}",
            self.duration_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "gwproxy_request_duration_seconds_count {count}");
        s.push_str(
            "# HELP gwproxy_backend_errors_total Backend connection failures and timeouts.\n",
        );
        s.push_str("# TYPE gwproxy_backend_errors_total counter\n");
        let _ = writeln!(
            s,
            "gwproxy_backend_errors_total {}",
            self.backend_errors.load(Ordering::Relaxed)
        );
        s.push_str(
            "# HELP gwproxy_config_generation Generation of the configuration being served.\n",
        );
        s.push_str("# TYPE gwproxy_config_generation gauge\n");
        let _ = writeln!(s, "gwproxy_config_generation {generation}");
        s.push_str("# HELP gwproxy_config_errors_total Configurations refused at reload.\n");
        s.push_str("# TYPE gwproxy_config_errors_total counter\n");
        let _ = writeln!(
            s,
            "gwproxy_config_errors_total {}",
            self.config_errors.load(Ordering::Relaxed)
        );
        s
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn text(status: u16, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r
}

/// Answers one admin request.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let state = shared.state.load();
    Ok(match req.uri().path() {
        "/healthz" => text(200, "text/plain", "ok\n".into()),
        "/readyz" => text(200, "text/plain", "ready\n".into()),
        "/metrics" => text(
            200,
            "text/plain; version=0.0.4",
            shared.metrics.render(state.generation),
        ),
        "/config" => {
            let last_error = shared
                .last_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            let body = json!({
                "generation": state.generation,
                "lastError": last_error,
                "warnings": state.warnings,
                "listeners": state.listeners_json(),
                "routes": state.routes_json(),
                "objects": state.statuses_json(),
            });
            text(200, "application/json", format!("{body}\n"))
        }
        _ => text(404, "text/plain", "not found\n".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_keys_separate_labels_and_codes() {
        let keys = [
            series_key("default/gw", "HTTPRoute default/r1", 200),
            series_key("default/gw", "HTTPRoute default/r1", 404),
            series_key("default/gw", "HTTPRoute default/r2", 200),
            series_key("default/g", "wHTTPRoute default/r1", 200),
            series_key("default/gw", "HTTPRoute default/r10000000", 200),
            series_key("", "", 200),
        ];
        let distinct: std::collections::HashSet<u64> = keys.iter().copied().collect();
        assert_eq!(distinct.len(), keys.len());
        // The high bits (hash-table tags) vary too.
        let tags: std::collections::HashSet<u64> = (0..64)
            .map(|i| series_key("g", &format!("HTTPRoute default/r{i}"), 200) >> 57)
            .collect();
        assert!(tags.len() > 16, "{} distinct tags", tags.len());
    }

    #[test]
    fn requests_are_counted_per_series_and_rendered() {
        let m = Metrics::default();
        for _ in 0..3 {
            m.record("ns/gw", "HTTPRoute ns/a", 200, Duration::from_micros(300));
        }
        m.record("ns/gw", "HTTPRoute ns/a", 503, Duration::from_millis(3));
        m.record("ns/gw", "HTTPRoute ns/b\"", 200, Duration::from_secs(9));
        let text = m.render(7);
        assert!(
            text.contains(
                "gwproxy_requests_total{gateway=\"ns/gw\",route=\"HTTPRoute ns/a\",code=\"200\"} 3\n"
            ),
            "{text}"
        );
        assert!(text.contains("route=\"HTTPRoute ns/a\",code=\"503\"} 1\n"));
        assert!(text.contains("route=\"HTTPRoute ns/b\\\"\",code=\"200\"} 1\n"));
        assert!(text.contains("gwproxy_request_duration_seconds_bucket{le=\"0.0005\"} 3\n"));
        assert!(text.contains("gwproxy_request_duration_seconds_bucket{le=\"0.005\"} 4\n"));
        assert!(text.contains("gwproxy_request_duration_seconds_bucket{le=\"+Inf\"} 5\n"));
        assert!(text.contains("gwproxy_config_generation 7\n"));
    }
}
