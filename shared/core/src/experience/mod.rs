//! The experience group: Logto's Experience API (`/api/experience*`, RFC 0004 "interaction
//! API v2") — how a person signs in, registers or resets a password inside an OIDC
//! interaction started by `/oidc/auth`.
//!
//! Every route first finds the interaction from the signed `_interaction` cookie
//! ([`session`]), then (except `PUT /api/experience`) its experience storage ([`storage`],
//! Logto's `InteractionStorage`), then parses the body, as Logto's middleware order does.
//! State changes are written back to the interaction with `IfVersion`.

mod callback;
pub mod errors;
mod event;
mod identification;
mod interaction;
mod mfa;
pub mod pages;
mod profile;
pub mod rules;
mod session;
mod social;
pub mod storage;
mod submit;
mod users;
mod verification;

use std::sync::OnceLock;

use http::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::http::Routes;
use crate::{App, Request, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Experience,
    InteractionEvent,
    Interaction,
    Identification,
    Submit,
    Profile,
    ProfilePassword,
    Password,
    VerificationCode,
    VerificationCodeVerify,
    NewPasswordIdentity,
    OneTimeTokenVerify,
    WebAuthnRegistration,
    WebAuthnRegistrationVerify,
    WebAuthnAuthentication,
    WebAuthnAuthenticationVerify,
    SocialAuthorizationUri,
    SocialVerify,
    TotpSecret,
    TotpVerify,
    BackupCodeGenerate,
    BackupCodeVerify,
    MfaCode,
    MfaCodeVerify,
    ProfileMfa,
    ProfileMfaEnabled,
    ProfileMfaSkipped,
    ProfileMfaSuggestionSkipped,
    ProfilePasskeySkipped,
}

const TABLE: &[(&str, Route)] = &[
    ("/api/experience", Route::Experience),
    ("/api/experience/interaction-event", Route::InteractionEvent),
    ("/api/experience/interaction", Route::Interaction),
    ("/api/experience/identification", Route::Identification),
    ("/api/experience/submit", Route::Submit),
    ("/api/experience/profile", Route::Profile),
    ("/api/experience/profile/password", Route::ProfilePassword),
    ("/api/experience/verification/password", Route::Password),
    ("/api/experience/verification/verification-code", Route::VerificationCode),
    ("/api/experience/verification/verification-code/verify", Route::VerificationCodeVerify),
    ("/api/experience/verification/new-password-identity", Route::NewPasswordIdentity),
    ("/api/experience/verification/one-time-token/verify", Route::OneTimeTokenVerify),
    ("/api/experience/verification/web-authn/registration", Route::WebAuthnRegistration),
    ("/api/experience/verification/web-authn/registration/verify", Route::WebAuthnRegistrationVerify),
    ("/api/experience/verification/web-authn/authentication", Route::WebAuthnAuthentication),
    ("/api/experience/verification/web-authn/authentication/verify", Route::WebAuthnAuthenticationVerify),
    ("/api/experience/verification/social/{connectorId}/authorization-uri", Route::SocialAuthorizationUri),
    ("/api/experience/verification/social/{connectorId}/verify", Route::SocialVerify),
    ("/api/experience/verification/totp/secret", Route::TotpSecret),
    ("/api/experience/verification/totp/verify", Route::TotpVerify),
    ("/api/experience/verification/backup-code/generate", Route::BackupCodeGenerate),
    ("/api/experience/verification/backup-code/verify", Route::BackupCodeVerify),
    ("/api/experience/verification/mfa-verification-code", Route::MfaCode),
    ("/api/experience/verification/mfa-verification-code/verify", Route::MfaCodeVerify),
    ("/api/experience/profile/mfa", Route::ProfileMfa),
    ("/api/experience/profile/mfa/mfa-enabled", Route::ProfileMfaEnabled),
    ("/api/experience/profile/mfa/mfa-skipped", Route::ProfileMfaSkipped),
    ("/api/experience/profile/mfa/mfa-suggestion-skipped", Route::ProfileMfaSuggestionSkipped),
    ("/api/experience/profile/mfa/passkey-skipped", Route::ProfilePasskeySkipped),
];

fn routes() -> Option<&'static Routes<Route>> {
    static ROUTES: OnceLock<Option<Routes<Route>>> = OnceLock::new();
    ROUTES.get_or_init(|| Routes::new(TABLE).ok()).as_ref()
}

pub async fn handle(app: &App, req: Request) -> Response {
    if callback::matches(&req) {
        return callback::redirect(&req);
    }
    if let Some(page) = pages::serve(&req) {
        return page;
    }
    let conditional = crate::http::etag::Conditional::of(req.method(), req.headers());
    let mut response = conditional.apply(match serve(app, &req).await {
        Ok(response) => response,
        Err(error) => error.render(),
    });
    crate::http::tag_request_id(&mut response, &app.rng.id(16));
    crate::http::security_headers::apply_basic(&mut response);
    response.headers_mut().insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    response
}

async fn serve(app: &App, req: &Request) -> Result<Response, ApiError> {
    let path = req.uri().path();
    let path = if path.len() > 1 { path.strip_suffix('/').unwrap_or(path) } else { path };
    let Some((route, params)) = routes().and_then(|r| r.lookup(path)) else {
        return Err(ApiError::route_not_found());
    };
    let ctx = Ctx { app, req, params };
    use Route as R;
    match (route, req.method()) {
        (R::Experience, &Method::PUT) => event::start(&ctx).await,
        (R::InteractionEvent, &Method::PUT) => event::switch(&ctx).await,
        (R::Interaction, &Method::GET) => interaction::get(&ctx).await,
        (R::Identification, &Method::POST) => identification::identify(&ctx).await,
        (R::Submit, &Method::POST) => submit::submit(&ctx).await,
        (R::Profile, &Method::POST) => profile::add(&ctx).await,
        (R::ProfilePassword, &Method::PUT) => profile::reset_password(&ctx).await,
        (R::Password, &Method::POST) => verification::password::verify(&ctx).await,
        (R::VerificationCode, &Method::POST) => verification::code::send(&ctx).await,
        (R::VerificationCodeVerify, &Method::POST) => verification::code::verify(&ctx).await,
        (R::NewPasswordIdentity, &Method::POST) => verification::new_password_identity::verify(&ctx).await,
        (R::OneTimeTokenVerify, &Method::POST) => verification::one_time_token::verify(&ctx).await,
        (R::WebAuthnRegistration, &Method::POST) => verification::web_authn::registration(&ctx).await,
        (R::WebAuthnRegistrationVerify, &Method::POST) => verification::web_authn::registration_verify(&ctx).await,
        (R::WebAuthnAuthentication, &Method::POST) => verification::web_authn::authentication(&ctx).await,
        (R::WebAuthnAuthenticationVerify, &Method::POST) => verification::web_authn::authentication_verify(&ctx).await,
        (R::SocialAuthorizationUri, &Method::POST) => verification::social::authorization_uri(&ctx).await,
        (R::SocialVerify, &Method::POST) => verification::social::verify(&ctx).await,
        (R::TotpSecret, &Method::POST) => verification::totp::secret(&ctx).await,
        (R::TotpVerify, &Method::POST) => verification::totp::verify(&ctx).await,
        (R::BackupCodeGenerate, &Method::POST) => verification::backup_code::generate(&ctx).await,
        (R::BackupCodeVerify, &Method::POST) => verification::backup_code::verify(&ctx).await,
        (R::MfaCode, &Method::POST) => verification::mfa_code::send(&ctx).await,
        (R::MfaCodeVerify, &Method::POST) => verification::mfa_code::verify(&ctx).await,
        (R::ProfileMfa, &Method::POST) => profile::mfa::bind(&ctx).await,
        (R::ProfileMfaEnabled, &Method::POST) => profile::mfa::flag(&ctx, profile::mfa::Flag::Enabled).await,
        (R::ProfileMfaSkipped, &Method::POST) => profile::mfa::flag(&ctx, profile::mfa::Flag::Skipped).await,
        (R::ProfileMfaSuggestionSkipped, &Method::POST) => {
            profile::mfa::flag(&ctx, profile::mfa::Flag::SuggestionSkipped).await
        }
        (R::ProfilePasskeySkipped, &Method::POST) => profile::mfa::flag(&ctx, profile::mfa::Flag::PasskeySkipped).await,
        _ => Err(ApiError::route_not_found()),
    }
}

/// One request as a handler sees it.
struct Ctx<'a> {
    app: &'a App,
    req: &'a Request,
    params: crate::http::Params,
}

impl Ctx<'_> {
    /// A path parameter, percent-decoded.
    fn param(&self, name: &str) -> String {
        percent_encoding::percent_decode_str(self.params.get(name)).decode_utf8_lossy().into_owned()
    }

    /// The JSON body as `T` (Logto's `koaGuard`: 400 `guard.invalid_input`). Unknown fields are
    /// ignored, as zod strips them.
    fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let body = self.req.body();
        if !body.is_empty() && !crate::http::content_type_is(self.req.headers(), "application/json") {
            return Err(invalid_body("Content-Type must be application/json"));
        }
        crate::http::parse_json(body).map_err(invalid_body)
    }
}

fn invalid_body(details: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "guard.invalid_input", "The request body is invalid.").with_details(details)
}

fn json<T: serde::Serialize + ?Sized>(status: StatusCode, body: &T) -> Result<Response, ApiError> {
    Ok(crate::http::json_response(status, body))
}

fn no_content() -> Result<Response, ApiError> {
    Ok(crate::http::empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
#[cfg(feature = "ring")]
pub(crate) mod testing;
#[cfg(test)]
#[cfg(feature = "ring")]
mod tests;

#[cfg(test)]
mod route_table {
    use super::*;

    #[test]
    fn the_route_table_is_valid() {
        assert!(routes().is_some());
    }
}
