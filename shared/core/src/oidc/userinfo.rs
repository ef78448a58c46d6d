//! `GET/POST /oidc/me`: UserInfo (oidc-provider `lib/actions/userinfo.js`; logto-api.md §1.12).
//!
//! The bearer token must be an opaque access token edgeid issued (JWTs for an API resource
//! are refused: "access token not found") carrying `openid`. Its client, user and grant must
//! still exist — the grant is re-read, so revoking it stops the token at once. The answer is
//! `{sub, ...}` with every claim of the granted OIDC scopes (userinfo rules: extended claims
//! always), narrowed by an optional `scope` parameter.
//!
//! Errors carry `WWW-Authenticate: Bearer realm="<issuer>", error=..., error_description=...`
//! (plus `scope` for `insufficient_scope`); with no token at all only the realm, as upstream.

use http::{Method, header};

use super::token::{no_store_json, valid_scope};
use crate::App;
use crate::domain::access_token::opaque;
use crate::domain::application;
use crate::domain::claims::{self, Use};
use crate::domain::grant;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::oidc::account;
use crate::{Request, Response};

/// An error and, for `insufficient_scope`, the scope it lacks.
struct Failure {
    error: OAuthError,
    scope: Option<String>,
    /// Upstream's `NoAccessTokenProvided`: the challenge names only the realm.
    bare: bool,
}

impl From<OAuthError> for Failure {
    fn from(error: OAuthError) -> Self {
        Failure { error, scope: None, bare: false }
    }
}

impl From<crate::error::Internal> for Failure {
    fn from(e: crate::error::Internal) -> Self {
        OAuthError::from(e).into()
    }
}

fn invalid_token(description: &str) -> Failure {
    OAuthError::new(OAuthErrorCode::InvalidToken, description).into()
}

fn insufficient_scope(description: &str, scope: String) -> Failure {
    Failure { error: OAuthError::new(OAuthErrorCode::InsufficientScope, description), scope: Some(scope), bare: false }
}

fn quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub async fn handle(app: &App, req: &Request) -> Result<Response, OAuthError> {
    match answer(app, req).await {
        Ok(response) => Ok(response),
        Err(Failure { error, scope, bare }) => {
            let code = error.code;
            if matches!(code, OAuthErrorCode::ServerError | OAuthErrorCode::TemporarilyUnavailable) {
                return Err(error);
            }
            let realm = quoted(&app.config.issuer());
            let mut value = format!(r#"Bearer realm="{realm}""#);
            if !bare {
                value.push_str(&format!(
                    r#", error="{}", error_description="{}""#,
                    code.as_str(),
                    quoted(&error.description)
                ));
                if let Some(scope) = scope {
                    value.push_str(&format!(r#", scope="{}""#, quoted(&scope)));
                }
            }
            Err(error.with_www_authenticate(value))
        }
    }
}

/// The request's parameters: the body of a POST, the query of a GET (upstream's
/// `assemble_params`), and the query alone for the `access_token` check.
fn parameters(req: &Request) -> Result<(FormParams, FormParams), Failure> {
    let query = FormParams(
        serde_urlencoded::from_str(req.uri().query().unwrap_or_default())
            .map_err(|_| OAuthError::invalid_request("invalid query string"))?,
    );
    if req.method() == Method::POST && !req.body().is_empty() {
        Ok((super::form(req)?, query))
    } else if req.method() == Method::POST {
        Ok((FormParams(Vec::new()), query))
    } else {
        Ok((query.clone(), query))
    }
}

/// The bearer token from exactly one of: header, POST body, query (refused).
fn bearer(req: &Request, params: &FormParams, query: &FormParams) -> Result<String, Failure> {
    fn single(p: &FormParams) -> Result<Option<&str>, OAuthError> {
        p.single("access_token").map_err(OAuthError::invalid_request)
    }
    let body = if req.method() == Method::POST { single(params)?.filter(|v| !v.is_empty()) } else { None };
    let from_query = single(query)?.filter(|v| !v.is_empty());
    let header = req.headers().get(header::AUTHORIZATION).filter(|v| !v.is_empty());
    let count = usize::from(body.is_some()) + usize::from(from_query.is_some()) + usize::from(header.is_some());
    if count == 0 {
        return Err(Failure {
            error: OAuthError::new(OAuthErrorCode::InvalidToken, "no access token provided"),
            scope: None,
            bare: true,
        });
    }
    if count > 1 {
        return Err(OAuthError::invalid_request("access token must only be provided using one mechanism").into());
    }
    if from_query.is_some() {
        return Err(OAuthError::invalid_request("access tokens must not be provided via query parameter").into());
    }
    if let Some(value) = body {
        return Ok(value.to_owned());
    }
    let header = header.and_then(|h| h.to_str().ok()).unwrap_or_default();
    let mut parts = header.split(' ');
    let (Some(scheme), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(OAuthError::invalid_request("invalid authorization header value format").into());
    };
    if scheme.eq_ignore_ascii_case("dpop") {
        return Err(OAuthError::invalid_request("`DPoP` header not provided").into());
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(OAuthError::invalid_request("authorization header scheme must be `Bearer`").into());
    }
    Ok(token.to_owned())
}

async fn answer(app: &App, req: &Request) -> Result<Response, Failure> {
    let (params, query) = parameters(req)?;
    let value = bearer(req, &params, &query)?;
    let requested = params.single("scope").map_err(OAuthError::invalid_request)?;

    let token = opaque::find(app, &value).await?.ok_or_else(|| invalid_token("access token not found"))?;
    if !token.has_scope("openid") {
        return Err(insufficient_scope("access token missing openid scope", "openid".into()));
    }
    if let Some(requested) = requested {
        if !valid_scope(requested) {
            return Err(OAuthError::invalid_request("scope contains invalid characters").into());
        }
        let missing: Vec<&str> = requested.split(' ').filter(|s| !token.has_scope(s)).collect();
        if !missing.is_empty() {
            return Err(insufficient_scope("access token missing requested scope", missing.join(" ")));
        }
    }

    application::find(app.store.as_ref(), &token.client_id)
        .await?
        .ok_or_else(|| invalid_token("associated client not found"))?;
    let user = account::load(app, &token.account_id).await?;
    let grant = grant::find(app, &token.grant_id).await?.ok_or_else(|| invalid_token("grant not found"))?.value;
    if grant.client_id != token.client_id {
        return Err(invalid_token("clientId mismatch"));
    }
    if grant.account_id != token.account_id {
        return Err(invalid_token("accountId mismatch"));
    }

    let scope = grant.openid_scope_filtered(requested.unwrap_or(&token.scope).split(' ')).join(" ");
    let accepted = claims::accepted(&scope, Use::Userinfo);
    let subject = account::subject(app, &user, &accepted).await?;
    Ok(no_store_json(&claims::values(&subject, &accepted)))
}
