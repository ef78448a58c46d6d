//! One-time tokens (Logto's `one_time_tokens`: magic links an administrator issues for an email
//! address, spent through the Experience API's one-time-token verification or the Management
//! API's `verify`).
//!
//! A token is 32 characters of `[0-9a-z]` (Logto's `generateStandardSecret`), shown once, in the
//! create response; the store keeps its SHA-256 (and four characters for display), under
//! `one_time_token/<id>`, with an index from the hash to the id written in the same commit.
//! Status changes are `IfVersion` writes, so two concurrent verifications of one token have
//! one winner. An `active` token past its expiry reads as `expired` (Logto computes the same on
//! read).

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::table::{self, Versioned};
use super::{TENANT_ID, token_hash};
use crate::App;
use crate::error::{ApiError, Internal};
use crate::ports::Millis;
use crate::store::{Condition, Store, StoreError, WriteOp, keys};

/// Logto's default lifetime: ten minutes.
pub const DEFAULT_EXPIRES_IN_SECS: i64 = 600;
const TOKEN_LEN: usize = 32;
const SHOWN: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Consumed,
    Revoked,
    Expired,
}

impl Status {
    pub fn parse(raw: &str) -> Option<Status> {
        serde_json::from_value(Value::String(raw.to_owned())).ok()
    }
}

/// The stored token (no secret: only its hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneTimeToken {
    pub id: String,
    pub email: String,
    pub token_hash: String,
    pub token_start: String,
    /// Logto's `OneTimeTokenContext` (`jitOrganizationIds`, `interactionEvent`).
    pub context: Map<String, Value>,
    pub status: Status,
    pub created_at: Millis,
    pub expires_at: Millis,
}

impl OneTimeToken {
    /// The status as of `now`: an active token past its expiry is expired.
    pub fn status_at(&self, now: Millis) -> Status {
        if self.status == Status::Active && self.expires_at <= now { Status::Expired } else { self.status }
    }

    /// The context's `interactionEvent`, if it scopes the token to one.
    pub fn interaction_event(&self) -> Option<&str> {
        self.context.get("interactionEvent").and_then(Value::as_str)
    }

    /// Logto's `OneTimeToken` JSON; `token` is the value when the caller has it (create, verify)
    /// and a masked form otherwise.
    pub fn response(&self, now: Millis, token: Option<&str>) -> Value {
        let masked = || format!("{}{}", self.token_start, "*".repeat(TOKEN_LEN - SHOWN));
        serde_json::json!({
            "tenantId": TENANT_ID,
            "id": self.id,
            "email": self.email,
            "token": token.map_or_else(masked, str::to_owned),
            "context": self.context,
            "status": self.status_at(now),
            "createdAt": self.created_at,
            "expiresAt": self.expires_at,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Index {
    id: String,
}

/// Issue a token for `email`, valid `expires_in` seconds; returns the record and the token.
pub async fn insert(
    app: &App,
    email: &str,
    context: Map<String, Value>,
    expires_in: i64,
) -> Result<(OneTimeToken, String), Internal> {
    let now = app.clock.now_ms();
    let token = app.rng.id(TOKEN_LEN);
    let record = OneTimeToken {
        id: app.rng.id(21),
        email: email.to_owned(),
        token_hash: token_hash::hash(&token),
        token_start: token.chars().take(SHOWN).collect(),
        context,
        status: Status::Active,
        created_at: now,
        expires_at: now.saturating_add(expires_in.saturating_mul(1000)),
    };
    let ops = vec![
        table::put(keys::one_time_token(&record.id), table::encode(&record)?, Condition::IfAbsent),
        table::put(
            keys::one_time_token_by_hash(&record.token_hash),
            table::encode(&Index { id: record.id.clone() })?,
            Condition::IfAbsent,
        ),
    ];
    app.store.commit(ops).await?;
    Ok((record, token))
}

pub async fn find(store: &dyn Store, id: &str) -> Result<Option<Versioned<OneTimeToken>>, Internal> {
    table::read(store, &keys::one_time_token(id)).await
}

/// The token whose value is `token`, by its hash.
pub async fn find_by_token(store: &dyn Store, token: &str) -> Result<Option<Versioned<OneTimeToken>>, Internal> {
    let Some(index) = table::read::<Index>(store, &keys::one_time_token_by_hash(&token_hash::hash(token))).await?
    else {
        return Ok(None);
    };
    find(store, &index.value.id).await
}

/// Every token, oldest first.
pub async fn list(store: &dyn Store) -> Result<Vec<OneTimeToken>, Internal> {
    let mut all: Vec<OneTimeToken> = table::list(store, &keys::one_time_tokens(), None).await?;
    all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
    Ok(all)
}

/// Write `status` over the version that was read; `false` when the token changed meanwhile.
pub async fn set_status(
    store: &dyn Store,
    current: &Versioned<OneTimeToken>,
    status: Status,
) -> Result<bool, Internal> {
    let mut next = current.value.clone();
    next.status = status;
    let op = table::put(keys::one_time_token(&next.id), table::encode(&next)?, Condition::IfVersion(current.version));
    match store.commit(vec![op]).await {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Remove the token and its index.
pub async fn delete(store: &dyn Store, token: &OneTimeToken) -> Result<(), Internal> {
    store
        .commit(vec![
            WriteOp::Delete { key: keys::one_time_token(&token.id), condition: Condition::Always },
            WriteOp::Delete { key: keys::one_time_token_by_hash(&token.token_hash), condition: Condition::Always },
        ])
        .await?;
    Ok(())
}

fn bad_request(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// Logto's `verifyOneTimeToken(token, email, expectedInteractionEvent?)`: the checks of
/// `checkOneTimeToken` in its order, then the token is consumed. A token found expired is
/// marked so. Two concurrent verifications: one consumes, the other gets `token_consumed`.
pub async fn verify(
    app: &App,
    token: &str,
    email: &str,
    expected_event: Option<&str>,
) -> Result<OneTimeToken, ApiError> {
    let store = app.store.as_ref();
    let found = find_by_token(store, token).await?.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "one_time_token.token_not_found", format!("Token {token} not found."))
    })?;
    let record = &found.value;
    if record.email != email {
        return Err(bad_request("one_time_token.email_mismatch", "Email mismatch with given token."));
    }
    match record.status_at(app.clock.now_ms()) {
        Status::Expired => {
            if record.status == Status::Active {
                // Best effort, as Logto's un-awaited update: the read already says expired.
                let _ = set_status(store, &found, Status::Expired).await;
            }
            return Err(bad_request("one_time_token.token_expired", "The token is expired."));
        }
        Status::Consumed => return Err(consumed()),
        Status::Revoked => return Err(bad_request("one_time_token.token_revoked", "The token has been revoked.")),
        Status::Active => {}
    }
    if let (Some(expected), Some(scoped)) = (expected_event, record.interaction_event())
        && expected != scoped
    {
        return Err(bad_request(
            "one_time_token.interaction_event_mismatch",
            "The token cannot be used for this interaction.",
        ));
    }
    if !set_status(store, &found, Status::Consumed).await? {
        return Err(consumed());
    }
    Ok(OneTimeToken { status: Status::Consumed, ..found.value })
}

fn consumed() -> ApiError {
    bad_request("one_time_token.token_consumed", "The token has been consumed.")
}

#[cfg(test)]
#[cfg(feature = "ring")] // crate::testing's app signs with ring.
mod tests {
    use super::*;
    use crate::testing;

    fn code(e: ApiError) -> (u16, &'static str) {
        (e.status.as_u16(), e.code)
    }

    #[tokio::test]
    async fn verify_checks_in_logtos_order_and_consumes_once() {
        let t = testing::app();
        let app = &t.app;
        let (record, token) = insert(app, "a@b.co", Map::new(), 600).await.unwrap();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        let stored =
            String::from_utf8(app.store.get(&keys::one_time_token(&record.id)).await.unwrap().unwrap().value).unwrap();
        assert!(!stored.contains(&token), "only the hash is stored");

        assert_eq!(
            code(verify(app, "nope", "a@b.co", None).await.unwrap_err()),
            (404, "one_time_token.token_not_found")
        );
        assert_eq!(
            code(verify(app, &token, "x@b.co", None).await.unwrap_err()),
            (400, "one_time_token.email_mismatch")
        );
        let (_, scoped) =
            insert(app, "a@b.co", serde_json::json!({"interactionEvent": "SignIn"}).as_object().unwrap().clone(), 600)
                .await
                .unwrap();
        assert_eq!(
            code(verify(app, &scoped, "a@b.co", Some("ForgotPassword")).await.unwrap_err()),
            (400, "one_time_token.interaction_event_mismatch")
        );
        assert_eq!(verify(app, &scoped, "a@b.co", Some("SignIn")).await.unwrap().status, Status::Consumed);

        let spent = verify(app, &token, "a@b.co", Some("ForgotPassword")).await.unwrap();
        assert_eq!(spent.status, Status::Consumed);
        assert_eq!(
            code(verify(app, &token, "a@b.co", None).await.unwrap_err()),
            (400, "one_time_token.token_consumed")
        );

        let (revoked, token) = insert(app, "a@b.co", Map::new(), 600).await.unwrap();
        let current = find(app.store.as_ref(), &revoked.id).await.unwrap().unwrap();
        assert!(set_status(app.store.as_ref(), &current, Status::Revoked).await.unwrap());
        assert_eq!(code(verify(app, &token, "a@b.co", None).await.unwrap_err()), (400, "one_time_token.token_revoked"));

        let (short, token) = insert(app, "a@b.co", Map::new(), 1).await.unwrap();
        t.clock.advance_ms(1000);
        assert_eq!(code(verify(app, &token, "a@b.co", None).await.unwrap_err()), (400, "one_time_token.token_expired"));
        let now = find(app.store.as_ref(), &short.id).await.unwrap().unwrap().value;
        assert_eq!(now.status, Status::Expired, "marked expired");

        delete(app.store.as_ref(), &now).await.unwrap();
        assert!(find_by_token(app.store.as_ref(), &token).await.unwrap().is_none());
    }
}
