use bytes::Bytes;
use http::{Method, StatusCode, header};

use super::sign_in::{ASSETS_PREFIX, JS};
use super::*;
use crate::Group;

fn request(method: Method, path: &str) -> Request {
    http::Request::builder().method(method).uri(path).body(Bytes::new()).unwrap()
}

fn get(path: &str) -> Response {
    serve(&request(Method::GET, path)).unwrap_or_else(|| panic!("{path} is not served"))
}

fn header(response: &Response, name: header::HeaderName) -> &str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn html_of(path: &str) -> String {
    String::from_utf8(get(path).body().to_vec()).unwrap()
}

fn html() -> String {
    html_of("/sign-in")
}

/// The asset URL a page references, e.g. `/sign-in/assets/sign-in.<hash>.js`.
fn referenced_by(path: &str, prefix: &str, ext: &str) -> String {
    let html = html_of(path);
    let end = html.find(&format!(".{ext}\"")).unwrap_or(0) + ext.len() + 1;
    let start = html[..end].rfind(prefix).unwrap_or(0);
    html[start..end].to_owned()
}

fn referenced(ext: &str) -> String {
    referenced_by("/sign-in", ASSETS_PREFIX, ext)
}

#[test]
fn every_screen_logto_redirects_to_is_the_experience_group_and_renders_the_page() {
    for path in [
        "/sign-in",
        "/register",
        "/forgot-password",
        "/reset-password",
        "/identifier-sign-in",
        "/identifier-register",
        "/single-sign-on",
        "/direct/social/google",
        "/register/",
        "/callback/github-web",
        "/account",
    ] {
        assert_eq!(Group::for_path(path), Group::Experience, "{path}");
        let response = get(path);
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, header::CONTENT_TYPE), "text/html; charset=utf-8");
        assert_eq!(header(&response, header::CACHE_CONTROL), "no-cache");
    }
    // Neighbours stay where they were.
    assert_eq!(Group::for_path("/registered"), Group::Management);
    assert_eq!(Group::for_path("/direct"), Group::Management);
    assert_eq!(Group::for_path("/api/register"), Group::Management);
    assert_eq!(Group::for_path("/consent"), Group::Oidc);
    assert_eq!(Group::for_path("/accounts"), Group::Management);
    assert_eq!(Group::for_path("/api/my-account"), Group::Account);
    assert_eq!(Group::for_path("/api/account-center"), Group::Management);
    assert!(serve(&request(Method::GET, "/api/experience")).is_none());
    assert!(serve(&request(Method::GET, "/callback/")).is_none());
    // A form_post IdP's answer is the Experience API's (it turns it into a GET).
    assert!(serve(&request(Method::POST, "/callback/github-web")).is_none());
    assert_eq!(Group::for_path("/callback/github-web"), Group::Experience);
}

#[test]
fn the_page_and_its_assets_carry_a_strict_csp_and_no_inline_script() {
    let html = html();
    assert!(html.contains("<script src=\"/sign-in/assets/sign-in."), "{html}");
    assert!(!html.contains("{{"), "unreplaced placeholder in {html}");
    assert!(!html.contains("<script>") && !html.contains("style="), "inline script or style in the page");
    let account = html_of("/account");
    assert!(!account.contains("{{") && !account.contains("<script>") && !account.contains("style="), "{account}");
    let account_js = referenced_by("/account", super::account::ASSETS_PREFIX, "js");
    assert!(account_js.starts_with("/account/assets/account."), "{account_js}");
    for path in ["/sign-in".to_owned(), referenced("js"), referenced("css"), "/account".to_owned(), account_js] {
        let response = get(&path);
        let csp = header(&response, header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(header(&response, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header(&response, header::X_FRAME_OPTIONS), "DENY");
    }
}

#[test]
fn hashed_assets_are_cached_for_a_year_and_revalidate_by_etag() {
    let js = referenced("js");
    let response = get(&js);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, header::CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert_eq!(header(&response, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
    assert_eq!(response.body().as_ref(), compact(JS, "//").as_bytes());
    let css = get(&referenced("css"));
    assert_eq!(header(&css, header::CONTENT_TYPE), "text/css; charset=utf-8");
    assert_eq!(css.body().as_ref(), compact(CSS, "/*").as_bytes());

    // An old hash (a page cached before a deploy) still gets the file, but not for a year.
    let stale = get("/sign-in/assets/sign-in.0ld0ld0ld0ld.js");
    assert_eq!(stale.status(), StatusCode::OK);
    assert_eq!(header(&stale, header::CACHE_CONTROL), "no-cache");

    let etag = header(&response, header::ETAG).to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let mut again = request(Method::GET, &js);
    again.headers_mut().insert(header::IF_NONE_MATCH, etag.parse().unwrap());
    let response = serve(&again).unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert!(response.body().is_empty());
}

#[test]
fn unknown_assets_are_404_and_only_get_and_head_are_allowed() {
    assert_eq!(get("/sign-in/assets/secret.txt").status(), StatusCode::NOT_FOUND);
    assert_eq!(get("/sign-in/assets/other.js").status(), StatusCode::NOT_FOUND);
    assert_eq!(get("/sign-in/assets/account.js").status(), StatusCode::NOT_FOUND, "each page serves its own script");
    assert_eq!(get("/account/assets/nothing").status(), StatusCode::NOT_FOUND);
    let head = serve(&request(Method::HEAD, "/sign-in")).unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert!(head.body().is_empty());
    let post = serve(&request(Method::POST, "/sign-in")).unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&post, header::ALLOW), "GET, HEAD");
}

#[test]
fn the_wire_copy_drops_comments_and_indentation_only() {
    let js = "// why\nconst a = 1; // stays\n\n  if (a) {\n    f('//x');\n  }\n";
    assert_eq!(compact(js, "//"), "const a = 1; // stays\nif (a) {\nf('//x');\n}\n");
    let css = "/* a */\n.a { b: c; }\n/* open\n";
    assert_eq!(compact(css, "/*"), ".a { b: c; }\n/* open\n", "a comment that does not close on its line stays");
    let served = get(&referenced("js"));
    assert!(served.body().len() < JS.len() * 9 / 10, "{} of {}", served.body().len(), JS.len());
}

#[test]
fn the_pages_stay_small() {
    // What a browser downloads for each page (HTML, CSS, JS; before any transfer compression).
    let size = |path: &str, prefix: &str| {
        [
            get(path).body().len(),
            get(&referenced_by(path, prefix, "css")).body().len(),
            get(&referenced_by(path, prefix, "js")).body().len(),
        ]
        .iter()
        .sum::<usize>()
    };
    let sign_in = size("/sign-in", ASSETS_PREFIX);
    assert!(sign_in < 60 * 1024, "the sign-in page grew to {sign_in} bytes");
    let account = size("/account", super::account::ASSETS_PREFIX);
    assert!(account < 44 * 1024, "the account page grew to {account} bytes");
}
