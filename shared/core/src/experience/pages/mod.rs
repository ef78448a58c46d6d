//! The sign-in page: one static HTML shell for every screen Logto's `/oidc/auth` can send the
//! browser to (`/sign-in`, `/register`, `/reset-password`, …; the script picks the screen from the
//! path) and its two assets under `/sign-in/assets/`. Everything is compiled into the binary, so
//! the Workers and Lambda builds serve the same bytes as the local server. The page talks only to
//! the Experience API and `GET /api/.well-known/sign-in-exp`.
//!
//! Headers: a strict CSP (no inline script or style, same-origin fetches only, no framing);
//! assets are named by a hash of their content, so they are cached for a year, while the HTML
//! is revalidated on every visit (ETag) so a new deploy is picked up at once.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::{Request, Response};

const HTML: &str = include_str!("assets/index.html");
const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");

/// Where the assets live; under `/sign-in` so every host already routes them to this group.
pub const ASSETS_PREFIX: &str = "/sign-in/assets/";

/// The paths that render the page: Logto's experience routes that `first_screen` maps to
/// (`packages/schemas/src/consts/experience.ts`) plus the SPA's own `/forgot-password`.
/// Enterprise SSO and social sign-in are not offered yet: `/single-sign-on` shows the sign-in
/// form and `/direct/<method>/<target>?fallback=<screen>` (`direct_sign_in`) its fallback screen.
pub const SCREENS: &[&str] = &[
    "/sign-in",
    "/register",
    "/forgot-password",
    "/reset-password",
    "/identifier-sign-in",
    "/identifier-register",
    "/single-sign-on",
];

/// Where `/oidc/auth` sends `direct_sign_in` requests.
pub const DIRECT_PREFIX: &str = "/direct/";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Whether `path` is the page or one of its assets (what `Group::for_path` sends here).
pub fn serves(path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    SCREENS.contains(&path) || path.starts_with(ASSETS_PREFIX) || path.starts_with(DIRECT_PREFIX)
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

struct Assets {
    html: Asset,
    css: Asset,
    js: Asset,
}

fn assets() -> &'static Assets {
    static ASSETS: OnceLock<Assets> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let css = Asset::new(Bytes::from_static(CSS.as_bytes()), "text/css; charset=utf-8");
        let js = Asset::new(Bytes::from_static(JS.as_bytes()), "text/javascript; charset=utf-8");
        let html = HTML
            .replace("{{css}}", &format!("{ASSETS_PREFIX}app.{}.css", css.hash))
            .replace("{{js}}", &format!("{ASSETS_PREFIX}app.{}.js", js.hash));
        let html = Asset::new(Bytes::from(html), "text/html; charset=utf-8");
        Assets { html, css, js }
    })
}

/// Serve the page or an asset; `None` when `path` is not ours.
pub fn serve(req: &Request) -> Option<Response> {
    let path = req.uri().path();
    if !serves(path) {
        return None;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut response = crate::http::empty(StatusCode::METHOD_NOT_ALLOWED);
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(response);
    }
    let assets = assets();
    let (asset, immutable) = match path.strip_prefix(ASSETS_PREFIX) {
        None => (&assets.html, false),
        Some(name) => {
            let (asset, ext) = match name.rsplit_once('.') {
                Some((_, "css")) => (&assets.css, "css"),
                Some((_, "js")) => (&assets.js, "js"),
                _ => return Some(not_found()),
            };
            // `app.<hash>.<ext>` is cached for good; any other name (an old hash after a deploy,
            // or none) still gets the current file, but must be revalidated.
            let current = name == format!("app.{}.{ext}", asset.hash);
            if !current && !name.starts_with("app.") {
                return Some(not_found());
            }
            (asset, current)
        }
    };
    Some(render(req, asset, immutable))
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
