//! The Management API under `/api`, for admins and M2M apps (Logto's `packages/core/src/routes`).
//!
//! Request path: authenticate (`guard`) → route (closed enum below) → parse the typed body or
//! query (400 `guard.invalid_input` on mismatch) → checks (reads only) → one atomic write
//! through `crate::domain` → JSON in Logto's shape. The module tree mirrors the URL tree.

pub mod account_center;
pub mod applications;
pub mod configs;
pub mod connector_factories;
pub mod connectors;
pub mod email_templates;
pub mod errors;
pub mod guard;
pub mod one_time_tokens;
pub mod pagination;
pub mod resources;
pub mod roles;
pub mod search;
pub mod sentinel_activities;
pub mod sign_in_exp;
pub mod users;
pub mod validate;
pub mod well_known;

use std::sync::OnceLock;

use http::{Method, StatusCode};
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::http::{Params, Routes};
use crate::ports::Millis;
use crate::store::Store;
use crate::{App, Request, Response};

pub use guard::Caller;

/// Every Management API route this group serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Applications,
    Application,
    ApplicationCustomData,
    ApplicationLegacySecret,
    ApplicationSecrets,
    ApplicationSecret,
    ApplicationRoles,
    ApplicationRole,
    Resources,
    Resource,
    ResourceIsDefault,
    ResourceScopes,
    ResourceScope,
    Roles,
    Role,
    RoleScopes,
    RoleScope,
    RoleApplications,
    RoleApplication,
    RoleUsers,
    RoleUser,
    Users,
    User,
    UserCustomData,
    UserProfile,
    UserLogtoConfigs,
    UserMfaVerifications,
    UserMfaVerification,
    UserPassword,
    UserPasswordVerify,
    UserPasswordExpiration,
    UserHasPassword,
    UserIsSuspended,
    UserIdentities,
    UserIdentity,
    UserRoles,
    UserRole,
    OidcPrivateKeys,
    OidcPrivateKeysRotate,
    OidcPrivateKey,
    OidcCookieKeys,
    OidcCookieKeysRotate,
    OidcCookieKey,
    Connectors,
    Connector,
    ConnectorTest,
    ConnectorAuthorizationUri,
    OneTimeTokens,
    OneTimeTokenVerify,
    OneTimeToken,
    OneTimeTokenStatus,
    ConnectorFactories,
    ConnectorFactory,
    SignInExp,
    AccountCenter,
    EmailTemplates,
    EmailTemplate,
    EmailTemplateDetails,
    SignInExpCheckPassword,
    SignInExpUsernameConflicts,
    SentinelActivitiesDelete,
}

const TABLE: &[(&str, Route)] = &[
    ("/api/applications", Route::Applications),
    ("/api/applications/{id}", Route::Application),
    ("/api/applications/{id}/custom-data", Route::ApplicationCustomData),
    ("/api/applications/{id}/legacy-secret", Route::ApplicationLegacySecret),
    ("/api/applications/{id}/secrets", Route::ApplicationSecrets),
    ("/api/applications/{id}/secrets/{name}", Route::ApplicationSecret),
    ("/api/applications/{id}/roles", Route::ApplicationRoles),
    ("/api/applications/{id}/roles/{roleId}", Route::ApplicationRole),
    ("/api/resources", Route::Resources),
    ("/api/resources/{id}", Route::Resource),
    ("/api/resources/{id}/is-default", Route::ResourceIsDefault),
    ("/api/resources/{id}/scopes", Route::ResourceScopes),
    ("/api/resources/{id}/scopes/{scopeId}", Route::ResourceScope),
    ("/api/roles", Route::Roles),
    ("/api/roles/{id}", Route::Role),
    ("/api/roles/{id}/scopes", Route::RoleScopes),
    ("/api/roles/{id}/scopes/{scopeId}", Route::RoleScope),
    ("/api/roles/{id}/applications", Route::RoleApplications),
    ("/api/roles/{id}/applications/{applicationId}", Route::RoleApplication),
    ("/api/roles/{id}/users", Route::RoleUsers),
    ("/api/roles/{id}/users/{userId}", Route::RoleUser),
    ("/api/users", Route::Users),
    ("/api/users/{userId}", Route::User),
    ("/api/users/{userId}/custom-data", Route::UserCustomData),
    ("/api/users/{userId}/profile", Route::UserProfile),
    ("/api/users/{userId}/logto-configs", Route::UserLogtoConfigs),
    ("/api/users/{userId}/mfa-verifications", Route::UserMfaVerifications),
    ("/api/users/{userId}/mfa-verifications/{verificationId}", Route::UserMfaVerification),
    ("/api/users/{userId}/password", Route::UserPassword),
    ("/api/users/{userId}/password/verify", Route::UserPasswordVerify),
    ("/api/users/{userId}/password/expiration", Route::UserPasswordExpiration),
    ("/api/users/{userId}/has-password", Route::UserHasPassword),
    ("/api/users/{userId}/is-suspended", Route::UserIsSuspended),
    ("/api/users/{userId}/identities", Route::UserIdentities),
    ("/api/users/{userId}/identities/{target}", Route::UserIdentity),
    ("/api/users/{userId}/roles", Route::UserRoles),
    ("/api/users/{userId}/roles/{roleId}", Route::UserRole),
    ("/api/configs/oidc/private-keys", Route::OidcPrivateKeys),
    ("/api/configs/oidc/private-keys/rotate", Route::OidcPrivateKeysRotate),
    ("/api/configs/oidc/private-keys/{keyId}", Route::OidcPrivateKey),
    ("/api/configs/oidc/cookie-keys", Route::OidcCookieKeys),
    ("/api/configs/oidc/cookie-keys/rotate", Route::OidcCookieKeysRotate),
    ("/api/configs/oidc/cookie-keys/{keyId}", Route::OidcCookieKey),
    ("/api/connectors", Route::Connectors),
    ("/api/connectors/{id}", Route::Connector),
    ("/api/connectors/{factoryId}/test", Route::ConnectorTest),
    ("/api/connectors/{id}/authorization-uri", Route::ConnectorAuthorizationUri),
    ("/api/one-time-tokens", Route::OneTimeTokens),
    ("/api/one-time-tokens/verify", Route::OneTimeTokenVerify),
    ("/api/one-time-tokens/{id}", Route::OneTimeToken),
    ("/api/one-time-tokens/{id}/status", Route::OneTimeTokenStatus),
    ("/api/connector-factories", Route::ConnectorFactories),
    ("/api/connector-factories/{id}", Route::ConnectorFactory),
    ("/api/sign-in-exp", Route::SignInExp),
    ("/api/account-center", Route::AccountCenter),
    ("/api/email-templates", Route::EmailTemplates),
    ("/api/email-templates/{id}", Route::EmailTemplate),
    ("/api/email-templates/{id}/details", Route::EmailTemplateDetails),
    ("/api/sign-in-exp/default/check-password", Route::SignInExpCheckPassword),
    ("/api/sign-in-exp/username-policy/case-sensitivity-conflicts", Route::SignInExpUsernameConflicts),
    ("/api/sentinel-activities/delete", Route::SentinelActivitiesDelete),
];

fn routes() -> Option<&'static Routes<Route>> {
    static ROUTES: OnceLock<Option<Routes<Route>>> = OnceLock::new();
    ROUTES.get_or_init(|| Routes::new(TABLE).ok()).as_ref()
}

pub async fn handle(app: &App, req: Request) -> Response {
    let conditional = crate::http::etag::Conditional::of(req.method(), req.headers());
    let mut response = conditional.apply(match serve(app, &req).await {
        Ok(response) => response,
        Err(error) => error.render(),
    });
    crate::http::tag_request_id(&mut response, &app.rng.id(16));
    crate::http::security_headers::apply_basic(&mut response);
    response
}

async fn serve(app: &App, req: &Request) -> Result<Response, ApiError> {
    // `GET /api/status` is Logto's anonymous health check: 204, no body.
    if req.uri().path() == "/api/status" && req.method() == Method::GET {
        return no_content();
    }
    // The sign-in experience a sign-in page renders from is public too.
    if let Some(response) = well_known::serve(app, req).await {
        return response;
    }
    if let Some(response) = account_center::serve_well_known(app, req).await {
        return response;
    }
    // Logto authenticates every other `/api` request before routing, so unknown paths are 401 too.
    let caller = guard::authenticate(app, req).await?;
    let path = req.uri().path();
    let path = if path.len() > 1 { path.strip_suffix('/').unwrap_or(path) } else { path };
    let Some((route, params)) = routes().and_then(|r| r.lookup(path)) else {
        return Err(ApiError::route_not_found());
    };
    let ctx = Ctx { app, req, params, query: Query::parse(req.uri().query()), caller };
    let method = req.method();
    use Route as R;
    match (route, method) {
        (R::Applications, &Method::GET) => applications::list(&ctx).await,
        (R::Applications, &Method::POST) => applications::create(&ctx).await,
        (R::Application, &Method::GET) => applications::get(&ctx).await,
        (R::Application, &Method::PATCH) => applications::update(&ctx).await,
        (R::Application, &Method::DELETE) => applications::delete(&ctx).await,
        (R::ApplicationCustomData, &Method::PATCH) => applications::custom_data::update(&ctx).await,
        (R::ApplicationLegacySecret, &Method::DELETE) => applications::secrets::delete_legacy(&ctx).await,
        (R::ApplicationSecrets, &Method::GET) => applications::secrets::list(&ctx).await,
        (R::ApplicationSecrets, &Method::POST) => applications::secrets::create(&ctx).await,
        (R::ApplicationSecret, &Method::PATCH) => applications::secrets::rename(&ctx).await,
        (R::ApplicationSecret, &Method::DELETE) => applications::secrets::delete(&ctx).await,
        (R::ApplicationRoles, &Method::GET) => applications::roles::list(&ctx).await,
        (R::ApplicationRoles, &Method::POST) => applications::roles::assign(&ctx).await,
        (R::ApplicationRoles, &Method::PUT) => applications::roles::replace(&ctx).await,
        (R::ApplicationRole, &Method::DELETE) => applications::roles::remove(&ctx).await,
        (R::Resources, &Method::GET) => resources::list(&ctx).await,
        (R::Resources, &Method::POST) => resources::create(&ctx).await,
        (R::Resource, &Method::GET) => resources::get(&ctx).await,
        (R::Resource, &Method::PATCH) => resources::update(&ctx).await,
        (R::Resource, &Method::DELETE) => resources::delete(&ctx).await,
        (R::ResourceIsDefault, &Method::PATCH) => resources::set_default(&ctx).await,
        (R::ResourceScopes, &Method::GET) => resources::scopes::list(&ctx).await,
        (R::ResourceScopes, &Method::POST) => resources::scopes::create(&ctx).await,
        (R::ResourceScope, &Method::PATCH) => resources::scopes::update(&ctx).await,
        (R::ResourceScope, &Method::DELETE) => resources::scopes::delete(&ctx).await,
        (R::Roles, &Method::GET) => roles::list(&ctx).await,
        (R::Roles, &Method::POST) => roles::create(&ctx).await,
        (R::Role, &Method::GET) => roles::get(&ctx).await,
        (R::Role, &Method::PATCH) => roles::update(&ctx).await,
        (R::Role, &Method::DELETE) => roles::delete(&ctx).await,
        (R::RoleScopes, &Method::GET) => roles::scopes::list(&ctx).await,
        (R::RoleScopes, &Method::POST) => roles::scopes::assign(&ctx).await,
        (R::RoleScope, &Method::DELETE) => roles::scopes::remove(&ctx).await,
        (R::RoleApplications, &Method::GET) => roles::applications::list(&ctx).await,
        (R::RoleApplications, &Method::POST) => roles::applications::assign(&ctx).await,
        (R::RoleApplication, &Method::DELETE) => roles::applications::remove(&ctx).await,
        (R::RoleUsers, &Method::GET) => roles::users::list(&ctx).await,
        (R::RoleUsers, &Method::POST) => roles::users::assign(&ctx).await,
        (R::RoleUser, &Method::DELETE) => roles::users::remove(&ctx).await,
        (R::Users, &Method::GET) => users::list(&ctx).await,
        (R::Users, &Method::POST) => users::create(&ctx).await,
        (R::User, &Method::GET) => users::get(&ctx).await,
        (R::User, &Method::PATCH) => users::update(&ctx).await,
        (R::User, &Method::DELETE) => users::delete(&ctx).await,
        (R::UserCustomData, &Method::GET) => users::custom_data::get(&ctx).await,
        (R::UserCustomData, &Method::PATCH) => users::custom_data::update(&ctx).await,
        (R::UserProfile, &Method::PATCH) => users::profile::update(&ctx).await,
        (R::UserLogtoConfigs, &Method::GET) => users::logto_config::get(&ctx).await,
        (R::UserLogtoConfigs, &Method::PATCH) => users::logto_config::update(&ctx).await,
        (R::UserMfaVerifications, &Method::GET) => users::mfa_verifications::list(&ctx).await,
        (R::UserMfaVerifications, &Method::POST) => users::mfa_verifications::create(&ctx).await,
        (R::UserMfaVerification, &Method::DELETE) => users::mfa_verifications::delete(&ctx).await,
        (R::UserPassword, &Method::PATCH) => users::password::update(&ctx).await,
        (R::UserPasswordVerify, &Method::POST) => users::password::verify(&ctx).await,
        (R::UserPasswordExpiration, &Method::PATCH) => users::password::expiration(&ctx).await,
        (R::UserHasPassword, &Method::GET) => users::password::has_password(&ctx).await,
        (R::UserIsSuspended, &Method::PATCH) => users::suspension::update(&ctx).await,
        (R::UserIdentities, &Method::POST) => users::identities::link(&ctx).await,
        (R::UserIdentity, &Method::GET) => users::identities::get(&ctx).await,
        (R::UserIdentity, &Method::PUT) => users::identities::put(&ctx).await,
        (R::UserIdentity, &Method::DELETE) => users::identities::delete(&ctx).await,
        (R::UserRoles, &Method::GET) => users::roles::list(&ctx).await,
        (R::UserRoles, &Method::POST) => users::roles::assign(&ctx).await,
        (R::UserRoles, &Method::PUT) => users::roles::replace(&ctx).await,
        (R::UserRole, &Method::DELETE) => users::roles::remove(&ctx).await,
        (R::OidcPrivateKeys, &Method::GET) => configs::oidc::private_keys::list(&ctx).await,
        (R::OidcPrivateKeysRotate, &Method::POST) => configs::oidc::private_keys::rotate(&ctx).await,
        (R::OidcPrivateKey, &Method::DELETE) => configs::oidc::private_keys::delete(&ctx).await,
        (R::OidcCookieKeys, &Method::GET) => configs::oidc::cookie_keys::list(&ctx).await,
        (R::OidcCookieKeysRotate, &Method::POST) => configs::oidc::cookie_keys::rotate(&ctx).await,
        (R::OidcCookieKey, &Method::DELETE) => configs::oidc::cookie_keys::delete(&ctx).await,
        (R::SentinelActivitiesDelete, &Method::POST) => sentinel_activities::delete(&ctx).await,
        (R::Connectors, &Method::GET) => connectors::list(&ctx).await,
        (R::Connectors, &Method::POST) => connectors::create(&ctx).await,
        (R::Connector, &Method::GET) => connectors::get(&ctx).await,
        (R::Connector, &Method::PATCH) => connectors::update(&ctx).await,
        (R::Connector, &Method::DELETE) => connectors::delete(&ctx).await,
        (R::ConnectorTest, &Method::POST) => connectors::test::send(&ctx).await,
        (R::ConnectorAuthorizationUri, &Method::POST) => connectors::authorization_uri::post(&ctx).await,
        (R::OneTimeTokens, &Method::GET) => one_time_tokens::list(&ctx).await,
        (R::OneTimeTokens, &Method::POST) => one_time_tokens::create(&ctx).await,
        (R::OneTimeTokenVerify, &Method::POST) => one_time_tokens::verify(&ctx).await,
        (R::OneTimeToken, &Method::GET) => one_time_tokens::get(&ctx).await,
        (R::OneTimeToken, &Method::DELETE) => one_time_tokens::delete(&ctx).await,
        (R::OneTimeTokenStatus, &Method::PUT) => one_time_tokens::update_status(&ctx).await,
        (R::ConnectorFactories, &Method::GET) => connector_factories::list(&ctx).await,
        (R::ConnectorFactory, &Method::GET) => connector_factories::get(&ctx).await,
        (R::SignInExp, &Method::GET) => sign_in_exp::get(&ctx).await,
        (R::AccountCenter, &Method::GET) => account_center::get(&ctx).await,
        (R::AccountCenter, &Method::PATCH) => account_center::update(&ctx).await,
        (R::EmailTemplates, &Method::PUT) => email_templates::upsert(&ctx).await,
        (R::EmailTemplates, &Method::GET) => email_templates::list(&ctx).await,
        (R::EmailTemplates, &Method::DELETE) => email_templates::delete_many(&ctx).await,
        (R::EmailTemplate, &Method::GET) => email_templates::get(&ctx).await,
        (R::EmailTemplate, &Method::DELETE) => email_templates::delete(&ctx).await,
        (R::EmailTemplateDetails, &Method::PATCH) => email_templates::update_details(&ctx).await,
        (R::SignInExp, &Method::PATCH) => sign_in_exp::update(&ctx).await,
        (R::SignInExpCheckPassword, &Method::POST) => sign_in_exp::check_password(&ctx).await,
        (R::SignInExpUsernameConflicts, &Method::GET) => sign_in_exp::username_case_conflicts(&ctx).await,
        _ => Err(ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "request.general", "Method Not Allowed")),
    }
}

/// One request as a handler sees it.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub req: &'a Request,
    params: Params,
    pub query: Query,
    pub caller: Caller,
}

impl Ctx<'_> {
    pub fn store(&self) -> &dyn Store {
        self.app.store.as_ref()
    }

    pub fn now(&self) -> Millis {
        self.app.clock.now_ms()
    }

    /// A path parameter, percent-decoded (secret names may contain spaces).
    pub fn param(&self, name: &str) -> String {
        percent_decode_str(self.params.get(name)).decode_utf8_lossy().into_owned()
    }

    /// The JSON body as `T`. Unknown fields are ignored, as Logto's zod guards strip them.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let body = self.req.body();
        if !body.is_empty() && !crate::http::content_type_is(self.req.headers(), "application/json") {
            return Err(errors::invalid(errors::Part::Body, "Content-Type must be application/json"));
        }
        crate::http::parse_json(body).map_err(|e| errors::invalid(errors::Part::Body, e))
    }

    /// A paginated (or optionally unpaginated) JSON list with Logto's headers.
    pub fn list_response<T: serde::Serialize + ?Sized>(
        &self,
        paging: pagination::Paging,
        items: &T,
        total: u64,
    ) -> Response {
        paging.respond(&self.app.config.endpoint, self.req.uri().path(), &self.query, items, total)
    }
}

/// Decoded query parameters in arrival order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Query(raw.and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default())
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The query string with `page` set to `page` (replaced in place, or appended).
    pub fn with_page(&self, page: u64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::with_capacity(self.0.len() + 1);
        let mut replaced = false;
        for (k, v) in &self.0 {
            if k == "page" {
                if !replaced {
                    pairs.push(("page", page.to_string()));
                    replaced = true;
                }
            } else {
                pairs.push((k.as_str(), v.clone()));
            }
        }
        if !replaced {
            pairs.push(("page", page.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// A JSON response with `status`.
pub(crate) fn json<T: serde::Serialize + ?Sized>(status: StatusCode, body: &T) -> Result<Response, ApiError> {
    Ok(crate::http::json_response(status, body))
}

pub(crate) fn no_content() -> Result<Response, ApiError> {
    Ok(crate::http::empty(StatusCode::NO_CONTENT))
}

/// How many times a handler re-reads and retries a write that lost a version race.
pub(crate) const WRITE_RETRIES: usize = 5;

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
#[cfg(feature = "ring")]
mod journey;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_table_is_valid() {
        assert!(routes().is_some());
        let routes = routes().unwrap();
        assert_eq!(routes.lookup("/api/applications/abc/secrets/x").map(|(r, _)| r), Some(Route::ApplicationSecret));
        assert_eq!(routes.lookup("/api/resources/abc/is-default").map(|(r, _)| r), Some(Route::ResourceIsDefault));
    }
}
