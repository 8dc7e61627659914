//! Structured fuzzing: an arbitrary route table and requests, looked up by
//! the compiled matcher and by the literal reference matcher; both must
//! give the same answer (listener, route, rule, match, filters, backend).
//!
//! Values come mostly from small pools built to collide (shared prefixes,
//! wildcards, equal lengths, case, trailing slashes and dots, percent
//! signs), sometimes from raw fuzzer strings.
#![no_main]

use arbitrary::Arbitrary;
use gateway_api_match::reference::ReferenceMatcher;
use gateway_api_match::*;
use libfuzzer_sys::fuzz_target;

const PORTS: [u16; 2] = [80, 443];
const LISTENER_HOSTS: [&str; 5] = ["example.com", "*.example.com", "a.example.com", "*.a.example.com", "*.com"];
const HOSTS: [&str; 10] = [
    "example.com", "a.example.com", "A.example.com.", "*.example.com", "*.a.example.com",
    "b.example.com", "*.com", "x.a.example.com", "*.b.example.com", "example.org",
];
const PATHS: [&str; 14] = [
    "/", "/a", "/a/", "/ab", "/a/b", "/A", "/a%2Fb", "/a/b/", "/abc", "/a//b", "/abcdefg",
    "/abcdefg/h", "/abcdefg/hijklmno", "/abcdefg/hijklmno/",
];
const REGEXES: [&str; 10] = [
    "/a.*", "/a|/ab", "/[ab]+", "/a/b", "/(a|ab)/?", ".*", "/a/.*", "/A.*", "/ab?", "/[^/]*",
];
const METHODS: [&str; 3] = ["GET", "POST", "PUT"];
const HEADER_NAMES: [&str; 4] = ["x-a", "X-A", "x-b", "content-type"];
const VALUES: [&str; 5] = ["1", "2", "12", "", "application/grpc"];
const VALUE_REGEXES: [&str; 5] = ["1|12", "1", "[0-9]*", "2?", "application/grpc.*"];
const QUERY_NAMES: [&str; 3] = ["q", "Q", "r"];
const NAMES: [&str; 4] = ["a", "a-b", "b", "z"];
const SERVICES: [&str; 4] = ["pkg.Svc", "pkg.Svc2", "pkg\\.Svc.*", "other.S"];
const GRPC_METHODS: [&str; 4] = ["Get", "List", "Get.*", "L.*t"];

fn pick<'a>(pool: &[&'a str], i: u8) -> &'a str {
    pool[i as usize % pool.len()]
}

#[derive(Arbitrary, Debug)]
enum Text {
    Pool(u8),
    Raw(String),
}

impl Text {
    fn get(&self, pool: &[&str]) -> String {
        match self {
            Text::Pool(i) => pick(pool, *i).to_owned(),
            Text::Raw(s) => s.chars().take(40).collect(),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Value {
    regex: bool,
    v: u8,
}

impl Value {
    fn get(&self) -> ValueMatch {
        if self.regex {
            ValueMatch::RegularExpression(pick(&VALUE_REGEXES, self.v).into())
        } else {
            ValueMatch::Exact(pick(&VALUES, self.v).into())
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Match {
    path_kind: u8,
    path: u8,
    method: Option<u8>,
    headers: Vec<(u8, Value)>,
    queries: Vec<(u8, Value)>,
}

#[derive(Arbitrary, Debug)]
struct GMatch {
    kind: Option<bool>,
    service: Option<u8>,
    method: Option<u8>,
    headers: Vec<(u8, Value)>,
}

#[derive(Arbitrary, Debug)]
struct Rule<M> {
    matches: Vec<M>,
    weights: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Route<M> {
    hosts: Vec<u8>,
    ts: u8,
    ns: u8,
    name: u8,
    rules: Vec<Rule<M>>,
}

#[derive(Arbitrary, Debug)]
struct L {
    port: u8,
    host: Option<u8>,
    http: Vec<Route<Match>>,
    grpc: Vec<Route<GMatch>>,
}

#[derive(Arbitrary, Debug)]
struct Req {
    port: u8,
    host: Text,
    port_suffix: bool,
    path: Text,
    grpc_path: Option<(u8, u8)>,
    method: u8,
    query: Option<Vec<(u8, u8)>>,
    headers: Vec<(u8, u8)>,
    grpc: bool,
    random: u64,
}

#[derive(Arbitrary, Debug)]
struct Input {
    listeners: Vec<L>,
    requests: Vec<Req>,
}

type F = (usize, usize, usize, usize);

fn backends(rule_weights: &[u8], id: usize) -> Vec<WeightedBackend<usize>> {
    rule_weights
        .iter()
        .take(4)
        .enumerate()
        .map(|(i, &w)| WeightedBackend { backend: id * 8 + i, weight: u32::from(w % 4) })
        .collect()
}

fn table(input: &Input) -> RouteTable<F, usize> {
    let mut t = RouteTable::default();
    for (li, l) in input.listeners.iter().take(3).enumerate() {
        let mut listener = Listener::new(
            format!("l{li}"),
            PORTS[l.port as usize % 2],
            l.host.map(|h| pick(&LISTENER_HOSTS, h)),
        );
        for (ri, r) in l.http.iter().take(6).enumerate() {
            listener.http_routes.push(HttpRoute {
                id: RouteId::http(pick(&NAMES, r.ns), pick(&NAMES, r.name)),
                creation_timestamp: i64::from(r.ts % 3),
                hostnames: r.hosts.iter().take(3).map(|&h| pick(&HOSTS, h).to_owned()).collect(),
                rules: r
                    .rules
                    .iter()
                    .take(3)
                    .enumerate()
                    .map(|(rule_i, rule)| HttpRule {
                        matches: rule
                            .matches
                            .iter()
                            .take(3)
                            .map(|m| HttpMatch {
                                path: match m.path_kind % 3 {
                                    0 => PathMatch::Exact(pick(&PATHS, m.path).into()),
                                    1 => PathMatch::PathPrefix(pick(&PATHS, m.path).into()),
                                    _ => PathMatch::RegularExpression(pick(&REGEXES, m.path).into()),
                                },
                                method: m.method.map(|x| pick(&METHODS, x).parse().expect("method")),
                                headers: m
                                    .headers
                                    .iter()
                                    .take(3)
                                    .map(|(n, v)| HeaderMatch { name: pick(&HEADER_NAMES, *n).into(), value: v.get() })
                                    .collect(),
                                query_params: m
                                    .queries
                                    .iter()
                                    .take(3)
                                    .map(|(n, v)| QueryParamMatch { name: pick(&QUERY_NAMES, *n).into(), value: v.get() })
                                    .collect(),
                            })
                            .collect(),
                        filters: vec![(li, ri, 0, rule_i)],
                        backends: backends(&rule.weights, li * 100 + ri * 10 + rule_i),
                    })
                    .collect(),
            });
        }
        for (ri, r) in l.grpc.iter().take(4).enumerate() {
            listener.grpc_routes.push(GrpcRoute {
                id: RouteId::grpc(pick(&NAMES, r.ns), pick(&NAMES, r.name)),
                creation_timestamp: i64::from(r.ts % 3),
                hostnames: r.hosts.iter().take(3).map(|&h| pick(&HOSTS, h).to_owned()).collect(),
                rules: r
                    .rules
                    .iter()
                    .take(3)
                    .enumerate()
                    .map(|(rule_i, rule)| GrpcRule {
                        matches: rule
                            .matches
                            .iter()
                            .take(3)
                            .map(|m| GrpcMatch {
                                method: m.kind.map(|regex| GrpcMethodMatch {
                                    kind: if regex { GrpcMatchType::RegularExpression } else { GrpcMatchType::Exact },
                                    service: m.service.map(|s| pick(&SERVICES, s).into()),
                                    method: m.method.map(|s| pick(&GRPC_METHODS, s).into()),
                                }),
                                headers: m
                                    .headers
                                    .iter()
                                    .take(3)
                                    .map(|(n, v)| HeaderMatch { name: pick(&HEADER_NAMES, *n).into(), value: v.get() })
                                    .collect(),
                            })
                            .collect(),
                        filters: vec![(li, ri, 1, rule_i)],
                        backends: backends(&rule.weights, 5000 + li * 100 + ri * 10 + rule_i),
                    })
                    .collect(),
            });
        }
        t.listeners.push(listener);
    }
    t
}

type Summary<'a> = (usize, &'a RouteId, usize, Option<usize>, &'a [F], Option<&'a usize>);

fn summary<'a>(m: Option<RouteMatch<'a, F, usize>>, random: u64) -> Option<Summary<'a>> {
    m.map(|m| (m.listener.index, m.route, m.rule, m.match_index, m.filters, m.backends.pick(random)))
}

fuzz_target!(|input: Input| {
    let t = table(&input);
    let compiled = compile(t.clone());
    let reference = ReferenceMatcher::new(t, &CompileOptions::default());
    let (Ok(compiled), Ok(reference)) = (compiled, reference) else {
        return;
    };
    for r in input.requests.iter().take(16) {
        let mut host = r.host.get(&HOSTS).trim_start_matches("*.").to_owned();
        if r.port_suffix {
            host.push_str(":8080");
        }
        let path = match r.grpc_path {
            Some((s, m)) => format!("/{}/{}", pick(&SERVICES, s), pick(&GRPC_METHODS, m)),
            None => r.path.get(&PATHS),
        };
        let query = r.query.as_ref().map(|q| {
            q.iter()
                .take(4)
                .map(|&(n, v)| format!("{}={}", pick(&QUERY_NAMES, n), pick(&VALUES, v)))
                .collect::<Vec<_>>()
                .join("&")
        });
        let headers: Vec<(&str, &str)> =
            r.headers.iter().take(4).map(|&(n, v)| (pick(&HEADER_NAMES, n), pick(&VALUES, v))).collect();
        let req = Request::new(
            PORTS[r.port as usize % 2],
            pick(&METHODS, r.method),
            &host,
            &path,
            query.as_deref(),
            &headers[..],
        );
        let (got, want) = if r.grpc {
            (compiled.lookup_grpc(&req), reference.lookup_grpc(&req))
        } else {
            (compiled.lookup(&req), reference.lookup(&req))
        };
        assert_eq!(summary(got, r.random), summary(want, r.random), "request {req:?}");
    }
});
