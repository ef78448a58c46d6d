//! The user as the Management API returns it (`userProfileResponseGuard` /
//! `adminUserProfileResponseGuard`): no `tenantId`, no password hash unless asked for.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Identity, UserRecord};
use crate::domain::password::Algorithm;
use crate::ports::Millis;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse<'a> {
    pub id: &'a str,
    pub username: Option<&'a str>,
    pub primary_email: Option<&'a str>,
    pub primary_phone: Option<&'a str>,
    pub name: Option<&'a str>,
    pub avatar: Option<&'a str>,
    pub custom_data: &'a Map<String, Value>,
    pub identities: &'a BTreeMap<String, Identity>,
    pub last_sign_in_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub profile: &'a Map<String, Value>,
    pub application_id: Option<&'a str>,
    pub cimd_client_id: Option<&'a str>,
    pub is_suspended: bool,
    pub has_password: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_identities: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_digest: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_algorithm: Option<Option<Algorithm>>,
}

impl<'a> UserResponse<'a> {
    /// `include_password_hash`: Logto's `includePasswordHash=true` (digest and algorithm, both
    /// `null` for a user without password).
    pub fn new(user: &'a UserRecord, include_password_hash: bool) -> Self {
        Self {
            id: &user.id,
            username: user.username.as_deref(),
            primary_email: user.primary_email.as_deref(),
            primary_phone: user.primary_phone.as_deref(),
            name: user.name.as_deref(),
            avatar: user.avatar.as_deref(),
            custom_data: &user.custom_data,
            identities: &user.identities,
            last_sign_in_at: user.last_sign_in_at,
            created_at: user.created_at,
            updated_at: user.updated_at,
            profile: &user.profile,
            application_id: user.application_id.as_deref(),
            cimd_client_id: None,
            is_suspended: user.is_suspended,
            has_password: user.has_password(),
            sso_identities: None,
            password_digest: include_password_hash.then_some(user.password_digest.as_deref()),
            password_algorithm: include_password_hash.then_some(user.password_algorithm),
        }
    }

    /// With `ssoIdentities` (`includeSsoIdentities=true`; edgeid has no enterprise SSO, so none).
    pub fn with_sso_identities(mut self) -> Self {
        self.sso_identities = Some(Vec::new());
        self
    }
}
