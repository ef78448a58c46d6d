//! The end-user sign-in as a browser and an app perform it, hop by hop, for any [`Client`]
//! (in-process or over HTTP): `/oidc/auth` → the Experience API → `/oidc/auth/<uid>` →
//! `/consent` → the callback with a code → the token endpoint. Only cookies and the URLs the
//! server hands out carry state from one hop to the next, exactly as between separate functions
//! on Workers or Lambda. Logto's integration tests do the same (`client/index.ts`,
//! `helpers/experience/index.ts`); every hop asserts what they assert.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use edgeid_core::ports::Rng as _;
use serde_json::{Value, json};

use super::client::{Client, TestResponse};

/// The app Logto seeds for its own tests (a public SPA; redirect URI `<endpoint>/demo-app`).
pub const DEMO_APP: &str = "demo-app";

/// An RFC 7636 S256 verifier and its challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        Self::from_verifier(&edgeid_core::ports::OsRng.token(32))
    }

    pub fn from_verifier(verifier: &str) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        Pkce { verifier: verifier.to_owned(), challenge: URL_SAFE_NO_PAD.encode(digest.as_ref()) }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// What an app puts into its authorization request, and the server's public endpoint (the
/// issuer without `/oidc`: where the server's absolute URLs point).
#[derive(Debug, Clone)]
pub struct Authorization {
    pub endpoint: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub prompt: Option<String>,
    pub pkce: Option<Pkce>,
    pub resources: Vec<String>,
}

impl Authorization {
    /// What Logto's SDKs send for `demo-app` (redirect URI `<endpoint>/demo-app`): PKCE,
    /// `prompt=consent`, `openid offline_access profile` plus `email`. The endpoint is where
    /// `client` reaches the server (in-process: the app's endpoint).
    pub fn demo_app(client: &Client) -> Self {
        Self::demo_app_at(&client.base_url())
    }

    /// [`Authorization::demo_app`] for a server whose public endpoint differs from where the
    /// client reaches it (a local server announces `http://localhost:<port>`).
    pub fn demo_app_at(endpoint: &str) -> Self {
        Self::for_client(endpoint, DEMO_APP, &format!("{endpoint}/{DEMO_APP}"))
    }

    pub fn for_client(endpoint: &str, client_id: &str, redirect_uri: &str) -> Self {
        let rng = edgeid_core::ports::OsRng;
        Authorization {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scope: "openid offline_access profile email".to_owned(),
            state: rng.token(12),
            nonce: rng.token(12),
            prompt: Some("consent".to_owned()),
            pkce: Some(Pkce::new()),
            resources: Vec::new(),
        }
    }

    /// `/oidc/auth?…`
    pub fn path(&self) -> String {
        let mut params = vec![
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("response_type", "code"),
            ("scope", self.scope.as_str()),
            ("state", self.state.as_str()),
            ("nonce", self.nonce.as_str()),
        ];
        if let Some(pkce) = &self.pkce {
            params.push(("code_challenge", pkce.challenge.as_str()));
            params.push(("code_challenge_method", "S256"));
        }
        if let Some(prompt) = &self.prompt {
            params.push(("prompt", prompt.as_str()));
        }
        for resource in &self.resources {
            params.push(("resource", resource.as_str()));
        }
        format!("/oidc/auth?{}", serde_urlencoded::to_string(&params).expect("query"))
    }

    /// The token request for `code` (public client: `client_id` in the body).
    pub fn token_form(&self, code: &str) -> Vec<(String, String)> {
        let mut form = vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("client_id".to_owned(), self.client_id.clone()),
            ("code".to_owned(), code.to_owned()),
            ("redirect_uri".to_owned(), self.redirect_uri.clone()),
        ];
        if let Some(pkce) = &self.pkce {
            form.push(("code_verifier".to_owned(), pkce.verifier.clone()));
        }
        form
    }
}

/// The redirect back to the app.
#[derive(Debug, Clone)]
pub struct Callback {
    pub url: String,
    pub params: Vec<(String, String)>,
}

impl Callback {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[track_caller]
    pub fn code(&self) -> String {
        self.param("code").unwrap_or_else(|| panic!("no code in {}", self.url)).to_owned()
    }
}

/// A user's sign-in identifier as the Experience API takes it.
#[derive(Debug, Clone, Copy)]
pub enum Identifier<'a> {
    Username(&'a str),
    Email(&'a str),
}

impl Identifier<'_> {
    pub fn json(&self) -> Value {
        match self {
            Identifier::Username(v) => json!({"type": "username", "value": v}),
            Identifier::Email(v) => json!({"type": "email", "value": v}),
        }
    }
}

/// `url` (absolute on the server's public `endpoint`, or origin-relative) as an origin-relative
/// path, which the client sends to wherever it reaches the server.
#[track_caller]
pub fn local_path(endpoint: &str, url: &str) -> String {
    if url.starts_with('/') {
        return url.to_owned();
    }
    match url.strip_prefix(endpoint) {
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        _ => panic!("{url} is not on this server ({endpoint})"),
    }
}

#[track_caller]
fn location(response: &TestResponse) -> String {
    response.header("location").unwrap_or_else(|| panic!("no Location; body: {}", response.text())).to_owned()
}

/// `GET /oidc/auth?…` → 303 to the sign-in page with the signed `_interaction` cookie.
/// Returns that `Location`.
pub async fn open_authorization(client: &Client, authorization: &Authorization) -> String {
    let response = client.get(&authorization.path()).send().await;
    response.assert_status(303);
    let to = location(&response);
    assert!(to.starts_with("/sign-in"), "the authorization endpoint sends the browser to /sign-in, not {to}");
    assert!(client.cookie("_interaction").is_some(), "the _interaction cookie is set");
    assert!(client.cookie("_interaction.sig").is_some(), "the _interaction cookie is signed");
    to
}

/// The Experience API part of Logto's `signInWithPassword`: init → password verification →
/// identification → submit. Returns `redirectTo` (`<issuer>/auth/<uid>`).
pub async fn sign_in_with_password(client: &Client, identifier: Identifier<'_>, password: &str) -> String {
    client.put("/api/experience").json(&json!({"interactionEvent": "SignIn"})).send().await.assert_status(204);
    let verification = client
        .post("/api/experience/verification/password")
        .json(&json!({"identifier": identifier.json(), "password": password}))
        .send()
        .await;
    let verification_id = verification.assert_status(200).str_field("verificationId");
    client
        .post("/api/experience/identification")
        .json(&json!({"verificationId": verification_id}))
        .send()
        .await
        .assert_status(204);
    let submit = client.post("/api/experience/submit").send().await;
    let redirect_to = submit.assert_status(200).str_field("redirectTo");
    // Absolute, on the server's public endpoint (`finish_authorization` checks the origin).
    let path = redirect_to.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]));
    assert!(
        path.is_some_and(|p| p.starts_with("/oidc/auth/")),
        "submit answers {{redirectTo: <issuer>/auth/<uid>}}, got {redirect_to}"
    );
    redirect_to
}

/// Logto's `processSession` + `consent`: `redirectTo` → 303 `/consent?app_id=<client>` (with the
/// `_session` cookie) → `/consent` consents for a first-party app → `<issuer>/auth/<uid2>` → 303 to
/// the redirect URI. A session that already holds the consent goes straight to the redirect URI.
pub async fn finish_authorization(client: &Client, redirect_to: &str, authorization: &Authorization) -> Callback {
    let resumed = client.get(&local_path(&authorization.endpoint, redirect_to)).send().await;
    resumed.assert_status(303);
    let mut to = location(&resumed);
    if !to.starts_with(&authorization.redirect_uri) {
        assert_eq!(
            to,
            format!("/consent?app_id={}", authorization.client_id),
            "the resumed authorization asks for consent"
        );
        assert!(client.cookie("_session").is_some(), "signing in set the _session cookie");
        assert!(client.cookie("_session.sig").is_some(), "the _session cookie is signed");
        let consent = client.get("/consent").send().await;
        assert!(
            matches!(consent.status.as_u16(), 302 | 303),
            "/consent answers a redirect, got {}: {}",
            consent.status,
            consent.text()
        );
        let back = location(&consent);
        assert!(
            back.starts_with(&format!("{}/oidc/auth/", authorization.endpoint)),
            "/consent sends the browser back to the authorization endpoint, not {back}"
        );
        let done = client.get(&local_path(&authorization.endpoint, &back)).send().await;
        done.assert_status(303);
        to = location(&done);
    }
    assert!(to.starts_with(&authorization.redirect_uri), "the flow ends at the redirect URI, not {to}");
    let query = to.split_once('?').map_or("", |(_, q)| q);
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).expect("callback query");
    Callback { url: to, params }
}

/// The whole browser part: authorization request → signed in with a password → callback.
pub async fn sign_in(
    client: &Client,
    authorization: &Authorization,
    identifier: Identifier<'_>,
    password: &str,
) -> Callback {
    open_authorization(client, authorization).await;
    let redirect_to = sign_in_with_password(client, identifier, password).await;
    finish_authorization(client, &redirect_to, authorization).await
}

/// `POST /oidc/token` with the authorization code (public client).
pub async fn exchange_code(client: &Client, authorization: &Authorization, code: &str) -> TestResponse {
    let form = authorization.token_form(code);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.post("/oidc/token").form(&form).send().await
}

/// `POST /oidc/token` with a refresh token (public client).
pub async fn refresh(client: &Client, client_id: &str, refresh_token: &str) -> TestResponse {
    let form = [("grant_type", "refresh_token"), ("client_id", client_id), ("refresh_token", refresh_token)];
    client.post("/oidc/token").form(&form).send().await
}

/// A user with a username, an email and a password, created with a Management API token.
/// Returns the user JSON with `password` added.
pub async fn create_user(client: &Client, admin_token: &str, unique: &str) -> Value {
    let username = unique.replace('-', "_");
    let password = format!("Pw-{}", edgeid_core::ports::OsRng.token(12));
    let email = format!("{username}@example.com");
    let response = client
        .post("/api/users")
        .bearer(admin_token)
        .json(&json!({"username": username, "password": password, "primaryEmail": email, "name": format!("Test {username}")}))
        .send()
        .await;
    let mut user = response.assert_status(200).json();
    assert_eq!(user["username"], username.as_str(), "{user}");
    assert!(user.get("passwordDigest").is_none_or(Value::is_null), "the digest is never returned: {user}");
    user["password"] = Value::String(password);
    user
}
