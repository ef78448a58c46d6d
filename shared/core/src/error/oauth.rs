use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::Internal;
use crate::Response;

/// RFC 6749 / 7009 / 7662 / 8707 error codes that edgeid emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    InvalidTarget,
    InvalidToken,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedTokenType,
    AccessDenied,
    InsufficientScope,
    ServerError,
    TemporarilyUnavailable,
    // The authorization endpoint's (node-oidc-provider's names).
    InvalidRedirectUri,
    UnsupportedResponseType,
    UnsupportedResponseMode,
    LoginRequired,
    ConsentRequired,
    InteractionRequired,
    RequestNotSupported,
    RequestUriNotSupported,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::InvalidToken => "invalid_token",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::AccessDenied => "access_denied",
            Self::InsufficientScope => "insufficient_scope",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::UnsupportedResponseMode => "unsupported_response_mode",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::InteractionRequired => "interaction_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient | Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope => StatusCode::FORBIDDEN,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// Logto's English phrase for `oidc.<error>` (`packages/phrases/src/locales/en/errors/oidc.ts`).
    pub fn message(self) -> &'static str {
        match self {
            Self::InvalidRequest => "Request is invalid.",
            Self::InvalidClient => "Client authentication failed.",
            Self::InvalidGrant => "Grant request is invalid.",
            Self::InvalidScope => "Scope is invalid.",
            Self::InvalidTarget => "Invalid resource indicator.",
            Self::InvalidToken => "Invalid token provided.",
            Self::UnauthorizedClient => "The client is not authorized to request an access token using this method.",
            Self::UnsupportedGrantType => "Unsupported `grant_type` requested.",
            Self::UnsupportedTokenType => "Unsupported token type.",
            Self::AccessDenied => "Access denied.",
            Self::InsufficientScope => "Insufficient scope for access token.",
            Self::ServerError => "An OIDC error occurred: server_error.",
            Self::TemporarilyUnavailable => "An OIDC error occurred: temporarily_unavailable.",
            Self::InvalidRedirectUri => "`redirect_uri` did not match any of the client's registered `redirect_uris`.",
            Self::UnsupportedResponseType => "Unsupported `response_type` requested.",
            Self::UnsupportedResponseMode => "Unsupported `response_mode` requested.",
            // Logto's `oidc.provider_error_fallback` with the code.
            Self::LoginRequired => "An OIDC error occurred: oidc.login_required.",
            Self::ConsentRequired => "An OIDC error occurred: oidc.consent_required.",
            Self::InteractionRequired => "An OIDC error occurred: oidc.interaction_required.",
            Self::RequestNotSupported => "An OIDC error occurred: oidc.request_not_supported.",
            Self::RequestUriNotSupported => "An OIDC error occurred: oidc.request_uri_not_supported.",
        }
    }
}

/// An error at an OAuth endpoint, rendered as Logto renders node-oidc-provider's errors:
/// `{error, error_description, code: "oidc.<error>", message}` (+ `error_uri` for
/// `invalid_grant`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    pub description: String,
    /// Overrides the code's usual status (400 for an unknown client id, 403 for org checks).
    pub status: Option<StatusCode>,
    /// `WWW-Authenticate` value for 401s (client authentication with Basic, bearer tokens).
    pub www_authenticate: Option<String>,
}

impl OAuthError {
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self { code, description: description.into(), status: None, www_authenticate: None }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_www_authenticate(mut self, value: impl Into<String>) -> Self {
        self.www_authenticate = Some(value.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or_else(|| self.code.status())
    }

    pub fn render(&self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            code: String,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            error_uri: Option<String>,
            error: &'a str,
            error_description: &'a str,
        }
        let error = self.code.as_str();
        let body = Body {
            code: format!("oidc.{error}"),
            message: self.code.message(),
            error_uri: (self.code == OAuthErrorCode::InvalidGrant).then(|| format!("https://openid.sh/debug/{error}")),
            error,
            error_description: &self.description,
        };
        let mut response = crate::http::json_response(self.status(), &body);
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(value) = self.www_authenticate.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

impl From<Internal> for OAuthError {
    fn from(e: Internal) -> Self {
        tracing::error!(error = %e, "internal error at an OAuth endpoint");
        if e.is_retryable() {
            OAuthError::new(
                OAuthErrorCode::TemporarilyUnavailable,
                "the service is temporarily unavailable, retry later",
            )
        } else {
            OAuthError::new(OAuthErrorCode::ServerError, "oops! something went wrong")
        }
    }
}

impl From<crate::store::StoreError> for OAuthError {
    fn from(e: crate::store::StoreError) -> Self {
        Internal::from(e).into()
    }
}
