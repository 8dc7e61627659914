//! `gwproxy check`: read manifests, validate every object, report per object.
//!
//! Output (JSON form): `{"objects":[{"apiVersion","kind","namespace","name","source","errors":
//! [{"field","message"}],"status":…}],"summary":{…}}`. `status` is the status subresource a
//! controller would write; it is `null` until the resolver (cross-object semantics) exists, and
//! always `null` for objects the controller does not own.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use gateway_api_types::document::DocumentErrorKind;
use gateway_api_types::{Channel, GatewayObject, parse_documents};
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
    /// The controller whose objects get a status (used by the resolver).
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
    /// The status the controller would write (`None` until resolved, or not owned).
    pub status: Option<Value>,
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
}

/// The result of a check.
#[derive(Clone, Debug, Default)]
pub struct CheckOutput {
    /// One entry per object, in input order.
    pub objects: Vec<ObjectReport>,
    /// Totals.
    pub summary: Summary,
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
    for (name, text) in sources {
        for doc in parse_documents(name, text) {
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
                    }
                }
            };
            out.summary.objects += 1;
            if report.errors.is_empty() {
                out.summary.valid += 1;
            } else {
                out.summary.invalid += 1;
                out.summary.errors += report.errors.len();
            }
            out.objects.push(report);
        }
    }
    out
}

impl CheckOutput {
    /// Whether every object is valid (exit code 0).
    pub fn ok(&self) -> bool {
        self.summary.invalid == 0
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
            },
        })
    }

    /// Renders the output; `color` adds ANSI colours to the text form.
    pub fn render(&self, format: Format, color: bool) -> String {
        match format {
            Format::Json => format!("{}\n", self.to_json()),
            Format::Text => {
                let (red, bold, reset) = if color {
                    ("\x1b[31m", "\x1b[1m", "\x1b[0m")
                } else {
                    ("", "", "")
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
                }
                let sm = &self.summary;
                s.push_str(&format!(
                    "{} objects ({} Gateway API): {} valid, {} invalid, {} problems\n",
                    sm.objects, sm.gateway_api_objects, sm.valid, sm.invalid, sm.errors
                ));
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
