//! Config guards: each factory's `configGuard` (zod in Logto) as a few checks over JSON, with
//! zod's issue shape so a rejected config reads the same as Logto's
//! (`400 connector.invalid_config`, `data: {issues: [{code, expected, received, path, message}], name: "ZodError"}`).

use serde_json::{Map, Value, json};

/// The issues found in one config, zod-style.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Issues(Vec<Value>);

impl Issues {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// zod's `ZodError` as Logto serialises it into the error's `data`.
    pub fn to_zod_error(&self) -> Value {
        json!({ "issues": self.0, "name": "ZodError" })
    }

    /// One line per issue (`path: message`), for logs and `details`.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|i| {
                let path: Vec<String> = i["path"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                    .collect();
                format!("{}: {}", path.join("."), i["message"].as_str().unwrap_or_default())
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn push(&mut self, issue: Value) {
        self.0.push(issue);
    }
}

fn kind(value: Option<&Value>) -> &'static str {
    match value {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

fn path_of(prefix: &[Value], field: &str) -> Vec<Value> {
    let mut p = prefix.to_vec();
    p.push(Value::String(field.to_owned()));
    p
}

/// A walker over one JSON object, recording zod-like issues.
pub struct Check<'a> {
    object: &'a Map<String, Value>,
    path: Vec<Value>,
    pub issues: &'a mut Issues,
}

impl<'a> Check<'a> {
    pub fn new(object: &'a Map<String, Value>, issues: &'a mut Issues) -> Self {
        Self { object, path: Vec::new(), issues }
    }

    fn type_issue(&mut self, field: &str, expected: &str, got: Option<&Value>) {
        let received = kind(got);
        let message = if received == "undefined" {
            "Required".to_owned()
        } else {
            format!("Expected {expected}, received {received}")
        };
        self.issues.push(json!({
            "code": "invalid_type", "expected": expected, "received": received,
            "path": path_of(&self.path, field), "message": message,
        }));
    }

    /// `z.string()` (or `.optional()` when `required` is false).
    pub fn string(&mut self, field: &str, required: bool) -> Option<&'a str> {
        let object = self.object;
        match object.get(field) {
            Some(Value::String(s)) => Some(s.as_str()),
            None if !required => None,
            other => {
                self.type_issue(field, "string", other);
                None
            }
        }
    }

    /// `z.boolean()` (optional unless `required`).
    pub fn boolean(&mut self, field: &str, required: bool) -> Option<bool> {
        let object = self.object;
        match object.get(field) {
            Some(Value::Bool(b)) => Some(*b),
            None if !required => None,
            other => {
                self.type_issue(field, "boolean", other);
                None
            }
        }
    }

    /// `z.string().url()`: a string that parses as an absolute `http(s)` URL.
    pub fn url(&mut self, field: &str, required: bool) -> Option<&'a str> {
        let value = self.string(field, required)?;
        let valid = url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
        if valid {
            Some(value)
        } else {
            self.issues.push(json!({
                "validation": "url", "code": "invalid_string", "message": "Invalid url",
                "path": path_of(&self.path, field),
            }));
            None
        }
    }

    /// `z.string().or(z.string().array())`.
    pub fn string_or_strings(&mut self, field: &str, required: bool) {
        let object = self.object;
        match object.get(field) {
            Some(Value::String(_)) => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
            None if !required => {}
            other => self.type_issue(field, "string", other),
        }
    }

    /// `z.string().or(z.number())`.
    pub fn string_or_number(&mut self, field: &str, required: bool) {
        let object = self.object;
        match object.get(field) {
            Some(Value::String(_) | Value::Number(_)) => {}
            None if !required => {}
            other => self.type_issue(field, "string", other),
        }
    }

    /// `z.record(z.string())`: an object whose values are all strings.
    pub fn string_map(&mut self, field: &str, required: bool) {
        self.object(field, required, |c| {
            let object = c.object;
            for (key, value) in object {
                if !value.is_string() {
                    c.type_issue(key, "string", Some(value));
                }
            }
        });
    }

    /// `z.object(..)`: runs `inner` on the nested object.
    pub fn object(&mut self, field: &str, required: bool, inner: impl FnOnce(&mut Check<'_>)) {
        let object = self.object;
        match object.get(field) {
            Some(Value::Object(o)) => {
                let path = path_of(&self.path, field);
                let mut nested = Check { object: o, path, issues: self.issues };
                inner(&mut nested);
            }
            None if !required => {}
            other => self.type_issue(field, "object", other),
        }
    }

    /// `z.string().array()` whose items are each one of `options` (or any string when empty).
    pub fn strings(&mut self, field: &str, required: bool, options: &[&str]) {
        let object = self.object;
        match object.get(field) {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let mut path = path_of(&self.path, field);
                    path.push(json!(i));
                    match item {
                        Value::String(s) if options.is_empty() || options.contains(&s.as_str()) => {}
                        other => {
                            let received = kind(Some(other));
                            self.issues.push(json!({
                                "code": "invalid_type", "expected": "string", "received": received,
                                "path": path, "message": format!("Invalid value at index {i}"),
                            }));
                        }
                    }
                }
            }
            None if !required => {}
            other => self.type_issue(field, "array", other),
        }
    }

    /// `z.nativeEnum(..)`: one of `options`.
    pub fn one_of(&mut self, field: &str, options: &[&str], required: bool) {
        let object = self.object;
        match object.get(field) {
            Some(Value::String(s)) if options.contains(&s.as_str()) => {}
            None if !required => {}
            Some(Value::String(s)) => {
                let list = options.iter().map(|o| format!("'{o}'")).collect::<Vec<_>>().join(" | ");
                self.issues.push(json!({
                    "received": s, "code": "invalid_enum_value", "options": options,
                    "path": path_of(&self.path, field),
                    "message": format!("Invalid enum value. Expected {list}, received '{s}'"),
                }));
            }
            other => {
                let list = options.iter().map(|o| format!("'{o}'")).collect::<Vec<_>>().join(" | ");
                self.type_issue(field, &list, other);
            }
        }
    }

    /// `z.array(z.object(..))`: runs `item` on each element that is an object.
    pub fn objects(&mut self, field: &str, required: bool, mut item: impl FnMut(&mut Check<'_>)) {
        let object = self.object;
        match object.get(field) {
            Some(Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    let mut path = path_of(&self.path, field);
                    path.push(json!(i));
                    match v {
                        Value::Object(o) => {
                            let mut inner = Check { object: o, path, issues: self.issues };
                            item(&mut inner);
                        }
                        other => {
                            let received = kind(Some(other));
                            self.issues.push(json!({
                                "code": "invalid_type", "expected": "object", "received": received,
                                "path": path, "message": format!("Expected object, received {received}"),
                            }));
                        }
                    }
                }
            }
            None if !required => {}
            other => self.type_issue(field, "array", other),
        }
    }
}

/// Run `check` on `config` (which must be an object).
pub fn validate(config: &Value, check: impl FnOnce(&mut Check<'_>)) -> Result<(), Issues> {
    let mut issues = Issues::default();
    match config {
        Value::Object(object) => check(&mut Check::new(object, &mut issues)),
        other => {
            let received = kind(Some(other));
            issues.push(json!({
                "code": "invalid_type", "expected": "object", "received": received,
                "path": [], "message": format!("Expected object, received {received}"),
            }));
        }
    }
    if issues.is_empty() { Ok(()) } else { Err(issues) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_read_like_zod() {
        let err = validate(&json!({ "a": 1, "list": [{ "t": "x" }, 3] }), |c| {
            c.string("a", true);
            c.string("b", true);
            c.string("c", false);
            c.objects("list", true, |i| i.one_of("t", &["y", "z"], true));
        })
        .unwrap_err();
        let v = err.to_zod_error();
        assert_eq!(v["name"], "ZodError");
        assert_eq!(
            v["issues"][0],
            json!({"code": "invalid_type", "expected": "string", "received": "number", "path": ["a"], "message": "Expected string, received number"})
        );
        assert_eq!(v["issues"][1]["message"], "Required");
        assert_eq!(v["issues"][2]["path"], json!(["list", 0, "t"]));
        assert_eq!(v["issues"][2]["code"], "invalid_enum_value");
        assert_eq!(v["issues"][3]["path"], json!(["list", 1]));
        assert_eq!(err.summary().split("; ").next(), Some("a: Expected string, received number"));
        assert!(validate(&json!([]), |_| {}).is_err());
    }
}
