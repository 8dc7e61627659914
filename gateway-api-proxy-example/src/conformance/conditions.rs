//! The status assertions of a test (`conditions:` of the case schema) checked against the
//! proxy's resolution, the way upstream's helpers do (`conformance/utils/kubernetes/helpers.go`:
//! `HTTPRouteMustHaveCondition`, `GatewayStatusMustHaveListeners`, `RouteParentsMustMatch`...).
//! Entries whose values are unevaluated Go expressions (`$expr`) cannot be checked and are
//! reported as such.

use gateway_api_types::v1::gateway::RouteGroupKind;
use gateway_api_validate::resolve::{ObjectKind, ObjectRef, ObjectStatus, Resolution};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

use super::CONTROLLER_NAME;
use super::case::{
    ConditionAssertion, ExpectedCondition, ListenerExpectation, ObjectKey, OrExpr, TestFile,
};

const GROUP: &str = "gateway.networking.k8s.io";

fn kind_of(kind: &str) -> Option<ObjectKind> {
    Some(match kind {
        "Gateway" => ObjectKind::Gateway,
        "ListenerSet" => ObjectKind::ListenerSet,
        "HTTPRoute" => ObjectKind::HTTPRoute,
        "GRPCRoute" => ObjectKind::GRPCRoute,
        "TLSRoute" => ObjectKind::TLSRoute,
        "TCPRoute" => ObjectKind::TCPRoute,
        "UDPRoute" => ObjectKind::UDPRoute,
        "GatewayClass" => ObjectKind::GatewayClass,
        "BackendTLSPolicy" => ObjectKind::BackendTLSPolicy,
        _ => return None,
    })
}

/// Whether `conditions` has one matching `want` (reason compared only when given).
fn has(conditions: &[Condition], want: &ExpectedCondition) -> bool {
    conditions.iter().any(|c| {
        c.type_ == want.type_
            && c.status == want.status
            && want.reason.as_deref().is_none_or(|r| c.reason == r)
    })
}

fn expected(c: &ExpectedCondition) -> String {
    let reason = c
        .reason
        .as_ref()
        .map(|r| format!("({r})"))
        .unwrap_or_default();
    format!("{}={}{reason}", c.type_, c.status)
}

fn describe(conditions: &[Condition]) -> String {
    conditions
        .iter()
        .map(|c| format!("{}={}({})", c.type_, c.status, c.reason))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One listener's status, whichever object carries it.
struct ListenerView<'a> {
    name: &'a str,
    kinds: Vec<(String, String)>,
    attached: i32,
    conditions: &'a [Condition],
}

fn kinds(k: Option<&Vec<RouteGroupKind>>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = k
        .into_iter()
        .flatten()
        .map(|k| {
            (
                k.group.as_ref().map_or(GROUP, |g| g.as_str()).to_string(),
                k.kind.as_str().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn listeners<'a>(status: &'a ObjectStatus) -> Option<Vec<ListenerView<'a>>> {
    match status {
        ObjectStatus::Gateway(s) => Some(
            s.listeners
                .iter()
                .flatten()
                .map(|l| ListenerView {
                    name: l.name.as_str(),
                    kinds: kinds(l.supported_kinds.as_ref()),
                    attached: l.attached_routes,
                    conditions: &l.conditions,
                })
                .collect(),
        ),
        ObjectStatus::ListenerSet(s) => Some(
            s.listeners
                .iter()
                .flatten()
                .map(|l| ListenerView {
                    name: l.name.as_str(),
                    kinds: kinds(l.supported_kinds.as_ref()),
                    attached: l.attached_routes,
                    conditions: &l.conditions,
                })
                .collect(),
        ),
        _ => None,
    }
}

fn object_conditions(status: &ObjectStatus) -> Option<&[Condition]> {
    match status {
        ObjectStatus::Gateway(s) => s.conditions.as_deref(),
        ObjectStatus::ListenerSet(s) => s.conditions.as_deref(),
        ObjectStatus::GatewayClass(s) => s.conditions.as_deref(),
        _ => None,
    }
}

fn parent_matches(
    p: &gateway_api_types::shared::ParentReference,
    route_ns: &str,
    want: &ObjectKey,
) -> bool {
    let ns = p.namespace.as_ref().map_or(route_ns, |n| n.as_str());
    let kind = p.kind.as_ref().map_or("Gateway", |k| k.as_str());
    p.name.as_str() == want.name
        && want.namespace.as_deref().is_none_or(|n| n == ns)
        && want.kind.as_deref().is_none_or(|k| k == kind)
}

fn check_listener(l: &ListenerView<'_>, want: &ListenerExpectation) -> Result<(), String> {
    let want_kinds: Vec<(String, String)> = want
        .supported_kinds
        .iter()
        .map(|k| {
            (
                k.group.clone().unwrap_or_else(|| GROUP.to_string()),
                k.kind.clone(),
            )
        })
        .collect();
    // Upstream (`gatewayListenersMatch`): every expected kind must be supported (an
    // implementation may support more); an empty expectation requires an empty list.
    let missing = want_kinds.iter().find(|k| !l.kinds.contains(k));
    if (want_kinds.is_empty() && !l.kinds.is_empty()) || missing.is_some() {
        return Err(format!(
            "listener {}: supportedKinds {:?}, expected {want_kinds:?}",
            l.name, l.kinds
        ));
    }
    if let Some(n) = want.attached_routes
        && i64::from(l.attached) != n
    {
        return Err(format!(
            "listener {}: attachedRoutes {}, expected {n}",
            l.name, l.attached
        ));
    }
    for c in &want.conditions {
        if !has(l.conditions, c) {
            return Err(format!(
                "listener {}: no condition {} (has {})",
                l.name,
                expected(c),
                describe(l.conditions)
            ));
        }
    }
    Ok(())
}

/// Checks one assertion; `Err` says what differs.
pub fn check(a: &ConditionAssertion, res: &Resolution) -> Result<(), String> {
    let kind = a.kind.as_deref().unwrap_or_default();
    let ns = a.namespace.clone().unwrap_or_default();
    let name = a.name.clone().unwrap_or_default();
    let what = format!("{kind} {ns}/{name}");
    if a.unresolved.is_some() || name.starts_with('$') {
        return Err(format!("{what}: not checkable (unevaluated Go expression)"));
    }
    let Some(k) = kind_of(kind) else {
        return Err(format!("{what}: kind not supported by the harness"));
    };
    let status = res
        .statuses
        .get(&ObjectRef::new(k, ns.clone(), name.clone()))
        .ok_or_else(|| format!("{what}: no status"))?;
    match a.assertion.as_deref() {
        None => {
            let want = ExpectedCondition {
                type_: a.type_.clone().unwrap_or_default(),
                status: a.status.clone().unwrap_or_default(),
                reason: a.reason.clone(),
            };
            let conditions: Vec<&[Condition]> = if let Some(parent) = &a.parent_ref {
                let ObjectStatus::Route(r) = status else {
                    return Err(format!("{what}: not a Route"));
                };
                r.parents
                    .iter()
                    .filter(|p| {
                        p.controller_name.as_str() == CONTROLLER_NAME
                            && parent_matches(&p.parent_ref, &ns, parent)
                    })
                    .map(|p| p.conditions.as_slice())
                    .collect()
            } else if let Some(listener) = &a.listener {
                let ls = listeners(status).ok_or_else(|| format!("{what}: no listeners"))?;
                let ls: Vec<&[Condition]> = ls
                    .iter()
                    .filter(|l| listener == "*" || l.name == listener)
                    .map(|l| l.conditions)
                    .collect();
                if ls.is_empty() {
                    return Err(format!("{what}: no listener {listener}"));
                }
                // Every selected listener must have it.
                for c in &ls {
                    if !has(c, &want) {
                        return Err(format!(
                            "{what}: listener condition {}={} missing (has {})",
                            want.type_,
                            want.status,
                            describe(c)
                        ));
                    }
                }
                return Ok(());
            } else {
                vec![object_conditions(status).ok_or_else(|| format!("{what}: no conditions"))?]
            };
            if conditions.is_empty() {
                return Err(format!("{what}: no status entry for that parent"));
            }
            if conditions.iter().any(|c| has(c, &want)) {
                Ok(())
            } else {
                Err(format!(
                    "{what}: expected {}={}{} (has {})",
                    want.type_,
                    want.status,
                    want.reason.map(|r| format!("({r})")).unwrap_or_default(),
                    conditions
                        .iter()
                        .map(|c| describe(c))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ))
            }
        }
        Some("listenerStatus") => {
            let ls = listeners(status).ok_or_else(|| format!("{what}: no listeners"))?;
            let Some(OrExpr::Value(wants)) = &a.listeners else {
                return Err(format!("{what}: listener expectations not checkable"));
            };
            for w in wants {
                let OrExpr::Value(w) = w else {
                    return Err(format!("{what}: listener expectation not checkable"));
                };
                let l = ls
                    .iter()
                    .find(|l| l.name == w.name)
                    .ok_or_else(|| format!("{what}: no listener {}", w.name))?;
                check_listener(l, w).map_err(|e| format!("{what}: {e}"))?;
            }
            if ls.len() != wants.len() {
                return Err(format!(
                    "{what}: {} listeners, expected {}",
                    ls.len(),
                    wants.len()
                ));
            }
            Ok(())
        }
        Some("attachedListenerSets") => {
            let ObjectStatus::Gateway(g) = status else {
                return Err(format!("{what}: not a Gateway"));
            };
            let want = a.value.as_ref().and_then(serde_json::Value::as_i64);
            let got = g.attached_listener_sets.map(i64::from).unwrap_or(0);
            if want == Some(got) {
                Ok(())
            } else {
                Err(format!(
                    "{what}: attachedListenerSets {got}, expected {want:?}"
                ))
            }
        }
        Some("parents") => {
            let ObjectStatus::Route(r) = status else {
                return Err(format!("{what}: not a Route"));
            };
            let ours: Vec<_> = r
                .parents
                .iter()
                .filter(|p| p.controller_name.as_str() == CONTROLLER_NAME)
                .collect();
            if ours.len() != a.parents.len() {
                return Err(format!(
                    "{what}: {} parent statuses, expected {}",
                    ours.len(),
                    a.parents.len()
                ));
            }
            for w in &a.parents {
                let OrExpr::Value(w) = w else {
                    return Err(format!("{what}: parent expectation not checkable"));
                };
                let p = ours
                    .iter()
                    .find(|p| parent_matches(&p.parent_ref, &ns, &w.parent_ref))
                    .ok_or_else(|| format!("{what}: no status for parent {}", w.parent_ref.name))?;
                if a.namespace_required == Some(true) && p.parent_ref.namespace.is_none() {
                    return Err(format!("{what}: parentRef namespace not set"));
                }
                for c in &w.conditions {
                    if !has(&p.conditions, c) {
                        return Err(format!(
                            "{what}: parent {}: expected {} (has {})",
                            w.parent_ref.name,
                            expected(c),
                            describe(&p.conditions)
                        ));
                    }
                }
            }
            Ok(())
        }
        Some(other) => Err(format!(
            "{what}: assertion {other} not supported by the harness"
        )),
    }
}

/// Every status assertion of `test` that fails.
pub fn failures(test: &TestFile, res: &Resolution) -> Vec<String> {
    test.conditions
        .iter()
        .filter_map(|a| check(a, res).err())
        .map(|e| format!("status: {e}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::case::ObjectKey2;
    use super::*;

    fn cond(t: &str, s: &str, r: &str) -> Condition {
        Condition {
            type_: t.into(),
            status: s.into(),
            reason: r.into(),
            message: String::new(),
            last_transition_time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
            ),
            observed_generation: None,
        }
    }

    fn want(t: &str, s: &str, r: Option<&str>) -> ExpectedCondition {
        ExpectedCondition {
            type_: t.into(),
            status: s.into(),
            reason: r.map(String::from),
        }
    }

    #[test]
    fn reason_is_compared_only_when_given() {
        let c = [cond("ResolvedRefs", "False", "RefNotPermitted")];
        assert!(has(&c, &want("ResolvedRefs", "False", None)));
        assert!(has(
            &c,
            &want("ResolvedRefs", "False", Some("RefNotPermitted"))
        ));
        assert!(!has(
            &c,
            &want("ResolvedRefs", "False", Some("BackendNotFound"))
        ));
        assert!(!has(&c, &want("ResolvedRefs", "True", None)));
    }

    #[test]
    fn listener_kinds_are_a_subset_and_routes_counted() {
        let conditions = [cond("Accepted", "True", "Accepted")];
        let l = ListenerView {
            name: "l",
            kinds: vec![
                (GROUP.into(), "GRPCRoute".into()),
                (GROUP.into(), "HTTPRoute".into()),
            ],
            attached: 2,
            conditions: &conditions,
        };
        let mut w = ListenerExpectation {
            name: "l".into(),
            supported_kinds: vec![ObjectKey2 {
                group: None,
                kind: "HTTPRoute".into(),
            }],
            conditions: vec![want("Accepted", "True", None)],
            attached_routes: Some(2),
        };
        assert_eq!(check_listener(&l, &w), Ok(()));
        w.attached_routes = Some(1);
        assert!(
            check_listener(&l, &w)
                .unwrap_err()
                .contains("attachedRoutes")
        );
        w.attached_routes = Some(2);
        w.supported_kinds.clear();
        assert!(
            check_listener(&l, &w)
                .unwrap_err()
                .contains("supportedKinds")
        );
        w.supported_kinds.push(ObjectKey2 {
            group: None,
            kind: "TLSRoute".into(),
        });
        assert!(check_listener(&l, &w).is_err());
    }
}
