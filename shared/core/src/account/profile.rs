//! `GET/PATCH /api/my-account` and `PATCH /api/my-account/profile`: the user's own profile,
//! narrowed first by the token's scopes (Logto's `getScopedProfile`), then by what the account
//! center lets the user see (`getAccountCenterFilteredProfile`).

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Access, Ctx, errors, json};
use crate::Response;
use crate::domain::account_center::{AccountCenter, Field};
use crate::domain::user::{self, UserRecord, input};
use crate::domain::{sign_in_experience, username_policy};
use crate::error::ApiError;

/// The OIDC scopes the Account API reads (`@logto/core-kit` `UserScope`).
pub(super) mod scope {
    pub const PROFILE: &str = "profile";
    pub const EMAIL: &str = "email";
    pub const PHONE: &str = "phone";
    pub const ADDRESS: &str = "address";
    pub const CUSTOM_DATA: &str = "custom_data";
    pub const IDENTITIES: &str = "identities";
}

/// Logto's `hasSecurityVerificationMethod`: something a verification record can prove.
pub(super) fn has_security_verification_method(user: &UserRecord) -> bool {
    user.has_password() || user.primary_email.is_some() || user.primary_phone.is_some()
}

/// The profile as `GET /api/my-account` shows it to this token under these settings.
pub(super) fn render(ctx: &Ctx<'_>, user: &UserRecord) -> Map<String, Value> {
    scoped(user, &|s| ctx.token.has_scope(s), &ctx.account_center)
}

fn scoped(user: &UserRecord, has: &dyn Fn(&str) -> bool, settings: &AccountCenter) -> Map<String, Value> {
    let visible = |field: Field| settings.control(field).readable();
    let mut out = Map::new();
    out.insert("id".into(), json!(user.id));
    if has(scope::PROFILE) {
        out.insert("lastSignInAt".into(), json!(user.last_sign_in_at));
        out.insert("createdAt".into(), json!(user.created_at));
        out.insert("updatedAt".into(), json!(user.updated_at));
        out.insert("applicationId".into(), json!(user.application_id));
        out.insert("cimdClientId".into(), Value::Null);
        out.insert("isSuspended".into(), json!(user.is_suspended));
        if visible(Field::Name) {
            out.insert("name".into(), json!(user.name));
        }
        if visible(Field::Avatar) {
            out.insert("avatar".into(), json!(user.avatar));
        }
        if visible(Field::Username) {
            out.insert("username".into(), json!(user.username));
        }
    }
    if has(scope::EMAIL) && visible(Field::Email) {
        out.insert("primaryEmail".into(), json!(user.primary_email));
    }
    if has(scope::PHONE) && visible(Field::Phone) {
        out.insert("primaryPhone".into(), json!(user.primary_phone));
    }
    if has(scope::PROFILE) && visible(Field::Profile) {
        let mut profile = user.profile.clone();
        if !has(scope::ADDRESS) {
            profile.remove("address");
        }
        out.insert("profile".into(), Value::Object(profile));
    }
    if has(scope::CUSTOM_DATA) && visible(Field::CustomData) {
        out.insert("customData".into(), Value::Object(user.custom_data.clone()));
    }
    if has(scope::IDENTITIES) && visible(Field::Social) {
        out.insert("identities".into(), json!(user.identities));
    }
    if has(scope::PROFILE) && visible(Field::Password) {
        out.insert("hasPassword".into(), json!(user.has_password()));
    }
    out.insert("hasSecurityVerificationMethod".into(), json!(has_security_verification_method(user)));
    out
}

pub(super) async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    json(StatusCode::OK, &render(ctx, &ctx.user))
}

/// Logto's `getUserIdentifierCount` > 0 after a change: something left to sign in with.
pub(super) fn has_identifier(user: &UserRecord) -> bool {
    user.username.is_some()
        || user.primary_email.is_some()
        || user.primary_phone.is_some()
        || !user.identities.is_empty()
}

/// absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody {
    #[serde(default, deserialize_with = "nullable")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    avatar: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    username: Option<Option<String>>,
    #[serde(default)]
    custom_data: Option<Map<String, Value>>,
}

fn invalid_string(path: &str) -> ApiError {
    errors::invalid_body(format!("Error in key path \"{path}\": (invalid_string) Invalid"))
}

/// `PATCH /api/my-account`: name, avatar, username (verified; policy and uniqueness) and
/// custom data (replaced), each only if its field is `Edit`.
pub(super) async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: UpdateBody = ctx.body()?;
    if let Some(Some(avatar)) = &body.avatar
        && !input::is_url(avatar)
    {
        return Err(invalid_string("avatar"));
    }
    if let Some(Some(username)) = &body.username
        && !input::is_username(username)
    {
        return Err(invalid_string("username"));
    }
    for (given, field) in [
        (body.name.is_some(), Field::Name),
        (body.avatar.is_some(), Field::Avatar),
        (body.username.is_some(), Field::Username),
        (body.custom_data.is_some(), Field::CustomData),
    ] {
        if given {
            ctx.require_field(field, Access::Edit)?;
        }
    }
    ctx.require_claim_scope(scope::PROFILE)?;
    if body.custom_data.is_some() {
        ctx.require_claim_scope(scope::CUSTOM_DATA)?;
    }
    ctx.require_first_party().await?;

    if let Some(username) = &body.username {
        ctx.require_verified().await?;
        if let Some(username) = username {
            let sie = sign_in_experience::find(ctx.app).await?;
            if let Some(v) = username_policy::violation(Some(&sie.username_policy), username) {
                return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, v.code, v.message));
            }
            let case_sensitive = sie.username_policy.get("caseSensitive").and_then(Value::as_bool).unwrap_or(true);
            if user::username_taken(ctx.app.store.as_ref(), username, case_sensitive, Some(&ctx.user.id)).await? {
                return Err(errors::username_already_in_use());
            }
        }
    }

    let updated = ctx
        .update_user(|user| {
            if let Some(name) = &body.name {
                user.name.clone_from(name);
            }
            if let Some(avatar) = &body.avatar {
                user.avatar.clone_from(avatar);
            }
            if let Some(username) = &body.username {
                user.username.clone_from(username);
                if !has_identifier(user) {
                    return Err(errors::last_sign_in_method_required());
                }
            }
            if let Some(custom_data) = &body.custom_data {
                user.custom_data.clone_from(custom_data);
            }
            Ok(())
        })
        .await?;
    json(StatusCode::OK, &render(ctx, &updated))
}

/// `PATCH /api/my-account/profile`: shallow-merge the OIDC profile claims; answers the
/// profile as the token may see it.
pub(super) async fn update_profile(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let raw: Value = ctx.body()?;
    let profile = input::profile("", raw)
        .map_err(|i| errors::invalid_body(i.details().replace("key path \".", "key path \"")))?;
    ctx.require_field(Field::Profile, Access::Edit)?;
    ctx.require_claim_scope(scope::PROFILE)?;
    if profile.contains_key("address") {
        ctx.require_claim_scope(scope::ADDRESS)?;
    }
    ctx.require_first_party().await?;
    let updated = ctx
        .update_user(|user| {
            for (key, value) in &profile {
                user.profile.insert(key.clone(), value.clone());
            }
            Ok(())
        })
        .await?;
    let mut shown = updated.profile;
    if !ctx.token.has_scope(scope::ADDRESS) {
        shown.remove("address");
    }
    json(StatusCode::OK, &shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account_center::{Control, Fields};

    fn user() -> UserRecord {
        let mut user = UserRecord::new("u1".into(), 1);
        user.username = Some("alice".into());
        user.primary_email = Some("a@example.com".into());
        user.name = Some("Alice".into());
        user.profile.insert("nickname".into(), json!("al"));
        user.profile.insert("address".into(), json!({"country": "NZ"}));
        user.custom_data.insert("k".into(), json!(1));
        user
    }

    fn settings(fields: Fields) -> AccountCenter {
        AccountCenter { enabled: true, fields, ..AccountCenter::logto_default() }
    }

    #[test]
    fn openid_alone_shows_the_id_and_the_verification_flag() {
        let out = scoped(&user(), &|s| s == "openid", &settings(Fields::all(Control::Edit)));
        assert_eq!(Value::Object(out), json!({"id": "u1", "hasSecurityVerificationMethod": true}));
    }

    #[test]
    fn scopes_and_fields_both_narrow() {
        let all = |_: &str| true;
        let out = scoped(&user(), &all, &settings(Fields::all(Control::ReadOnly)));
        assert_eq!(out["username"], "alice");
        assert_eq!(out["primaryEmail"], "a@example.com");
        assert_eq!(out["profile"]["address"]["country"], "NZ");
        assert_eq!(out["customData"]["k"], 1);
        assert_eq!(out["hasPassword"], false);
        assert!(out.contains_key("primaryPhone") && out.contains_key("identities"));

        let fields = Fields { name: Some(Control::Edit), email: Some(Control::Off), ..Fields::default() };
        let out = scoped(&user(), &|s| s != "address", &settings(fields));
        assert_eq!(out["name"], "Alice");
        for hidden in ["username", "primaryEmail", "primaryPhone", "profile", "customData", "identities", "hasPassword"]
        {
            assert!(!out.contains_key(hidden), "{hidden} shown");
        }
        assert!(out.contains_key("createdAt"));

        let out = scoped(&user(), &|s| s != "address", &settings(Fields::all(Control::Edit)));
        assert_eq!(out["profile"], json!({"nickname": "al"}), "address needs its scope");
    }
}
