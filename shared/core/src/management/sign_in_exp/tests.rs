use serde_json::{Value, json};

use crate::management::testing::TestApp;

#[tokio::test]
async fn get_answers_logtos_default_until_patched() {
    let t = TestApp::new(true);
    let reply = t.call("GET", "/api/sign-in-exp", Value::Null).await;
    TestApp::ok(&reply, 200);
    assert_eq!(reply.json["id"], "default");
    assert_eq!(reply.json["tenantId"], "default");
    assert_eq!(reply.json["signInMode"], "SignInAndRegister");
    assert_eq!(reply.json["signUp"]["identifiers"], json!(["username"]));
    assert_eq!(reply.json["mfa"]["factors"], json!([]));
}

#[tokio::test]
async fn patch_replaces_the_named_keys_and_persists() {
    let t = TestApp::new(true);
    let update = json!({
        "color": { "primaryColor": "#ffffff", "darkPrimaryColor": "#000000", "isDarkModeEnabled": true },
        "branding": { "logoUrl": "mock://fake-url/logo.png", "darkLogoUrl": "mock://fake-url/dark-logo.png" },
        "termsOfUseUrl": "mock://fake-url/terms",
        "privacyPolicyUrl": "mock://fake-url/privacy",
        "mfa": { "policy": "PromptAtSignInAndSignUp", "factors": [], "organizationRequiredMfaPolicy": "Mandatory" },
        "singleSignOnEnabled": true,
        "supportEmail": "contact@logto.io",
        "supportWebsiteUrl": "https://logto.io",
        "forgotPasswordMethods": [],
        "signInMode": "SignIn",
        "id": "ignored",
        "unknownKey": 1,
    });
    let reply = t.call("PATCH", "/api/sign-in-exp", update.clone()).await;
    TestApp::ok(&reply, 200);
    for key in ["color", "branding", "termsOfUseUrl", "mfa", "singleSignOnEnabled", "supportEmail", "signInMode"] {
        assert_eq!(reply.json[key], update[key], "{key}");
    }
    assert_eq!(reply.json["id"], "default");
    assert!(reply.json.get("unknownKey").is_none());
    let again = t.call("GET", "/api/sign-in-exp", Value::Null).await;
    assert_eq!(again.json, reply.json);
    assert_eq!(
        crate::domain::sign_in_experience::find(&t.app).await.unwrap().sign_in_mode,
        crate::domain::sign_in_experience::SignInMode::SignIn
    );
}

#[tokio::test]
async fn bad_shapes_are_guard_errors() {
    let t = TestApp::new(true);
    for body in [
        json!({ "signInMode": "Sometimes" }),
        json!({ "color": { "primaryColor": "red", "darkPrimaryColor": "#000", "isDarkModeEnabled": true } }),
        json!({ "termsOfUseUrl": "not a url" }),
        json!({ "supportEmail": "nope" }),
        json!({ "signUp": { "identifiers": ["username"] } }),
        json!({ "passwordPolicy": { "length": { "min": 0 } } }),
        json!({ "passwordPolicy": { "characterTypes": { "min": 5 } } }),
        json!({ "verificationCodePolicy": { "expirationDuration": 10 } }),
        json!({ "mfa": { "factors": ["Sms"], "policy": "NoPrompt" } }),
        json!([1]),
    ] {
        assert_eq!(
            t.call("PATCH", "/api/sign-in-exp", body.clone()).await.error(),
            (400, "guard.invalid_input"),
            "{body}"
        );
    }
    let reply = t
        .call("PATCH", "/api/sign-in-exp", json!({ "languageInfo": { "autoDetect": true, "fallbackLanguage": "xx" } }))
        .await;
    assert_eq!(reply.error(), (400, "sign_in_experiences.unsupported_default_language"));
    let reply = t.call("PATCH", "/api/sign-in-exp", json!({ "hideLogtoBranding": true })).await;
    assert_eq!(reply.error(), (400, "request.invalid_input"));
    let csp =
        t.call("PATCH", "/api/sign-in-exp", json!({ "customUiCsp": { "scriptSrc": [], "connectSrc": [] } })).await;
    assert_eq!(csp.json["customUiCsp"], json!({}));
    // Empty strings clear the URLs, as Logto's guard allows.
    TestApp::ok(&t.call("PATCH", "/api/sign-in-exp", json!({ "termsOfUseUrl": "", "supportEmail": null })).await, 200);
}

#[tokio::test]
async fn sign_up_and_sign_in_rules_need_connectors() {
    let mut t = TestApp::new(true);
    t.app.mock_messages = Some(std::sync::Arc::new(crate::ports::MemoryMockMessages::default()));
    let email_sign_up = json!({ "signUp": { "identifiers": ["email"], "password": false, "verify": true } });
    let reply = t.call("PATCH", "/api/sign-in-exp", email_sign_up.clone()).await;
    assert_eq!(reply.error(), (400, "sign_in_experiences.enabled_connector_not_found"));
    assert_eq!(reply.json["data"]["type"], "Email");
    TestApp::ok(&t.call("POST", "/api/connectors", json!({ "connectorId": "mock-email-service" })).await, 200);
    let unverified = json!({ "signUp": { "identifiers": ["email"], "password": false, "verify": false } });
    assert_eq!(
        t.call("PATCH", "/api/sign-in-exp", unverified).await.error(),
        (400, "sign_in_experiences.passwordless_requires_verify")
    );
    // Password-less email sign-up needs code sign-in for every non-username method.
    let both = json!({
        "signUp": { "identifiers": ["email"], "password": false, "verify": true },
        "signIn": { "methods": [{ "identifier": "email", "password": true, "verificationCode": false, "isPasswordPrimary": true }] },
    });
    assert_eq!(
        t.call("PATCH", "/api/sign-in-exp", both).await.error(),
        (400, "sign_in_experiences.code_sign_in_must_be_enabled")
    );
    let ok = json!({
        "signUp": { "identifiers": ["email"], "password": false, "verify": true },
        "signIn": { "methods": [{ "identifier": "email", "password": false, "verificationCode": true, "isPasswordPrimary": false }] },
    });
    TestApp::ok(&t.call("PATCH", "/api/sign-in-exp", ok).await, 200);
    let phone_code = json!({ "signIn": { "methods": [{ "identifier": "phone", "password": false, "verificationCode": true, "isPasswordPrimary": false }] } });
    let reply = t.call("PATCH", "/api/sign-in-exp", phone_code).await;
    assert_eq!(
        (reply.error(), &reply.json["data"]["type"]),
        ((400, "sign_in_experiences.enabled_connector_not_found"), &json!("Sms"))
    );
    let no_factor = json!({ "signIn": { "methods": [{ "identifier": "username", "password": false, "verificationCode": false, "isPasswordPrimary": true }] } });
    assert_eq!(
        t.call("PATCH", "/api/sign-in-exp", no_factor).await.error(),
        (400, "sign_in_experiences.at_least_one_authentication_factor")
    );
    let duplicated = json!({ "signUp": { "identifiers": ["email"], "password": true, "verify": true, "secondaryIdentifiers": [{ "identifier": "emailOrPhone", "verify": true }] } });
    assert_eq!(
        t.call("PATCH", "/api/sign-in-exp", duplicated).await.error(),
        (400, "sign_in_experiences.duplicated_sign_up_identifiers")
    );
    let forgot = json!({ "forgotPasswordMethods": ["PhoneVerificationCode"] });
    let reply = t.call("PATCH", "/api/sign-in-exp", forgot).await;
    assert_eq!(reply.error(), (400, "sign_in_experiences.forgot_password_method_requires_connector"));
    TestApp::ok(
        &t.call("PATCH", "/api/sign-in-exp", json!({ "forgotPasswordMethods": ["EmailVerificationCode"] })).await,
        200,
    );
}

#[tokio::test]
async fn adaptive_mfa_follows_logtos_rules() {
    let t = TestApp::new(true);
    let patch = |body: Value| t.call("PATCH", "/api/sign-in-exp", body);
    TestApp::ok(&patch(json!({ "mfa": { "policy": "PromptAtSignInAndSignUp", "factors": [] }, "adaptiveMfa": { "enabled": false } })).await, 200);
    assert_eq!(
        patch(json!({ "adaptiveMfa": { "enabled": true } })).await.error(),
        (422, "sign_in_experiences.adaptive_mfa_requires_mfa")
    );
    let on = patch(json!({ "adaptiveMfa": { "enabled": true }, "mfa": { "policy": "PromptAtSignInAndSignUpMandatory", "factors": ["Totp"] } })).await;
    TestApp::ok(&on, 200);
    assert_eq!(on.json["adaptiveMfa"], json!({ "enabled": true }));
    let off = patch(json!({ "mfa": { "policy": "PromptAtSignInAndSignUp", "factors": [] } })).await;
    TestApp::ok(&off, 200);
    assert_eq!(off.json["adaptiveMfa"], json!({ "enabled": false }));
    TestApp::ok(&patch(json!({ "mfa": { "policy": "Mandatory", "factors": ["Totp"] } })).await, 200);
    assert_eq!(
        patch(json!({ "adaptiveMfa": { "enabled": true } })).await.error(),
        (422, "sign_in_experiences.adaptive_mfa_requires_non_skippable_policy")
    );
    assert_eq!(
        patch(json!({ "adaptiveMfa": { "enabled": false }, "mfa": { "policy": "PromptOnlyAtSignInMandatory", "factors": ["Totp"] } })).await.error(),
        (422, "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy")
    );
    assert_eq!(
        patch(json!({ "mfa": { "policy": "NoPrompt", "factors": ["BackupCode"] } })).await.error(),
        (400, "sign_in_experiences.backup_code_cannot_be_enabled_alone")
    );
    assert_eq!(
        patch(json!({ "mfa": { "policy": "NoPrompt", "factors": ["Totp", "Totp"] } })).await.error(),
        (400, "sign_in_experiences.duplicated_mfa_factors")
    );
}

#[tokio::test]
async fn password_expiration_is_server_stamped_and_needs_a_reset_path() {
    let mut t = TestApp::new(true);
    t.app.mock_messages = Some(std::sync::Arc::new(crate::ports::MemoryMockMessages::default()));
    let patch = |body: Value| t.call("PATCH", "/api/sign-in-exp", body);
    assert_eq!(
        patch(json!({ "passwordExpiration": { "enabled": true } })).await.error(),
        (422, "sign_in_experiences.password_expiration_invalid_period_days")
    );
    assert_eq!(
        patch(json!({ "passwordExpiration": { "enabled": true, "validPeriodDays": 30 } })).await.error(),
        (422, "sign_in_experiences.password_expiration_requires_forgot_password")
    );
    TestApp::ok(&t.call("POST", "/api/connectors", json!({ "connectorId": "mock-email-service" })).await, 200);
    let on = patch(json!({ "forgotPasswordMethods": ["EmailVerificationCode"], "passwordExpiration": { "enabled": true, "validPeriodDays": 30, "enabledAt": 5 } })).await;
    TestApp::ok(&on, 200);
    assert_eq!(
        on.json["passwordExpiration"],
        json!({ "enabled": true, "validPeriodDays": 30, "enabledAt": crate::management::testing::NOW })
    );
    // The last reset path cannot be deleted while expiration depends on it.
    let connectors = t.call("GET", "/api/connectors", Value::Null).await;
    let id = connectors.json[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        t.call("DELETE", &format!("/api/connectors/{id}"), Value::Null).await.error(),
        (422, "sign_in_experiences.password_expiration_requires_forgot_password")
    );
    let off = patch(json!({ "passwordExpiration": { "enabled": false } })).await;
    assert_eq!(off.json["passwordExpiration"], json!({ "enabled": false }));
    TestApp::ok(&t.call("DELETE", &format!("/api/connectors/{id}"), Value::Null).await, 204);
}

#[tokio::test]
async fn check_password_reports_logtos_issues() {
    let t = TestApp::new(true);
    let check =
        |password: &str| t.call("POST", "/api/sign-in-exp/default/check-password", json!({ "password": password }));
    // The default policy rejects user info, which needs a user to compare with.
    let reply = check("johnny13").await;
    assert_eq!(reply.error(), (400, "request.invalid_input"));
    assert_eq!(reply.json["data"]["message"], "User information data is required to check user information.");
    let policy = json!({ "passwordPolicy": { "length": { "min": 8, "max": 64 }, "characterTypes": { "min": 3 }, "rejects": { "userInfo": false } } });
    TestApp::ok(&t.call("PATCH", "/api/sign-in-exp", policy).await, 200);
    let weak = check("123").await;
    assert_eq!(weak.status.as_u16(), 400);
    assert_eq!(weak.json["result"], false);
    let codes: Vec<&str> =
        weak.json["issues"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["password_rejected.too_short", "password_rejected.character_types", "password_rejected.restricted.sequence"]
    );
    let strong = check("Str0ng-Pass-Word").await;
    TestApp::ok(&strong, 200);
    assert_eq!(strong.json, json!({ "result": true }));
    let unknown =
        t.call("POST", "/api/sign-in-exp/default/check-password", json!({ "password": "x", "userId": "nobody" })).await;
    assert_eq!(unknown.error(), (404, "entity.not_exists_with_id"));
}

#[tokio::test]
async fn usernames_differing_only_by_case_block_the_flip_to_case_insensitive() {
    let t = TestApp::new(true);
    let none = t.call("GET", "/api/sign-in-exp/username-policy/case-sensitivity-conflicts", Value::Null).await;
    assert_eq!(none.json, json!({ "totalConflicts": 0, "samples": [] }));
    let lower = t.call("POST", "/api/users", json!({ "username": "jane_doe" })).await;
    TestApp::ok(&lower, 200);
    let upper = t.call("POST", "/api/users", json!({ "username": "JANE_DOE" })).await;
    TestApp::ok(&upper, 200);
    let found = t.call("GET", "/api/sign-in-exp/username-policy/case-sensitivity-conflicts?limit=5", Value::Null).await;
    assert_eq!(found.json["totalConflicts"], 1);
    assert_eq!(found.json["samples"][0]["usernameLower"], "jane_doe");
    assert_eq!(found.json["samples"][0]["userIds"].as_array().unwrap().len(), 2);
    assert_eq!(
        t.call("GET", "/api/sign-in-exp/username-policy/case-sensitivity-conflicts?limit=0", Value::Null).await.error(),
        (400, "guard.invalid_input")
    );
    let policy = |case_sensitive: bool| {
        json!({ "usernamePolicy": { "caseSensitive": case_sensitive, "minLength": 1, "maxLength": 128,
            "allowedChars": { "lowercase": true, "uppercase": true, "numbers": true, "underscore": true } } })
    };
    let flip = t.call("PATCH", "/api/sign-in-exp", policy(false)).await;
    assert_eq!(flip.error(), (409, "sign_in_experiences.username_policy_case_conflicts_exist"));
    assert_eq!(flip.json["data"]["totalConflicts"], 1);
    let id = upper.json["id"].as_str().unwrap();
    TestApp::ok(&t.call("DELETE", &format!("/api/users/{id}"), Value::Null).await, 204);
    TestApp::ok(&t.call("PATCH", "/api/sign-in-exp", policy(false)).await, 200);
}
