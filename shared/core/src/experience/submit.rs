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
use super::{Ctx, errors, json, mfa, no_content, profile, rules, social, users};
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

    // Only a sign-in proves a second factor; registering does not.
    if session.storage.interaction_event == InteractionEvent::SignIn {
        mfa::guard_verified(&rules, &session.storage, &user.value)?;
    }

    // Staged profile still free, nothing the user already has, and complete.
    users::guard_not_in_account(&user.value, &session.storage.profile)?;
    users::guard_unique(app, &session.storage.profile).await?;
    if !social::skips_mandatory(&rules, &session.storage) {
        profile::guard_mandatory(&rules, &session.storage.profile, Some(&user.value))?;
    }

    // MFA binding as the policy asks (`user.missing_mfa`, `user.suggest_mfa`, ...).
    mfa::assert_passkey_sign_in_fulfilled(&rules, &session.storage.mfa, &user.value)?;
    mfa::check_availability(&rules, &session.storage.mfa)?;
    mfa::assert_fulfilled(&rules, &mut session.storage, &user.value)?;

    let (state, event) = (session.storage.mfa.clone(), session.storage.interaction_event);
    users::apply_on_submit(app, user, &session.storage.profile, |next| mfa::apply_on_submit(app, &state, event, next))
        .await?;
    session.storage.profile.clean_up();
    // The pending secret and codes now live (hashed) on the user only.
    session.storage.mfa.totp = None;
    session.storage.mfa.backup_code = None;
    session.storage.mfa.web_authn = None;
    session.interaction.experience =
        Some(serde_json::to_value(&session.storage).map_err(|e| crate::error::Internal::Bug(e.to_string()))?);
    let redirect_to =
        interaction::finish_login(app, session.interaction, session.version, &user_id, Vec::new()).await?;
    json(StatusCode::OK, &Redirect { redirect_to })
}
