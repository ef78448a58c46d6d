//! Logto's `findAccount` (`oidc/init.ts`): the user a code, refresh token or access token was
//! issued to must still exist and not be suspended — else `invalid_grant` "user not found" /
//! "user is suspended" — and the claims are read from their record.

use crate::App;
use crate::domain::claims::Subject;
use crate::domain::role;
use crate::domain::user::{self, UserRecord};
use crate::error::{Internal, OAuthError, OAuthErrorCode};

/// The live, unsuspended user (one read).
pub async fn load(app: &App, account_id: &str) -> Result<UserRecord, OAuthError> {
    let user = user::find(app.store.as_ref(), account_id)
        .await?
        .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidGrant, "user not found"))?
        .value;
    if user.is_suspended {
        return Err(OAuthError::new(OAuthErrorCode::InvalidGrant, "user is suspended"));
    }
    Ok(user)
}

/// What the claims are read from; the role names only when the `roles` claim is released (one
/// read per role, concurrently).
pub async fn subject(app: &App, user: &UserRecord, claims: &[&str]) -> Result<Subject, Internal> {
    let roles = if crate::domain::claims::needs_roles(claims) {
        let store = app.store.as_ref();
        let found =
            futures::future::try_join_all(user.role_ids.iter().map(|id| async move { role::find(store, id).await }))
                .await?;
        found.into_iter().flatten().map(|r| r.value.role.name).collect()
    } else {
        Vec::new()
    };
    Ok(Subject {
        id: user.id.clone(),
        username: user.username.clone(),
        primary_email: user.primary_email.clone(),
        primary_phone: user.primary_phone.clone(),
        name: user.name.clone(),
        avatar: user.avatar.clone(),
        profile: user.profile.clone(),
        custom_data: serde_json::Value::Object(user.custom_data.clone()),
        identities: serde_json::to_value(&user.identities).unwrap_or_default(),
        created_at: user.created_at,
        updated_at: user.updated_at,
        roles,
    })
}
