//! `PUT /api/experience` (start) and `PUT /api/experience/interaction-event` (switch).

use serde::Deserialize;

use super::session::Session;
use super::storage::{InteractionEvent, Storage};
use super::{Ctx, errors, no_content, rules};
use crate::Response;
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartBody {
    interaction_event: InteractionEvent,
    #[serde(default)]
    captcha_token: Option<String>,
}

/// A new, empty storage for `interactionEvent`, replacing whatever the interaction held.
/// Logto checks the sign-in mode only later (switching, identification, submit).
pub(super) async fn start(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (interaction, version) = super::session::interaction(ctx.app, ctx.req).await?;
    let body: StartBody = ctx.body()?;
    if body.captcha_token.is_some_and(|t| !t.is_empty()) {
        // No captcha provider can be configured on edgeid: Logto answers this when none is.
        return Err(errors::captcha_failed());
    }
    let mut session = Session { interaction, version, storage: Storage::new(body.interaction_event) };
    session.save(ctx.app).await?;
    no_content()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SwitchBody {
    interaction_event: InteractionEvent,
}

/// Switch between SignIn and Register (pending profile cleared when it changes); ForgotPassword
/// never switches to or from anything else.
pub(super) async fn switch(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let mut session = Session::open(ctx.app, ctx.req).await?;
    let body: SwitchBody = ctx.body()?;
    let rules = rules::load(ctx.app).await?;
    // Logto: a verified one-time token may register even when registration is off.
    if !(body.interaction_event == InteractionEvent::Register && session.storage.has_verified_one_time_token()) {
        rules.guard_event(body.interaction_event)?;
    }
    let current = session.storage.interaction_event;
    let forgot = InteractionEvent::ForgotPassword;
    if (body.interaction_event == forgot) != (current == forgot) {
        return Err(errors::not_supported_for_forgot_password(400));
    }
    if current != body.interaction_event {
        session.storage.profile.clean_up();
    }
    session.storage.interaction_event = body.interaction_event;
    session.save(ctx.app).await?;
    no_content()
}
