//! Users (Logto's `users` table): the record, its repository and its uniqueness indexes.
//!
//! One record per user is the aggregate the sign-in paths need: a single `get` gives the
//! identifiers, the password digest, the suspension flag and the User-type role ids (which
//! decide the `roles` claim and, through [`crate::domain::role_scope::names_for_user`], the
//! scopes of an access token for an API resource).
//!
//! Uniqueness of username, primary email (case-insensitive, as Logto's checks), primary phone
//! and each social identity `(target, userId)` is claimed with `IfAbsent` index keys in the
//! same `Store::commit` as the record, so of two concurrent creates exactly one wins on every
//! backend; an update that changes an identifier releases the old key and claims the new one in
//! its commit. Every write of an existing user is `IfVersion`.

pub mod input;
pub mod logto_config;
pub mod phone;
mod response;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::password::{self, Algorithm};
use super::role::{self, RoleType};
use super::table::{self, Versioned, Window};
use crate::App;
use crate::error::Internal;
use crate::ports::{Millis, Rng};
use crate::store::{Condition, Key, Store, StoreError, WriteOp, keys};

pub use response::UserResponse;

/// A linked social identity (`identities[target]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
}

/// The stored user (Logto's columns, camelCase; reference §7.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRecord {
    pub id: String,
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    /// Never leaves the server except with `includePasswordHash=true`.
    pub password_digest: Option<String>,
    pub password_algorithm: Option<Algorithm>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    #[serde(default)]
    pub profile: Map<String, Value>,
    pub application_id: Option<String>,
    #[serde(default)]
    pub identities: BTreeMap<String, Identity>,
    #[serde(default)]
    pub custom_data: Map<String, Value>,
    #[serde(default)]
    pub logto_config: Map<String, Value>,
    /// Second factors in Logto's shapes ([`crate::domain::mfa`]; backup codes hashed).
    #[serde(default)]
    pub mfa_verifications: Vec<super::mfa::MfaVerification>,
    #[serde(default)]
    pub is_suspended: bool,
    #[serde(default)]
    pub is_password_expired: bool,
    pub last_sign_in_at: Option<Millis>,
    pub password_updated_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Ids of the User-type roles assigned to the user (`users_roles`); the other direction
    /// lives under `keys::role_user`.
    #[serde(default)]
    pub role_ids: Vec<String>,
}

impl UserRecord {
    /// An empty user with Logto's defaults.
    pub fn new(id: String, now: Millis) -> Self {
        Self {
            id,
            username: None,
            primary_email: None,
            primary_phone: None,
            password_digest: None,
            password_algorithm: None,
            name: None,
            avatar: None,
            profile: Map::new(),
            application_id: None,
            identities: BTreeMap::new(),
            custom_data: Map::new(),
            logto_config: Map::new(),
            mfa_verifications: Vec::new(),
            is_suspended: false,
            is_password_expired: false,
            last_sign_in_at: None,
            password_updated_at: None,
            created_at: now,
            updated_at: now,
            role_ids: Vec::new(),
        }
    }

    pub fn has_password(&self) -> bool {
        self.password_digest.is_some()
    }

    /// The stored password, if any.
    pub fn password(&self) -> Option<password::Stored> {
        match (&self.password_digest, self.password_algorithm) {
            (Some(digest), Some(algorithm)) => Some(password::Stored { digest: digest.clone(), algorithm }),
            _ => None,
        }
    }

    /// Set a (hashed) password, as Logto's `buildUserPasswordPayload`.
    pub fn set_password(&mut self, stored: password::Stored, now: Millis) {
        self.password_digest = Some(stored.digest);
        self.password_algorithm = Some(stored.algorithm);
        self.password_updated_at = Some(now);
        self.is_password_expired = false;
    }

    /// The wire shape (`userProfileResponseGuard`, no password hash).
    pub fn response(&self) -> UserResponse<'_> {
        UserResponse::new(self, false)
    }

    /// The unique identifiers this user claims, with the index key of each.
    fn claims(&self) -> Vec<(Identifier, Key)> {
        let mut out = Vec::with_capacity(3 + self.identities.len());
        if let Some(username) = &self.username {
            out.push((Identifier::Username, keys::user_by_username(username)));
        }
        if let Some(email) = &self.primary_email {
            out.push((Identifier::Email, keys::user_by_email(&normalize_email(email))));
        }
        if let Some(phone) = &self.primary_phone {
            out.push((Identifier::Phone, keys::user_by_phone(&phone::normalize(phone))));
        }
        for (target, identity) in &self.identities {
            out.push((Identifier::Identity(target.clone()), keys::user_by_identity(target, &identity.user_id)));
        }
        out
    }

    fn list_entry_key(&self) -> Key {
        keys::user_list_entry(&table::sort_descending(self.created_at), &self.id)
    }

    /// The case-folded username entry (not unique: see [`find_by_username`]).
    fn folded_key(&self) -> Option<Key> {
        self.username.as_ref().map(|u| keys::user_by_folded_username(&u.to_lowercase(), &self.id))
    }
}

/// Logto matches emails with `lower(primary_email) = lower($1)`.
pub fn normalize_email(email: &str) -> String {
    email.to_lowercase()
}

/// A unique identifier of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    Id,
    Username,
    Email,
    Phone,
    /// A social identity of this connector target.
    Identity(String),
}

/// What a write of a user can run into besides infrastructure failures.
#[derive(Debug, Clone, PartialEq)]
pub enum UserError {
    /// Another user holds this identifier (422 `user.<x>_already_in_use`).
    Taken(Identifier),
    /// The record changed (or vanished) since it was read: re-read and try again.
    Stale,
    Internal(Internal),
}

impl From<Internal> for UserError {
    fn from(e: Internal) -> Self {
        UserError::Internal(e)
    }
}

impl From<StoreError> for UserError {
    fn from(e: StoreError) -> Self {
        UserError::Internal(e.into())
    }
}

const COUNTER: &str = "user";

/// Logto's `generateStandardShortId()`: 12 characters of `[0-9a-z]`.
pub fn new_id(rng: &dyn Rng) -> String {
    rng.id(12)
}

/// The password of a new user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewPassword {
    /// Hashed with Argon2id on insert.
    Plain(String),
    /// An imported digest (`passwordDigest` + `passwordAlgorithm`, checked with
    /// [`password::check_import`]).
    Digest(password::Stored),
}

/// What a new user is created with (Management API `POST /api/users`, Experience register).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewUser {
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub password: Option<NewPassword>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub profile: Map<String, Value>,
    pub custom_data: Map<String, Value>,
    pub identities: BTreeMap<String, Identity>,
    /// The application the user registered through (Experience API).
    pub application_id: Option<String>,
}

/// One `get`.
pub async fn find(store: &dyn Store, id: &str) -> Result<Option<Versioned<UserRecord>>, Internal> {
    table::read(store, &keys::user(id)).await
}

async fn find_by_index(store: &dyn Store, index: &Key) -> Result<Option<Versioned<UserRecord>>, Internal> {
    match table::read::<String>(store, index).await? {
        Some(id) => find(store, &id.value).await,
        None => Ok(None),
    }
}

/// By exact username (Logto's default `usernamePolicy.caseSensitive: true`).
pub async fn find_by_username(store: &dyn Store, username: &str) -> Result<Option<Versioned<UserRecord>>, Internal> {
    find_by_index(store, &keys::user_by_username(username)).await
}

/// By username under the sign-in experience's `usernamePolicy.caseSensitive` (Logto's
/// `findUserByUsername(username, caseSensitive)`): an exact match first, then, when the policy
/// is case-insensitive, any user whose username folds to the same lowercase.
pub async fn find_by_username_as(
    store: &dyn Store,
    username: &str,
    case_sensitive: bool,
) -> Result<Option<Versioned<UserRecord>>, Internal> {
    if let Some(user) = find_by_username(store, username).await? {
        return Ok(Some(user));
    }
    if case_sensitive {
        return Ok(None);
    }
    let ids = table::list::<String>(store, &keys::users_by_folded_username(&username.to_lowercase()), None).await?;
    match ids.first() {
        Some(id) => find(store, id).await,
        None => Ok(None),
    }
}

/// Whether the username is taken under the policy by someone other than `except` (Logto's
/// `hasUser(username, caseSensitive, excludeUserId)`). Exact uniqueness is also enforced by the
/// commit; the case-folded check is a read before it (the folded index is not unique, since
/// Logto allows `Alice` and `alice` under its default case-sensitive policy).
pub async fn username_taken(
    store: &dyn Store,
    username: &str,
    case_sensitive: bool,
    except: Option<&str>,
) -> Result<bool, Internal> {
    let others = |id: &str| except != Some(id);
    if case_sensitive {
        return Ok(table::read::<String>(store, &keys::user_by_username(username))
            .await?
            .is_some_and(|v| others(&v.value)));
    }
    let ids = table::list::<String>(store, &keys::users_by_folded_username(&username.to_lowercase()), None).await?;
    Ok(ids.iter().any(|id| others(id)))
}

/// The sign-in experience's `usernamePolicy.caseSensitive` (default `true`, as Logto's).
pub async fn username_case_sensitive(app: &App) -> Result<bool, Internal> {
    let sie = super::sign_in_experience::find(app).await?;
    Ok(sie.username_policy.get("caseSensitive").and_then(serde_json::Value::as_bool).unwrap_or(true))
}

/// By primary email, case-insensitively.
pub async fn find_by_email(store: &dyn Store, email: &str) -> Result<Option<Versioned<UserRecord>>, Internal> {
    find_by_index(store, &keys::user_by_email(&normalize_email(email))).await
}

/// By primary phone (digits; with or without the national trunk `0`, see [`phone::normalize`]).
pub async fn find_by_phone(store: &dyn Store, phone: &str) -> Result<Option<Versioned<UserRecord>>, Internal> {
    find_by_index(store, &keys::user_by_phone(&phone::normalize(phone))).await
}

/// By a linked social identity.
pub async fn find_by_identity(
    store: &dyn Store,
    target: &str,
    user_id: &str,
) -> Result<Option<Versioned<UserRecord>>, Internal> {
    find_by_index(store, &keys::user_by_identity(target, user_id)).await
}

/// Create a user: a fresh 12-char id, the password hashed (or the import stored), Logto's
/// default User roles assigned, every identifier claimed in the same commit.
pub async fn insert(app: &App, new: NewUser) -> Result<UserRecord, UserError> {
    let store = app.store.as_ref();
    let now = app.clock.now_ms();
    let mut record = UserRecord::new(new_id(app.rng.as_ref()), now);
    record.username = new.username;
    record.primary_email = new.primary_email;
    // Stored as Logto stores it (national trunk `0` dropped), so lookups and the wire agree.
    record.primary_phone = new.primary_phone.map(|p| phone::normalize(&p));
    record.name = new.name;
    record.avatar = new.avatar;
    record.profile = new.profile;
    record.custom_data = new.custom_data;
    record.identities = new.identities;
    record.application_id = new.application_id;
    match new.password {
        Some(NewPassword::Plain(plain)) => record.set_password(password::hash(app.rng.as_ref(), &plain)?, now),
        Some(NewPassword::Digest(stored)) => record.set_password(stored, now),
        None => {}
    }
    // Logto assigns the tenant's default User roles to every new user (`findDefaultRoles`).
    record.role_ids = role::list(store, Some(RoleType::User), None)
        .await?
        .into_iter()
        .filter(|r| r.role.is_default && !r.role.is_internal())
        .map(|r| r.role.id)
        .collect();
    insert_record(store, &record).await?;
    Ok(record)
}

/// Write a prepared record (its id must be new); see [`insert`].
pub async fn insert_record(store: &dyn Store, record: &UserRecord) -> Result<(), UserError> {
    let key = keys::user(&record.id);
    let bytes = table::encode(record)?;
    let id = table::encode(&record.id)?;
    let claims = record.claims();
    let mut ops = vec![
        table::put(key.clone(), bytes.clone(), Condition::IfAbsent),
        table::put(record.list_entry_key(), bytes, Condition::Always),
    ];
    for (_, index) in &claims {
        ops.push(table::put(index.clone(), id.clone(), Condition::IfAbsent));
    }
    if let Some(folded) = record.folded_key() {
        ops.push(table::put(folded, id.clone(), Condition::Always));
    }
    for role_id in &record.role_ids {
        ops.push(table::put(keys::role_user(role_id, &record.id), Vec::new(), Condition::Always));
    }
    table::commit_counted(store, ops, &[(keys::counter(COUNTER), 1)]).await.map_err(|e| conflict(e, &key, &claims))
}

fn conflict(e: StoreError, record_key: &Key, claims: &[(Identifier, Key)]) -> UserError {
    match e {
        StoreError::Conflict { key } if &key == record_key => UserError::Stale,
        StoreError::Conflict { key } => match claims.iter().find(|(_, k)| *k == key) {
            Some((identifier, _)) => UserError::Taken(identifier.clone()),
            None => UserError::Stale,
        },
        other => UserError::Internal(other.into()),
    }
}

/// The ops that replace `current` by `next`: the record (`IfVersion`), its list copy, released
/// and newly claimed identifier keys, and role relation changes.
pub(crate) fn update_ops(current: &Versioned<UserRecord>, next: &UserRecord) -> Result<Vec<WriteOp>, Internal> {
    let bytes = table::encode(next)?;
    let id = table::encode(&next.id)?;
    let mut ops = vec![
        table::put(keys::user(&next.id), bytes.clone(), Condition::IfVersion(current.version)),
        table::put(next.list_entry_key(), bytes, Condition::Always),
    ];
    let (old, new) = (current.value.claims(), next.claims());
    for (_, key) in old.iter().filter(|(_, k)| !new.iter().any(|(_, n)| n == k)) {
        ops.push(table::delete(key.clone()));
    }
    for (_, key) in new.iter().filter(|(_, k)| !old.iter().any(|(_, o)| o == k)) {
        ops.push(table::put(key.clone(), id.clone(), Condition::IfAbsent));
    }
    let (old_folded, new_folded) = (current.value.folded_key(), next.folded_key());
    if old_folded != new_folded {
        if let Some(key) = old_folded {
            ops.push(table::delete(key));
        }
        if let Some(key) = new_folded {
            ops.push(table::put(key, id.clone(), Condition::Always));
        }
    }
    for role_id in current.value.role_ids.iter().filter(|r| !next.role_ids.contains(r)) {
        ops.push(table::delete(keys::role_user(role_id, &next.id)));
    }
    for role_id in next.role_ids.iter().filter(|r| !current.value.role_ids.contains(r)) {
        ops.push(table::put(keys::role_user(role_id, &next.id), Vec::new(), Condition::Always));
    }
    Ok(ops)
}

/// Write `next` over the record read as `current` (one commit; `updated_at` is the caller's).
pub async fn update(store: &dyn Store, current: &Versioned<UserRecord>, next: &UserRecord) -> Result<(), UserError> {
    let ops = update_ops(current, next)?;
    store.commit(ops).await.map_err(|e| conflict(e, &keys::user(&next.id), &next.claims()))
}

/// Delete the user with its identifier keys, list copy and role relations (one commit). The
/// caller revokes what the user holds elsewhere first: see [`sign_out`].
pub async fn delete(store: &dyn Store, current: &Versioned<UserRecord>) -> Result<(), UserError> {
    let record = &current.value;
    let key = keys::user(&record.id);
    let mut ops = vec![
        WriteOp::Delete { key: key.clone(), condition: Condition::IfVersion(current.version) },
        table::delete(record.list_entry_key()),
    ];
    for (_, index) in record.claims() {
        ops.push(table::delete(index));
    }
    if let Some(folded) = record.folded_key() {
        ops.push(table::delete(folded));
    }
    for role_id in &record.role_ids {
        ops.push(table::delete(keys::role_user(role_id, &record.id)));
    }
    table::commit_counted(store, ops, &[(keys::counter(COUNTER), -1)]).await.map_err(|e| match e {
        StoreError::Conflict { .. } => UserError::Stale,
        other => UserError::Internal(other.into()),
    })
}

/// Revoke what the user holds beyond the record: sessions, grants and the tokens issued from
/// them (Logto's `signOutUser`). Called when a user is suspended or deleted.
///
/// Hook for the session/grant stores: each adds its "everything of this account" revocation
/// here, so suspension and deletion cannot forget one. Sessions: every OP session of the user
/// ends, with the grants it holds. Grants: every grant of the account and every token issued
/// from it, session-bound or not (`grant::revoke_all_for_account`; JWTs go on the deny list).
pub async fn sign_out(app: &App, user_id: &str) -> Result<(), Internal> {
    super::session::end_all_for_account(app, user_id).await?;
    super::grant::revoke_all_for_account(app, user_id).await
}

/// Whether `password` is the user's, as Logto's `verifyUserPassword` decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    Valid,
    /// Wrong password or no password (422 `session.invalid_credentials`).
    Invalid,
}

/// Check the user's password. On success with a legacy or weaker digest the password is
/// re-hashed with Argon2id and stored (best effort: if the record changed meanwhile, the next
/// sign-in upgrades it). A user without password costs a decoy verification.
pub async fn verify_password(app: &App, user: &Versioned<UserRecord>, plain: &str) -> Result<PasswordCheck, Internal> {
    let stored = user.value.password();
    match password::verify(stored.as_ref(), plain) {
        password::Check::Invalid => Ok(PasswordCheck::Invalid),
        password::Check::Valid => Ok(PasswordCheck::Valid),
        password::Check::Upgrade => {
            let now = app.clock.now_ms();
            let mut next = user.value.clone();
            let fresh = password::hash(app.rng.as_ref(), plain)?;
            next.password_digest = Some(fresh.digest);
            next.password_algorithm = Some(fresh.algorithm);
            next.updated_at = now;
            match update(app.store.as_ref(), user, &next).await {
                Ok(()) | Err(UserError::Stale | UserError::Taken(_)) => Ok(PasswordCheck::Valid),
                Err(UserError::Internal(e)) => Err(e),
            }
        }
    }
}

/// Set `lastSignInAt` (successful Experience submit, sign-in and register), retrying on races.
pub async fn record_sign_in(app: &App, user_id: &str) -> Result<(), Internal> {
    let store = app.store.as_ref();
    for _ in 0..5 {
        let Some(current) = find(store, user_id).await? else {
            return Ok(());
        };
        let now = app.clock.now_ms();
        let mut next = current.value.clone();
        next.last_sign_in_at = Some(now);
        next.updated_at = now;
        match update(store, &current, &next).await {
            Ok(()) => return Ok(()),
            Err(UserError::Stale | UserError::Taken(_)) => continue,
            Err(UserError::Internal(e)) => return Err(e),
        }
    }
    Err(Internal::Store(StoreError::Unavailable("user record kept changing".into())))
}

/// Users newest first: a window, or all of them.
pub async fn list(store: &dyn Store, window: Option<Window>) -> Result<Vec<UserRecord>, Internal> {
    table::list(store, &keys::user_list(), window).await
}

pub async fn count(store: &dyn Store) -> Result<u64, Internal> {
    table::count(store, &keys::counter(COUNTER)).await
}

#[cfg(test)]
mod tests;
