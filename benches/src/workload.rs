//! Route tables of any size in realistic mixes, and requests for them.
//!
//! Every table is deterministic in `(mix, n)`; request pools are
//! deterministic in their seed. Routes are numbered `0..n`; a request is
//! generated *for* route `i` (it usually matches it, sometimes a catch-all,
//! sometimes nothing).

use gateway_api_match::{
    GrpcMatch, GrpcMatchType, GrpcMethodMatch, GrpcRoute, GrpcRule, HeaderMatch, HttpMatch,
    HttpRoute, HttpRule, Listener, PathMatch, QueryParamMatch, Request, RouteId, RouteTable,
    WeightedBackend,
};

use crate::dist::Rng;

/// Filters and backends are plain numbers in the benches.
pub type Table = RouteTable<u32, u32>;

/// The route mixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// Typical ingress: ~20 routes per host, API prefixes, exact health
    /// checks, a `/` catch-all per host.
    Ingress,
    /// Regex-heavy API: up to 1,000 RegularExpression path rules per host.
    RegexApi,
    /// Multi-tenant SaaS: per-tenant exact and wildcard hostnames under a
    /// wildcard listener.
    MultiTenant,
    /// Header/canary rules: header (exact and regex), method and query
    /// conditions on shared prefixes, weighted backends.
    Canary,
    /// GRPCRoutes: exact service/method, service-only, regex and header rules.
    Grpc,
    /// Adversarial: deep shared prefixes, deep wildcard hosts, many request
    /// headers, requests that probe every segment and mostly miss.
    Adversarial,
    /// Path-only (no hostnames, no conditions): the subset `matchit` can do.
    PathOnly,
}

impl Mix {
    /// All mixes.
    pub const ALL: [Mix; 7] = [
        Mix::Ingress,
        Mix::RegexApi,
        Mix::MultiTenant,
        Mix::Canary,
        Mix::Grpc,
        Mix::Adversarial,
        Mix::PathOnly,
    ];

    /// Short name used in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Mix::Ingress => "ingress",
            Mix::RegexApi => "regex_api",
            Mix::MultiTenant => "multi_tenant",
            Mix::Canary => "canary",
            Mix::Grpc => "grpc",
            Mix::Adversarial => "adversarial",
            Mix::PathOnly => "path_only",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn parse(s: &str) -> Option<Mix> {
        Mix::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// One request, owned.
#[derive(Debug, Clone)]
pub struct Req {
    /// Listener port.
    pub port: u16,
    /// Method.
    pub method: &'static str,
    /// `Host` / `:authority`.
    pub authority: String,
    /// Path without query.
    pub path: String,
    /// Query without `?`.
    pub query: Option<String>,
    /// Headers in arrival order.
    pub headers: Vec<(String, String)>,
    /// Look up against the GRPCRoutes.
    pub grpc: bool,
}

impl Req {
    /// The borrowed lookup input.
    #[inline]
    pub fn request(&self) -> Request<'_, [(String, String)]> {
        Request::new(
            self.port,
            self.method,
            &self.authority,
            &self.path,
            self.query.as_deref(),
            &self.headers[..],
        )
    }
}

/// A table and a pool of requests for it.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The mix.
    pub mix: Mix,
    /// Number of routes.
    pub n: usize,
    /// The route table.
    pub table: Table,
    /// Request pool: `max(n, 1024)` requests, each for a uniformly random
    /// route.
    pub requests: Vec<Req>,
}

impl Workload {
    /// Builds the table of `n` routes and a request pool.
    pub fn new(mix: Mix, n: usize) -> Self {
        let table = table(mix, n);
        let requests = requests(mix, n, n.clamp(1024, 100_000), 0x5eed, false);
        Self {
            mix,
            n,
            table,
            requests,
        }
    }
}

const WORDS: [&str; 12] = [
    "orders",
    "users",
    "payments",
    "catalog",
    "search",
    "cart",
    "auth",
    "inventory",
    "billing",
    "media",
    "reports",
    "accounts",
];

fn http_route(i: usize, hosts: Vec<String>, rules: Vec<HttpRule<u32, u32>>) -> HttpRoute<u32, u32> {
    HttpRoute {
        id: RouteId::http(format!("team{}", i % 17), format!("r{i}")),
        creation_timestamp: (i % 97) as i64,
        hostnames: hosts,
        rules,
    }
}

fn rule(matches: Vec<HttpMatch>, backend: u32) -> HttpRule<u32, u32> {
    HttpRule {
        matches,
        filters: vec![backend],
        backends: vec![WeightedBackend { backend, weight: 1 }],
    }
}

fn prefix(p: String) -> HttpMatch {
    HttpMatch::path(PathMatch::PathPrefix(p))
}

fn exact(p: String) -> HttpMatch {
    HttpMatch::path(PathMatch::Exact(p))
}

fn regex(p: String) -> HttpMatch {
    HttpMatch::path(PathMatch::RegularExpression(p))
}

/// Hosts per mix: how many routes share one hostname.
fn hosts(n: usize, per_host: usize) -> usize {
    n.div_ceil(per_host).max(1)
}

/// The route table of `n` routes of a mix.
pub fn table(mix: Mix, n: usize) -> Table {
    let mut l = Listener::new("l", 80, None);
    match mix {
        Mix::Ingress => {
            let h = hosts(n, 20);
            for i in 0..n {
                let (host, j) = (i % h, i / h);
                let w = WORDS[j % WORDS.len()];
                let b = i as u32;
                let mut rules = vec![
                    rule(vec![prefix(format!("/api/v{}/{w}-{j}", 1 + j % 3))], b),
                    rule(vec![exact(format!("/{w}-{j}/healthz"))], b),
                ];
                if j == 0 {
                    rules.push(rule(vec![], b));
                }
                l.http_routes
                    .push(http_route(i, vec![format!("app{host}.example.com")], rules));
            }
        }
        Mix::RegexApi => {
            let h = hosts(n, 1000);
            for i in 0..n {
                let (host, j) = (i % h, i / h);
                let w = WORDS[j % WORDS.len()];
                let p = match j % 4 {
                    0 => format!("/api/v[0-9]+/{w}{j}/[0-9]+"),
                    1 => format!(
                        "/api/v[0-9]+/{w}{j}/[a-f0-9]{{8}}(-[a-f0-9]{{4}}){{3}}-[a-f0-9]{{12}}"
                    ),
                    2 => format!("/{w}{j}/[^/]+/items(/[0-9]+)?"),
                    _ => format!(r"/files/{w}{j}/.+\.(png|jpe?g|gif)"),
                };
                l.http_routes.push(http_route(
                    i,
                    vec![format!("api{host}.example.com")],
                    vec![rule(vec![regex(p)], i as u32)],
                ));
            }
        }
        Mix::MultiTenant => {
            l.hostname = Some("*.example.com".into());
            for i in 0..n {
                let t = i / 4;
                let b = i as u32;
                let (hs, m) = match i % 4 {
                    0 => (vec![format!("t{t}.saas.example.com")], prefix("/".into())),
                    1 => (vec![format!("*.t{t}.saas.example.com")], prefix("/".into())),
                    2 => (
                        vec![
                            format!("t{t}.saas.example.com"),
                            format!("www.t{t}.saas.example.com"),
                        ],
                        prefix("/api".into()),
                    ),
                    _ => (
                        vec![format!("*.t{t}.saas.example.com")],
                        exact("/login".into()),
                    ),
                };
                let hs = if i == 0 {
                    vec!["*.saas.example.com".to_owned()]
                } else {
                    hs
                };
                l.http_routes
                    .push(http_route(i, hs, vec![rule(vec![m], b)]));
            }
        }
        Mix::Canary => {
            let h = hosts(n, 50);
            for i in 0..n {
                let (host, j) = (i % h, i / h);
                let p = format!("/svc{j}");
                let with = |f: &dyn Fn(&mut HttpMatch)| {
                    let mut m = prefix(p.clone());
                    f(&mut m);
                    m
                };
                let b = i as u32;
                let rules = vec![
                    rule(
                        vec![with(&|m| {
                            m.headers = vec![HeaderMatch::exact("x-canary", "always")]
                        })],
                        b,
                    ),
                    rule(
                        vec![with(&|m| {
                            m.headers = vec![HeaderMatch::regex("x-user-group", "beta|internal-.*")]
                        })],
                        b,
                    ),
                    rule(
                        vec![with(&|m| {
                            m.method = Some(http::Method::GET);
                            m.query_params = vec![QueryParamMatch::exact("version", "2")];
                        })],
                        b,
                    ),
                    HttpRule {
                        matches: vec![prefix(p.clone())],
                        filters: vec![],
                        backends: vec![
                            WeightedBackend {
                                backend: b,
                                weight: 90,
                            },
                            WeightedBackend {
                                backend: b + 1,
                                weight: 10,
                            },
                        ],
                    },
                ];
                l.http_routes
                    .push(http_route(i, vec![format!("svc{host}.example.com")], rules));
            }
        }
        Mix::Grpc => {
            let h = hosts(n, 100);
            for i in 0..n {
                let (host, j) = (i % h, i / h);
                let svc = format!("pkg{}.v1.Service{j}", j % 20);
                let w = WORDS[j % WORDS.len()];
                let exact_m = |s: Option<String>, m: Option<String>| GrpcMatch {
                    method: Some(GrpcMethodMatch {
                        kind: GrpcMatchType::Exact,
                        service: s,
                        method: m,
                    }),
                    headers: vec![],
                };
                let mut matches = vec![
                    vec![exact_m(Some(svc.clone()), Some(format!("Get{w}")))],
                    vec![exact_m(Some(svc.clone()), None)],
                    vec![GrpcMatch {
                        headers: vec![HeaderMatch::exact("x-tenant", format!("t{}", j % 7))],
                        ..exact_m(Some(svc.clone()), None)
                    }],
                ];
                if j % 5 == 0 {
                    matches.push(vec![GrpcMatch {
                        method: Some(GrpcMethodMatch {
                            kind: GrpcMatchType::RegularExpression,
                            service: Some(svc.replace('.', r"\.")),
                            method: Some("List.*".into()),
                        }),
                        headers: vec![],
                    }]);
                }
                l.grpc_routes.push(GrpcRoute {
                    id: RouteId::grpc(format!("team{}", i % 17), format!("g{i}")),
                    creation_timestamp: (i % 97) as i64,
                    hostnames: vec![format!("grpc{host}.example.com")],
                    rules: matches
                        .into_iter()
                        .map(|m| GrpcRule {
                            matches: m,
                            filters: vec![i as u32],
                            backends: vec![WeightedBackend {
                                backend: i as u32,
                                weight: 1,
                            }],
                        })
                        .collect(),
                });
            }
        }
        Mix::Adversarial => {
            let zones = hosts(n, 100);
            for i in 0..n {
                let (k, j) = (i % zones, i / zones);
                let hs = if j % 2 == 0 {
                    vec![format!("*.z{k}.adv.example")]
                } else {
                    vec![
                        format!("*.q3.z{k}.adv.example"),
                        format!("h{j}.z{k}.adv.example"),
                    ]
                };
                let depth = 1 + j % 24;
                let deep = "/a".repeat(depth);
                let mut m = if j % 16 == 0 {
                    regex(format!("/a(/a)*/r{j}(/.*)?"))
                } else if j % 3 == 1 {
                    exact(format!("{deep}/n{j}/"))
                } else {
                    prefix(format!("{deep}/n{j}"))
                };
                if j % 3 == 0 {
                    m.headers = vec![HeaderMatch::exact(format!("x-h{}", j % 7), "1")];
                }
                l.http_routes
                    .push(http_route(i, hs, vec![rule(vec![m], i as u32)]));
            }
        }
        Mix::PathOnly => {
            for i in 0..n {
                let w = WORDS[i % WORDS.len()];
                let m = if i % 4 == 3 {
                    exact(format!("/x/{w}/{i}"))
                } else {
                    prefix(format!("/{w}/{i}"))
                };
                l.http_routes
                    .push(http_route(i, vec![], vec![rule(vec![m], i as u32)]));
            }
        }
    }
    RouteTable { listeners: vec![l] }
}

const COMMON_HEADERS: [(&str, &str); 5] = [
    ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) bench/1.0"),
    ("accept", "application/json, text/plain, */*"),
    ("accept-encoding", "gzip, deflate, br"),
    ("x-request-id", "3f1c0a52-5a8e-4c1d-9d0e-6a1b2c3d4e5f"),
    ("cookie", "session=abcdef0123456789; theme=dark"),
];

fn headers(extra: &[(&str, String)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = COMMON_HEADERS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    v.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    v
}

/// `count` requests, each for a uniformly random route of a table of `n`.
/// With `fresh`, every request gets a unique tail (path segment, host label
/// or id) so that no two are the same bytes: the cold set.
pub fn requests(mix: Mix, n: usize, count: usize, seed: u64, fresh: bool) -> Vec<Req> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|c| {
            let i = rng.below(n.max(1));
            let v = rng.next_u64();
            let id = if fresh { c as u64 } else { v % 1000 };
            request(mix, n, i, v, id)
        })
        .collect()
}

/// A request for route `i` of a table of `n`; `v` picks the variant, `id`
/// fills the free-form parts.
pub fn request(mix: Mix, n: usize, i: usize, v: u64, id: u64) -> Req {
    let get = |authority: String, path: String| Req {
        port: 80,
        method: "GET",
        authority,
        path,
        query: None,
        headers: headers(&[]),
        grpc: false,
    };
    match mix {
        Mix::Ingress => {
            let h = hosts(n, 20);
            let (host, j) = (i % h, i / h);
            let w = WORDS[j % WORDS.len()];
            let authority = if v % 8 == 5 {
                format!("App{host}.Example.com:80")
            } else {
                format!("app{host}.example.com")
            };
            let path = match (v >> 8) % 4 {
                0 | 1 => format!("/api/v{}/{w}-{j}/{id}/items", 1 + j % 3),
                2 => format!("/{w}-{j}/healthz"),
                _ => format!("/static/{w}/app.{id}.js"),
            };
            get(authority, path)
        }
        Mix::RegexApi => {
            let h = hosts(n, 1000);
            let (host, j) = (i % h, i / h);
            let w = WORDS[j % WORDS.len()];
            let path = match j % 4 {
                0 => format!("/api/v2/{w}{j}/{}", 1000 + id),
                1 => format!("/api/v1/{w}{j}/{id:08x}-0a1b-2c3d-4e5f-00112233aabb"),
                2 => format!("/{w}{j}/x{id}/items/7"),
                _ => format!("/files/{w}{j}/2024/{id}/pic.png"),
            };
            let path = if (v >> 8) % 8 == 7 {
                format!("{path}/nope")
            } else {
                path
            };
            get(format!("api{host}.example.com"), path)
        }
        Mix::MultiTenant => {
            let t = i / 4;
            let (authority, path) = match (v >> 8) % 6 {
                0 => (format!("t{t}.saas.example.com"), "/dashboard".to_owned()),
                1 => (format!("u{id}.t{t}.saas.example.com"), format!("/p/{id}")),
                2 => (
                    format!("www.t{t}.saas.example.com"),
                    "/api/users".to_owned(),
                ),
                3 => (format!("T{t}.SaaS.Example.com:443"), "/login".to_owned()),
                4 => (format!("a.b.t{t}.saas.example.com"), "/login".to_owned()),
                _ => (format!("unknown{id}.saas.example.com"), "/".to_owned()),
            };
            get(authority, path)
        }
        Mix::Canary => {
            let h = hosts(n, 50);
            let (host, j) = (i % h, i / h);
            let mut r = get(
                format!("svc{host}.example.com"),
                format!("/svc{j}/resource/{id}"),
            );
            match (v >> 8) % 5 {
                0 => r.headers = headers(&[("x-canary", "always".into())]),
                1 => r.headers = headers(&[("X-User-Group", format!("internal-{id}"))]),
                2 => r.query = Some(format!("page={id}&version=2")),
                3 => r.method = "POST",
                _ => r.headers = headers(&[("x-user-group", "alpha".into())]),
            }
            r
        }
        Mix::Grpc => {
            let h = hosts(n, 100);
            let (host, j) = (i % h, i / h);
            let svc = format!("pkg{}.v1.Service{j}", j % 20);
            let w = WORDS[j % WORDS.len()];
            let (path, extra) = match (v >> 8) % 4 {
                0 => (format!("/{svc}/Get{w}"), vec![]),
                1 => (format!("/{svc}/Update{id}"), vec![]),
                2 => (format!("/{svc}/ListThings"), vec![]),
                _ => (
                    format!("/{svc}/Delete"),
                    vec![("x-tenant", format!("t{}", j % 7))],
                ),
            };
            let mut hs = headers(&extra);
            hs.push(("content-type".into(), "application/grpc".into()));
            hs.push(("te".into(), "trailers".into()));
            Req {
                port: 80,
                method: "POST",
                authority: format!("grpc{host}.example.com"),
                path,
                query: None,
                headers: hs,
                grpc: true,
            }
        }
        Mix::Adversarial => {
            let zones = hosts(n, 100);
            let (k, j) = (i % zones, i / zones);
            let labels: String = (0..20).map(|x| format!("q{x}.")).collect();
            let authority = match (v >> 8) % 4 {
                0 => format!("{labels}z{k}.adv.example"),
                1 => format!("h{j}.z{k}.adv.example"),
                2 => format!("{labels}nomatch{id}.example.org"),
                _ => format!("Q3.z{k}.ADV.example."),
            };
            let path = match (v >> 16) % 4 {
                0 => format!("{}/n{j}/tail", "/a".repeat(1 + j % 24)),
                1 => format!("{}/zz{id}", "/a".repeat(60)),
                2 => format!("/a/a/r{j}/x"),
                _ => format!("{}/n{j}/", "/a".repeat(1 + j % 24)),
            };
            let mut extra: Vec<(&str, String)> = vec![("x-h0", "1".into()), ("x-h3", "1".into())];
            for x in 0..20 {
                extra.push(if x % 2 == 0 {
                    ("x-pad-a", format!("{x}"))
                } else {
                    ("x-pad-b", format!("{x}"))
                });
            }
            let mut r = get(authority, path);
            r.headers = headers(&extra);
            r
        }
        Mix::PathOnly => {
            let w = WORDS[i % WORDS.len()];
            let path = if i % 4 == 3 {
                format!("/x/{w}/{i}")
            } else {
                format!("/{w}/{i}/items/{id}")
            };
            get("example.com".into(), path)
        }
    }
}
