//! node-oidc-provider's default interaction policy: which prompt (if any) an authorization
//! request needs, given the session, the grant and what the last interaction produced.
//!
//! `login`: `login_prompt` (`prompt=login` not yet satisfied), `no_session`, `max_age`.
//! `consent`: `consent_prompt` (`prompt=consent` not yet satisfied), `native_client_prompt`,
//! `op_scopes_missing`, `rs_scopes_missing`. The first prompt with a failing check wins; its
//! first reason's error is what `prompt=none` answers (`login_required`, `consent_required`,
//! `interaction_required`).

use std::collections::BTreeMap;

use super::request::OIDC_SCOPES;
use crate::domain::grant::GrantRecord;
use crate::domain::interaction::{AuthorizationParams, InteractionResult, Prompt, PromptDetails, PromptName};
use crate::domain::session::SessionRecord;
use crate::error::{OAuthError, OAuthErrorCode};

/// What the policy looks at.
pub struct Context<'a> {
    pub params: &'a AuthorizationParams,
    pub session: Option<&'a SessionRecord>,
    pub result: Option<&'a InteractionResult>,
    pub grant: Option<&'a GrantRecord>,
    /// Scopes each requested API resource defines (by indicator).
    pub resource_scopes: &'a BTreeMap<String, Vec<String>>,
    pub native: bool,
    pub now_secs: i64,
}

/// A prompt the request needs, with the error `prompt=none` gets instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Needed {
    pub prompt: Prompt,
    pub error: OAuthError,
}

struct Check {
    reason: &'static str,
    description: &'static str,
    code: OAuthErrorCode,
}

impl<'a> Context<'a> {
    fn prompted(&self, name: &str) -> bool {
        self.params.prompt.iter().any(|p| p == name)
    }

    /// Requested scopes that are OIDC scopes (`requestParamOIDCScopes`).
    pub fn oidc_scopes(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.params.scope.split(' ').filter(|s| OIDC_SCOPES.contains(s))
    }

    fn missing_oidc_scopes(&self) -> Vec<String> {
        self.oidc_scopes()
            .filter(|s| self.grant.is_none_or(|g| !g.openid_scopes.iter().any(|held| held == s)))
            .map(str::to_owned)
            .collect()
    }

    /// Requested scopes each resource defines that the grant does not hold yet.
    fn missing_resource_scopes(&self) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for indicator in &self.params.resources {
            let available = self.resource_scopes.get(indicator).map(Vec::as_slice).unwrap_or_default();
            let held = self.grant.and_then(|g| g.resource_scopes.get(indicator)).map(Vec::as_slice).unwrap_or_default();
            let missing: Vec<String> = self
                .params
                .scope
                .split(' ')
                .filter(|s| available.iter().any(|a| a == s) && !held.iter().any(|h| h == s))
                .map(str::to_owned)
                .collect();
            if !missing.is_empty() {
                out.insert(indicator.clone(), missing);
            }
        }
        out
    }

    fn login_checks(&self) -> Vec<Check> {
        let login = self.result.and_then(|r| r.login.as_ref());
        let mut failed = Vec::new();
        let required = OAuthErrorCode::LoginRequired;
        if self.prompted("login") && login.is_none() {
            failed.push(Check { reason: "login_prompt", description: "login prompt was not resolved", code: required });
        }
        if self.session.is_none() {
            failed.push(Check {
                reason: "no_session",
                description: "End-User authentication is required",
                code: required,
            });
        }
        if let Some(max_age) = self.params.max_age {
            let stale = match self.session {
                None => true,
                Some(session) => session.older_than(max_age, self.now_secs) && login.is_none(),
            };
            if stale {
                failed.push(Check {
                    reason: "max_age",
                    description: "End-User authentication could not be obtained",
                    code: required,
                });
            }
        }
        failed
    }

    fn consent_checks(&self, details: &PromptDetails) -> Vec<Check> {
        let consented = self.result.is_some_and(|r| r.consent.is_some());
        let required = OAuthErrorCode::ConsentRequired;
        let mut failed = Vec::new();
        if self.prompted("consent") && !consented {
            failed.push(Check {
                reason: "consent_prompt",
                description: "consent prompt was not resolved",
                code: required,
            });
        }
        if self.native && !consented {
            failed.push(Check {
                reason: "native_client_prompt",
                description: "native clients require End-User interaction",
                code: OAuthErrorCode::InteractionRequired,
            });
        }
        if !details.missing_oidc_scope.is_empty() {
            failed.push(Check {
                reason: "op_scopes_missing",
                description: "requested scopes not granted",
                code: required,
            });
        }
        if !details.missing_resource_scopes.is_empty() {
            failed.push(Check {
                reason: "rs_scopes_missing",
                description: "requested scopes not granted",
                code: required,
            });
        }
        failed
    }

    /// The prompt this request needs, if any.
    pub fn needed(&self) -> Option<Needed> {
        let login = self.login_checks();
        if !login.is_empty() {
            return Some(needed(PromptName::Login, login, PromptDetails::default()));
        }
        let details = PromptDetails {
            missing_oidc_scope: self.missing_oidc_scopes(),
            missing_resource_scopes: self.missing_resource_scopes(),
        };
        let consent = self.consent_checks(&details);
        if !consent.is_empty() {
            return Some(needed(PromptName::Consent, consent, details));
        }
        None
    }

    /// The requested scopes the grant covers, in request order (what the code carries).
    pub fn granted_scope(&self) -> Vec<&'a str> {
        let Some(grant) = self.grant else {
            return Vec::new();
        };
        self.params
            .scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .filter(|s| {
                grant.openid_scopes.iter().any(|g| g == s)
                    || self
                        .params
                        .resources
                        .iter()
                        .any(|r| grant.resource_scopes.get(r).is_some_and(|held| held.iter().any(|h| h == s)))
            })
            .collect()
    }
}

fn needed(name: PromptName, failed: Vec<Check>, details: PromptDetails) -> Needed {
    let (code, description) =
        failed.first().map_or((OAuthErrorCode::InteractionRequired, ""), |c| (c.code, c.description));
    Needed {
        prompt: Prompt { name, reasons: failed.iter().map(|c| c.reason.to_owned()).collect(), details },
        error: OAuthError::new(code, description),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::interaction::{ConsentResult, LoginResult};

    const NOW: i64 = 1_800_000_000;

    fn params(scope: &str, prompt: &[&str], max_age: Option<u64>) -> AuthorizationParams {
        AuthorizationParams {
            client_id: "spa".into(),
            scope: scope.into(),
            prompt: prompt.iter().map(|p| (*p).to_owned()).collect(),
            max_age,
            resources: vec!["https://api".into()],
            ..Default::default()
        }
    }

    fn session(login_ts: i64) -> SessionRecord {
        SessionRecord {
            uid: "s".into(),
            sid: "sid".into(),
            account_id: "u".into(),
            login_ts,
            amr: vec![],
            grants: BTreeMap::new(),
            created_at: 0,
            expires_at: i64::MAX,
        }
    }

    fn grant(oidc: &[&str], api: &[&str]) -> GrantRecord {
        GrantRecord {
            id: "g".into(),
            account_id: "u".into(),
            client_id: "spa".into(),
            openid_scopes: oidc.iter().map(|s| (*s).to_owned()).collect(),
            resource_scopes: [("https://api".to_owned(), api.iter().map(|s| (*s).to_owned()).collect())].into(),
            created_at: 0,
            expires_at: i64::MAX,
        }
    }

    #[test]
    fn each_check_asks_for_the_prompt_node_oidc_provider_asks_for() {
        let scopes: BTreeMap<String, Vec<String>> =
            [("https://api".to_owned(), vec!["read".to_owned(), "write".to_owned()])].into();
        let login = InteractionResult {
            login: Some(LoginResult { account_id: "u".into(), ts: NOW, amr: vec![] }),
            consent: None,
        };
        let consented = InteractionResult { login: None, consent: Some(ConsentResult { grant_id: "g".into() }) };
        let full = grant(&["openid", "profile"], &["read"]);
        let fresh = session(NOW - 10);
        let old = session(NOW - 1000);
        // (case, params, session, result, grant, native) → (prompt, reasons, error)
        type Case<'a> = (
            &'a str,
            AuthorizationParams,
            Option<&'a SessionRecord>,
            Option<&'a InteractionResult>,
            Option<&'a GrantRecord>,
            bool,
            Option<(PromptName, &'a [&'a str], &'a str)>,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "no session",
                params("openid", &[], None),
                None,
                None,
                None,
                false,
                Some((PromptName::Login, &["no_session"], "login_required")),
            ),
            (
                "prompt=login with a session",
                params("openid", &["login"], None),
                Some(&fresh),
                None,
                Some(&full),
                false,
                Some((PromptName::Login, &["login_prompt"], "login_required")),
            ),
            (
                "prompt=login just satisfied",
                params("openid", &["login"], None),
                Some(&fresh),
                Some(&login),
                Some(&full),
                false,
                None,
            ),
            (
                "max_age exceeded",
                params("openid", &[], Some(100)),
                Some(&old),
                None,
                Some(&full),
                false,
                Some((PromptName::Login, &["max_age"], "login_required")),
            ),
            (
                "max_age exceeded, just signed in",
                params("openid", &[], Some(100)),
                Some(&old),
                Some(&login),
                Some(&full),
                false,
                None,
            ),
            ("max_age within", params("openid", &[], Some(100)), Some(&fresh), None, Some(&full), false, None),
            (
                "no grant yet",
                params("openid profile", &[], None),
                Some(&fresh),
                None,
                None,
                false,
                Some((PromptName::Consent, &["op_scopes_missing"], "consent_required")),
            ),
            (
                "an OIDC scope not granted",
                params("openid email", &[], None),
                Some(&fresh),
                None,
                Some(&full),
                false,
                Some((PromptName::Consent, &["op_scopes_missing"], "consent_required")),
            ),
            (
                "a resource scope not granted",
                params("openid write", &[], None),
                Some(&fresh),
                None,
                Some(&full),
                false,
                Some((PromptName::Consent, &["rs_scopes_missing"], "consent_required")),
            ),
            (
                "an unknown resource scope is ignored",
                params("openid nope", &[], None),
                Some(&fresh),
                None,
                Some(&full),
                false,
                None,
            ),
            (
                "prompt=consent",
                params("openid", &["consent"], None),
                Some(&fresh),
                None,
                Some(&full),
                false,
                Some((PromptName::Consent, &["consent_prompt"], "consent_required")),
            ),
            (
                "prompt=consent resolved",
                params("openid", &["consent"], None),
                Some(&fresh),
                Some(&consented),
                Some(&full),
                false,
                None,
            ),
            (
                "native clients always consent",
                params("openid", &[], None),
                Some(&fresh),
                None,
                Some(&full),
                true,
                Some((PromptName::Consent, &["native_client_prompt"], "interaction_required")),
            ),
            (
                "everything granted",
                params("openid profile read", &[], None),
                Some(&fresh),
                None,
                Some(&full),
                false,
                None,
            ),
        ];
        for (case, params, session, result, grant, native, expected) in cases {
            let ctx =
                Context { params: &params, session, result, grant, resource_scopes: &scopes, native, now_secs: NOW };
            let got = ctx.needed().map(|n| (n.prompt.name, n.prompt.reasons, n.error.code.as_str()));
            let expected = expected.map(|(name, reasons, error)| {
                (name, reasons.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>(), error)
            });
            assert_eq!(got, expected, "{case}");
        }
    }

    #[test]
    fn consent_details_name_the_missing_scopes_and_the_code_carries_the_granted_ones() {
        let scopes: BTreeMap<String, Vec<String>> =
            [("https://api".to_owned(), vec!["read".to_owned(), "write".to_owned()])].into();
        let params = params("openid profile read write other", &[], None);
        let g = grant(&["openid"], &["read"]);
        let s = session(NOW);
        let ctx = Context {
            params: &params,
            session: Some(&s),
            result: None,
            grant: Some(&g),
            resource_scopes: &scopes,
            native: false,
            now_secs: NOW,
        };
        let needed = ctx.needed().unwrap();
        assert_eq!(needed.prompt.details.missing_oidc_scope, ["profile"]);
        assert_eq!(needed.prompt.details.missing_resource_scopes["https://api"], ["write"]);
        assert_eq!(ctx.granted_scope(), ["openid", "read"]);
    }
}
