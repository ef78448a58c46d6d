use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn mock_social_flow_is_logtos() {
    let app = crate::testing::app();
    let (uri, session) = mock::authorization_uri(
        &app,
        ConnectorSession {
            state: Some("s t".into()),
            redirect_uri: Some("http://localhost:3000/cb".into()),
            connector_id: Some("c1".into()),
            nonce: Some("dropped".into()),
            ..ConnectorSession::default()
        },
        None,
    );
    assert_eq!(
        uri,
        "http://mock-social/?state=s+t&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&scope=email+profile"
    );
    assert_eq!(session.nonce, None);
    assert_eq!(session.connector_id.as_deref(), Some("c1"));

    let data = json!({"code": "x", "userId": "u1", "email": "a@b.c", "name": "A"});
    let info = mock::user_info(&app, &session, data.as_object().unwrap()).unwrap();
    assert_eq!(info.id, "u1");
    assert_eq!(info.email.as_deref(), Some("a@b.c"));
    assert_eq!(info.raw_data, Some(data));
    let generated = mock::user_info(&app, &session, json!({"code": "x"}).as_object().unwrap()).unwrap();
    assert!(generated.id.starts_with("mock-social-sub-"));

    let err = mock::user_info(&app, &session, json!({"authorizationCode": "x"}).as_object().unwrap()).unwrap_err();
    let api = err.to_api_error();
    assert_eq!((api.status.as_u16(), api.code), (400, "connector.invalid_response"));
    assert_eq!(api.data, Some(json!({"authorizationCode": "x"})));
}

#[test]
fn connector_errors_map_as_logtos_handler() {
    let check = |e: SocialError, status: u16, code: &str| {
        let api = e.to_api_error();
        assert_eq!((api.status.as_u16(), api.code), (status, code), "{api:?}");
        api
    };
    check(SocialError::new(ErrorCode::SocialAuthCodeInvalid, "x"), 401, "connector.social_auth_code_invalid");
    check(SocialError::new(ErrorCode::SocialIdTokenInvalid, "x"), 401, "connector.social_invalid_id_token");
    check(SocialError::new(ErrorCode::AuthorizationFailed, "x"), 401, "connector.authorization_failed");
    let general = check(SocialError::new(ErrorCode::General, "provider down"), 400, "connector.general");
    assert_eq!(general.message, "Error occurred in connector: provider down");
    assert_eq!(general.data, Some(json!({"message": "provider down"})));
    let described =
        SocialError::with_data(ErrorCode::General, json!({"error": "x", "errorDescription": "why"})).to_api_error();
    assert_eq!(described.message, "Error occurred in connector: why");
    let _: Value = described.data.unwrap();
}

mod providers {
    use std::sync::{Arc, Mutex};

    use serde_json::{Map, Value, json};
    use sha2::Digest;

    use super::super::*;
    use crate::jose::{self, Alg};
    use crate::ports::{HttpClient, HttpClientError, IncomingResponse, OutgoingRequest, SigningKey};

    type Handler = Box<dyn Fn(&OutgoingRequest, &str) -> Result<(u16, Value), HttpClientError> + Send + Sync>;

    /// A fake identity provider behind the HTTP port: answers by path, remembers every request.
    struct FakeIdp {
        handler: Handler,
        seen: Mutex<Vec<(String, String)>>,
    }

    #[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
    #[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
    impl HttpClient for FakeIdp {
        async fn send(&self, request: OutgoingRequest) -> Result<IncomingResponse, HttpClientError> {
            let body = String::from_utf8_lossy(request.body()).into_owned();
            self.seen.lock().unwrap().push((request.uri().to_string(), body.clone()));
            let (status, json) = (self.handler)(&request, &body)?;
            // A JSON string stands for a raw form-encoded body.
            let (text, content_type) = match &json {
                Value::String(raw) => (raw.clone(), "application/x-www-form-urlencoded"),
                other => (other.to_string(), "application/json"),
            };
            let mut response = IncomingResponse::new(bytes::Bytes::from(text));
            *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
            response.headers_mut().insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
            Ok(response)
        }
    }

    fn form(body: &str) -> Map<String, Value> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(body)
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    }

    fn query(uri: &str) -> Map<String, Value> {
        form(url::Url::parse(uri).unwrap().query().unwrap())
    }

    fn connector(factory: &'static crate::connectors::factory::Factory, kind: Kind, config: Value) -> SocialConnector {
        let mut record = ConnectorRecord::new("c1".into(), factory.id().into(), ConnectorType::Social, 1);
        record.config = config.as_object().unwrap().clone();
        SocialConnector { record, factory, kind }
    }

    fn oidc_config() -> Value {
        json!({
            "authorizationEndpoint": "https://idp.test/auth", "tokenEndpoint": "https://idp.test/token",
            "clientId": "client-1", "clientSecret": "secret-1", "scope": "profile email",
            "idTokenVerificationConfig": { "jwksUri": "https://idp.test/jwks", "issuer": "https://idp.test" },
        })
    }

    struct Keys {
        signer: Arc<dyn SigningKey>,
        jwks: Value,
    }

    async fn keys(app: &crate::App) -> Keys {
        let generated = app.crypto.generate_key(Alg::ES256).await.unwrap();
        let signer = app.crypto.signing_key(Alg::ES256, &generated.pkcs8).await.unwrap();
        let jwks = json!({ "keys": [generated.public.published("k1", Alg::ES256)] });
        Keys { signer, jwks }
    }

    async fn id_token(keys: &Keys, claims: Value) -> String {
        jose::encode_with_header(keys.signer.as_ref(), Alg::ES256, "k1", "JWT", claims.to_string().as_bytes())
            .await
            .unwrap()
    }

    /// An OIDC provider that checks PKCE and client authentication and signs `claims` (with the
    /// request's nonce unless `nonce` overrides it).
    fn oidc_idp(keys: &Keys, token: String, challenge: String) -> FakeIdp {
        let jwks = keys.jwks.clone();
        FakeIdp {
            handler: Box::new(move |req, body| match req.uri().path() {
                "/jwks" => Ok((200, jwks.clone())),
                "/token" => {
                    let f = form(body);
                    if f["code"] != "good-code" {
                        return Ok((
                            400,
                            json!({ "error": "invalid_grant", "error_description": "grant request is invalid" }),
                        ));
                    }
                    let verifier = f["code_verifier"].as_str().unwrap();
                    let computed = jose::b64(&sha2::Sha256::digest(verifier.as_bytes()));
                    assert_eq!(computed, challenge);
                    assert_eq!(
                        (f["client_id"].as_str(), f["client_secret"].as_str()),
                        (Some("client-1"), Some("secret-1"))
                    );
                    assert_eq!(f["redirect_uri"], "https://edgeid.test/callback/c1");
                    assert_eq!(f["grant_type"], "authorization_code");
                    Ok((
                        200,
                        json!({ "access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": token }),
                    ))
                }
                other => panic!("unexpected path {other}"),
            }),
            seen: Mutex::new(Vec::new()),
        }
    }

    async fn start(app: &crate::App, c: &SocialConnector) -> (Map<String, Value>, ConnectorSession) {
        let (uri, session) =
            authorization_uri(app, c, "state-1", "https://edgeid.test/callback/c1", None).await.unwrap();
        (query(&uri), session)
    }

    #[tokio::test]
    async fn oidc_code_flow_with_pkce_state_and_nonce() {
        let mut t = crate::testing::app();
        let c = connector(&oidc::FACTORY, Kind::Oidc, oidc_config());
        let (params, session) = start(&t.app, &c).await;
        assert_eq!(params["response_type"], "code");
        assert_eq!(params["client_id"], "client-1");
        assert_eq!(params["state"], "state-1");
        assert_eq!(params["scope"], "profile email openid");
        assert_eq!(params["code_challenge_method"], "S256");
        assert_eq!(params["nonce"].as_str(), session.nonce.as_deref());
        assert_eq!(session.code_verifier.as_ref().map(String::len), Some(64));

        let k = keys(&t.app).await;
        let now = crate::testing::T0 / 1000;
        let claims = |nonce: &str| {
            json!({
                "iss": "https://idp.test", "aud": "client-1", "sub": "user-9", "iat": now, "exp": now + 300,
                "nonce": nonce, "email": "u9@example.com", "email_verified": true, "name": "Nine",
                "phone": "+15550009", "picture": "https://idp.test/p.png",
            })
        };
        let good = id_token(&k, claims(session.nonce.as_deref().unwrap())).await;
        let challenge = params["code_challenge"].as_str().unwrap().to_owned();
        t.app.http_client = Some(Arc::new(oidc_idp(&k, good, challenge.clone())));
        let data = |v: Value| v.as_object().unwrap().clone();

        let info =
            user_info(&t.app, &c, &session, &data(json!({"code": "good-code", "state": "state-1"}))).await.unwrap();
        assert_eq!(info.id, "user-9");
        assert_eq!(info.email.as_deref(), Some("u9@example.com"));
        assert_eq!(info.phone, None, "phone_verified is absent");
        assert_eq!((info.name.as_deref(), info.avatar.as_deref()), (Some("Nine"), Some("https://idp.test/p.png")));

        let err = |e: SocialError| {
            let api = e.to_api_error();
            (api.status.as_u16(), api.code)
        };
        // A tampered state never reaches the provider.
        let got = user_info(&t.app, &c, &session, &data(json!({"code": "good-code", "state": "forged"}))).await;
        assert_eq!(err(got.unwrap_err()), (401, "connector.authorization_failed"));
        // The provider refused the code.
        let got = user_info(&t.app, &c, &session, &data(json!({"code": "bad", "state": "state-1"}))).await;
        assert_eq!(err(got.unwrap_err()), (401, "connector.social_auth_code_invalid"));
        // The user said no.
        let got = user_info(&t.app, &c, &session, &data(json!({"error": "access_denied", "state": "state-1"}))).await;
        assert_eq!(err(got.unwrap_err()), (401, "connector.authorization_failed"));

        // An ID token minted for another sign-in (wrong nonce), or signed by another key.
        let replayed = id_token(&k, claims("someone-elses-nonce")).await;
        t.app.http_client = Some(Arc::new(oidc_idp(&k, replayed, challenge.clone())));
        let got = user_info(&t.app, &c, &session, &data(json!({"code": "good-code", "state": "state-1"}))).await;
        assert_eq!(err(got.unwrap_err()), (401, "connector.social_invalid_id_token"));
        let other = keys(&t.app).await;
        let forged = id_token(&other, claims(session.nonce.as_deref().unwrap())).await;
        t.app.http_client = Some(Arc::new(oidc_idp(&k, forged, challenge.clone())));
        let got = user_info(&t.app, &c, &session, &data(json!({"code": "good-code", "state": "state-1"}))).await;
        assert_eq!(err(got.unwrap_err()), (401, "connector.social_invalid_id_token"));

        // The provider is down: a clear 4xx, not a 5xx.
        t.app.http_client = Some(Arc::new(FakeIdp {
            handler: Box::new(|_, _| Err(HttpClientError("connection refused".into()))),
            seen: Mutex::new(Vec::new()),
        }));
        let got = user_info(&t.app, &c, &session, &data(json!({"code": "good-code", "state": "state-1"}))).await;
        let api = got.unwrap_err().to_api_error();
        assert_eq!((api.status.as_u16(), api.code), (400, "connector.general"));
        assert!(api.message.contains("connection refused"), "{}", api.message);
    }

    #[tokio::test]
    async fn a_config_that_fails_its_guard_is_invalid_config() {
        let t = crate::testing::app();
        let c = connector(&oidc::FACTORY, Kind::Oidc, json!({ "clientId": "x" }));
        let got = authorization_uri(&t.app, &c, "s", "https://edgeid.test/cb", None).await;
        let api = got.unwrap_err().to_api_error();
        assert_eq!((api.status.as_u16(), api.code), (400, "connector.invalid_config"));
        assert_eq!(api.data.unwrap()["name"], "ZodError");
    }

    #[tokio::test]
    async fn generic_oauth2_maps_the_user_info_by_profile_map() {
        let mut t = crate::testing::app();
        let c = connector(
            &oauth2::FACTORY,
            Kind::OAuth2,
            json!({
                "authorizationEndpoint": "https://p.test/auth", "tokenEndpoint": "https://p.test/token",
                "userInfoEndpoint": "https://p.test/me", "clientId": "client-1", "clientSecret": "secret-1",
                "tokenEndpointAuthMethod": "client_secret_basic", "scope": "read",
                "profileMap": { "id": "data.uid", "name": "data.display" }, "customConfig": { "audienceHint": "x" },
            }),
        );
        let (params, session) = start(&t.app, &c).await;
        assert_eq!((params["scope"].as_str(), params["audience_hint"].as_str()), (Some("read"), Some("x")));
        t.app.http_client = Some(Arc::new(FakeIdp {
            handler: Box::new(|req, body| match req.uri().path() {
                "/token" => {
                    // client_secret_basic: the secret is in the header, not the form; the
                    // answer is form-encoded (Logto's `query-string` response type).
                    assert!(req.headers()[http::header::AUTHORIZATION].to_str().unwrap().starts_with("Basic "));
                    assert!(!body.contains("client_secret"));
                    Ok((200, json!("access_token=at-2&token_type=bearer")))
                }
                "/me" => {
                    assert_eq!(req.headers()[http::header::AUTHORIZATION], "Bearer at-2");
                    Ok((200, json!({ "data": { "uid": 42, "display": "Forty-two" } })))
                }
                other => panic!("{other}"),
            }),
            seen: Mutex::new(Vec::new()),
        }));
        let info = user_info(&t.app, &c, &session, json!({"code": "c", "state": "state-1"}).as_object().unwrap()).await;
        let info = info.unwrap();
        assert_eq!((info.id.as_str(), info.name.as_deref()), ("42", Some("Forty-two")));
    }

    /// The Management API's linking pair (`POST /api/connectors/:id/authorization-uri`, then
    /// `POST /api/users/:userId/identities`): the URI's session (its PKCE verifier) is kept for
    /// the link and spent by it, and the link answers with Logto's codes.
    #[tokio::test]
    async fn management_linking_keeps_the_uris_session_for_one_link() {
        use crate::management::testing::TestApp;
        let mut t = TestApp::seeded().await;
        let config = json!({
            "authorizationEndpoint": "https://p.test/auth", "tokenEndpoint": "https://p.test/token",
            "userInfoEndpoint": "https://p.test/me", "clientId": "client-1", "clientSecret": "secret-1",
            "scope": "read", "profileMap": { "id": "uid", "email": "mail" },
        });
        let created = t
            .call(
                "POST",
                "/api/connectors",
                json!({ "connectorId": "oauth2", "config": config, "metadata": { "target": "acme" } }),
            )
            .await;
        TestApp::ok(&created, 200);
        let cid = created.json["id"].as_str().unwrap().to_owned();
        let user = t.call("POST", "/api/users", json!({ "username": "linda" })).await;
        let uid = user.json["id"].as_str().unwrap().to_owned();
        let other =
            t.call("POST", "/api/users", json!({ "username": "olga" })).await.json["id"].as_str().unwrap().to_owned();

        let uri_path = format!("/api/connectors/{cid}/authorization-uri");
        let insufficient =
            t.call("POST", &uri_path, json!({ "state": "", "redirectUri": "https://app.test/cb" })).await;
        assert_eq!(insufficient.error(), (400, "session.insufficient_info"));
        let uri = t.call("POST", &uri_path, json!({ "state": "st-1", "redirectUri": "https://app.test/cb" })).await;
        TestApp::ok(&uri, 200);
        let params = query(uri.json["redirectTo"].as_str().unwrap());
        assert_eq!(
            (params["state"].as_str(), params["redirect_uri"].as_str()),
            (Some("st-1"), Some("https://app.test/cb"))
        );
        // The challenges of every URI handed out (the provider's memory of its authorize requests).
        let challenges = Arc::new(Mutex::new(vec![params["code_challenge"].as_str().unwrap().to_owned()]));
        let issued = challenges.clone();
        t.app.http_client = Some(Arc::new(FakeIdp {
            handler: Box::new(move |req, body| match req.uri().path() {
                "/token" => {
                    let f = form(body);
                    let verifier = f.get("code_verifier").and_then(Value::as_str).unwrap_or_default();
                    if !issued.lock().unwrap().contains(&jose::b64(&sha2::Sha256::digest(verifier.as_bytes()))) {
                        return Ok((400, json!({ "error": "invalid_grant" })));
                    }
                    assert_eq!(f["redirect_uri"], "https://app.test/cb");
                    Ok((200, json!({ "access_token": "at-7", "token_type": "Bearer" })))
                }
                "/me" => Ok((200, json!({ "uid": "p-7", "mail": "p7@example.com" }))),
                other => panic!("{other}"),
            }),
            seen: Mutex::new(Vec::new()),
        }));
        let link = |user: &str, connector: &str, state: &str| {
            let body = json!({ "connectorId": connector,
                "connectorData": { "code": "c", "state": state, "redirectUri": "https://app.test/cb" } });
            let path = format!("/api/users/{user}/identities");
            let t = &t;
            async move { t.call("POST", &path, body).await }
        };

        let linked = link(&uid, &cid, "st-1").await;
        TestApp::ok(&linked, 200);
        assert_eq!(
            linked.json,
            json!({ "acme": { "userId": "p-7", "details": {
                "id": "p-7", "email": "p7@example.com", "rawData": { "uid": "p-7", "mail": "p7@example.com" } } } })
        );
        // Spent: the same state again runs sessionless (no PKCE verifier), and the provider says no.
        assert_eq!(link(&uid, &cid, "st-1").await.error(), (401, "connector.social_auth_code_invalid"));
        // Another user may not take the identity.
        let uri = t.call("POST", &uri_path, json!({ "state": "st-2", "redirectUri": "https://app.test/cb" })).await;
        let params = query(uri.json["redirectTo"].as_str().unwrap());
        challenges.lock().unwrap().push(params["code_challenge"].as_str().unwrap().to_owned());
        assert_eq!(link(&other, &cid, "st-2").await.error(), (422, "user.identity_already_in_use"));
        assert_eq!(link(&uid, "nope", "st-2").await.error(), (404, "entity.not_found"));
        assert_eq!(link("nobody", &cid, "st-2").await.error(), (404, "entity.not_found"));
        let got = t.call("GET", &format!("/api/users/{uid}"), Value::Null).await;
        assert_eq!(got.json["identities"]["acme"]["userId"], "p-7");
    }

    #[tokio::test]
    async fn github_reads_the_user_and_the_verified_primary_email() {
        let mut t = crate::testing::app();
        let c =
            connector(&github::FACTORY, Kind::GitHub, json!({ "clientId": "gh-client", "clientSecret": "gh-secret" }));
        let (params, session) = start(&t.app, &c).await;
        assert_eq!(params["scope"], "read:user user:email");
        assert_eq!(params["client_id"], "gh-client");
        t.app.http_client = Some(Arc::new(FakeIdp {
            handler: Box::new(|req, body| match (req.uri().host(), req.uri().path()) {
                (Some("github.com"), "/login/oauth/access_token") => {
                    let f = form(body);
                    if f["code"] == "bad" {
                        // GitHub answers a bad code with 200 and an `error`.
                        return Ok((
                            200,
                            json!({ "error": "bad_verification_code", "error_description": "The code passed is incorrect or expired." }),
                        ));
                    }
                    assert_eq!(f["client_secret"], "gh-secret");
                    Ok((
                        200,
                        json!({ "access_token": "gho_1", "token_type": "bearer", "scope": "read:user,user:email" }),
                    ))
                }
                (Some("api.github.com"), "/user") => {
                    assert_eq!(req.headers()[http::header::AUTHORIZATION], "Bearer gho_1");
                    assert!(req.headers().contains_key(http::header::USER_AGENT));
                    Ok((
                        200,
                        json!({ "id": 1234, "login": "octo", "name": "Octo Cat", "avatar_url": "https://a/o.png", "email": null }),
                    ))
                }
                (Some("api.github.com"), "/user/emails") => Ok((
                    200,
                    json!([
                        { "email": "old@example.com", "primary": false, "verified": true, "visibility": null },
                        { "email": "octo@example.com", "primary": true, "verified": true, "visibility": "private" },
                    ]),
                )),
                other => panic!("{other:?}"),
            }),
            seen: Mutex::new(Vec::new()),
        }));
        let data = |code: &str| json!({ "code": code, "state": "state-1" }).as_object().unwrap().clone();
        let info = user_info(&t.app, &c, &session, &data("good")).await.unwrap();
        assert_eq!(info.id, "1234");
        assert_eq!(info.email.as_deref(), Some("octo@example.com"));
        assert_eq!((info.name.as_deref(), info.avatar.as_deref()), (Some("Octo Cat"), Some("https://a/o.png")));
        assert_eq!(info.raw_data.unwrap()["userInfo"]["login"], "octo");
        let api = user_info(&t.app, &c, &session, &data("bad")).await.unwrap_err().to_api_error();
        assert_eq!((api.status.as_u16(), api.code), (401, "connector.social_auth_code_invalid"));
    }

    #[tokio::test]
    async fn google_is_oidc_with_googles_keys_issuer_and_rs256() {
        let mut t = crate::testing::app();
        let c = connector(
            &google::FACTORY,
            Kind::Google,
            json!({ "clientId": "g-client", "clientSecret": "g-secret", "prompts": ["consent"], "offlineAccess": true }),
        );
        let (params, session) = start(&t.app, &c).await;
        assert_eq!(params["scope"], "openid profile email");
        assert_eq!((params["prompt"].as_str(), params["access_type"].as_str()), (Some("consent"), Some("offline")));
        assert!(params["nonce"].is_string() && params["code_challenge"].is_string());

        // An ES256 token, even from a key in the JWKS, is not what Google signs with.
        let k = keys(&t.app).await;
        let now = crate::testing::T0 / 1000;
        let claims = json!({ "iss": "https://accounts.google.com", "aud": "g-client", "sub": "g1", "iat": now, "exp": now + 60, "nonce": session.nonce });
        let token = id_token(&k, claims).await;
        let jwks = k.jwks.clone();
        t.app.http_client = Some(Arc::new(FakeIdp {
            handler: Box::new(move |req, _| match (req.uri().host(), req.uri().path()) {
                (Some("oauth2.googleapis.com"), "/token") => {
                    Ok((200, json!({ "access_token": "ya29", "token_type": "Bearer", "id_token": token })))
                }
                (Some("www.googleapis.com"), "/oauth2/v3/certs") => Ok((200, jwks.clone())),
                other => panic!("{other:?}"),
            }),
            seen: Mutex::new(Vec::new()),
        }));
        let data = json!({ "code": "c", "state": "state-1" });
        let api = user_info(&t.app, &c, &session, data.as_object().unwrap()).await.unwrap_err().to_api_error();
        assert_eq!((api.status.as_u16(), api.code), (401, "connector.social_invalid_id_token"));
    }
}
