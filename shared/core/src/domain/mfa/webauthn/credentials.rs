//! The user's WebAuthn credentials: Logto's `MfaVerificationWebAuthn` entries of
//! `user.mfaVerifications` (`{id, type: "WebAuthn", credentialId, publicKey, counter, agent,
//! transports?, rpId?, name?, createdAt, lastUsedAt?}`), typed as [`WebAuthnFactor`].

use super::{CredentialDescriptor, Transport};
use crate::App;
use crate::domain::mfa::{self, ChangeError, MfaVerification, WebAuthnFactor};
use crate::domain::user::UserRecord;
use crate::error::Internal;

/// What a ceremony needs of a stored credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: String,
    pub credential_id: String,
    pub public_key: String,
    pub counter: u32,
    pub transports: Option<Vec<Transport>>,
}

impl From<&WebAuthnFactor> for Credential {
    fn from(f: &WebAuthnFactor) -> Self {
        Self {
            id: f.id.clone(),
            credential_id: f.credential_id.clone(),
            public_key: f.public_key.clone(),
            counter: f.counter,
            transports: f.transports.clone(),
        }
    }
}

pub fn list(user: &UserRecord) -> Vec<Credential> {
    user.webauthn_credentials().map(Credential::from).collect()
}

pub fn find(user: &UserRecord, credential_id: &str) -> Option<Credential> {
    user.webauthn_credentials().find(|c| c.credential_id == credential_id).map(Credential::from)
}

/// `excludeCredentials` / `allowCredentials`: every credential of the user.
pub fn descriptors(user: &UserRecord) -> Vec<CredentialDescriptor> {
    user.webauthn_credentials().map(|c| CredentialDescriptor::new(&c.credential_id, c.transports.as_deref())).collect()
}

/// After a successful assertion: the new signature counter, `lastUsedAt`, and `rpId` when the
/// entry has none yet (Logto fills it in the same way). Retried on concurrent user writes; the
/// counter never moves backwards.
pub async fn record_use(
    app: &App,
    user_id: &str,
    credential_id: &str,
    counter: u32,
    rp_id: &str,
) -> Result<(), Internal> {
    let outcome = mfa::change(app, user_id, |user, now| {
        let Some(entry) = user.mfa_verifications.iter_mut().find_map(|v| match v {
            MfaVerification::WebAuthn(w) if w.credential_id == credential_id => Some(w),
            _ => None,
        }) else {
            return Err(());
        };
        entry.counter = entry.counter.max(counter);
        entry.last_used_at = Some(mfa::iso8601(now));
        entry.rp_id.get_or_insert_with(|| rp_id.to_owned());
        Ok(())
    })
    .await;
    match outcome {
        Ok(_) | Err(ChangeError::UserNotFound | ChangeError::Refused(())) => Ok(()),
        Err(ChangeError::Internal(e)) => Err(e),
    }
}
