//! First-start seeding, called by every host before serving (idempotent and race-safe: every
//! write is an `IfAbsent` claim, so concurrent cold starts agree on one outcome).
//!
//! - Logto's seed for the default tenant: the Management API resource (`management-api`,
//!   `https://default.logto.app/api`) with its scope `all` (`management-api-all`), and the M2M
//!   role "Logto Management API access" granting it.
//! - An admin M2M application: with the credentials the host was given
//!   (`EDGEID_BOOTSTRAP_CLIENT_ID`/`EDGEID_BOOTSTRAP_CLIENT_SECRET`), or, on the first start of
//!   an empty store, a fresh one whose credentials are returned once for the host to print.

use crate::App;
use crate::config::MANAGEMENT_API_INDICATOR;
use crate::domain::application::{
    self, ApplicationRecord, ApplicationType, SecretCheck, StoredSecret, WriteError, secret,
};
use crate::domain::resource::{self, ResourceRecord};
use crate::domain::role::{self, RoleRecord, RoleType};
use crate::domain::scope::{self, Scope};
use crate::domain::{Versioned, role_application};
use crate::error::Internal;
use crate::store::{Condition, PutOptions, WriteOp, keys};

pub const MANAGEMENT_API_RESOURCE_ID: &str = "management-api";
pub const MANAGEMENT_API_NAME: &str = "Logto Management API";
pub const MANAGEMENT_API_SCOPE_ID: &str = "management-api-all";
pub const MANAGEMENT_API_SCOPE: &str = "all";
pub const MANAGEMENT_API_SCOPE_DESCRIPTION: &str = "Default scope for Management API, allows all permissions.";
/// Logto generates this role's id; a fixed one makes concurrent seeding agree.
pub const ADMIN_ROLE_ID: &str = "management-api-access";
pub const ADMIN_ROLE_NAME: &str = "Logto Management API access";
/// Logto's built-in SPA for previewing the sign-in experience.
pub const DEMO_APP_ID: &str = "demo-app";
/// Logto's built-in SPA the Account Center (`/account`) signs in with.
pub const ACCOUNT_CENTER_APP_ID: &str = "account-center";
pub const ADMIN_ROLE_DESCRIPTION: &str = "This default role grants access to the Logto management API.";
/// Logto's internal admin role (`defaultManagementApi.role`): what `isAdmin` on an M2M
/// application toggles. Never listed by the Management API.
pub const INTERNAL_ADMIN_ROLE_ID: &str = "admin-role";
pub const INTERNAL_ADMIN_ROLE_NAME: &str = "#internal:admin";
pub const INTERNAL_ADMIN_ROLE_DESCRIPTION: &str = "Internal admin role for Logto tenant default.";

const ADMIN_APP_NAME: &str = "edgeid admin";
const BOOTSTRAP_SECRET_NAME: &str = "Bootstrap secret";
const RETRIES: usize = 5;

/// An M2M application's client credentials. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("client_id", &self.client_id).field("client_secret", &"<redacted>").finish()
    }
}

/// Why bootstrapping failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootstrapError {
    /// `EDGEID_BOOTSTRAP_CLIENT_ID` names an application that is not MachineToMachine.
    NotMachineToMachine(String),
    /// Concurrent writers kept changing the same records.
    Contended,
    Internal(Internal),
}

impl std::fmt::Display for BootstrapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotMachineToMachine(id) => {
                write!(f, "bootstrap client id {id} names an application that is not MachineToMachine")
            }
            Self::Contended => f.write_str("bootstrap writes kept conflicting; retry"),
            Self::Internal(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for BootstrapError {}

impl From<Internal> for BootstrapError {
    fn from(e: Internal) -> Self {
        Self::Internal(e)
    }
}

impl From<crate::store::StoreError> for BootstrapError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// Seed, then ensure the admin app. Returns credentials only when it created a fresh admin
/// app on the first start of an empty store (print them once). Once a store is bootstrapped
/// this costs one read (plus one for the given client), so hosts may run it per cold start.
pub async fn run(app: &App, given: Option<&Credentials>) -> Result<Option<Credentials>, BootstrapError> {
    let store = app.store.as_ref();
    let bootstrapped = store.get(&keys::bootstrap_marker()).await?.is_some();
    if !bootstrapped {
        seed(app).await?;
    }
    match given {
        Some(credentials) => {
            ensure_admin_app(app, credentials).await?;
            if !bootstrapped {
                mark(app).await?;
            }
            Ok(None)
        }
        None if bootstrapped => Ok(None),
        None => first_start_admin_app(app).await,
    }
}

fn marker_op(app: &App) -> WriteOp {
    WriteOp::Put {
        key: keys::bootstrap_marker(),
        value: app.clock.now_ms().to_string().into_bytes(),
        options: PutOptions { expires_at: None, condition: Condition::IfAbsent },
    }
}

/// Record that this store is bootstrapped (a concurrent start may have done it first).
async fn mark(app: &App) -> Result<(), BootstrapError> {
    match app.store.commit(vec![marker_op(app)]).await {
        Ok(()) | Err(crate::store::StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Logto's Management API resource, its `all` scope and the admin M2M role.
pub async fn seed(app: &App) -> Result<(), BootstrapError> {
    let store = app.store.as_ref();
    let now = app.clock.now_ms();
    let api = ResourceRecord::new(
        MANAGEMENT_API_RESOURCE_ID.to_owned(),
        MANAGEMENT_API_NAME.to_owned(),
        MANAGEMENT_API_INDICATOR.to_owned(),
        resource::DEFAULT_ACCESS_TOKEN_TTL,
        0,
    );
    if resource::find(store, MANAGEMENT_API_RESOURCE_ID).await?.is_none() {
        already_there(resource::insert(store, &api).await)?;
    }
    let all = Scope::new(
        MANAGEMENT_API_SCOPE_ID.to_owned(),
        MANAGEMENT_API_RESOURCE_ID.to_owned(),
        MANAGEMENT_API_SCOPE.to_owned(),
        Some(MANAGEMENT_API_SCOPE_DESCRIPTION.to_owned()),
        now,
    );
    let all = match scope::find(store, MANAGEMENT_API_SCOPE_ID).await? {
        Some(existing) => existing.value,
        None => {
            already_there(scope::insert(store, &all).await)?;
            all
        }
    };
    if role::find(store, ADMIN_ROLE_ID).await?.is_none() {
        let admin = RoleRecord::new(
            ADMIN_ROLE_ID.to_owned(),
            ADMIN_ROLE_NAME.to_owned(),
            ADMIN_ROLE_DESCRIPTION.to_owned(),
            RoleType::MachineToMachine,
            0,
        );
        already_there(role::insert(store, &admin, std::slice::from_ref(&all)).await)?;
    }
    ensure_internal_admin_role(app, &all).await?;
    seed_demo_app(app).await?;
    seed_account_center_app(app).await
}

/// Logto's built-in SPA `demo-app` ("Live Preview"), redirect and post-logout URI
/// `<endpoint>/demo-app`. Logto builds it in code and never lists it among the tenant's
/// applications; here it is a stored record without a list entry or count, so
/// `GET /api/applications` and `Total-Number` stay as in Logto while `/oidc/auth` finds it.
pub async fn seed_demo_app(app: &App) -> Result<(), BootstrapError> {
    seed_built_in_spa(app, DEMO_APP_ID, "Live Preview", "Preview for Sign-in Experience.", "/demo-app", false).await
}

/// Logto's built-in SPA `account-center` (`buildAccountCenterClientMetadata`): the client the
/// `/account` page signs in with, redirect and post-logout URI `<endpoint>/account`, first
/// party, always issued a refresh token. Stored like `demo-app` (never listed).
pub async fn seed_account_center_app(app: &App) -> Result<(), BootstrapError> {
    seed_built_in_spa(app, ACCOUNT_CENTER_APP_ID, "Account Center", "Account Center for users.", "/account", true).await
}

async fn seed_built_in_spa(
    app: &App,
    id: &str,
    name: &str,
    description: &str,
    path: &str,
    always_issue_refresh_token: bool,
) -> Result<(), BootstrapError> {
    let mut record = ApplicationRecord::new(id.to_owned(), name.to_owned(), ApplicationType::Spa, 0);
    record.app.description = Some(description.to_owned());
    let uri = format!("{}{path}", app.config.endpoint);
    record.app.oidc_client_metadata.redirect_uris = vec![uri.clone()];
    record.app.oidc_client_metadata.post_logout_redirect_uris = vec![uri];
    if always_issue_refresh_token {
        record.app.custom_client_metadata.always_issue_refresh_token = Some(true);
    }
    let value = serde_json::to_vec(&record).map_err(|e| Internal::Bug(format!("{id}: {e}")))?;
    match app.store.put(&keys::application(id), value, PutOptions::IF_ABSENT).await {
        Ok(_) | Err(crate::store::StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Logto's `#internal:admin` role granting the Management API's `all` scope (idempotent;
/// stores bootstrapped before it existed get it on the first `isAdmin: true`).
pub async fn ensure_internal_admin_role(app: &App, all: &Scope) -> Result<(), BootstrapError> {
    let store = app.store.as_ref();
    if role::find(store, INTERNAL_ADMIN_ROLE_ID).await?.is_none() {
        let internal = RoleRecord::new(
            INTERNAL_ADMIN_ROLE_ID.to_owned(),
            INTERNAL_ADMIN_ROLE_NAME.to_owned(),
            INTERNAL_ADMIN_ROLE_DESCRIPTION.to_owned(),
            RoleType::MachineToMachine,
            0,
        );
        already_there(role::insert(store, &internal, std::slice::from_ref(all)).await)?;
    }
    Ok(())
}

/// A conflict while seeding means another start wrote the same record first.
fn already_there(result: Result<(), WriteError>) -> Result<(), BootstrapError> {
    match result {
        Ok(()) | Err(WriteError::Stale | WriteError::Taken(_)) => Ok(()),
        Err(WriteError::Internal(e)) => Err(e.into()),
    }
}

/// A new admin M2M application holding the admin role (what `edgeid` CLI calls). The secret
/// is returned once and stored hashed.
pub async fn create_admin_app(app: &App, name: &str) -> Result<Credentials, BootstrapError> {
    seed(app).await?;
    let (record, credentials) = admin_record(app, application::new_id(app.rng.as_ref()), None, name);
    match application::insert(app.store.as_ref(), &record).await {
        Ok(()) => Ok(credentials),
        Err(WriteError::Internal(e)) => Err(e.into()),
        Err(_) => Err(BootstrapError::Contended),
    }
}

fn admin_record(app: &App, id: String, plaintext: Option<&str>, name: &str) -> (ApplicationRecord, Credentials) {
    let now = app.clock.now_ms();
    let secret = plaintext.map_or_else(|| secret::generate(app.rng.as_ref()), str::to_owned);
    let mut record = ApplicationRecord::new(id.clone(), name.to_owned(), ApplicationType::MachineToMachine, now);
    record.app.description = Some("Management API access for edgeid administration.".to_owned());
    record.secrets.push(StoredSecret::new(secret::DEFAULT_SECRET_NAME.to_owned(), &secret, now, None));
    record.role_ids.push(ADMIN_ROLE_ID.to_owned());
    (record, Credentials { client_id: id, client_secret: secret })
}

/// Make sure `credentials` authenticate an M2M app that holds the admin role.
async fn ensure_admin_app(app: &App, credentials: &Credentials) -> Result<(), BootstrapError> {
    let store = app.store.as_ref();
    for _ in 0..RETRIES {
        let Some(current) = application::find(store, &credentials.client_id).await? else {
            let (record, _) =
                admin_record(app, credentials.client_id.clone(), Some(&credentials.client_secret), ADMIN_APP_NAME);
            match application::insert(store, &record).await {
                Ok(()) => return Ok(()),
                Err(WriteError::Internal(e)) => return Err(e.into()),
                Err(_) => continue,
            }
        };
        if current.value.app.app_type != ApplicationType::MachineToMachine {
            return Err(BootstrapError::NotMachineToMachine(credentials.client_id.clone()));
        }
        match refresh(app, &current, credentials).await {
            Ok(()) => return Ok(()),
            Err(WriteError::Internal(e)) => return Err(e.into()),
            Err(_) => continue,
        }
    }
    Err(BootstrapError::Contended)
}

/// Add the given secret (as "Bootstrap secret") unless it already works, and the admin role
/// unless the app holds it; one commit.
async fn refresh(
    app: &App,
    current: &Versioned<ApplicationRecord>,
    credentials: &Credentials,
) -> Result<(), WriteError> {
    let now = app.clock.now_ms();
    let secret_ok = current.value.verify_secret(&credentials.client_secret, now) == SecretCheck::Valid;
    let has_role = current.value.role_ids.iter().any(|r| r == ADMIN_ROLE_ID);
    if secret_ok && has_role {
        return Ok(());
    }
    // Write the secret and the role with the version that was read: one commit.
    let mut next = current.clone();
    if !secret_ok {
        next.value.secrets.retain(|s| s.name != BOOTSTRAP_SECRET_NAME);
        next.value.secrets.push(StoredSecret::new(
            BOOTSTRAP_SECRET_NAME.to_owned(),
            &credentials.client_secret,
            now,
            None,
        ));
    }
    let add = if has_role { Vec::new() } else { vec![ADMIN_ROLE_ID.to_owned()] };
    role_application::replace_for_application(app.store.as_ref(), &next, &add, &[]).await
}

/// On the very first start of a store without applications, create an admin app. The claim
/// of the bootstrap marker is in the same commit, so exactly one start ever does it.
async fn first_start_admin_app(app: &App) -> Result<Option<Credentials>, BootstrapError> {
    let store = app.store.as_ref();
    if application::count(store).await? > 0 {
        // A store in use before bootstrapping existed: just mark it.
        mark(app).await?;
        return Ok(None);
    }
    let (record, credentials) = admin_record(app, application::new_id(app.rng.as_ref()), None, ADMIN_APP_NAME);
    match application::insert_with(store, &record, vec![marker_op(app)]).await {
        Ok(()) => Ok(Some(credentials)),
        // Another start won the marker.
        Err(WriteError::Taken(_) | WriteError::Stale) => Ok(None),
        Err(WriteError::Internal(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests;
