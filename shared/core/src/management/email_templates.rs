//! `/api/email-templates` (Logto's `routes/email-template/index.ts`): per-language templates the
//! email connector prefers over its config's (`domain::email_template`).

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Ctx, WRITE_RETRIES, errors, json, no_content, validate};
use crate::Response;
use crate::connectors::TemplateType;
use crate::domain::email_template::{self as repo, EmailTemplate, WriteError};
use crate::error::ApiError;

const TABLE: &str = "email_templates";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewTemplate {
    language_tag: String,
    template_type: TemplateType,
    details: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
struct UpsertBody {
    templates: Vec<NewTemplate>,
}

/// `emailTemplateDetailsGuard` (`partial` for PATCH).
fn check_details(details: &Map<String, Value>, partial: bool) -> Result<(), ApiError> {
    for key in ["subject", "content"] {
        match details.get(key) {
            Some(Value::String(_)) => {}
            None if partial => {}
            _ => return Err(errors::invalid_field(&format!("details.{key}"), "invalid_type", "Expected string")),
        }
    }
    match details.get("contentType") {
        None => {}
        Some(Value::String(t)) if t == "text/html" || t == "text/plain" => {}
        Some(_) => return Err(errors::invalid_field("details.contentType", "invalid_union", "Invalid input")),
    }
    for key in ["replyTo", "sendFrom"] {
        if details.get(key).is_some_and(|v| !v.is_string()) {
            return Err(errors::invalid_field(&format!("details.{key}"), "invalid_type", "Expected string"));
        }
    }
    Ok(())
}

/// Only the detail keys Logto's guard knows (zod strips the rest).
fn known_details(details: &Map<String, Value>) -> Map<String, Value> {
    details
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "subject" | "content" | "contentType" | "replyTo" | "sendFrom"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn write_error(e: WriteError) -> ApiError {
    match e {
        WriteError::Conflict => super::applications::busy(),
        WriteError::Internal(e) => e.into(),
    }
}

fn filter(ctx: &Ctx<'_>) -> Result<(Option<String>, Option<TemplateType>), ApiError> {
    let language = ctx.query.first("languageTag").map(str::to_owned);
    let template_type = match ctx.query.first("templateType") {
        None => None,
        Some(t) => Some(
            serde_json::from_value(Value::String(t.to_owned()))
                .map_err(|_| errors::invalid(errors::Part::Query, format!("Invalid templateType: {t}")))?,
        ),
    };
    Ok((language, template_type))
}

async fn matching(ctx: &Ctx<'_>) -> Result<(Vec<EmailTemplate>, bool), ApiError> {
    let (language, template_type) = filter(ctx)?;
    let any = language.is_some() || template_type.is_some();
    let all = repo::list(ctx.store()).await?;
    let found = all
        .into_iter()
        .filter(|t| language.as_ref().is_none_or(|l| *l == t.language_tag))
        .filter(|t| template_type.is_none_or(|ty| ty == t.template_type))
        .collect();
    Ok((found, any))
}

pub async fn upsert(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: UpsertBody = ctx.body()?;
    if body.templates.is_empty() {
        return Err(errors::invalid_field("templates", "too_small", "Array must contain at least 1 element(s)"));
    }
    for t in &body.templates {
        validate::length("languageTag", &t.language_tag, Some(16))?;
        check_details(&t.details, false)?;
    }
    let mut out = Vec::with_capacity(body.templates.len());
    for t in body.templates {
        let template = EmailTemplate::new(
            crate::domain::application::new_id(ctx.app.rng.as_ref()),
            t.language_tag,
            t.template_type,
            known_details(&t.details),
            ctx.now(),
        );
        let mut stored = None;
        for _ in 0..WRITE_RETRIES {
            match repo::upsert(ctx.store(), &template).await {
                Ok(s) => {
                    stored = Some(s);
                    break;
                }
                Err(WriteError::Conflict) => continue,
                Err(e) => return Err(write_error(e)),
            }
        }
        out.push(stored.ok_or_else(super::applications::busy)?);
    }
    json(StatusCode::OK, &out)
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (found, _) = matching(ctx).await?;
    json(StatusCode::OK, &found)
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let found = repo::find_by_id(ctx.store(), &id).await?.ok_or_else(|| errors::not_exists_with_id(TABLE, &id))?;
    json(StatusCode::OK, &found.value)
}

pub async fn update_details(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let patch: Map<String, Value> = ctx.body()?;
    check_details(&patch, true)?;
    for _ in 0..WRITE_RETRIES {
        let current =
            repo::find_by_id(ctx.store(), &id).await?.ok_or_else(|| errors::not_exists_with_id(TABLE, &id))?;
        let mut next = current.value.clone();
        next.details.extend(known_details(&patch));
        match repo::update(ctx.store(), &current, &next).await {
            Ok(()) => return json(StatusCode::OK, &next),
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(super::applications::busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let found = repo::find_by_id(ctx.store(), &id).await?.ok_or_else(|| errors::not_exists_with_id(TABLE, &id))?;
    repo::delete(ctx.store(), &[found.value]).await.map_err(write_error)?;
    no_content()
}

pub async fn delete_many(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (found, any) = matching(ctx).await?;
    if !any {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "connector.email_connector.bulk_deletion_no_filter",
            "At least one filter condition must be provided to perform bulk deletion by properties. Supported properties are: languageTag and templateType.",
        ));
    }
    repo::delete(ctx.store(), &found).await.map_err(write_error)?;
    json(StatusCode::OK, &json!({ "rowCount": found.len() }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};

    use crate::management::testing::TestApp;
    use crate::ports::{MemoryMockMessages, MockMessageKind};

    #[tokio::test]
    async fn crud_and_the_mock_email_connector_prefers_the_tenant_template() {
        let mut t = TestApp::new(true);
        let outlet = Arc::new(MemoryMockMessages::default());
        t.app.mock_messages = Some(outlet.clone());
        let en = json!({ "languageTag": "en", "templateType": "Generic", "details": { "subject": "Test template", "content": "Test value: {{code}}", "contentType": "text/html" } });
        let de = json!({ "languageTag": "de", "templateType": "Generic", "details": { "subject": "Test template", "content": "Test value: {{code}}", "contentType": "text/html" } });
        let created = t.call("PUT", "/api/email-templates", json!({ "templates": [en, de] })).await;
        TestApp::ok(&created, 200);
        assert_eq!(created.json.as_array().unwrap().len(), 2);
        let id = created.json[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(created.json[0]["tenantId"], "default");
        assert_eq!(t.call("GET", &format!("/api/email-templates/{id}"), Value::Null).await.json, created.json[0]);
        let patched =
            t.call("PATCH", &format!("/api/email-templates/{id}/details"), json!({ "replyTo": "logto test" })).await;
        TestApp::ok(&patched, 200);
        assert_eq!(patched.json["details"]["replyTo"], "logto test");
        assert_eq!(patched.json["details"]["subject"], "Test template");
        TestApp::ok(
            &t.call("PATCH", &format!("/api/email-templates/{id}/details"), json!({ "replyTo": null })).await,
            400,
        );
        assert_eq!(
            t.call("GET", "/api/email-templates/nope", Value::Null).await.error(),
            (404, "entity.not_exists_with_id")
        );
        assert_eq!(
            t.call("GET", "/api/email-templates?languageTag=de", Value::Null).await.json.as_array().unwrap().len(),
            1
        );

        let config: Value =
            serde_json::from_str(include_str!("../connectors/assets/mock-email.config-template.json")).unwrap();
        let send = |locale: &'static str| {
            t.call(
                "POST",
                "/api/connectors/mock-email-service/test",
                json!({ "email": "a@b.co", "config": config, "locale": locale }),
            )
        };
        TestApp::ok(&send("de").await, 204);
        let record = outlet.last(MockMessageKind::Email).unwrap();
        assert_eq!(record["template"], de["details"]);
        assert_eq!(record["content"], "Test value: 000000");
        TestApp::ok(&send("fr").await, 204);
        // No `fr` template: the fallback language's (en, patched above).
        assert_eq!(outlet.last(MockMessageKind::Email).unwrap()["template"], patched.json["details"]);

        assert_eq!(
            t.call("DELETE", "/api/email-templates", Value::Null).await.error(),
            (422, "connector.email_connector.bulk_deletion_no_filter")
        );
        let deleted = t.call("DELETE", "/api/email-templates?languageTag=en&templateType=Generic", Value::Null).await;
        assert_eq!(deleted.json, json!({ "rowCount": 1 }));
        TestApp::ok(&send("br").await, 204);
        assert_eq!(outlet.last(MockMessageKind::Email).unwrap()["template"]["subject"], "Logto Generic Template");
        let de_id = t.call("GET", "/api/email-templates", Value::Null).await.json[0]["id"].as_str().unwrap().to_owned();
        TestApp::ok(&t.call("DELETE", &format!("/api/email-templates/{de_id}"), Value::Null).await, 204);
        assert_eq!(t.call("DELETE", &format!("/api/email-templates/{de_id}"), Value::Null).await.error().0, 404);
        assert_eq!(
            t.call("PUT", "/api/email-templates", json!({ "templates": [] })).await.error(),
            (400, "guard.invalid_input")
        );
    }
}
