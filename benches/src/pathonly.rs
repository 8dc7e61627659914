//! `matchit` on the path-only subset: Exact paths as static routes, each
//! PathPrefix `/p` as `/p` plus `/p/{*rest}` (segment-aware, like the spec).

use gateway_api_match::PathMatch;

use crate::Table;

/// A `matchit` router over the path-only routes of the first listener.
pub struct MatchitRouter {
    router: matchit::Router<u32>,
    /// Routes `matchit` refused (conflicts); 0 for the bench tables.
    pub rejected: usize,
}

impl MatchitRouter {
    /// Inserts every Exact and PathPrefix match of rules without other
    /// conditions; the value is the route index.
    pub fn new(table: &Table) -> Self {
        let mut router = matchit::Router::new();
        let mut rejected = 0;
        for (i, r) in table.listeners[0].http_routes.iter().enumerate() {
            for rule in &r.rules {
                for m in &rule.matches {
                    let v = i as u32;
                    let ok = match &m.path {
                        PathMatch::Exact(p) => router.insert(p.clone(), v).is_ok(),
                        PathMatch::PathPrefix(p) => {
                            let p = p.trim_end_matches('/');
                            router.insert(format!("{p}/{{*rest}}"), v).is_ok()
                                && (p.is_empty() || router.insert(p.to_owned(), v).is_ok())
                        }
                        PathMatch::RegularExpression(_) => false,
                    };
                    rejected += usize::from(!ok);
                }
            }
        }
        Self { router, rejected }
    }

    /// The route index matching `path`.
    #[inline]
    pub fn lookup(&self, path: &str) -> Option<u32> {
        self.router.at(path).ok().map(|m| *m.value)
    }
}
