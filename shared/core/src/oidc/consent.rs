//! `GET /consent`: Logto's auto-consent for first-party applications (`koa-auto-consent.ts`).
//!
//! The interaction (picked by the `_interaction` cookie and `app_id`) must be a consent prompt
//! of a signed-in session. Every missing OIDC scope and resource scope of the prompt is added
//! to the client's grant (a new one when the session holds none), the interaction's result
//! records the grant, and the browser is sent (302) to `<issuer>/auth/<uid>`. The grant and the
//! interaction are written in one commit, so a lost race or a failure leaves neither.
//!
//! Third-party applications would get Logto's consent page; edgeid has none yet and answers
//! `access_denied` for them.

use http::StatusCode;

use crate::domain::grant::GrantRecord;
use crate::domain::interaction::{self, ConsentResult, InteractionError, PromptName};
use crate::domain::{application, grant};
use crate::error::{ApiError, Internal};
use crate::oidc::auth::respond;
use crate::store::{Condition, PutOptions, StoreError, WriteOp, keys};
use crate::{App, Request, Response};

pub async fn get(app: &App, req: &Request) -> Response {
    match run(app, req).await {
        Ok(response) => response,
        Err(e) => {
            let mut response = e.render();
            respond::no_store(&mut response);
            response
        }
    }
}

async fn run(app: &App, req: &Request) -> Result<Response, ApiError> {
    let (mut found, version) = interaction::from_request(app, req).await?;
    let Some(session) = found.session.clone() else {
        return Err(InteractionError::NotFound.into());
    };
    if found.prompt.name != PromptName::Consent {
        return Err(InteractionError::NotFound.into());
    }
    let client_id = found.params.client_id.clone();
    let client = application::find(app.store.as_ref(), &client_id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "oidc.invalid_client", "client must be available"))?;
    if client.value.app.is_third_party {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "oidc.access_denied",
            "Consent for third-party applications is not supported yet.",
        ));
    }

    let existing = match &found.grant_id {
        Some(id) => grant::find(app, id)
            .await?
            .filter(|g| g.value.account_id == session.account_id && g.value.client_id == client_id),
        None => None,
    };
    let (mut record, grant_version) = match existing {
        Some(v) => (v.value, Some(v.version)),
        None => (GrantRecord::new(app, &session.account_id, &client_id), None),
    };
    record.add_openid_scopes(found.prompt.details.missing_oidc_scope.iter().map(String::as_str));
    for (indicator, scopes) in &found.prompt.details.missing_resource_scopes {
        record.add_resource_scopes(indicator, scopes.iter().map(String::as_str));
    }
    let mut result = found.merged_result();
    result.consent = Some(ConsentResult { grant_id: record.id.clone() });
    found.result = Some(result);

    let ops = vec![
        WriteOp::Put {
            key: keys::grant(&record.id),
            value: encode(&record)?,
            options: PutOptions {
                expires_at: Some(record.expires_at),
                condition: grant_version.map_or(Condition::IfAbsent, Condition::IfVersion),
            },
        },
        WriteOp::Put {
            key: keys::interaction(&found.uid),
            value: encode(&found)?,
            options: PutOptions { expires_at: Some(found.expires_at), condition: Condition::IfVersion(version) },
        },
    ];
    match app.store.commit(ops).await {
        Ok(()) => Ok(respond::found(&found.resume_url(app))),
        Err(StoreError::Conflict { key }) if key == keys::interaction(&found.uid) => {
            Err(InteractionError::Stale.into())
        }
        // The grant changed under us (another tab consented): the retry reads it again.
        Err(StoreError::Conflict { .. }) => Err(InteractionError::Stale.into()),
        Err(e) => Err(Internal::from(e).into()),
    }
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Internal> {
    serde_json::to_vec(value).map_err(|e| Internal::Bug(format!("encode record: {e}")))
}
