//! The `authorization_code` grant (oidc-provider `lib/actions/grants/authorization_code.js`,
//! Logto's configuration; logto-api.md §1.7.1). Parameters: `code`, `redirect_uri`,
//! `code_verifier`, `resource`.
//!
//! Checks in upstream's order, each an `invalid_grant` unless said otherwise: the code exists
//! ("authorization code not found" — an expired code reads as absent), belongs to this client
//! ("client mismatch"), its grant is alive ("grant not found"), PKCE ([`super::pkce`]), the
//! `redirect_uri` is the one of the authorization request, and then the code is claimed with
//! `Store::consume`. Only one request ever claims it; a replay revokes the grant — every token
//! issued from the code — and fails with "authorization code already consumed". Checks that
//! fail before the claim leave the code usable (a wrong verifier cannot burn a victim's code).
//! The user must still exist and not be suspended.

use super::user_tokens::{self, Issue};
use super::{pkce, single};
use crate::App;
use crate::domain::application::ApplicationType;
use crate::domain::authorization_code::{self, CodeUse};
use crate::domain::grant;
use crate::domain::refresh_token::{self, RefreshTokenRecord};
use crate::error::{OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::oidc::account;
use crate::oidc::client_auth::Client;
use crate::{Response, oidc::token::Grant};

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidGrant, description)
}

/// `missing required parameter(s) ...` as oidc-provider's `validatePresence` words it.
fn missing(names: &[&str]) -> OAuthError {
    let list = match names {
        [one] => format!("'{one}'"),
        [a, b] => format!("'{a}' and '{b}'"),
        _ => names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "),
    };
    let noun = if names.len() == 1 { "parameter" } else { "parameters" };
    OAuthError::invalid_request(format!("missing required {noun} {list}"))
}

pub async fn exchange(app: &App, client: &Client, params: &FormParams) -> Result<Response, OAuthError> {
    let code = single(params, "code")?.filter(|c| !c.is_empty());
    let redirect_uri = single(params, "redirect_uri")?.filter(|r| !r.is_empty());
    let verifier = single(params, "code_verifier")?.filter(|v| !v.is_empty());
    let (code, redirect_uri) = match (code, redirect_uri) {
        (Some(c), Some(r)) => (c, r),
        (None, Some(_)) => return Err(missing(&["code"])),
        (Some(_), None) => return Err(missing(&["redirect_uri"])),
        (None, None) => return Err(missing(&["code", "redirect_uri"])),
    };

    let (stored, _) =
        authorization_code::find(app, code).await?.ok_or_else(|| invalid_grant("authorization code not found"))?;
    let request = &stored.request;
    let context = &request.context;
    if context.client_id != client.id() {
        return Err(invalid_grant("client mismatch"));
    }
    let grant = grant::find(app, &context.grant_id).await?.ok_or_else(|| invalid_grant("grant not found"))?.value;
    if grant.client_id != client.id() {
        return Err(invalid_grant("client mismatch"));
    }
    pkce::check(verifier, request.code_challenge.as_deref())?;
    if request.redirect_uri != redirect_uri {
        return Err(invalid_grant("authorization code redirect_uri mismatch"));
    }

    match authorization_code::consume(app, code).await? {
        CodeUse::First(_) => {}
        CodeUse::Replayed(_) => {
            grant::revoke(app, &grant.id).await?;
            return Err(invalid_grant("authorization code already consumed"));
        }
        CodeUse::Missing => return Err(invalid_grant("authorization code not found")),
    }

    let user = account::load(app, &context.account_id).await?;
    if context.account_id != grant.account_id {
        return Err(invalid_grant("accountId mismatch"));
    }

    let scopes: Vec<&str> = context.scope.split(' ').filter(|s| !s.is_empty()).collect();
    let resource = user_tokens::resolve_resource(app, params, &context.resource, &scopes).await?;

    let mut writes = Vec::new();
    let refresh = if issues_refresh_token(client, &scopes) {
        let now = app.clock.now_secs();
        let record = RefreshTokenRecord {
            context: context.clone(),
            iat: now,
            exp: now.saturating_add(refresh_token::ttl_secs(&client.record)),
            iiat: now,
            rotations: 0,
            gty: "authorization_code".into(),
        };
        let (value, ops) = refresh_token::prepare(app, &record)?;
        writes.extend(ops);
        Some(value)
    } else {
        None
    };

    user_tokens::respond(
        app,
        Issue {
            client,
            grant: &grant,
            user: &user,
            gty: "authorization_code",
            scopes: &scopes,
            resource,
            id_token_scope: &context.scope,
            nonce: context.nonce.as_deref(),
            auth_time: context.auth_time,
            sid: context.sid.as_deref(),
            refresh_token: refresh,
            writes,
        },
    )
    .await
}

/// Logto's `issueRefreshToken`: the client may use the refresh grant, and `offline_access`
/// was granted (or a web app — any but Native — sets `alwaysIssueRefreshToken`).
fn issues_refresh_token(client: &Client, scopes: &[&str]) -> bool {
    if !Grant::RefreshToken.allowed_for(client) {
        return false;
    }
    scopes.contains(&"offline_access")
        || (client.record.app.app_type != ApplicationType::Native
            && client.record.app.custom_client_metadata.always_issue_refresh_token == Some(true))
}
