//! `POST /api/experience/submit`: finish the interaction.
//!
//! ForgotPassword: the staged password replaces the user's, the storage is cleared, 204.
//! SignIn / Register: the staged profile must be free and complete (`user.missing_profile`),
//! it is written to the user with `lastSignInAt`, and the OIDC interaction records the login;
//! the answer is where the browser resumes: `{redirectTo: "<issuer>/auth/<uid>"}`.

use http::StatusCode;
use serde::Serialize;

use super::session::Session;
use super::storage::InteractionEvent;
use super::{Ctx, errors, json, no_content, profile, rules, social, users};
use crate::Response;
use crate::domain::interaction;
use crate::error::ApiError;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Redirect {
    redirect_to: String,
}

pub(super) async fn submit(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let rules = rules::load(app).await?;
    if !session.storage.captcha.verified && !session.storage.captcha.skipped {
        rules.guard_captcha()?;
    }
    let user = users::identified(app, session.storage.user_id.as_deref()).await?;
    let user_id = user.value.id.clone();

    if session.storage.interaction_event == InteractionEvent::ForgotPassword {
        if session.storage.profile.password_encrypted.is_none() {
            return Err(errors::new_password_required_in_profile());
        }
        // Claim the interaction first (IfVersion): of two concurrent submits only one resets.
        let staged = session.storage.profile.clone();
        session.interaction.experience = None;
        session.version = interaction::save(app, &session.interaction, session.version).await?;
        users::reset_password(app, &user_id, &staged).await?;
        return no_content();
    }

    // Staged profile still free, nothing the user already has, and complete.
    users::guard_not_in_account(&user.value, &session.storage.profile)?;
    users::guard_unique(app, &session.storage.profile).await?;
    if !social::skips_mandatory(&rules, &session.storage) {
        profile::guard_mandatory(&rules, &session.storage.profile, Some(&user.value))?;
    }

    users::apply_on_submit(app, user, &session.storage.profile).await?;
    session.storage.profile.clean_up();
    session.interaction.experience =
        Some(serde_json::to_value(&session.storage).map_err(|e| crate::error::Internal::Bug(e.to_string()))?);
    let redirect_to =
        interaction::finish_login(app, session.interaction, session.version, &user_id, Vec::new()).await?;
    json(StatusCode::OK, &Redirect { redirect_to })
}
