//! `GET /api/my-account/grants` and `DELETE /api/my-account/grants/:grantId` (Logto's
//! `routes/account/grants.ts`): the applications the user has authorized, in Logto's shape
//! (`{id, payload: <oidc-provider Grant>, expiresAt, application: {id, name}}`, optionally only
//! first- or third-party apps), and revoking one — the grant, every token issued from it, and
//! its entry in the sessions that hold it.

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::sessions::{self, guard};
use super::{Access, Ctx, errors, json, no_content};
use crate::Response;
use crate::domain::grant::{self, GrantRecord};
use crate::domain::{application, session};
use crate::error::ApiError;
use crate::store::keys;

const PAGE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum AppType {
    FirstParty,
    ThirdParty,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    app_type: Option<AppType>,
}

/// node-oidc-provider's grant payload (`userApplicationGrantPayloadGuard`).
fn payload(grant: &GrantRecord) -> Value {
    let resources: Map<String, Value> =
        grant.resource_scopes.iter().map(|(indicator, scopes)| (indicator.clone(), json!(scopes.join(" ")))).collect();
    json!({
        "exp": grant.expires_at / 1000,
        "iat": grant.created_at / 1000,
        "jti": grant.id,
        "kind": "Grant",
        "clientId": grant.client_id,
        "accountId": grant.account_id,
        "openid": { "scope": grant.openid_scopes.join(" ") },
        "resources": resources,
    })
}

pub(super) async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let query: ListQuery = serde_urlencoded::from_str(ctx.req.uri().query().unwrap_or_default()).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "guard.invalid_input", "The request query is invalid.")
            .with_details(e.to_string())
    })?;
    guard(ctx, Access::Read).await?;
    let app = ctx.app;
    let store = app.store.as_ref();
    let prefix = keys::account_grants(&ctx.user.id);
    let now = app.clock.now_ms();
    let (mut out, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let page = store.list(&prefix, cursor.as_deref(), PAGE).await?;
        for (key, _) in &page.items {
            let Some(found) = grant::find(app, &key.last_segment()).await? else { continue };
            let grant = found.value;
            if grant.account_id != ctx.user.id || grant.expires_at <= now {
                continue;
            }
            // Grants of applications that no longer exist are not listed (Logto joins them).
            let Some(client) = application::find(store, &grant.client_id).await? else { continue };
            let third_party = client.value.app.is_third_party;
            match query.app_type {
                Some(AppType::FirstParty) if third_party => continue,
                Some(AppType::ThirdParty) if !third_party => continue,
                _ => {}
            }
            out.push(json!({
                "id": grant.id,
                "payload": payload(&grant),
                "expiresAt": grant.expires_at,
                "application": { "id": client.value.app.id, "name": client.value.app.name },
            }));
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    json(StatusCode::OK, &json!({ "grants": out }))
}

pub(super) async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    guard(ctx, Access::Edit).await?;
    let grant_id = ctx.params.get("grantId");
    let Some(found) = grant::find(ctx.app, grant_id).await? else {
        return Err(errors::grant_not_found());
    };
    if found.value.account_id != ctx.user.id {
        return Err(errors::grant_not_found());
    }
    grant::revoke(ctx.app, grant_id).await?;
    // Logto's `removeUserSessionAuthorizationByGrantId`: the session forgets the authorization.
    for mut held in sessions::list(ctx, &ctx.user.id).await? {
        if held.grants.values().any(|g| g == grant_id) {
            held.grants.retain(|_, g| g != grant_id);
            if let Some((_, version)) = session::find(ctx.app, &held.uid).await? {
                let ops = held.write_ops(Some(version))?;
                // A concurrent write to the session wins; the revoked grant is dead either way.
                let _ = ctx.app.store.commit(ops.into()).await;
            }
        }
    }
    no_content()
}
