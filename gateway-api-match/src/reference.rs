//! A reference matcher that follows the spec text literally.
//!
//! For every request it selects the listener, builds the list of *all*
//! (route, rule, match) candidates of that listener whose hostname matches,
//! sorts it by the precedence order and returns the first candidate whose
//! conditions all hold. It is slow (linear in the table, with allocation) and
//! exists as the oracle the compiled [`Matcher`](crate::Matcher) is tested
//! against; it shares only the precedence order, configuration parsing and
//! the request input types with it, never the indexes.

use http::HeaderName;
use regex_automata::meta;

use crate::error::{CompileError, Location};
use crate::precedence::{HostRank, Precedence};
use crate::{
    BackendSet, CompileOptions, GrpcMatch, GrpcMatchType, HeaderMatch, Headers, HttpMatch,
    ListenerInfo, PathMatch, QueryParamMatch, Request, RouteKind, RouteMatch, RouteTable,
    ValueMatch,
};

/// Lower-cased hostname with one trailing dot removed.
fn norm_host(h: &str) -> String {
    h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase()
}

/// spec: HTTPRoute hostnames — exact, or `*.suffix` matching one or more
/// labels in front of `suffix`.
fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            let dotted = format!(".{suffix}");
            host.ends_with(&dotted) && host.len() > dotted.len()
        }
        None => pattern == host,
    }
}

fn is_wildcard(h: &str) -> bool {
    h.starts_with("*.")
}

/// Rank of a matching hostname for the precedence order.
fn rank(h: Option<&str>) -> HostRank {
    match h {
        None => HostRank {
            non_wildcard_chars: 0,
            chars: 0,
        },
        Some(h) if is_wildcard(h) => HostRank {
            non_wildcard_chars: 0,
            chars: h.len(),
        },
        Some(h) => HostRank {
            non_wildcard_chars: h.len(),
            chars: h.len(),
        },
    }
}

/// The more specific of two hostnames that both match the request host.
fn narrower<'a>(a: &'a str, b: &'a str) -> &'a str {
    match (is_wildcard(a), is_wildcard(b)) {
        (false, _) => a,
        (true, false) => b,
        (true, true) if a.len() >= b.len() => a,
        (true, true) => b,
    }
}

#[derive(Debug)]
struct Value {
    exact: Option<String>,
    regex: Option<meta::Regex>,
}

impl Value {
    fn new(v: &ValueMatch, opts: &CompileOptions, loc: &Location) -> Result<Self, CompileError> {
        Ok(match v {
            ValueMatch::Exact(e) => Value {
                exact: Some(e.clone()),
                regex: None,
            },
            ValueMatch::RegularExpression(p) => Value {
                exact: None,
                regex: Some(crate::pattern::compile_one(p, opts, || loc.clone())?),
            },
        })
    }

    fn matches(&self, v: &[u8]) -> bool {
        match (&self.exact, &self.regex) {
            (Some(e), _) => e.as_bytes() == v,
            (None, Some(re)) => crate::pattern::full_match(re, v),
            (None, None) => false,
        }
    }
}

/// Conditions of one match, compiled individually.
#[derive(Debug)]
struct Conditions {
    path_regex: Option<meta::Regex>,
    grpc_service: Option<meta::Regex>,
    grpc_method: Option<meta::Regex>,
    /// `None` for a header ignored as a duplicate.
    headers: Vec<Option<(HeaderName, Value)>>,
    queries: Vec<Option<Value>>,
}

/// The reference matcher. Build with [`ReferenceMatcher::new`].
#[derive(Debug)]
pub struct ReferenceMatcher<F, B> {
    table: RouteTable<F, B>,
    listeners: Vec<ListenerInfo>,
    /// `[listener][route][rule]` for HTTP, then gRPC routes.
    backends: Vec<Vec<Vec<BackendSet<B>>>>,
    /// `[listener][route][rule][match]`.
    conditions: Vec<Vec<Vec<Vec<Conditions>>>>,
}

fn headers(
    hs: &[HeaderMatch],
    opts: &CompileOptions,
    loc: &Location,
) -> Result<Vec<Option<(HeaderName, Value)>>, CompileError> {
    let mut out = Vec::new();
    for (i, h) in hs.iter().enumerate() {
        // spec: "Subsequent entries with an equivalent header name MUST be
        // ignored."
        if hs[..i].iter().any(|e| e.name.eq_ignore_ascii_case(&h.name)) {
            out.push(None);
            continue;
        }
        let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| {
            CompileError::InvalidHeaderName {
                location: loc.clone().into(),
                name: h.name.clone(),
            }
        })?;
        out.push(Some((name, Value::new(&h.value, opts, loc)?)));
    }
    Ok(out)
}

fn queries(
    qs: &[QueryParamMatch],
    opts: &CompileOptions,
    loc: &Location,
) -> Result<Vec<Option<Value>>, CompileError> {
    let mut out = Vec::new();
    for (i, q) in qs.iter().enumerate() {
        if qs[..i].iter().any(|e| e.name == q.name) {
            out.push(None);
            continue;
        }
        out.push(Some(Value::new(&q.value, opts, loc)?));
    }
    Ok(out)
}

/// A request's view for the reference: host lower-cased, path defaulted.
struct View<'r, 'a, H: ?Sized> {
    req: &'r Request<'a, H>,
    host: String,
    path: &'a str,
}

impl<F, B> ReferenceMatcher<F, B> {
    /// Builds the reference matcher, compiling each regex on its own.
    ///
    /// # Errors
    ///
    /// The same [`CompileError`]s as [`compile`](crate::compile) for an
    /// invalid listener hostname, header name or regex.
    pub fn new(mut table: RouteTable<F, B>, opts: &CompileOptions) -> Result<Self, CompileError> {
        let mut listeners = Vec::new();
        let mut backends = Vec::new();
        let mut conditions = Vec::new();
        for (li, l) in table.listeners.iter_mut().enumerate() {
            let lloc = Location::listener(&l.name);
            for h in l.hostname.iter() {
                crate::host::Hostname::parse(h).map_err(|reason| {
                    CompileError::InvalidHostname {
                        location: lloc.clone().into(),
                        hostname: h.clone(),
                        reason,
                    }
                })?;
            }
            listeners.push(ListenerInfo {
                index: li,
                name: l.name.clone(),
                port: l.port,
                hostname: l.hostname.clone(),
            });
            let mut lb = Vec::new();
            let mut lc = Vec::new();
            for r in &mut l.http_routes {
                let rloc = Location::route(&l.name, &r.id);
                let mut rb = Vec::new();
                let mut rc = Vec::new();
                for (ri, rule) in r.rules.iter_mut().enumerate() {
                    rb.push(BackendSet::new(std::mem::take(&mut rule.backends)));
                    let mut mc = Vec::new();
                    for (mi, m) in rule.matches.iter().enumerate() {
                        let loc = rloc.at(ri, Some(mi));
                        mc.push(Conditions {
                            path_regex: match &m.path {
                                PathMatch::RegularExpression(p) => {
                                    Some(crate::pattern::compile_one(p, opts, || loc.clone())?)
                                }
                                _ => None,
                            },
                            grpc_service: None,
                            grpc_method: None,
                            headers: headers(&m.headers, opts, &loc)?,
                            queries: queries(&m.query_params, opts, &loc)?,
                        });
                    }
                    rc.push(mc);
                }
                lb.push(rb);
                lc.push(rc);
            }
            for r in &mut l.grpc_routes {
                let rloc = Location::route(&l.name, &r.id);
                let mut rb = Vec::new();
                let mut rc = Vec::new();
                for (ri, rule) in r.rules.iter_mut().enumerate() {
                    rb.push(BackendSet::new(std::mem::take(&mut rule.backends)));
                    let mut mc = Vec::new();
                    for (mi, m) in rule.matches.iter().enumerate() {
                        let loc = rloc.at(ri, Some(mi));
                        let re = |v: &Option<String>| -> Result<Option<meta::Regex>, CompileError> {
                            match (&m.method, v.as_deref()) {
                                (Some(mm), Some(p))
                                    if mm.kind == GrpcMatchType::RegularExpression
                                        && !p.is_empty() =>
                                {
                                    Ok(Some(crate::pattern::compile_one(p, opts, || loc.clone())?))
                                }
                                _ => Ok(None),
                            }
                        };
                        let (s, me) = match &m.method {
                            Some(mm) => (re(&mm.service)?, re(&mm.method)?),
                            None => (None, None),
                        };
                        mc.push(Conditions {
                            path_regex: None,
                            grpc_service: s,
                            grpc_method: me,
                            headers: headers(&m.headers, opts, &loc)?,
                            queries: Vec::new(),
                        });
                    }
                    rc.push(mc);
                }
                lb.push(rb);
                lc.push(rc);
            }
            backends.push(lb);
            conditions.push(lc);
        }
        Ok(Self {
            table,
            listeners,
            backends,
            conditions,
        })
    }
}

impl<F, B> ReferenceMatcher<F, B> {
    /// spec: Listener hostname — exact beats the longest wildcard beats none;
    /// first in table order on ties.
    fn listener(&self, port: u16, host: &str) -> Option<usize> {
        let mut best: Option<((u8, usize), usize)> = None;
        for (i, l) in self.table.listeners.iter().enumerate() {
            if l.port != port {
                continue;
            }
            let key = match l.hostname.as_deref().map(norm_host) {
                None => (0, 0),
                Some(h) if host_matches(&h, host) => (if is_wildcard(&h) { 1 } else { 2 }, h.len()),
                Some(_) => continue,
            };
            if best.is_none_or(|(k, _)| key > k) {
                best = Some((key, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// Best matching hostname rank of a route, `None` if no hostname matches.
    fn route_host(&self, listener: usize, hostnames: &[String], host: &str) -> Option<HostRank> {
        let lh = self.table.listeners[listener]
            .hostname
            .as_deref()
            .map(norm_host);
        if hostnames.is_empty() {
            return Some(rank(lh.as_deref()));
        }
        hostnames
            .iter()
            .map(|h| norm_host(h))
            .filter(|h| host_matches(h, host))
            .map(|h| {
                let eff = match lh.as_deref() {
                    Some(l) => narrower(&h, l).to_owned(),
                    None => h,
                };
                rank(Some(&eff))
            })
            .max_by(|a, b| {
                a.non_wildcard_chars
                    .cmp(&b.non_wildcard_chars)
                    .then(a.chars.cmp(&b.chars))
            })
    }

    fn view<'r, 'a, H: Headers + ?Sized>(&self, req: &'r Request<'a, H>) -> View<'r, 'a, H> {
        View {
            req,
            host: crate::normalize_authority(req.authority).to_ascii_lowercase(),
            path: if req.path.is_empty() { "/" } else { req.path },
        }
    }

    fn headers_ok<H: Headers + ?Sized>(c: &Conditions, req: &Request<'_, H>) -> bool {
        c.headers.iter().flatten().all(|(name, v)| {
            // spec: header names are case-insensitive; the first value of a
            // repeated header is used.
            req.headers.first_value(name).is_some_and(|x| v.matches(x))
        })
    }

    fn http_ok<H: Headers + ?Sized>(m: &HttpMatch, c: &Conditions, v: &View<'_, '_, H>) -> bool {
        let path_ok = match &m.path {
            PathMatch::Exact(p) => v.path == p,
            PathMatch::PathPrefix(p) => {
                // spec: PathPrefix — element-wise prefix; trailing `/` ignored.
                let p = p.trim_end_matches('/');
                p.is_empty()
                    || (v.path.starts_with(p)
                        && (v.path.len() == p.len() || v.path.as_bytes()[p.len()] == b'/'))
            }
            PathMatch::RegularExpression(_) => c
                .path_regex
                .as_ref()
                .is_some_and(|re| crate::pattern::full_match(re, v.path.as_bytes())),
        };
        let method_ok = m.method.as_ref().is_none_or(|x| x.as_str() == v.req.method);
        let query_ok = m.query_params.iter().zip(&c.queries).all(|(q, val)| {
            let Some(val) = val else { return true };
            let first = v.req.query.and_then(|qs| {
                qs.split('&')
                    .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
                    .find(|(n, _)| *n == q.name)
                    .map(|(_, x)| x)
            });
            first.is_some_and(|x| val.matches(x.as_bytes()))
        });
        path_ok && method_ok && Self::headers_ok(c, v.req) && query_ok
    }

    fn grpc_ok<H: Headers + ?Sized>(m: &GrpcMatch, c: &Conditions, v: &View<'_, '_, H>) -> bool {
        let method_ok = match &m.method {
            None => true,
            Some(mm) => {
                let service = mm.service.as_deref().filter(|s| !s.is_empty());
                let method = mm.method.as_deref().filter(|s| !s.is_empty());
                if service.is_none() && method.is_none() {
                    true
                } else {
                    let parts = v
                        .req
                        .path
                        .strip_prefix('/')
                        .and_then(|r| r.split_once('/'))
                        .filter(|(_, me)| !me.contains('/'));
                    match parts {
                        None => false,
                        Some((rs, rm)) => match mm.kind {
                            GrpcMatchType::Exact => {
                                service.is_none_or(|s| s == rs) && method.is_none_or(|x| x == rm)
                            }
                            GrpcMatchType::RegularExpression => {
                                c.grpc_service
                                    .as_ref()
                                    .is_none_or(|re| crate::pattern::full_match(re, rs.as_bytes()))
                                    && c.grpc_method.as_ref().is_none_or(|re| {
                                        crate::pattern::full_match(re, rm.as_bytes())
                                    })
                            }
                        },
                    }
                }
            }
        };
        method_ok && Self::headers_ok(c, v.req)
    }

    /// Matches a request against the HTTPRoutes.
    pub fn lookup<H: Headers + ?Sized>(
        &self,
        req: &Request<'_, H>,
    ) -> Option<RouteMatch<'_, F, B>> {
        let v = self.view(req);
        let li = self.listener(req.port, &v.host)?;
        let l = &self.table.listeners[li];
        let implicit = &*crate::matcher::IMPLICIT_HTTP_MATCH;
        // Every candidate with its key; sort; first that matches wins.
        let mut cands = Vec::new();
        for (ri, r) in l.http_routes.iter().enumerate() {
            let Some(host) = self.route_host(li, &r.hostnames, &v.host) else {
                continue;
            };
            for (rule_i, rule) in r.rules.iter().enumerate() {
                let ms: Vec<(Option<usize>, &HttpMatch)> = if rule.matches.is_empty() {
                    vec![(None, implicit)]
                } else {
                    rule.matches
                        .iter()
                        .enumerate()
                        .map(|(i, m)| (Some(i), m))
                        .collect()
                };
                for (mi, m) in ms {
                    let key = Precedence {
                        host,
                        specificity: crate::matcher::http_specificity(m),
                        creation_timestamp: r.creation_timestamp,
                        namespace: &r.id.namespace,
                        name: &r.id.name,
                        route: ri,
                        rule: rule_i,
                        match_index: mi.unwrap_or(0),
                    };
                    cands.push((key, ri, rule_i, mi, m));
                }
            }
        }
        cands.sort_by(|a, b| a.0.cmp(&b.0));
        let (_, ri, rule_i, mi, _) = cands.into_iter().find(|&(_, ri, rule_i, mi, m)| {
            let c = mi.map(|mi| &self.conditions[li][ri][rule_i][mi]);
            let empty = Conditions {
                path_regex: None,
                grpc_service: None,
                grpc_method: None,
                headers: Vec::new(),
                queries: Vec::new(),
            };
            Self::http_ok(m, c.unwrap_or(&empty), &v)
        })?;
        let r = &l.http_routes[ri];
        Some(RouteMatch {
            listener: &self.listeners[li],
            kind: RouteKind::Http,
            route: &r.id,
            rule: rule_i,
            match_index: mi,
            filters: &r.rules[rule_i].filters,
            backends: &self.backends[li][ri][rule_i],
        })
    }

    /// Matches a gRPC request against the GRPCRoutes.
    pub fn lookup_grpc<H: Headers + ?Sized>(
        &self,
        req: &Request<'_, H>,
    ) -> Option<RouteMatch<'_, F, B>> {
        let v = self.view(req);
        let li = self.listener(req.port, &v.host)?;
        let l = &self.table.listeners[li];
        let n_http = l.http_routes.len();
        let implicit = &*crate::matcher::IMPLICIT_GRPC_MATCH;
        let mut cands = Vec::new();
        for (ri, r) in l.grpc_routes.iter().enumerate() {
            let Some(host) = self.route_host(li, &r.hostnames, &v.host) else {
                continue;
            };
            for (rule_i, rule) in r.rules.iter().enumerate() {
                let ms: Vec<(Option<usize>, &GrpcMatch)> = if rule.matches.is_empty() {
                    vec![(None, implicit)]
                } else {
                    rule.matches
                        .iter()
                        .enumerate()
                        .map(|(i, m)| (Some(i), m))
                        .collect()
                };
                for (mi, m) in ms {
                    let key = Precedence {
                        host,
                        specificity: crate::grpc::specificity(m),
                        creation_timestamp: r.creation_timestamp,
                        namespace: &r.id.namespace,
                        name: &r.id.name,
                        route: ri,
                        rule: rule_i,
                        match_index: mi.unwrap_or(0),
                    };
                    cands.push((key, ri, rule_i, mi, m));
                }
            }
        }
        cands.sort_by(|a, b| a.0.cmp(&b.0));
        let empty = Conditions {
            path_regex: None,
            grpc_service: None,
            grpc_method: None,
            headers: Vec::new(),
            queries: Vec::new(),
        };
        let (_, ri, rule_i, mi, _) = cands.into_iter().find(|&(_, ri, rule_i, mi, m)| {
            let c = mi.map(|mi| &self.conditions[li][n_http + ri][rule_i][mi]);
            Self::grpc_ok(m, c.unwrap_or(&empty), &v)
        })?;
        let r = &l.grpc_routes[ri];
        Some(RouteMatch {
            listener: &self.listeners[li],
            kind: RouteKind::Grpc,
            route: &r.id,
            rule: rule_i,
            match_index: mi,
            filters: &r.rules[rule_i].filters,
            backends: &self.backends[li][n_http + ri][rule_i],
        })
    }
}
