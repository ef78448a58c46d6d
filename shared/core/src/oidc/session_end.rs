//! RP-initiated logout (node-oidc-provider's `end_session`, Logto's pages):
//!
//! - `GET`/`POST /oidc/session/end` checks `id_token_hint` (signed by our keys, our issuer, its
//!   audience the client; an expired hint is fine, as in oidc-provider), `client_id` and
//!   `post_logout_redirect_uri` (exactly one of the client's registered ones, and only with a
//!   known client), then answers Logto's "Sign Out" page whose form posts itself to
//!   `/oidc/session/end/confirm` (with nobody signed in: oidc-provider's auto-submitting form).
//!   What the confirm step needs (an xsrf secret, the client, `state`, the redirect) travels in
//!   a signed, HttpOnly, SameSite=Lax cookie, so another site cannot log the user out.
//! - `POST /oidc/session/end/confirm` (`xsrf`, `logout=yes`) revokes the session's grants that
//!   were not given `offline_access` (with every token issued from them), deletes the session,
//!   clears `_session`, and 303s to the `post_logout_redirect_uri` (+ `state`) or to
//!   `/oidc/session/end/success`.
//! - `GET /oidc/session/end/success`: "You have successfully signed out."

use http::StatusCode;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::auth::{redirect_uri, respond};
use crate::domain::application::{self, ApplicationRecord};
use crate::domain::{cookies, grant, session};
use crate::error::{Internal, OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::jose::{self, JwsError};
use crate::{App, Request, Response};

/// The signed cookie carrying the logout state between the two steps.
const STATE_COOKIE: &str = "_logout_state";
/// How long the confirmation may take.
const STATE_TTL_SECS: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogoutState {
    secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    post_logout_redirect_uri: Option<String>,
}

/// `GET`/`POST /oidc/session/end`.
pub async fn start(app: &App, req: &Request) -> Response {
    let mut response = match run_start(app, req).await {
        Ok(response) => response,
        Err(e) => e.render(),
    };
    respond::no_store(&mut response);
    response
}

fn params(req: &Request) -> Result<FormParams, OAuthError> {
    if req.method() == http::Method::POST {
        return super::form(req);
    }
    let query = req.uri().query().unwrap_or_default();
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .map(FormParams)
        .map_err(|_| OAuthError::invalid_request("invalid query string"))
}

fn single<'a>(params: &'a FormParams, name: &str) -> Result<Option<&'a str>, OAuthError> {
    params.single(name).map_err(OAuthError::invalid_request)
}

async fn run_start(app: &App, req: &Request) -> Result<Response, OAuthError> {
    let params = params(req)?;
    let id_token_hint = single(&params, "id_token_hint")?;
    let client_id = single(&params, "client_id")?;
    let post_logout = single(&params, "post_logout_redirect_uri")?;
    let state = single(&params, "state")?;
    for name in ["ui_locales", "logout_hint"] {
        single(&params, name)?;
    }

    let client = match (id_token_hint, client_id) {
        (Some(hint), _) => Some(check_hint(app, hint, client_id).await?),
        (None, Some(id)) => Some(find_client(app, id, "client is invalid").await?),
        (None, None) => None,
    };
    let post_logout = match (&client, post_logout) {
        (Some(client), Some(uri)) => {
            if !redirect_uri::post_logout_allowed(&client.app.oidc_client_metadata.post_logout_redirect_uris, uri) {
                return Err(OAuthError::invalid_request("post_logout_redirect_uri not registered"));
            }
            Some(uri.to_owned())
        }
        _ => None,
    };

    let keys = cookies::keys_for(app, req.headers()).await?;
    let signed_in = session::from_headers(app, req.headers(), &keys).await?.is_some();
    let logout = LogoutState {
        secret: hex(&random(app, 24)),
        client_id: client.map(|c| c.app.id),
        state: state.map(str::to_owned),
        post_logout_redirect_uri: post_logout,
    };
    let value = serde_json::to_string(&logout).map_err(|e| Internal::Bug(format!("logout state: {e}")))?;
    let action = format!("{}/session/end/confirm", app.config.issuer());
    let secret = respond::html_escape(&logout.secret);
    let body = if signed_in {
        // Logto's `static/html/logout.html` with oidc-provider's form.
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"UTF-8\">\n  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n  <title>Sign Out</title>\n</head>\n<body onload=\"document.getElementById('op.logoutForm').submit();\">\n  <form id=\"op.logoutForm\" method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"xsrf\" value=\"{secret}\"/></form>\n  <input type=\"hidden\" form=\"op.logoutForm\" value=\"yes\" name=\"logout\" />\n</body>\n</html>\n",
            respond::html_escape(&action)
        )
    } else {
        format!(
            "<!DOCTYPE html>\n<html>\n<head>\n  <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n  <title>Submitting Callback</title>\n  <script>document.addEventListener('DOMContentLoaded', function () {{ document.forms[0].submit() }});</script>\n</head>\n<body>\n  <form method=\"post\" action=\"{}\">\n    <input type=\"hidden\" name=\"xsrf\" value=\"{secret}\"/>\n<input type=\"hidden\" name=\"logout\" value=\"yes\"/>\n    <noscript>\n      Your browser does not support JavaScript or you've disabled it.<br/>\n      <button autofocus type=\"submit\">Continue</button>\n    </noscript>\n  </form>\n</body>\n</html>",
            respond::html_escape(&action)
        )
    };
    let mut response = respond::html(StatusCode::OK, body);
    let lifetime = cookies::Lifetime::Seconds(STATE_TTL_SECS);
    let set = cookies::signed(STATE_COOKIE, &value, &keys, lifetime, cookies::secure(&app.config));
    cookies::append(&mut response, set.into_iter().flatten());
    Ok(response)
}

async fn find_client(app: &App, id: &str, description: &str) -> Result<ApplicationRecord, OAuthError> {
    application::find(app.store.as_ref(), id)
        .await?
        .map(|v| v.value)
        .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidClient, description).with_status(StatusCode::BAD_REQUEST))
}

/// The claims of an ID token hint that matter here.
#[derive(Deserialize)]
struct HintClaims {
    iss: String,
    aud: Audience,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn first(&self) -> Option<&str> {
        match self {
            Audience::One(a) => Some(a),
            Audience::Many(all) => all.first().map(String::as_str),
        }
    }

    fn contains(&self, wanted: &str) -> bool {
        match self {
            Audience::One(a) => a == wanted,
            Audience::Many(all) => all.iter().any(|a| a == wanted),
        }
    }
}

/// oidc-provider's `id_token_hint` checks: decodable, its audience a known client (and the
/// `client_id` if one was sent), signed by one of our keys, issued by us. Expiry is ignored.
async fn check_hint(app: &App, hint: &str, client_id: Option<&str>) -> Result<ApplicationRecord, OAuthError> {
    let undecodable = || OAuthError::invalid_request("could not decode id_token_hint");
    let decoded = jose::decode_unverified(hint).map_err(|_| undecodable())?;
    let claims: HintClaims = serde_json::from_slice(&decoded.payload).map_err(|_| undecodable())?;
    let audience = claims.aud.first().ok_or_else(undecodable)?.to_owned();
    if client_id.is_some_and(|id| id != audience) {
        return Err(OAuthError::invalid_request("client_id does not match the provided id_token_hint"));
    }
    let client = find_client(app, &audience, "unrecognized id_token_hint audience").await?;
    let invalid = || OAuthError::invalid_request("could not validate id_token_hint");
    let kid = decoded.header.kid.as_deref().ok_or_else(invalid)?;
    let mut keys = app.signing_keys.get(app).await?;
    if keys.key(kid).is_none() {
        keys = app.signing_keys.refresh_for_unknown_kid(app).await?;
    }
    let key = keys.key(kid).ok_or_else(invalid)?;
    if key.alg != decoded.alg {
        return Err(invalid());
    }
    jose::verify_signature(app.crypto.as_ref(), &decoded, &key.jwk).await.map_err(|e| match e {
        JwsError::Crypto(e) => OAuthError::from(Internal::from(e)),
        _ => invalid(),
    })?;
    if claims.iss != app.config.issuer() || !claims.aud.contains(&client.app.id) {
        return Err(invalid());
    }
    Ok(client)
}

/// `POST /oidc/session/end/confirm`.
pub async fn confirm(app: &App, req: &Request) -> Response {
    let mut response = match run_confirm(app, req).await {
        Ok(response) => response,
        Err(e) => e.render(),
    };
    respond::no_store(&mut response);
    response
}

async fn run_confirm(app: &App, req: &Request) -> Result<Response, OAuthError> {
    let params = super::form(req)?;
    let xsrf = single(&params, "xsrf")?.unwrap_or_default();
    let logout = single(&params, "logout")?.is_some();
    let keys = cookies::keys_for(app, req.headers()).await?;
    let state: LogoutState = cookies::read(req.headers(), STATE_COOKIE, &keys)
        .and_then(|v| serde_json::from_str(&v).ok())
        .ok_or_else(|| OAuthError::invalid_request("could not find logout details"))?;
    if !bool::from(state.secret.as_bytes().ct_eq(xsrf.as_bytes())) {
        return Err(OAuthError::invalid_request("xsrf token invalid"));
    }

    let secure = cookies::secure(&app.config);
    let mut set = cookies::cleared(STATE_COOKIE, secure).to_vec();
    if let Some((current, version)) = session::from_headers(app, req.headers(), &keys).await? {
        let ending: Vec<(&String, &String)> =
            current.grants.iter().filter(|(client, _)| logout || state.client_id.as_ref() == Some(*client)).collect();
        for (client_id, _) in &ending {
            backchannel_logout(app, client_id, &current).await;
        }
        for (_, grant_id) in &ending {
            // Grants given `offline_access` outlive the session (oidc-provider's `persistsLogout`).
            let persists = grant::find(app, grant_id)
                .await?
                .is_some_and(|g| g.value.openid_scopes.iter().any(|s| s == "offline_access"));
            if !persists {
                grant::revoke(app, grant_id).await?;
            }
        }
        if logout {
            session::delete(app, &current).await?;
            set.extend(cookies::cleared(session::COOKIE, secure));
        } else if let Some(client) = &state.client_id {
            let mut kept = current.clone();
            kept.grants.remove(client);
            let ops = kept.write_ops(Some(version))?;
            // A concurrent change of the session (another tab) wins; the grant is revoked anyway.
            if let Err(e) = app.store.commit(ops.into()).await
                && !matches!(e, crate::store::StoreError::Conflict { .. })
            {
                return Err(Internal::from(e).into());
            }
        }
    }

    let location = match &state.post_logout_redirect_uri {
        Some(uri) => {
            let extra: Vec<(&str, &str)> = state.state.as_deref().map(|s| ("state", s)).into_iter().collect();
            with_query(uri, &extra)
        }
        None => {
            let success = format!("{}/session/end/success", app.config.issuer());
            match state.client_id.as_deref().filter(|_| !logout) {
                Some(client) => with_query(&success, &[("client_id", client)]),
                None => success,
            }
        }
    };
    let mut response = respond::see_other(&location);
    cookies::append(&mut response, set);
    Ok(response)
}

/// OpenID Connect Back-Channel Logout 1.0: POST a `logout+jwt` to the client's
/// `backchannelLogoutUri`. Best effort, as in oidc-provider: a failed delivery is logged and
/// the logout goes on.
async fn backchannel_logout(app: &App, client_id: &str, session: &session::SessionRecord) {
    if let Err(e) = try_backchannel_logout(app, client_id, session).await {
        tracing::warn!(client_id, error = %e, "back-channel logout not delivered");
    }
}

async fn try_backchannel_logout(app: &App, client_id: &str, session: &session::SessionRecord) -> Result<(), String> {
    let Some(client) = application::find(app.store.as_ref(), client_id).await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    let metadata = &client.value.app.oidc_client_metadata;
    let Some(uri) = metadata.backchannel_logout_uri.as_deref().filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let Some(http) = app.http_client.as_ref() else {
        return Err("no outgoing HTTP client on this host".into());
    };
    let now = app.clock.now_secs();
    let mut claims = serde_json::json!({
        "iss": app.config.issuer(),
        "aud": client_id,
        "sub": session.account_id,
        "iat": now,
        "exp": now + 120,
        "jti": app.rng.id(21),
        "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
    });
    if metadata.backchannel_logout_session_required == Some(true)
        && let Some(object) = claims.as_object_mut()
    {
        object.insert("sid".into(), session.sid.clone().into());
    }
    let keys = app.signing_keys.get(app).await.map_err(|e| e.to_string())?;
    let payload = serde_json::to_vec(&claims).map_err(|e| e.to_string())?;
    let token =
        jose::encode_with_header(keys.signer.key.as_ref(), keys.signer.alg, &keys.signer.kid, "logout+jwt", &payload)
            .await
            .map_err(|e| e.to_string())?;
    let body = serde_urlencoded::to_string([("logout_token", token.as_str())]).map_err(|e| e.to_string())?;
    let request = http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(bytes::Bytes::from(body))
        .map_err(|e| e.to_string())?;
    let response = http.send(request).await.map_err(|e| e.to_string())?;
    match response.status().as_u16() {
        200 | 204 => Ok(()),
        status => Err(format!("expected 200 OK from {uri}, got {status}")),
    }
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let Ok(mut url) = url::Url::parse(uri) else {
        return uri.to_owned();
    };
    if !pairs.is_empty() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !pairs.iter().any(|(p, _)| p == k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
    }
    url.into()
}

/// `GET /oidc/session/end/success`.
pub async fn success(app: &App, req: &Request) -> Response {
    let query = req.uri().query().unwrap_or_default();
    let params = serde_urlencoded::from_str::<Vec<(String, String)>>(query).map(FormParams).unwrap_or_default();
    match single(&params, "client_id") {
        Ok(Some(id)) => {
            if let Err(e) = find_client(app, id, "client is invalid").await {
                return e.render();
            }
        }
        Ok(None) => {}
        Err(e) => return e.render(),
    }
    respond::html(
        StatusCode::OK,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"UTF-8\">\n  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n  <title>Sign Out</title>\n</head>\n<body>\n  <main>\n    <div class=\"message\">You have successfully signed out.</div>\n  </main>\n</body>\n</html>\n"
            .to_owned(),
    )
}

fn random(app: &App, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    app.rng.fill(&mut buf);
    buf
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::oidc::auth::tests::{
        SPA_CB, WEB_CB, get, jar_header, keep_cookies, location, param, sign_in, spa_query, urlencode, world,
    };
    use crate::testing::TestApp;

    async fn id_token(app: &App, claims: serde_json::Value) -> String {
        let keys = app.signing_keys.get(app).await.unwrap();
        let payload = serde_json::to_vec(&claims).unwrap();
        jose::encode_with_header(keys.signer.key.as_ref(), keys.signer.alg, &keys.signer.kid, "JWT", &payload)
            .await
            .unwrap()
    }

    async fn post(app: &TestApp, path: &str, body: &str, cookies: &str) -> (StatusCode, http::HeaderMap, Bytes) {
        let req = http::Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookies)
            .body(Bytes::from(body.to_owned()))
            .unwrap();
        let (parts, body) = crate::handle(app, req).await.into_parts();
        (parts.status, parts.headers, body)
    }

    fn xsrf_of(page: &[u8]) -> String {
        let page = std::str::from_utf8(page).unwrap();
        let start = page.find("name=\"xsrf\" value=\"").unwrap() + "name=\"xsrf\" value=\"".len();
        page[start..].split('"').next().unwrap().to_owned()
    }

    fn error_of(body: &[u8]) -> (String, String) {
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        (json["error"].as_str().unwrap().to_owned(), json["error_description"].as_str().unwrap().to_owned())
    }

    #[tokio::test]
    async fn logout_ends_the_session_revokes_session_bound_grants_and_returns_to_the_app() {
        let app = world().await;
        let mut jar = Vec::new();
        let offline = spa_query("prompt=consent&scope=openid%20offline_access").replace("scope=openid%20profile&", "");
        assert!(sign_in(&app, &offline, &mut jar, "user-1").await.starts_with(SPA_CB));
        let web = format!("client_id=web-app&redirect_uri={}&response_type=code&scope=openid", urlencode(WEB_CB));
        assert!(sign_in(&app, &web, &mut jar, "user-1").await.starts_with(WEB_CB));
        let keys = cookies::keys(&app).await.unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert("cookie", jar_header(&jar).parse().unwrap());
        let (signed_in, _) = session::from_headers(&app, &headers, &keys).await.unwrap().unwrap();
        let spa_grant = signed_in.grants["spa-app"].clone();
        let web_grant = signed_in.grants["web-app"].clone();

        let back = format!("{SPA_CB}/logged-out");
        let (status, headers, page) = get(
            &app,
            &format!("/oidc/session/end?client_id=spa-app&post_logout_redirect_uri={}&state=bye", urlencode(&back)),
            &jar_header(&jar),
        )
        .await;
        assert_eq!(status, 200);
        let text = std::str::from_utf8(&page).unwrap();
        assert!(text.contains("<title>Sign Out</title>"));
        assert!(text.contains("onload=\"document.getElementById('op.logoutForm').submit();\""));
        assert!(text.contains("action=\"http://localhost:3001/oidc/session/end/confirm\""));
        assert!(text.contains("name=\"logout\""));
        keep_cookies(&mut jar, &headers);
        let xsrf = xsrf_of(&page);

        // Another site's post (no state cookie) and a wrong xsrf change nothing.
        let (status, _, body) = post(&app, "/oidc/session/end/confirm", &format!("xsrf={xsrf}&logout=yes"), "").await;
        assert_eq!((status.as_u16(), error_of(&body).1.as_str()), (400, "could not find logout details"));
        let (status, _, body) =
            post(&app, "/oidc/session/end/confirm", "xsrf=nope&logout=yes", &jar_header(&jar)).await;
        assert_eq!((status.as_u16(), error_of(&body).1.as_str()), (400, "xsrf token invalid"));
        assert!(session::find(&app, &signed_in.uid).await.unwrap().is_some());

        let (status, headers, _) =
            post(&app, "/oidc/session/end/confirm", &format!("xsrf={xsrf}&logout=yes"), &jar_header(&jar)).await;
        assert_eq!(status, 303);
        assert_eq!(location(&headers), format!("{back}?state=bye"));
        let cleared: Vec<&str> = headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
        assert!(cleared.iter().any(|c| c.starts_with("_session=;") && c.contains("Max-Age=0")), "{cleared:?}");
        assert!(session::find(&app, &signed_in.uid).await.unwrap().is_none());
        assert!(grant::find(&app, &web_grant).await.unwrap().is_none(), "a session-bound grant is revoked");
        assert!(grant::find(&app, &spa_grant).await.unwrap().is_some(), "offline_access outlives the session");
        keep_cookies(&mut jar, &headers);
        // Signed out: the next authorization asks for a sign-in again.
        let (_, headers, _) = get(&app, &format!("/oidc/auth?{}", spa_query("")), &jar_header(&jar)).await;
        assert!(location(&headers).starts_with("/sign-in?"));
    }

    /// Logto's `koa-body-etag`: the logout page of a GET carries an ETag (and revalidates), the
    /// same page from a form POST does not, and the POST's xsrf still confirms.
    #[tokio::test]
    async fn the_logout_page_of_a_get_is_tagged_and_a_form_post_renders_it_untagged() {
        let app = world().await;
        let mut jar = Vec::new();
        assert!(sign_in(&app, &spa_query(""), &mut jar, "user-1").await.starts_with(SPA_CB));
        let (status, headers, get_page) = get(&app, "/oidc/session/end?client_id=spa-app", &jar_header(&jar)).await;
        assert_eq!(status, 200);
        let etag = headers.get("etag").expect("a GET's page is tagged").to_str().unwrap().to_owned();
        // Logto's helmet settings for its mounted `/oidc` app: the basic set, no CSP.
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
        assert!(headers.get("content-security-policy").is_none());
        let (status, headers, post_page) =
            post(&app, "/oidc/session/end", "client_id=spa-app", &jar_header(&jar)).await;
        assert_eq!(status, 200);
        assert!(headers.get("etag").is_none(), "a POST is not a cacheable GET");
        let blank = |page: &[u8]| {
            let xsrf = xsrf_of(page);
            std::str::from_utf8(page).unwrap().replace(&xsrf, "xsrf")
        };
        assert_eq!(blank(&get_page), blank(&post_page));
        keep_cookies(&mut jar, &headers);
        let xsrf = xsrf_of(&post_page);
        let (status, _, _) =
            post(&app, "/oidc/session/end/confirm", &format!("xsrf={xsrf}&logout=yes"), &jar_header(&jar)).await;
        assert_eq!(status, 303);

        // A revalidation of an unchanged GET body is a 304 with no body (the page itself holds
        // a fresh xsrf each time, so use the discovery document).
        let (_, headers, _) = get(&app, "/oidc/.well-known/openid-configuration", "").await;
        let etag_doc = headers["etag"].to_str().unwrap().to_owned();
        assert_ne!(etag_doc, etag);
        let req = http::Request::get("/oidc/.well-known/openid-configuration")
            .header("if-none-match", &etag_doc)
            .body(Bytes::new())
            .unwrap();
        let response = crate::handle(&app, req).await;
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert!(response.body().is_empty());
    }

    #[tokio::test]
    async fn hints_clients_and_redirects_are_checked_as_node_oidc_provider_checks_them() {
        let app = world().await;
        let iss = app.config.issuer();
        let expired =
            id_token(&app, serde_json::json!({ "iss": iss, "aud": "spa-app", "sub": "u", "exp": 1, "iat": 0 })).await;
        let foreign_iss =
            id_token(&app, serde_json::json!({ "iss": "https://evil", "aud": "spa-app", "sub": "u", "exp": 1 })).await;
        let unknown_aud = id_token(&app, serde_json::json!({ "iss": iss, "aud": "nope", "sub": "u", "exp": 1 })).await;
        let mut forged = expired.clone();
        forged.replace_range(forged.len() - 4.., "AAAA");
        let back = urlencode(&format!("{SPA_CB}/logged-out"));
        type Refusal = Option<(u16, &'static str, &'static str)>;
        let cases: Vec<(String, Refusal)> = vec![
            (format!("id_token_hint={expired}&post_logout_redirect_uri={back}"), None),
            (
                format!("id_token_hint={expired}&client_id=web-app"),
                Some((400, "invalid_request", "client_id does not match the provided id_token_hint")),
            ),
            (format!("id_token_hint={forged}"), Some((400, "invalid_request", "could not validate id_token_hint"))),
            (
                format!("id_token_hint={foreign_iss}"),
                Some((400, "invalid_request", "could not validate id_token_hint")),
            ),
            (
                format!("id_token_hint={unknown_aud}"),
                Some((400, "invalid_client", "unrecognized id_token_hint audience")),
            ),
            ("id_token_hint=not-a-jwt".to_owned(), Some((400, "invalid_request", "could not decode id_token_hint"))),
            ("client_id=nope".to_owned(), Some((400, "invalid_client", "client is invalid"))),
            (
                format!("client_id=web-app&post_logout_redirect_uri={back}"),
                Some((400, "invalid_request", "post_logout_redirect_uri not registered")),
            ),
            (
                format!("client_id=spa-app&post_logout_redirect_uri={}", urlencode("https://evil.example.com/")),
                Some((400, "invalid_request", "post_logout_redirect_uri not registered")),
            ),
            (
                "client_id=spa-app&client_id=spa-app".to_owned(),
                Some((400, "invalid_request", "'client_id' parameter must not be provided twice")),
            ),
            ("".to_owned(), None),
        ];
        for (query, expected) in cases {
            let (status, _, body) = get(&app, &format!("/oidc/session/end?{query}"), "").await;
            match expected {
                None => assert_eq!(status, 200, "{query}: {}", String::from_utf8_lossy(&body)),
                Some((code, error, description)) => {
                    assert_eq!(status.as_u16(), code, "{query}");
                    assert_eq!(error_of(&body), (error.to_owned(), description.to_owned()), "{query}");
                }
            }
        }

        // Without a client the redirect is ignored: the browser lands on the success page.
        let mut jar = Vec::new();
        let (status, headers, page) =
            get(&app, &format!("/oidc/session/end?post_logout_redirect_uri={back}&state=s"), "").await;
        assert_eq!(status, 200, "nobody signed in: the auto-submitting form");
        keep_cookies(&mut jar, &headers);
        let (status, headers, _) =
            post(&app, "/oidc/session/end/confirm", &format!("xsrf={}&logout=yes", xsrf_of(&page)), &jar_header(&jar))
                .await;
        assert_eq!(status, 303);
        let success = location(&headers);
        assert_eq!(success, "http://localhost:3001/oidc/session/end/success");
        assert_eq!(param(&success, "state"), None);
        let (status, _, page) = get(&app, "/oidc/session/end/success", "").await;
        assert_eq!(status, 200);
        let page = std::str::from_utf8(&page).unwrap();
        assert!(page.contains("<title>Sign Out</title>") && page.contains("You have successfully signed out."));
    }

    struct Recorder(std::sync::Mutex<Vec<crate::ports::OutgoingRequest>>);

    #[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
    #[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
    impl crate::ports::HttpClient for Recorder {
        async fn send(
            &self,
            request: crate::ports::OutgoingRequest,
        ) -> Result<crate::ports::IncomingResponse, crate::ports::HttpClientError> {
            self.0.lock().unwrap().push(request);
            Ok(http::Response::new(Bytes::new()))
        }
    }

    #[tokio::test]
    async fn clients_with_a_back_channel_logout_uri_get_a_logout_token() {
        let TestApp { app, clock, store } = world().await;
        let recorder = std::sync::Arc::new(Recorder(Default::default()));
        let app = TestApp { app: app.with_http_client(recorder.clone()), clock, store };
        let current = application::find(app.store.as_ref(), "web-app").await.unwrap().unwrap();
        let mut next = current.value.clone();
        next.app.oidc_client_metadata.backchannel_logout_uri = Some("https://web.example.com/backchannel".into());
        next.app.oidc_client_metadata.backchannel_logout_session_required = Some(true);
        application::update(app.store.as_ref(), &current, &next, vec![]).await.unwrap();

        let mut jar = Vec::new();
        let web = format!("client_id=web-app&redirect_uri={}&response_type=code&scope=openid", urlencode(WEB_CB));
        let callback = sign_in(&app, &web, &mut jar, "user-1").await;
        let code = param(&callback, "code").unwrap();
        let sid =
            crate::domain::authorization_code::find(&app, &code).await.unwrap().unwrap().0.request.context.sid.unwrap();
        let (_, headers, page) = get(&app, "/oidc/session/end?client_id=web-app", &jar_header(&jar)).await;
        keep_cookies(&mut jar, &headers);
        let (status, _, _) =
            post(&app, "/oidc/session/end/confirm", &format!("xsrf={}&logout=yes", xsrf_of(&page)), &jar_header(&jar))
                .await;
        assert_eq!(status, 303);

        let sent = recorder.0.lock().unwrap();
        assert_eq!(sent.len(), 1);
        let request = &sent[0];
        assert_eq!(request.uri(), "https://web.example.com/backchannel");
        assert_eq!(request.headers()["content-type"], "application/x-www-form-urlencoded");
        let form: Vec<(String, String)> = serde_urlencoded::from_bytes(request.body()).unwrap();
        assert_eq!(form[0].0, "logout_token");
        let decoded = jose::decode_unverified(&form[0].1).unwrap();
        assert_eq!(decoded.header.typ.as_deref(), Some("logout+jwt"));
        let claims: serde_json::Value = serde_json::from_slice(&decoded.payload).unwrap();
        assert_eq!((claims["aud"].as_str(), claims["sub"].as_str()), (Some("web-app"), Some("user-1")));
        assert_eq!(claims["sid"], sid, "the sid the code (and so the ID token) carries");
        assert!(claims["events"].get("http://schemas.openid.net/event/backchannel-logout").is_some());
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 120);
    }
}
