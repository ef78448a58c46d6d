//! Validation of an authorization request, in node-oidc-provider's order
//! (`lib/actions/authorization/index.js`): duplicates, unsupported `request`/`request_uri`,
//! client, `response_mode`, `response_type`, `redirect_uri` presence, `prompt`, `scope`,
//! `openid` gating, `redirect_uri` match, PKCE, `resource`, `max_age`.
//!
//! Where the error goes is decided as oidc-provider's `authorization_error_handler` does:
//! without a known client and a registered `redirect_uri` nothing is redirected (the error is
//! rendered, 400 JSON in Logto's shape); a `redirect_uri` the client did not register turns any
//! error into `invalid_redirect_uri`; every other error is sent back to the client's
//! `redirect_uri` with `error`, `error_description`, `state` and `iss`.

use std::collections::BTreeMap;

use http::StatusCode;

use super::redirect_uri;
use crate::App;
use crate::domain::application::{self, ApplicationRecord, ApplicationType};
use crate::domain::interaction::AuthorizationParams;
use crate::domain::resource;
use crate::error::{Internal, OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::oidc::missing_parameter;

/// OIDC scopes the provider knows (Logto's `scopes` + oidc-provider's `openid`,
/// `offline_access`); any other scope is a resource permission.
pub const OIDC_SCOPES: &[&str] = &[
    "openid",
    "offline_access",
    "profile",
    "email",
    "phone",
    "address",
    "custom_data",
    "identities",
    "roles",
    "urn:logto:scope:organizations",
    "urn:logto:scope:organization_roles",
    "urn:logto:scope:sessions",
    "urn:logto:scope:trusted_devices",
];

/// Logto's reserved resource for organization tokens (`ReservedResource.Organization`): its
/// resource server is built in, so an authorization request may name it without it being a
/// registered API resource. (edgeid serves no organizations yet; an organization token asked
/// with it is refused as for a non-member, see `token::refresh_token`.)
pub const ORGANIZATION_RESOURCE: &str = "urn:logto:resource:organizations";

/// Logto's extra authorization parameters (`ExtraParamsKey`, minus the two standard ones).
pub const EXTRA_PARAMS: &[&str] = &[
    "interaction_mode",
    "first_screen",
    "direct_sign_in",
    "organization_id",
    "identifier",
    "one_time_token",
    "google_one_tap_credential",
];

/// The parameters oidc-provider reads at `/oidc/auth` (everything else is ignored).
const KNOWN: &[&str] = &[
    "acr_values",
    "claims",
    "claims_locales",
    "client_id",
    "code_challenge",
    "code_challenge_method",
    "display",
    "id_token_hint",
    "login_hint",
    "max_age",
    "nonce",
    "prompt",
    "redirect_uri",
    "registration",
    "request",
    "request_uri",
    "response_mode",
    "response_type",
    "scope",
    "state",
    "ui_locales",
];

const RESPONSE_MODES: &[&str] = &["query", "fragment", "form_post"];
/// What oidc-provider is configured to answer (Logto's defaults); edgeid's clients are
/// registered for `code` only, so the others are `invalid_request` for every client.
const RESPONSE_TYPES: &[&str] = &["code id_token", "code", "id_token", "none"];
const PROMPTS: &[&str] = &["none", "login", "consent"];

/// Where an error of this request may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub redirect_uri: String,
    pub response_mode: String,
    pub state: Option<String>,
}

/// A refused request: rendered (no target) or sent back to the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: OAuthError,
    pub target: Option<Target>,
}

impl From<Internal> for Failure {
    fn from(e: Internal) -> Self {
        Failure { error: e.into(), target: None }
    }
}

/// The request's parameters with duplicates set aside (oidc-provider's `rejectDupes` blanks
/// them, so a duplicated `redirect_uri` can never be redirected to).
pub struct Raw<'a> {
    params: &'a FormParams,
    duplicates: Vec<&'a str>,
}

impl<'a> Raw<'a> {
    pub fn new(params: &'a FormParams) -> Self {
        let mut duplicates: Vec<&str> = Vec::new();
        for (i, (key, _)) in params.0.iter().enumerate() {
            let known = KNOWN.contains(&key.as_str()) || EXTRA_PARAMS.contains(&key.as_str());
            if known && !duplicates.contains(&key.as_str()) && params.0.iter().skip(i + 1).any(|(k, _)| k == key) {
                duplicates.push(key.as_str());
            }
        }
        Self { params, duplicates }
    }

    /// The single non-empty value of `name` (duplicates read as absent).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        if self.duplicates.contains(&name) {
            return None;
        }
        self.params.single(name).ok().flatten()
    }
}

/// A validated request and its client.
pub struct Validated {
    pub params: AuthorizationParams,
    pub client: ApplicationRecord,
}

/// Validate an authorization request.
pub async fn validate(app: &App, form: &FormParams) -> Result<Validated, Failure> {
    let raw = Raw::new(form);
    let client = match raw.get("client_id") {
        Some(id) => application::find(app.store.as_ref(), id).await?.map(|v| v.value),
        None => None,
    };
    match check(app, &raw, form, client.as_ref()).await {
        Ok(params) => match client {
            Some(client) => Ok(Validated { params, client }),
            None => Err(Failure { error: invalid_client(), target: None }),
        },
        Err(CheckError::Internal(e)) => Err(e.into()),
        Err(CheckError::OAuth(error)) => Err(route(&raw, client.as_ref(), error)),
    }
}

enum CheckError {
    OAuth(OAuthError),
    Internal(Internal),
}

impl From<OAuthError> for CheckError {
    fn from(e: OAuthError) -> Self {
        CheckError::OAuth(e)
    }
}

impl From<Internal> for CheckError {
    fn from(e: Internal) -> Self {
        CheckError::Internal(e)
    }
}

fn invalid_client() -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidClient, "client is invalid").with_status(StatusCode::BAD_REQUEST)
}

fn invalid_redirect_uri() -> OAuthError {
    OAuthError::new(
        OAuthErrorCode::InvalidRedirectUri,
        "redirect_uri did not match any of the client's registered redirect_uris",
    )
}

/// Whether `client` may receive responses at `uri`.
pub fn redirect_allowed(client: &ApplicationRecord, uri: &str) -> bool {
    redirect_uri::redirect_allowed(
        &client.app.oidc_client_metadata.redirect_uris,
        uri,
        client.app.app_type == ApplicationType::Native,
    )
}

/// oidc-provider's `authorization_error_handler`: render or redirect.
fn route(raw: &Raw<'_>, client: Option<&ApplicationRecord>, error: OAuthError) -> Failure {
    let (Some(client), Some(uri)) = (client, raw.get("redirect_uri")) else {
        return Failure { error, target: None };
    };
    if matches!(error.code, OAuthErrorCode::InvalidClient | OAuthErrorCode::InvalidRedirectUri) {
        return Failure { error, target: None };
    }
    if !redirect_allowed(client, uri) {
        return Failure { error: invalid_redirect_uri(), target: None };
    }
    let response_mode = raw.get("response_mode").filter(|m| RESPONSE_MODES.contains(m)).unwrap_or("query");
    Failure {
        error,
        target: Some(Target {
            redirect_uri: uri.to_owned(),
            response_mode: response_mode.to_owned(),
            state: raw.get("state").map(str::to_owned),
        }),
    }
}

/// `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'` (oidc-provider's `formatList`).
fn format_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// `scope` syntax (RFC 6749 §3.3, oidc-provider's `is_valid_scope`).
fn valid_scope(scope: &str) -> bool {
    !scope.is_empty()
        && scope.split(' ').all(|token| {
            !token.is_empty()
                && token.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
        })
}

/// PKCE `code_challenge` format (43-128 characters of `[A-Za-z0-9._~-]`).
fn check_challenge(challenge: &str) -> Result<(), OAuthError> {
    if challenge.len() < 43 {
        return Err(OAuthError::invalid_request(
            "code_challenge must be a string with a minimum length of 43 characters",
        ));
    }
    if challenge.len() > 128 {
        return Err(OAuthError::invalid_request(
            "code_challenge must be a string with a maximum length of 128 characters",
        ));
    }
    if !challenge.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~')) {
        return Err(OAuthError::invalid_request("code_challenge contains invalid characters"));
    }
    Ok(())
}

/// Public clients (`token_endpoint_auth_method=none`) must use PKCE.
fn pkce_required(client: &ApplicationRecord) -> bool {
    matches!(client.app.app_type, ApplicationType::Spa | ApplicationType::Native)
}

/// Clients registered for `response_type=code` (Logto's `getConstantClientMetadata`).
fn code_allowed(client: &ApplicationRecord) -> bool {
    match client.app.app_type {
        ApplicationType::Spa | ApplicationType::Traditional | ApplicationType::Protected => true,
        ApplicationType::Native => client.app.custom_client_metadata.is_device_flow != Some(true),
        ApplicationType::MachineToMachine | ApplicationType::Saml => false,
    }
}

async fn check(
    app: &App,
    raw: &Raw<'_>,
    form: &FormParams,
    client: Option<&ApplicationRecord>,
) -> Result<AuthorizationParams, CheckError> {
    if !raw.duplicates.is_empty() {
        let noun = if raw.duplicates.len() == 1 { "parameter" } else { "parameters" };
        return Err(OAuthError::invalid_request(format!(
            "{} {noun} must not be provided twice",
            format_list(&raw.duplicates)
        ))
        .into());
    }
    if raw.get("request").is_some() {
        return Err(OAuthError::new(OAuthErrorCode::RequestNotSupported, "request parameter is not supported").into());
    }
    if raw.get("request_uri").is_some() {
        return Err(
            OAuthError::new(OAuthErrorCode::RequestUriNotSupported, "request_uri parameter is not supported").into()
        );
    }
    let client_id = raw.get("client_id").ok_or_else(|| missing_parameter("client_id"))?;
    let client = client.ok_or_else(invalid_client)?;

    let response_mode = match raw.get("response_mode") {
        Some(mode) if !RESPONSE_MODES.contains(&mode) => {
            return Err(OAuthError::new(
                OAuthErrorCode::UnsupportedResponseMode,
                "unsupported response_mode requested",
            )
            .into());
        }
        Some(mode) => mode,
        None => "query",
    };

    let response_type = raw.get("response_type").ok_or_else(|| missing_parameter("response_type"))?;
    let mut types: Vec<&str> = response_type.split(' ').collect();
    types.sort_unstable();
    types.dedup();
    let response_type = types.join(" ");
    if !RESPONSE_TYPES.contains(&response_type.as_str()) {
        return Err(
            OAuthError::new(OAuthErrorCode::UnsupportedResponseType, "unsupported response_type requested").into()
        );
    }
    if response_type != "code" || !code_allowed(client) {
        return Err(OAuthError::invalid_request("requested response_type is not allowed for this client").into());
    }

    let redirect_uri = raw.get("redirect_uri").ok_or_else(|| missing_parameter("redirect_uri"))?;

    let mut prompt: Vec<String> = Vec::new();
    if let Some(value) = raw.get("prompt") {
        for p in value.split(' ').filter(|p| !p.is_empty()) {
            if !PROMPTS.contains(&p) {
                return Err(OAuthError::invalid_request("unsupported prompt value requested").into());
            }
            if !prompt.iter().any(|q| q == p) {
                prompt.push(p.to_owned());
            }
        }
        if prompt.iter().any(|p| p == "none") && prompt.len() != 1 {
            return Err(OAuthError::invalid_request("prompt none must only be used alone").into());
        }
    }

    let mut scopes: Vec<String> = Vec::new();
    if let Some(scope) = raw.get("scope") {
        if !valid_scope(scope) {
            return Err(OAuthError::new(OAuthErrorCode::InvalidScope, "scope contains invalid characters").into());
        }
        for s in scope.split(' ') {
            if !scopes.iter().any(|t| t == s) {
                scopes.push(s.to_owned());
            }
        }
    }
    // `offline_access` only with `prompt=consent` (OpenID Connect Core §11); every client that
    // may use this endpoint may use the refresh_token grant.
    if !prompt.iter().any(|p| p == "consent") {
        scopes.retain(|s| s != "offline_access");
    }
    if !scopes.iter().any(|s| s == "openid") {
        for gated in ["id_token_hint", "max_age", "nonce", "claims", "acr_values", "claims_locales"] {
            if raw.get(gated).is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "openid scope must be requested when using the {gated} parameter"
                ))
                .into());
            }
        }
    }

    if !redirect_allowed(client, redirect_uri) {
        return Err(invalid_redirect_uri().into());
    }

    let code_challenge = raw.get("code_challenge");
    let code_challenge_method = raw.get("code_challenge_method");
    if code_challenge.is_some() && code_challenge_method.is_none() {
        return Err(OAuthError::invalid_request("code_challenge_method must be provided").into());
    }
    if let Some(method) = code_challenge_method {
        if method != "S256" {
            return Err(OAuthError::invalid_request("not supported value of code_challenge_method").into());
        }
        if code_challenge.is_none() {
            return Err(
                OAuthError::invalid_request("code_challenge must be provided with code_challenge_method").into()
            );
        }
    }
    if code_challenge.is_none() && pkce_required(client) {
        return Err(OAuthError::invalid_request(
            "Authorization Server policy requires PKCE to be used for this request",
        )
        .into());
    }
    if let Some(challenge) = code_challenge {
        check_challenge(challenge)?;
    }

    let resources = check_resources(app, form).await?;

    let mut max_age = None;
    if let Some(value) = raw.get("max_age") {
        let parsed: u64 = value
            .parse()
            .ok()
            .filter(|n| *n <= 9_007_199_254_740_991)
            .ok_or_else(|| OAuthError::invalid_request("invalid max_age parameter value"))?;
        if parsed == 0 {
            if !prompt.iter().any(|p| p == "login") {
                prompt.push("login".into());
            }
        } else {
            max_age = Some(parsed);
        }
    }

    let mut extra = BTreeMap::new();
    for name in EXTRA_PARAMS {
        if let Some(value) = raw.get(name) {
            extra.insert((*name).to_owned(), value.to_owned());
        }
    }

    Ok(AuthorizationParams {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        response_type,
        response_mode: response_mode.to_owned(),
        scope: scopes.join(" "),
        state: raw.get("state").map(str::to_owned),
        nonce: raw.get("nonce").map(str::to_owned),
        code_challenge: code_challenge.map(str::to_owned),
        code_challenge_method: code_challenge_method.map(str::to_owned),
        resources,
        prompt,
        max_age,
        login_hint: raw.get("login_hint").map(str::to_owned),
        ui_locales: raw.get("ui_locales").map(str::to_owned),
        extra,
    })
}

/// `resource` (repeatable; `a,b` is split as Logto's `koa-resource-param` does), or the
/// tenant's default API resource when none is given; each must be a registered API resource
/// (or Logto's reserved organization resource).
async fn check_resources(app: &App, form: &FormParams) -> Result<Vec<String>, CheckError> {
    let mut requested: Vec<String> = Vec::new();
    for value in form.all("resource").filter(|v| !v.is_empty()) {
        for part in value.split(',').filter(|p| !p.is_empty()) {
            if !requested.iter().any(|r| r == part) {
                requested.push(part.to_owned());
            }
        }
    }
    if requested.is_empty() {
        return Ok(resource::find_default(app.store.as_ref())
            .await?
            .map(|r| r.resource.indicator)
            .into_iter()
            .collect());
    }
    for indicator in &requested {
        let Ok(parsed) = url::Url::parse(indicator) else {
            return Err(
                OAuthError::new(OAuthErrorCode::InvalidTarget, "resource indicator must be an absolute URI").into()
            );
        };
        if parsed.fragment().is_some() || indicator.contains('#') {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidTarget,
                "resource indicator must not contain a fragment component",
            )
            .into());
        }
        if indicator != ORGANIZATION_RESOURCE
            && resource::find_by_indicator(app.store.as_ref(), indicator).await?.is_none()
        {
            return Err(
                OAuthError::new(OAuthErrorCode::InvalidTarget, "resource indicator is missing, or unknown").into()
            );
        }
    }
    Ok(requested)
}
