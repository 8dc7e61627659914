//! Compile errors: every error names where in the table it comes from.

use std::fmt;

use crate::RouteId;

/// Where in the [`RouteTable`](crate::RouteTable) a compile error was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Listener name.
    pub listener: String,
    /// Route, if the error is inside one.
    pub route: Option<RouteId>,
    /// Rule index within the route.
    pub rule: Option<usize>,
    /// Match index within the rule.
    pub match_index: Option<usize>,
}

impl Location {
    pub(crate) fn listener(listener: &str) -> Self {
        Self {
            listener: listener.to_owned(),
            route: None,
            rule: None,
            match_index: None,
        }
    }

    pub(crate) fn route(listener: &str, route: &RouteId) -> Self {
        Self {
            route: Some(route.clone()),
            ..Self::listener(listener)
        }
    }

    pub(crate) fn at(&self, rule: usize, match_index: Option<usize>) -> Self {
        Self {
            rule: Some(rule),
            match_index,
            ..self.clone()
        }
    }
}

/// A borrowed [`Location`], cheap to copy while compiling; turned into an
/// owned one only when an error is reported.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loc<'a> {
    listener: &'a str,
    route: Option<&'a RouteId>,
    rule: Option<usize>,
    match_index: Option<usize>,
}

impl<'a> Loc<'a> {
    pub(crate) fn route(listener: &'a str, route: &'a RouteId) -> Self {
        Self {
            listener,
            route: Some(route),
            rule: None,
            match_index: None,
        }
    }

    pub(crate) fn at(self, rule: usize, match_index: Option<usize>) -> Self {
        Self {
            rule: Some(rule),
            match_index,
            ..self
        }
    }

    /// The owned location, for an error.
    pub(crate) fn owned(&self) -> Location {
        Location {
            listener: self.listener.to_owned(),
            route: self.route.cloned(),
            rule: self.rule,
            match_index: self.match_index,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "listener {:?}", self.listener)?;
        if let Some(r) = &self.route {
            write!(f, ", {} {}/{}", r.kind, r.namespace, r.name)?;
        }
        if let Some(rule) = self.rule {
            write!(f, ", rule {rule}")?;
        }
        if let Some(m) = self.match_index {
            write!(f, ", match {m}")?;
        }
        Ok(())
    }
}

/// Why [`compile`](crate::compile) rejected a table.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// A regular expression does not parse.
    #[error("{location}: invalid regular expression {pattern:?}: {message}")]
    InvalidRegex {
        /// Where.
        location: Box<Location>,
        /// The pattern as written.
        pattern: String,
        /// The parser's message.
        message: String,
    },
    /// A regular expression is longer than
    /// [`CompileOptions::max_regex_len`](crate::CompileOptions::max_regex_len).
    #[error("{location}: regular expression is {len} bytes, over the limit of {limit} bytes")]
    RegexTooLong {
        /// Where.
        location: Box<Location>,
        /// Pattern length in bytes.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A regular expression compiles to more than
    /// [`CompileOptions::regex_size_limit`](crate::CompileOptions::regex_size_limit).
    #[error("{location}: regular expression {pattern:?} exceeds the size limit of {limit} bytes")]
    RegexTooBig {
        /// Where.
        location: Box<Location>,
        /// The pattern as written.
        pattern: String,
        /// The configured limit.
        limit: usize,
    },
    /// Every path regex of one hostname compiles fine alone, but their
    /// combined multi-pattern automaton exceeds the size limit.
    #[error(
        "listener {listener:?}: the {count} path regular expressions of one hostname together exceed the size limit of {limit} bytes"
    )]
    RegexSetTooBig {
        /// Listener name.
        listener: String,
        /// Number of patterns combined.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A listener or route hostname is not a valid (wildcard) hostname.
    #[error("{location}: invalid hostname {hostname:?}: {reason}")]
    InvalidHostname {
        /// Where.
        location: Box<Location>,
        /// The hostname as written.
        hostname: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header name is not a valid HTTP header name.
    #[error("{location}: invalid header name {name:?}")]
    InvalidHeaderName {
        /// Where.
        location: Box<Location>,
        /// The name as written.
        name: String,
    },
    /// An Exact or PathPrefix path does not start with `/`.
    #[error("{location}: path {path:?} does not start with '/'")]
    InvalidPath {
        /// Where.
        location: Box<Location>,
        /// The path as written.
        path: String,
    },
}
