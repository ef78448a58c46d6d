//! `GET/PATCH /api/account-center` (Logto's `routes/account-center/index.ts`) and the public
//! `GET /api/.well-known/account-center`: the switch and per-field controls of the Account API.
//!
//! PATCH replaces each key it names (`fields` as a whole, Logto's `jsonbMode: 'replace'`);
//! `deleteAccountUrl: ""` clears it; `webauthnRelatedOrigins` are deduplicated. Logto's guard
//! strips unknown keys (in `fields` too) and rejects a control that is not Off/ReadOnly/Edit.

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::validate::nullable;
use super::{Ctx, WRITE_RETRIES, errors, json};
use crate::domain::account_center::{self as repo, AccountCenter, Control, WriteError};
use crate::error::ApiError;
use crate::{App, Request, Response};

const WELL_KNOWN: &str = "/api/.well-known/account-center";

/// `fields` as Logto's guard reads it: known keys typed, unknown keys dropped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FieldsBody {
    name: Option<Control>,
    avatar: Option<Control>,
    profile: Option<Control>,
    email: Option<Control>,
    phone: Option<Control>,
    password: Option<Control>,
    username: Option<Control>,
    social: Option<Control>,
    custom_data: Option<Control>,
    mfa: Option<Control>,
    passkey: Option<Control>,
    session: Option<Control>,
    trusted_device: Option<Control>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileField {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    enabled: Option<bool>,
    fields: Option<FieldsBody>,
    webauthn_related_origins: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    delete_account_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    custom_css: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    profile_fields: Option<Option<Vec<ProfileField>>>,
}

/// The public settings, for `GET /api/.well-known/account-center`; `None` for other requests.
pub async fn serve_well_known(app: &App, req: &Request) -> Option<Result<Response, ApiError>> {
    if req.method() != Method::GET || req.uri().path() != WELL_KNOWN {
        return None;
    }
    Some(
        repo::find(app).await.map(|settings| crate::http::json_response(StatusCode::OK, &settings)).map_err(Into::into),
    )
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    json(StatusCode::OK, &repo::find(ctx.app).await?)
}

/// Logto's `deleteAccountUrlGuard`: at most 2048 characters, `""` or an http(s) URL.
fn check_delete_account_url(url: &str) -> Result<(), ApiError> {
    let ok =
        url.is_empty() || ((url.starts_with("https://") || url.starts_with("http://")) && url::Url::parse(url).is_ok());
    if url.chars().count() > 2048 {
        return Err(errors::invalid_field(
            "deleteAccountUrl",
            "too_big",
            "String must contain at most 2048 character(s)",
        ));
    }
    if ok {
        Ok(())
    } else {
        Err(errors::invalid_field("deleteAccountUrl", "custom", "deleteAccountUrl must be a valid http(s) URL"))
    }
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    // Typed after a first parse, so `fields: null` (not allowed by Logto) is told apart.
    let raw: Map<String, Value> = ctx.body()?;
    if raw.get("fields").is_some_and(Value::is_null) {
        return Err(errors::invalid_field("fields", "invalid_type", "Expected object, received null"));
    }
    let body: Body =
        serde_json::from_value(Value::Object(raw)).map_err(|e| errors::invalid(errors::Part::Body, e.to_string()))?;
    if let Some(Some(url)) = &body.delete_account_url {
        check_delete_account_url(url)?;
    }
    for _ in 0..WRITE_RETRIES {
        let stored = repo::find_versioned(ctx.store()).await?;
        let mut next = stored.as_ref().map_or_else(AccountCenter::logto_default, |v| v.value.clone());
        apply(&mut next, &body);
        match repo::update(ctx.store(), stored.as_ref(), &next).await {
            Ok(()) => return json(StatusCode::OK, &next),
            Err(WriteError::Conflict) => continue,
            Err(WriteError::Internal(e)) => return Err(e.into()),
        }
    }
    Err(super::applications::busy())
}

fn apply(next: &mut AccountCenter, body: &Body) {
    if let Some(enabled) = body.enabled {
        next.enabled = enabled;
    }
    if let Some(f) = &body.fields {
        next.fields = repo::Fields {
            name: f.name,
            avatar: f.avatar,
            profile: f.profile,
            email: f.email,
            phone: f.phone,
            password: f.password,
            username: f.username,
            social: f.social,
            custom_data: f.custom_data,
            mfa: f.mfa,
            passkey: f.passkey,
            session: f.session,
            trusted_device: f.trusted_device,
        };
    }
    if let Some(origins) = &body.webauthn_related_origins {
        let mut unique: Vec<String> = Vec::with_capacity(origins.len());
        for origin in origins {
            if !unique.contains(origin) {
                unique.push(origin.clone());
            }
        }
        next.webauthn_related_origins = unique;
    }
    if let Some(url) = &body.delete_account_url {
        next.delete_account_url = url.clone().filter(|u| !u.is_empty());
    }
    if let Some(css) = &body.custom_css {
        next.custom_css = css.clone();
    }
    if let Some(fields) = &body.profile_fields {
        next.profile_fields = fields
            .as_ref()
            .map(|list| Value::Array(list.iter().map(|f| serde_json::json!({ "name": f.name })).collect()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::management::testing::TestApp;

    #[tokio::test]
    async fn the_default_then_a_patch_then_the_public_copy() {
        let t = TestApp::seeded().await;
        let reply = t.call("GET", "/api/account-center", Value::Null).await;
        TestApp::ok(&reply, 200);
        assert_eq!(
            reply.json,
            json!({
                "tenantId": "default", "id": "default", "enabled": false, "fields": {},
                "webauthnRelatedOrigins": [], "deleteAccountUrl": null, "customCss": null, "profileFields": null
            })
        );

        let reply = t
            .call(
                "PATCH",
                "/api/account-center",
                json!({
                    "enabled": true, "fields": {"username": "Edit", "name": "ReadOnly", "unknown": "Edit"},
                    "webauthnRelatedOrigins": ["https://example.com", "https://example.com"],
                    "deleteAccountUrl": "https://example.com/delete-account"
                }),
            )
            .await;
        TestApp::ok(&reply, 200);
        assert_eq!(reply.json["enabled"], true);
        assert_eq!(reply.json["fields"], json!({"username": "Edit", "name": "ReadOnly"}));
        assert_eq!(reply.json["webauthnRelatedOrigins"], json!(["https://example.com"]));
        assert_eq!(reply.json["deleteAccountUrl"], "https://example.com/delete-account");

        let reply = t.call("PATCH", "/api/account-center", json!({"deleteAccountUrl": ""})).await;
        assert_eq!(reply.json["deleteAccountUrl"], Value::Null);
        assert_eq!(reply.json["fields"]["username"], "Edit", "untouched keys stay");

        let public = crate::management::testing::request("GET", "/api/.well-known/account-center", "");
        let reply = t.send(public).await;
        TestApp::ok(&reply, 200);
        assert_eq!(reply.json["enabled"], true);
        assert_eq!(reply.json["fields"]["name"], "ReadOnly");
    }

    #[tokio::test]
    async fn bad_input_is_400_and_changes_nothing() {
        let t = TestApp::seeded().await;
        for bad in [
            json!({"fields": {"name": "Write"}}),
            json!({"fields": null}),
            json!({"enabled": "yes"}),
            json!({"deleteAccountUrl": "ftp://example.com"}),
            json!({"deleteAccountUrl": "javascript:alert(1)"}),
        ] {
            let reply = t.call("PATCH", "/api/account-center", bad.clone()).await;
            assert_eq!(reply.error(), (400, "guard.invalid_input"), "{bad}");
        }
        let reply = t.call("GET", "/api/account-center", Value::Null).await;
        assert_eq!(reply.json["enabled"], false);
        let anonymous = crate::management::testing::request("GET", "/api/account-center", "");
        assert_eq!(t.send(anonymous).await.status, 401);
    }
}
