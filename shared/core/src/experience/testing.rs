//! Test fixtures shared by the Experience API's route tests.

use serde_json::json;

use crate::App;
use crate::domain::cookies;
use crate::domain::interaction::{self, AuthorizationParams, Interaction, LEGACY, Prompt, PromptName};

/// What a browser holds after `/oidc/auth` for the SPA client `spa`: the interaction's uid and
/// the signed `_interaction` cookie pairs (`name=value; name.sig=…`) that bind requests to it.
pub(crate) struct StartedInteraction {
    pub cookie: String,
    pub uid: String,
}

pub(crate) async fn start_interaction(app: &App) -> StartedInteraction {
    let params = AuthorizationParams {
        client_id: "spa".into(),
        redirect_uri: "http://localhost:3000/callback".into(),
        response_type: "code".into(),
        response_mode: "query".into(),
        scope: "openid".into(),
        ..Default::default()
    };
    let interaction = Interaction::new(
        app,
        params,
        Prompt { name: PromptName::Login, reasons: vec!["no_session".into()], details: Default::default() },
        None,
    );
    interaction::insert(app, &interaction).await.unwrap();
    let keys = cookies::keys(app).await.unwrap();
    let map = json!({ "spa": interaction.uid, LEGACY: interaction.uid }).to_string();
    let set = cookies::signed(interaction::COOKIE, &map, &keys, cookies::Lifetime::Session, false).unwrap();
    let pairs: Vec<&str> = set.iter().map(|v| v.to_str().unwrap().split(';').next().unwrap()).collect();
    StartedInteraction { cookie: pairs.join("; "), uid: interaction.uid }
}
