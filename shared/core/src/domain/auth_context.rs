//! What a user authorized, in which sign-in: carried unchanged from the authorization code to
//! every refresh token of its rotation chain (node-oidc-provider copies the same fields from
//! `AuthorizationCode` to `RefreshToken`). One struct, flattened into both records, so the two
//! cannot drift apart and the stored JSON keeps its flat shape.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthContext {
    pub account_id: String,
    pub client_id: String,
    pub grant_id: String,
    /// The requested scopes, space-separated (OIDC and resource scopes).
    pub scope: String,
    /// The resource indicator(s) of the request (after Logto's default-resource rule); an
    /// access token may be asked for one of these.
    #[serde(default)]
    pub resource: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// When the user authenticated (seconds since the epoch), the ID token's `auth_time`.
    pub auth_time: i64,
    #[serde(default)]
    pub amr: Vec<String>,
    /// The session id to put in the ID token as `sid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The session the authorization was made in (its record id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_uid: Option<String>,
}

impl AuthContext {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|s| !s.is_empty())
    }

    pub fn has_scope(&self, wanted: &str) -> bool {
        self.scopes().any(|s| s == wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::authorization_code::CodeRequest;
    use crate::domain::refresh_token::RefreshTokenRecord;

    fn context() -> AuthContext {
        AuthContext {
            account_id: "u1".into(),
            client_id: "spa".into(),
            grant_id: "g1".into(),
            scope: "openid  offline_access".into(),
            resource: vec!["https://api.example.com".into()],
            nonce: Some("n".into()),
            auth_time: 1_767_225_600,
            amr: vec!["pwd".into()],
            sid: Some("sid".into()),
            session_uid: Some("s1".into()),
        }
    }

    #[test]
    fn both_records_store_the_context_flat_as_before() {
        let code =
            CodeRequest { context: context(), redirect_uri: "https://spa.example.com/cb".into(), ..Default::default() };
        let json = serde_json::to_value(&code).unwrap();
        assert_eq!(json["accountId"], "u1");
        assert_eq!(json["sessionUid"], "s1");
        assert_eq!(json["redirectUri"], "https://spa.example.com/cb");
        assert!(json.get("context").is_none(), "{json}");
        // A record written before the struct existed (the same flat JSON) still reads.
        let old = serde_json::json!({
            "grantId": "g1", "clientId": "spa", "accountId": "u1", "redirectUri": "https://spa.example.com/cb",
            "scope": "openid", "authTime": 5,
        });
        let read: CodeRequest = serde_json::from_value(old).unwrap();
        assert_eq!((read.context.account_id.as_str(), read.context.auth_time), ("u1", 5));

        let token = RefreshTokenRecord { context: context(), iat: 1, exp: 2, iiat: 1, ..Default::default() };
        let json = serde_json::to_value(&token).unwrap();
        assert_eq!((json["grantId"].as_str(), json["iiat"].as_i64()), (Some("g1"), Some(1)));
        assert_eq!(serde_json::from_value::<RefreshTokenRecord>(json).unwrap(), token);
    }

    #[test]
    fn scopes_skip_empty_parts() {
        assert_eq!(context().scopes().collect::<Vec<_>>(), ["openid", "offline_access"]);
        assert!(context().has_scope("offline_access") && !context().has_scope(""));
    }
}
