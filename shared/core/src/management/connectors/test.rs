//! `POST /api/connectors/:factoryId/test` (Logto's `config-testing.ts`): send a `Generic`
//! message with code `000000` through a factory with an unsaved config.

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::super::{Ctx, errors, no_content};
use crate::Response;
use crate::connectors::{self, Message, TemplateType, factory};
use crate::domain::connector::ConnectorType;
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
struct Body {
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
    config: Map<String, Value>,
    #[serde(default)]
    locale: Option<String>,
}

/// `@logto/core-kit`'s `phoneRegEx` (`^\d+$`).
fn is_phone(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `@logto/core-kit`'s `emailRegEx` (`^\S+@\S+\.\S+$`).
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let no_space = |p: &str| !p.is_empty() && !p.chars().any(char::is_whitespace);
    let Some((name, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    no_space(local) && no_space(name) && no_space(tld)
}

pub async fn send(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let factory_id = ctx.param("factoryId");
    let body: Body = ctx.body()?;
    if body.phone.as_deref().is_some_and(|p| !is_phone(p)) {
        return Err(errors::invalid_field("phone", "invalid_string", "Invalid"));
    }
    if body.email.as_deref().is_some_and(|e| !is_email(e)) {
        return Err(errors::invalid_field("email", "invalid_string", "Invalid"));
    }
    let Some(to) = body.phone.clone().or_else(|| body.email.clone()) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "guard.invalid_input", "The request input is invalid."));
    };
    let expect = if body.phone.is_some() { ConnectorType::Sms } else { ConnectorType::Email };
    let Some(factory) = factory::find(ctx.app, &factory_id).filter(|f| f.connector_type.is_passwordless()) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "connector.not_found",
            format!("Cannot find any available connector for type: {}.", expect.as_str()),
        )
        .with_data(json!({ "type": expect, "factoryId": factory_id })));
    };
    if factory.connector_type != expect {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "connector.unexpected_type",
            "The connector's type is unexpected.",
        ));
    }
    let mut message = Message::code(&to, TemplateType::Generic, "000000");
    if let Some(locale) = body.locale.filter(|l| !l.is_empty()) {
        message.payload.insert("locale".into(), Value::String(locale));
    }
    connectors::send_test(ctx.app, factory, &body.config, &message).await.map_err(|e| e.to_api_error())?;
    no_content()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_emails_are_checked_like_core_kit() {
        assert!(is_phone("8612345678901") && !is_phone("+86") && !is_phone(""));
        assert!(is_email("test@example.com") && is_email("a@b.c"));
        for bad in ["a@b", "@b.c", "a b@c.d", "a@.c", "a@b.", "abc"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
