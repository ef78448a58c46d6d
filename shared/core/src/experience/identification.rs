//! `POST /api/experience/identification` (`{verificationId?}`).
//!
//! SignIn / ForgotPassword: a verified record names the user (204). Register: the record's
//! identifiers (and password) join the staged profile — saved even if registration then stops
//! at a missing field, so the client can fill it and call again without a record — the
//! mandatory profile is checked and the user is created (201).

use http::StatusCode;
use serde::Deserialize;

use super::session::Session;
use super::storage::{IdentifierType, InteractionEvent, Profile, VerificationRecord};
use super::{Ctx, errors, no_content, profile, rules, social, users};
use crate::Response;
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(default)]
    verification_id: Option<String>,
    #[serde(default)]
    link_social_identity: Option<bool>,
}

pub(super) async fn identify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let app = ctx.app;
    let mut session = Session::open(app, ctx.req).await?;
    let body: Body = ctx.body()?;
    let rules = rules::load(app).await?;
    if session.storage.interaction_event == InteractionEvent::Register {
        return register(ctx, &mut session, &rules, body.verification_id.as_deref()).await;
    }
    let Some(verification_id) = body.verification_id else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "guard.invalid_input", "The request input is invalid.")
            .with_details("verificationId is missing"));
    };
    let record =
        session.storage.record(&verification_id).cloned().ok_or_else(errors::verification_session_not_found)?;
    // A verified one-time token is an administrator's say-so: no sign-in method gates it.
    if !matches!(&record, VerificationRecord::OneTimeToken(r) if r.verified) {
        rules.guard_identification(session.storage.interaction_event, &record)?;
    }
    if let VerificationRecord::Social(social) = &record {
        let link = body.link_social_identity == Some(true);
        let (user, synced) = social::identify(app, social, link).await?;
        return finish_sign_in(app, &mut session, user, Some(synced)).await;
    }
    let identifier = match &record {
        VerificationRecord::Password(r) if r.verified => &r.identifier,
        VerificationRecord::EmailVerificationCode(r) | VerificationRecord::PhoneVerificationCode(r) if r.verified => {
            &r.identifier
        }
        VerificationRecord::OneTimeToken(r) if r.verified => &r.identifier,
        _ => return Err(errors::verification_failed()),
    };
    let user = users::find_by_identifier(app, &rules, identifier)
        .await?
        .ok_or_else(|| errors::user_not_exist(&identifier.value))?;
    finish_sign_in(app, &mut session, user, None).await
}

/// The identified user joins the interaction (with the profile a social sign-in syncs).
async fn finish_sign_in(
    app: &crate::App,
    session: &mut Session,
    user: users::User,
    synced: Option<Profile>,
) -> Result<Response, ApiError> {
    if user.value.is_suspended {
        return Err(errors::suspended());
    }
    if let Some(current) = &session.storage.user_id {
        if *current != user.value.id {
            return Err(errors::identity_conflict());
        }
        return no_content();
    }
    session.storage.user_id = Some(user.value.id);
    // Not validated here: it is checked again at submit (Logto's `unsafeSet`).
    if let Some(synced) = synced {
        session.storage.profile.merge(synced);
    }
    session.save(app).await?;
    no_content()
}

/// The profile a record contributes to a new user (Logto's
/// `getNewUserProfileFromVerificationRecord`); unverified or unsuitable records are 400.
async fn profile_from(app: &crate::App, record: &VerificationRecord) -> Result<Profile, ApiError> {
    match record {
        VerificationRecord::Social(r) => social::new_user_profile(app, r).await,
        VerificationRecord::NewPasswordIdentity(r) => {
            let (Some(digest), Some(method)) = (&r.password_encrypted, &r.password_encryption_method) else {
                return Err(errors::verification_failed());
            };
            let mut profile = identifier_profile(r.identifier.kind, &r.identifier.value);
            profile.password_encrypted = Some(digest.clone());
            profile.password_encryption_method = Some(method.clone());
            Ok(profile)
        }
        VerificationRecord::EmailVerificationCode(r) | VerificationRecord::PhoneVerificationCode(r) if r.verified => {
            Ok(identifier_profile(r.identifier.kind, &r.identifier.value))
        }
        VerificationRecord::OneTimeToken(r) if r.verified => {
            Ok(identifier_profile(r.identifier.kind, &r.identifier.value))
        }
        _ => Err(errors::verification_failed()),
    }
}

fn identifier_profile(kind: IdentifierType, value: &str) -> Profile {
    let mut profile = Profile::default();
    match kind {
        IdentifierType::Username => profile.username = Some(value.to_owned()),
        IdentifierType::Email => profile.primary_email = Some(value.to_owned()),
        IdentifierType::Phone => profile.primary_phone = Some(value.to_owned()),
        IdentifierType::UserId => {}
    }
    profile
}

async fn register(
    ctx: &Ctx<'_>,
    session: &mut Session,
    rules: &rules::Rules,
    verification_id: Option<&str>,
) -> Result<Response, ApiError> {
    let app = ctx.app;
    if let Some(id) = verification_id {
        let record = session.storage.record(id).cloned().ok_or_else(errors::verification_session_not_found)?;
        if let VerificationRecord::EmailVerificationCode(r) = &record {
            rules.guard_email_blocklist(&r.identifier.value)?;
        }
        if let VerificationRecord::OneTimeToken(r) = &record {
            rules.guard_email_blocklist(&r.identifier.value)?;
        }
        if let VerificationRecord::Social(r) = &record
            && let Some(email) = r.social_user_info.as_ref().and_then(|i| i.email.as_deref())
        {
            rules.guard_email_blocklist(email)?;
        }
        let staged = profile_from(app, &record).await?;
        profile::stage(app, rules, &mut session.storage, staged).await?;
        session.save(app).await?;
    }
    // Logto: a verified one-time token creates the user even when registration is off.
    if !session.storage.has_verified_one_time_token() {
        rules.guard_event(InteractionEvent::Register)?;
    }
    if !session.storage.captcha.verified && !session.storage.captcha.skipped {
        rules.guard_captcha()?;
    }
    if !social::skips_mandatory(rules, &session.storage) {
        profile::guard_mandatory(rules, &session.storage.profile, None)?;
    }

    let client_id = session.interaction.params.client_id.clone();
    let user = users::create(app, &session.storage.profile, &client_id).await?;
    session.storage.user_id = Some(user.id.clone());
    session.storage.profile.clean_up();
    if let Err(e) = session.save(app).await {
        // A concurrent request changed the interaction: take the user back, the client retries.
        users::remove_created(app, user).await?;
        return Err(e);
    }
    Ok(crate::http::empty(StatusCode::CREATED))
}
