//! One-regex-at-a-time path matching: each RegularExpression path compiled
//! on its own (`regex` crate, `^(?:…)$`) and tried in precedence order
//! (longer pattern first, then pattern text), per hostname.

use std::collections::HashMap;

use gateway_api_match::PathMatch;
use regex::Regex;

use crate::{Req, Table};

/// Per-hostname lists of individually compiled path regexes.
pub struct RegexScan {
    hosts: HashMap<String, Vec<(Regex, u32)>>,
}

impl RegexScan {
    /// Collects the regex path matches of the first listener's routes.
    pub fn new(table: &Table) -> Self {
        let mut pats: HashMap<String, Vec<(String, u32)>> = HashMap::new();
        for (i, r) in table.listeners[0].http_routes.iter().enumerate() {
            for rule in &r.rules {
                for m in &rule.matches {
                    if let PathMatch::RegularExpression(p) = &m.path {
                        for h in &r.hostnames {
                            pats.entry(h.clone())
                                .or_default()
                                .push((p.clone(), i as u32));
                        }
                    }
                }
            }
        }
        let hosts = pats
            .into_iter()
            .map(|(h, mut v)| {
                v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
                let res = v
                    .into_iter()
                    .map(|(p, i)| (Regex::new(&format!("^(?:{p})$")).expect("valid"), i))
                    .collect();
                (h, res)
            })
            .collect();
        Self { hosts }
    }

    /// The first route whose regex matches the whole path.
    #[inline]
    pub fn lookup(&self, req: &Req) -> Option<u32> {
        self.hosts
            .get(&req.authority)?
            .iter()
            .find(|(re, _)| re.is_match(&req.path))
            .map(|(_, i)| *i)
    }
}
