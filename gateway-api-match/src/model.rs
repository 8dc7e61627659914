//! The plain data model a [`RouteTable`] is built from.
//!
//! These types carry no Kubernetes dependencies: a proxy fills them from
//! whatever configuration source it has, then calls
//! [`compile`](crate::compile). Filters (`F`) and backends (`B`) are opaque
//! to the matcher; it hands them back by reference on a match.

use http::Method;

/// The whole routing configuration: every listener and the routes attached
/// to it.
#[derive(Debug, Clone)]
pub struct RouteTable<F, B> {
    /// Listeners in configuration order. When two listeners are equally
    /// specific for a request, the first one wins.
    pub listeners: Vec<Listener<F, B>>,
}

impl<F, B> Default for RouteTable<F, B> {
    fn default() -> Self {
        Self {
            listeners: Vec::new(),
        }
    }
}

/// A Gateway listener: a port, an optional hostname and its attached routes.
#[derive(Debug, Clone)]
pub struct Listener<F, B> {
    /// A name reported back in [`RouteMatch`](crate::RouteMatch).
    pub name: String,
    /// The port the listener accepts connections on.
    pub port: u16,
    /// Exact (`foo.example.com`) or wildcard (`*.example.com`) hostname;
    /// `None` accepts any host.
    pub hostname: Option<String>,
    /// HTTPRoutes attached to this listener.
    pub http_routes: Vec<HttpRoute<F, B>>,
    /// GRPCRoutes attached to this listener.
    pub grpc_routes: Vec<GrpcRoute<F, B>>,
}

impl<F, B> Listener<F, B> {
    /// A listener with no routes.
    pub fn new(name: impl Into<String>, port: u16, hostname: Option<&str>) -> Self {
        Self {
            name: name.into(),
            port,
            hostname: hostname.map(str::to_owned),
            http_routes: Vec::new(),
            grpc_routes: Vec::new(),
        }
    }
}

/// Identity of a route object: kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteId {
    /// `HTTPRoute` or `GRPCRoute` (free text; reported back unchanged).
    pub kind: String,
    /// Namespace of the route.
    pub namespace: String,
    /// Name of the route.
    pub name: String,
}

impl RouteId {
    /// An `HTTPRoute` id.
    pub fn http(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind: "HTTPRoute".to_owned(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// A `GRPCRoute` id.
    pub fn grpc(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind: "GRPCRoute".to_owned(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// An HTTPRoute as attached to one listener.
#[derive(Debug, Clone)]
pub struct HttpRoute<F, B> {
    /// Kind, namespace and name; namespace/name is a precedence tie-break.
    pub id: RouteId,
    /// Creation timestamp in any monotonic unit (e.g. Unix seconds); older
    /// (smaller) routes win ties.
    pub creation_timestamp: i64,
    /// Route hostnames; empty means "whatever the listener accepts".
    pub hostnames: Vec<String>,
    /// Rules in list order.
    pub rules: Vec<HttpRule<F, B>>,
}

/// One HTTPRoute rule.
#[derive(Debug, Clone)]
pub struct HttpRule<F, B> {
    /// Matches, ORed. Empty means one implicit `PathPrefix /` match.
    pub matches: Vec<HttpMatch>,
    /// Opaque filters, returned as-is on a match.
    pub filters: Vec<F>,
    /// Weighted backends; see [`BackendSet`](crate::BackendSet).
    pub backends: Vec<WeightedBackend<B>>,
}

impl<F, B> Default for HttpRule<F, B> {
    fn default() -> Self {
        Self {
            matches: Vec::new(),
            filters: Vec::new(),
            backends: Vec::new(),
        }
    }
}

/// One HTTPRouteMatch: every present condition must hold (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpMatch {
    /// Path condition; defaults to `PathPrefix /`.
    pub path: PathMatch,
    /// Exact, case-sensitive method, if any.
    pub method: Option<Method>,
    /// Header conditions. Of entries with equal (case-insensitive) names only
    /// the first is used.
    pub headers: Vec<HeaderMatch>,
    /// Query parameter conditions. Of entries with equal (case-sensitive)
    /// names only the first is used.
    pub query_params: Vec<QueryParamMatch>,
}

impl HttpMatch {
    /// A match on a path only.
    pub fn path(path: PathMatch) -> Self {
        Self {
            path,
            ..Self::default()
        }
    }
}

/// An HTTP path condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// The path equals the value, case-sensitively.
    Exact(String),
    /// The path starts with the value element by element (`/abc` matches
    /// `/abc`, `/abc/` and `/abc/d` but not `/abcd`); a trailing `/` in the
    /// value is ignored.
    PathPrefix(String),
    /// The whole path matches the regular expression (anchored at both ends).
    RegularExpression(String),
}

impl Default for PathMatch {
    fn default() -> Self {
        PathMatch::PathPrefix("/".to_owned())
    }
}

/// How a header or query parameter value is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueMatch {
    /// Byte-for-byte, case-sensitive equality.
    Exact(String),
    /// The whole value matches the regular expression.
    RegularExpression(String),
}

/// A header condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    /// Header name, compared case-insensitively.
    pub name: String,
    /// Condition on the first value of that header in the request.
    pub value: ValueMatch,
}

impl HeaderMatch {
    /// An exact header condition.
    pub fn exact(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: ValueMatch::Exact(value.into()),
        }
    }

    /// A regular-expression header condition.
    pub fn regex(name: impl Into<String>, pattern: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: ValueMatch::RegularExpression(pattern.into()),
        }
    }
}

/// A query parameter condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryParamMatch {
    /// Parameter name, compared exactly (case-sensitive, no percent-decoding).
    pub name: String,
    /// Condition on the first value of that parameter in the request.
    pub value: ValueMatch,
}

impl QueryParamMatch {
    /// An exact query parameter condition.
    pub fn exact(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: ValueMatch::Exact(value.into()),
        }
    }

    /// A regular-expression query parameter condition.
    pub fn regex(name: impl Into<String>, pattern: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: ValueMatch::RegularExpression(pattern.into()),
        }
    }
}

/// A backend with its relative weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedBackend<B> {
    /// The caller's backend value.
    pub backend: B,
    /// Relative weight; 0 means never chosen.
    pub weight: u32,
}

/// A GRPCRoute as attached to one listener.
#[derive(Debug, Clone)]
pub struct GrpcRoute<F, B> {
    /// Kind, namespace and name; namespace/name is a precedence tie-break.
    pub id: RouteId,
    /// Creation timestamp; older (smaller) routes win ties.
    pub creation_timestamp: i64,
    /// Route hostnames; empty means "whatever the listener accepts".
    pub hostnames: Vec<String>,
    /// Rules in list order.
    pub rules: Vec<GrpcRule<F, B>>,
}

/// One GRPCRoute rule.
#[derive(Debug, Clone)]
pub struct GrpcRule<F, B> {
    /// Matches, ORed. Empty matches every gRPC request.
    pub matches: Vec<GrpcMatch>,
    /// Opaque filters, returned as-is on a match.
    pub filters: Vec<F>,
    /// Weighted backends.
    pub backends: Vec<WeightedBackend<B>>,
}

impl<F, B> Default for GrpcRule<F, B> {
    fn default() -> Self {
        Self {
            matches: Vec::new(),
            filters: Vec::new(),
            backends: Vec::new(),
        }
    }
}

/// One GRPCRouteMatch: method condition AND header conditions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrpcMatch {
    /// Service/method condition; `None` matches every service and method.
    pub method: Option<GrpcMethodMatch>,
    /// Header conditions (first entry per case-insensitive name is used).
    pub headers: Vec<HeaderMatch>,
}

/// How a gRPC service/method condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GrpcMatchType {
    /// Case-sensitive equality.
    #[default]
    Exact,
    /// Whole-string regular expression match.
    RegularExpression,
}

/// A gRPC service and/or method condition. An absent (or empty) service or
/// method matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrpcMethodMatch {
    /// Exact or regular expression.
    pub kind: GrpcMatchType,
    /// Fully qualified service, e.g. `foo.v1.Greeter`.
    pub service: Option<String>,
    /// Method, e.g. `SayHello`.
    pub method: Option<String>,
}
