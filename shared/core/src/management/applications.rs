//! `/api/applications` (Logto's `routes/applications/application.ts`).

pub mod custom_data;
pub mod redirect_uri;
pub mod roles;
pub mod secrets;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::pagination::{Optional, Paging};
use super::validate::{self, nullable};
use super::{Ctx, WRITE_RETRIES, errors, json, no_content};
use crate::Response;
use crate::bootstrap::{INTERNAL_ADMIN_ROLE_ID, MANAGEMENT_API_SCOPE_ID};
use crate::domain::Versioned;
use crate::domain::application::{
    self as repo, Application, ApplicationRecord, ApplicationType, CustomClientMetadata, OidcClientMetadata,
    StoredSecret, WriteError, secret,
};
use crate::error::ApiError;
use crate::store::{Condition, PutOptions, WriteOp, keys};

/// Logto's table name in `entity.not_exists_with_id`.
pub(crate) const TABLE: &str = "applications";

/// `oidcClientMetadata` in a body: both URI lists are required, as in Logto's guard.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OidcMetadataBody {
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    backchannel_logout_uri: Option<String>,
    #[serde(default)]
    backchannel_logout_session_required: Option<bool>,
    #[serde(default)]
    logo_uri: Option<String>,
}

impl From<OidcMetadataBody> for OidcClientMetadata {
    fn from(b: OidcMetadataBody) -> Self {
        Self {
            redirect_uris: b.redirect_uris,
            post_logout_redirect_uris: b.post_logout_redirect_uris,
            backchannel_logout_uri: b.backchannel_logout_uri,
            backchannel_logout_session_required: b.backchannel_logout_session_required,
            logo_uri: b.logo_uri,
        }
    }
}

/// `POST /api/applications` body (`applicationCreateGuard`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(rename = "type")]
    app_type: ApplicationType,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    oidc_client_metadata: Option<OidcMetadataBody>,
    #[serde(default)]
    custom_client_metadata: Option<CustomClientMetadata>,
    #[serde(default)]
    protected_app_metadata: Option<Value>,
    #[serde(default)]
    custom_data: Option<Map<String, Value>>,
    #[serde(default)]
    is_third_party: Option<bool>,
}

/// `PATCH /api/applications/:id` body (`applicationPatchGuard`; `type` and `isThirdParty`
/// cannot change and are ignored like every unknown key).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
    #[serde(default)]
    oidc_client_metadata: Option<OidcMetadataBody>,
    #[serde(default)]
    custom_client_metadata: Option<CustomClientMetadata>,
    #[serde(default, deserialize_with = "nullable")]
    protected_app_metadata: Option<Option<Value>>,
    #[serde(default)]
    custom_data: Option<Map<String, Value>>,
    #[serde(default)]
    app_level_access_control_enabled: Option<bool>,
    #[serde(default)]
    is_admin: Option<bool>,
}

/// The create response: the application, plus the plaintext of its `Default secret` — the
/// only time it is shown, since secrets are stored hashed (Logto's optional `secret` field).
#[derive(Serialize)]
struct Created<'a> {
    #[serde(flatten)]
    app: &'a Application,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

/// `GET /api/applications/:id` adds `isAdmin` (Logto's legacy internal admin role).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WithIsAdmin<'a> {
    #[serde(flatten)]
    app: &'a Application,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'static str>,
    is_admin: bool,
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let paging = Paging::parse(&ctx.query, Optional::Yes)?;
    let mut types = Vec::new();
    for raw in ctx.query.all("types") {
        let t = ApplicationType::parse(raw).ok_or_else(|| {
            errors::invalid(errors::Part::Query, format!("Error in key path \"types\": (invalid_enum_value) `{raw}`"))
        })?;
        types.push(t);
    }
    let is_third_party = match ctx.query.first("isThirdParty") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(errors::invalid(
                errors::Part::Query,
                format!("Error in key path \"isThirdParty\": (invalid_union) `{other}`"),
            ));
        }
    };
    let exclude_role = ctx.query.first("excludeRoleId");
    if exclude_role.is_some() && ctx.query.first("excludeOrganizationId").is_some() {
        return Err(errors::request_invalid(
            "Parameter `excludeRoleId` and `excludeOrganizationId` cannot be used at the same time.",
        ));
    }
    let search = super::search::Search::parse(&ctx.query, &["id", "name", "description"])?;
    let filtered = !types.is_empty() || is_third_party.is_some() || exclude_role.is_some() || !search.is_empty();
    let store = ctx.store();
    if !filtered {
        let records = repo::list(store, paging.window()).await?;
        let total = match paging {
            Paging::All => 0,
            Paging::Page { .. } => repo::count(store).await?,
        };
        let apps: Vec<&Application> = records.iter().map(|r| &r.app).collect();
        return Ok(ctx.list_response(paging, &apps, total));
    }
    // Filtered lists are admin views over a handful of apps: filter the ordered list in memory.
    let records: Vec<ApplicationRecord> = repo::list(store, None)
        .await?
        .into_iter()
        .filter(|r| types.is_empty() || types.contains(&r.app.app_type))
        .filter(|r| is_third_party.is_none_or(|t| r.app.is_third_party == t))
        .filter(|r| exclude_role.is_none_or(|role| !r.role_ids.iter().any(|id| id == role)))
        .filter(|r| {
            search.matches(|field| match field {
                "id" => Some(r.app.id.as_str()),
                "name" => Some(r.app.name.as_str()),
                "description" => r.app.description.as_deref(),
                _ => None,
            })
        })
        .collect();
    let total = records.len() as u64;
    let page = paging.slice(records);
    let apps: Vec<&Application> = page.iter().map(|r| &r.app).collect();
    Ok(ctx.list_response(paging, &apps, total))
}

fn check_oidc_metadata(meta: &OidcClientMetadata) -> Result<(), ApiError> {
    for (field, uris) in
        [("redirectUris", &meta.redirect_uris), ("postLogoutRedirectUris", &meta.post_logout_redirect_uris)]
    {
        for (i, uri) in uris.iter().enumerate() {
            redirect_uri::check(uri)
                .map_err(|why| errors::invalid_field(&format!("oidcClientMetadata.{field}.{i}"), "custom", why))?;
        }
    }
    if let Some(uri) = &meta.backchannel_logout_uri
        && url::Url::parse(uri).is_err()
    {
        return Err(errors::invalid_field("oidcClientMetadata.backchannelLogoutUri", "invalid_string", "Invalid url"));
    }
    Ok(())
}

fn check_custom_metadata(meta: &CustomClientMetadata) -> Result<(), ApiError> {
    let path = |k: &str| format!("customClientMetadata.{k}");
    if let Some(origins) = &meta.cors_allowed_origins {
        for (i, origin) in origins.iter().enumerate() {
            validate::length(&path(&format!("corsAllowedOrigins.{i}")), origin, None)?;
        }
    }
    if let Some(days) = meta.refresh_token_ttl_in_days
        && !(1..=180).contains(&days)
    {
        return Err(errors::invalid_field(
            &path("refreshTokenTtlInDays"),
            "too_big",
            "Number must be between 1 and 180",
        ));
    }
    if let Some(grants) = meta.max_allowed_grants
        && grants < 1
    {
        return Err(errors::invalid_field(&path("maxAllowedGrants"), "too_small", "Number must be greater than 0"));
    }
    Ok(())
}

fn third_party_token_exchange(is_third_party: bool, meta: Option<&CustomClientMetadata>) -> Result<(), ApiError> {
    if is_third_party && meta.and_then(|m| m.allow_token_exchange) == Some(true) {
        return Err(errors::third_party_cannot_enable_token_exchange());
    }
    Ok(())
}

pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let body: CreateBody = ctx.body()?;
    validate::length("name", &body.name, Some(256))?;
    if body.app_type == ApplicationType::Saml {
        return Err(errors::use_saml_app_api());
    }
    if body.app_type != ApplicationType::Native
        && body.custom_client_metadata.as_ref().and_then(|m| m.is_device_flow) == Some(true)
    {
        return Err(errors::device_flow_native_only());
    }
    if body.app_type == ApplicationType::Protected {
        // Protected apps need Logto Cloud's edge proxy, which has no counterpart here.
        return Err(if body.protected_app_metadata.is_none() {
            errors::protected_app_metadata_is_required()
        } else {
            errors::protected_app_not_configured()
        });
    }
    let is_third_party = body.is_third_party.unwrap_or(false);
    if is_third_party {
        if !matches!(body.app_type, ApplicationType::Traditional | ApplicationType::Spa | ApplicationType::Native) {
            return Err(errors::invalid_third_party_application_type());
        }
        third_party_token_exchange(true, body.custom_client_metadata.as_ref())?;
    }
    let oidc_client_metadata: OidcClientMetadata = body.oidc_client_metadata.map(Into::into).unwrap_or_default();
    check_oidc_metadata(&oidc_client_metadata)?;
    if let Some(meta) = &body.custom_client_metadata {
        check_custom_metadata(meta)?;
    }

    let now = ctx.now();
    let mut record = ApplicationRecord::new(repo::new_id(ctx.app.rng.as_ref()), body.name, body.app_type, now);
    record.app.description = body.description;
    record.app.oidc_client_metadata = oidc_client_metadata;
    record.app.custom_client_metadata = body.custom_client_metadata.unwrap_or_default();
    record.app.custom_data = body.custom_data.unwrap_or_default();
    record.app.is_third_party = is_third_party;
    let plaintext = record.app.app_type.has_secrets().then(|| secret::generate(ctx.app.rng.as_ref()));
    if let Some(plaintext) = &plaintext {
        record.secrets.push(StoredSecret::new(secret::DEFAULT_SECRET_NAME.to_owned(), plaintext, now, None));
    }
    repo::insert(ctx.store(), &record).await.map_err(write_error)?;
    json(StatusCode::OK, &Created { app: &record.app, secret: plaintext })
}

pub async fn get(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    if let Some(app) = built_in(&id) {
        return json(StatusCode::OK, &WithIsAdmin { app: &app, secret: Some("N/A"), is_admin: false });
    }
    let record = find(ctx, &id).await?;
    let is_admin = record.value.role_ids.iter().any(|r| r == INTERNAL_ADMIN_ROLE_ID);
    json(StatusCode::OK, &WithIsAdmin { app: &record.value.app, secret: None, is_admin })
}

pub async fn update(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    let body: PatchBody = ctx.body()?;
    if let Some(name) = &body.name {
        validate::length("name", name, Some(256))?;
    }
    let oidc_client_metadata: Option<OidcClientMetadata> = body.oidc_client_metadata.map(Into::into);
    if let Some(meta) = &oidc_client_metadata {
        check_oidc_metadata(meta)?;
    }
    if let Some(meta) = &body.custom_client_metadata {
        check_custom_metadata(meta)?;
    }
    if body.is_admin == Some(true) {
        ensure_internal_admin_role(ctx).await?;
    }
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        let app = &current.value.app;
        if app.app_type == ApplicationType::Saml {
            return Err(errors::use_saml_app_api());
        }
        if body.app_level_access_control_enabled == Some(true) {
            // Logto requires at least one access-control rule; edgeid has no rule store yet.
            return Err(errors::request_invalid("Application-level access control requires at least one rule."));
        }
        third_party_token_exchange(app.is_third_party, body.custom_client_metadata.as_ref())?;
        if let Some(meta) = &body.custom_client_metadata
            && meta.is_device_flow.unwrap_or(false) != app.custom_client_metadata.is_device_flow.unwrap_or(false)
        {
            return Err(errors::device_flow_not_changeable());
        }
        if let Some(Some(_)) = &body.protected_app_metadata {
            return Err(if app.app_type == ApplicationType::Protected {
                errors::protected_app_not_configured()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "application.protected_application_only",
                    "The feature is only available for protected applications.",
                )
            });
        }
        let mut next = current.value.clone();
        if let Some(name) = &body.name {
            next.app.name = name.clone();
        }
        if let Some(description) = &body.description {
            next.app.description = description.clone();
        }
        // JSONB columns are replaced wholesale, as in Logto.
        if let Some(meta) = &oidc_client_metadata {
            next.app.oidc_client_metadata = meta.clone();
        }
        if let Some(meta) = &body.custom_client_metadata {
            next.app.custom_client_metadata = meta.clone();
        }
        if let Some(data) = &body.custom_data {
            next.app.custom_data = data.clone();
        }
        if let Some(enabled) = body.app_level_access_control_enabled {
            next.app.app_level_access_control_enabled = enabled;
        }
        // Logto's deprecated `isAdmin` toggle: hold (or drop) the internal admin role.
        let mut relation = Vec::new();
        let was_admin = next.role_ids.iter().any(|r| r == INTERNAL_ADMIN_ROLE_ID);
        let relation_key = keys::role_application(INTERNAL_ADMIN_ROLE_ID, &id);
        match body.is_admin {
            Some(true) if !was_admin => {
                next.role_ids.push(INTERNAL_ADMIN_ROLE_ID.to_owned());
                relation.push(WriteOp::Put {
                    key: relation_key,
                    value: Vec::new(),
                    options: PutOptions { expires_at: None, condition: Condition::Always },
                });
            }
            Some(false) if was_admin => {
                next.role_ids.retain(|r| r != INTERNAL_ADMIN_ROLE_ID);
                relation.push(WriteOp::Delete { key: relation_key, condition: Condition::Always });
            }
            _ => {}
        }
        match repo::update(ctx.store(), &current, &next, relation).await {
            Ok(()) => return json(StatusCode::OK, &next.app),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let id = ctx.param("id");
    for _ in 0..WRITE_RETRIES {
        let current = find(ctx, &id).await?;
        if current.value.app.app_type == ApplicationType::Saml {
            return Err(errors::use_saml_app_api());
        }
        match repo::delete(ctx.store(), &current).await {
            Ok(()) => return no_content(),
            Err(WriteError::Stale) => continue,
            Err(e) => return Err(write_error(e)),
        }
    }
    Err(busy())
}

/// Logto's `#internal:admin` role exists (stores seeded before it was added lack it).
async fn ensure_internal_admin_role(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    let all = crate::domain::scope::find(ctx.store(), MANAGEMENT_API_SCOPE_ID).await?.map(|s| s.value);
    // Logto answers 500 `entity.not_exists` when the Management API seed is gone.
    let all = all.ok_or_else(|| {
        ApiError::from(crate::error::Internal::Bug("the Management API `all` scope is missing".into()))
    })?;
    crate::bootstrap::ensure_internal_admin_role(ctx.app, &all).await.map_err(|e| match e {
        crate::bootstrap::BootstrapError::Internal(e) => ApiError::from(e),
        other => ApiError::from(crate::error::Internal::Bug(other.to_string())),
    })
}

/// The application or 404 `entity.not_exists_with_id`.
pub(crate) async fn find(ctx: &Ctx<'_>, id: &str) -> Result<Versioned<ApplicationRecord>, ApiError> {
    repo::find(ctx.store(), id).await?.ok_or_else(|| errors::not_exists_with_id(TABLE, id))
}

/// Logto's built-in SPA clients that have no stored row (`buildBuiltInApplicationDataForTenant`).
fn built_in(id: &str) -> Option<Application> {
    let (name, description) = match id {
        "demo-app" => ("Live Preview", "Preview for Sign-in Experience."),
        "account-center" => ("Account Center", "Account Center for users."),
        _ => return None,
    };
    let mut record = ApplicationRecord::new(id.to_owned(), name.to_owned(), ApplicationType::Spa, 0);
    record.app.description = Some(description.to_owned());
    Some(record.app)
}

/// Write failures that are not the client's fault.
pub(crate) fn write_error(e: WriteError) -> ApiError {
    match e {
        WriteError::Internal(internal) => internal.into(),
        WriteError::Stale => busy(),
        WriteError::Taken(key) => ApiError::from(crate::error::Internal::Bug(format!("unexpected conflict on {key}"))),
    }
}

/// A record kept changing under us for every retry: rare, retryable.
pub(crate) fn busy() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "request.general", "Request error occurred.")
        .with_details("the entity was modified concurrently; retry the request")
}

#[cfg(test)]
mod tests;
