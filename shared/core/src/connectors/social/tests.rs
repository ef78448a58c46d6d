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
