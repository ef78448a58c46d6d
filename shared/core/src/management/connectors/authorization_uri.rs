//! `POST /api/connectors/:connectorId/authorization-uri` (Logto's
//! `routes/connector/authorization-uri.ts`): where to send a person so that a social connector's
//! provider authenticates them, for linking the identity to a user afterwards with
//! `POST /api/users/:userId/identities`. Body `{state, redirectUri}` → `{redirectTo}`.
//!
//! Unlike Logto, the connector's session (PKCE verifier, OpenID Connect nonce) is kept
//! (`domain::connector_session`) for the link to spend, so every social connector edgeid offers
//! works here, not only those that need no session.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::super::{Ctx, json};
use crate::Response;
use crate::connectors::social;
use crate::domain::connector_session;
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    state: String,
    redirect_uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    redirect_to: String,
}

pub async fn post(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    if body.state.is_empty() || body.redirect_uri.is_empty() {
        return Err(social::insufficient_info());
    }
    let connector = social::find(ctx.app, &ctx.param("id")).await?;
    let (redirect_to, session) =
        social::authorization_uri(ctx.app, &connector, &body.state, &body.redirect_uri, None).await?;
    connector_session::save(ctx.app, connector.id(), &body.state, session).await?;
    json(StatusCode::OK, &Answer { redirect_to })
}
