//! Which user claims a scope releases, and their values (Logto's `packages/core/src/oidc/scope.ts`
//! and `@logto/core-kit` `openid.ts`; logto-api.md §1.8).
//!
//! Each scope expands to its claims in Logto's order. The ID token gets a scope's base claims
//! plus the *extended* ones the tenant enabled ([`ID_TOKEN_EXTENDED_CLAIMS`], Logto's default
//! id-token config); userinfo always gets them all. Unknown scopes release nothing.
//!
//! Values follow Logto exactly: `name`, `picture`, `username`, `email`, `phone_number` are
//! `null` when unset (Logto reads the column); profile claims are omitted when unset;
//! `*_verified` is whether the address is set; `created_at`/`updated_at` are epoch
//! milliseconds; `preferred_username` falls back to the username.

use serde_json::{Map, Value};

use crate::ports::Millis;

/// Logto's default `idToken.enabledExtendedClaims` (`createDefaultIdTokenConfig`).
pub const ID_TOKEN_EXTENDED_CLAIMS: &[&str] = &["roles", "organizations", "organization_roles"];

/// Where a claim ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    IdToken,
    Userinfo,
}

/// `(scope, base claims, extended claims)` in Logto's order.
const SCOPES: &[(&str, &[&str], &[&str])] = &[
    (
        "profile",
        &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
            "username",
            "created_at",
        ],
        &[],
    ),
    ("email", &["email", "email_verified"], &[]),
    ("phone", &["phone_number", "phone_number_verified"], &[]),
    ("address", &["address"], &[]),
    ("custom_data", &[], &["custom_data"]),
    ("identities", &[], &["identities", "sso_identities"]),
    ("roles", &[], &["roles"]),
    ("urn:logto:scope:organizations", &[], &["organizations", "organization_data"]),
    ("urn:logto:scope:organization_roles", &[], &["organization_roles"]),
];

/// The claims `scope` (space-separated) releases for `use_` (`getAcceptedUserClaims`).
pub fn accepted(scope: &str, use_: Use) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for wanted in scope.split(' ') {
        let Some((_, base, extended)) = SCOPES.iter().find(|(name, _, _)| *name == wanted) else {
            continue;
        };
        let extended = extended.iter().filter(|c| use_ == Use::Userinfo || ID_TOKEN_EXTENDED_CLAIMS.contains(c));
        for claim in base.iter().chain(extended) {
            if !out.contains(claim) {
                out.push(claim);
            }
        }
    }
    out
}

/// What claims are read from: the user's columns plus their role names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    pub id: String,
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    /// Logto's `profile` object (camelCase keys).
    pub profile: Map<String, Value>,
    pub custom_data: Value,
    pub identities: Value,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Names of the user's roles (read only when the `roles` claim is released).
    pub roles: Vec<String>,
}

/// `users.profile` key of each profile claim.
fn profile_key(claim: &str) -> Option<&'static str> {
    Some(match claim {
        "family_name" => "familyName",
        "given_name" => "givenName",
        "middle_name" => "middleName",
        "nickname" => "nickname",
        "profile" => "profile",
        "website" => "website",
        "gender" => "gender",
        "birthdate" => "birthdate",
        "zoneinfo" => "zoneinfo",
        "locale" => "locale",
        "address" => "address",
        _ => return None,
    })
}

fn opt(value: &Option<String>) -> Value {
    value.as_ref().map_or(Value::Null, |v| Value::String(v.clone()))
}

/// `{sub, ...claims}` for the accepted claims; omitted profile values are left out.
pub fn values(subject: &Subject, claims: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("sub".into(), Value::String(subject.id.clone()));
    for &claim in claims {
        let value = match claim {
            "name" => opt(&subject.name),
            "picture" => opt(&subject.avatar),
            "username" => opt(&subject.username),
            "email" => opt(&subject.primary_email),
            "phone_number" => opt(&subject.primary_phone),
            "email_verified" => Value::Bool(subject.primary_email.is_some()),
            "phone_number_verified" => Value::Bool(subject.primary_phone.is_some()),
            "custom_data" => subject.custom_data.clone(),
            "identities" => subject.identities.clone(),
            "created_at" => Value::from(subject.created_at),
            "updated_at" => Value::from(subject.updated_at),
            "roles" => Value::from(subject.roles.clone()),
            // Organizations and enterprise SSO are not implemented: nobody belongs to one.
            "sso_identities" | "organizations" | "organization_data" | "organization_roles" => Value::Array(Vec::new()),
            "preferred_username" => match subject.profile.get("preferredUsername").filter(|v| !v.is_null()) {
                Some(v) => v.clone(),
                None => match &subject.username {
                    Some(u) => Value::String(u.clone()),
                    None => continue,
                },
            },
            other => match profile_key(other).and_then(|k| subject.profile.get(k)).filter(|v| !v.is_null()) {
                Some(v) => v.clone(),
                None => continue,
            },
        };
        out.insert(claim.to_owned(), value);
    }
    out
}

/// Whether the accepted claims need the user's role names (a store read).
pub fn needs_roles(claims: &[&str]) -> bool {
    claims.contains(&"roles")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[track_caller]
    fn check(scope: &str, use_: Use, expected: &[&str]) {
        assert_eq!(accepted(scope, use_), expected, "{scope} for {use_:?}");
    }

    #[test]
    fn each_scope_releases_logtos_claims() {
        let profile = [
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
            "username",
            "created_at",
        ];
        check("openid profile", Use::IdToken, &profile);
        check("openid", Use::IdToken, &[]);
        check("email phone", Use::IdToken, &["email", "email_verified", "phone_number", "phone_number_verified"]);
        check("address unknown offline_access", Use::Userinfo, &["address"]);
        // Extended claims: all of them at userinfo, the tenant's default set in the ID token.
        check("custom_data identities roles", Use::Userinfo, &["custom_data", "identities", "sso_identities", "roles"]);
        check("custom_data identities roles", Use::IdToken, &["roles"]);
        check(
            "urn:logto:scope:organizations urn:logto:scope:organization_roles",
            Use::IdToken,
            &["organizations", "organization_roles"],
        );
        check("email email", Use::Userinfo, &["email", "email_verified"]);
        check("urn:logto:scope:sessions urn:logto:scope:trusted_devices", Use::Userinfo, &[]);
    }

    fn subject() -> Subject {
        Subject {
            id: "u1".into(),
            username: Some("alice".into()),
            primary_email: Some("alice@example.com".into()),
            primary_phone: None,
            name: None,
            avatar: Some("https://example.com/a.png".into()),
            profile: json!({"givenName": "Alice", "address": {"streetAddress": "1 Main St"}, "nickname": null})
                .as_object()
                .cloned()
                .unwrap(),
            custom_data: json!({"plan": "pro"}),
            identities: json!({"github": {"userId": "42", "details": {}}}),
            created_at: 1_700_000_000_123,
            updated_at: 1_700_000_000_456,
            roles: vec!["admin".into()],
        }
    }

    #[test]
    fn values_follow_logtos_mapping() {
        let s = subject();
        let got =
            values(&s, &accepted("openid profile email phone address custom_data identities roles", Use::Userinfo));
        assert_eq!(
            Value::Object(got),
            json!({
                "sub": "u1",
                "name": null,
                "given_name": "Alice",
                "preferred_username": "alice",
                "picture": "https://example.com/a.png",
                "updated_at": 1_700_000_000_456_i64,
                "username": "alice",
                "created_at": 1_700_000_000_123_i64,
                "email": "alice@example.com",
                "email_verified": true,
                "phone_number": null,
                "phone_number_verified": false,
                "address": {"streetAddress": "1 Main St"},
                "custom_data": {"plan": "pro"},
                "identities": {"github": {"userId": "42", "details": {}}},
                "sso_identities": [],
                "roles": ["admin"],
            })
        );
        // An explicit preferredUsername wins; without a username it is omitted.
        let mut s = subject();
        s.profile.insert("preferredUsername".into(), json!("ally"));
        assert_eq!(values(&s, &["preferred_username"])["preferred_username"], "ally");
        s.profile.remove("preferredUsername");
        s.username = None;
        assert!(values(&s, &["preferred_username", "username"]).get("preferred_username").is_none());
        assert_eq!(values(&s, &["username"])["username"], Value::Null);
        assert!(needs_roles(&accepted("roles", Use::IdToken)) && !needs_roles(&accepted("profile", Use::Userinfo)));
    }
}
