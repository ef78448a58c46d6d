//! `POST /callback/:connectorId` (and `/account/callback/social/:connectorId`): identity
//! providers that answer with `response_mode=form_post` post the result here; Logto turns the
//! form into a `303 See Other` to the same path with the fields as the query, so the callback
//! page reads them like any redirect (Logto's `routes/callback.ts`).

use http::{HeaderValue, StatusCode, header};

use crate::error::ApiError;
use crate::{Request, Response};

/// Whether this request is a form-post callback this module answers.
pub fn matches(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == http::Method::POST
        && (segment_after(path, "/callback/").is_some() || segment_after(path, "/account/callback/social/").is_some())
}

/// The single non-empty path segment after `prefix`.
fn segment_after<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix).filter(|rest| !rest.is_empty() && !rest.contains('/'))
}

fn invalid_request() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "oidc.invalid_request", "Invalid request.")
}

pub fn redirect(req: &Request) -> Response {
    match location(req) {
        Ok(location) => {
            let mut response = crate::http::empty(StatusCode::SEE_OTHER);
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Err(e) => e.render(),
    }
}

fn location(req: &Request) -> Result<String, ApiError> {
    // `z.record(z.string())`: every field a string, each once (URLSearchParams keeps one).
    let form = crate::http::parse_form(req.headers(), req.body()).map_err(|_| invalid_request())?;
    let mut fields: Vec<(String, String)> = Vec::with_capacity(form.0.len());
    for (key, value) in form.0 {
        if fields.iter().any(|(k, _)| *k == key) {
            return Err(invalid_request());
        }
        fields.push((key, value));
    }
    let query = serde_urlencoded::to_string(&fields).map_err(|_| invalid_request())?;
    Ok(format!("{}?{query}", req.uri().path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(path: &str, content_type: &str, body: &str) -> Request {
        http::Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .body(bytes::Bytes::from(body.to_owned()))
            .unwrap()
    }

    #[test]
    fn form_posts_become_a_303_with_the_same_fields() {
        let req = post("/callback/abc", "application/x-www-form-urlencoded", "code=c%2B1&state=s+t");
        assert!(matches(&req));
        let res = redirect(&req);
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[header::LOCATION], "/callback/abc?code=c%2B1&state=s+t");
        let account = post("/account/callback/social/abc", "application/x-www-form-urlencoded", "code=1");
        assert!(matches(&account));
        assert_eq!(redirect(&account).headers()[header::LOCATION], "/account/callback/social/abc?code=1");
    }

    #[test]
    fn bad_forms_are_invalid_requests_and_other_paths_are_not_ours() {
        let res = redirect(&post("/callback/abc", "text/plain", "x"));
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(String::from_utf8_lossy(res.body()).contains("oidc.invalid_request"));
        let res = redirect(&post("/callback/abc", "application/json", r#"{"a":{"b":1}}"#));
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let res = redirect(&post("/callback/abc", "application/x-www-form-urlencoded", "a=1&a=2"));
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(!matches(&post("/callback/", "application/x-www-form-urlencoded", "")));
        assert!(!matches(&post("/callback/a/b", "application/x-www-form-urlencoded", "")));
        assert!(!matches(&http::Request::get("/callback/abc").body(bytes::Bytes::new()).unwrap()));
    }
}
