use super::*;

const SOCIAL: &str = "social1";
const REDIRECT: &str = "http://localhost:3000/callback/social1";

/// An app offering Logto's mock social connector as `social1` (target `mock-social`).
async fn app_with_mock_social(sync_profile: bool) -> testing::TestApp {
    let mut t = testing::app();
    t.app.mock_messages = Some(Arc::new(MemoryMockMessages::default()));
    let mut record = ConnectorRecord::new(SOCIAL.into(), "mock-social-connector".into(), ConnectorType::Social, 1);
    record.config = json!({ "clientId": "c", "clientSecret": "s" }).as_object().unwrap().clone();
    record.sync_profile = sync_profile;
    record.social_key = Some(("mock-social".into(), "Universal".into()));
    connector::insert(t.app.store.as_ref(), &record).await.unwrap();
    t
}

impl Browser {
    async fn social_uri(&self, app: &App, connector: &str) -> (StatusCode, Value) {
        self.post(
            app,
            &format!("/api/experience/verification/social/{connector}/authorization-uri"),
            json!({ "state": "st", "redirectUri": REDIRECT }),
        )
        .await
    }

    async fn social_verify(&self, app: &App, connector: &str, id: &Value, data: Value) -> (StatusCode, Value) {
        self.post(
            app,
            &format!("/api/experience/verification/social/{connector}/verify"),
            json!({ "verificationId": id, "connectorData": data }),
        )
        .await
    }

    /// authorization-uri + verify with the mock's `connectorData`; the verification id.
    async fn social(&self, app: &App, data: Value) -> Value {
        let (status, body) = self.social_uri(app, SOCIAL).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let id = body["verificationId"].clone();
        let (status, body) = self.social_verify(app, SOCIAL, &id, data).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["verificationId"], id);
        id
    }
}

#[tokio::test]
async fn authorization_uri_keeps_the_session_server_side() {
    let app = app_with_mock_social(false).await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (status, body) = b.social_uri(&app, SOCIAL).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["authorizationUri"],
        "http://mock-social/?state=st&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback%2Fsocial1&scope=email+profile"
    );
    let shown = b.interaction(&app).await;
    assert_eq!(
        shown["verificationRecords"],
        json!([{ "id": body["verificationId"], "type": "Social", "connectorId": SOCIAL }])
    );

    // Logto's errors for bad requests.
    let empty = b
        .post(
            &app,
            "/api/experience/verification/social/social1/authorization-uri",
            json!({ "state": "", "redirectUri": REDIRECT }),
        )
        .await;
    expect_error(empty, 400, "session.insufficient_info");
    expect_error(b.social_uri(&app, "nope").await, 404, "entity.not_found");
    let (t, _) = app_with_mock_email().await;
    let b2 = browser(&t).await;
    b2.start(&t, "SignIn").await;
    expect_error(b2.social_uri(&t, "mock-email").await, 400, "connector.unexpected_type");
}

#[tokio::test]
async fn verify_checks_the_record_and_spends_the_session() {
    let app = app_with_mock_social(false).await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (_, body) = b.social_uri(&app, SOCIAL).await;
    let id = body["verificationId"].clone();
    expect_error(
        b.social_verify(&app, SOCIAL, &json!("other"), json!({"code": "c"})).await,
        404,
        "session.verification_session_not_found",
    );
    expect_error(
        b.social_verify(&app, "mock-email", &id, json!({"code": "c"})).await,
        404,
        "session.verification_session_not_found",
    );
    // A malformed callback: Logto's mock answers invalid_response; the session is spent.
    expect_error(b.social_verify(&app, SOCIAL, &id, json!({"nope": 1})).await, 400, "connector.invalid_response");
    expect_error(
        b.social_verify(&app, SOCIAL, &id, json!({"code": "c"})).await,
        400,
        "session.connector_validation_session_not_found",
    );
    let shown = b.interaction(&app).await;
    assert_eq!(shown["captcha"]["skipped"], false);
}

#[tokio::test]
async fn register_with_a_social_identity_then_sign_in_with_it() {
    let app = app_with_mock_social(false).await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let data =
        json!({"code": "c", "userId": "sub-1", "email": "new@example.com", "name": "New", "avatar": "https://a/x.png"});
    let id = b.social(&app, data.clone()).await;
    let shown = b.interaction(&app).await;
    assert_eq!(shown["captcha"]["skipped"], true);
    assert_eq!(shown["verificationRecords"][0]["socialUserInfo"]["id"], "sub-1");
    assert!(!shown.to_string().contains("connectorSession"), "{shown}");

    // Unknown identity, no related user.
    let got = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    expect_error(got.clone(), 404, "user.identity_not_exist");
    assert!(got.1.get("data").is_none(), "{}", got.1);

    // Register with the same record: username+password sign-up is satisfied by the identity's
    // password stand-in except the username, which Logto asks for.
    let (status, body) =
        b.put(&app, "/api/experience/interaction-event", json!({ "interactionEvent": "Register" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let got = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    expect_error(got.clone(), 422, "user.missing_profile");
    assert_eq!(got.1["data"], json!({ "missingProfile": ["username"] }));
    let (status, body) =
        b.post(&app, "/api/experience/profile", json!({ "type": "username", "value": "newbie" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = b.post(&app, "/api/experience/identification", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let user = user::find_by_identity(app.store.as_ref(), "mock-social", "sub-1").await.unwrap().unwrap().value;
    assert_eq!(user.username.as_deref(), Some("newbie"));
    assert_eq!(user.primary_email.as_deref(), Some("new@example.com"));
    assert_eq!(user.name.as_deref(), Some("New"));
    assert_eq!(user.avatar.as_deref(), Some("https://a/x.png"));
    assert_eq!(user.identities["mock-social"].user_id, "sub-1");
    assert_eq!(user.identities["mock-social"].details.as_ref().unwrap()["rawData"], data);

    // Sign in again with the identity; no profile sync (connector's syncProfile is off).
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let id = b.social(&app, json!({"code": "c", "userId": "sub-1", "name": "Renamed"})).await;
    let (status, body) = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again = user::find(app.store.as_ref(), &user.id).await.unwrap().unwrap().value;
    assert_eq!(again.name.as_deref(), Some("New"));
}

#[tokio::test]
async fn sync_profile_updates_name_and_avatar_on_each_sign_in() {
    let app = app_with_mock_social(true).await;
    let b = browser(&app).await;
    b.start(&app, "Register").await;
    set_sie(&app, json!({ "socialSignIn": { "skipRequiredIdentifiers": true } })).await;
    let id = b.social(&app, json!({"code": "c", "userId": "sub-2", "name": "First"})).await;
    let (status, body) = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let id =
        b.social(&app, json!({"code": "c", "userId": "sub-2", "name": "Second", "avatar": "https://a/2.png", "email": "sub2@example.com"})).await;
    let (status, body) = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let user = user::find_by_identity(app.store.as_ref(), "mock-social", "sub-2").await.unwrap().unwrap().value;
    assert_eq!((user.name.as_deref(), user.avatar.as_deref()), (Some("Second"), Some("https://a/2.png")));
    // The account had no email: the identity's fills it.
    assert_eq!(user.primary_email.as_deref(), Some("sub2@example.com"));
}

#[tokio::test]
async fn an_existing_email_is_a_related_user_and_can_be_linked() {
    let app = app_with_mock_social(false).await;
    let alice = user::insert(
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
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let id = b.social(&app, json!({"code": "c", "userId": "sub-3", "email": "Alice@example.com"})).await;
    let got = b.post(&app, "/api/experience/identification", json!({ "verificationId": id })).await;
    expect_error(got.clone(), 404, "user.identity_not_exist");
    assert_eq!(got.1["data"], json!({ "relatedUser": { "type": "email", "value": "Alice@example.com" } }));

    let (status, body) = b
        .post(&app, "/api/experience/identification", json!({ "verificationId": id, "linkSocialIdentity": true }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let linked = user::find_by_identity(app.store.as_ref(), "mock-social", "sub-3").await.unwrap().unwrap().value;
    assert_eq!(linked.id, alice.id);

    // Linking needs a related user.
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let id = b.social(&app, json!({"code": "c", "userId": "sub-4", "email": "nobody@example.com"})).await;
    let got = b
        .post(&app, "/api/experience/identification", json!({ "verificationId": id, "linkSocialIdentity": true }))
        .await;
    expect_error(got, 404, "user.identity_not_exist");
}

#[tokio::test]
async fn an_identified_user_binds_a_social_identity_through_the_profile() {
    let app = app_with_mock_social(true).await;
    let alice = user_with_password(&app, "alice").await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (_, body) = b.verify_password(&app, "username", "alice", PASSWORD).await;
    let (status, body) =
        b.post(&app, "/api/experience/identification", json!({ "verificationId": body["verificationId"] })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let id =
        b.social(&app, json!({"code": "c", "userId": "sub-5", "name": "Alice S", "email": "as@example.com"})).await;
    let (status, body) =
        b.post(&app, "/api/experience/profile", json!({ "type": "social", "verificationId": id })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = b.call(&app, Method::POST, "/api/experience/submit", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stored = user::find(app.store.as_ref(), &alice.id).await.unwrap().unwrap().value;
    assert_eq!(stored.identities["mock-social"].user_id, "sub-5");
    // An existing user gets name/avatar from a syncing connector, never the email.
    assert_eq!((stored.name.as_deref(), stored.primary_email.as_deref()), (Some("Alice S"), None));

    // The same identity cannot be bound to a second account.
    let bob = user_with_password(&app, "bob").await;
    let b = browser(&app).await;
    b.start(&app, "SignIn").await;
    let (_, body) = b.verify_password(&app, "username", "bob", PASSWORD).await;
    b.post(&app, "/api/experience/identification", json!({ "verificationId": body["verificationId"] })).await;
    let id = b.social(&app, json!({"code": "c", "userId": "sub-5"})).await;
    let got = b.post(&app, "/api/experience/profile", json!({ "type": "social", "verificationId": id })).await;
    expect_error(got, 422, "user.identity_already_in_use");
    let stored = user::find(app.store.as_ref(), &bob.id).await.unwrap().unwrap().value;
    assert!(stored.identities.is_empty());
}
