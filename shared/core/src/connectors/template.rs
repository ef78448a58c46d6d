//! Message templates in a connector's config (`templates: [{usageType, ...}]`) and Logto's
//! handlebars replacement (`replaceSendMessageHandlebars`).

use serde_json::{Map, Value};

use super::TemplateType;

/// `getConfigTemplateByType`: the template for `template_type`, else the `Generic` one.
pub fn by_type(config: &Map<String, Value>, template_type: TemplateType) -> Option<&Map<String, Value>> {
    let templates = config.get("templates")?.as_array()?;
    let find = |t: TemplateType| {
        templates
            .iter()
            .filter_map(Value::as_object)
            .find(|o| o.get("usageType").and_then(Value::as_str) == Some(t.as_str()))
    };
    find(template_type).or_else(|| find(TemplateType::Generic))
}

/// Replace `{{ key }}` / `{{ a.b }}` with payload values. A root key absent from the payload
/// leaves the handlebar as is; a present root with a missing nested value becomes "".
pub fn replace_handlebars(template: &str, payload: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let (before, from_open) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = from_open.find("}}") else {
            out.push_str(from_open);
            return out;
        };
        let (handlebar, after) = from_open.split_at(end + 2);
        let inner = handlebar.get(2..handlebar.len() - 2).unwrap_or_default().trim();
        let valid = !inner.is_empty() && inner.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
        match valid.then(|| resolve(payload, inner)).flatten() {
            Some(value) => out.push_str(&value),
            None => out.push_str(handlebar),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `None`: leave the handlebar; `Some(text)`: its replacement.
fn resolve(payload: &Map<String, Value>, path: &str) -> Option<String> {
    let mut parts = path.split('.');
    let root = payload.get(parts.next()?)?;
    let mut current = Some(root);
    for part in parts {
        current = current.and_then(|v| v.as_object()).and_then(|o| o.get(part));
    }
    Some(match current {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(_)) => "[object Object]".to_owned(),
        Some(Value::Array(items)) => {
            items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect::<Vec<_>>().join(",")
        }
        Some(other) => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn handlebars_are_replaced_like_logtos() {
        let payload = json!({ "code": "123456", "application": { "name": "Demo" }, "org": {} });
        let payload = payload.as_object().unwrap();
        let check = |t: &str, expect: &str| assert_eq!(replace_handlebars(t, payload), expect, "{t}");
        check("Your code is {{code}}.", "Your code is 123456.");
        check("{{ code }}{{code}}", "123456123456");
        check("App {{application.name}}", "App Demo");
        check("Org {{org.name}}!", "Org !");
        check("Link {{link}}", "Link {{link}}");
        check("broken {{code", "broken {{code");
        check("{{bad key}}", "{{bad key}}");
    }

    #[test]
    fn the_generic_template_is_the_fallback() {
        let config = json!({ "templates": [
            { "usageType": "Generic", "content": "g" },
            { "usageType": "SignIn", "content": "s" },
        ]});
        let config = config.as_object().unwrap();
        assert_eq!(by_type(config, TemplateType::SignIn).unwrap()["content"], "s");
        assert_eq!(by_type(config, TemplateType::Register).unwrap()["content"], "g");
        assert!(by_type(&Map::new(), TemplateType::SignIn).is_none());
    }
}
