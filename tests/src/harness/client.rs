//! One client for every way of reaching edgeid: in-process through `edgeid_core::handle`, or
//! over real HTTP. It keeps cookies (one jar per client, like a browser profile) and never
//! follows redirects, so tests see every 302 and its `Location`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use edgeid_core::App;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

enum Transport {
    InProcess(Arc<App>),
    Http { base: String, http: reqwest::Client },
}

/// Cookies by (name, path), as a browser keys them for one host.
type Jar = BTreeMap<(String, String), String>;

#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
    cookies: Arc<Mutex<Jar>>,
}

impl Client {
    /// Requests go straight into `edgeid_core::handle(app, ..)`.
    pub fn in_process(app: Arc<App>) -> Self {
        Self::with(Transport::InProcess(app))
    }

    /// Requests go over HTTP to `base_url` (e.g. `http://127.0.0.1:3001`).
    pub fn http(base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("building the HTTP client");
        Self::with(Transport::Http { base: base_url.trim_end_matches('/').to_owned(), http })
    }

    fn with(transport: Transport) -> Self {
        Self { transport: Arc::new(transport), cookies: Arc::default() }
    }

    /// The same server with an empty cookie jar (a second browser).
    pub fn fresh(&self) -> Self {
        Self { transport: Arc::clone(&self.transport), cookies: Arc::default() }
    }

    /// The public base URL (`http://host:port`), from which the issuer is `<base>/oidc`.
    pub fn base_url(&self) -> String {
        match &*self.transport {
            Transport::InProcess(app) => app.config.endpoint.clone(),
            Transport::Http { base, .. } => base.clone(),
        }
    }

    /// The value of cookie `name` (the one with the longest path if several).
    pub fn cookie(&self, name: &str) -> Option<String> {
        let jar = self.jar();
        jar.iter().filter(|((n, _), _)| n == name).max_by_key(|((_, p), _)| p.len()).map(|(_, v)| v.clone())
    }

    /// Set cookie `name` at path `/`, as if the server had (a copied or tampered cookie).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar().insert((name.to_owned(), "/".to_owned()), value.to_owned());
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request(Method::PUT, path)
    }
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// `path` is origin-relative (`/oidc/token?x=y`).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        assert!(path.starts_with('/'), "paths are origin-relative, got {path:?}");
        RequestBuilder {
            client: self.clone(),
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, Jar> {
        self.cookies.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn send(&self, mut req: http::Request<Bytes>) -> TestResponse {
        let cookie_header = {
            // What a browser sends: the cookies whose path matches, longest path first.
            let jar = self.jar();
            let path = req.uri().path();
            let mut matching: Vec<_> = jar.iter().filter(|((_, p), _)| path_matches(p, path)).collect();
            matching.sort_by_key(|((_, p), _)| std::cmp::Reverse(p.len()));
            matching.iter().map(|((k, _), v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
        };
        if !cookie_header.is_empty() && !req.headers().contains_key(header::COOKIE) {
            req.headers_mut().insert(header::COOKIE, HeaderValue::from_str(&cookie_header).expect("cookie header"));
        }
        let (status, headers, body) = match &*self.transport {
            Transport::InProcess(app) => {
                let response = edgeid_core::handle(app, req).await;
                let (parts, body) = response.into_parts();
                (parts.status, parts.headers, body)
            }
            Transport::Http { base, http } => {
                let (parts, body) = req.into_parts();
                let url = format!("{base}{}", parts.uri);
                let response = http
                    .request(parts.method.clone(), &url)
                    .headers(parts.headers)
                    .body(body)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{} {url}: {e}", parts.method));
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.bytes().await.unwrap_or_else(|e| panic!("reading body of {url}: {e}"));
                (status, headers, body)
            }
        };
        self.store_cookies(&headers);
        TestResponse { status, headers, body }
    }

    /// A small jar for one host, keyed by (name, path) like a browser's; `Max-Age=0`, the
    /// epoch as `Expires` or an empty value deletes. `Domain` is ignored (one host).
    fn store_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.jar();
        for value in headers.get_all(header::SET_COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            let mut attributes = value.split(';').map(str::trim);
            let Some((name, val)) = attributes.next().and_then(|nv| nv.split_once('=')) else { continue };
            let mut path = "/".to_owned();
            let mut expired = false;
            for a in attributes {
                let lower = a.to_ascii_lowercase();
                if lower == "max-age=0"
                    || lower.starts_with("max-age=-")
                    || lower.starts_with("expires=thu, 01 jan 1970")
                {
                    expired = true;
                } else if lower.starts_with("path=") {
                    path = a[5..].trim().to_owned();
                }
            }
            let key = (name.to_owned(), path);
            if expired || val.is_empty() {
                jar.remove(&key);
            } else {
                jar.insert(key, val.to_owned());
            }
        }
    }
}

/// A request being built; `send().await` runs it.
pub struct RequestBuilder {
    client: Client,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl RequestBuilder {
    #[track_caller]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
        self.headers.append(name, HeaderValue::from_str(value).expect("header value"));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// HTTP Basic as RFC 6749 §2.3.1 says: both parts form-urlencoded, then base64.
    pub fn basic_auth(self, id: &str, secret: &str) -> Self {
        let enc = |s: &str| serde_urlencoded::to_string([("", s)]).expect("urlencode")[1..].to_owned();
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", enc(id), enc(secret)));
        self.header("authorization", &format!("Basic {token}"))
    }

    pub fn json(self, body: &impl Serialize) -> Self {
        let bytes = serde_json::to_vec(body).expect("serialising a test body");
        self.body(bytes, "application/json")
    }

    pub fn form(self, params: &[(&str, &str)]) -> Self {
        let encoded = serde_urlencoded::to_string(params).expect("form encoding");
        self.body(encoded, "application/x-www-form-urlencoded")
    }

    /// A raw body with its content type (for malformed-input tests).
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = body.into();
        self.headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).expect("content type"));
        self
    }

    pub async fn send(self) -> TestResponse {
        let mut req = http::Request::new(self.body);
        *req.method_mut() = self.method;
        *req.uri_mut() = self.path.parse().unwrap_or_else(|e| panic!("bad path {:?}: {e}", self.path));
        *req.headers_mut() = self.headers;
        if let Ok(host) = HeaderValue::from_str(host_of(&self.client.base_url())) {
            req.headers_mut().entry(header::HOST).or_insert(host);
        }
        self.client.send(req).await
    }
}

/// RFC 6265 §5.1.4 path-match.
fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    cookie_path == "/"
        || request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

fn host_of(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// A finished response with assertion helpers that report the caller's line and the body.
#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    /// Assert the status, showing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(self.status.as_u16(), expected, "unexpected status; body: {}", self.text());
        self
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    #[track_caller]
    pub fn json_as<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body does not match ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The string field `name` of a JSON body.
    #[track_caller]
    pub fn str_field(&self, name: &str) -> String {
        match self.json().get(name) {
            Some(Value::String(s)) => s.clone(),
            other => panic!("field {name:?} is {other:?} in {}", self.text()),
        }
    }

    /// Assert an OAuth error body (`/oidc`): status, `error`, and Logto's `code`.
    #[track_caller]
    pub fn assert_oauth_error(&self, status: u16, error: &str) -> &Self {
        self.assert_status(status);
        let body = self.json();
        assert_eq!(body["error"], error, "{body}");
        assert_eq!(body["code"], format!("oidc.{error}"), "{body}");
        self
    }

    /// Assert a Logto REST error body (`/api`): status and dotted `code`.
    #[track_caller]
    pub fn assert_api_error(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        let body = self.json();
        assert_eq!(body["code"], code, "{body}");
        assert!(body["message"].is_string(), "{body}");
        self
    }
}
