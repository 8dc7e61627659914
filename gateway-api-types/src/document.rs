//! Reading manifests: multi-document YAML or JSON, `List` objects, into typed objects.
//!
//! Every document becomes a [`Document`] (a typed [`GatewayObject`] with where it came from) or
//! a [`DocumentError`] naming the source, document index, line, object and field path. One bad
//! document never hides the others: [`parse_documents`] returns a result per document.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{v1, v1alpha2, v1alpha3, v1beta1};

/// The Gateway API groups.
pub const GROUP: &str = "gateway.networking.k8s.io";
/// The experimental group of the `X*` kinds.
pub const X_GROUP: &str = "gateway.networking.x-k8s.io";

macro_rules! gateway_objects {
    ($( $(#[$cfg:meta])* $variant:ident => $ty:ty, $api_version:literal, $kind:literal; )+) => {
        /// A parsed object: one variant per Gateway API kind and version, or [`GatewayObject::Other`]
        /// for anything else (Services, Secrets, Namespaces, EndpointSlices...).
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)]
        pub enum GatewayObject {
            $(
                $(#[$cfg])*
                #[doc = concat!("`", $api_version, "` `", $kind, "`.")]
                $variant(Box<$ty>),
            )+
            /// An object of another API (kept as JSON).
            Other(Box<OtherObject>),
        }

        impl GatewayObject {
            /// The `apiVersion` of the object.
            pub fn api_version(&self) -> &str {
                match self {
                    $( $(#[$cfg])* Self::$variant(_) => $api_version, )+
                    Self::Other(o) => &o.api_version,
                }
            }

            /// The `kind` of the object.
            pub fn kind(&self) -> &str {
                match self {
                    $( $(#[$cfg])* Self::$variant(_) => $kind, )+
                    Self::Other(o) => &o.kind,
                }
            }

            /// The object's metadata.
            pub fn metadata(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                match self {
                    $( $(#[$cfg])* Self::$variant(o) => &o.metadata, )+
                    Self::Other(o) => &o.metadata,
                }
            }

            /// The object as JSON, as it would be written back.
            pub fn to_value(&self) -> Result<Value, serde_json::Error> {
                match self {
                    $( $(#[$cfg])* Self::$variant(o) => serde_json::to_value(o), )+
                    Self::Other(o) => Ok(o.value.clone()),
                }
            }

            /// Parses a JSON object whose `apiVersion`/`kind` are known to this crate. Returns
            /// `Ok(None)` for an apiVersion/kind this crate has no type for.
            fn typed(api_version: &str, kind: &str, value: Value) -> Result<Option<Self>, FieldError> {
                Ok(Some(match (api_version, kind) {
                    $( $(#[$cfg])* ($api_version, $kind) => Self::$variant(Box::new(from_value_at_path(value)?)), )+
                    _ => return Ok(None),
                }))
            }

            /// Fills in the CRD defaults of this build's channel, as the API server would
            /// (see [`crate::GatewayApiResource::apply_defaults`]). Other objects are unchanged.
            pub fn apply_defaults(&mut self) -> Result<(), serde_json::Error> {
                match self {
                    $( $(#[$cfg])* Self::$variant(o) => crate::GatewayApiResource::apply_defaults(o.as_mut()), )+
                    Self::Other(_) => Ok(()),
                }
            }

            /// The CRD schema of this object's kind and version in `channel` (`None` for
            /// [`GatewayObject::Other`]).
            pub fn schema(&self, channel: crate::Channel) -> Option<Value> {
                match self {
                    $( $(#[$cfg])* Self::$variant(_) => Some(<$ty as crate::GatewayApiResource>::schema(channel)), )+
                    Self::Other(_) => None,
                }
            }

            /// [`GatewayObject::schema`], computed once per kind, version and channel.
            pub fn channel_schema(&self, channel: crate::Channel) -> Option<&'static Value> {
                match self {
                    $( $(#[$cfg])* Self::$variant(_) => Some(<$ty as crate::GatewayApiResource>::channel_schema(channel)), )+
                    Self::Other(_) => None,
                }
            }

            /// What the API server stores for this object under the CRDs of `channel`: fields
            /// the channel does not define are pruned, then defaults are applied.
            pub fn normalized(&self, channel: crate::Channel) -> Result<Self, serde_json::Error> {
                let Some(schema) = self.channel_schema(channel) else { return Ok(self.clone()) };
                let mut v = self.to_value()?;
                crate::defaults::prune_unknown_fields(&mut v, schema);
                crate::defaults::apply_defaults(&mut v, schema);
                Ok(match self {
                    $( $(#[$cfg])* Self::$variant(_) => Self::$variant(Box::new(serde_json::from_value(v)?)), )+
                    Self::Other(o) => Self::Other(o.clone()),
                })
            }

            /// Every Gateway API `(apiVersion, kind)` this build knows.
            pub fn known_kinds() -> &'static [(&'static str, &'static str)] {
                &[$( $(#[$cfg])* ($api_version, $kind), )+]
            }
        }
    };
}

gateway_objects! {
    GatewayClass => v1::GatewayClass, "gateway.networking.k8s.io/v1", "GatewayClass";
    GatewayClassV1beta1 => v1beta1::GatewayClass, "gateway.networking.k8s.io/v1beta1", "GatewayClass";
    Gateway => v1::Gateway, "gateway.networking.k8s.io/v1", "Gateway";
    GatewayV1beta1 => v1beta1::Gateway, "gateway.networking.k8s.io/v1beta1", "Gateway";
    ListenerSet => v1::ListenerSet, "gateway.networking.k8s.io/v1", "ListenerSet";
    HTTPRoute => v1::HTTPRoute, "gateway.networking.k8s.io/v1", "HTTPRoute";
    HTTPRouteV1beta1 => v1beta1::HTTPRoute, "gateway.networking.k8s.io/v1beta1", "HTTPRoute";
    GRPCRoute => v1::GRPCRoute, "gateway.networking.k8s.io/v1", "GRPCRoute";
    TLSRoute => v1::TLSRoute, "gateway.networking.k8s.io/v1", "TLSRoute";
    TLSRouteV1alpha2 => v1alpha2::TLSRoute, "gateway.networking.k8s.io/v1alpha2", "TLSRoute";
    TLSRouteV1alpha3 => v1alpha3::TLSRoute, "gateway.networking.k8s.io/v1alpha3", "TLSRoute";
    TCPRoute => v1::TCPRoute, "gateway.networking.k8s.io/v1", "TCPRoute";
    TCPRouteV1alpha2 => v1alpha2::TCPRoute, "gateway.networking.k8s.io/v1alpha2", "TCPRoute";
    UDPRoute => v1::UDPRoute, "gateway.networking.k8s.io/v1", "UDPRoute";
    UDPRouteV1alpha2 => v1alpha2::UDPRoute, "gateway.networking.k8s.io/v1alpha2", "UDPRoute";
    ReferenceGrant => v1::ReferenceGrant, "gateway.networking.k8s.io/v1", "ReferenceGrant";
    ReferenceGrantV1beta1 => v1beta1::ReferenceGrant, "gateway.networking.k8s.io/v1beta1", "ReferenceGrant";
    BackendTLSPolicy => v1::BackendTLSPolicy, "gateway.networking.k8s.io/v1", "BackendTLSPolicy";
    BackendTLSPolicyV1alpha3 => v1alpha3::BackendTLSPolicy, "gateway.networking.k8s.io/v1alpha3", "BackendTLSPolicy";
    #[cfg(feature = "experimental")]
    XBackend => crate::x::v1alpha1::XBackend, "gateway.networking.x-k8s.io/v1alpha1", "XBackend";
    #[cfg(feature = "experimental")]
    XBackendTrafficPolicy => crate::x::v1alpha1::XBackendTrafficPolicy, "gateway.networking.x-k8s.io/v1alpha1", "XBackendTrafficPolicy";
    #[cfg(feature = "experimental")]
    XMesh => crate::x::v1alpha1::XMesh, "gateway.networking.x-k8s.io/v1alpha1", "XMesh";
}

/// An object that is not a Gateway API kind, kept as JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct OtherObject {
    /// Its `apiVersion`.
    pub api_version: String,
    /// Its `kind`.
    pub kind: String,
    /// Its metadata (parsed; unknown metadata fields are ignored here but kept in `value`).
    pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    /// The whole object.
    pub value: Value,
}

/// A parsed document and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// Where the object was read.
    pub location: Location,
    /// The object.
    pub object: GatewayObject,
}

/// Where a document was read: source name (usually a file path), index of the document in the
/// source (0-based; items of a `List` share their list's index), and 1-based line of its start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// Source name, usually a file path.
    pub source: String,
    /// Index of the document in the source (0-based).
    pub index: usize,
    /// Line where the document (or `List` item) starts, 1-based.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} (document {})",
            self.source,
            self.line,
            self.index + 1
        )
    }
}

/// A field-level deserialization problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Kubernetes-style field path (`spec.rules[0].matches[1].path.value`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What is wrong with a document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentErrorKind {
    /// Not valid YAML/JSON.
    #[error("invalid YAML: {0}")]
    Syntax(String),
    /// Not a mapping, or no `apiVersion`/`kind`.
    #[error("not a Kubernetes object: {0}")]
    NotAnObject(String),
    /// A kind of a Gateway API group that this crate (or this build's channel) does not know.
    #[error("unknown kind {kind} in {api_version}{hint}")]
    UnknownKind {
        /// The `apiVersion`.
        api_version: String,
        /// The `kind`.
        kind: String,
        /// Extra advice (for example enabling the `experimental` feature).
        hint: String,
    },
    /// A field has the wrong type or shape.
    #[error("field {}: {}", .0.field, .0.message)]
    Field(FieldError),
}

/// A document that could not be read into a typed object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {}{kind}", object.as_ref().map(|o| format!("{o}: ")).unwrap_or_default())]
pub struct DocumentError {
    /// Where the document is.
    pub location: Location,
    /// `Kind namespace/name` of the object, when it got that far.
    pub object: Option<String>,
    /// What is wrong.
    pub kind: DocumentErrorKind,
}

/// Deserializes `value`, reporting the failing field's path in Kubernetes form.
fn from_value_at_path<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| FieldError {
        field: kube_path(&e.path().to_string()),
        message: e.into_inner().to_string(),
    })
}

/// `spec.rules[0].matches` from serde_path_to_error's `spec.rules[0].matches` or `.`.
fn kube_path(p: &str) -> String {
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

/// Splits a YAML stream into documents at `---` lines, returning each with its 1-based
/// starting line.
fn split_documents(text: &str) -> Vec<(usize, String)> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut start = 1;
    for (i, line) in text.lines().enumerate() {
        let is_separator = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if is_separator || line == "..." {
            if !current.trim().is_empty() {
                docs.push((start, std::mem::take(&mut current)));
            }
            current.clear();
            start = i + 2;
            if let Some(rest) = line.strip_prefix("---").filter(|r| !r.trim().is_empty()) {
                current.push_str(rest.trim_start());
                current.push('\n');
                start = i + 1;
            }
            continue;
        }
        if current.is_empty() && line.trim().is_empty() {
            start = i + 2;
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    if !current.trim().is_empty() {
        docs.push((start, current));
    }
    docs
}

/// `Kind namespace/name` (or `Kind name`) for messages.
fn describe(value: &Value) -> Option<String> {
    let kind = value.get("kind")?.as_str()?;
    let meta = value.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>");
    Some(
        match meta
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
        {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        },
    )
}

/// Parses one JSON value (already read from YAML/JSON) into typed objects; `List`s expand.
pub fn parse_value(value: Value, location: &Location) -> Vec<Result<Document, DocumentError>> {
    let err = |object: Option<String>, kind| DocumentError {
        location: location.clone(),
        object,
        kind,
    };
    let Some(obj) = value.as_object() else {
        return vec![Err(err(
            None,
            DocumentErrorKind::NotAnObject("the document is not a mapping".into()),
        ))];
    };
    let api_version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if api_version.is_empty() || kind.is_empty() {
        return vec![Err(err(
            describe(&value),
            DocumentErrorKind::NotAnObject("apiVersion and kind are required".into()),
        ))];
    }
    if kind == "List" || (kind.ends_with("List") && obj.contains_key("items")) {
        let items = obj
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        return items
            .into_iter()
            .flat_map(|item| parse_value(item, location))
            .collect();
    }
    let object = describe(&value);
    let group = api_version.split('/').next().unwrap_or_default();
    match GatewayObject::typed(&api_version, &kind, value.clone()) {
        Ok(Some(o)) => vec![Ok(Document {
            location: location.clone(),
            object: o,
        })],
        Ok(None) if group == GROUP || group == X_GROUP => {
            let hint = if group == X_GROUP && !cfg!(feature = "experimental") {
                " (the gateway.networking.x-k8s.io kinds need the `experimental` feature)"
                    .to_string()
            } else {
                String::new()
            };
            vec![Err(err(
                object,
                DocumentErrorKind::UnknownKind {
                    api_version,
                    kind,
                    hint,
                },
            ))]
        }
        Ok(None) => {
            let metadata = obj
                .get("metadata")
                .cloned()
                .and_then(|m| serde_json::from_value(m).ok())
                .unwrap_or_default();
            vec![Ok(Document {
                location: location.clone(),
                object: GatewayObject::Other(Box::new(OtherObject {
                    api_version,
                    kind,
                    metadata,
                    value,
                })),
            })]
        }
        Err(e) => vec![Err(err(object, DocumentErrorKind::Field(e)))],
    }
}

/// Parses every document of a YAML (or JSON) text. `source` names it in errors.
pub fn parse_documents(source: &str, text: &str) -> Vec<Result<Document, DocumentError>> {
    let mut out = Vec::new();
    for (index, (line, doc)) in split_documents(text).into_iter().enumerate() {
        let location = Location {
            source: source.to_string(),
            index,
            line,
        };
        match serde_saphyr::from_str::<Value>(&doc) {
            Ok(Value::Null) => {}
            Ok(value) => out.extend(parse_value(value, &location)),
            Err(e) => out.push(Err(DocumentError {
                location,
                object: None,
                kind: DocumentErrorKind::Syntax(e.to_string()),
            })),
        }
    }
    out
}

// The error is as large as the location and object it names; documents fail rarely.
#[allow(clippy::result_large_err)]
/// Parses a single YAML document into a typed object (`HTTPRoute`, `Gateway`...), with field
/// paths in errors.
pub fn from_yaml<T: DeserializeOwned>(text: &str) -> Result<T, DocumentError> {
    let location = Location {
        source: "<input>".into(),
        index: 0,
        line: 1,
    };
    let value: Value = serde_saphyr::from_str(text).map_err(|e| DocumentError {
        location: location.clone(),
        object: None,
        kind: DocumentErrorKind::Syntax(e.to_string()),
    })?;
    let object = describe(&value);
    from_value_at_path(value).map_err(|e| DocumentError {
        location,
        object,
        kind: DocumentErrorKind::Field(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_channel_schema_is_the_channel_schema() {
        let text = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: a, namespace: d}\nspec: {}\n";
        let doc = parse_documents("f.yaml", text).remove(0).unwrap();
        for channel in [crate::Channel::Standard, crate::Channel::Experimental] {
            let cached = doc.object.channel_schema(channel).cloned();
            assert_eq!(cached, doc.object.schema(channel));
            assert!(cached.is_some());
        }
        assert_ne!(
            doc.object.channel_schema(crate::Channel::Standard),
            doc.object.channel_schema(crate::Channel::Experimental)
        );
    }

    #[test]
    fn splits_documents_with_lines() {
        let docs = split_documents("a: 1\n---\n\nb: 2\n--- \n---\nc: 3\n");
        assert_eq!(docs.iter().map(|d| d.0).collect::<Vec<_>>(), vec![1, 4, 7]);
    }

    #[test]
    fn wrong_field_type_names_document_object_and_path() {
        let text = "kind: GatewayClass\napiVersion: gateway.networking.k8s.io/v1\nmetadata: {name: a}\nspec: {controllerName: x/y}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: bad}\nspec:\n  controllerName: [1]\n";
        let out = parse_documents("f.yaml", text);
        assert_eq!(out.len(), 2);
        assert!(out[0].is_ok());
        let e = out[1].as_ref().unwrap_err();
        assert_eq!(e.location.line, 6);
        assert_eq!(e.object.as_deref(), Some("GatewayClass bad"));
        match &e.kind {
            DocumentErrorKind::Field(f) => assert_eq!(f.field, "spec.controllerName"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(
            e.to_string()
                .starts_with("f.yaml:6 (document 2): GatewayClass bad: field spec.controllerName")
        );
    }

    #[test]
    fn bad_yaml_and_unknown_kinds_are_errors_not_panics() {
        let out = parse_documents(
            "x",
            "a: [\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: FooRoute\nmetadata: {name: f}\n---\n- 1\n---\nkind: Service\n",
        );
        assert_eq!(out.len(), 4);
        assert!(matches!(
            out[0].as_ref().unwrap_err().kind,
            DocumentErrorKind::Syntax(_)
        ));
        assert!(matches!(
            out[1].as_ref().unwrap_err().kind,
            DocumentErrorKind::UnknownKind { .. }
        ));
        assert!(matches!(
            out[2].as_ref().unwrap_err().kind,
            DocumentErrorKind::NotAnObject(_)
        ));
        assert!(matches!(
            out[3].as_ref().unwrap_err().kind,
            DocumentErrorKind::NotAnObject(_)
        ));
    }

    #[test]
    fn lists_expand_and_other_kinds_are_kept() {
        let text = r#"{"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n"}},
            {"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "GatewayClass", "metadata": {"name": "g"}, "spec": {"controllerName": "a/b"}}]}"#;
        let out: Vec<_> = parse_documents("l.json", text)
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].object.kind(), "Service");
        assert_eq!(out[0].object.metadata().namespace.as_deref(), Some("n"));
        assert_eq!(
            out[1].object.api_version(),
            "gateway.networking.k8s.io/v1beta1"
        );
    }
}
