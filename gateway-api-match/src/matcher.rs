//! The compiled matcher: building the indexes and looking requests up.
//!
//! # The idea
//!
//! Lookup narrows in three indexed steps and only then evaluates predicates:
//!
//! 1. **Listener**: `port` → hostname index (exact, longest wildcard, none).
//! 2. **Hostname bucket**: the listener's routes are grouped by the effective
//!    hostname they serve; the buckets matching the request host are visited
//!    most specific first. Hostname specificity is the first key of the
//!    precedence order, so the first bucket with a match holds the answer.
//! 3. **Path**: inside a bucket, candidates are grouped by path condition,
//!    and the groups are visited in precedence order: the exact-path hash map,
//!    then the regex groups (one multi-pattern automaton per bucket reports
//!    the highest-precedence regex that matches), then the prefix index from
//!    the longest matching prefix to `/` (see `path.rs`).
//!
//! Every group's candidates are pre-sorted by [`Precedence`], so within a
//! group the residual method/header/query predicates are checked in order and
//! the first candidate that passes wins. Because all candidates of a group
//! share the hostname and path parts of the key, and groups are visited in
//! key order, the first hit is the minimum of the total order: the same
//! answer as the [reference](mod@crate::reference), without looking at the rest.

use crate::fast_hash::FastMap;

use http::{HeaderName, Method};
use regex_automata::meta;
use regex_syntax::hir::Hir;

use crate::error::{CompileError, Loc};
use crate::grpc::{GrpcBucket, GrpcRegex};
use crate::header::{HeaderPredicate, Headers};
use crate::host::{HostIndex, HostKey, Hostname, effective_hostnames, normalize_authority};
use crate::path::{PathIndex, normalize_prefix, request_path};
use crate::precedence::{HostRank, PathRank, Precedence, Specificity};
use crate::query::QueryPredicate;
use crate::regex_index::PathRegexes;
use crate::value::ValuePredicate;
use crate::{
    BackendSet, CompileOptions, GrpcMatchType, HeaderMatch, HttpMatch, PathMatch, QueryParamMatch,
    Request, RouteId, RouteTable, ValueMatch,
};

/// A listener as reported in a [`RouteMatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerInfo {
    /// Position in [`RouteTable::listeners`].
    pub index: usize,
    /// Listener name.
    pub name: String,
    /// Listener port.
    pub port: u16,
    /// Listener hostname as configured.
    pub hostname: Option<String>,
}

/// Which kind of route matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// An HTTPRoute.
    Http,
    /// A GRPCRoute.
    Grpc,
}

/// A successful lookup, borrowed from the matcher. `None` from a lookup
/// means no route: answer 404 (gRPC: status `UNIMPLEMENTED`).
#[derive(Debug)]
pub struct RouteMatch<'a, F, B> {
    /// The listener that accepted the request.
    pub listener: &'a ListenerInfo,
    /// HTTPRoute or GRPCRoute.
    pub kind: RouteKind,
    /// The matched route.
    pub route: &'a RouteId,
    /// Rule index within the route.
    pub rule: usize,
    /// Match index within the rule; `None` when the rule has no matches
    /// (the implicit match-everything).
    pub match_index: Option<usize>,
    /// The rule's filters.
    pub filters: &'a [F],
    /// The rule's backends; pick one with [`BackendSet::pick`].
    pub backends: &'a BackendSet<B>,
}

impl<F, B> Clone for RouteMatch<'_, F, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F, B> Copy for RouteMatch<'_, F, B> {}

/// The HTTP part of the precedence key of one match.
pub(crate) fn http_specificity(m: &HttpMatch) -> Specificity<'_> {
    Specificity::Http {
        path: match &m.path {
            PathMatch::Exact(p) => PathRank::Exact(p.len()),
            PathMatch::RegularExpression(r) => PathRank::Regex(r),
            PathMatch::PathPrefix(p) => PathRank::Prefix(normalize_prefix(p).len()),
        },
        method: m.method.is_some(),
        headers: crate::header::effective(&m.headers).count(),
        query_params: crate::query::effective(&m.query_params).count(),
    }
}

/// The implicit match of a rule without matches: `PathPrefix /`.
pub(crate) static IMPLICIT_HTTP_MATCH: std::sync::LazyLock<HttpMatch> =
    std::sync::LazyLock::new(HttpMatch::default);

/// The implicit match of a gRPC rule without matches: everything.
pub(crate) static IMPLICIT_GRPC_MATCH: std::sync::LazyLock<crate::GrpcMatch> =
    std::sync::LazyLock::new(crate::GrpcMatch::default);

#[derive(Debug)]
struct RuleData<F, B> {
    route: u32,
    kind: RouteKind,
    index: u32,
    filters: Box<[F]>,
    backends: BackendSet<B>,
}

/// One (route, rule, match) with its residual predicates.
#[derive(Debug)]
struct Candidate {
    rule: u32,
    match_index: Option<u32>,
    method: Option<Method>,
    headers: Box<[HeaderPredicate]>,
    queries: Box<[QueryPredicate]>,
    grpc: Option<GrpcRegex>,
    /// No method, header or query condition: `residual_ok` is `true`.
    plain: bool,
}

impl Candidate {
    fn new(
        rule: u32,
        match_index: Option<u32>,
        method: Option<Method>,
        headers: Box<[HeaderPredicate]>,
        queries: Box<[QueryPredicate]>,
        grpc: Option<GrpcRegex>,
    ) -> Self {
        Self {
            plain: method.is_none() && headers.is_empty() && queries.is_empty(),
            rule,
            match_index,
            method,
            headers,
            queries,
            grpc,
        }
    }

    #[inline]
    fn residual_ok<H: Headers + ?Sized>(&self, req: &Request<'_, H>) -> bool {
        self.plain || self.residual_ok_slow(req)
    }

    fn residual_ok_slow<H: Headers + ?Sized>(&self, req: &Request<'_, H>) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| m.as_str() == req.method)
            && self.headers.iter().all(|h| h.matches(req.headers))
            && self.queries.iter().all(|q| q.matches(req.query))
    }
}

#[derive(Debug)]
struct RegexGroups {
    set: PathRegexes,
    groups: Box<[Box<[u32]>]>,
}

#[derive(Debug, Default)]
struct HttpBucket {
    paths: PathIndex<Box<[u32]>>,
    regex: Option<RegexGroups>,
}

/// An immutable, `Send + Sync` route matcher built by [`compile`].
///
/// `F` is the caller's filter type and `B` its backend type; both are handed
/// back by reference. Lookups never allocate (regex engines keep a small
/// per-thread scratch cache that is created on a thread's first regex search
/// and reused after).
#[derive(Debug)]
pub struct Matcher<F, B> {
    listeners: Box<[ListenerInfo]>,
    /// Sorted by port.
    ports: Box<[PortEntry]>,
    http: Box<[HostIndex<HttpBucket>]>,
    grpc: Box<[HostIndex<GrpcBucket>]>,
    routes: Box<[RouteId]>,
    rules: Box<[RuleData<F, B>]>,
    cands: Box<[Candidate]>,
}

/// The listeners on one port.
#[derive(Debug)]
struct PortEntry {
    port: u16,
    listeners: HostIndex<u32>,
    /// Does any lookup on this port look at the host (hostname-specific
    /// listeners or routes)? If not, the host is not even normalized.
    needs_host: bool,
}

/// Compiles a [`RouteTable`] with default [`CompileOptions`].
///
/// # Errors
///
/// A [`CompileError`] naming the listener, route, rule and match of the first
/// invalid hostname, path, header name or regular expression.
pub fn compile<F, B>(table: RouteTable<F, B>) -> Result<Matcher<F, B>, CompileError> {
    compile_with(table, &CompileOptions::default())
}

/// Compiles a [`RouteTable`] with explicit [`CompileOptions`].
///
/// # Errors
///
/// See [`compile`].
pub fn compile_with<F, B>(
    table: RouteTable<F, B>,
    opts: &CompileOptions,
) -> Result<Matcher<F, B>, CompileError> {
    Builder::new(opts).build(table)
}

/// Per-bucket lists of (key, candidate) before sorting.
type Keyed<'t> = Vec<(Precedence<'t>, u32)>;

#[derive(Default)]
struct HttpBucketBuilder<'t> {
    exact: FastMap<&'t str, Keyed<'t>>,
    regex: FastMap<&'t str, Keyed<'t>>,
    prefix: FastMap<&'t str, Keyed<'t>>,
}

#[derive(Default)]
struct GrpcBucketBuilder<'t> {
    exact_full: FastMap<String, Keyed<'t>>,
    exact_service: FastMap<&'t str, Keyed<'t>>,
    exact_method: FastMap<&'t str, Keyed<'t>>,
    regex: Keyed<'t>,
    any: Keyed<'t>,
}

fn sorted(mut v: Keyed<'_>) -> Box<[u32]> {
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.into_iter().map(|(_, c)| c).collect()
}

struct Builder<'o> {
    opts: &'o CompileOptions,
    value_regexes: FastMap<String, meta::Regex>,
    cands: Vec<Candidate>,
}

impl<'o> Builder<'o> {
    fn new(opts: &'o CompileOptions) -> Self {
        Self {
            opts,
            value_regexes: FastMap::default(),
            cands: Vec::new(),
        }
    }

    fn value(&mut self, v: &ValueMatch, loc: &Loc<'_>) -> Result<ValuePredicate, CompileError> {
        Ok(match v {
            ValueMatch::Exact(e) => ValuePredicate::Exact(e.as_bytes().into()),
            ValueMatch::RegularExpression(p) => ValuePredicate::Regex(self.regex(p, loc)?),
        })
    }

    fn regex(&mut self, p: &str, loc: &Loc<'_>) -> Result<meta::Regex, CompileError> {
        if let Some(re) = self.value_regexes.get(p) {
            return Ok(re.clone());
        }
        let re = crate::pattern::compile_one(p, self.opts, || loc.owned())?;
        self.value_regexes.insert(p.to_owned(), re.clone());
        Ok(re)
    }

    fn headers(
        &mut self,
        hs: &[HeaderMatch],
        loc: &Loc<'_>,
    ) -> Result<Box<[HeaderPredicate]>, CompileError> {
        crate::header::effective(hs)
            .map(|(_, h)| {
                let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| {
                    CompileError::InvalidHeaderName {
                        location: loc.owned().into(),
                        name: h.name.clone(),
                    }
                })?;
                Ok(HeaderPredicate {
                    name,
                    value: self.value(&h.value, loc)?,
                })
            })
            .collect()
    }

    fn queries(
        &mut self,
        qs: &[QueryParamMatch],
        loc: &Loc<'_>,
    ) -> Result<Box<[QueryPredicate]>, CompileError> {
        crate::query::effective(qs)
            .map(|(_, q)| {
                Ok(QueryPredicate {
                    name: q.name.as_str().into(),
                    value: self.value(&q.value, loc)?,
                })
            })
            .collect()
    }

    fn build<F, B>(mut self, table: RouteTable<F, B>) -> Result<Matcher<F, B>, CompileError> {
        let mut listeners = Vec::new();
        let mut ports: FastMap<u16, HostIndex<u32>> = FastMap::default();
        let mut http = Vec::new();
        let mut grpc = Vec::new();
        let mut routes = Vec::new();
        // Rules are numbered in table order (per listener: HTTP routes, then
        // gRPC routes); the second pass below moves filters and backends out
        // of the table in the same order.
        let mut rule_count = 0u32;

        for (li, l) in table.listeners.iter().enumerate() {
            let lloc = crate::error::Location::listener(&l.name);
            let lhost = l
                .hostname
                .as_deref()
                .map(|h| {
                    Hostname::parse(h).map_err(|reason| CompileError::InvalidHostname {
                        location: lloc.clone().into(),
                        hostname: h.to_owned(),
                        reason,
                    })
                })
                .transpose()?;
            ports
                .entry(l.port)
                .or_default()
                .entry(lhost.as_ref(), || li as u32);
            listeners.push(ListenerInfo {
                index: li,
                name: l.name.clone(),
                port: l.port,
                hostname: l.hostname.clone(),
            });

            // HTTPRoutes.
            let mut buckets: FastMap<Option<Hostname>, HttpBucketBuilder<'_>> = FastMap::default();
            let mut hirs: FastMap<&str, (Hir, Loc<'_>)> = FastMap::default();
            for (ri, r) in l.http_routes.iter().enumerate() {
                let rloc = Loc::route(&l.name, &r.id);
                let hosts = self.route_hosts(&r.hostnames, lhost.as_ref(), &rloc)?;
                for (rule_i, rule) in r.rules.iter().enumerate() {
                    let rule_idx = rule_count;
                    rule_count += 1;
                    let implicit = std::slice::from_ref(&*IMPLICIT_HTTP_MATCH);
                    let (ms, explicit) = if rule.matches.is_empty() {
                        (implicit, false)
                    } else {
                        (&rule.matches[..], true)
                    };
                    for (mi, m) in ms.iter().enumerate() {
                        let loc = rloc.at(rule_i, explicit.then_some(mi));
                        match &m.path {
                            PathMatch::Exact(p) | PathMatch::PathPrefix(p)
                                if !p.starts_with('/') =>
                            {
                                return Err(CompileError::InvalidPath {
                                    location: loc.owned().into(),
                                    path: p.clone(),
                                });
                            }
                            PathMatch::RegularExpression(p) if !hirs.contains_key(p.as_str()) => {
                                let hir =
                                    crate::pattern::parse_anchored(p, self.opts, || loc.owned())?;
                                hirs.insert(p, (hir, loc));
                            }
                            _ => {}
                        }
                        let cand = Candidate::new(
                            rule_idx,
                            explicit.then_some(mi as u32),
                            m.method.clone(),
                            self.headers(&m.headers, &loc)?,
                            self.queries(&m.query_params, &loc)?,
                            None,
                        );
                        let ci = self.cands.len() as u32;
                        self.cands.push(cand);
                        let specificity = http_specificity(m);
                        for h in hosts.iter() {
                            let key = Precedence {
                                host: HostRank::of(h.as_ref()),
                                specificity,
                                creation_timestamp: r.creation_timestamp,
                                namespace: &r.id.namespace,
                                name: &r.id.name,
                                route: ri,
                                rule: rule_i,
                                match_index: mi,
                            };
                            // Clone the hostname only for a new bucket.
                            if !buckets.contains_key(h) {
                                buckets.insert(h.clone(), Default::default());
                            }
                            let Some(b) = buckets.get_mut(h) else {
                                continue;
                            };
                            let list = match &m.path {
                                PathMatch::Exact(p) => b.exact.entry(p).or_default(),
                                PathMatch::RegularExpression(p) => b.regex.entry(p).or_default(),
                                PathMatch::PathPrefix(p) => {
                                    b.prefix.entry(normalize_prefix(p)).or_default()
                                }
                            };
                            list.push((key, ci));
                        }
                    }
                }
            }
            let mut index: HostIndex<HttpBucket> = HostIndex::default();
            for (h, b) in buckets {
                let bucket = self.finish_http_bucket(b, &hirs, &l.name)?;
                *index.entry(h.as_ref(), HttpBucket::default) = bucket;
            }
            index.finish();
            http.push(index);

            // GRPCRoutes.
            let mut buckets: FastMap<Option<Hostname>, GrpcBucketBuilder<'_>> = FastMap::default();
            for (ri, r) in l.grpc_routes.iter().enumerate() {
                let rloc = Loc::route(&l.name, &r.id);
                let hosts = self.route_hosts(&r.hostnames, lhost.as_ref(), &rloc)?;
                for (rule_i, rule) in r.rules.iter().enumerate() {
                    let rule_idx = rule_count;
                    rule_count += 1;
                    let implicit = std::slice::from_ref(&*IMPLICIT_GRPC_MATCH);
                    let (ms, explicit) = if rule.matches.is_empty() {
                        (implicit, false)
                    } else {
                        (&rule.matches[..], true)
                    };
                    for (mi, m) in ms.iter().enumerate() {
                        let loc = rloc.at(rule_i, explicit.then_some(mi));
                        let method = crate::grpc::normalize(m.method.as_ref());
                        let grpc_re = match method {
                            Some((GrpcMatchType::RegularExpression, s, me)) => Some(GrpcRegex {
                                service: s.map(|p| self.regex(p, &loc)).transpose()?,
                                method: me.map(|p| self.regex(p, &loc)).transpose()?,
                            }),
                            _ => None,
                        };
                        let cand = Candidate::new(
                            rule_idx,
                            explicit.then_some(mi as u32),
                            None,
                            self.headers(&m.headers, &loc)?,
                            Box::new([]),
                            grpc_re,
                        );
                        let ci = self.cands.len() as u32;
                        self.cands.push(cand);
                        let specificity = crate::grpc::specificity(m);
                        for h in hosts.iter() {
                            let key = Precedence {
                                host: HostRank::of(h.as_ref()),
                                specificity,
                                creation_timestamp: r.creation_timestamp,
                                namespace: &r.id.namespace,
                                name: &r.id.name,
                                route: ri,
                                rule: rule_i,
                                match_index: mi,
                            };
                            // Clone the hostname only for a new bucket.
                            if !buckets.contains_key(h) {
                                buckets.insert(h.clone(), Default::default());
                            }
                            let Some(b) = buckets.get_mut(h) else {
                                continue;
                            };
                            let list = match method {
                                None => &mut b.any,
                                Some((GrpcMatchType::RegularExpression, _, _)) => &mut b.regex,
                                Some((GrpcMatchType::Exact, Some(s), Some(me))) => {
                                    b.exact_full.entry(format!("{s}/{me}")).or_default()
                                }
                                Some((GrpcMatchType::Exact, Some(s), None)) => {
                                    b.exact_service.entry(s).or_default()
                                }
                                Some((GrpcMatchType::Exact, None, Some(me))) => {
                                    b.exact_method.entry(me).or_default()
                                }
                                Some((GrpcMatchType::Exact, None, None)) => &mut b.any,
                            };
                            list.push((key, ci));
                        }
                    }
                }
            }
            let mut index: HostIndex<GrpcBucket> = HostIndex::default();
            for (h, b) in buckets {
                let bucket = GrpcBucket {
                    exact_full: b
                        .exact_full
                        .into_iter()
                        .map(|(k, v)| (k.into_boxed_str(), sorted(v)))
                        .collect(),
                    exact_service: b
                        .exact_service
                        .into_iter()
                        .map(|(k, v)| (k.into(), sorted(v)))
                        .collect(),
                    exact_method: b
                        .exact_method
                        .into_iter()
                        .map(|(k, v)| (k.into(), sorted(v)))
                        .collect(),
                    regex: sorted(b.regex),
                    any: sorted(b.any),
                };
                *index.entry(h.as_ref(), GrpcBucket::default) = bucket;
            }
            index.finish();
            grpc.push(index);
        }

        // Move filters and backends out, in the same order as `rule_count`.
        let mut rules = Vec::with_capacity(rule_count as usize);
        let mut route_idx = 0u32;
        for l in table.listeners {
            for r in l.http_routes {
                routes.push(r.id);
                for (i, rule) in r.rules.into_iter().enumerate() {
                    rules.push(RuleData {
                        route: route_idx,
                        kind: RouteKind::Http,
                        index: i as u32,
                        filters: rule.filters.into_boxed_slice(),
                        backends: BackendSet::new(rule.backends),
                    });
                }
                route_idx += 1;
            }
            for r in l.grpc_routes {
                routes.push(r.id);
                for (i, rule) in r.rules.into_iter().enumerate() {
                    rules.push(RuleData {
                        route: route_idx,
                        kind: RouteKind::Grpc,
                        index: i as u32,
                        filters: rule.filters.into_boxed_slice(),
                        backends: BackendSet::new(rule.backends),
                    });
                }
                route_idx += 1;
            }
        }

        let mut ports: Vec<PortEntry> = ports
            .into_iter()
            .map(|(port, mut idx)| {
                idx.finish();
                (port, idx)
            })
            .map(|(port, idx)| PortEntry {
                port,
                needs_host: idx.needs_host()
                    || listeners.iter().any(|l| {
                        l.port == port && (http[l.index].needs_host() || grpc[l.index].needs_host())
                    }),
                listeners: idx,
            })
            .collect();
        ports.sort_by_key(|p| p.port);
        Ok(Matcher {
            listeners: listeners.into(),
            ports: ports.into(),
            http: http.into(),
            grpc: grpc.into(),
            routes: routes.into(),
            rules: rules.into(),
            cands: self.cands.into(),
        })
    }

    fn route_hosts(
        &self,
        hostnames: &[String],
        listener: Option<&Hostname>,
        loc: &Loc<'_>,
    ) -> Result<Vec<Option<Hostname>>, CompileError> {
        let parsed = hostnames
            .iter()
            .map(|h| {
                Hostname::parse(h).map_err(|reason| CompileError::InvalidHostname {
                    location: loc.owned().into(),
                    hostname: h.clone(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(effective_hostnames(&parsed, listener).unwrap_or_default())
    }

    fn finish_http_bucket(
        &self,
        b: HttpBucketBuilder<'_>,
        hirs: &FastMap<&str, (Hir, Loc<'_>)>,
        listener: &str,
    ) -> Result<HttpBucket, CompileError> {
        let mut paths = PathIndex::default();
        for (p, v) in b.exact {
            *paths.exact_mut(p) = sorted(v);
        }
        for (p, v) in b.prefix {
            *paths.prefix_mut(p) = sorted(v);
        }
        paths.finish();
        let regex = if b.regex.is_empty() {
            None
        } else {
            // Pattern order is the regex part of the precedence order:
            // longer pattern first, then pattern text.
            let mut pats: Vec<(&str, Keyed<'_>)> = b.regex.into_iter().collect();
            pats.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
            let hs: Vec<Hir> = pats.iter().map(|(p, _)| hirs[p].0.clone()).collect();
            let set = crate::pattern::compile_many(&hs, self.opts)
                .and_then(|re| PathRegexes::new(re, &hs, self.opts));
            let set = match set {
                Some(set) => set,
                None => {
                    // Name the culprit if one pattern is too big on its own.
                    for (p, _) in &pats {
                        let loc = &hirs[p].1;
                        crate::pattern::compile_one(p, self.opts, || loc.owned())?;
                    }
                    return Err(CompileError::RegexSetTooBig {
                        listener: listener.to_owned(),
                        count: pats.len(),
                        limit: self.opts.regex_size_limit,
                    });
                }
            };
            Some(RegexGroups {
                set,
                groups: pats.into_iter().map(|(_, v)| sorted(v)).collect(),
            })
        };
        Ok(HttpBucket { paths, regex })
    }
}

impl<F, B> Matcher<F, B> {
    /// All listeners, in table order.
    pub fn listeners(&self) -> &[ListenerInfo] {
        &self.listeners
    }

    #[inline]
    fn port(&self, port: u16) -> Option<&PortEntry> {
        let i = self.ports.binary_search_by_key(&port, |p| p.port).ok()?;
        Some(&self.ports[i])
    }

    #[inline]
    fn first_passing<H: Headers + ?Sized>(
        &self,
        list: &[u32],
        req: &Request<'_, H>,
    ) -> Option<u32> {
        list.iter()
            .copied()
            .find(|&c| self.cands[c as usize].residual_ok(req))
    }

    #[inline]
    fn result(&self, listener: usize, cand: u32) -> RouteMatch<'_, F, B> {
        let c = &self.cands[cand as usize];
        let rule = &self.rules[c.rule as usize];
        RouteMatch {
            listener: &self.listeners[listener],
            kind: rule.kind,
            route: &self.routes[rule.route as usize],
            rule: rule.index as usize,
            match_index: c.match_index.map(|m| m as usize),
            filters: &rule.filters,
            backends: &rule.backends,
        }
    }

    /// Matches a request against the HTTPRoutes. `None` means no route (404).
    pub fn lookup<H: Headers + ?Sized>(
        &self,
        req: &Request<'_, H>,
    ) -> Option<RouteMatch<'_, F, B>> {
        let p = self.port(req.port)?;
        let path = request_path(req.path);
        if !p.needs_host {
            // No hostname anywhere on this port: one listener, one bucket.
            let li = *p.listeners.only_any()?? as usize;
            let c = self.lookup_bucket(self.http[li].only_any()??, path, req)?;
            return Some(self.result(li, c));
        }
        let host = HostKey::new(normalize_authority(req.authority));
        // spec: Listener hostname — the most specific listener wins:
        // exact, then the longest wildcard, then a listener without
        // hostname.
        let li = *p.listeners.first(&host)? as usize;
        let idx = &self.http[li];
        let c = match idx.only_any() {
            Some(any) => self.lookup_bucket(any?, path, req),
            None => idx
                .lookup(&host)
                .find_map(|b| self.lookup_bucket(b, path, req)),
        };
        c.map(|c| self.result(li, c))
    }

    fn lookup_bucket<H: Headers + ?Sized>(
        &self,
        b: &HttpBucket,
        path: &str,
        req: &Request<'_, H>,
    ) -> Option<u32> {
        let found = b.paths.lookup(path);
        if let Some(list) = found.exact()
            && let Some(c) = self.first_passing(list, req)
        {
            return Some(c);
        }
        if let Some(rg) = &b.regex
            && let Some(c) = rg
                .set
                .find(path, |pid| self.first_passing(&rg.groups[pid], req))
        {
            return Some(c);
        }
        found
            .prefixes(path)
            .find_map(|list| self.first_passing(list, req))
    }

    /// Matches a gRPC request (`POST /service/method`) against the GRPCRoutes.
    /// `None` means no route (gRPC status `UNIMPLEMENTED`). The HTTP method
    /// is not checked; a path not of the form `/service/method` matches only
    /// rules without a service/method condition.
    pub fn lookup_grpc<H: Headers + ?Sized>(
        &self,
        req: &Request<'_, H>,
    ) -> Option<RouteMatch<'_, F, B>> {
        let p = self.port(req.port)?;
        let host = HostKey::new(if p.needs_host {
            normalize_authority(req.authority)
        } else {
            ""
        });
        let split = crate::grpc::split_path(req.path);
        let li = *p.listeners.first(&host)? as usize;
        self.grpc[li]
            .lookup(&host)
            .find_map(|b| {
                b.lists(split, req.path).into_iter().find_map(|list| {
                    list.iter().copied().find(|&c| {
                        let cand = &self.cands[c as usize];
                        cand.grpc.as_ref().is_none_or(|g| g.matches(split)) && cand.residual_ok(req)
                    })
                })
            })
            .map(|c| self.result(li, c))
    }

    /// Matches `http` request parts arriving on `port`. Requests whose
    /// `content-type` starts with `application/grpc` are matched against
    /// the GRPCRoutes first and, failing that, the HTTPRoutes; other requests
    /// against the HTTPRoutes only.
    pub fn lookup_parts(
        &self,
        port: u16,
        parts: &http::request::Parts,
    ) -> Option<RouteMatch<'_, F, B>> {
        let req = Request::from_parts(port, parts);
        let is_grpc = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"));
        if is_grpc && let Some(m) = self.lookup_grpc(&req) {
            return Some(m);
        }
        self.lookup(&req)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod send_sync {
    use super::Matcher;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn matcher_is_send_and_sync() {
        assert_send_sync::<Matcher<String, String>>();
    }
}
