//! Interactions: what `/oidc/auth` hands to the sign-in experience and gets back
//! (node-oidc-provider's `Interaction` model, Logto's `_interaction` cookie).
//!
//! `GET /oidc/auth` validates the authorization request, stores it here as `interaction/<uid>`
//! (1 hour, Logto's TTL) and sets the signed `_interaction` cookie. The experience group finds
//! it again with [`from_request`], keeps its own state in the opaque `experience` field
//! ([`save`]) and, once the user is known, calls [`finish_login`], whose answer is where the
//! browser goes next (`<issuer>/auth/<uid>`). The resume endpoint then consumes the result.
//!
//! Every write after the first is `IfVersion`: two tabs of one interaction cannot
//! half-overwrite each other; the loser gets [`InteractionError::Stale`] and re-reads.

use std::collections::BTreeMap;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::cookies;
use super::table;
use crate::error::{ApiError, Internal};
use crate::ports::Millis;
use crate::store::{PutOptions, StoreError, Version, keys};
use crate::{App, Request};

/// Logto's interaction TTL (node-oidc-provider's `ttl.Interaction`): one hour.
pub const TTL_MS: Millis = 3_600_000;

/// The signed cookie naming the interaction(s) of this browser: a JSON map from client id to
/// uid, plus `_legacy` for the most recent one (Logto's fork).
pub const COOKIE: &str = "_interaction";

/// The signed cookie that lets `/oidc/auth/<uid>` resume (same map shape as [`COOKIE`]).
pub const RESUME_COOKIE: &str = "_interaction_resume";

/// The map key of the most recently started interaction.
pub const LEGACY: &str = "_legacy";

/// A validated authorization request, as `/oidc/auth` accepted it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationParams {
    pub client_id: String,
    pub redirect_uri: String,
    pub response_type: String,
    /// `query` unless the client asked for `fragment` or `form_post`.
    pub response_mode: String,
    /// Space-separated, as requested after filtering (`openid` always present).
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
    /// Validated resource indicators (RFC 8707).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// The `prompt` parameter's values (`login`, `consent`, `none`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompt: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_locales: Option<String>,
    /// Logto's extra parameters (`first_screen`, `interaction_mode`, `direct_sign_in`,
    /// `identifier`, `organization_id`, ...) by name, passed to the sign-in page.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// Which prompt the interaction is for (node-oidc-provider's `prompt.name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptName {
    Login,
    Consent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    pub name: PromptName,
    /// node-oidc-provider's reasons (`no_session`, `login_prompt`, `max_age`, `op_scopes_missing`, ...).
    pub reasons: Vec<String>,
    /// What consent would have to grant (node-oidc-provider's `prompt.details`).
    #[serde(default, skip_serializing_if = "PromptDetails::is_empty")]
    pub details: PromptDetails,
}

/// The scopes a consent prompt is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptDetails {
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "missingOIDCScope")]
    pub missing_oidc_scope: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub missing_resource_scopes: BTreeMap<String, Vec<String>>,
}

impl PromptDetails {
    pub fn is_empty(&self) -> bool {
        self.missing_oidc_scope.is_empty() && self.missing_resource_scopes.is_empty()
    }
}

/// The OP session the interaction continues (absent when nobody is signed in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRef {
    pub uid: String,
    pub account_id: String,
}

/// A finished login (node-oidc-provider's `result.login`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResult {
    pub account_id: String,
    /// When the user authenticated (seconds since the epoch, the ID token's `auth_time`).
    pub ts: i64,
    /// Authentication methods (`pwd`, `otp`, ...).
    #[serde(default)]
    pub amr: Vec<String>,
}

/// Consent given (node-oidc-provider's `result.consent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentResult {
    pub grant_id: String,
}

/// What the interaction produced; the resume endpoint reads and clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<LoginResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentResult>,
}

/// The stored interaction `interaction/<uid>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    pub uid: String,
    pub params: AuthorizationParams,
    pub prompt: Prompt,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionRef>,
    /// The grant the session already holds for this client, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<InteractionResult>,
    /// The result of the interaction this one follows (node-oidc-provider's `lastSubmission`):
    /// a consent after a login keeps the login, so `prompt=login` is satisfied on resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_submission: Option<InteractionResult>,
    /// Owned by the experience group (Logto's `InteractionStorage`); opaque here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience: Option<Value>,
    pub created_at: Millis,
    pub expires_at: Millis,
}

impl Interaction {
    /// A new interaction for `params`, expiring after [`TTL_MS`].
    pub fn new(app: &App, params: AuthorizationParams, prompt: Prompt, session: Option<SessionRef>) -> Self {
        let now = app.clock.now_ms();
        Self {
            uid: app.rng.id(21),
            params,
            prompt,
            session,
            grant_id: None,
            result: None,
            last_submission: None,
            experience: None,
            created_at: now,
            expires_at: now + TTL_MS,
        }
    }

    /// The result so far on top of the last submission (`mergeWithLastSubmission`).
    pub fn merged_result(&mut self) -> InteractionResult {
        let mut merged = self.last_submission.clone().unwrap_or_default();
        if let Some(current) = self.result.take() {
            if current.login.is_some() {
                merged.login = current.login;
            }
            if current.consent.is_some() {
                merged.consent = current.consent;
            }
        }
        merged
    }

    /// Where the browser resumes the authorization request: `<issuer>/auth/<uid>`.
    pub fn resume_url(&self, app: &App) -> String {
        format!("{}/auth/{}", app.config.issuer(), self.uid)
    }
}

/// What finding or writing an interaction can run into.
#[derive(Debug, Clone, PartialEq)]
pub enum InteractionError {
    /// No (valid) cookie, or the interaction expired, was finished, or never existed.
    NotFound,
    /// Someone else wrote the interaction since it was read: re-read and retry.
    Stale,
    Internal(Internal),
}

impl From<Internal> for InteractionError {
    fn from(e: Internal) -> Self {
        InteractionError::Internal(e)
    }
}

impl From<StoreError> for InteractionError {
    fn from(e: StoreError) -> Self {
        InteractionError::Internal(e.into())
    }
}

impl From<InteractionError> for ApiError {
    fn from(e: InteractionError) -> Self {
        match e {
            // Logto's `session.not_found` (400) for a missing, expired or tampered interaction.
            InteractionError::NotFound => ApiError::new(
                StatusCode::BAD_REQUEST,
                "session.not_found",
                "Session not found. Please go back and sign in again.",
            ),
            // Logto has no code for a lost race on the interaction; a retry re-reads it.
            InteractionError::Stale => ApiError::new(
                StatusCode::CONFLICT,
                "session.interaction_not_found",
                "Interaction session not found. Please go back and start the session again.",
            ),
            InteractionError::Internal(e) => e.into(),
        }
    }
}

/// The interaction record `uid` (expired ones read as absent).
pub async fn find(app: &App, uid: &str) -> Result<Option<(Interaction, Version)>, Internal> {
    let key = keys::interaction(uid);
    Ok(table::read::<Interaction>(app.store.as_ref(), &key).await?.map(|v| (v.value, v.version)))
}

/// Store a new interaction (claimed with `IfAbsent`, so an id collision cannot overwrite).
pub async fn insert(app: &App, interaction: &Interaction) -> Result<Version, InteractionError> {
    let options = PutOptions::IF_ABSENT.expiring_at(interaction.expires_at);
    match app.store.put(&keys::interaction(&interaction.uid), table::encode(interaction)?, options).await {
        Ok(version) => Ok(version),
        Err(StoreError::Conflict { .. }) => Err(InteractionError::Stale),
        Err(e) => Err(e.into()),
    }
}

/// Write back an interaction read at `version`; [`InteractionError::Stale`] if it changed,
/// [`InteractionError::NotFound`] if it expired or was consumed meanwhile.
pub async fn save(app: &App, interaction: &Interaction, version: Version) -> Result<Version, InteractionError> {
    let key = keys::interaction(&interaction.uid);
    let options = PutOptions::if_version(version).expiring_at(interaction.expires_at);
    match app.store.put(&key, table::encode(interaction)?, options).await {
        Ok(version) => Ok(version),
        Err(StoreError::Conflict { .. }) => match app.store.get(&key).await? {
            Some(_) => Err(InteractionError::Stale),
            None => Err(InteractionError::NotFound),
        },
        Err(e) => Err(e.into()),
    }
}

/// Remove an interaction (once its result is consumed).
pub async fn delete(app: &App, uid: &str) -> Result<(), Internal> {
    Ok(app.store.delete(&keys::interaction(uid)).await?)
}

/// The uid map of a cookie value (`{"<client_id>": uid, "_legacy": uid}`).
pub fn parse_cookie_map(value: &str) -> BTreeMap<String, String> {
    serde_json::from_str(value).unwrap_or_default()
}

/// The interaction this request belongs to, from the signed `_interaction` cookie. The uid is
/// picked by the `Logto-App-Id` header or `app_id` query parameter when given (one browser may
/// sign in to several apps at once), else the most recent one.
pub async fn from_request(app: &App, req: &Request) -> Result<(Interaction, Version), InteractionError> {
    let keys = cookies::keys_for(app, req.headers()).await?;
    let map = cookies::read(req.headers(), COOKIE, &keys).map(|v| parse_cookie_map(&v)).unwrap_or_default();
    let app_id = app_id(req);
    let uid = match &app_id {
        Some(app_id) => map.get(app_id),
        None => map.get(LEGACY),
    }
    .ok_or(InteractionError::NotFound)?;
    let (found, version) = find(app, uid).await?.ok_or(InteractionError::NotFound)?;
    // Logto's fork: an interaction picked for one app must belong to it.
    if app_id.is_some_and(|id| id != found.params.client_id) {
        return Err(InteractionError::NotFound);
    }
    Ok((found, version))
}

fn app_id(req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get("logto-app-id").and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty()) {
        return Some(v.to_owned());
    }
    let query = req.uri().query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, v)| k == "app_id" && !v.is_empty())
        .map(|(_, v)| v)
}

/// Record that `account_id` signed in (with `amr`), and answer where the browser goes next:
/// `<issuer>/auth/<uid>`. This is what `POST /api/experience/submit` returns as `redirectTo`.
pub async fn finish_login(
    app: &App,
    mut interaction: Interaction,
    version: Version,
    account_id: &str,
    amr: Vec<String>,
) -> Result<String, InteractionError> {
    let login = LoginResult { account_id: account_id.to_owned(), ts: app.clock.now_secs(), amr };
    let mut result = interaction.merged_result();
    result.login = Some(login);
    interaction.result = Some(result);
    save(app, &interaction, version).await?;
    Ok(interaction.resume_url(app))
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::testing;

    fn params() -> AuthorizationParams {
        AuthorizationParams {
            client_id: "spa".into(),
            redirect_uri: "http://localhost:3000/callback".into(),
            response_type: "code".into(),
            response_mode: "query".into(),
            scope: "openid".into(),
            ..Default::default()
        }
    }

    async fn request_with_cookie(app: &App, map: &str, extra: &str) -> Request {
        let keys = cookies::keys(app).await.unwrap();
        let set = cookies::signed(COOKIE, map, &keys, cookies::Lifetime::Seconds(3600), false).unwrap();
        let pairs: Vec<&str> = set.iter().map(|v| v.to_str().unwrap().split(';').next().unwrap()).collect();
        http::Request::get(format!("/api/experience{extra}"))
            .header("cookie", pairs.join("; "))
            .body(Bytes::new())
            .unwrap()
    }

    #[tokio::test]
    async fn the_cookie_finds_the_interaction_and_finish_login_records_the_account() {
        let app = testing::app();
        let prompt =
            Prompt { name: PromptName::Login, reasons: vec!["no_session".into()], details: Default::default() };
        let a = Interaction::new(&app, params(), prompt.clone(), None);
        let b = Interaction::new(&app, AuthorizationParams { client_id: "web".into(), ..params() }, prompt, None);
        insert(&app, &a).await.unwrap();
        insert(&app, &b).await.unwrap();
        let map = serde_json::json!({ "spa": a.uid, "web": b.uid, LEGACY: b.uid }).to_string();

        let (found, _) = from_request(&app, &request_with_cookie(&app, &map, "").await).await.unwrap();
        assert_eq!(found.uid, b.uid, "the most recent one without an app id");
        let (found, version) = from_request(&app, &request_with_cookie(&app, &map, "?app_id=spa").await).await.unwrap();
        assert_eq!(found.uid, a.uid);

        let redirect = finish_login(&app, found.clone(), version, "user-1", vec!["pwd".into()]).await.unwrap();
        assert_eq!(redirect, format!("http://localhost:3001/oidc/auth/{}", a.uid));
        let (stored, _) = find(&app, &a.uid).await.unwrap().unwrap();
        let login = stored.result.unwrap().login.unwrap();
        assert_eq!((login.account_id.as_str(), login.ts), ("user-1", testing::T0 / 1000));
        // A second tab finishing with the old version loses instead of overwriting.
        assert_eq!(finish_login(&app, found, version, "user-2", vec![]).await, Err(InteractionError::Stale));
    }

    #[tokio::test]
    async fn missing_tampered_unknown_and_expired_interactions_are_not_found() {
        let app = testing::app();
        let interaction = Interaction::new(
            &app,
            params(),
            Prompt { name: PromptName::Login, reasons: vec![], details: Default::default() },
            None,
        );
        insert(&app, &interaction).await.unwrap();
        let map = serde_json::json!({ LEGACY: interaction.uid }).to_string();
        let good = request_with_cookie(&app, &map, "").await;

        let no_cookie = http::Request::get("/api/experience").body(Bytes::new()).unwrap();
        assert_eq!(from_request(&app, &no_cookie).await.unwrap_err(), InteractionError::NotFound);
        let cookie = good.headers()["cookie"].to_str().unwrap().replace(&interaction.uid, "someoneelse123456789x");
        let tampered = http::Request::get("/api/experience").header("cookie", cookie).body(Bytes::new()).unwrap();
        assert_eq!(from_request(&app, &tampered).await.unwrap_err(), InteractionError::NotFound);
        let unknown = request_with_cookie(&app, r#"{"_legacy":"nope"}"#, "").await;
        assert_eq!(from_request(&app, &unknown).await.unwrap_err(), InteractionError::NotFound);
        let other_app = request_with_cookie(&app, &map, "?app_id=web").await;
        assert_eq!(from_request(&app, &other_app).await.unwrap_err(), InteractionError::NotFound);

        assert!(from_request(&app, &good).await.is_ok());
        app.clock.advance_ms(TTL_MS);
        assert_eq!(from_request(&app, &good).await.unwrap_err(), InteractionError::NotFound);
        let api: ApiError = InteractionError::NotFound.into();
        assert_eq!((api.status.as_u16(), api.code), (400, "session.not_found"));
    }
}
