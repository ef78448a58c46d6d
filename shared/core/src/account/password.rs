//! `POST /api/my-account/password`: set a new password. A user who already has something a
//! verification record can prove (password, email or phone) must present one; a user with none
//! of them (social-only) sets their first password without. The password must pass the
//! tenant's policy and differ from the current one (`user.same_password`).

use serde::Deserialize;

use super::profile::has_security_verification_method;
use super::{Access, Ctx, errors, no_content};
use crate::Response;
use crate::domain::account_center::Field;
use crate::domain::password;
use crate::domain::password_policy::{self, PasswordPolicy, UserInfo};
use crate::domain::sign_in_experience;
use crate::error::ApiError;

#[derive(Deserialize)]
struct Body {
    password: String,
}

pub(super) async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: Body = ctx.body()?;
    if body.password.is_empty() {
        return Err(errors::invalid_body(
            "Error in key path \"password\": (too_small) String must contain at least 1 character(s)",
        ));
    }
    ctx.require_first_party().await?;
    if has_security_verification_method(&ctx.user) {
        ctx.require_verified().await?;
    }
    ctx.require_field(Field::Password, Access::Edit)?;

    // Logto's `PasswordValidator.validatePassword`: the policy, then "not the same".
    let sie = sign_in_experience::find(ctx.app).await?;
    let user = &ctx.user;
    let info = UserInfo {
        name: user.name.clone(),
        username: user.username.clone(),
        email: user.primary_email.clone(),
        phone: user.primary_phone.clone(),
    };
    let policy = PasswordPolicy::from_json(Some(&sie.password_policy));
    let issues = password_policy::check(&policy, &body.password, &info, ctx.app.config.dev_admin);
    if !issues.is_empty() {
        return Err(errors::password_rejected(&issues));
    }
    if user.password().is_some() && password::verify(user.password().as_ref(), &body.password).is_valid() {
        return Err(errors::same_password());
    }

    let stored = password::hash(ctx.app.rng.as_ref(), &body.password)?;
    let now = ctx.app.clock.now_ms();
    ctx.update_user(|user| {
        user.set_password(stored.clone(), now);
        Ok(())
    })
    .await?;
    no_content()
}
