//! An end user signs in to an app, over the wire, on whatever host `EDGEID_BLACKBOX_URL` names:
//! authorize → Experience API → consent → code → tokens → userinfo → refresh. On Lambda (and
//! on Workers with one Worker per group) every hop is a different function, so this proves the
//! hand-off between `oidc` and `experience` runs through stored records and cookies only.

use std::time::Instant;

use base64::Engine as _;
use edgeid_tests::harness::sign_in::{self, Authorization, Identifier};
use edgeid_tests::harness::{Target, jwt};
use serde_json::Value;

/// RFC: `at_hash` is the left half of the access token's hash with the ID token's hash function.
fn at_hash(access_token: &str, alg: &str) -> String {
    let (algorithm, half) = match alg {
        "ES384" | "RS384" | "PS384" => (&ring::digest::SHA384, 24),
        _ => (&ring::digest::SHA256, 16),
    };
    let digest = ring::digest::digest(algorithm, access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..half])
}

#[tokio::test]
#[allow(clippy::disallowed_methods)] // wall-clock duration of the journey, reported per host
async fn a_user_signs_in_with_a_password_and_the_app_gets_tokens_and_userinfo() {
    let t = Target::from_env();
    let issuer = t.issuer().await;
    let admin_token = t.admin_token().await;
    let user = sign_in::create_user(&t.client, &admin_token, &t.unique("journey")).await;
    let (user_id, username, password) =
        (user["id"].as_str().unwrap(), user["username"].as_str().unwrap(), user["password"].as_str().unwrap());

    // The browser: fresh cookies, only what the server sets.
    let browser = t.client.fresh();
    let started = Instant::now();
    let authorization = Authorization::demo_app_at(&t.endpoint().await);
    let callback = sign_in::sign_in(&browser, &authorization, Identifier::Username(username), password).await;
    assert_eq!(callback.param("state"), Some(authorization.state.as_str()), "{}", callback.url);
    assert_eq!(callback.param("iss"), Some(issuer.as_str()), "RFC 9207 iss: {}", callback.url);

    // The app: code + PKCE verifier → tokens (no cookies: a back channel).
    let app = t.client.fresh();
    let tokens = sign_in::exchange_code(&app, &authorization, &callback.code()).await;
    let tokens = tokens.assert_status(200).json();
    let elapsed = started.elapsed();
    eprintln!("sign-in journey (authorize → experience → consent → code → tokens): {} ms", elapsed.as_millis());
    assert_eq!(tokens["token_type"], "Bearer", "{tokens}");
    assert!(tokens["expires_in"].as_i64().is_some_and(|s| s > 0), "{tokens}");
    assert!(tokens["scope"].as_str().is_some_and(|s| s.split(' ').any(|x| x == "openid")), "{tokens}");
    let access_token = tokens["access_token"].as_str().unwrap();
    let refresh_token = tokens["refresh_token"].as_str().expect("offline_access with consent: a refresh token");

    // The ID token verifies against the published keys and names the user.
    let jwks = t.client.get("/oidc/jwks").send().await.assert_status(200).json();
    let (header, claims) = jwt::verify(tokens["id_token"].as_str().unwrap(), &jwks).unwrap();
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["sub"], user_id);
    assert_eq!(claims["aud"], sign_in::DEMO_APP);
    assert_eq!(claims["nonce"], authorization.nonce.as_str());
    assert_eq!(claims["username"], username);
    assert_eq!(claims["email"], user["primaryEmail"]);
    assert_eq!(claims["at_hash"], at_hash(access_token, header["alg"].as_str().unwrap()).as_str(), "{claims}");
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());

    // userinfo with the opaque access token.
    let me = app.get("/oidc/me").bearer(access_token).send().await;
    let me: Value = me.assert_status(200).json();
    assert_eq!(me["sub"], user_id, "{me}");
    assert_eq!(me["username"], username, "{me}");
    assert_eq!(me["email"], user["primaryEmail"], "{me}");

    // Refresh (a public client: the refresh token rotates) → a new access token that works.
    let refreshed = sign_in::refresh(&app, sign_in::DEMO_APP, refresh_token).await;
    let refreshed = refreshed.assert_status(200).json();
    let new_access = refreshed["access_token"].as_str().unwrap();
    assert_ne!(new_access, access_token);
    assert!(refreshed["refresh_token"].as_str().is_some_and(|r| r != refresh_token), "rotated: {refreshed}");
    app.get("/oidc/me").bearer(new_access).send().await.assert_status(200);

    // The code was single use: a replay fails and revokes what it issued.
    sign_in::exchange_code(&app, &authorization, &callback.code()).await.assert_oauth_error(400, "invalid_grant");
    let revoked = app.get("/oidc/me").bearer(new_access).send().await;
    assert_eq!(revoked.status, 401, "a replayed code revokes the grant's tokens: {}", revoked.text());
}

#[tokio::test]
async fn the_experience_api_only_trusts_the_signed_interaction_cookie() {
    let t = Target::from_env();
    // No cookie at all.
    let stranger = t.client.fresh();
    let response =
        stranger.put("/api/experience").json(&serde_json::json!({"interactionEvent": "SignIn"})).send().await;
    response.assert_api_error(400, "session.not_found");

    // A real interaction, then its cookie altered: the signature no longer matches.
    let browser = t.client.fresh();
    sign_in::open_authorization(&browser, &Authorization::demo_app_at(&t.endpoint().await)).await;
    let value = browser.cookie("_interaction").unwrap();
    browser.set_cookie("_interaction", &value.replace('a', "b").replace('1', "2"));
    let response = browser.put("/api/experience").json(&serde_json::json!({"interactionEvent": "SignIn"})).send().await;
    response.assert_api_error(400, "session.not_found");
}

#[tokio::test]
async fn a_wrong_password_or_an_unknown_user_gets_the_same_answer_and_no_code() {
    let t = Target::from_env();
    let admin_token = t.admin_token().await;
    let user = sign_in::create_user(&t.client, &admin_token, &t.unique("wrongpw")).await;
    let browser = t.client.fresh();
    let authorization = Authorization::demo_app_at(&t.endpoint().await);
    sign_in::open_authorization(&browser, &authorization).await;
    browser
        .put("/api/experience")
        .json(&serde_json::json!({"interactionEvent": "SignIn"}))
        .send()
        .await
        .assert_status(204);
    for identifier in
        [Identifier::Username(user["username"].as_str().unwrap()), Identifier::Username("nobody_at_all_here")]
    {
        let response = browser
            .post("/api/experience/verification/password")
            .json(&serde_json::json!({"identifier": identifier.json(), "password": "not-the-password-1"}))
            .send()
            .await;
        response.assert_api_error(422, "session.invalid_credentials");
    }
    browser.post("/api/experience/submit").send().await.assert_api_error(404, "session.identifier_not_found");
    // The right password still works in the same interaction.
    let redirect_to = sign_in::sign_in_with_password(
        &browser,
        Identifier::Username(user["username"].as_str().unwrap()),
        user["password"].as_str().unwrap(),
    )
    .await;
    let callback = sign_in::finish_authorization(&browser, &redirect_to, &authorization).await;
    sign_in::exchange_code(&t.client.fresh(), &authorization, &callback.code()).await.assert_status(200);
}
