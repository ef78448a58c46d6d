//! Logto's `koa-body-etag` (mounted on its provider and on `/api`): a successful GET with a body
//! carries an `ETag` (the `etag` package's form, `"<byte length, hex>-<SHA-1, base64, 27
//! chars>"`), and a GET whose `If-None-Match` names it is answered 304 with no body (koa's
//! `ctx.fresh`). Other methods never get one: a form POST that Logto forwards to the GET
//! handler (`/oidc/auth`, `/oidc/session/end`) is not a cacheable GET.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use sha1::{Digest, Sha1};

use crate::Response;

/// What the ETag decision needs from the request, taken before the request is handed on.
pub struct Conditional {
    get: bool,
    if_none_match: Option<HeaderValue>,
    no_cache: bool,
}

impl Conditional {
    pub fn of(method: &Method, headers: &HeaderMap) -> Self {
        let no_cache = headers
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|d| d.trim().eq_ignore_ascii_case("no-cache")));
        Conditional { get: method == Method::GET, if_none_match: headers.get(header::IF_NONE_MATCH).cloned(), no_cache }
    }

    /// Tag `response` (a GET's 2xx with a body) and turn it into a 304 when the client's copy is
    /// current.
    pub fn apply(self, mut response: Response) -> Response {
        if !self.get || !response.status().is_success() || response.body().is_empty() {
            return response;
        }
        let etag = of_body(response.body());
        let fresh = !self.no_cache
            && self.if_none_match.as_ref().and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.trim() == "*" || v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag)
            });
        if let Ok(value) = HeaderValue::from_str(&etag) {
            response.headers_mut().insert(header::ETAG, value);
        }
        if fresh {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            *response.body_mut() = Bytes::new();
            response.headers_mut().remove(header::CONTENT_TYPE);
            response.headers_mut().remove(header::CONTENT_LENGTH);
        }
        response
    }
}

/// The `etag` package's strong tag for a body.
pub fn of_body(body: &[u8]) -> String {
    let digest = STANDARD.encode(Sha1::digest(body));
    format!("\"{:x}-{}\"", body.len(), &digest[..27])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &'static str) -> Response {
        Response::new(Bytes::from_static(body.as_bytes()))
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), HeaderValue::from_str(v).unwrap())).collect()
    }

    #[test]
    fn the_tag_is_the_etag_packages() {
        // `require('etag')('hello')` and `require('etag')('')`.
        assert_eq!(of_body(b"hello"), "\"5-qvTGHdzF6KLavt4PO0gs2a6pQ00\"");
        assert_eq!(of_body(b""), "\"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk\"");
    }

    #[test]
    fn gets_are_tagged_and_revalidate_other_methods_and_errors_are_not() {
        let tagged = Conditional::of(&Method::GET, &HeaderMap::new()).apply(ok("hello"));
        assert_eq!(tagged.status(), StatusCode::OK);
        let etag = tagged.headers()[header::ETAG].to_str().unwrap().to_owned();

        for matching in [etag.clone(), format!("W/{etag}"), format!("\"x\", {etag}"), "*".to_owned()] {
            let again = Conditional::of(&Method::GET, &headers(&[("if-none-match", &matching)])).apply(ok("hello"));
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{matching}");
            assert!(again.body().is_empty());
            assert_eq!(again.headers()[header::ETAG], etag.as_str());
        }
        let changed = Conditional::of(&Method::GET, &headers(&[("if-none-match", &etag)])).apply(ok("hello!"));
        assert_eq!((changed.status(), changed.body().as_ref()), (StatusCode::OK, b"hello!".as_ref()));
        let forced =
            Conditional::of(&Method::GET, &headers(&[("if-none-match", &etag), ("cache-control", "no-cache")]))
                .apply(ok("hello"));
        assert_eq!(forced.status(), StatusCode::OK);

        let post = Conditional::of(&Method::POST, &headers(&[("if-none-match", &etag)])).apply(ok("hello"));
        assert_eq!(post.status(), StatusCode::OK);
        assert!(post.headers().get(header::ETAG).is_none());
        let mut error = ok("{\"code\":\"x\"}");
        *error.status_mut() = StatusCode::BAD_REQUEST;
        assert!(Conditional::of(&Method::GET, &HeaderMap::new()).apply(error).headers().get(header::ETAG).is_none());
    }
}
