//! JSON schema generation for the CRDs, and the release channels.
//!
//! Schemas are derived from the Rust types with `schemars`, then brought into the
//! structural form the API server expects (and upstream's `controller-gen` emits):
//! every subschema inlined, `Option<T>` expressed by leaving the field out of `required`
//! (never `nullable`), and the differences between the standard and experimental channels
//! resolved.
//!
//! # Channel markers
//!
//! One Rust type serves both channels. Where the channels differ, the type's schema carries
//! markers that [`resolve_channel`] interprets:
//!
//! * `"x-gateway-api-channel": "experimental"` on a property: the property exists only in the
//!   experimental channel (it is removed, with its `required` entry, from the standard one).
//! * `"x-gateway-api-experimental": {…}` / `"x-gateway-api-standard": {…}`: keywords merged into
//!   the schema for that channel only (a different `enum`, `pattern` or CEL rule list).

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};

/// Marker key: this property exists only in the experimental channel.
pub const CHANNEL_KEY: &str = "x-gateway-api-channel";
/// Marker key: keywords that apply only in the experimental channel.
pub const EXPERIMENTAL_OVERLAY: &str = "x-gateway-api-experimental";
/// Marker key: keywords that apply only in the standard channel.
pub const STANDARD_OVERLAY: &str = "x-gateway-api-standard";

/// A Gateway API release channel.
///
/// spec: "Versioning" — the experimental channel is a superset of the standard channel that adds
/// alpha resources, alpha versions and experimental fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// The standard channel: GA and beta resources and fields.
    Standard,
    /// The experimental channel (needs the `experimental` cargo feature for its types).
    Experimental,
}

impl Channel {
    /// The channel whose types this build contains: experimental with the `experimental`
    /// feature, standard otherwise.
    pub const COMPILED: Channel = if cfg!(feature = "experimental") {
        Channel::Experimental
    } else {
        Channel::Standard
    };

    /// The channel's name as written in the `gateway.networking.k8s.io/channel` annotation.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Standard => "standard",
            Channel::Experimental => "experimental",
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "standard" => Ok(Channel::Standard),
            "experimental" => Ok(Channel::Experimental),
            other => Err(format!(
                "unknown channel {other:?}: expected \"standard\" or \"experimental\""
            )),
        }
    }
}

/// A schema generator with the settings the CRD schemas need (everything inlined, no
/// meta-schema, no nullable rewriting: [`structural`] handles `Option`).
pub fn generator() -> SchemaGenerator {
    let mut settings = SchemaSettings::openapi3();
    settings.inline_subschemas = true;
    settings.meta_schema = None;
    settings.transforms = Vec::new();
    settings.into_generator()
}

/// The raw schema of `T` (channel markers still present), in structural form.
pub fn raw_schema_of<T: JsonSchema>() -> Value {
    let mut v = generator().into_root_schema_for::<T>().to_value();
    structural(&mut v);
    v
}

/// The root `openAPIV3Schema` of a resource with the given spec and status types, raw
/// (channel markers still present).
pub fn raw_root_schema<Spec: JsonSchema, Status: JsonSchema>(has_status: bool) -> Value {
    let mut properties = Map::new();
    properties.insert("apiVersion".into(), json!({"type": "string"}));
    properties.insert("kind".into(), json!({"type": "string"}));
    properties.insert("metadata".into(), json!({"type": "object"}));
    properties.insert("spec".into(), raw_schema_of::<Spec>());
    if has_status {
        properties.insert("status".into(), raw_schema_of::<Status>());
    }
    json!({
        "type": "object",
        "required": ["spec"],
        "properties": properties,
    })
}

/// The schema of a closed string enum, with the experimental values as a channel overlay when
/// they differ from the standard ones.
pub fn string_enum_schema(standard: &[&str], experimental: &[&str]) -> Schema {
    let mut v = json!({"type": "string", "enum": standard});
    if standard != experimental {
        v[EXPERIMENTAL_OVERLAY] = json!({"enum": experimental});
    }
    Schema::try_from(v).unwrap_or_default()
}

/// Schema keywords (as opposed to property names) whose values are subschemas.
fn for_each_subschema(obj: &mut Map<String, Value>, f: &mut dyn FnMut(&mut Value)) {
    for key in ["items", "additionalProperties", "not"] {
        if let Some(v) = obj.get_mut(key)
            && v.is_object()
        {
            f(v);
        }
    }
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for v in props.values_mut() {
            f(v);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(list)) = obj.get_mut(key) {
            for v in list {
                f(v);
            }
        }
    }
    for key in [EXPERIMENTAL_OVERLAY, STANDARD_OVERLAY] {
        if let Some(Value::Object(overlay)) = obj.get_mut(key) {
            for_each_subschema(overlay, f);
        }
    }
}

/// Rewrites a schemars schema into the structural form of a CRD schema: removes the `null`
/// alternative schemars adds for `Option<T>`, sorts `required` lists, and drops keywords a CRD
/// cannot carry (`$schema`, `title`, `$defs`).
pub fn structural(v: &mut Value) {
    let Value::Object(obj) = v else { return };
    obj.remove("$schema");
    obj.remove("title");
    obj.remove("$defs");
    obj.remove("components");
    // `type: ["string", "null"]` -> `type: "string"`
    if let Some(Value::Array(types)) = obj.get("type") {
        let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        if rest.len() == 1 {
            obj.insert("type".into(), rest[0].clone());
        } else {
            obj.insert("type".into(), Value::Array(rest));
        }
    }
    // `anyOf: [X, {type: null}]` -> X (with this schema's own keywords kept)
    if let Some(Value::Array(any)) = obj.get("anyOf") {
        let non_null: Vec<Value> = any
            .iter()
            .filter(|s| s.get("type") != Some(&json!("null")))
            .cloned()
            .collect();
        if non_null.len() == 1 && any.len() == 2 {
            obj.remove("anyOf");
            if let Value::Object(inner) = &non_null[0] {
                for (k, val) in inner {
                    obj.entry(k.clone()).or_insert_with(|| val.clone());
                }
            }
        }
    }
    if let Some(Value::Array(list)) = obj.get_mut("enum") {
        list.retain(|x| !x.is_null());
    }
    // `required` sorted, as controller-gen writes it (and kube's schema rewriter leaves it).
    if let Some(Value::Array(req)) = obj.get_mut("required") {
        req.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        req.dedup();
    }
    for_each_subschema(obj, &mut |s| structural(s));
}

/// Resolves the channel markers of a raw schema for `channel` (see the module docs).
pub fn resolve_channel(v: &mut Value, channel: Channel) {
    let Value::Object(obj) = v else { return };
    let (keep, drop) = match channel {
        Channel::Standard => (STANDARD_OVERLAY, EXPERIMENTAL_OVERLAY),
        Channel::Experimental => (EXPERIMENTAL_OVERLAY, STANDARD_OVERLAY),
    };
    obj.remove(drop);
    if let Some(Value::Object(overlay)) = obj.remove(keep) {
        for (k, val) in overlay {
            obj.insert(k, val);
        }
    }
    if channel == Channel::Standard {
        let mut removed = Vec::new();
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            props.retain(|name, p| {
                let experimental = p.get(CHANNEL_KEY) == Some(&json!("experimental"));
                if experimental {
                    removed.push(name.clone());
                }
                !experimental
            });
        }
        if !removed.is_empty()
            && let Some(Value::Array(req)) = obj.get_mut("required")
        {
            req.retain(|r| !removed.iter().any(|n| r == n.as_str()));
            if req.is_empty() {
                obj.remove("required");
            }
        }
    }
    obj.remove(CHANNEL_KEY);
    for_each_subschema(obj, &mut |s| resolve_channel(s, channel));
}

/// The subschema for a property path inside a root schema, following `properties` and
/// `items` (`"[]"` steps into a list's items).
pub fn subschema<'a>(root: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = root;
    for step in path {
        cur = if *step == "[]" {
            cur.get("items")?
        } else {
            cur.get("properties")?.get(*step)?
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_null_is_removed_and_required_kept() {
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct S {
            a: Option<String>,
            b: i32,
            c: Option<Vec<String>>,
        }
        let v = raw_schema_of::<S>();
        assert_eq!(v["properties"]["a"], json!({"type": "string"}));
        assert_eq!(
            v["properties"]["b"],
            json!({"type": "integer", "format": "int32"})
        );
        assert_eq!(v["properties"]["c"]["type"], json!("array"));
        assert_eq!(v["required"], json!(["b"]));
        assert!(v.get("title").is_none());
    }

    #[test]
    fn channel_markers_resolve() {
        let raw = json!({
            "type": "object",
            "required": ["a", "x"],
            "properties": {
                "a": {"type": "string", "enum": ["A"], EXPERIMENTAL_OVERLAY: {"enum": ["A", "B"]}},
                "x": {"type": "string", CHANNEL_KEY: "experimental"},
            },
        });
        let mut std = raw.clone();
        resolve_channel(&mut std, Channel::Standard);
        assert_eq!(
            std,
            json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "enum": ["A"]}}})
        );
        let mut exp = raw;
        resolve_channel(&mut exp, Channel::Experimental);
        assert_eq!(exp["properties"]["a"]["enum"], json!(["A", "B"]));
        assert_eq!(exp["properties"]["x"], json!({"type": "string"}));
        assert_eq!(exp["required"], json!(["a", "x"]));
    }
}
