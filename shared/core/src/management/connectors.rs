//! `/api/connectors` (Logto's `routes/connector/index.ts`): configured connector instances.
//!
//! Rules as Logto's: an unknown factory is 422 `connector.not_found_with_connector_id`; the
//! config must pass the factory's guard (400 `connector.invalid_config`); a new Email or Sms
//! connector replaces the old one of its type (one commit); social connectors are unique by
//! (target, platform) and non-standard factories have one instance; only social connectors
//! sync profiles.

pub mod authorization_uri;
pub mod test;

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Ctx, WRITE_RETRIES, json, no_content, validate};
use crate::Response;
use crate::connectors::factory::{self, Factory};
use crate::connectors::invalid_config;
use crate::domain::Versioned;
use crate::domain::connector::{self as repo, ConnectorRecord, ConnectorType, WriteError};
use crate::domain::sign_in_experience::{self as sie, SignInExperience};
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    connector_id: String,
    #[serde(default)]
    config: Option<Map<String, Value>>,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
    #[serde(default)]
    sync_profile: Option<bool>,
    #[serde(default)]
    enable_token_storage: Option<bool>,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default)]
    config: Option<Map<String, Value>>,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
    #[serde(default)]
    sync_profile: Option<bool>,
    #[serde(default)]
    enable_token_storage: Option<bool>,
}

fn bad_request(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

fn unprocessable(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// 404 `entity.not_found` (Logto's `getLogtoConnectorById`).
fn not_found(id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "entity.not_found", "The entity does not exist.")
        .with_data(json!({ "id": id }))
}

/// 400 `request.feature_not_supported` would need Logto's secret vault; edgeid has none yet.
fn token_storage_unavailable() -> ApiError {
    unprocessable("request.feature_not_supported", "This feature is not supported in the current environment.")
}

/// Logto's metadata merge: standard connectors may override `target`, `name`, `logo`, `logoDark`.
fn effective_metadata(factory: &Factory, record: &ConnectorRecord) -> Map<String, Value> {
    let meta = (factory.metadata)();
    let standard = meta.is_standard == Some(true);
    let mut out = match serde_json::to_value(meta) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if standard {
        for key in ["target", "name", "logo", "logoDark"] {
            if let Some(v) = record.metadata.get(key) {
                out.insert(key.to_owned(), v.clone());
            }
        }
    }
    out
}

fn target_of(factory: &Factory, record: &ConnectorRecord) -> String {
    let meta = (factory.metadata)();
    match record.metadata.get("target").and_then(Value::as_str) {
        Some(t) if meta.is_standard == Some(true) && !t.is_empty() => t.to_owned(),
        _ => meta.target.to_owned(),
    }
}

/// Logto's `transpileLogtoConnector`: `{type, ...metadata, id, connectorId, syncProfile,
/// metadata, enableTokenStorage, isDemo, extraInfo, config}`.
pub(crate) fn render(factory: &Factory, record: &ConnectorRecord) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!(factory.connector_type));
    out.extend(effective_metadata(factory, record));
    out.insert("id".into(), json!(record.id));
    out.insert("connectorId".into(), json!(record.connector_id));
    out.insert("syncProfile".into(), json!(record.sync_profile));
    out.insert("metadata".into(), Value::Object(record.metadata.clone()));
    out.insert("enableTokenStorage".into(), json!(record.enable_token_storage));
    out.insert("isDemo".into(), json!(false));
    out.insert("extraInfo".into(), json!({}));
    out.insert("config".into(), Value::Object(record.config.clone()));
    Value::Object(out)
}

/// The stored connectors this host can run, with their factories (Logto skips rows whose
/// package is not installed, e.g. mock connectors outside test mode).
pub(crate) async fn loaded(ctx: &Ctx<'_>) -> Result<Vec<(&'static Factory, ConnectorRecord)>, ApiError> {
    let records = repo::list(ctx.store()).await?;
    Ok(records.into_iter().filter_map(|r| factory::find(ctx.app, &r.connector_id).map(|f| (f, r))).collect())
}

/// `clean-deep` with its defaults: drop empty strings, nulls, empty arrays and empty objects,
/// recursively (Logto stores configs and metadata this way).
pub(crate) fn clean_deep(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter().filter_map(|(k, v)| clean_value(v).map(|v| (k.clone(), v))).collect()
}

fn clean_value(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) => {
            let items: Vec<Value> = items.iter().filter_map(clean_value).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(map) => {
            let map = clean_deep(map);
            (!map.is_empty()).then_some(Value::Object(map))
        }
        other => Some(other.clone()),
    }
}

fn check_config(factory: &Factory, config: &Map<String, Value>) -> Result<(), ApiError> {
    (factory.validate)(&Value::Object(config.clone())).map_err(|issues| invalid_config(&issues))
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let target = ctx.query.first("target");
    let items: Vec<Value> = loaded(ctx)
        .await?
        .iter()
        .filter(|(f, r)| target.is_none_or(|t| target_of(f, r) == t))
        .map(|(f, r)| render(f, r))
        .collect();
    json(StatusCode::OK, &items)
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let (factory, current) = find(ctx, &id).await?;
    json(StatusCode::OK, &render(factory, &current.value))
}

async fn find(ctx: &Ctx<'_>, id: &str) -> Result<(&'static Factory, Versioned<ConnectorRecord>), ApiError> {
    let current = repo::find(ctx.store(), id).await?.ok_or_else(|| not_found(id))?;
    let factory = factory::find(ctx.app, &current.value.connector_id).ok_or_else(|| not_found(id))?;
    Ok((factory, current))
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: CreateBody = ctx.body()?;
    validate::length("connectorId", &body.connector_id, Some(128))?;
    if let Some(id) = &body.id {
        validate::length("id", id, Some(128))?;
    }
    let Some(factory) = factory::find(ctx.app, &body.connector_id) else {
        return Err(unprocessable(
            "connector.not_found_with_connector_id",
            "Can not find connector with given standard connector id.",
        ));
    };
    let meta = (factory.metadata)();
    let standard = meta.is_standard == Some(true);
    let mut social_key = None;
    if factory.connector_type == ConnectorType::Social {
        let target =
            body.metadata.as_ref().and_then(|m| m.get("target")).and_then(Value::as_str).filter(|t| !t.is_empty());
        if standard && target.is_none() {
            return Err(bad_request("connector.should_specify_target", "You should specify 'target'."));
        }
        if !standard && body.metadata.is_some() {
            return Err(bad_request(
                "connector.cannot_overwrite_metadata_for_non_standard_connector",
                "This connector's 'metadata' cannot be overwritten.",
            ));
        }
        let existing = loaded(ctx).await?;
        if !standard && existing.iter().any(|(_, r)| r.connector_id == meta.id) {
            return Err(unprocessable(
                "connector.multiple_instances_not_supported",
                "Can not create multiple instance with picked standard connector.",
            ));
        }
        let target = target.unwrap_or(meta.target).to_owned();
        let platform = meta.platform.map_or("", |p| p.as_str()).to_owned();
        if let Some((f, r)) = existing.iter().find(|(f, r)| {
            f.connector_type == ConnectorType::Social
                && target_of(f, r) == target
                && (f.metadata)().platform.map_or("", |p| p.as_str()) == platform
        }) {
            return Err(duplicate_target(f, r));
        }
        social_key = Some((target, platform));
    }
    if let Some(config) = &body.config {
        check_config(factory, config)?;
    }
    if body.enable_token_storage == Some(true) {
        return Err(token_storage_unavailable());
    }
    let id = body.id.clone().unwrap_or_else(|| crate::domain::application::new_id(ctx.app.rng.as_ref()));
    let mut record = ConnectorRecord::new(id, meta.id.to_owned(), factory.connector_type, ctx.now());
    record.config = body.config.as_ref().map(clean_deep).unwrap_or_default();
    record.metadata = body.metadata.as_ref().map(clean_deep).unwrap_or_default();
    record.sync_profile = body.sync_profile.unwrap_or(false);
    record.enable_token_storage = false;
    record.social_key = social_key;
    for _ in 0..WRITE_RETRIES {
        match repo::insert(ctx.store(), &record).await {
            Ok(()) => return json(StatusCode::OK, &render(factory, &record)),
            // Another Email/Sms connector landed in between: replace that one instead.
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(super::applications::busy())
}

fn duplicate_target(factory: &Factory, record: &ConnectorRecord) -> ApiError {
    let meta = effective_metadata(factory, record);
    unprocessable(
        "connector.multiple_target_with_same_platform",
        "You can not have multiple social connectors that have same target and platform.",
    )
    .with_data(json!({ "connectorId": meta.get("id"), "connectorName": meta.get("name") }))
}

fn write_error(e: WriteError) -> ApiError {
    match e {
        WriteError::IdTaken => unprocessable("entity.unique_integrity_violation", "The entity already exists."),
        WriteError::TargetTaken => {
            // Lost a race with a connector of the same (target, platform): report it like the check.
            unprocessable(
                "connector.multiple_target_with_same_platform",
                "You can not have multiple social connectors that have same target and platform.",
            )
        }
        WriteError::Conflict => super::applications::busy(),
        WriteError::Internal(e) => e.into(),
    }
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let body: PatchBody = ctx.body()?;
    for _ in 0..WRITE_RETRIES {
        let (factory, current) = find(ctx, &id).await?;
        let meta = (factory.metadata)();
        let standard = meta.is_standard == Some(true);
        if let Some(metadata) = &body.metadata {
            if standard
                && metadata.get("target").and_then(Value::as_str) != Some(target_of(factory, &current.value).as_str())
            {
                return Err(bad_request(
                    "connector.can_not_modify_target",
                    "The connector 'target' can not be modified.",
                ));
            }
            if !standard {
                return Err(bad_request(
                    "connector.cannot_overwrite_metadata_for_non_standard_connector",
                    "This connector's 'metadata' cannot be overwritten.",
                ));
            }
        }
        if body.sync_profile == Some(true) && factory.connector_type != ConnectorType::Social {
            return Err(unprocessable(
                "connector.invalid_type_for_syncing_profile",
                "You can only sync user profile with social connectors.",
            ));
        }
        if body.enable_token_storage == Some(true) {
            return Err(token_storage_unavailable());
        }
        if let Some(config) = &body.config {
            check_config(factory, config)?;
        }
        let mut next = current.value.clone();
        if let Some(config) = &body.config {
            next.config = clean_deep(config);
        }
        if let Some(metadata) = &body.metadata {
            next.metadata = clean_deep(metadata);
        }
        if let Some(sync) = body.sync_profile {
            next.sync_profile = sync;
        }
        if let Some(enable) = body.enable_token_storage {
            next.enable_token_storage = enable;
        }
        match repo::update(ctx.store(), &current, &next).await {
            Ok(()) => return json(StatusCode::OK, &render(factory, &next)),
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(super::applications::busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    for _ in 0..WRITE_RETRIES {
        let current = repo::find(ctx.store(), &id).await?.ok_or_else(|| not_found(&id))?;
        let record = &current.value;
        if record.connector_type.is_passwordless() {
            let experience = sie::find(ctx.app).await?;
            if experience.password_expiration.get("enabled") == Some(&Value::Bool(true)) {
                let remaining: Vec<ConnectorType> =
                    loaded(ctx).await?.into_iter().filter(|(_, r)| r.id != id).map(|(f, _)| f.connector_type).collect();
                let (email, sms) = forgot_password_availability(&remaining, &experience);
                if !email && !sms {
                    return Err(unprocessable(
                        "sign_in_experiences.password_expiration_requires_forgot_password",
                        "Password expiration requires at least one forgot password method with a valid connector.",
                    ));
                }
            }
        }
        match repo::delete(ctx.store(), &current).await {
            Ok(()) => {
                if record.connector_type == ConnectorType::Social {
                    remove_unavailable_social_targets(ctx).await?;
                }
                return no_content();
            }
            Err(WriteError::Conflict) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(super::applications::busy())
}

/// Logto's `getForgotPasswordAvailability`: (email, phone) reset possible with these connectors.
pub(crate) fn forgot_password_availability(
    connectors: &[ConnectorType],
    experience: &SignInExperience,
) -> (bool, bool) {
    use crate::domain::sign_in_experience::ForgotPasswordMethod as M;
    let has_email = connectors.contains(&ConnectorType::Email);
    let has_sms = connectors.contains(&ConnectorType::Sms);
    match &experience.forgot_password_methods {
        None => (has_email, has_sms),
        Some(methods) => (
            has_email && methods.contains(&M::EmailVerificationCode),
            has_sms && methods.contains(&M::PhoneVerificationCode),
        ),
    }
}

/// Logto's `removeUnavailableSocialConnectorTargets`: drop targets no social connector serves.
async fn remove_unavailable_social_targets(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    for _ in 0..WRITE_RETRIES {
        let Some(current) = sie::find_versioned(ctx.store()).await? else {
            return Ok(());
        };
        let available: Vec<String> = loaded(ctx)
            .await?
            .iter()
            .filter(|(f, _)| f.connector_type == ConnectorType::Social)
            .map(|(f, r)| target_of(f, r))
            .collect();
        let mut next = current.value.clone();
        next.social_sign_in_connector_targets.retain(|t| available.contains(t));
        if next == current.value {
            return Ok(());
        }
        match sie::update(ctx.store(), Some(&current), &next).await {
            Ok(()) => return Ok(()),
            Err(sie::WriteError::Conflict) => continue,
            Err(sie::WriteError::Internal(e)) => return Err(e.into()),
        }
    }
    Err(super::applications::busy())
}

#[cfg(test)]
mod tests;
