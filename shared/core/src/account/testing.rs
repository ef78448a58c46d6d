//! Fixtures for Account API unit tests (other streams' account tests use them too): an app
//! with the account center on, a user, and opaque access tokens for them.

// Fixtures shared with the other streams' account tests; not every one is used by every build.
#![allow(dead_code)]

use serde_json::Value;

use crate::App;
use crate::domain::access_token::opaque::{self, OPAQUE_TTL_SECS, OpaqueAccessToken};
use crate::domain::account_center::{self, AccountCenter, Control, Fields};
use crate::domain::application::{self, ApplicationRecord, ApplicationType};
use crate::domain::user::{self, NewPassword, NewUser, UserRecord};
use crate::testing::{self, TestApp};

/// Every scope the Account API reads.
pub const ALL_SCOPES: &str =
    "openid offline_access profile email phone address custom_data identities urn:logto:scope:sessions";
pub const PASSWORD: &str = "correct horse battery staple 1";
/// A first-party SPA and a third-party app.
pub const SPA: &str = "spa";
pub const THIRD_PARTY: &str = "third-party";

pub struct World {
    pub app: TestApp,
    pub user: UserRecord,
    /// An opaque token of the user for [`SPA`] with [`ALL_SCOPES`].
    pub token: String,
}

/// The account center on with every field `Edit`, a user `alice` with a password and an
/// email, and a token.
pub async fn world() -> World {
    let app = testing::app();
    for (id, third_party) in [(SPA, false), (THIRD_PARTY, true)] {
        let mut record = ApplicationRecord::new(id.into(), id.into(), ApplicationType::Spa, testing::T0);
        record.app.is_third_party = third_party;
        application::insert(app.store.as_ref(), &record).await.unwrap();
    }
    set_fields(&app, Fields::all(Control::Edit)).await;
    let user = user::insert(
        &app,
        NewUser {
            username: Some("alice".into()),
            primary_email: Some("alice@example.com".into()),
            password: Some(NewPassword::Plain(PASSWORD.into())),
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    let token = token_for(&app, &user.id, SPA, ALL_SCOPES).await;
    World { app, user, token }
}

/// Turn the account center on with these fields.
pub async fn set_fields(app: &App, fields: Fields) {
    let current = account_center::find_versioned(app.store.as_ref()).await.unwrap();
    let next = AccountCenter { enabled: true, fields, ..AccountCenter::logto_default() };
    account_center::update(app.store.as_ref(), current.as_ref(), &next).await.unwrap();
}

/// A stored opaque access token (the grant itself is not needed by the Account API).
pub async fn token_for(app: &App, user_id: &str, client_id: &str, scope: &str) -> String {
    let now = app.clock.now_secs();
    let token = OpaqueAccessToken {
        account_id: user_id.into(),
        client_id: client_id.into(),
        grant_id: format!("grant-{}", app.rng.id(8)),
        scope: scope.into(),
        iat: now,
        exp: now + OPAQUE_TTL_SECS,
        gty: "authorization_code".into(),
        sid: None,
    };
    let (value, ops) = opaque::prepare(app, &token).unwrap();
    app.store.commit(ops).await.unwrap();
    value
}

/// A request to the Account API with a bearer token, optional verification id and JSON body.
pub fn request(
    method: &str,
    path: &str,
    token: &str,
    verification: Option<&str>,
    body: Option<Value>,
) -> crate::Request {
    let mut builder =
        ::http::Request::builder().method(method).uri(path).header("authorization", format!("Bearer {token}"));
    if let Some(id) = verification {
        builder = builder.header("logto-verification-id", id);
    }
    let bytes = match body {
        Some(body) => {
            builder = builder.header("content-type", "application/json");
            bytes::Bytes::from(serde_json::to_vec(&body).unwrap())
        }
        None => bytes::Bytes::new(),
    };
    builder.body(bytes).unwrap()
}

/// Call and return status and JSON body (`Null` when empty).
pub async fn call(app: &App, req: crate::Request) -> (::http::StatusCode, Value) {
    let (status, _, body) = testing::call(app, req).await;
    (status, body)
}

/// The user as stored now.
pub async fn stored_user(app: &App, id: &str) -> UserRecord {
    user::find(app.store.as_ref(), id).await.unwrap().unwrap().value
}
