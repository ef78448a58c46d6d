//! `POST /api/my-account/identities` (link), `PUT` (link, replacing an identity of the same
//! target) and `DELETE /api/my-account/identities/:target` (unlink), as Logto's
//! `routes/account/identities.ts`: the `social` field must be `Edit`, the token needs the
//! `identities` scope and a first-party client, and a user who has a password, email or phone
//! must name a fresh identity verification in `logto-verification-id`. The identity itself is
//! proven by a verified social verification record of this user
//! (`newIdentifierVerificationRecordId`); the identity index is claimed in the same commit as
//! the user (422 `user.identity_already_in_use` if someone else holds it). Unlinking keeps at
//! least one way to sign in.

use http::StatusCode;
use serde::Deserialize;

use super::{Access, Ctx, errors, no_content};
use crate::Response;
use crate::domain::account_center::Field;
use crate::domain::user::{self, Identity, UserRecord};
use crate::domain::verification_record::VerificationRecord;
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkBody {
    new_identifier_verification_record_id: String,
}

/// Logto's `assertIdentityVerifiedIfRequired`: only users with a password, email or phone can
/// prove who they are, so only they must.
async fn require_verified_if_possible(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    let user = &ctx.user;
    if user.has_password() || user.primary_email.is_some() || user.primary_phone.is_some() {
        ctx.require_verified().await?;
    }
    Ok(())
}

fn identity_not_exist() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "user.identity_not_exist", "The social account has not been registered yet.")
}

pub(super) async fn link(ctx: &Ctx<'_>, replace: bool) -> Result<Response, ApiError> {
    let app = ctx.app;
    let body: LinkBody = ctx.body()?;
    ctx.require_field(Field::Social, Access::Edit)?;
    ctx.require_scope("identities")?;
    ctx.require_first_party().await?;
    require_verified_if_possible(ctx).await?;

    let stored = ctx.record(&body.new_identifier_verification_record_id).await?;
    let (connector_id, info) = match &stored.value.data {
        VerificationRecord::Social(r) => match &r.social_user_info {
            Some(info) => (r.connector_id.clone(), info.clone()),
            None => return Err(errors::record_not_found()),
        },
        _ => return Err(errors::record_not_found()),
    };
    let connector = crate::connectors::social::find_for_verify(app, &connector_id).await?;
    let target = connector.target();
    // Logto's `checkIdentifierCollision`: nobody else may hold the identity.
    if let Some(other) = user::find_by_identity(app.store.as_ref(), &target, &info.id).await?
        && other.value.id != ctx.user.id
    {
        return Err(errors::identity_already_in_use());
    }
    let details = match serde_json::to_value(&info) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    };
    let identity = Identity { user_id: info.id.clone(), details };
    ctx.update_user(|user: &mut UserRecord| {
        if !replace && user.identities.contains_key(&target) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "user.identity_already_in_use",
                "The social account has been associated with an existing account.",
            ));
        }
        user.identities.insert(target.clone(), identity.clone());
        Ok(())
    })
    .await?;
    no_content()
}

pub(super) async fn unlink(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let target = percent_encoding::percent_decode_str(ctx.params.get("target")).decode_utf8_lossy().into_owned();
    ctx.require_field(Field::Social, Access::Edit)?;
    // Logto asserts this one with the default status, 400.
    ctx.require_claim_scope("identities")?;
    ctx.require_first_party().await?;
    require_verified_if_possible(ctx).await?;
    ctx.update_user(|user: &mut UserRecord| {
        if user.identities.remove(&target).is_none() {
            return Err(identity_not_exist());
        }
        let remaining = usize::from(user.username.is_some())
            + usize::from(user.primary_email.is_some())
            + usize::from(user.primary_phone.is_some())
            + user.identities.len();
        if remaining == 0 {
            return Err(errors::last_sign_in_method_required());
        }
        Ok(())
    })
    .await?;
    no_content()
}
