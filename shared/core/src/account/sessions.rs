//! `GET /api/my-account/sessions` and `DELETE /api/my-account/sessions/:sessionId` (Logto's
//! `routes/account/sessions.ts`): the user's live OP sessions in Logto's shape
//! (`{payload: <oidc-provider Session>, lastSubmission, clientId, accountId, expiresAt,
//! isCurrent}`) and ending one, optionally revoking the grants it holds
//! (`?revokeGrantsTarget=all|firstParty`). Both need a verification record, the `session`
//! field and the `urn:logto:scope:sessions` scope.

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Access, Ctx, errors, json, no_content};
use crate::Response;
use crate::domain::account_center::Field;
use crate::domain::session::{self, SessionRecord};
use crate::domain::{application, grant};
use crate::error::ApiError;
use crate::store::keys;

/// `UserScope.Sessions`.
pub(super) const SCOPE: &str = "urn:logto:scope:sessions";

/// Page size when listing an account's sessions or grants.
const PAGE: usize = 100;

/// Logto's checks for these routes, in its order.
pub(super) async fn guard(ctx: &Ctx<'_>, access: Access) -> Result<(), ApiError> {
    ctx.require_verified().await?;
    ctx.require_field(Field::Session, access)?;
    ctx.require_scope(SCOPE)?;
    if access == Access::Edit {
        ctx.require_first_party().await?;
    }
    Ok(())
}

/// node-oidc-provider's session payload, as Logto's `oidcSessionInstancePayloadGuard` reads it.
fn payload(session: &SessionRecord) -> Value {
    let authorizations: Map<String, Value> = session
        .grants
        .iter()
        .map(|(client_id, grant_id)| (client_id.clone(), json!({ "sid": session.sid, "grantId": grant_id })))
        .collect();
    json!({
        "exp": session.expires_at / 1000,
        "iat": session.created_at / 1000,
        "jti": session.uid,
        "uid": session.uid,
        "kind": "Session",
        "loginTs": session.login_ts,
        "accountId": session.account_id,
        "amr": session.amr,
        "authorizations": authorizations,
    })
}

/// The live sessions of `account_id` (the index entries of ended ones read as missing).
pub(super) async fn list(ctx: &Ctx<'_>, account_id: &str) -> Result<Vec<SessionRecord>, ApiError> {
    let store = ctx.app.store.as_ref();
    let prefix = keys::sessions_of_account(account_id);
    let (mut out, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let page = store.list(&prefix, cursor.as_deref(), PAGE).await?;
        let found = futures::future::try_join_all(
            page.items.iter().map(|(key, _)| async move { session::find(ctx.app, &key.last_segment()).await }),
        )
        .await?;
        out.extend(found.into_iter().flatten().map(|(s, _)| s).filter(|s| s.account_id == account_id));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

pub(super) async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    guard(ctx, Access::Read).await?;
    let current = ctx.token.sid.as_deref();
    let sessions: Vec<Value> = list(ctx, &ctx.user.id)
        .await?
        .iter()
        .map(|s| {
            json!({
                "payload": payload(s),
                "lastSubmission": null,
                "clientId": s.grants.keys().next(),
                "accountId": s.account_id,
                "expiresAt": s.expires_at,
                "isCurrent": current.is_some_and(|sid| !sid.is_empty() && sid == s.sid),
            })
        })
        .collect();
    json(StatusCode::OK, &json!({ "sessions": sessions }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum RevokeTarget {
    All,
    FirstParty,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteQuery {
    revoke_grants_target: Option<RevokeTarget>,
}

pub(super) async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let query: DeleteQuery = serde_urlencoded::from_str(ctx.req.uri().query().unwrap_or_default()).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "guard.invalid_input", "The request query is invalid.")
            .with_details(e.to_string())
    })?;
    guard(ctx, Access::Edit).await?;
    let Some((found, _)) = session::find(ctx.app, ctx.params.get("sessionId")).await? else {
        return Err(errors::session_not_found());
    };
    if found.account_id != ctx.user.id {
        return Err(errors::invalid_session_account_id());
    }
    if let Some(target) = query.revoke_grants_target {
        for (client_id, grant_id) in &found.grants {
            let revoke = match target {
                RevokeTarget::All => true,
                RevokeTarget::FirstParty => application::find(ctx.app.store.as_ref(), client_id)
                    .await?
                    .is_some_and(|c| !c.value.app.is_third_party),
            };
            if revoke {
                grant::revoke(ctx.app, grant_id).await?;
            }
        }
    }
    session::delete(ctx.app, &found).await?;
    no_content()
}
