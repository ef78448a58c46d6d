//! The account center settings (Logto's `account_centers` row `id = "default"`): whether the
//! Account API (`/api/my-account*`, `/api/verifications*`) answers at all, and per profile field
//! whether the user may read (`ReadOnly`) or change (`Edit`) it. One record, read with one
//! `get`; until the first PATCH, Logto's seed for a user tenant applies: disabled, no fields
//! (a missing field is `Off`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::TENANT_ID;
use super::table::{self, Versioned};
use crate::App;
use crate::error::Internal;
use crate::store::{Store, StoreError, keys};

/// Logto's `AccountCenterControlValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Control {
    #[default]
    Off,
    ReadOnly,
    Edit,
}

impl Control {
    pub fn readable(self) -> bool {
        matches!(self, Control::ReadOnly | Control::Edit)
    }

    pub fn editable(self) -> bool {
        self == Control::Edit
    }
}

/// A field an account-center control applies to (Logto's `AccountCenterFieldControl` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Avatar,
    Profile,
    Email,
    Phone,
    Password,
    Username,
    Social,
    CustomData,
    Mfa,
    Passkey,
    Session,
    TrustedDevice,
}

/// Per-field controls as stored: a field absent from Logto's JSON is `None` (= Off) and stays
/// absent when echoed back, as Logto's `fields: {}` seed. Unknown keys are ignored, so a record
/// written by a newer function (rolling deploys) stays readable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Control>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_device: Option<Control>,
}

impl Fields {
    /// The control of `field` (a missing field is `Off`).
    pub fn get(&self, field: Field) -> Control {
        let slot = match field {
            Field::Name => self.name,
            Field::Avatar => self.avatar,
            Field::Profile => self.profile,
            Field::Email => self.email,
            Field::Phone => self.phone,
            Field::Password => self.password,
            Field::Username => self.username,
            Field::Social => self.social,
            Field::CustomData => self.custom_data,
            Field::Mfa => self.mfa,
            Field::Passkey => self.passkey,
            Field::Session => self.session,
            Field::TrustedDevice => self.trusted_device,
        };
        slot.unwrap_or_default()
    }

    /// Every field set to `control` (tests and the built-in account page's seed).
    pub fn all(control: Control) -> Self {
        let c = Some(control);
        Self {
            name: c,
            avatar: c,
            profile: c,
            email: c,
            phone: c,
            password: c,
            username: c,
            social: c,
            custom_data: c,
            mfa: c,
            passkey: c,
            session: c,
            trusted_device: c,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountCenter {
    pub tenant_id: String,
    pub id: String,
    pub enabled: bool,
    #[serde(default)]
    pub fields: Fields,
    #[serde(default)]
    pub webauthn_related_origins: Vec<String>,
    #[serde(default)]
    pub delete_account_url: Option<String>,
    #[serde(default)]
    pub custom_css: Option<String>,
    /// `[{name}]` or null; kept as Logto's JSON (only the prebuilt UI reads it).
    #[serde(default)]
    pub profile_fields: Option<Value>,
}

impl AccountCenter {
    /// Logto's `createDefaultAccountCenter` for a user tenant.
    pub fn logto_default() -> Self {
        Self {
            tenant_id: TENANT_ID.into(),
            id: "default".into(),
            enabled: false,
            fields: Fields::default(),
            webauthn_related_origins: Vec::new(),
            delete_account_url: None,
            custom_css: None,
            profile_fields: None,
        }
    }

    pub fn control(&self, field: Field) -> Control {
        self.fields.get(field)
    }
}

/// The settings in force (one read).
pub async fn find(app: &App) -> Result<AccountCenter, Internal> {
    Ok(find_versioned(app.store.as_ref()).await?.map(|v| v.value).unwrap_or_else(AccountCenter::logto_default))
}

/// The stored record with its version (`None` until the first PATCH).
pub async fn find_versioned(store: &dyn Store) -> Result<Option<Versioned<AccountCenter>>, Internal> {
    table::read(store, &keys::account_center()).await
}

/// Why a write did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteError {
    /// Someone else wrote in between; re-read and retry.
    Conflict,
    Internal(Internal),
}

impl From<Internal> for WriteError {
    fn from(e: Internal) -> Self {
        WriteError::Internal(e)
    }
}

/// Write `next` over what was read at `current` (`None`: nothing stored yet).
pub async fn update(
    store: &dyn Store,
    current: Option<&Versioned<AccountCenter>>,
    next: &AccountCenter,
) -> Result<(), WriteError> {
    let op = table::put_versioned(keys::account_center(), table::encode(next)?, current.map(|c| c.version));
    match store.commit(vec![op]).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { .. }) => Err(WriteError::Conflict),
        Err(e) => Err(WriteError::Internal(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing;

    #[test]
    fn the_default_is_logtos_seed() {
        let value = serde_json::to_value(AccountCenter::logto_default()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "tenantId": "default", "id": "default", "enabled": false, "fields": {},
                "webauthnRelatedOrigins": [], "deleteAccountUrl": null, "customCss": null,
                "profileFields": null
            })
        );
    }

    #[test]
    fn a_missing_field_is_off() {
        let fields: Fields = serde_json::from_value(serde_json::json!({"name": "Edit", "email": "ReadOnly"})).unwrap();
        assert_eq!(fields.get(Field::Name), Control::Edit);
        assert!(fields.get(Field::Email).readable() && !fields.get(Field::Email).editable());
        assert_eq!(fields.get(Field::Password), Control::Off);
        assert!(!fields.get(Field::Password).readable());
        assert_eq!(serde_json::to_value(&fields).unwrap(), serde_json::json!({"name": "Edit", "email": "ReadOnly"}));
        assert!(serde_json::from_value::<Fields>(serde_json::json!({"name": "Write"})).is_err());
        let newer: Fields = serde_json::from_value(serde_json::json!({"name": "Edit", "later": "Edit"})).unwrap();
        assert_eq!(newer, Fields { name: Some(Control::Edit), ..Fields::default() });
    }

    #[tokio::test]
    async fn writes_are_versioned() {
        let store = testing::store();
        assert_eq!(find_versioned(&store).await.unwrap(), None);
        let mut next = AccountCenter::logto_default();
        next.enabled = true;
        update(&store, None, &next).await.unwrap();
        assert_eq!(update(&store, None, &next).await, Err(WriteError::Conflict));
        let stored = find_versioned(&store).await.unwrap().unwrap();
        assert!(stored.value.enabled);
        next.fields.name = Some(Control::Edit);
        update(&store, Some(&stored), &next).await.unwrap();
        assert_eq!(update(&store, Some(&stored), &next).await, Err(WriteError::Conflict));
    }
}
