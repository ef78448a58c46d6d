//! The account group: Logto's Account API (`/api/my-account*`) and verification records
//! (`/api/verifications*`) — a signed-in user managing their own account with the opaque
//! access token `/oidc/token` issues without a resource.
//!
//! Every matched route runs Logto's user-router middleware in order: [`auth`] (bearer opaque
//! token → live user, `openid` scope), then the account center must be enabled; then the
//! handler, which checks its scopes, fields, verification record and first-party client
//! through [`Ctx`]. Any origin may call (CORS, [`cors`]).
//!
//! Adding a route: a `Route` variant, a `TABLE` line and a `match` arm in [`serve`].

mod auth;
mod cors;
pub mod errors;
mod grants;
mod identities;
mod logto_configs;
mod mfa_settings;
mod mfa_verifications;
mod password;
mod primary_identifier;
mod profile;
mod sessions;
mod verifications;

use std::sync::OnceLock;

use http::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::domain::access_token::opaque::OpaqueAccessToken;
use crate::domain::account_center::{AccountCenter, Field};
use crate::domain::user::{self, Identifier, UserError, UserRecord};
use crate::domain::{application, verification_record};
use crate::error::ApiError;
use crate::http::{Params, Routes};
use crate::store::Version;
use crate::{App, Request, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    MyAccount,
    Profile,
    Password,
    PrimaryEmail,
    PrimaryPhone,
    LogtoConfigs,
    MfaVerifications,
    MfaVerificationsTotp,
    MfaTotpSecretGenerate,
    MfaBackupCodesGenerate,
    MfaBackupCodes,
    MfaVerification,
    MfaVerificationName,
    MfaSettings,
    Sessions,
    Session,
    Grants,
    Grant,
    VerifyPassword,
    VerificationCode,
    VerificationCodeVerify,
    WebAuthnRegistration,
    WebAuthnRegistrationVerify,
    Identities,
    Identity,
    VerifySocial,
    VerifySocialVerify,
}

const TABLE: &[(&str, Route)] = &[
    ("/api/my-account", Route::MyAccount),
    ("/api/my-account/profile", Route::Profile),
    ("/api/my-account/password", Route::Password),
    ("/api/my-account/primary-email", Route::PrimaryEmail),
    ("/api/my-account/primary-phone", Route::PrimaryPhone),
    ("/api/my-account/logto-configs", Route::LogtoConfigs),
    ("/api/my-account/mfa-verifications", Route::MfaVerifications),
    ("/api/my-account/mfa-verifications/totp", Route::MfaVerificationsTotp),
    ("/api/my-account/mfa-verifications/totp-secret/generate", Route::MfaTotpSecretGenerate),
    ("/api/my-account/mfa-verifications/backup-codes/generate", Route::MfaBackupCodesGenerate),
    ("/api/my-account/mfa-verifications/backup-codes", Route::MfaBackupCodes),
    ("/api/my-account/mfa-verifications/{verificationId}", Route::MfaVerification),
    ("/api/my-account/mfa-verifications/{verificationId}/name", Route::MfaVerificationName),
    ("/api/my-account/mfa-settings", Route::MfaSettings),
    ("/api/my-account/sessions", Route::Sessions),
    ("/api/my-account/sessions/{sessionId}", Route::Session),
    ("/api/my-account/grants", Route::Grants),
    ("/api/my-account/grants/{grantId}", Route::Grant),
    ("/api/verifications/password", Route::VerifyPassword),
    ("/api/verifications/verification-code", Route::VerificationCode),
    ("/api/verifications/verification-code/verify", Route::VerificationCodeVerify),
    ("/api/verifications/web-authn/registration", Route::WebAuthnRegistration),
    ("/api/verifications/web-authn/registration/verify", Route::WebAuthnRegistrationVerify),
    ("/api/my-account/identities", Route::Identities),
    ("/api/my-account/identities/{target}", Route::Identity),
    ("/api/verifications/social", Route::VerifySocial),
    ("/api/verifications/social/verify", Route::VerifySocialVerify),
];

fn routes() -> Option<&'static Routes<Route>> {
    static ROUTES: OnceLock<Option<Routes<Route>>> = OnceLock::new();
    ROUTES.get_or_init(|| Routes::new(TABLE).ok()).as_ref()
}

pub async fn handle(app: &App, req: Request) -> Response {
    if let Some(preflight) = cors::preflight(&req) {
        return preflight;
    }
    let conditional = crate::http::etag::Conditional::of(req.method(), req.headers());
    let mut response = conditional.apply(match serve(app, &req).await {
        Ok(response) => response,
        Err(error) => error.render(),
    });
    cors::decorate(&req, &mut response);
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
    let ctx = auth::authenticate(app, req, params).await?;
    use Route as R;
    match (route, req.method()) {
        (R::MyAccount, &Method::GET) => profile::get(&ctx).await,
        (R::MyAccount, &Method::PATCH) => profile::update(&ctx).await,
        (R::Profile, &Method::PATCH) => profile::update_profile(&ctx).await,
        (R::Password, &Method::POST) => password::update(&ctx).await,
        (R::PrimaryEmail, &Method::POST) => primary_identifier::update(&ctx, primary_identifier::Kind::Email).await,
        (R::PrimaryEmail, &Method::DELETE) => primary_identifier::delete(&ctx, primary_identifier::Kind::Email).await,
        (R::PrimaryPhone, &Method::POST) => primary_identifier::update(&ctx, primary_identifier::Kind::Phone).await,
        (R::PrimaryPhone, &Method::DELETE) => primary_identifier::delete(&ctx, primary_identifier::Kind::Phone).await,
        (R::LogtoConfigs, &Method::GET) => logto_configs::get(&ctx).await,
        (R::LogtoConfigs, &Method::PATCH) => logto_configs::update(&ctx).await,
        (R::MfaVerifications, &Method::GET) => mfa_verifications::list(&ctx).await,
        (R::MfaVerifications, &Method::POST) => mfa_verifications::add(&ctx).await,
        (R::MfaVerificationsTotp, &Method::PUT) => mfa_verifications::replace_totp(&ctx).await,
        (R::MfaTotpSecretGenerate, &Method::POST) => mfa_verifications::generate_totp_secret(&ctx).await,
        (R::MfaBackupCodesGenerate, &Method::POST) => mfa_verifications::generate_backup_codes(&ctx).await,
        (R::MfaBackupCodes, &Method::GET) => mfa_verifications::backup_codes(&ctx).await,
        (R::MfaVerification, &Method::DELETE) => mfa_verifications::delete(&ctx).await,
        (R::MfaVerificationName, &Method::PATCH) => mfa_verifications::rename(&ctx).await,
        (R::MfaSettings, &Method::GET) => mfa_settings::get(&ctx).await,
        (R::MfaSettings, &Method::PATCH) => mfa_settings::update(&ctx).await,
        (R::Sessions, &Method::GET) => sessions::get(&ctx).await,
        (R::Session, &Method::DELETE) => sessions::delete(&ctx).await,
        (R::Grants, &Method::GET) => grants::list(&ctx).await,
        (R::Grant, &Method::DELETE) => grants::delete(&ctx).await,
        (R::VerifyPassword, &Method::POST) => verifications::password::create(&ctx).await,
        (R::VerificationCode, &Method::POST) => verifications::code::create(&ctx).await,
        (R::VerificationCodeVerify, &Method::POST) => verifications::code::verify(&ctx).await,
        (R::WebAuthnRegistration, &Method::POST) => verifications::web_authn::registration(&ctx).await,
        (R::WebAuthnRegistrationVerify, &Method::POST) => verifications::web_authn::registration_verify(&ctx).await,
        (R::Identities, &Method::POST) => identities::link(&ctx, false).await,
        (R::Identities, &Method::PUT) => identities::link(&ctx, true).await,
        (R::Identity, &Method::DELETE) => identities::unlink(&ctx).await,
        (R::VerifySocial, &Method::POST) => verifications::social::create(&ctx).await,
        (R::VerifySocialVerify, &Method::POST) => verifications::social::verify(&ctx).await,
        _ => Err(ApiError::route_not_found()),
    }
}

/// How much of a field a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `ReadOnly` or `Edit`, else 400 `account_center.field_not_enabled`.
    Read,
    /// `Edit`, else 400 `account_center.field_not_editable`.
    Edit,
}

/// An authenticated Account API request (after Logto's `koaOidcAuth` + `koaAccountCenter`).
pub struct Ctx<'a> {
    pub app: &'a App,
    pub req: &'a Request,
    /// Path parameters of the matched route.
    pub params: Params,
    /// The token's user, live and not suspended, as read for this request.
    pub user: UserRecord,
    user_version: Version,
    pub token: OpaqueAccessToken,
    pub account_center: AccountCenter,
}

impl Ctx<'_> {
    /// 401 `auth.unauthorized` unless the token has `scope` (Logto's explicit-401 checks:
    /// `identities`, `urn:logto:scope:sessions`, ...).
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        if self.token.has_scope(scope) { Ok(()) } else { Err(errors::unauthorized()) }
    }

    /// 400 `auth.unauthorized` unless the token has `scope` (Logto's `assertThat` checks of
    /// the claim scopes `profile`, `address`, `custom_data`, `email`, `phone`).
    pub fn require_claim_scope(&self, scope: &str) -> Result<(), ApiError> {
        if self.token.has_scope(scope) { Ok(()) } else { Err(errors::unauthorized_400()) }
    }

    /// The account center must let the user read (or change) `field`.
    pub fn require_field(&self, field: Field, access: Access) -> Result<(), ApiError> {
        let control = self.account_center.control(field);
        match access {
            Access::Read if control.readable() => Ok(()),
            Access::Read => Err(errors::field_not_enabled()),
            Access::Edit if control.editable() => Ok(()),
            Access::Edit => Err(errors::field_not_editable()),
        }
    }

    /// The request names, in `logto-verification-id`, a live verification record of this
    /// user that proves their identity (Logto's `identityVerified`), else 401
    /// `verification_record.permission_denied`.
    pub async fn require_verified(&self) -> Result<(), ApiError> {
        if self.is_verified().await? { Ok(()) } else { Err(errors::permission_denied()) }
    }

    /// Logto's `identityVerified` flag.
    pub async fn is_verified(&self) -> Result<bool, ApiError> {
        let Some(id) = self.req.headers().get("logto-verification-id").and_then(|v| v.to_str().ok()) else {
            return Ok(false);
        };
        Ok(verification_record::find(self.app, id, &self.user.id).await?.is_some_and(|r| r.value.grants_permission()))
    }

    /// Logto's `assertFirstPartyClient`: 403 `auth.third_party_application_forbidden` for a
    /// token of a third-party application (or of a client that no longer exists: fail closed).
    pub async fn require_first_party(&self) -> Result<(), ApiError> {
        match application::find(self.app.store.as_ref(), &self.token.client_id).await? {
            Some(client) if !client.value.app.is_third_party => Ok(()),
            _ => Err(errors::third_party_application_forbidden()),
        }
    }

    /// A verification record of this user by id (400 `verification_record.not_found`).
    pub async fn record(&self, id: &str) -> Result<crate::domain::Versioned<verification_record::Stored>, ApiError> {
        verification_record::find(self.app, id, &self.user.id).await?.ok_or_else(errors::record_not_found)
    }

    /// The JSON body as `T` (Logto's `koaGuard`: 400 `guard.invalid_input`). Unknown fields
    /// are ignored, as zod strips them.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let body = self.req.body();
        if !body.is_empty() && !crate::http::content_type_is(self.req.headers(), "application/json") {
            return Err(errors::invalid_body("Content-Type must be application/json"));
        }
        let body = if body.is_empty() { &b"{}"[..] } else { &body[..] };
        crate::http::parse_json(body).map_err(errors::invalid_body)
    }

    /// Change the user with `change` and write it whole (`IfVersion`, identifier indexes
    /// claimed in the same commit): 422 `user.*_already_in_use` if an identifier is taken.
    /// If someone else wrote the user in between, the change is re-applied to a fresh read
    /// (so `change` must decide from the record it is given).
    pub async fn update_user<F>(&self, mut change: F) -> Result<UserRecord, ApiError>
    where
        F: FnMut(&mut UserRecord) -> Result<(), ApiError>,
    {
        const ATTEMPTS: usize = 4;
        let store = self.app.store.as_ref();
        let mut current = crate::domain::Versioned { value: self.user.clone(), version: self.user_version };
        for _ in 0..ATTEMPTS {
            let mut next = current.value.clone();
            change(&mut next)?;
            next.updated_at = self.app.clock.now_ms();
            match user::update(store, &current, &next).await {
                Ok(()) => return Ok(next),
                Err(UserError::Taken(identifier)) => return Err(taken(&identifier)),
                Err(UserError::Internal(e)) => return Err(e.into()),
                Err(UserError::Stale) => {
                    current = auth::live_user(store, &self.user.id).await?;
                }
            }
        }
        Err(errors::busy())
    }
}

fn taken(identifier: &Identifier) -> ApiError {
    match identifier {
        Identifier::Username => errors::username_already_in_use(),
        Identifier::Email => errors::email_already_in_use(),
        Identifier::Phone => errors::phone_already_in_use(),
        Identifier::Identity(_) | Identifier::Id => errors::identity_already_in_use(),
    }
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
