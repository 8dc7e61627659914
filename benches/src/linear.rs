//! An Envoy/agentgateway-style baseline: the virtual host is picked by hash
//! (exact name, then wildcard suffixes longest first, then the default),
//! then its routes, pre-sorted by Gateway API precedence, are scanned
//! linearly and the first whose conditions all hold wins. Each regex is
//! compiled and run on its own (`regex` crate, `^(?:…)$`).
//!
//! It supports what the bench tables use: one listener per port; the
//! listener hostname is not re-checked (every route hostname in the tables
//! lies within it).

use std::collections::HashMap;

use gateway_api_match::{
    GrpcMatchType, HeaderMatch, PathMatch, QueryParamMatch, ValueMatch, normalize_authority,
};
use regex::Regex;

use crate::{Req, Table};

enum Cond {
    Exact(String),
    Prefix(String),
    Regex(Regex),
    GrpcExact(Option<String>, Option<String>),
    GrpcRegex(Option<Regex>, Option<Regex>),
    Any,
}

enum Val {
    Exact(String),
    Regex(Regex),
}

impl Val {
    fn new(v: &ValueMatch) -> Self {
        match v {
            ValueMatch::Exact(e) => Val::Exact(e.clone()),
            ValueMatch::RegularExpression(p) => Val::Regex(full(p)),
        }
    }

    fn matches(&self, v: &str) -> bool {
        match self {
            Val::Exact(e) => e == v,
            Val::Regex(re) => re.is_match(v),
        }
    }
}

fn full(p: &str) -> Regex {
    Regex::new(&format!("^(?:{p})$")).expect("valid regex")
}

struct Entry {
    cond: Cond,
    method: Option<String>,
    headers: Vec<(String, Val)>,
    queries: Vec<(String, Val)>,
    hit: Hit,
}

/// `(route index in the listener, rule, match)`.
pub type Hit = (u32, u32, Option<u32>);

type Key = (
    u8,
    i64,
    i64,
    String,
    u8,
    i64,
    i64,
    i64,
    String,
    usize,
    usize,
    usize,
);

#[derive(Default)]
struct VHost {
    http: Vec<(Key, Entry)>,
    grpc: Vec<(Key, Entry)>,
}

/// The baseline matcher.
#[derive(Default)]
pub struct LinearScan {
    port: u16,
    exact: HashMap<String, VHost>,
    wildcard: HashMap<String, VHost>,
    any: Option<VHost>,
}

fn headers(hs: &[HeaderMatch]) -> Vec<(String, Val)> {
    let mut out: Vec<(String, Val)> = Vec::new();
    for h in hs {
        let n = h.name.to_ascii_lowercase();
        if !out.iter().any(|(x, _)| *x == n) {
            out.push((n, Val::new(&h.value)));
        }
    }
    out
}

fn queries(qs: &[QueryParamMatch]) -> Vec<(String, Val)> {
    let mut out: Vec<(String, Val)> = Vec::new();
    for q in qs {
        if !out.iter().any(|(x, _)| *x == q.name) {
            out.push((q.name.clone(), Val::new(&q.value)));
        }
    }
    out
}

impl LinearScan {
    /// Builds the baseline from the first listener of a table.
    pub fn new(table: &Table) -> Self {
        let l = &table.listeners[0];
        let mut s = LinearScan {
            port: l.port,
            ..Self::default()
        };
        let implicit_http = [gateway_api_match::HttpMatch::default()];
        for (ri, r) in l.http_routes.iter().enumerate() {
            for (rule_i, rule) in r.rules.iter().enumerate() {
                let explicit = !rule.matches.is_empty();
                let ms = if explicit {
                    &rule.matches[..]
                } else {
                    &implicit_http[..]
                };
                for (mi, m) in ms.iter().enumerate() {
                    let (rank, len, text, cond) = match &m.path {
                        PathMatch::Exact(p) => (0, p.len(), String::new(), Cond::Exact(p.clone())),
                        PathMatch::RegularExpression(p) => {
                            (1, p.len(), p.clone(), Cond::Regex(full(p)))
                        }
                        PathMatch::PathPrefix(p) => {
                            let n = p.trim_end_matches('/');
                            let n = if n.is_empty() { "/" } else { n };
                            (2, n.len(), String::new(), Cond::Prefix(n.to_owned()))
                        }
                    };
                    let hs = headers(&m.headers);
                    let qs = queries(&m.query_params);
                    let key: Key = (
                        rank,
                        -(len as i64),
                        0,
                        text,
                        u8::from(m.method.is_none()),
                        -(hs.len() as i64),
                        -(qs.len() as i64),
                        r.creation_timestamp,
                        format!("{}/{}", r.id.namespace, r.id.name),
                        ri,
                        rule_i,
                        mi,
                    );
                    let entry = Entry {
                        cond,
                        method: m.method.as_ref().map(|m| m.as_str().to_owned()),
                        headers: hs,
                        queries: qs,
                        hit: (ri as u32, rule_i as u32, explicit.then_some(mi as u32)),
                    };
                    s.add(&r.hostnames, key, entry, false);
                }
            }
        }
        let implicit_grpc = [gateway_api_match::GrpcMatch::default()];
        for (ri, r) in l.grpc_routes.iter().enumerate() {
            for (rule_i, rule) in r.rules.iter().enumerate() {
                let explicit = !rule.matches.is_empty();
                let ms = if explicit {
                    &rule.matches[..]
                } else {
                    &implicit_grpc[..]
                };
                for (mi, m) in ms.iter().enumerate() {
                    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
                    let (rank, sc, mc, cond) = match &m.method {
                        Some(mm)
                            if nonempty(&mm.service).is_some()
                                || nonempty(&mm.method).is_some() =>
                        {
                            let (s, me) = (nonempty(&mm.service), nonempty(&mm.method));
                            let (sc, mc) = (
                                s.as_ref().map_or(0, String::len),
                                me.as_ref().map_or(0, String::len),
                            );
                            match mm.kind {
                                GrpcMatchType::Exact => (0, sc, mc, Cond::GrpcExact(s, me)),
                                GrpcMatchType::RegularExpression => (
                                    1,
                                    sc,
                                    mc,
                                    Cond::GrpcRegex(
                                        s.as_deref().map(full),
                                        me.as_deref().map(full),
                                    ),
                                ),
                            }
                        }
                        _ => (2, 0, 0, Cond::Any),
                    };
                    let hs = headers(&m.headers);
                    let key: Key = (
                        rank,
                        -(sc as i64),
                        -(mc as i64),
                        String::new(),
                        0,
                        -(hs.len() as i64),
                        0,
                        r.creation_timestamp,
                        format!("{}/{}", r.id.namespace, r.id.name),
                        ri,
                        rule_i,
                        mi,
                    );
                    let entry = Entry {
                        cond,
                        method: None,
                        headers: hs,
                        queries: vec![],
                        hit: (ri as u32, rule_i as u32, explicit.then_some(mi as u32)),
                    };
                    s.add(&r.hostnames, key, entry, true);
                }
            }
        }
        for v in s
            .exact
            .values_mut()
            .chain(s.wildcard.values_mut())
            .chain(s.any.iter_mut())
        {
            v.http.sort_by(|a, b| a.0.cmp(&b.0));
            v.grpc.sort_by(|a, b| a.0.cmp(&b.0));
        }
        s
    }

    fn add(&mut self, hostnames: &[String], key: Key, entry: Entry, grpc: bool) {
        let put = |vh: &mut VHost, key: Key, entry: Entry| {
            if grpc {
                vh.grpc.push((key, entry));
            } else {
                vh.http.push((key, entry));
            }
        };
        if hostnames.is_empty() {
            put(self.any.get_or_insert_with(VHost::default), key, entry);
            return;
        }
        // Regexes are not Clone-cheap to share; rebuild the entry per host.
        let mut entry = Some(entry);
        for (k, h) in hostnames.iter().enumerate() {
            let h = h.trim_end_matches('.').to_ascii_lowercase();
            let e = if k + 1 == hostnames.len() {
                entry.take().expect("last")
            } else {
                clone_entry(entry.as_ref().expect("present"))
            };
            let vh = match h.strip_prefix("*.") {
                Some(s) => self.wildcard.entry(s.to_owned()).or_default(),
                None => self.exact.entry(h).or_default(),
            };
            put(vh, key.clone(), e);
        }
    }

    /// First matching `(route, rule, match)`; HTTP or gRPC per the request.
    pub fn lookup(&self, req: &Req) -> Option<Hit> {
        if req.port != self.port {
            return None;
        }
        let host = normalize_authority(&req.authority);
        let mut buf = [0u8; 256];
        let hb = host.as_bytes();
        if hb.len() > buf.len() {
            return None;
        }
        for (d, s) in buf.iter_mut().zip(hb) {
            *d = s.to_ascii_lowercase();
        }
        let host = std::str::from_utf8(&buf[..hb.len()]).ok()?;
        let path = if req.path.is_empty() { "/" } else { &req.path };
        let scan = |vh: &VHost| {
            let list = if req.grpc { &vh.grpc } else { &vh.http };
            list.iter()
                .find(|(_, e)| e.matches(req, path))
                .map(|(_, e)| e.hit)
        };
        if let Some(vh) = self.exact.get(host)
            && let Some(h) = scan(vh)
        {
            return Some(h);
        }
        if !self.wildcard.is_empty() {
            for (dot, _) in host.match_indices('.') {
                if dot > 0
                    && let Some(vh) = self.wildcard.get(&host[dot + 1..])
                    && let Some(h) = scan(vh)
                {
                    return Some(h);
                }
            }
        }
        self.any.as_ref().and_then(scan)
    }
}

fn clone_cond(c: &Cond) -> Cond {
    match c {
        Cond::Exact(s) => Cond::Exact(s.clone()),
        Cond::Prefix(s) => Cond::Prefix(s.clone()),
        Cond::Regex(r) => Cond::Regex(r.clone()),
        Cond::GrpcExact(s, m) => Cond::GrpcExact(s.clone(), m.clone()),
        Cond::GrpcRegex(s, m) => Cond::GrpcRegex(s.clone(), m.clone()),
        Cond::Any => Cond::Any,
    }
}

fn clone_val(v: &Val) -> Val {
    match v {
        Val::Exact(s) => Val::Exact(s.clone()),
        Val::Regex(r) => Val::Regex(r.clone()),
    }
}

fn clone_entry(e: &Entry) -> Entry {
    Entry {
        cond: clone_cond(&e.cond),
        method: e.method.clone(),
        headers: e
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), clone_val(v)))
            .collect(),
        queries: e
            .queries
            .iter()
            .map(|(n, v)| (n.clone(), clone_val(v)))
            .collect(),
        hit: e.hit,
    }
}

fn first_query<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|pair| {
        let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
        (n == name).then_some(v)
    })
}

impl Entry {
    fn matches(&self, req: &Req, path: &str) -> bool {
        let path_ok = match &self.cond {
            Cond::Exact(p) => p == path,
            Cond::Prefix(p) => {
                p == "/"
                    || (path.starts_with(p.as_str())
                        && (path.len() == p.len() || path.as_bytes()[p.len()] == b'/'))
            }
            Cond::Regex(re) => re.is_match(path),
            Cond::Any => true,
            Cond::GrpcExact(s, m) => match split_grpc(path) {
                Some((rs, rm)) => {
                    s.as_deref().is_none_or(|s| s == rs) && m.as_deref().is_none_or(|m| m == rm)
                }
                None => false,
            },
            Cond::GrpcRegex(s, m) => match split_grpc(path) {
                Some((rs, rm)) => {
                    s.as_ref().is_none_or(|re| re.is_match(rs))
                        && m.as_ref().is_none_or(|re| re.is_match(rm))
                }
                None => false,
            },
        };
        path_ok
            && self.method.as_deref().is_none_or(|m| m == req.method)
            && self.headers.iter().all(|(n, v)| {
                req.headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .is_some_and(|(_, x)| v.matches(x))
            })
            && self.queries.iter().all(|(n, v)| {
                req.query
                    .as_deref()
                    .and_then(|q| first_query(q, n))
                    .is_some_and(|x| v.matches(x))
            })
    }
}

fn split_grpc(path: &str) -> Option<(&str, &str)> {
    let (s, m) = path.strip_prefix('/')?.split_once('/')?;
    (!m.contains('/')).then_some((s, m))
}
