//! `POST /oidc/token/introspection` (RFC 7662), client authentication required.
//!
//! Opaque access tokens and refresh tokens as oidc-provider does: active while unexpired,
//! unconsumed (Logto's 3 s grace after a rotation counts as unconsumed) and their grant alive;
//! `{active, sub, client_id, exp, iat, sid?, iss, scope, token_type?}` (no `token_type` for a
//! refresh token). Deliberately unlike Logto — which answers `unsupported_token_type` for
//! JWTs — edgeid also introspects the JWT access tokens it issued: active when the signature
//! verifies against the key ring, it is unexpired, issued by us and not revoked. Anything
//! else is `{"active":false}`. A public client only sees its own tokens (oidc-provider's
//! default `allowedPolicy`).

use serde::Serialize;

use super::{no_store_json, single};
use crate::domain::access_token::{self, TokenError, opaque};
use crate::domain::{grant, refresh_token};
use crate::error::OAuthError;
use crate::oidc::client_auth::{self, AuthMethod};
use crate::oidc::{form, missing_parameter};
use crate::{App, Request, Response};

#[derive(Serialize)]
struct Active<'a> {
    active: bool,
    client_id: &'a str,
    exp: i64,
    iat: i64,
    iss: &'a str,
    jti: &'a str,
    aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    sub: &'a str,
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<&'a str>,
}

/// The answer for an active opaque access or refresh token.
#[derive(Serialize)]
struct ActiveOpaque {
    active: bool,
    sub: String,
    client_id: String,
    exp: i64,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    iss: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
}

async fn introspect_opaque(
    app: &App,
    client: &client_auth::Client,
    token: &str,
    hint: Option<&str>,
) -> Result<Option<ActiveOpaque>, OAuthError> {
    let now = app.clock.now_secs();
    let refresh_first = hint == Some("refresh_token");
    let mut found = None;
    for refresh in [refresh_first, !refresh_first] {
        found = if refresh {
            refresh_token::find(app, token).await?.and_then(|f| {
                let live = !f.token.is_expired(now) && !f.is_spent(app.clock.now_ms());
                let t = f.token;
                let c = t.context;
                live.then_some((c.account_id, c.client_id, c.grant_id, t.exp, t.iat, c.sid, c.scope, None))
            })
        } else {
            opaque::find(app, token)
                .await?
                .map(|t| (t.account_id, t.client_id, t.grant_id, t.exp, t.iat, t.sid, t.scope, Some("Bearer")))
        };
        if found.is_some() {
            break;
        }
    }
    let Some((account_id, client_id, grant_id, exp, iat, sid, scope, token_type)) = found else {
        return Ok(None);
    };
    let Some(grant) = grant::find(app, &grant_id).await? else { return Ok(None) };
    if grant.value.client_id != client_id || grant.value.account_id != account_id {
        return Ok(None);
    }
    if client.method == AuthMethod::None && client_id != client.id() {
        return Ok(None);
    }
    Ok(Some(ActiveOpaque {
        active: true,
        sub: account_id,
        client_id,
        exp,
        iat,
        sid,
        iss: app.config.issuer(),
        scope: (!scope.is_empty()).then_some(scope),
        token_type,
    }))
}

#[derive(Serialize)]
struct Inactive {
    active: bool,
}

pub async fn post(app: &App, req: &Request) -> Result<Response, OAuthError> {
    let params = form(req)?;
    let client = client_auth::authenticate(app, req.headers(), &params).await?;
    let token = single(&params, "token")?.ok_or_else(|| missing_parameter("token"))?;
    let hint = single(&params, "token_type_hint")?;
    let inactive = || no_store_json(&Inactive { active: false });
    if opaque::looks_opaque(token) {
        return Ok(match introspect_opaque(app, &client, token, hint).await? {
            Some(active) => no_store_json(&active),
            None => inactive(),
        });
    }
    match access_token::verify(app, token).await {
        Ok(claims) if client.method == AuthMethod::None && claims.client_id != client.id() => Ok(inactive()),
        Ok(claims) => Ok(no_store_json(&Active {
            active: true,
            client_id: &claims.client_id,
            exp: claims.exp,
            iat: claims.iat,
            iss: &claims.iss,
            jti: &claims.jti,
            aud: &claims.aud,
            scope: claims.scope.as_deref(),
            sub: &claims.sub,
            token_type: "Bearer",
            organization_id: claims.organization_id.as_deref(),
        })),
        Err(TokenError::Internal(e)) => Err(e.into()),
        Err(_) => Ok(inactive()),
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod http_tests {
    use serde_json::{Value, json};

    use crate::testing::{self, T0, call, post_form, seed::*};

    async fn issue(app: &crate::App, id: &str, secret: &str, scope: &str) -> String {
        let body = format!("grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope={scope}");
        let (status, _, json) = call(app, post_form("/oidc/token", Some((id, secret)), &body)).await;
        assert_eq!(status, 200, "{json}");
        json["access_token"].as_str().unwrap().to_owned()
    }

    async fn introspect(app: &crate::App, who: Option<(&str, &str)>, body: &str) -> (u16, Value) {
        let (status, headers, json) = call(app, post_form("/oidc/token/introspection", who, body)).await;
        assert_eq!(headers["cache-control"], "no-store");
        (status.as_u16(), json)
    }

    #[tokio::test]
    async fn an_issued_token_is_active_with_its_claims() {
        let app = testing::app();
        testing::seed(&app).await;
        let at = issue(&app, M2M, M2M_SECRET, "read").await;
        let (status, json) = introspect(&app, Some((M2M, M2M_SECRET)), &format!("token={at}")).await;
        assert_eq!(status, 200);
        let jti = json["jti"].as_str().unwrap().to_owned();
        assert_eq!(
            json,
            json!({
                "active": true, "client_id": M2M, "exp": T0 / 1000 + 3600, "iat": T0 / 1000,
                "iss": "http://localhost:3001/oidc", "jti": jti, "aud": API, "scope": "read",
                "sub": M2M, "token_type": "Bearer"
            })
        );
        // A confidential client may introspect another client's token; a hint is accepted.
        let (_, json) =
            introspect(&app, Some((WEB, WEB_SECRET)), &format!("token={at}&token_type_hint=access_token")).await;
        assert_eq!(json["active"], true);
    }

    #[tokio::test]
    async fn invalid_expired_foreign_and_revoked_tokens_are_inactive() {
        let app = testing::app();
        testing::seed(&app).await;
        let at = issue(&app, M2M, M2M_SECRET, "read").await;
        let inactive = json!({ "active": false });
        let me = Some((M2M, M2M_SECRET));
        let mut tampered = at.clone();
        tampered.pop();
        tampered.push(if at.ends_with('A') { 'B' } else { 'A' });
        for token in ["opaque-token-we-never-issued", "a.b.c", tampered.as_str()] {
            assert_eq!(introspect(&app, me, &format!("token={token}")).await, (200, inactive.clone()), "{token}");
        }
        // A public client only sees its own tokens.
        assert_eq!(introspect(&app, None, &format!("token={at}&client_id={SPA}")).await, (200, inactive.clone()));
        // Revoked.
        let (status, _, _) = call(&app, post_form("/oidc/token/revocation", me, &format!("token={at}"))).await;
        assert_eq!(status, 200);
        assert_eq!(introspect(&app, me, &format!("token={at}")).await, (200, inactive.clone()));
        // Expired.
        let fresh = issue(&app, M2M, M2M_SECRET, "read").await;
        app.clock.advance_ms(3_600_000 + crate::domain::access_token::LEEWAY_SECS * 1000);
        assert_eq!(introspect(&app, me, &format!("token={fresh}")).await, (200, inactive));
    }

    #[tokio::test]
    async fn introspection_requires_client_authentication_and_a_token() {
        let app = testing::app();
        testing::seed(&app).await;
        let (status, json) = introspect(&app, None, "token=x").await;
        assert_eq!(
            (status, json["error_description"].as_str()),
            (400, Some("no client authentication mechanism provided"))
        );
        let (status, json) = introspect(&app, Some((M2M, "wrong")), "token=x").await;
        assert_eq!((status, json["error"].as_str()), (401, Some("invalid_client")));
        let (status, json) = introspect(&app, Some((M2M, M2M_SECRET)), "").await;
        assert_eq!((status, json["error_description"].as_str()), (400, Some("missing required parameter 'token'")));
        let (status, json) = introspect(&app, Some((M2M, M2M_SECRET)), "token=a&token=b").await;
        assert_eq!(
            (status, json["error_description"].as_str()),
            (400, Some("'token' parameter must not be provided twice"))
        );
    }
}
