//! `POST /oidc/token/revocation` (RFC 7009), client authentication required.
//!
//! Opaque access tokens and refresh tokens are revoked as oidc-provider v9 does: every token
//! of the same grant goes with them; a refresh token also takes the grant itself (the default
//! `revokeGrantPolicy` keeps the grant only when an access token is revoked). JWT access
//! tokens are revoked by putting their `jti` on a deny list in the store until the token
//! would have expired (introspection and the Management API guard consult it); Logto instead
//! rejects JWTs here with `unsupported_token_type`. Invalid, expired or
//! unknown tokens get 200 (RFC 7009 §2.2); revoking twice is harmless. Another client's token:
//! a public client gets 200 without effect, a confidential client 400 `invalid_request`
//! (oidc-provider's default `allowedPolicy`).

use http::StatusCode;

use super::single;
use crate::domain::access_token::{self, TokenError, opaque};
use crate::domain::{grant, refresh_token};
use crate::error::OAuthError;
use crate::oidc::client_auth::{self, AuthMethod};
use crate::oidc::{form, missing_parameter};
use crate::{App, Request, Response};

pub async fn post(app: &App, req: &Request) -> Result<Response, OAuthError> {
    let params = form(req)?;
    let client = client_auth::authenticate(app, req.headers(), &params).await?;
    let token = single(&params, "token")?.ok_or_else(|| missing_parameter("token"))?;
    let hint = single(&params, "token_type_hint")?;
    if opaque::looks_opaque(token) {
        revoke_opaque(app, &client, token, hint).await?;
        return Ok(crate::http::empty(StatusCode::OK));
    }
    match access_token::verify(app, token).await {
        Ok(claims) if claims.client_id != client.id() => {
            if client.method != AuthMethod::None {
                return Err(OAuthError::invalid_request("client is not authorized to revoke the presented token"));
            }
        }
        Ok(claims) => access_token::revoke(app, &claims).await?,
        Err(TokenError::Internal(e)) => return Err(e.into()),
        Err(_) => {}
    }
    Ok(crate::http::empty(StatusCode::OK))
}

/// An opaque access token or a refresh token (looked up in the hinted order; unknown → no-op).
async fn revoke_opaque(
    app: &App,
    client: &client_auth::Client,
    token: &str,
    hint: Option<&str>,
) -> Result<(), OAuthError> {
    let refresh_first = hint == Some("refresh_token");
    for refresh in [refresh_first, !refresh_first] {
        let found = if refresh {
            refresh_token::find(app, token).await?.map(|f| (f.token.context.client_id, f.token.context.grant_id, true))
        } else {
            opaque::find(app, token).await?.map(|t| (t.client_id, t.grant_id, false))
        };
        let Some((client_id, grant_id, is_refresh)) = found else { continue };
        if client_id != client.id() {
            if client.method != AuthMethod::None {
                return Err(OAuthError::invalid_request("client is not authorized to revoke the presented token"));
            }
            return Ok(());
        }
        if is_refresh {
            grant::revoke(app, &grant_id).await?;
        } else {
            grant::revoke_tokens(app, &grant_id).await?;
        }
        return Ok(());
    }
    Ok(())
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod http_tests {
    use crate::domain::access_token::{self, TokenError};
    use crate::testing::{self, call, post_form, seed::*};

    async fn issue(app: &crate::App) -> String {
        let body = "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=read";
        let (_, _, json) = call(app, post_form("/oidc/token", Some((M2M, M2M_SECRET)), body)).await;
        json["access_token"].as_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn revocation_is_idempotent_and_seen_everywhere() {
        let app = testing::app();
        testing::seed(&app).await;
        let at = issue(&app).await;
        for _ in 0..2 {
            let (status, headers, body) =
                call(&app, post_form("/oidc/token/revocation", Some((M2M, M2M_SECRET)), &format!("token={at}"))).await;
            assert_eq!(status, 200);
            assert_eq!(body, serde_json::Value::Null, "empty body");
            assert!(headers.get("content-type").is_none());
        }
        assert_eq!(access_token::verify(&app, &at).await, Err(TokenError::Revoked));
        // Another instance (its own caches, same store) agrees.
        let other = testing::second_instance(app.config.clone(), &app.clock, &app.store);
        assert_eq!(access_token::verify(&other, &at).await, Err(TokenError::Revoked));
        // The deny-list entry goes away once the token would have expired anyway.
        let record = {
            use crate::store::Store as _;
            let claims: serde_json::Value =
                serde_json::from_slice(&crate::jose::decode_unverified(&at).unwrap().payload).unwrap();
            app.store.get(&crate::store::keys::revoked_token(claims["jti"].as_str().unwrap())).await.unwrap().unwrap()
        };
        assert_eq!(record.expires_at, Some((testing::T0 / 1000 + 3600 + access_token::LEEWAY_SECS) * 1000));
    }

    #[tokio::test]
    async fn unknown_and_invalid_tokens_are_accepted_silently() {
        let app = testing::app();
        testing::seed(&app).await;
        for token in ["never-issued", "a.b.c"] {
            let (status, _, _) =
                call(&app, post_form("/oidc/token/revocation", Some((M2M, M2M_SECRET)), &format!("token={token}")))
                    .await;
            assert_eq!(status, 200);
        }
    }

    #[tokio::test]
    async fn only_the_owner_revokes() {
        let app = testing::app();
        testing::seed(&app).await;
        let at = issue(&app).await;
        let (status, _, json) =
            call(&app, post_form("/oidc/token/revocation", Some((WEB, WEB_SECRET)), &format!("token={at}"))).await;
        assert_eq!(status, 400);
        assert_eq!(json["error"], "invalid_request");
        assert_eq!(json["error_description"], "client is not authorized to revoke the presented token");
        // A public client gets 200 and nothing happens.
        let (status, _, _) =
            call(&app, post_form("/oidc/token/revocation", None, &format!("token={at}&client_id={SPA}"))).await;
        assert_eq!(status, 200);
        assert!(access_token::verify(&app, &at).await.is_ok());
        let (status, _, json) = call(&app, post_form("/oidc/token/revocation", Some((M2M, M2M_SECRET)), "")).await;
        assert_eq!(
            (status.as_u16(), json["error_description"].as_str()),
            (400, Some("missing required parameter 'token'"))
        );
    }
}
