//! The interaction a request belongs to and the experience state stored in it.
//!
//! Logto mounts `koaInteractionDetails` on the whole router (no interaction → 400
//! `session.not_found`) and then restores `ExperienceInteraction` from the interaction's result
//! (not an experience storage → 404 `session.interaction_not_found`). Writes go back with
//! `IfVersion`: of two concurrent requests on one interaction, one wins and the other gets a
//! retryable 409 with nothing written.

use crate::domain::interaction::{self, Interaction};
use crate::error::ApiError;
use crate::store::Version;
use crate::{App, Request};

use super::errors;
use super::storage::Storage;

/// An interaction with its experience state, as read at `version`.
pub struct Session {
    pub interaction: Interaction,
    pub version: Version,
    pub storage: Storage,
}

/// The interaction of this request (signed `_interaction` cookie), or 400 `session.not_found`.
pub async fn interaction(app: &App, req: &Request) -> Result<(Interaction, Version), ApiError> {
    Ok(interaction::from_request(app, req).await?)
}

impl Session {
    /// The interaction and its experience storage; 404 `session.interaction_not_found` when
    /// `PUT /api/experience` has not started one (or what is stored is not a storage).
    pub async fn open(app: &App, req: &Request) -> Result<Self, ApiError> {
        let (interaction, version) = interaction(app, req).await?;
        let storage = interaction
            .experience
            .as_ref()
            .and_then(|value| serde_json::from_value::<Storage>(value.clone()).ok())
            .ok_or_else(errors::interaction_not_found)?;
        Ok(Self { interaction, version, storage })
    }

    /// Write the storage back (`IfVersion`); the session stays usable with the new version.
    pub async fn save(&mut self, app: &App) -> Result<(), ApiError> {
        self.interaction.experience =
            Some(serde_json::to_value(&self.storage).map_err(|e| crate::error::Internal::Bug(e.to_string()))?);
        self.version = interaction::save(app, &self.interaction, self.version).await?;
        Ok(())
    }
}
