//! `POST /oidc/token`, in node-oidc-provider's order (`lib/actions/token.js`): parse the body,
//! authenticate the client, check `grant_type` (present, supported, allowed for this client),
//! check the `scope` syntax, then run the grant. Every response carries
//! `Cache-Control: no-store`.

pub mod authorization_code;
pub mod client_credentials;
pub mod id_token;
pub mod introspection;
pub mod pkce;
pub mod refresh_token;
pub mod revocation;
mod user_tokens;

#[cfg(test)]
#[cfg(feature = "ring")]
mod user_flow_tests;

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::client_auth::{self, Client};
use super::{form, missing_parameter};
use crate::domain::application::ApplicationType;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::{App, Request, Response};

/// The grants edgeid's token endpoint answers (a closed set: one module per grant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl Grant {
    pub fn parse(grant_type: &str) -> Option<Self> {
        match grant_type {
            "authorization_code" => Some(Grant::AuthorizationCode),
            "refresh_token" => Some(Grant::RefreshToken),
            "client_credentials" => Some(Grant::ClientCredentials),
            _ => None,
        }
    }

    /// Whether the client is registered for this grant (Logto derives `grant_types` from the
    /// application type, `oidc/utils.ts`: machine-to-machine apps use `client_credentials`
    /// only; device-flow Native apps `device_code` + `refresh_token`; every other app
    /// `authorization_code` + `refresh_token`).
    pub fn allowed_for(self, client: &Client) -> bool {
        let app = &client.record.app;
        let m2m = app.app_type == ApplicationType::MachineToMachine;
        match self {
            Grant::ClientCredentials => m2m,
            Grant::RefreshToken => !m2m,
            Grant::AuthorizationCode => {
                let device_flow =
                    app.app_type == ApplicationType::Native && app.custom_client_metadata.is_device_flow == Some(true);
                !m2m && !device_flow
            }
        }
    }
}

pub async fn post(app: &App, req: &Request) -> Result<Response, OAuthError> {
    let params = form(req)?;
    let client = client_auth::authenticate(app, req.headers(), &params).await?;
    let grant_type = single(&params, "grant_type")?.ok_or_else(|| missing_parameter("grant_type"))?;
    let grant = Grant::parse(grant_type)
        .ok_or_else(|| OAuthError::new(OAuthErrorCode::UnsupportedGrantType, "unsupported grant_type requested"))?;
    if !grant.allowed_for(&client) {
        return Err(OAuthError::invalid_request("requested grant type is not allowed for this client"));
    }
    if let Some(scope) = single(&params, "scope")?
        && !valid_scope(scope)
    {
        return Err(OAuthError::new(OAuthErrorCode::InvalidScope, "scope contains invalid characters"));
    }
    match grant {
        Grant::ClientCredentials => client_credentials::exchange(app, &client, &params).await,
        Grant::AuthorizationCode => authorization_code::exchange(app, &client, &params).await,
        Grant::RefreshToken => refresh_token::exchange(app, &client, &params).await,
    }
}

/// The one value of a parameter; sending it twice is `invalid_request`.
pub(crate) fn single<'a>(params: &'a FormParams, name: &str) -> Result<Option<&'a str>, OAuthError> {
    params.single(name).map_err(OAuthError::invalid_request)
}

/// RFC 6749 §3.3: scope tokens of `%x21 / %x23-5B / %x5D-7E`, separated by single spaces.
pub fn valid_scope(scope: &str) -> bool {
    scope
        .split(' ')
        .all(|token| !token.is_empty() && token.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E)))
}

/// A JSON success response with `Cache-Control: no-store`.
pub(crate) fn no_store_json<T: Serialize + ?Sized>(body: &T) -> Response {
    let mut response = crate::http::json_response(StatusCode::OK, body);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_syntax_follows_rfc_6749() {
        for ok in ["all", "read write", "urn:logto:scope:organizations", "a!#[]~"] {
            assert!(valid_scope(ok), "{ok}");
        }
        for bad in ["", " all", "all ", "read  write", "a\"b", "a\\b", "é", "a\tb"] {
            assert!(!valid_scope(bad), "{bad:?}");
        }
    }
}
