//! `/api/users/:userId/mfa-verifications` (Logto's `admin-user/mfa-verifications.ts`): list the
//! user's factors (no secrets), add a TOTP (a given or fresh secret, answered with its QR code)
//! or backup codes (given or fresh; answered in clear once, stored hashed), delete one.
//!
//! Every write goes through `domain::mfa::change` (read, check, `IfVersion` write, retried),
//! so the checks ("one TOTP", "one usable set of backup codes") hold under concurrent calls.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::find;
use crate::Response;
use crate::domain::mfa::errors::{
    self as mfa_errors, backup_code_already_in_use, totp_secret_invalid, wrong_backup_code_format,
};
use crate::domain::mfa::{self, BindMfa, ChangeError, MfaFactor, MfaVerification, backup_code, totp};
use crate::error::ApiError;
use crate::management::{Ctx, errors, json, no_content};

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user = find(ctx, &ctx.param("userId")).await?.value;
    let out: Vec<_> = user.mfa_verifications.iter().map(MfaVerification::response).collect();
    json(StatusCode::OK, &out)
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum CreateBody {
    Totp {
        #[serde(default)]
        secret: Option<String>,
    },
    BackupCode {
        #[serde(default)]
        codes: Option<Vec<String>>,
    },
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum Created {
    #[serde(rename_all = "camelCase")]
    Totp {
        secret: String,
        secret_qr_code: String,
    },
    BackupCode {
        codes: Vec<String>,
    },
}

/// Map a refused or failed factor change onto the answer.
fn change_error(e: ChangeError<ApiError>) -> ApiError {
    match e {
        ChangeError::UserNotFound => errors::not_found(),
        ChangeError::Refused(e) => e,
        ChangeError::Internal(e) => e.into(),
    }
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let user_id = ctx.param("userId");
    let body: CreateBody = ctx.body()?;
    // A missing user is 404 before the body's values are judged, as in Logto.
    find(ctx, &user_id).await?;
    match body {
        CreateBody::Totp { secret } => {
            if secret.as_deref().is_some_and(|s| !totp::validate_secret(s)) {
                return Err(totp_secret_invalid(422));
            }
            let secret = secret.unwrap_or_else(|| totp::generate_secret(ctx.app.rng.as_ref()));
            let factor = BindMfa::Totp { secret: secret.clone() }.into_verification(ctx.app);
            let (_, user) = mfa::change(ctx.app, &user_id, |u, _| {
                if u.totp().is_some() {
                    return Err(mfa_errors::totp_already_in_use());
                }
                u.mfa_verifications.push(factor.clone());
                Ok(())
            })
            .await
            .map_err(change_error)?;
            let secret_qr_code = totp::secret_qr_code(&ctx.app.config, &user, &secret)?;
            json(StatusCode::OK, &Created::Totp { secret, secret_qr_code })
        }
        CreateBody::BackupCode { codes } => {
            let codes = codes.unwrap_or_else(|| backup_code::generate(ctx.app.rng.as_ref()));
            let factor = BindMfa::BackupCode { codes: codes.clone() }.into_verification(ctx.app);
            mfa::change(ctx.app, &user_id, |u, _| {
                // One usable set at a time; a spent set may be replaced.
                if u.backup_codes().is_some_and(|b| b.remaining() > 0) {
                    return Err(backup_code_already_in_use());
                }
                if !u.mfa_verifications.iter().any(|v| v.factor() != MfaFactor::BackupCode) {
                    return Err(mfa_errors::backup_code_can_not_be_alone());
                }
                if !backup_code::validate(&codes) {
                    return Err(wrong_backup_code_format());
                }
                u.merge_mfa_verifications(vec![factor.clone()]);
                Ok(())
            })
            .await
            .map_err(change_error)?;
            json(StatusCode::OK, &Created::BackupCode { codes })
        }
    }
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (user_id, id) = (ctx.param("userId"), ctx.param("verificationId"));
    find(ctx, &user_id).await?;
    mfa::change(ctx.app, &user_id, |u, _| {
        let before = u.mfa_verifications.len();
        u.mfa_verifications.retain(|v| v.id() != id);
        if u.mfa_verifications.len() == before { Err(errors::not_found()) } else { Ok(()) }
    })
    .await
    .map_err(change_error)?;
    no_content()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::domain::mfa::{backup_code, totp};
    use crate::management::testing::TestApp;

    #[tokio::test]
    async fn add_list_and_delete_factors_as_logto() {
        let t = TestApp::seeded().await;
        let user = t.call("POST", "/api/users", json!({"username": "alice"})).await.json;
        let base = format!("/api/users/{}/mfa-verifications", user["id"].as_str().unwrap());
        assert_eq!(t.call("GET", &base, Value::Null).await.json, json!([]));

        // Backup codes alone are refused.
        let alone = t.call("POST", &base, json!({"type": "BackupCode"})).await;
        assert_eq!(alone.error(), (422, "session.mfa.backup_code_can_not_be_alone"));
        let bad = t.call("POST", &base, json!({"type": "Totp", "secret": "too-short"})).await;
        assert_eq!(bad.error(), (422, "user.totp_secret_invalid"));

        let created = t.call("POST", &base, json!({"type": "Totp"})).await;
        TestApp::ok(&created, 200);
        let secret = created.json["secret"].as_str().unwrap();
        assert!(totp::validate_secret(secret));
        assert!(created.json["secretQrCode"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
        assert_eq!(t.call("POST", &base, json!({"type": "Totp"})).await.error(), (422, "user.totp_already_in_use"));

        let wrong = t.call("POST", &base, json!({"type": "BackupCode", "codes": ["abc"]})).await;
        assert_eq!(wrong.error(), (422, "user.wrong_backup_code_format"));
        let codes: Vec<String> = (0..10).map(|i| format!("{i:010}")).collect();
        let added = t.call("POST", &base, json!({"type": "BackupCode", "codes": codes})).await;
        TestApp::ok(&added, 200);
        assert_eq!(added.json, json!({"type": "BackupCode", "codes": codes}));
        let again = t.call("POST", &base, json!({"type": "BackupCode"})).await;
        assert_eq!(again.error(), (422, "user.backup_code_already_in_use"));

        let listed = t.call("GET", &base, Value::Null).await.json;
        let items = listed.as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["type"], "Totp");
        assert!(items[0].get("key").is_none() && items[0].get("secret").is_none(), "{listed}");
        assert_eq!(items[1]["remainCodes"], 10);
        assert!(!listed.to_string().contains("0000000001"), "codes are never listed");
        // Stored hashed.
        let stored =
            crate::domain::user::find(t.app.store.as_ref(), user["id"].as_str().unwrap()).await.unwrap().unwrap();
        assert!(backup_code::matches(&stored.value.backup_codes().unwrap().codes[1].code, "0000000001"));

        let id = items[0]["id"].as_str().unwrap();
        assert_eq!(t.call("DELETE", &format!("{base}/unknown"), Value::Null).await.error(), (404, "entity.not_found"));
        TestApp::ok(&t.call("DELETE", &format!("{base}/{id}"), Value::Null).await, 204);
        assert_eq!(t.call("GET", &base, Value::Null).await.json.as_array().unwrap().len(), 1);
        let missing = t.call("GET", "/api/users/nobody/mfa-verifications", Value::Null).await;
        assert_eq!(missing.status.as_u16(), 404);
        let unknown_type = t.call("POST", &base, json!({"type": "WebAuthn"})).await;
        assert_eq!(unknown_type.error(), (400, "guard.invalid_input"));
    }
}
