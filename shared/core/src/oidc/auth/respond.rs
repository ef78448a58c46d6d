//! Responses of the authorization endpoint: to the client's `redirect_uri` in the requested
//! response mode (`query`, `fragment`: 303; `form_post`: an auto-submitting HTML form), and
//! errors that may not be redirected (rendered as Logto renders them).

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use url::Url;

use super::request::{Failure, Target};
use crate::error::OAuthError;
use crate::{App, Response};

/// A 303 to `location`, never cached.
pub fn see_other(location: &str) -> Response {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    no_store(&mut response);
    response
}

/// A 302 to `location` (Koa's `ctx.redirect`, used by `/consent`).
pub fn found(location: &str) -> Response {
    let mut response = see_other(location);
    *response.status_mut() = StatusCode::FOUND;
    response
}

pub fn no_store(response: &mut Response) {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The authorization response (or error) for the client, in `mode`.
pub fn to_client(redirect_uri: &str, mode: &str, payload: &[(&str, &str)]) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        // Validated before; never redirect somewhere unparsable.
        return OAuthError::invalid_request("invalid redirect_uri").render();
    };
    match mode {
        "form_post" => form_post(redirect_uri, payload),
        "fragment" => {
            let fragment = serde_urlencoded::to_string(payload).unwrap_or_default();
            url.set_fragment(Some(&fragment));
            see_other(url.as_str())
        }
        _ => {
            // URLSearchParams.set: a parameter the client put in its redirect_uri is replaced.
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| !payload.iter().any(|(p, _)| p == k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            {
                let mut pairs = url.query_pairs_mut();
                pairs.clear();
                for (k, v) in &kept {
                    pairs.append_pair(k, v);
                }
                for (k, v) in payload {
                    pairs.append_pair(k, v);
                }
            }
            see_other(url.as_str())
        }
    }
}

/// node-oidc-provider's `form_post` page.
fn form_post(action: &str, payload: &[(&str, &str)]) -> Response {
    let inputs: String = payload
        .iter()
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\"/>\n", html_escape(k), html_escape(v)))
        .collect();
    let status = if payload.iter().any(|(k, _)| *k == "error") { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let body = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n  <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n  <title>Submitting Callback</title>\n  <script>document.addEventListener('DOMContentLoaded', function () {{ document.forms[0].submit() }});</script>\n</head>\n<body>\n  <form method=\"post\" action=\"{}\">\n    {inputs}    <noscript>\n      Your browser does not support JavaScript or you've disabled it.<br/>\n      <button autofocus type=\"submit\">Continue</button>\n    </noscript>\n  </form>\n</body>\n</html>",
        html_escape(action)
    );
    html(status, body)
}

pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    no_store(&mut response);
    response
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An error sent back to the client: `error`, `error_description`, `state`, `iss`.
pub fn error_to_client(app: &App, target: &Target, error: &OAuthError) -> Response {
    let issuer = app.config.issuer();
    let mut payload: Vec<(&str, &str)> = vec![("error", error.code.as_str())];
    if !error.description.is_empty() {
        payload.push(("error_description", &error.description));
    }
    if let Some(state) = &target.state {
        payload.push(("state", state));
    }
    payload.push(("iss", &issuer));
    to_client(&target.redirect_uri, &target.response_mode, &payload)
}

impl Failure {
    pub fn render(&self, app: &App) -> Response {
        match &self.target {
            Some(target) => error_to_client(app, target, &self.error),
            None => self.error.render(),
        }
    }
}

/// node-oidc-provider's `SessionNotFound` as Logto renders it: 400 `session.not_found` with
/// the OAuth error fields kept (`koa-oidc-error-handler`).
pub fn session_not_found(description: &str) -> Response {
    let body = serde_json::json!({
        "code": "session.not_found",
        "message": "Session not found. Please go back and sign in again.",
        "error": "invalid_request",
        "error_description": description,
    });
    let mut response = crate::http::json_response(StatusCode::BAD_REQUEST, &body);
    no_store(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_fragment_and_form_post_carry_the_payload() {
        let res =
            to_client("https://app.example.com/cb?keep=1&state=old", "query", &[("code", "c 1"), ("state", "s&t")]);
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "https://app.example.com/cb?keep=1&code=c+1&state=s%26t");
        let res = to_client("https://app.example.com/cb", "fragment", &[("code", "c")]);
        assert_eq!(res.headers()["location"], "https://app.example.com/cb#code=c");
        let res = to_client("https://app.example.com/cb", "form_post", &[("code", "<c>")]);
        assert_eq!(res.status(), 200);
        let body = std::str::from_utf8(res.body()).unwrap();
        assert!(body.contains("action=\"https://app.example.com/cb\""));
        assert!(body.contains("name=\"code\" value=\"&lt;c&gt;\""));
        assert_eq!(to_client("https://a.example/cb", "form_post", &[("error", "x")]).status(), 400);
    }
}
