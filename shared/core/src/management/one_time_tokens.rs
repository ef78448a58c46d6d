//! `/api/one-time-tokens` (Logto's `routes/one-time-tokens.ts`): magic-link tokens an
//! administrator issues for an email address (list, get, create, verify, revoke, delete).
//!
//! The token is shown in the create response (and echoed by `verify`, whose caller sent it);
//! everywhere else it is masked: edgeid keeps only its hash (`domain::one_time_token`).

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::pagination::{Optional, Paging};
use super::users::input;
use super::{Ctx, errors, json, no_content};
use crate::Response;
use crate::domain::one_time_token::{self as repo, DEFAULT_EXPIRES_IN_SECS, OneTimeToken, Status};
use crate::error::ApiError;

const TABLE: &str = "one_time_tokens";
const EVENTS: [&str; 3] = ["SignIn", "Register", "ForgotPassword"];
const STATUSES: &str = "'active' | 'consumed' | 'revoked' | 'expired'";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    email: String,
    #[serde(default)]
    context: Option<Map<String, Value>>,
    #[serde(default)]
    expires_in: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct VerifyBody {
    token: String,
    email: String,
}

#[derive(Debug, Deserialize)]
struct StatusBody {
    status: String,
}

fn status_of(path: &str, raw: &str, part: errors::Part) -> Result<Status, ApiError> {
    Status::parse(raw).ok_or_else(|| {
        errors::invalid(
            part,
            format!("Error in key path \"{path}\": (invalid_enum_value) Invalid enum value. Expected {STATUSES}, received '{raw}'"),
        )
    })
}

async fn find(ctx: &Ctx<'_>) -> Result<crate::domain::Versioned<OneTimeToken>, ApiError> {
    let id = ctx.param("id");
    repo::find(ctx.store(), &id).await?.ok_or_else(|| errors::not_exists_with_id(TABLE, &id))
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::Yes)?;
    let email = ctx.query.first("email");
    if let Some(email) = email
        && input::email("email", email).is_err()
    {
        return Err(errors::invalid(errors::Part::Query, "Error in key path \"email\": (invalid_string) Invalid"));
    }
    let status = ctx.query.first("status").map(|s| status_of("status", s, errors::Part::Query)).transpose()?;
    let now = ctx.now();
    let matching: Vec<Value> = repo::list(ctx.store())
        .await?
        .into_iter()
        .filter(|t| email.is_none_or(|e| t.email == e) && status.is_none_or(|s| t.status_at(now) == s))
        .map(|t| t.response(now, None))
        .collect();
    let total = matching.len() as u64;
    Ok(ctx.list_response(paging, &paging.slice(matching), total))
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let token = find(ctx).await?.value;
    json(StatusCode::OK, &token.response(ctx.now(), None))
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: CreateBody = ctx.body()?;
    let context = body.context.unwrap_or_default();
    if let Some(event) = context.get("interactionEvent")
        && !event.as_str().is_some_and(|e| EVENTS.contains(&e))
    {
        return Err(errors::invalid_field(
            "context.interactionEvent",
            "invalid_enum_value",
            "Invalid enum value. Expected 'SignIn' | 'Register' | 'ForgotPassword'",
        ));
    }
    if let Some(ids) = context.get("jitOrganizationIds")
        && !ids.as_array().is_some_and(|a| a.iter().all(Value::is_string))
    {
        return Err(errors::invalid_field("context.jitOrganizationIds", "invalid_type", "Expected array"));
    }
    let expires_in = match body.expires_in {
        None => DEFAULT_EXPIRES_IN_SECS,
        Some(n) if n >= 1.0 && n.is_finite() => n as i64,
        Some(_) => {
            return Err(errors::invalid_field("expiresIn", "too_small", "Number must be greater than or equal to 1"));
        }
    };
    let (record, token) = repo::insert(ctx.app, &body.email, context, expires_in).await?;
    json(StatusCode::CREATED, &record.response(ctx.now(), Some(&token)))
}

/// An administrator's raw check: not bound to an interaction event.
pub async fn verify(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: VerifyBody = ctx.body()?;
    let consumed = repo::verify(ctx.app, &body.token, &body.email, None).await?;
    json(StatusCode::OK, &consumed.response(ctx.now(), Some(&body.token)))
}

pub async fn update_status(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: StatusBody = ctx.body()?;
    let status = status_of("status", &body.status, errors::Part::Body)?;
    for _ in 0..super::WRITE_RETRIES {
        let current = find(ctx).await?;
        if status == Status::Active {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "one_time_token.cannot_reactivate_token",
                "Cannot reactivate the token.",
            ));
        }
        if repo::set_status(ctx.store(), &current, status).await? {
            let next = OneTimeToken { status, ..current.value };
            return json(StatusCode::OK, &next.response(ctx.now(), None));
        }
    }
    Err(super::applications::busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let token = repo::find(ctx.store(), &id).await?.ok_or_else(errors::not_found)?;
    repo::delete(ctx.store(), &token.value).await?;
    no_content()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::management::testing::TestApp;

    #[tokio::test]
    async fn logtos_one_time_token_api() {
        let t = TestApp::seeded().await;
        let created = t
            .call(
                "POST",
                "/api/one-time-tokens",
                json!({ "email": "a@b.co", "context": { "jitOrganizationIds": ["org-1"], "interactionEvent": "ForgotPassword" } }),
            )
            .await;
        TestApp::ok(&created, 201);
        let token = created.json["token"].as_str().unwrap().to_owned();
        let id = created.json["id"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 32);
        assert_eq!(created.json["status"], "active");
        assert_eq!(created.json["tenantId"], "default");
        assert_eq!(
            created.json["context"],
            json!({ "jitOrganizationIds": ["org-1"], "interactionEvent": "ForgotPassword" })
        );
        assert_eq!(created.json["expiresAt"].as_i64().unwrap() - created.json["createdAt"].as_i64().unwrap(), 600_000);

        // Shown once: later reads mask it.
        let got = t.call("GET", &format!("/api/one-time-tokens/{id}"), Value::Null).await;
        TestApp::ok(&got, 200);
        let shown = got.json["token"].as_str().unwrap();
        assert_eq!((shown.len(), &shown[..4], shown.ends_with('*')), (32, &token[..4], true));
        assert_eq!(
            t.call("GET", "/api/one-time-tokens/nope", Value::Null).await.error(),
            (404, "entity.not_exists_with_id")
        );

        for (body, code) in [
            (json!({ "email": "a@b.co", "expiresIn": 0 }), "guard.invalid_input"),
            (json!({ "email": "a@b.co", "context": { "interactionEvent": "Nope" } }), "guard.invalid_input"),
        ] {
            assert_eq!(t.call("POST", "/api/one-time-tokens", body).await.error(), (400, code));
        }
        let second = t.call("POST", "/api/one-time-tokens", json!({ "email": "c@d.co", "expiresIn": 30 })).await;
        TestApp::ok(&second, 201);
        assert_eq!(second.json["context"], json!({}));
        let second_id = second.json["id"].as_str().unwrap().to_owned();

        let listed = t.call("GET", "/api/one-time-tokens?email=a@b.co", Value::Null).await;
        TestApp::ok(&listed, 200);
        assert_eq!(listed.json.as_array().unwrap().len(), 1);
        assert_eq!(
            t.call("GET", "/api/one-time-tokens?status=nope", Value::Null).await.error(),
            (400, "guard.invalid_input")
        );

        let verify = |token: &str, email: &str| {
            let body = json!({ "token": token, "email": email });
            let t = &t;
            async move { t.call("POST", "/api/one-time-tokens/verify", body).await }
        };
        assert_eq!(verify(&token, "x@b.co").await.error(), (400, "one_time_token.email_mismatch"));
        assert_eq!(verify("wrong-token", "a@b.co").await.error(), (404, "one_time_token.token_not_found"));
        let verified = verify(&token, "a@b.co").await;
        TestApp::ok(&verified, 200);
        assert_eq!(
            (verified.json["status"].as_str(), verified.json["token"].as_str()),
            (Some("consumed"), Some(token.as_str()))
        );
        assert_eq!(verify(&token, "a@b.co").await.error(), (400, "one_time_token.token_consumed"));

        let status = |id: &str, status: &str| {
            let (path, body) = (format!("/api/one-time-tokens/{id}/status"), json!({ "status": status }));
            let t = &t;
            async move { t.call("PUT", &path, body).await }
        };
        assert_eq!(status(&second_id, "active").await.error(), (400, "one_time_token.cannot_reactivate_token"));
        let revoked = status(&second_id, "revoked").await;
        TestApp::ok(&revoked, 200);
        assert_eq!(revoked.json["status"], "revoked");
        assert_eq!(status("nope", "revoked").await.error(), (404, "entity.not_exists_with_id"));

        // An active token past its expiry reads as expired.
        let short = t.call("POST", "/api/one-time-tokens", json!({ "email": "e@f.co", "expiresIn": 1 })).await;
        t.clock.advance_ms(1000);
        let short_id = short.json["id"].as_str().unwrap();
        let got = t.call("GET", &format!("/api/one-time-tokens/{short_id}"), Value::Null).await;
        assert_eq!(got.json["status"], "expired");
        let expired = t.call("GET", "/api/one-time-tokens?status=expired", Value::Null).await;
        assert_eq!(expired.json.as_array().unwrap().len(), 1);

        TestApp::ok(&t.call("DELETE", &format!("/api/one-time-tokens/{id}"), Value::Null).await, 204);
        assert_eq!(
            t.call("DELETE", &format!("/api/one-time-tokens/{id}"), Value::Null).await.error(),
            (404, "entity.not_found")
        );
    }
}
