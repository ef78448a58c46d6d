//! Logto's anonymous `GET /api/.well-known/sign-in-exp` (and its newer alias
//! `/api/.well-known/experience`): the full sign-in experience a sign-in page renders from
//! (`packages/core/src/routes/well-known/index.ts`, `getFullSignInExperience`): the tenant's
//! settings minus the private ones, plus the social connectors it shows, which forgot-password
//! methods work (a method needs its connector) and the development-tenant flag.

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::domain::connector::{self, ConnectorRecord, ConnectorType};
use crate::domain::sign_in_experience::{self, ForgotPasswordMethod, SignInExperience};
use crate::error::ApiError;
use crate::{App, Request, Response, connectors};

const PATHS: &[&str] = &["/api/.well-known/sign-in-exp", "/api/.well-known/experience"];

/// The response when `req` asks for the full sign-in experience; `None` for any other request.
pub async fn serve(app: &App, req: &Request) -> Option<Result<Response, ApiError>> {
    if req.method() != Method::GET || !PATHS.contains(&req.uri().path()) {
        return None;
    }
    Some(full_sign_in_experience(app).await.map(|body| crate::http::json_response(StatusCode::OK, &body)))
}

async fn full_sign_in_experience(app: &App) -> Result<Value, ApiError> {
    let sie = sign_in_experience::find(app).await?;
    let configured = connector::list(app.store.as_ref()).await?;
    Ok(render(app, &sie, &configured))
}

/// Logto's `FullSignInExperience`. Organization and per-app overrides, SSO connectors, captcha
/// and custom profile fields are not part of edgeid yet, so they take their empty values.
fn render(app: &App, sie: &SignInExperience, configured: &[ConnectorRecord]) -> Value {
    let Value::Object(mut body) = serde_json::to_value(sie).unwrap_or_default() else {
        return Value::Null;
    };
    // Private settings Logto strips before answering anonymously.
    body.remove("emailBlocklistPolicy");
    body.remove("forgotPasswordMethods");
    body.remove("trustedDevice");
    body.insert("socialConnectors".to_owned(), Value::Array(social_connectors(app, sie, configured)));
    body.insert("ssoConnectors".to_owned(), json!([]));
    body.insert("forgotPassword".to_owned(), forgot_password(sie, configured));
    body.insert("isDevelopmentTenant".to_owned(), Value::Bool(false));
    body.insert("customProfileFields".to_owned(), json!([]));
    body.insert("customProfileFieldCatalog".to_owned(), json!([]));
    Value::Object(body)
}

/// `getForgotPasswordAvailability`: a method is offered when its connector exists and (unless
/// the setting is null, Logto's legacy "all") it is listed.
fn forgot_password(sie: &SignInExperience, configured: &[ConnectorRecord]) -> Value {
    let has = |t: ConnectorType| configured.iter().any(|c| c.connector_type == t);
    let listed = |m: ForgotPasswordMethod| sie.forgot_password_methods.as_ref().is_none_or(|ms| ms.contains(&m));
    json!({
        "email": has(ConnectorType::Email) && listed(ForgotPasswordMethod::EmailVerificationCode),
        "phone": has(ConnectorType::Sms) && listed(ForgotPasswordMethod::PhoneVerificationCode),
    })
}

/// The social connectors of the experience's targets, in target order: the factory's metadata
/// (with the instance's overrides) and the instance id, as Logto's `{...metadata, id}`.
fn social_connectors(app: &App, sie: &SignInExperience, configured: &[ConnectorRecord]) -> Vec<Value> {
    let mut out = Vec::new();
    for target in &sie.social_sign_in_connector_targets {
        for record in configured.iter().filter(|c| c.social_key.as_ref().is_some_and(|(t, _)| t == target)) {
            let Some(factory) = connectors::factory::find(app, &record.connector_id) else { continue };
            let Ok(Value::Object(mut metadata)) = serde_json::to_value((factory.metadata)()) else { continue };
            // The page shows name and logo; the readme and config template are admin material.
            metadata.remove("readme");
            metadata.remove("configTemplate");
            metadata.remove("formItems");
            overlay(&mut metadata, &record.metadata);
            metadata.insert("id".to_owned(), Value::String(record.id.clone()));
            out.push(Value::Object(metadata));
        }
    }
    out
}

fn overlay(metadata: &mut Map<String, Value>, overrides: &Map<String, Value>) {
    for (key, value) in overrides {
        if !value.is_null() {
            metadata.insert(key.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::management::testing::{TestApp, request};

    async fn anonymous_get(t: &TestApp, path: &str) -> crate::management::testing::Reply {
        t.send(request("GET", path, "")).await
    }

    #[tokio::test]
    async fn anyone_reads_the_default_experience_without_its_private_settings() {
        let t = TestApp::seeded().await;
        for path in PATHS {
            let reply = anonymous_get(&t, path).await;
            TestApp::ok(&reply, 200);
            let body = &reply.json;
            assert_eq!(body["signInMode"], "SignInAndRegister");
            assert_eq!(body["signIn"]["methods"][0]["identifier"], "username");
            assert_eq!(body["signUp"]["identifiers"], json!(["username"]));
            assert_eq!(body["forgotPassword"], json!({ "email": false, "phone": false }));
            assert_eq!(body["socialConnectors"], json!([]));
            assert_eq!(body["ssoConnectors"], json!([]));
            assert_eq!(body["isDevelopmentTenant"], false);
            assert!(body.get("emailBlocklistPolicy").is_none() && body.get("forgotPasswordMethods").is_none());
        }
        // Other well-known paths and methods are still the authenticated API's.
        TestApp::ok(&t.send(request("POST", PATHS[0], "{}")).await, 401);
        TestApp::ok(&anonymous_get(&t, "/api/.well-known/other").await, 401);
    }

    #[tokio::test]
    async fn forgot_password_by_email_needs_an_email_connector_and_the_method() {
        let t = TestApp::seeded().await;
        let store = t.app.store.as_ref();
        let email = ConnectorRecord::new("c1".into(), "mock-email-service".into(), ConnectorType::Email, 1);
        connector::insert(store, &email).await.unwrap();
        // Logto's default lists no method.
        assert_eq!(anonymous_get(&t, PATHS[0]).await.json["forgotPassword"]["email"], false);

        let mut sie = SignInExperience::logto_default();
        sie.forgot_password_methods = Some(vec![ForgotPasswordMethod::EmailVerificationCode]);
        sign_in_experience::update(store, None, &sie).await.unwrap();
        let body = anonymous_get(&t, PATHS[0]).await.json;
        assert_eq!(body["forgotPassword"], json!({ "email": true, "phone": false }));

        // null: every method that has a connector.
        let current = sign_in_experience::find_versioned(store).await.unwrap();
        sie.forgot_password_methods = None;
        sign_in_experience::update(store, current.as_ref(), &sie).await.unwrap();
        assert_eq!(anonymous_get(&t, PATHS[0]).await.json["forgotPassword"], json!({ "email": true, "phone": false }));
    }
}
