//! The authorization endpoint over HTTP: every check (data-driven), where its error goes, and
//! the journey authorize → sign in (`interaction::finish_login`) → resume → consent → code.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::domain::application::{self, ApplicationRecord, ApplicationType};
use crate::domain::authorization_code;
use crate::domain::{interaction, session, user};
use crate::testing::{self, T0, TestApp, seed::API};

pub(crate) const SPA_CB: &str = "https://spa.example.com/callback";
pub(crate) const WEB_CB: &str = "https://web.example.com/callback";
pub(crate) const NATIVE_CB: &str = "http://localhost:3000/callback";
/// A valid S256 challenge (43 characters).
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub(crate) async fn world() -> TestApp {
    let app = testing::app();
    testing::seed(&app).await;
    let store = app.store.as_ref();
    for (id, t, uris) in [
        ("spa-app", ApplicationType::Spa, vec![SPA_CB, "https://*.preview.example.com/callback"]),
        ("web-app", ApplicationType::Traditional, vec![WEB_CB]),
        ("native-app", ApplicationType::Native, vec![NATIVE_CB, "io.example.app://callback"]),
        ("m2m-app", ApplicationType::MachineToMachine, vec![WEB_CB]),
    ] {
        let mut record = ApplicationRecord::new(id.into(), id.into(), t, T0);
        record.app.oidc_client_metadata.redirect_uris = uris.iter().map(|u| (*u).to_owned()).collect();
        record.app.oidc_client_metadata.post_logout_redirect_uris = vec![format!("{}/logged-out", uris[0])];
        application::insert(store, &record).await.unwrap();
    }
    for id in ["user-1", "user-2"] {
        user::insert_record(store, &user::UserRecord::new(id.into(), T0)).await.unwrap();
    }
    app
}

pub(crate) fn spa_query(extra: &str) -> String {
    let base = format!(
        "client_id=spa-app&redirect_uri={}&response_type=code&scope=openid%20profile&state=st&code_challenge={CHALLENGE}&code_challenge_method=S256",
        urlencode(SPA_CB)
    );
    if extra.is_empty() { base } else { format!("{base}&{extra}") }
}

pub(crate) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap().trim_start_matches("x=").to_owned()
}

pub(crate) async fn get(app: &TestApp, path: &str, cookies: &str) -> (StatusCode, HeaderMap, Bytes) {
    let mut builder = http::Request::get(path);
    if !cookies.is_empty() {
        builder = builder.header("cookie", cookies);
    }
    let (parts, body) = crate::handle(app, builder.body(Bytes::new()).unwrap()).await.into_parts();
    (parts.status, parts.headers, body)
}

pub(crate) fn location(headers: &HeaderMap) -> String {
    headers.get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

pub(crate) fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap()
}

pub(crate) fn param(url: &str, name: &str) -> Option<String> {
    query_of(url).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Cookies a browser would send back after `headers` (name=value of every Set-Cookie that
/// does not delete), merged into `jar`.
pub(crate) fn keep_cookies(jar: &mut Vec<(String, String)>, headers: &HeaderMap) {
    for value in headers.get_all("set-cookie") {
        let text = value.to_str().unwrap();
        let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
        let (name, v) = pair.split_once('=').unwrap();
        jar.retain(|(n, _)| n != name);
        if !attrs.contains("Max-Age=0") {
            jar.push((name.to_owned(), v.to_owned()));
        }
    }
}

pub(crate) fn jar_header(jar: &[(String, String)]) -> String {
    jar.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
}

enum Expect {
    /// Rendered (no redirect): status and `error`.
    Render(u16, &'static str, &'static str),
    /// Sent back to the redirect URI: `error` and `error_description`.
    Back(&'static str, &'static str),
    /// Sent to the sign-in page.
    SignIn,
}

#[tokio::test]
async fn every_check_answers_as_node_oidc_provider_and_only_redirects_to_registered_uris() {
    let app = world().await;
    let spa_cb = urlencode(SPA_CB);
    let cases: Vec<(&str, String, Expect)> = vec![
        ("a valid request signs in", spa_query(""), Expect::SignIn),
        (
            "no client_id",
            "response_type=code".into(),
            Expect::Render(400, "invalid_request", "missing required parameter 'client_id'"),
        ),
        (
            "unknown client",
            spa_query("").replace("spa-app", "nope"),
            Expect::Render(400, "invalid_client", "client is invalid"),
        ),
        (
            "unregistered redirect_uri",
            spa_query("").replace(&spa_cb, &urlencode("https://evil.example.com/cb")),
            Expect::Render(
                400,
                "invalid_redirect_uri",
                "redirect_uri did not match any of the client's registered redirect_uris",
            ),
        ),
        (
            "a pattern is not a target",
            spa_query("").replace(&spa_cb, &urlencode("https://*.preview.example.com/callback")),
            Expect::Render(
                400,
                "invalid_redirect_uri",
                "redirect_uri did not match any of the client's registered redirect_uris",
            ),
        ),
        (
            "a wildcard-matched redirect_uri",
            spa_query("").replace(&spa_cb, &urlencode("https://pr-7.preview.example.com/callback")),
            Expect::SignIn,
        ),
        (
            "an error with an unregistered redirect_uri is not redirected",
            spa_query("prompt=bogus").replace(&spa_cb, &urlencode("https://evil.example.com/cb")),
            Expect::Render(
                400,
                "invalid_redirect_uri",
                "redirect_uri did not match any of the client's registered redirect_uris",
            ),
        ),
        (
            "no redirect_uri",
            spa_query("").replace(&format!("redirect_uri={spa_cb}&"), ""),
            Expect::Render(400, "invalid_request", "missing required parameter 'redirect_uri'"),
        ),
        (
            "duplicated redirect_uri",
            spa_query(&format!("redirect_uri={spa_cb}")),
            Expect::Render(400, "invalid_request", "'redirect_uri' parameter must not be provided twice"),
        ),
        (
            "duplicated state",
            spa_query("state=again"),
            Expect::Back("invalid_request", "'state' parameter must not be provided twice"),
        ),
        (
            "no response_type",
            spa_query("").replace("response_type=code&", ""),
            Expect::Back("invalid_request", "missing required parameter 'response_type'"),
        ),
        (
            "response_type=token",
            spa_query("").replace("response_type=code", "response_type=token"),
            Expect::Back("unsupported_response_type", "unsupported response_type requested"),
        ),
        (
            "response_type=id_token",
            spa_query("").replace("response_type=code", "response_type=id_token"),
            Expect::Back("invalid_request", "requested response_type is not allowed for this client"),
        ),
        (
            "response_mode=jwt",
            spa_query("response_mode=jwt"),
            Expect::Back("unsupported_response_mode", "unsupported response_mode requested"),
        ),
        (
            "unknown prompt",
            spa_query("prompt=bogus"),
            Expect::Back("invalid_request", "unsupported prompt value requested"),
        ),
        (
            "prompt none with another",
            spa_query("prompt=none%20login"),
            Expect::Back("invalid_request", "prompt none must only be used alone"),
        ),
        (
            "prompt=none without a session",
            spa_query("prompt=none"),
            Expect::Back("login_required", "End-User authentication is required"),
        ),
        (
            "bad scope characters",
            spa_query("").replace("scope=openid%20profile", "scope=openid%20%22x"),
            Expect::Back("invalid_scope", "scope contains invalid characters"),
        ),
        (
            "nonce without openid",
            spa_query("nonce=n").replace("scope=openid%20profile", "scope=profile"),
            Expect::Back("invalid_request", "openid scope must be requested when using the nonce parameter"),
        ),
        (
            "SPA without PKCE",
            spa_query("").replace(&format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"), ""),
            Expect::Back("invalid_request", "Authorization Server policy requires PKCE to be used for this request"),
        ),
        (
            "PKCE plain",
            spa_query("").replace("code_challenge_method=S256", "code_challenge_method=plain"),
            Expect::Back("invalid_request", "not supported value of code_challenge_method"),
        ),
        (
            "challenge without method",
            spa_query("").replace("&code_challenge_method=S256", ""),
            Expect::Back("invalid_request", "code_challenge_method must be provided"),
        ),
        (
            "short challenge",
            spa_query("").replace(CHALLENGE, "short"),
            Expect::Back("invalid_request", "code_challenge must be a string with a minimum length of 43 characters"),
        ),
        (
            "unknown resource",
            spa_query(&format!("resource={}", urlencode("https://unknown.example.com"))),
            Expect::Back("invalid_target", "resource indicator is missing, or unknown"),
        ),
        (
            "relative resource",
            spa_query("resource=api"),
            Expect::Back("invalid_target", "resource indicator must be an absolute URI"),
        ),
        ("known resource", spa_query(&format!("resource={}", urlencode(API))), Expect::SignIn),
        (
            "Logto's reserved organization resource",
            spa_query(&format!("resource={}", urlencode("urn:logto:resource:organizations"))),
            Expect::SignIn,
        ),
        (
            "negative max_age",
            spa_query("max_age=-1"),
            Expect::Back("invalid_request", "invalid max_age parameter value"),
        ),
        (
            "request objects",
            spa_query("request=eyJ"),
            Expect::Back("request_not_supported", "request parameter is not supported"),
        ),
        (
            "web app without PKCE",
            format!("client_id=web-app&redirect_uri={}&response_type=code&scope=openid", urlencode(WEB_CB)),
            Expect::SignIn,
        ),
        (
            "M2M apps cannot authorize users",
            format!("client_id=m2m-app&redirect_uri={}&response_type=code&scope=openid", urlencode(WEB_CB)),
            Expect::Back("invalid_request", "requested response_type is not allowed for this client"),
        ),
        (
            "native loopback on any port",
            format!(
                "client_id=native-app&redirect_uri={}&response_type=code&scope=openid&code_challenge={CHALLENGE}&code_challenge_method=S256",
                urlencode("http://localhost:4567/callback")
            ),
            Expect::SignIn,
        ),
    ];
    for (case, query, expect) in cases {
        let (status, headers, body) = get(&app, &format!("/oidc/auth?{query}"), "").await;
        match expect {
            Expect::Render(code, error, description) => {
                assert_eq!(status.as_u16(), code, "{case}");
                assert!(headers.get("location").is_none(), "{case}: rendered errors never redirect");
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(
                    (json["error"].as_str(), json["error_description"].as_str()),
                    (Some(error), Some(description)),
                    "{case}"
                );
                assert_eq!(json["code"], format!("oidc.{error}"), "{case}");
            }
            Expect::Back(error, description) => {
                assert_eq!(status, 303, "{case}");
                let to = location(&headers);
                let redirect = query.split('&').find_map(|p| p.strip_prefix("redirect_uri=")).unwrap();
                let expected_base: String =
                    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("r={redirect}")).unwrap()[0].1.clone();
                assert!(to.starts_with(&format!("{expected_base}?")), "{case}: {to}");
                assert_eq!(param(&to, "error").as_deref(), Some(error), "{case}");
                assert_eq!(param(&to, "error_description").as_deref(), Some(description), "{case}");
                assert_eq!(param(&to, "iss").as_deref(), Some("http://localhost:3001/oidc"), "{case}");
                if !case.contains("state") && query.contains("state=st") {
                    assert_eq!(param(&to, "state").as_deref(), Some("st"), "{case}");
                }
                assert!(headers.get("set-cookie").is_none(), "{case}: an error starts no interaction");
            }
            Expect::SignIn => {
                assert_eq!(status, 303, "{case}: {}", String::from_utf8_lossy(&body));
                assert!(location(&headers).starts_with("/sign-in?app_id="), "{case}: {}", location(&headers));
            }
        }
    }
}

#[tokio::test]
async fn post_is_get_with_a_form_body() {
    let app = world().await;
    let req = testing::post_form("/oidc/auth", None, &spa_query(""));
    let res = crate::handle(&app, req).await;
    assert_eq!(res.status(), 303);
    assert!(location(res.headers()).starts_with("/sign-in?app_id=spa-app"));
}

#[tokio::test]
async fn the_sign_in_page_gets_logtos_query_and_cookies() {
    let app = world().await;
    let (status, headers, _) = get(
        &app,
        &format!(
            "/oidc/auth?{}",
            spa_query("first_screen=register&login_hint=a%40b.c&ui_locales=fr&organization_id=o1&identifier=email")
        ),
        "",
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location(&headers),
        "/register?app_id=spa-app&organization_id=o1&ui_locales=fr&login_hint=a%40b.c&identifier=email"
    );
    let cookies: Vec<&str> = headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    for name in ["_interaction=", "_interaction.sig=", "_interaction_resume=", "_interaction_resume.sig=", "_logto="] {
        assert!(cookies.iter().any(|c| c.starts_with(name)), "{name} in {cookies:?}");
    }
    let interaction = cookies.iter().find(|c| c.starts_with("_interaction=")).unwrap();
    assert!(interaction.contains("Path=/; Max-Age=3600; HttpOnly; SameSite=Lax"), "{interaction}");
    let logto = cookies.iter().find(|c| c.starts_with("_logto=")).unwrap();
    assert!(!logto.contains("HttpOnly"), "the page reads _logto");

    let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query("direct_sign_in=social:google")), "").await;
    assert_eq!(location(&headers), "/direct/social/google?app_id=spa-app&fallback=sign-in");
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query("interaction_mode=signUp")), "").await;
    assert_eq!(location(&headers), "/register?app_id=spa-app");
    // One invalid extra drops them all (Logto parses them as one object).
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query("first_screen=nope&login_hint=x")), "").await;
    assert_eq!(location(&headers), "/sign-in?app_id=spa-app");
}

/// The whole hop sequence a browser makes; returns the final callback URL and the cookie jar.
pub(crate) async fn sign_in(app: &TestApp, query: &str, jar: &mut Vec<(String, String)>, account: &str) -> String {
    let (status, headers, _) = get(app, &format!("/oidc/auth?{query}"), &jar_header(jar)).await;
    assert_eq!(status, 303);
    keep_cookies(jar, &headers);
    let mut next = location(&headers);
    if next.starts_with("/sign-in") {
        // What `POST /api/experience/submit` does once the user is verified.
        let req = http::Request::get("/api/experience").header("cookie", jar_header(jar)).body(Bytes::new()).unwrap();
        let (found, version) = interaction::from_request(app, &req).await.unwrap();
        next = interaction::finish_login(app, found, version, account, vec!["pwd".into()]).await.unwrap();
    }
    for _ in 0..4 {
        if next.starts_with(SPA_CB) || next.starts_with(WEB_CB) || next.starts_with(NATIVE_CB) {
            return next;
        }
        let path = next.trim_start_matches("http://localhost:3001");
        let (status, headers, body) = get(app, path, &jar_header(jar)).await;
        assert!(status.is_redirection(), "{path}: {status} {}", String::from_utf8_lossy(&body));
        keep_cookies(jar, &headers);
        next = location(&headers);
    }
    panic!("too many hops, last {next}");
}

#[tokio::test]
async fn authorize_sign_in_resume_consent_code() {
    let app = world().await;
    let mut jar = Vec::new();
    let query = spa_query(&format!(
        "prompt=consent&scope=openid%20offline_access%20profile%20read&resource={}&nonce=n1",
        urlencode(API)
    ))
    .replace("scope=openid%20profile&", "");
    // Watch each hop's shape once, by hand.
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{query}"), "").await;
    keep_cookies(&mut jar, &headers);
    let req = http::Request::get("/api/experience?app_id=spa-app")
        .header("cookie", jar_header(&jar))
        .body(Bytes::new())
        .unwrap();
    let (found, version) = interaction::from_request(&app, &req).await.unwrap();
    assert_eq!(found.params.scope, "openid offline_access profile read", "offline_access kept with prompt=consent");
    let resume = interaction::finish_login(&app, found, version, "user-1", vec!["pwd".into()]).await.unwrap();
    let (status, headers, _) = get(&app, resume.trim_start_matches("http://localhost:3001"), &jar_header(&jar)).await;
    assert_eq!(status, 303);
    assert_eq!(location(&headers), "/consent?app_id=spa-app");
    keep_cookies(&mut jar, &headers);
    assert!(jar.iter().any(|(n, _)| n == "_session"), "the session cookie is set on resume");
    let (status, headers, _) = get(&app, "/consent?app_id=spa-app", &jar_header(&jar)).await;
    assert_eq!(status, 302);
    let back = location(&headers);
    assert!(back.starts_with("http://localhost:3001/oidc/auth/"), "{back}");
    keep_cookies(&mut jar, &headers);
    let (status, headers, _) = get(&app, back.trim_start_matches("http://localhost:3001"), &jar_header(&jar)).await;
    assert_eq!(status, 303);
    keep_cookies(&mut jar, &headers);
    let callback = location(&headers);
    assert!(callback.starts_with(&format!("{SPA_CB}?code=")), "{callback}");
    assert_eq!(param(&callback, "state").as_deref(), Some("st"));
    assert_eq!(param(&callback, "iss").as_deref(), Some("http://localhost:3001/oidc"));

    let code = param(&callback, "code").unwrap();
    let (record, _) = authorization_code::find(&app, &code).await.unwrap().unwrap();
    let (r, c) = (record.request.clone(), record.request.context);
    assert_eq!((c.client_id.as_str(), c.account_id.as_str(), r.redirect_uri.as_str()), ("spa-app", "user-1", SPA_CB));
    assert_eq!(c.scope, "openid offline_access profile read");
    assert_eq!(c.resource, [API]);
    assert_eq!((c.nonce.as_deref(), r.code_challenge.as_deref()), (Some("n1"), Some(CHALLENGE)));
    assert_eq!((c.auth_time, c.amr.as_slice()), (T0 / 1000, ["pwd".to_owned()].as_slice()));

    // Signed in with a grant: a new request without prompt=consent gets a code straight away,
    // and prompt=none works.
    for extra in ["", "prompt=none"] {
        let (status, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query(extra)), &jar_header(&jar)).await;
        assert_eq!(status, 303);
        assert!(location(&headers).starts_with(&format!("{SPA_CB}?code=")), "{extra}: {}", location(&headers));
    }
    // prompt=login and an exceeded max_age ask for the sign-in again.
    for extra in ["prompt=login", "max_age=60"] {
        app.clock.advance_ms(if extra == "max_age=60" { 120_000 } else { 0 });
        let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query(extra)), &jar_header(&jar)).await;
        assert!(location(&headers).starts_with("/sign-in?"), "{extra}: {}", location(&headers));
    }
    // A new scope needs consent: prompt=none says so.
    let (_, headers, _) = get(
        &app,
        &format!("/oidc/auth?{}", spa_query("prompt=none&scope=openid%20email").replace("scope=openid%20profile&", "")),
        &jar_header(&jar),
    )
    .await;
    assert_eq!(param(&location(&headers), "error").as_deref(), Some("consent_required"));
}

#[tokio::test]
async fn resume_refuses_missing_tampered_and_replayed_cookies_without_writing() {
    let app = world().await;
    let mut jar = Vec::new();
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query("")), "").await;
    keep_cookies(&mut jar, &headers);
    let req = http::Request::get("/api/experience").header("cookie", jar_header(&jar)).body(Bytes::new()).unwrap();
    let (found, version) = interaction::from_request(&app, &req).await.unwrap();
    let uid = found.uid.clone();
    let resume = interaction::finish_login(&app, found, version, "user-1", vec![]).await.unwrap();
    let path = resume.trim_start_matches("http://localhost:3001").to_owned();

    let expect_not_found = |(status, _, body): (StatusCode, HeaderMap, Bytes), description: &str| {
        assert_eq!(status, 400, "{description}");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], "session.not_found");
        assert_eq!(json["error_description"], description);
    };
    expect_not_found(get(&app, &path, "").await, "authorization request has expired");
    let tampered = jar_header(&jar).replace("_interaction_resume.sig=", "_interaction_resume.sig=x");
    expect_not_found(get(&app, &path, &tampered).await, "authorization request has expired");
    expect_not_found(get(&app, "/oidc/auth/unknown-uid", &jar_header(&jar)).await, "authorization request has expired");
    assert!(interaction::find(&app, &uid).await.unwrap().is_some(), "refusals consume nothing");

    let (status, headers, _) = get(&app, &path, &jar_header(&jar)).await;
    assert_eq!(status, 303, "the real resume works");
    assert!(location(&headers).starts_with("/consent"));
    // The same resume again (a replay with the old cookies) finds nothing.
    expect_not_found(get(&app, &path, &jar_header(&jar)).await, "interaction session not found");
    // An expired interaction is gone too.
    let mut jar2 = Vec::new();
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query("")), "").await;
    keep_cookies(&mut jar2, &headers);
    app.clock.advance_ms(interaction::TTL_MS);
    let req = http::Request::get("/api/experience").header("cookie", jar_header(&jar2)).body(Bytes::new()).unwrap();
    assert!(interaction::from_request(&app, &req).await.is_err());
    // /consent without an interaction is Logto's session.not_found.
    let (status, _, body) = get(&app, "/consent?app_id=spa-app", "").await;
    assert_eq!(status, 400);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["code"], "session.not_found");
}

#[tokio::test]
async fn native_apps_consent_every_time_and_the_demo_app_signs_in() {
    let app = world().await;
    crate::bootstrap::seed_demo_app(&app).await.unwrap();
    let mut jar = Vec::new();
    let query = format!(
        "client_id=native-app&redirect_uri={}&response_type=code&scope=openid&code_challenge={CHALLENGE}&code_challenge_method=S256",
        urlencode(NATIVE_CB)
    );
    let callback = sign_in(&app, &query, &mut jar, "user-1").await;
    assert!(callback.starts_with(&format!("{NATIVE_CB}?code=")), "{callback}");
    // A second authorization goes through /consent again (native_client_prompt).
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{query}"), &jar_header(&jar)).await;
    assert_eq!(location(&headers), "/consent?app_id=native-app");

    let demo = "http://localhost:3001/demo-app";
    let query = format!(
        "client_id=demo-app&redirect_uri={}&response_type=code&scope=openid&code_challenge={CHALLENGE}&code_challenge_method=S256",
        urlencode(demo)
    );
    let (status, headers, _) = get(&app, &format!("/oidc/auth?{query}"), "").await;
    assert_eq!(status, 303);
    assert!(location(&headers).starts_with("/sign-in?app_id=demo-app"));
}

#[tokio::test]
async fn suspended_and_deleted_users_lose_their_sessions() {
    let app = world().await;
    let mut jar = Vec::new();
    assert!(sign_in(&app, &spa_query(""), &mut jar, "user-1").await.starts_with(SPA_CB));
    // Suspended behind the session's back (no sign-out hook ran): the next authorization fails.
    let current = user::find(app.store.as_ref(), "user-1").await.unwrap().unwrap();
    let mut suspended = current.value.clone();
    suspended.is_suspended = true;
    user::update(app.store.as_ref(), &current, &suspended).await.unwrap();
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query("")), &jar_header(&jar)).await;
    let to = location(&headers);
    assert_eq!(
        (param(&to, "error").as_deref(), param(&to, "error_description").as_deref()),
        (Some("invalid_grant"), Some("user is suspended"))
    );

    // The Management API's suspension runs `user::sign_out`: the session and its grant are gone.
    let keys = crate::domain::cookies::keys(&app).await.unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("cookie", jar_header(&jar).parse().unwrap());
    let (signed_in, _) = session::from_headers(&app, &headers, &keys).await.unwrap().unwrap();
    let grant_id = signed_in.grants["spa-app"].clone();
    user::sign_out(&app, "user-1").await.unwrap();
    assert!(session::find(&app, &signed_in.uid).await.unwrap().is_none());
    assert!(crate::domain::grant::find(&app, &grant_id).await.unwrap().is_none());
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query("")), &jar_header(&jar)).await;
    assert!(location(&headers).starts_with("/sign-in?"), "signed out: sign in again");
}

#[tokio::test]
async fn prompt_login_with_consent_ends_in_a_code_not_a_loop() {
    let app = world().await;
    let mut jar = Vec::new();
    assert!(sign_in(&app, &spa_query(""), &mut jar, "user-1").await.starts_with(SPA_CB));
    // Signed in already; prompt=login forces the sign-in, then consent, then the code.
    let callback = sign_in(&app, &spa_query("prompt=login%20consent"), &mut jar, "user-1").await;
    assert!(callback.starts_with(&format!("{SPA_CB}?code=")), "{callback}");
}

#[tokio::test]
async fn third_party_apps_are_never_consented_automatically() {
    let app = world().await;
    let mut record = ApplicationRecord::new("partner-app".into(), "Partner".into(), ApplicationType::Traditional, T0);
    record.app.is_third_party = true;
    record.app.oidc_client_metadata.redirect_uris = vec![WEB_CB.to_owned()];
    application::insert(app.store.as_ref(), &record).await.unwrap();

    let mut jar = Vec::new();
    let query = format!(
        "client_id=partner-app&redirect_uri={}&response_type=code&scope=openid%20profile&state=st",
        urlencode(WEB_CB)
    );
    let (_, headers, _) = get(&app, &format!("/oidc/auth?{query}"), "").await;
    keep_cookies(&mut jar, &headers);
    let req = http::Request::get("/api/experience?app_id=partner-app")
        .header("cookie", jar_header(&jar))
        .body(Bytes::new())
        .unwrap();
    let (found, version) = interaction::from_request(&app, &req).await.unwrap();
    let resume = interaction::finish_login(&app, found, version, "user-1", vec!["pwd".into()]).await.unwrap();
    let (_, headers, _) = get(&app, resume.trim_start_matches("http://localhost:3001"), &jar_header(&jar)).await;
    assert_eq!(location(&headers), "/consent?app_id=partner-app");
    keep_cookies(&mut jar, &headers);

    let (status, headers, body) = get(&app, "/consent?app_id=partner-app", &jar_header(&jar)).await;
    assert_eq!(status, 403);
    assert!(location(&headers).is_empty(), "no redirect towards a code");
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["code"], "oidc.access_denied", "{error}");
    let grants = crate::store::Store::list(app.store.as_ref(), &crate::store::keys::account_grants("user-1"), None, 10)
        .await
        .unwrap();
    assert!(grants.items.is_empty(), "no grant was written");
}
