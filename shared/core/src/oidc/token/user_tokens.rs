//! What the user grants (`authorization_code`, `refresh_token`) issue, shared by both
//! (oidc-provider `helpers/grant_common.js`, `resolve_resource.js`; logto-api.md §1.7, §1.10).
//!
//! - The access token's target: the `resource` parameter (one of the source's resources), or —
//!   without it and without `openid` — the source's resource; else none.
//! - With a target: a JWT for that API (`aud` = indicator, TTL = its `accessTokenTtl`), scope =
//!   the requested scopes granted for it and still held through the user's roles. Its `jti` is
//!   indexed under the grant, so revoking the grant puts it on the deny list.
//! - Without: an opaque token for `/oidc/me`, scope = the requested scopes granted as OIDC
//!   scopes.
//! - Everything issued in one response is written in one `Store::commit`.

use serde::Serialize;

use super::id_token::{self, IdTokenInput};
use super::no_store_json;
use crate::App;
use crate::Response;
use crate::domain::access_token::opaque::{self, OPAQUE_TTL_SECS, OpaqueAccessToken};
use crate::domain::access_token::{self, AccessTokenClaims};
use crate::domain::claims::{self, Use};
use crate::domain::grant::{self, GrantRecord, TokenKind};
use crate::domain::user::UserRecord;
use crate::domain::{resource, role_scope};
use crate::error::{OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::oidc::account;
use crate::oidc::client_auth::Client;
use crate::store::WriteOp;

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    scope: &'a str,
    token_type: &'static str,
}

fn invalid_target(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidTarget, description)
}

/// The `resource` the access token is for (`resolve_resource.js` with Logto's
/// `useGrantedResource: () => false`).
pub async fn resolve_resource<'a>(
    app: &App,
    params: &'a FormParams,
    source_resources: &'a [String],
    scopes: &[&str],
) -> Result<Option<String>, OAuthError> {
    let mut requested: Vec<&str> = Vec::new();
    for r in params.all("resource").filter(|r| !r.is_empty()) {
        if !requested.contains(&r) {
            requested.push(r);
        }
    }
    let single = "only a single resource indicator value must be requested/resolved during Access Token Request";
    let resource = match requested.as_slice() {
        [one] => Some((*one).to_owned()),
        [_, _, ..] => return Err(invalid_target(single)),
        [] if source_resources.is_empty() || scopes.contains(&"openid") => None,
        [] => match source_resources {
            [one] => Some(one.clone()),
            // Logto's `defaultResource`: the tenant's default API, whatever was asked for.
            _ => resource::find_default(app.store.as_ref()).await?.map(|r| r.resource.indicator),
        },
    };
    if let Some(r) = &resource
        && !source_resources.iter().any(|s| s == r)
    {
        return Err(invalid_target("resource indicator is missing, or unknown"));
    }
    Ok(resource)
}

/// Everything one token response is made of.
pub struct Issue<'a> {
    pub client: &'a Client,
    pub grant: &'a GrantRecord,
    pub user: &'a UserRecord,
    pub gty: &'a str,
    /// The scopes the access token is asked for (before narrowing to the grant).
    pub scopes: &'a [&'a str],
    pub resource: Option<String>,
    /// The scope string the ID token's claims are released for (before narrowing).
    pub id_token_scope: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: i64,
    pub sid: Option<&'a str>,
    /// The refresh token to return (new or the presented one) and the writes of a new one.
    pub refresh_token: Option<String>,
    pub writes: Vec<WriteOp>,
}

/// Issue the access token (+ ID token), commit every write, render the response.
pub async fn respond(app: &App, issue: Issue<'_>) -> Result<Response, OAuthError> {
    let Issue {
        client,
        grant,
        user,
        gty,
        scopes,
        resource,
        id_token_scope,
        nonce,
        auth_time,
        sid,
        refresh_token,
        mut writes,
    } = issue;
    let now = app.clock.now_secs();
    let (access_token, expires_in, scope) = match resource {
        Some(indicator) => {
            let record = resource::find_by_indicator(app.store.as_ref(), &indicator)
                .await?
                .ok_or_else(|| invalid_target("resource indicator is missing, or unknown"))?;
            let held = role_scope::names_for_user(app.store.as_ref(), user, &record.resource.id).await?;
            let wanted: Vec<&str> = scopes.iter().copied().filter(|s| held.iter().any(|h| h == s)).collect();
            let scope = grant.resource_scope_filtered(&indicator, wanted).join(" ");
            let ttl = record.resource.access_token_ttl;
            let claims = AccessTokenClaims {
                jti: app.rng.token(32),
                sub: user.id.clone(),
                iat: now,
                exp: now.saturating_add(ttl),
                nbf: None,
                scope: Some(scope.clone()),
                client_id: client.id().to_owned(),
                iss: app.config.issuer(),
                aud: indicator,
                organization_id: None,
            };
            writes.push(grant::index_op(
                &grant.id,
                TokenKind::Jwt,
                &claims.jti,
                client.id(),
                claims.exp.saturating_mul(1000),
            )?);
            (access_token::sign(app, &claims).await?, ttl, scope)
        }
        None => {
            let scope = grant.openid_scope_filtered(scopes.iter().copied()).join(" ");
            let token = OpaqueAccessToken {
                account_id: user.id.clone(),
                client_id: client.id().to_owned(),
                grant_id: grant.id.clone(),
                scope: scope.clone(),
                iat: now,
                exp: now.saturating_add(OPAQUE_TTL_SECS),
                gty: gty.to_owned(),
                sid: sid.map(str::to_owned),
            };
            let (value, ops) = opaque::prepare(app, &token)?;
            writes.extend(ops);
            (value, OPAQUE_TTL_SECS, scope)
        }
    };

    let id_token = if scopes.contains(&"openid") {
        let granted = grant.openid_scope_filtered(id_token_scope.split(' ')).join(" ");
        let accepted = claims::accepted(&granted, Use::IdToken);
        let subject = account::subject(app, user, &accepted).await?;
        let input = IdTokenInput {
            client: &client.record,
            scope: &granted,
            nonce,
            auth_time,
            sid,
            access_token: Some(&access_token),
        };
        Some(id_token::issue(app, &subject, &input).await?)
    } else {
        None
    };

    if !writes.is_empty() {
        app.store.commit(writes).await?;
    }
    Ok(no_store_json(&TokenResponse {
        access_token: &access_token,
        expires_in,
        id_token: id_token.as_deref(),
        refresh_token: refresh_token.as_deref(),
        scope: &scope,
        token_type: "Bearer",
    }))
}
