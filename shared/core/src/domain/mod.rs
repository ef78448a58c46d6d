//! What two groups share: the entities and their repositories over [`crate::store::Store`].
//!
//! Every multi-key write goes through one `Store::commit`; uniqueness (resource indicator,
//! scope name per resource, role name, relations) is claimed with `IfAbsent` keys in that same
//! commit, so a failed check writes nothing. Keys are built in [`crate::store::keys`].
//!
//! For the token endpoint (`client_credentials`): [`application::find`] (client, hashed
//! secrets and M2M role ids in one read), [`application::ApplicationRecord::verify_secret`],
//! [`resource::find_by_indicator`] (one read) and [`role_scope::names_for_application`] (one
//! prefix listing per assigned role).

pub mod access_token;
pub mod application;
pub mod resource;
pub mod role;
pub mod role_application;
pub mod role_scope;
pub mod scope;
pub mod signing_keys;
mod table;

pub use table::{Versioned, Window};

/// Logto's OSS tenant id, echoed as `tenantId` in every entity.
pub const TENANT_ID: &str = "default";

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use crate::ports::FixedClock;
    use crate::store::memory::MemoryStore;

    pub fn store() -> MemoryStore {
        MemoryStore::new(Arc::new(FixedClock::new(1_700_000_000_000)))
    }
}
