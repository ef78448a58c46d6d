use http::{HeaderMap, header};
use serde::de::DeserializeOwned;

/// Form parameters in arrival order. OAuth forbids repeating most parameters, so lookups go
/// through [`FormParams::single`], which rejects duplicates.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormParams(pub Vec<(String, String)>);

impl FormParams {
    /// The one value of `name`; `Err(name)` if it was sent more than once. Empty values
    /// count as absent, as in node-oidc-provider.
    pub fn single(&self, name: &str) -> Result<Option<&str>, String> {
        let mut found = None;
        for (k, v) in &self.0 {
            if k == name {
                if found.is_some() {
                    return Err(format!("'{name}' parameter must not be provided twice"));
                }
                found = Some(v.as_str());
            }
        }
        Ok(found.filter(|v| !v.is_empty()))
    }

    /// Every value of `name` (for `resource`, which may repeat).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Whether the request's `Content-Type` essence is `expected` (parameters ignored).
pub fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(expected))
}

/// Why a form body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// Neither `application/x-www-form-urlencoded` nor `application/json`; callers name the
    /// endpoint in their message, as node-oidc-provider does.
    UnsupportedContentType,
    /// Anything else, described.
    Invalid(String),
}

impl From<String> for FormError {
    fn from(s: String) -> Self {
        Self::Invalid(s)
    }
}

/// Parse an `application/x-www-form-urlencoded` body (or an `application/json` object of
/// strings, which Logto's provider also accepts).
pub fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<FormParams, FormError> {
    if body.contains(&0) {
        // Logto's wording (`oidc/init.ts`).
        return Err(FormError::Invalid("null bytes are not allowed in the request body".into()));
    }
    if content_type_is(headers, "application/json") {
        // Logto parses JSON bodies with `trySafe(JSON.parse)`: a malformed one counts as no
        // body, so the request fails on what is missing (client authentication first).
        let Ok(object) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body) else {
            return Ok(FormParams::default());
        };
        let mut params = Vec::with_capacity(object.len());
        for (k, v) in object {
            match v {
                serde_json::Value::String(s) => params.push((k, s)),
                serde_json::Value::Array(items) => {
                    for item in items {
                        let serde_json::Value::String(s) = item else {
                            return Err(format!("'{k}' must be a string or an array of strings").into());
                        };
                        params.push((k.clone(), s));
                    }
                }
                serde_json::Value::Number(n) => params.push((k, n.to_string())),
                serde_json::Value::Bool(b) => params.push((k, b.to_string())),
                serde_json::Value::Null => {}
                serde_json::Value::Object(_) => return Err(format!("'{k}' must not be an object").into()),
            }
        }
        return Ok(FormParams(params));
    }
    if !body.is_empty() && !content_type_is(headers, "application/x-www-form-urlencoded") {
        return Err(FormError::UnsupportedContentType);
    }
    std::str::from_utf8(body).map_err(|_| "request body is not valid UTF-8".to_owned())?;
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map(FormParams)
        .map_err(|e| FormError::Invalid(format!("invalid form body: {e}")))
}

/// Parse a JSON body into `T`; the error text is what `guard.invalid_input` carries.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    if body.is_empty() {
        return serde_json::from_slice(b"{}").map_err(|e| e.to_string());
    }
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(ct: &str, body: &str) -> Result<FormParams, FormError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, ct.parse().unwrap());
        parse_form(&headers, body.as_bytes())
    }

    #[test]
    fn duplicates_are_rejected_on_single_lookup() {
        let params = form("application/x-www-form-urlencoded", "grant_type=a&grant_type=b").unwrap();
        assert_eq!(params.single("grant_type"), Err("'grant_type' parameter must not be provided twice".into()));
    }

    #[test]
    fn json_bodies_become_params() {
        let params = form("application/json", r#"{"grant_type":"client_credentials","resource":["a","b"]}"#).unwrap();
        assert_eq!(params.single("grant_type"), Ok(Some("client_credentials")));
        assert_eq!(params.all("resource").collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn bad_bodies_are_described_as_logto_does() {
        assert_eq!(form("text/plain", "x=1"), Err(FormError::UnsupportedContentType));
        assert_eq!(
            form("application/x-www-form-urlencoded", "a=\u{0}"),
            Err(FormError::Invalid("null bytes are not allowed in the request body".into()))
        );
        // Logto: a malformed JSON body is no body at all.
        assert_eq!(form("application/json", "this is not a json"), Ok(FormParams::default()));
    }
}
