//! Structural defaulting, as the API server applies CRD `default`s.
//!
//! The rule (apiextensions-apiserver structural defaulting): for an object, every property that
//! is absent and whose schema has a `default` gets a copy of it; then every present property
//! (defaulted or not) is defaulted recursively against its schema; list items against `items`,
//! map values against `additionalProperties`.

use serde_json::Value;

/// Applies the `default`s of `schema` to `value` in place. Values whose JSON type does not match
/// the schema are left alone (validation reports them).
pub fn apply_defaults(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(obj) => {
            if let Some(Value::Object(props)) = schema.get("properties") {
                for (name, prop) in props {
                    if let Some(default) = prop.get("default")
                        && obj.get(name).is_none_or(Value::is_null)
                    {
                        obj.insert(name.clone(), default.clone());
                    }
                }
                for (name, v) in obj.iter_mut() {
                    if let Some(prop) = props.get(name) {
                        apply_defaults(v, prop);
                    }
                }
            } else if let Some(ap) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for v in obj.values_mut() {
                    apply_defaults(v, ap);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for v in items {
                    apply_defaults(v, item_schema);
                }
            }
        }
        _ => {}
    }
}

/// Removes the fields `schema` does not declare, as the API server prunes unknown fields of a
/// structural schema (objects with `properties` keep only those; maps keep every key).
///
/// Typed objects of a build whose channel is wider than the schema's (the `experimental` feature
/// while serving the standard CRDs) lose exactly these fields on the API server too.
pub fn prune_unknown_fields(value: &mut Value, schema: &Value) {
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
        return;
    }
    match value {
        Value::Object(obj) => {
            if let Some(Value::Object(props)) = schema.get("properties") {
                obj.retain(|k, _| props.contains_key(k));
                for (k, v) in obj.iter_mut() {
                    if let Some(p) = props.get(k) {
                        prune_unknown_fields(v, p);
                    }
                }
            } else if let Some(ap) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for v in obj.values_mut() {
                    prune_unknown_fields(v, ap);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for v in items {
                    prune_unknown_fields(v, item_schema);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_absent_fields_recursively_and_idempotently() {
        let schema = json!({
            "type": "object",
            "properties": {
                "rules": {
                    "type": "array",
                    "default": [{"matches": [{"path": {"value": "/"}}]}],
                    "items": {"type": "object", "properties": {"matches": {"type": "array", "items": {
                        "type": "object", "properties": {"path": {"type": "object", "properties": {
                            "type": {"type": "string", "default": "PathPrefix"},
                            "value": {"type": "string", "default": "/"}}}}}}}}
                },
                "weight": {"type": "integer", "default": 1},
                "present": {"type": "string", "default": "x"},
            }
        });
        let mut v = json!({"present": "kept"});
        apply_defaults(&mut v, &schema);
        assert_eq!(v["present"], "kept");
        assert_eq!(v["weight"], 1);
        assert_eq!(
            v["rules"][0]["matches"][0]["path"],
            json!({"type": "PathPrefix", "value": "/"})
        );
        let once = v.clone();
        apply_defaults(&mut v, &schema);
        assert_eq!(v, once);
    }

    #[test]
    fn pruning_keeps_declared_fields_and_map_keys() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "m": {"type": "object", "additionalProperties": {"type": "string"}},
            "l": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}}}});
        let mut v =
            json!({"a": {"b": "1", "c": 2}, "m": {"k": "v"}, "l": [{"x": "1", "y": 2}], "z": 1});
        prune_unknown_fields(&mut v, &schema);
        assert_eq!(
            v,
            json!({"a": {"b": "1"}, "m": {"k": "v"}, "l": [{"x": "1"}]})
        );
    }
}
