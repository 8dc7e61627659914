//! `gwproxy check`: read manifests, validate every object, resolve them together, report per
//! object.
//!
//! 1. Every document is parsed and validated on its own, as the API server would (part 1).
//! 2. The objects without errors (those the API server would have stored) are resolved together
//!    ([`gateway_api_validate::resolve::resolve`]) for one controller: `--controller-name`, or by
//!    default the `spec.controllerName` shared by every GatewayClass read. When the
//!    GatewayClasses name several controllers, the name must be given (usage error otherwise);
//!    when there is no GatewayClass, nothing is owned. The controller is assumed to support
//!    every feature of the channel (`--channel`) except the mesh ones.
//! 3. Each object gets the status subresource the controller would write, or `null` when the
//!    controller does not own it (other controllers' classes, invalid objects, Services...).
//!
//! The check passes (exit 0) when every object is valid and every owned object is accepted:
//! GatewayClasses, Gateways and ListenerSets `Accepted=True`, every listener of an owned Gateway
//! or ListenerSet `Accepted=True`, every parent entry this controller writes on a Route and
//! every ancestor entry on a policy `Accepted=True`. Unresolved references (`ResolvedRefs=False`,
//! for instance a Service not among the manifests) do not fail the check.
//!
//! Output (JSON form): `{"objects":[{"apiVersion","kind","namespace","name","source","errors":
//! [{"field","message"}],"status":…}],"summary":{…}}`, `status` being exactly the status
//! subresource. The text form prints one line per problem: validation errors, and conditions
//! `Accepted` that are not `True` with their reason and message.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use gateway_api_types::document::DocumentErrorKind;
use gateway_api_types::features::{FeatureKind, SupportedFeatureName, all_features_of};
use gateway_api_types::{Channel, GatewayObject, parse_documents};
use gateway_api_validate::resolve::{
    Config, ObjectKind, ObjectRef, ObjectStatus, Snapshot, resolve,
};
use gateway_api_validate::validate_manifest;
use serde_json::{Value, json};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line per problem, for people (colour on a terminal).
    Text,
    /// One JSON document, for tools.
    Json,
}

/// What `check` needs besides the manifests.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The channel whose CRDs the cluster has.
    pub channel: Channel,
    /// The controller whose objects get a status; `None`: the one every GatewayClass names.
    pub controller_name: Option<String>,
}

/// One field-level problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// Field path (`spec.rules[0].matches[0].path.value`), empty for the whole object.
    pub field: String,
    /// What is wrong, in the API server's words.
    pub message: String,
}

/// The verdict on one object (or one unreadable document).
#[derive(Clone, Debug)]
pub struct ObjectReport {
    /// `apiVersion`, when known.
    pub api_version: Option<String>,
    /// `kind`, when known.
    pub kind: Option<String>,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: Option<String>,
    /// `file:line`.
    pub source: String,
    /// Problems found; empty when valid.
    pub errors: Vec<FieldProblem>,
    /// The status the controller would write (`None` when it does not own the object).
    pub status: Option<Value>,
    /// Conditions `Accepted` that are not `True` in that status (one line each).
    pub not_accepted: Vec<String>,
}

/// Totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects (and unreadable documents) seen.
    pub objects: usize,
    /// Gateway API objects checked.
    pub gateway_api_objects: usize,
    /// Objects without problems.
    pub valid: usize,
    /// Objects (or documents) with problems.
    pub invalid: usize,
    /// Problems in all.
    pub errors: usize,
    /// Objects the controller owns (they have a status).
    pub owned: usize,
    /// Owned objects not accepted (or with a listener or parent not accepted).
    pub not_accepted: usize,
    /// The controller the objects were resolved for.
    pub controller_name: Option<String>,
}

/// The result of a check.
#[derive(Clone, Debug, Default)]
pub struct CheckOutput {
    /// One entry per object, in input order.
    pub objects: Vec<ObjectReport>,
    /// Totals.
    pub summary: Summary,
    /// A usage error found in the input (several controllers and no `--controller-name`).
    pub usage_error: Option<String>,
}

/// Reading the inputs failed.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A path could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// No manifest file was found under the given paths.
    #[error("no manifest files (*.yaml, *.yml, *.json) under {0}")]
    NoFiles(String),
}

/// Reads every manifest file under `paths` (files, or directories searched recursively for
/// `*.yaml`, `*.yml`, `*.json`), in a stable order.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<(String, String)>, InputError> {
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| InputError::Io {
            path: p.clone(),
            source: e,
        })?;
        if meta.is_dir() {
            collect(p, &mut files)?;
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        let list = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(InputError::NoFiles(list));
    }
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).map_err(|e| InputError::Io {
                path: f.clone(),
                source: e,
            })?;
            Ok((f.display().to_string(), text))
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out)?;
        } else if p
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Checks the given `(source name, text)` manifests.
pub fn check_sources(sources: &[(String, String)], options: &CheckOptions) -> CheckOutput {
    let mut out = CheckOutput::default();
    // Valid objects, with the index of their report.
    let mut valid: Vec<(usize, GatewayObject)> = Vec::new();
    for (name, text) in sources {
        for doc in parse_documents(name, text) {
            let mut object = None;
            let report = match doc {
                Ok(doc) => {
                    let meta = doc.object.metadata();
                    let mut r = ObjectReport {
                        api_version: Some(doc.object.api_version().to_string()),
                        kind: Some(doc.object.kind().to_string()),
                        namespace: meta.namespace.clone(),
                        name: meta.name.clone(),
                        source: format!("{}:{}", doc.location.source, doc.location.line),
                        errors: Vec::new(),
                        status: None,
                        not_accepted: Vec::new(),
                    };
                    if !matches!(doc.object, GatewayObject::Other(_)) {
                        out.summary.gateway_api_objects += 1;
                        r.errors = validate_manifest(&doc.object, options.channel)
                            .violations
                            .iter()
                            .map(|v| FieldProblem {
                                field: v.field.clone(),
                                message: v.body(),
                            })
                            .collect();
                    }
                    object = Some(doc.object);
                    r
                }
                Err(e) => {
                    let (kind, name) = match e.object.as_deref().and_then(|o| o.split_once(' ')) {
                        Some((k, n)) => (Some(k.to_string()), Some(n.to_string())),
                        None => (None, None),
                    };
                    let (namespace, name) = match name.as_deref().and_then(|n| n.split_once('/')) {
                        Some((ns, n)) => (Some(ns.to_string()), Some(n.to_string())),
                        None => (None, name),
                    };
                    let (field, message) = match &e.kind {
                        DocumentErrorKind::Field(f) => (f.field.clone(), f.message.clone()),
                        other => (String::new(), other.to_string()),
                    };
                    ObjectReport {
                        api_version: None,
                        kind,
                        namespace,
                        name,
                        source: format!("{}:{}", e.location.source, e.location.line),
                        errors: vec![FieldProblem { field, message }],
                        status: None,
                        not_accepted: Vec::new(),
                    }
                }
            };
            if let Some(o) = object.filter(|_| report.errors.is_empty()) {
                valid.push((out.objects.len(), o));
            }
            out.objects.push(report);
        }
    }
    resolve_objects(&mut out, valid, options);
    for report in &out.objects {
        out.summary.objects += 1;
        if report.errors.is_empty() {
            out.summary.valid += 1;
        } else {
            out.summary.invalid += 1;
            out.summary.errors += report.errors.len();
        }
        if report.status.is_some() {
            out.summary.owned += 1;
        }
        if !report.not_accepted.is_empty() {
            out.summary.not_accepted += 1;
        }
    }
    out
}

/// The controller to resolve for: the given one, else the one every GatewayClass names.
fn controller_name(
    objects: &[(usize, GatewayObject)],
    given: Option<&String>,
) -> Result<Option<String>, String> {
    if let Some(g) = given {
        return Ok(Some(g.clone()));
    }
    let names: std::collections::BTreeSet<String> = objects
        .iter()
        .filter_map(|(_, o)| match o {
            GatewayObject::GatewayClass(c) => Some(c.spec.controller_name.to_string()),
            GatewayObject::GatewayClassV1beta1(c) => Some(c.spec.controller_name.to_string()),
            _ => None,
        })
        .collect();
    match names.len() {
        0 | 1 => Ok(names.into_iter().next()),
        _ => Err(format!(
            "the GatewayClasses name several controllers ({}): choose one with --controller-name",
            names.into_iter().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Every feature of `channel` except the mesh ones.
fn features(channel: Channel) -> Vec<SupportedFeatureName> {
    channel_features(
        FeatureKind::ALL
            .iter()
            .copied()
            .filter(|k| *k != FeatureKind::Mesh),
        channel,
    )
}

/// The features of `kinds` that exist in `channel` (the experimental channel has them all).
pub(crate) fn channel_features(
    kinds: impl Iterator<Item = FeatureKind>,
    channel: Channel,
) -> Vec<SupportedFeatureName> {
    kinds
        .flat_map(all_features_of)
        .filter(|f| channel == Channel::Experimental || f.channel == Channel::Standard)
        .map(|f| f.name.clone())
        .collect()
}

/// The identity the resolver gives an object, `None` for kinds it does not know.
fn object_ref(o: &GatewayObject) -> Option<ObjectRef> {
    let kind = ObjectKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == o.kind())?;
    let m = o.metadata();
    Some(ObjectRef::new(
        kind,
        m.namespace.clone().unwrap_or_default(),
        m.name.clone().unwrap_or_default(),
    ))
}

/// Resolves the valid objects together and fills statuses and not-accepted lines.
fn resolve_objects(
    out: &mut CheckOutput,
    valid: Vec<(usize, GatewayObject)>,
    options: &CheckOptions,
) {
    let controller = match controller_name(&valid, options.controller_name.as_ref()) {
        Ok(Some(c)) => c,
        Ok(None) => return,
        Err(e) => {
            out.usage_error = Some(e);
            return;
        }
    };
    out.summary.controller_name = Some(controller.clone());
    let mut snapshot = Snapshot::new();
    let mut ids: Vec<(usize, ObjectRef)> = Vec::new();
    for (i, o) in &valid {
        if let Err(e) = snapshot.insert(o) {
            if let Some(r) = out.objects.get_mut(*i) {
                r.errors.push(FieldProblem {
                    field: String::new(),
                    message: e.to_string(),
                });
            }
            continue;
        }
        if let Some(id) = object_ref(o) {
            ids.push((*i, id));
        }
    }
    let config = Config::new(controller.clone()).with_features(features(options.channel));
    let resolution = resolve(&snapshot, &config);
    for (i, id) in ids {
        let (Some(status), Some(report)) = (resolution.statuses.get(&id), out.objects.get_mut(i))
        else {
            continue;
        };
        let value = match status {
            ObjectStatus::GatewayClass(s) => serde_json::to_value(s),
            ObjectStatus::Gateway(s) => serde_json::to_value(s),
            ObjectStatus::ListenerSet(s) => serde_json::to_value(s),
            ObjectStatus::Route(s) => serde_json::to_value(s),
            ObjectStatus::Policy(s) => serde_json::to_value(s),
        }
        .unwrap_or(Value::Null);
        report.not_accepted = not_accepted(&value, &controller);
        report.status = Some(value);
    }
}

/// `Accepted` conditions that are not `True` in a status: the object's own, its listeners',
/// and the parent/ancestor entries `controller` writes.
fn not_accepted(status: &Value, controller: &str) -> Vec<String> {
    fn accepted(conditions: Option<&Value>, what: &str, out: &mut Vec<String>) {
        for c in conditions.and_then(Value::as_array).into_iter().flatten() {
            if c["type"] == "Accepted" && c["status"] != "True" {
                let prefix = if what.is_empty() {
                    String::new()
                } else {
                    format!("{what}: ")
                };
                out.push(format!(
                    "{prefix}not accepted ({}): {}",
                    c["reason"].as_str().unwrap_or_default(),
                    c["message"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    fn reference(r: &Value) -> String {
        let kind = r["kind"].as_str().unwrap_or("Gateway");
        let name = r["name"].as_str().unwrap_or_default();
        let mut s = match r["namespace"].as_str() {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        };
        if let Some(section) = r["sectionName"].as_str() {
            s.push_str(&format!(" section {section}"));
        }
        if let Some(port) = r["port"].as_i64() {
            s.push_str(&format!(" port {port}"));
        }
        s
    }
    let mut out = Vec::new();
    accepted(status.get("conditions"), "", &mut out);
    for l in status
        .get("listeners")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let what = format!("listener {}", l["name"].as_str().unwrap_or_default());
        accepted(l.get("conditions"), &what, &mut out);
    }
    for (list, reference_field) in [("parents", "parentRef"), ("ancestors", "ancestorRef")] {
        for p in status
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p["controllerName"] == controller)
        {
            let what = format!("parent {}", reference(&p[reference_field]));
            accepted(p.get("conditions"), &what, &mut out);
        }
    }
    out
}

impl CheckOutput {
    /// Whether every object is valid and every owned object accepted (exit code 0).
    pub fn ok(&self) -> bool {
        self.summary.invalid == 0 && self.summary.not_accepted == 0 && self.usage_error.is_none()
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        let objects: Vec<Value> = self
            .objects
            .iter()
            .map(|o| {
                json!({
                    "apiVersion": o.api_version,
                    "kind": o.kind,
                    "namespace": o.namespace,
                    "name": o.name,
                    "source": o.source,
                    "errors": o.errors.iter().map(|e| json!({"field": e.field, "message": e.message})).collect::<Vec<_>>(),
                    "status": o.status,
                })
            })
            .collect();
        let s = &self.summary;
        json!({
            "objects": objects,
            "summary": {
                "objects": s.objects,
                "gatewayApiObjects": s.gateway_api_objects,
                "valid": s.valid,
                "invalid": s.invalid,
                "errors": s.errors,
                "owned": s.owned,
                "notAccepted": s.not_accepted,
                "controllerName": s.controller_name,
            },
        })
    }

    /// Renders the output; `color` adds ANSI colours to the text form.
    pub fn render(&self, format: Format, color: bool) -> String {
        match format {
            Format::Json => format!("{}\n", self.to_json()),
            Format::Text => {
                let (red, yellow, bold, reset) = if color {
                    ("\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m")
                } else {
                    ("", "", "", "")
                };
                let mut s = String::new();
                for o in &self.objects {
                    let who = match (&o.kind, &o.namespace, &o.name) {
                        (Some(k), Some(ns), Some(n)) => format!("{k} {ns}/{n}"),
                        (Some(k), None, Some(n)) => format!("{k} {n}"),
                        (Some(k), _, None) => k.clone(),
                        _ => "document".to_string(),
                    };
                    for e in &o.errors {
                        let field = if e.field.is_empty() {
                            String::new()
                        } else {
                            format!("{}: ", e.field)
                        };
                        s.push_str(&format!(
                            "{}: {bold}{who}{reset}: {red}{field}{}{reset}\n",
                            o.source, e.message
                        ));
                    }
                    for line in &o.not_accepted {
                        s.push_str(&format!(
                            "{}: {bold}{who}{reset}: {yellow}{line}{reset}\n",
                            o.source
                        ));
                    }
                }
                let sm = &self.summary;
                s.push_str(&format!(
                    "{} objects ({} Gateway API): {} valid, {} invalid, {} problems\n",
                    sm.objects, sm.gateway_api_objects, sm.valid, sm.invalid, sm.errors
                ));
                match &sm.controller_name {
                    Some(c) => s.push_str(&format!(
                        "controller {c}: {} owned objects, {} not accepted\n",
                        sm.owned, sm.not_accepted
                    )),
                    None => s.push_str("no GatewayClass: no object is owned by a controller\n"),
                }
                s
            }
        }
    }
}

/// Whether standard output is a terminal (for colour).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(yaml: &str) -> CheckOutput {
        check_sources(
            &[("t.yaml".to_string(), yaml.to_string())],
            &CheckOptions {
                channel: Channel::Standard,
                controller_name: None,
            },
        )
    }

    #[test]
    fn reports_field_errors_with_source_lines_and_keeps_going() {
        let out = run(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\n---\n\
             apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: bad}\n\
             spec: {controllerName: nope}\n---\nnot: [valid\n",
        );
        assert_eq!(out.summary.objects, 3);
        assert_eq!(out.summary.invalid, 2);
        assert_eq!(out.objects[1].source, "t.yaml:5");
        assert_eq!(out.objects[1].errors[0].field, "spec.controllerName");
        let json = out.to_json();
        assert_eq!(json["objects"][1]["kind"], "GatewayClass");
        assert_eq!(json["objects"][1]["status"], Value::Null);
        assert!(!out.ok());
        let text = out.render(Format::Text, false);
        assert!(
            text.contains("t.yaml:5: GatewayClass bad: spec.controllerName: Invalid value"),
            "{text}"
        );
    }
}
