//! Fixtures for Account API unit tests (other streams' account tests use them too): an app
//! with the account center on, a user, and opaque access tokens for them.

// Fixtures shared with the other streams' account tests; not every one is used by every build.
#![allow(dead_code)]

use std::sync::Arc;

use serde_json::Value;

use crate::App;
use crate::domain::access_token::opaque::{self, OPAQUE_TTL_SECS, OpaqueAccessToken};
use crate::domain::account_center::{self, AccountCenter, Control, Fields};
use crate::domain::application::{self, ApplicationRecord, ApplicationType};
use crate::domain::connector::{self, ConnectorRecord, ConnectorType};
use crate::domain::grant::{self, GrantRecord};
use crate::domain::user::{self, NewPassword, NewUser, UserRecord};
use crate::ports::{MemoryMockMessages, MockMessageKind};
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
    /// Where the mock email and SMS connectors put what they send.
    pub outlet: Arc<MemoryMockMessages>,
}

impl World {
    /// The code in the last message of `kind`, which must have gone to `to`.
    pub fn last_code(&self, kind: MockMessageKind, to: &str) -> String {
        let record = self.outlet.last(kind).unwrap_or_else(|| panic!("no {kind:?} message sent"));
        let address = if record.get("phone").is_some() { &record["phone"] } else { &record["address"] };
        assert_eq!(address, to);
        record["code"].as_str().unwrap().to_owned()
    }

    /// A verified password record id (`POST /api/verifications/password`).
    pub async fn password_record(&self) -> String {
        let req = request(
            "POST",
            "/api/verifications/password",
            &self.token,
            None,
            Some(serde_json::json!({"password": PASSWORD})),
        );
        let (status, body) = call(&self.app, req).await;
        assert_eq!(status, ::http::StatusCode::CREATED, "{body}");
        body["verificationRecordId"].as_str().unwrap().to_owned()
    }

    /// A verified code record for `value` (`email` or `phone`) through send + verify.
    pub async fn code_record(&self, kind: &str, value: &str) -> String {
        let identifier = serde_json::json!({"type": kind, "value": value});
        let req = request(
            "POST",
            "/api/verifications/verification-code",
            &self.token,
            None,
            Some(serde_json::json!({"identifier": identifier})),
        );
        let (status, body) = call(&self.app, req).await;
        assert_eq!(status, ::http::StatusCode::CREATED, "{body}");
        let id = body["verificationRecordId"].as_str().unwrap().to_owned();
        let message = if kind == "email" { MockMessageKind::Email } else { MockMessageKind::Sms };
        let code = self.last_code(message, value);
        let body = serde_json::json!({"identifier": identifier, "verificationId": id, "code": code});
        let (status, body) = call(
            &self.app,
            request("POST", "/api/verifications/verification-code/verify", &self.token, None, Some(body)),
        )
        .await;
        assert_eq!(status, ::http::StatusCode::OK, "{body}");
        id
    }
}

/// The account center on with every field `Edit`, a user `alice` with a password and an
/// email, and a token.
pub async fn world() -> World {
    let mut app = testing::app();
    let outlet = Arc::new(MemoryMockMessages::default());
    app.app.mock_messages = Some(outlet.clone());
    for (id, factory, kind, template) in [
        (
            "mock-email",
            "mock-email-service",
            ConnectorType::Email,
            include_str!("../connectors/assets/mock-email.config-template.json"),
        ),
        (
            "mock-sms",
            "mock-short-message-service",
            ConnectorType::Sms,
            include_str!("../connectors/assets/mock-sms.config-template.json"),
        ),
    ] {
        let mut record = ConnectorRecord::new(id.into(), factory.into(), kind, 1);
        let config: Value = serde_json::from_str(template).unwrap();
        record.config = config.as_object().unwrap().clone();
        connector::insert(app.app.store.as_ref(), &record).await.unwrap();
    }
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
    World { app, user, token, outlet }
}

/// Turn the account center on with these fields.
pub async fn set_fields(app: &App, fields: Fields) {
    let current = account_center::find_versioned(app.store.as_ref()).await.unwrap();
    let next = AccountCenter { enabled: true, fields, ..AccountCenter::logto_default() };
    account_center::update(app.store.as_ref(), current.as_ref(), &next).await.unwrap();
}

/// Merge `patch` into the stored sign-in experience (top-level keys replaced).
pub async fn set_sie(app: &App, patch: Value) {
    use crate::domain::sign_in_experience::{self as sie, SignInExperience};
    let current = sie::find_versioned(app.store.as_ref()).await.unwrap();
    let base = current.as_ref().map_or_else(SignInExperience::logto_default, |v| v.value.clone());
    let mut value = serde_json::to_value(&base).unwrap();
    for (k, v) in patch.as_object().unwrap() {
        value[k] = v.clone();
    }
    let next: SignInExperience = serde_json::from_value(value).unwrap();
    sie::update(app.store.as_ref(), current.as_ref(), &next).await.unwrap();
}

/// A stored opaque access token from a fresh grant of `user_id` to `client_id`.
pub async fn token_for(app: &App, user_id: &str, client_id: &str, scope: &str) -> String {
    let mut grant = GrantRecord::new(app, user_id, client_id);
    grant.add_openid_scopes(scope.split(' '));
    grant::insert(app, &grant).await.unwrap();
    let now = app.clock.now_secs();
    let token = OpaqueAccessToken {
        account_id: user_id.into(),
        client_id: client_id.into(),
        grant_id: grant.id,
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
