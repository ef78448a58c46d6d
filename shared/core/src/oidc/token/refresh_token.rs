//! The `refresh_token` grant (Logto's fork, `packages/core/src/oidc/grants/refresh-token.ts`;
//! logto-api.md §1.7.2, §1.11). Parameters: `refresh_token`, `scope`, `resource`,
//! `organization_id`.
//!
//! In Logto's order, each an `invalid_grant` unless said otherwise: the token exists ("refresh
//! token not found"), belongs to this client ("client mismatch"), is unexpired ("refresh token
//! is expired"), its grant is alive ("grant not found"); a `scope` parameter must be a subset
//! of the token's scopes (`invalid_scope`); the user exists and is not suspended. A token that
//! was rotated away more than 3 s ago is a replay: it is deleted, the grant is revoked, and the
//! answer is "refresh token already used".
//!
//! Rotation (`domain::refresh_token::should_rotate`) claims the old token with
//! `Store::consume` — exactly one caller on every backend, others inside Logto's 3 s grace
//! also get a new token — and issues its successor (same chain, `rotations + 1`). The access
//! token follows the same target rules as the code grant, with the scopes narrowed to the
//! `scope` parameter; the ID token is re-issued for those scopes.

use super::single;
use super::user_tokens::{self, Issue};
use crate::App;
use crate::domain::grant;
use crate::domain::refresh_token::{self, RefreshUse};
use crate::error::{OAuthError, OAuthErrorCode};
use crate::http::FormParams;
use crate::oidc::account;
use crate::oidc::client_auth::Client;
use crate::{Response, oidc::missing_parameter};

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidGrant, description)
}

pub async fn exchange(app: &App, client: &Client, params: &FormParams) -> Result<Response, OAuthError> {
    let value =
        single(params, "refresh_token")?.filter(|v| !v.is_empty()).ok_or_else(|| missing_parameter("refresh_token"))?;
    let requested_scope = single(params, "scope")?.filter(|s| !s.is_empty());
    let organization_id = single(params, "organization_id")?.filter(|s| !s.is_empty());

    let found = refresh_token::find(app, value).await?.ok_or_else(|| invalid_grant("refresh token not found"))?;
    let token = &found.token;
    let context = &token.context;
    if context.client_id != client.id() {
        return Err(invalid_grant("client mismatch"));
    }
    let now = app.clock.now_secs();
    if token.is_expired(now) {
        return Err(invalid_grant("refresh token is expired"));
    }
    let grant = grant::find(app, &context.grant_id).await?.ok_or_else(|| invalid_grant("grant not found"))?.value;
    if grant.client_id != client.id() {
        return Err(invalid_grant("client mismatch"));
    }

    let scopes: Vec<&str> = match requested_scope {
        Some(requested) => {
            let mut missing: Vec<&str> = Vec::new();
            let mut scopes: Vec<&str> = Vec::new();
            for s in requested.split(' ') {
                if !context.has_scope(s) && !missing.contains(&s) {
                    missing.push(s);
                }
                if !scopes.contains(&s) {
                    scopes.push(s);
                }
            }
            if !missing.is_empty() {
                let noun = if missing.len() == 1 { "scope" } else { "scopes" };
                return Err(OAuthError::new(
                    OAuthErrorCode::InvalidScope,
                    format!("refresh token missing requested {noun}"),
                ));
            }
            scopes
        }
        None => context.scopes().collect(),
    };

    let user = account::load(app, &context.account_id).await?;
    if context.account_id != grant.account_id {
        return Err(invalid_grant("accountId mismatch"));
    }

    if found.is_spent(app.clock.now_ms()) {
        return Err(replayed(app, value, &grant.id).await);
    }

    if organization_id.is_some() {
        // Organizations are not implemented yet, so the user is a member of none: Logto's
        // answer for an organization the user does not belong to.
        return Err(OAuthError::new(OAuthErrorCode::AccessDenied, "user is not a member of the organization")
            .with_status(http::StatusCode::FORBIDDEN));
    }

    let mut writes = Vec::new();
    let returned = if refresh_token::should_rotate(&client.record, token, now) {
        match refresh_token::consume(app, value).await? {
            RefreshUse::First | RefreshUse::InGrace => {}
            RefreshUse::Spent => return Err(replayed(app, value, &grant.id).await),
            RefreshUse::Missing => return Err(invalid_grant("refresh token not found")),
        }
        let ttl = refresh_token::rotated_ttl_secs(&client.record, token, now);
        let (next, ops) = refresh_token::prepare(app, &token.rotated(now, ttl))?;
        writes.extend(ops);
        next
    } else {
        value.to_owned()
    };

    let resource = user_tokens::resolve_resource(app, params, &context.resource, &scopes).await?;
    let id_token_scope = scopes.join(" ");
    user_tokens::respond(
        app,
        Issue {
            client,
            grant: &grant,
            user: &user,
            gty: "refresh_token",
            scopes: &scopes,
            resource,
            id_token_scope: &id_token_scope,
            nonce: context.nonce.as_deref(),
            auth_time: context.auth_time,
            sid: context.sid.as_deref(),
            refresh_token: Some(returned),
            writes,
        },
    )
    .await
}

/// A spent token was presented again: delete it, revoke its grant, say so.
async fn replayed(app: &App, value: &str, grant_id: &str) -> OAuthError {
    let cleanup = async {
        refresh_token::delete(app, value).await?;
        grant::revoke(app, grant_id).await
    };
    match cleanup.await {
        Ok(()) => invalid_grant("refresh token already used"),
        Err(e) => e.into(),
    }
}
