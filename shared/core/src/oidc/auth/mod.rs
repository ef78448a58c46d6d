//! The authorization endpoint (`GET`/`POST /oidc/auth`) and its resume (`GET /oidc/auth/:uid`).
//!
//! `/oidc/auth` validates the request ([`request`]), looks at the browser's session and the
//! grant it holds for the client, and asks the interaction policy ([`policy`]) what is missing.
//! Nothing missing: an authorization code goes back to the client. Something missing: the
//! request is stored as an interaction and the browser goes to the sign-in page (`login`) or
//! to `/consent` (`consent`) with the `_interaction`, `_interaction_resume` and `_logto`
//! cookies — or, with `prompt=none`, gets `login_required`/`consent_required` instead.
//! When the interaction is done the browser comes back to `/oidc/auth/<uid>` ([`resume`]),
//! which runs the same decision with the interaction's result.

pub mod policy;
pub mod redirect_uri;
pub mod request;
pub mod respond;
pub mod resume;

use std::collections::BTreeMap;

use http::{HeaderMap, HeaderValue, Method};

use self::request::{Failure, Target};
use crate::domain::application::{ApplicationRecord, ApplicationType};
use crate::domain::auth_context::AuthContext;
use crate::domain::authorization_code::{self, CodeRequest};
use crate::domain::cookie_keys::CookieKey;
use crate::domain::grant;
use crate::domain::interaction::{self, AuthorizationParams, Interaction, InteractionResult, PromptName, SessionRef};
use crate::domain::session::SessionRecord;
use crate::domain::{cookies, resource, scope, session, user};
use crate::error::{Internal, OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::{App, Request, Response};

/// `GET /oidc/auth` (query) or `POST /oidc/auth` (form body, re-dispatched as GET by Logto).
pub async fn handle(app: &App, req: &Request) -> Response {
    let form = match params(req) {
        Ok(form) => form,
        Err(e) => return e.render(),
    };
    let validated = match request::validate(app, &form).await {
        Ok(v) => v,
        Err(failure) => return failure.render(app),
    };
    let keys = match cookies::keys_for(app, req.headers()).await {
        Ok(keys) => keys,
        Err(e) => return OAuthError::from(e).render(),
    };
    let current = match session::from_headers(app, req.headers(), &keys).await {
        Ok(current) => current.map(|(s, _)| s),
        Err(e) => return OAuthError::from(e).render(),
    };
    let flow = Flow { app, headers: req.headers(), keys: &keys, set_cookies: Vec::new() };
    flow.decide(validated.params, &validated.client, current.as_ref(), None).await
}

/// The request's parameters: the query for GET, the form (or JSON) body for POST.
fn params(req: &Request) -> Result<FormParams, OAuthError> {
    if req.method() == Method::POST {
        return crate::oidc::form(req);
    }
    let query = req.uri().query().unwrap_or_default();
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .map_err(|_| OAuthError::invalid_request("invalid query string"))?;
    if pairs.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(OAuthError::invalid_request("request parameters must not contain NUL characters"));
    }
    Ok(FormParams(pairs))
}

/// One pass of the authorization decision, collecting cookies to set on the way.
pub(crate) struct Flow<'a> {
    pub app: &'a App,
    pub headers: &'a HeaderMap,
    pub keys: &'a [CookieKey],
    pub set_cookies: Vec<HeaderValue>,
}

impl Flow<'_> {
    /// What the browser gets for `params`: a code, an error, or an interaction.
    pub async fn decide(
        self,
        params: AuthorizationParams,
        client: &ApplicationRecord,
        session: Option<&SessionRecord>,
        result: Option<&InteractionResult>,
    ) -> Response {
        let target = Target {
            redirect_uri: params.redirect_uri.clone(),
            response_mode: params.response_mode.clone(),
            state: params.state.clone(),
        };
        let mut response = match self.try_decide(params, client, session, result).await {
            Ok(response) => response,
            Err(Decided::Error(error)) => Failure { error, target: Some(target) }.render(self.app),
            Err(Decided::Internal(e)) => OAuthError::from(e).render(),
        };
        // Cookies of this hop first: the next interaction's cookies (set by `start`) must win
        // over a resume cookie cleared earlier in the same response.
        let later: Vec<HeaderValue> = response.headers().get_all(http::header::SET_COOKIE).iter().cloned().collect();
        response.headers_mut().remove(http::header::SET_COOKIE);
        cookies::append(&mut response, self.set_cookies);
        cookies::append(&mut response, later);
        response
    }

    async fn try_decide(
        &self,
        params: AuthorizationParams,
        client: &ApplicationRecord,
        session: Option<&SessionRecord>,
        result: Option<&InteractionResult>,
    ) -> Result<Response, Decided> {
        let app = self.app;
        if let Some(s) = session {
            // oidc-provider's `loadAccount` through Logto's `findAccount`.
            match user::find(app.store.as_ref(), &s.account_id).await? {
                None => return Err(Decided::Error(OAuthError::new(OAuthErrorCode::InvalidGrant, "user not found"))),
                Some(u) if u.value.is_suspended => {
                    return Err(Decided::Error(OAuthError::new(OAuthErrorCode::InvalidGrant, "user is suspended")));
                }
                Some(_) => {}
            }
        }
        let grant_id = result
            .and_then(|r| r.consent.as_ref())
            .map(|c| c.grant_id.clone())
            .or_else(|| session.and_then(|s| s.grants.get(&params.client_id).cloned()));
        let grant = match (&grant_id, session) {
            (Some(id), Some(s)) => grant::find(app, id)
                .await?
                .map(|v| v.value)
                .filter(|g| g.account_id == s.account_id && g.client_id == params.client_id),
            _ => None,
        };
        let resource_scopes =
            if session.is_some() { resource_scopes(app, &params.resources).await? } else { BTreeMap::new() };
        let ctx = policy::Context {
            params: &params,
            session,
            result,
            grant: grant.as_ref(),
            resource_scopes: &resource_scopes,
            native: client.app.app_type == ApplicationType::Native,
            now_secs: app.clock.now_secs(),
        };
        if let Some(needed) = ctx.needed() {
            if params.prompt.iter().any(|p| p == "none") {
                return Err(Decided::Error(needed.error));
            }
            let mut interaction = Interaction::new(
                app,
                params.clone(),
                needed.prompt,
                session.map(|s| SessionRef { uid: s.uid.clone(), account_id: s.account_id.clone() }),
            );
            interaction.grant_id = grant.as_ref().map(|g| g.id.clone());
            interaction.last_submission = result.cloned();
            return Ok(self.start(&interaction).await?);
        }
        let Some(session) = session else {
            return Err(Decided::Error(OAuthError::new(
                OAuthErrorCode::AccessDenied,
                "authorization request resolved without requesting interactions but no account id was resolved",
            )));
        };
        let scope = ctx.granted_scope();
        let Some(grant) = grant.as_ref().filter(|_| !scope.is_empty()) else {
            return Err(Decided::Error(OAuthError::new(
                OAuthErrorCode::AccessDenied,
                "authorization request resolved without requesting interactions but no scope was granted",
            )));
        };
        let code = authorization_code::issue(
            app,
            CodeRequest {
                context: AuthContext {
                    grant_id: grant.id.clone(),
                    client_id: params.client_id.clone(),
                    account_id: session.account_id.clone(),
                    scope: scope.join(" "),
                    resource: params.resources.clone(),
                    nonce: params.nonce.clone(),
                    auth_time: session.login_ts,
                    amr: session.amr.clone(),
                    session_uid: Some(session.uid.clone()),
                    sid: Some(session.sid.clone()).filter(|sid| !sid.is_empty()),
                },
                redirect_uri: params.redirect_uri.clone(),
                code_challenge: params.code_challenge.clone(),
                claims: None,
            },
        )
        .await?;
        let issuer = app.config.issuer();
        let mut payload: Vec<(&str, &str)> = vec![("code", &code)];
        if let Some(state) = &params.state {
            payload.push(("state", state));
        }
        payload.push(("iss", &issuer));
        Ok(respond::to_client(&params.redirect_uri, &params.response_mode, &payload))
    }

    /// Store `interaction` and send the browser to its page with the interaction cookies.
    async fn start(&self, interaction: &Interaction) -> Result<Response, Internal> {
        let app = self.app;
        interaction::insert(app, interaction).await.map_err(|e| match e {
            interaction::InteractionError::Internal(e) => e,
            other => Internal::Bug(format!("interaction insert: {other:?}")),
        })?;
        let secure = cookies::secure(&app.config);
        let lifetime = cookies::Lifetime::Seconds(interaction::TTL_MS / 1000);
        let client_id = &interaction.params.client_id;
        let mut set = Vec::new();
        for name in [interaction::COOKIE, interaction::RESUME_COOKIE] {
            let mut map = cookies::read(self.headers, name, self.keys)
                .map(|v| interaction::parse_cookie_map(&v))
                .unwrap_or_default();
            map.insert(client_id.clone(), interaction.uid.clone());
            map.insert(interaction::LEGACY.to_owned(), interaction.uid.clone());
            let value = serde_json::to_string(&map).map_err(|e| Internal::Bug(format!("cookie map: {e}")))?;
            set.extend(cookies::signed(name, &value, self.keys, lifetime, secure).into_iter().flatten());
        }
        let shared = SharedExperience::of(&interaction.params);
        if let Some(value) =
            serde_json::to_string(&shared.cookie()).ok().and_then(|v| cookies::plain("_logto", &v, secure))
        {
            set.push(value);
        }
        let location = match interaction.prompt.name {
            PromptName::Login => login_prompt_url(&interaction.params, &shared),
            PromptName::Consent => consent_prompt_url(client_id),
        };
        let mut response = respond::see_other(&location);
        cookies::append(&mut response, set);
        Ok(response)
    }
}

pub(crate) enum Decided {
    Error(OAuthError),
    Internal(Internal),
}

impl From<Internal> for Decided {
    fn from(e: Internal) -> Self {
        Decided::Internal(e)
    }
}

/// The scopes each resource defines (by indicator).
async fn resource_scopes(app: &App, indicators: &[String]) -> Result<BTreeMap<String, Vec<String>>, Internal> {
    let mut out = BTreeMap::new();
    for indicator in indicators {
        let Some(found) = resource::find_by_indicator(app.store.as_ref(), indicator).await? else {
            continue;
        };
        let names =
            scope::list(app.store.as_ref(), &found.resource.id, None).await?.into_iter().map(|s| s.name).collect();
        out.insert(indicator.clone(), names);
    }
    Ok(out)
}

/// Logto's `SharedExperienceParams` (app, organization, locale), from valid extra params.
struct SharedExperience<'a> {
    app_id: &'a str,
    organization_id: Option<&'a str>,
    ui_locales: Option<&'a str>,
    /// The login-only extras, when Logto's `extraParamsObjectGuard` accepts them all.
    extras_valid: bool,
}

const FIRST_SCREENS: &[(&str, &str)] = &[
    ("sign_in", "sign-in"),
    ("register", "register"),
    ("reset_password", "reset-password"),
    ("identifier:sign_in", "identifier-sign-in"),
    ("identifier:register", "identifier-register"),
    ("single_sign_on", "single-sign-on"),
    ("signIn", "sign-in"),
];

impl<'a> SharedExperience<'a> {
    fn of(params: &'a AuthorizationParams) -> Self {
        let extra = |k: &str| params.extra.get(k).map(String::as_str);
        // Logto parses the extras with one zod object: one invalid enum value drops them all.
        let extras_valid = extra("first_screen").is_none_or(|f| FIRST_SCREENS.iter().any(|(k, _)| *k == f))
            && extra("interaction_mode").is_none_or(|m| m == "signIn" || m == "signUp");
        Self {
            app_id: &params.client_id,
            organization_id: extra("organization_id").filter(|_| extras_valid),
            ui_locales: params.ui_locales.as_deref().filter(|_| extras_valid),
            extras_valid,
        }
    }

    /// The `_logto` cookie (`{appId, organizationId?, uiLocales?}`).
    fn cookie(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        out.insert("appId".into(), self.app_id.into());
        if let Some(org) = self.organization_id {
            out.insert("organizationId".into(), org.into());
        }
        if let Some(locales) = self.ui_locales {
            out.insert("uiLocales".into(), locales.into());
        }
        serde_json::Value::Object(out)
    }
}

/// Logto's `buildLoginPromptUrl`: the first screen from `first_screen`/`interaction_mode`,
/// `direct_sign_in` through `/direct/<method>/<target>?fallback=<screen>`, with `app_id`,
/// `organization_id`, `ui_locales`, `one_time_token`, `login_hint`, `identifier`.
fn login_prompt_url(params: &AuthorizationParams, shared: &SharedExperience<'_>) -> String {
    let extra = |k: &str| if shared.extras_valid { params.extra.get(k).map(String::as_str) } else { None };
    let key = extra("first_screen").or(extra("interaction_mode")).unwrap_or("sign_in");
    let first_screen = if key == "signUp" {
        "register"
    } else {
        FIRST_SCREENS.iter().find(|(k, _)| *k == key).map_or("sign-in", |(_, route)| route)
    };
    let mut query: Vec<(&str, &str)> = vec![("app_id", shared.app_id)];
    if let Some(org) = shared.organization_id {
        query.push(("organization_id", org));
    }
    if let Some(locales) = shared.ui_locales {
        query.push(("ui_locales", locales));
    }
    let login_hint = if shared.extras_valid { params.login_hint.as_deref() } else { None };
    for (name, value) in
        [("one_time_token", extra("one_time_token")), ("login_hint", login_hint), ("identifier", extra("identifier"))]
    {
        if let Some(value) = value {
            query.push((name, value));
        }
    }
    let path = match extra("direct_sign_in") {
        Some(direct) => {
            query.push(("fallback", first_screen));
            let mut parts = direct.splitn(2, ':');
            let segments: Vec<&str> = ["direct", parts.next().unwrap_or_default(), parts.next().unwrap_or_default()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            segments.join("/")
        }
        None => first_screen.to_owned(),
    };
    let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
    format!("/{path}?{encoded}")
}

/// Logto's `buildConsentPromptUrl`.
fn consent_prompt_url(client_id: &str) -> String {
    let encoded = serde_urlencoded::to_string([("app_id", client_id)]).unwrap_or_default();
    format!("/consent?{encoded}")
}

#[cfg(test)]
#[cfg(feature = "ring")]
pub(crate) mod tests;
