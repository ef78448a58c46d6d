//! `GET /oidc/auth/:uid`: the browser is back from an interaction (node-oidc-provider's
//! `resume`). The `_interaction_resume` cookie must name the interaction; the interaction is
//! consumed (deleted with `IfVersion`) in the same commit that writes the session its result
//! produced, so a replayed resume finds nothing and a failure writes nothing. A login always
//! gets a new session uid (no fixation); the client's grant id is kept on the session. Then the
//! stored request is decided again with the result: a code, or the next interaction (consent).

use super::Flow;
use super::respond::session_not_found;
use crate::domain::interaction::{self, RESUME_COOKIE};
use crate::domain::session::{self, SessionRecord};
use crate::domain::{application, cookies};
use crate::error::{OAuthError, OAuthErrorCode};
use crate::store::{Condition, StoreError, WriteOp, keys};
use crate::{App, Request, Response};

pub async fn get(app: &App, req: &Request, uid: &str) -> Response {
    match run(app, req, uid).await {
        Ok(response) | Err(response) => response,
    }
}

async fn run(app: &App, req: &Request, uid: &str) -> Result<Response, Response> {
    let internal = |e: crate::error::Internal| OAuthError::from(e).render();
    let keys = cookies::keys_for(app, req.headers()).await.map_err(internal)?;
    let resume = cookies::read(req.headers(), RESUME_COOKIE, &keys)
        .map(|v| interaction::parse_cookie_map(&v))
        .unwrap_or_default();
    if !resume.values().any(|v| v == uid) {
        return Err(session_not_found("authorization request has expired"));
    }
    let Some((found, version)) = interaction::find(app, uid).await.map_err(internal)? else {
        return Err(session_not_found("interaction session not found"));
    };
    let current = session::from_headers(app, req.headers(), &keys).await.map_err(internal)?;
    if let Some(origin) = &found.session
        && current.as_ref().is_none_or(|(s, _)| s.uid != origin.uid)
    {
        return Err(session_not_found("interaction session and authentication session mismatch"));
    }
    let Some(client) = application::find(app.store.as_ref(), &found.params.client_id).await.map_err(internal)? else {
        return Err(OAuthError::new(OAuthErrorCode::InvalidClient, "client is invalid")
            .with_status(http::StatusCode::BAD_REQUEST)
            .render());
    };

    let result = found.result.clone().unwrap_or_default();
    let mut ops = vec![WriteOp::Delete { key: keys::interaction(uid), condition: Condition::IfVersion(version) }];
    let consent = result.consent.as_ref().map(|c| (found.params.client_id.clone(), c.grant_id.clone()));
    // The session after this resume, and the version to write it at (`Some(None)`: create).
    let (next, write) = if let Some(login) = &result.login {
        let mut fresh = SessionRecord::new(app, &login.account_id, login.ts, login.amr.clone());
        if let Some((old, _)) = &current {
            if old.account_id == login.account_id {
                fresh.grants = old.grants.clone();
                fresh.sid = old.sid.clone();
            }
            ops.extend(old.delete_ops());
        }
        fresh.grants.extend(consent);
        (Some(fresh), Some(None))
    } else if let Some((old, old_version)) = &current {
        let mut kept = old.clone();
        let changed = consent.is_some();
        kept.grants.extend(consent);
        (Some(kept), changed.then_some(Some(*old_version)))
    } else {
        (None, None)
    };
    let new_uid = matches!(write, Some(None));
    if let (Some(session), Some(version)) = (&next, write) {
        ops.extend(session.write_ops(version).map_err(internal)?);
    }
    match app.store.commit(ops).await {
        Ok(()) => {}
        Err(StoreError::Conflict { key }) if key == keys::interaction(uid) => {
            return Err(session_not_found("interaction session not found"));
        }
        Err(StoreError::Conflict { .. }) => {
            return Err(session_not_found("interaction session and authentication session mismatch"));
        }
        Err(e) => return Err(internal(e.into())),
    }

    let mut set_cookies = Vec::new();
    let secure = cookies::secure(&app.config);
    let mut remaining = resume;
    remaining.retain(|_, v| v != uid);
    if remaining.keys().all(|k| k == interaction::LEGACY) {
        set_cookies.extend(cookies::cleared(RESUME_COOKIE, secure));
    } else if let Ok(value) = serde_json::to_string(&remaining) {
        let lifetime = cookies::Lifetime::Seconds(interaction::TTL_MS / 1000);
        set_cookies.extend(cookies::signed(RESUME_COOKIE, &value, &keys, lifetime, secure).into_iter().flatten());
    }
    if let Some(session) = next.as_ref().filter(|_| new_uid) {
        set_cookies.extend(session::cookie(app, session, &keys).into_iter().flatten());
    }
    let flow = Flow { app, headers: req.headers(), keys: &keys, set_cookies };
    let result = (result.login.is_some() || result.consent.is_some()).then_some(&result);
    Ok(flow.decide(found.params, &client.value, next.as_ref(), result).await)
}
