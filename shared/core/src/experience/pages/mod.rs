//! The pages edgeid serves itself, each one static HTML shell plus hashed assets compiled into
//! the binary (so the Workers and Lambda builds serve the same bytes as the local server):
//!
//! - [`sign_in`]: every screen Logto's `/oidc/auth` can send the browser to (`/sign-in`,
//!   `/register`, …), the social callback `/callback/<connectorId>` and the MFA screens; it
//!   talks to the Experience API and `GET /api/.well-known/sign-in-exp`.
//! - [`account`]: the self-service page `/account`, an SPA signed in through the built-in
//!   `account-center` client that talks to the Account API.
//!
//! Headers: a strict CSP (no inline script or style, same-origin fetches only, no framing);
//! assets are named by a hash of their content, so they are cached for a year, while the HTML
//! is revalidated on every visit (ETag) so a new deploy is picked up at once.

pub mod account;
pub mod sign_in;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::{Request, Response};

/// The style sheet both pages share.
const CSS: &str = include_str!("assets/app.css");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Whether `path` is a page or one of its assets (what `Group::for_path` sends here).
pub fn serves(path: &str) -> bool {
    sign_in::serves(path) || account::serves(path)
}

/// Serve a page or an asset; `None` when `path` is not ours (`POST /callback/<id>`, a form_post
/// IdP's answer, is the Experience API's to turn into a `GET`).
pub fn serve(req: &Request) -> Option<Response> {
    let path = req.uri().path();
    let page = if sign_in::serves(path) {
        sign_in::page()
    } else if account::serves(path) {
        account::page()
    } else {
        return None;
    };
    let read = req.method() == Method::GET || req.method() == Method::HEAD;
    if !read && path.starts_with(sign_in::CALLBACK_PREFIX) {
        return None;
    }
    if !read {
        let mut response = crate::http::empty(StatusCode::METHOD_NOT_ALLOWED);
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(response);
    }
    let Some(name) = path.strip_prefix(page.assets_prefix) else {
        return Some(render(req, &page.html, false));
    };
    // `<stem>.<hash>.<ext>` is cached for good; any other hash (a page cached before a deploy)
    // or none still gets the current file, but must be revalidated.
    let (stem, ext) = match (name.split_once('.'), name.rsplit_once('.')) {
        (Some((stem, _)), Some((_, ext))) => (stem, ext),
        _ => return Some(not_found()),
    };
    match page.files.iter().find(|f| f.stem == stem && f.ext == ext) {
        Some(file) => {
            let current = name == file.name();
            Some(render(req, &file.asset, current))
        }
        None => Some(not_found()),
    }
}

/// One compiled-in file with its content hash (the asset's name and its ETag).
struct Asset {
    body: Bytes,
    content_type: &'static str,
    hash: String,
}

impl Asset {
    fn new(body: Bytes, content_type: &'static str) -> Self {
        let digest = Sha256::digest(&body);
        let hash = URL_SAFE_NO_PAD.encode(digest.get(..12).unwrap_or_default());
        Self { body, content_type, hash }
    }
}

/// An asset of a page: `<assets_prefix><stem>.<hash>.<ext>`.
struct File {
    stem: &'static str,
    ext: &'static str,
    asset: Asset,
}

impl File {
    fn name(&self) -> String {
        format!("{}.{}.{}", self.stem, self.asset.hash, self.ext)
    }
}

/// A page: its HTML (with `{{<stem>.<ext>}}` placeholders replaced by the assets' hashed URLs)
/// and its assets under `assets_prefix`.
pub struct Page {
    assets_prefix: &'static str,
    html: Asset,
    files: Vec<File>,
}

impl Page {
    fn new(assets_prefix: &'static str, html: &str, js_stem: &'static str, js: &'static str) -> Self {
        let files = vec![
            File {
                stem: "app",
                ext: "css",
                asset: Asset::new(Bytes::from(compact(CSS, "/*")), "text/css; charset=utf-8"),
            },
            File {
                stem: js_stem,
                ext: "js",
                asset: Asset::new(Bytes::from(compact(js, "//")), "text/javascript; charset=utf-8"),
            },
        ];
        let mut html = compact(html, "<!--");
        for file in &files {
            html = html
                .replace(&format!("{{{{{}.{}}}}}", file.stem, file.ext), &format!("{assets_prefix}{}", file.name()));
        }
        let html = Asset::new(Bytes::from(html), "text/html; charset=utf-8");
        Self { assets_prefix, html, files }
    }
}

/// The sources keep their comments and indentation for people; the wire gets neither (about a
/// sixth less). Only whole lines change: indentation goes, and blank lines and lines that are
/// a comment (`comment` opens it, and for CSS/HTML it closes on the same line) are dropped.
/// Sound because no string, template literal or `<pre>` in the assets spans lines.
fn compact(source: &str, comment: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines().map(str::trim) {
        let closed = comment == "//" || line.ends_with("*/") || line.ends_with("-->");
        if line.is_empty() || (line.starts_with(comment) && closed) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn render(req: &Request, asset: &Asset, immutable: bool) -> Response {
    let etag = format!("\"{}\"", asset.hash);
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag));
    let mut response = if fresh {
        crate::http::empty(StatusCode::NOT_MODIFIED)
    } else if req.method() == Method::HEAD {
        crate::http::empty(StatusCode::OK)
    } else {
        Response::new(asset.body.clone())
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn not_found() -> Response {
    crate::error::ApiError::route_not_found().render()
}

#[cfg(test)]
mod tests;
