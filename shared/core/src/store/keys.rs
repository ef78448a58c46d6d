//! Every storage key is built here, from segments. A segment is escaped so that user input
//! (an id containing `/`, say) can never forge another key or escape its prefix.
//!
//! Layout: `<kind>/<id>[/<sub-id>]`. Secondary indexes live under `idx/<name>/...` and hold the
//! primary id; relations under `<a>_<b>/<a-id>/<b-id>` so that both directions list by prefix.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

const SEPARATOR: char = '/';
/// Escaped in segments: the separator, the escape character and control characters.
const SEGMENT: &AsciiSet = &CONTROLS.add(b'/').add(b'%');

/// An encoded storage key. Ordered like its encoded string, which is how every backend lists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(String);

impl Key {
    /// Build a key from raw segments (escaping each one).
    pub fn new<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Self {
        let mut out = String::new();
        for (i, seg) in segments.into_iter().enumerate() {
            if i > 0 {
                out.push(SEPARATOR);
            }
            out.extend(utf8_percent_encode(seg.as_ref(), SEGMENT));
        }
        Key(out)
    }

    /// Rebuild a key an adapter read back from its backend. Only for adapters: the core builds
    /// keys from segments.
    pub fn from_encoded(encoded: impl Into<String>) -> Self {
        Key(encoded.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The encoded prefix that every key below this one starts with.
    pub fn child_prefix(&self) -> String {
        format!("{}{SEPARATOR}", self.0)
    }

    /// Whether `self` lies strictly below `prefix` (segment-wise, not character-wise).
    pub fn is_under(&self, prefix: &Key) -> bool {
        self.0.starts_with(&prefix.child_prefix())
    }

    /// The decoded last segment (the id, for most keys).
    pub fn last_segment(&self) -> String {
        let last = self.0.rsplit(SEPARATOR).next().unwrap_or_default();
        percent_decode_str(last).decode_utf8_lossy().into_owned()
    }

    /// The decoded segments.
    pub fn segments(&self) -> Vec<String> {
        self.0.split(SEPARATOR).map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---- the key space -------------------------------------------------------------------------
// Add builders here, one per record kind, so the whole layout can be read in one place.

/// Signing keys of the OIDC provider (one record: the key ring, written with `IfVersion`).
pub fn signing_keys() -> Key {
    Key::new(["config", "oidc_private_keys"])
}

/// Cookie signing keys of the OIDC provider (one record: newest first, at most two).
pub fn cookie_keys() -> Key {
    Key::new(["config", "oidc_cookie_keys"])
}

// ---- domain: applications, API resources, scopes, roles (see `crate::domain`) ----------------
// Primary records are `<kind>/<id>`. Admin lists read an ordered copy of each record under
// `list/<kind>/<sort>/<id>` (written in the same commit), so a page is one ordered `list` call.
// `<sort>` is a fixed-width creation time: inverted for newest-first lists (applications).
// Totals for `Total-Number` live in `count/<kind>[/<filter>]` records, updated in the same commit.

/// An application (with its hashed secrets and M2M role ids: one aggregate, one read).
pub fn application(id: &str) -> Key {
    Key::new(["app", id])
}

/// Ordered copies of applications, newest first.
pub fn application_list() -> Key {
    Key::new(["list", "app"])
}

pub fn application_list_entry(sort: &str, id: &str) -> Key {
    Key::new(["list", "app", sort, id])
}

/// A counter record behind `Total-Number`.
pub fn counter(name: &str) -> Key {
    Key::new(["count", name])
}

/// A counter narrowed by a filter value (roles by type).
pub fn counter_for(name: &str, filter: &str) -> Key {
    Key::new(["count", name, filter])
}

/// One shard of a counter. A counter is the sum of its shards; writers spread over them so
/// that concurrent creates of one kind rarely race on the same record. The counter's own
/// encoded key is one (escaped) segment, so no counter's shards can list another's.
pub fn counter_shard(counter: &Key, shard: u8) -> Key {
    Key::new(["count_shard", counter.as_str(), &shard.to_string()])
}

/// Prefix of the shards of `counter`.
pub fn counter_shards(counter: &Key) -> Key {
    Key::new(["count_shard", counter.as_str()])
}

/// Prefix of every counter shard, to tell a counter race from a uniqueness conflict.
pub fn counters() -> Key {
    Key::new(["count_shard"])
}

pub fn resource(id: &str) -> Key {
    Key::new(["resource", id])
}

/// Unique index: resource indicator → resource id (claimed with `IfAbsent`).
pub fn resource_by_indicator(indicator: &str) -> Key {
    Key::new(["idx", "resource_indicator", indicator])
}

/// Which resource is the tenant's default (at most one, as Logto's partial unique index).
pub fn default_resource() -> Key {
    Key::new(["idx", "default_resource"])
}

/// Ordered copies of resources, oldest first.
pub fn resource_list() -> Key {
    Key::new(["list", "resource"])
}

pub fn resource_list_entry(sort: &str, id: &str) -> Key {
    Key::new(["list", "resource", sort, id])
}

pub fn scope(id: &str) -> Key {
    Key::new(["scope", id])
}

/// Ordered copies of one resource's scopes, oldest first.
pub fn resource_scope_list(resource_id: &str) -> Key {
    Key::new(["list", "resource_scope", resource_id])
}

pub fn resource_scope_list_entry(resource_id: &str, sort: &str, scope_id: &str) -> Key {
    Key::new(["list", "resource_scope", resource_id, sort, scope_id])
}

/// Unique index: (resource, scope name) → scope id.
pub fn scope_by_name(resource_id: &str, name: &str) -> Key {
    Key::new(["idx", "scope_name", resource_id, name])
}

pub fn role(id: &str) -> Key {
    Key::new(["role", id])
}

/// Unique index: role name → role id.
pub fn role_by_name(name: &str) -> Key {
    Key::new(["idx", "role_name", name])
}

/// Ordered copies of roles, oldest first; `role_type_list` is the same narrowed to one type.
pub fn role_list() -> Key {
    Key::new(["list", "role"])
}

pub fn role_list_entry(sort: &str, id: &str) -> Key {
    Key::new(["list", "role", sort, id])
}

pub fn role_type_list(role_type: &str) -> Key {
    Key::new(["list", "role_type", role_type])
}

pub fn role_type_list_entry(role_type: &str, sort: &str, id: &str) -> Key {
    Key::new(["list", "role_type", role_type, sort, id])
}

/// Role → scope relation, grouped by resource so the token endpoint lists exactly the scopes
/// one role grants for one resource (value: the scope name).
pub fn role_scopes(role_id: &str) -> Key {
    Key::new(["role_scope", role_id])
}

pub fn role_scopes_for_resource(role_id: &str, resource_id: &str) -> Key {
    Key::new(["role_scope", role_id, resource_id])
}

pub fn role_scope(role_id: &str, resource_id: &str, scope_id: &str) -> Key {
    Key::new(["role_scope", role_id, resource_id, scope_id])
}

/// Scope → role relation (the reverse direction, for cascades when a scope goes away).
pub fn scope_roles(scope_id: &str) -> Key {
    Key::new(["scope_role", scope_id])
}

pub fn scope_role(scope_id: &str, role_id: &str) -> Key {
    Key::new(["scope_role", scope_id, role_id])
}

/// Role → application relation (the application record holds the other direction).
pub fn role_applications(role_id: &str) -> Key {
    Key::new(["role_app", role_id])
}

pub fn role_application(role_id: &str, application_id: &str) -> Key {
    Key::new(["role_app", role_id, application_id])
}

// ---- users (see `crate::domain::user`) ---------------------------------------------------------

/// A user (the whole aggregate: identifiers, password digest, role ids).
pub fn user(id: &str) -> Key {
    Key::new(["user", id])
}

/// Ordered copies of users, newest first.
pub fn user_list() -> Key {
    Key::new(["list", "user"])
}

pub fn user_list_entry(sort: &str, id: &str) -> Key {
    Key::new(["list", "user", sort, id])
}

/// Unique index: username (exact) → user id.
pub fn user_by_username(username: &str) -> Key {
    Key::new(["idx", "user_username", username])
}

/// Non-unique index: lowercased username → user ids (`…/<lower>/<id>`), for the sign-in
/// experience's case-insensitive username policy.
pub fn users_by_folded_username(folded: &str) -> Key {
    Key::new(["idx", "user_username_folded", folded])
}

pub fn user_by_folded_username(folded: &str, user_id: &str) -> Key {
    Key::new(["idx", "user_username_folded", folded, user_id])
}

/// Unique index: lowercased primary email → user id.
pub fn user_by_email(normalized_email: &str) -> Key {
    Key::new(["idx", "user_email", normalized_email])
}

/// Unique index: primary phone → user id.
pub fn user_by_phone(phone: &str) -> Key {
    Key::new(["idx", "user_phone", phone])
}

/// Unique index: social identity (connector target, the provider's user id) → user id.
pub fn user_by_identity(target: &str, identity_user_id: &str) -> Key {
    Key::new(["idx", "user_identity", target, identity_user_id])
}

/// Role → user relation (the user record holds the other direction).
pub fn role_users(role_id: &str) -> Key {
    Key::new(["role_user", role_id])
}

pub fn role_user(role_id: &str, user_id: &str) -> Key {
    Key::new(["role_user", role_id, user_id])
}

/// Marks that the first start of this store has run (bootstrap, race-safe via `IfAbsent`).
pub fn bootstrap_marker() -> Key {
    Key::new(["config", "bootstrap"])
}

/// A revoked JWT access token, by `jti` (deny list; expires with the token). Tokens live under
/// `token/`, beside the opaque access and refresh tokens.
pub fn revoked_token(jti: &str) -> Key {
    Key::new(["token", "revoked", jti])
}

// ---- end-user sign-in: interactions and OP sessions (see `crate::domain::interaction`) ------

/// An authorization request waiting for the sign-in experience (`interaction/<uid>`, 1 h).
pub fn interaction(uid: &str) -> Key {
    Key::new(["interaction", uid])
}

/// An OP session (the browser's `_session` cookie names it), 14 days.
pub fn session(uid: &str) -> Key {
    Key::new(["session", uid])
}

/// Index: the sessions of one account (ended together when the user is suspended or deleted).
pub fn sessions_of_account(account_id: &str) -> Key {
    Key::new(["idx", "session_account", account_id])
}

pub fn session_of_account(account_id: &str, uid: &str) -> Key {
    Key::new(["idx", "session_account", account_id, uid])
}

// ---- end-user grants and the tokens issued from them (see `crate::domain::grant`) ----------
// Codes and opaque tokens are stored under the SHA-256 (hex) of their value, never the value.
// Every token issued from a grant also has an entry under `grant_token/<grant>/` naming it, so
// revoking a grant is one prefix listing plus one commit.

/// A grant: what one user allowed one client (OIDC scopes, resource scopes).
pub fn grant(id: &str) -> Key {
    Key::new(["grant", id])
}

/// An authorization code, by the hex SHA-256 of its value (claimed with `consume`).
pub fn authorization_code(hash: &str) -> Key {
    Key::new(["code", hash])
}

/// An opaque access token, by the hex SHA-256 of its value.
pub fn opaque_access_token(hash: &str) -> Key {
    Key::new(["token", "access", hash])
}

/// A refresh token, by the hex SHA-256 of its value (rotation claims it with `consume`).
pub fn refresh_token(hash: &str) -> Key {
    Key::new(["token", "refresh", hash])
}

/// Prefix of the grants of one account (`<account>/<grant>`, expiring with the grant): what
/// suspending or deleting a user revokes.
pub fn account_grants(account_id: &str) -> Key {
    Key::new(["idx", "account_grant", account_id])
}

pub fn account_grant(account_id: &str, grant_id: &str) -> Key {
    Key::new(["idx", "account_grant", account_id, grant_id])
}

/// Prefix of the index of every token issued from a grant.
pub fn grant_tokens(grant_id: &str) -> Key {
    Key::new(["grant_token", grant_id])
}

/// One token of a grant: `kind` is `access`, `refresh` or `jwt` (a JWT access token's `jti`,
/// revoked through the deny list); `id` is the hash (or `jti`).
pub fn grant_token(grant_id: &str, kind: &str, id: &str) -> Key {
    Key::new(["grant_token", grant_id, kind, id])
}

/// The tenant's sign-in experience (Logto's `sign_in_experiences` row `default`).
pub fn sign_in_experience() -> Key {
    Key::new(["config", "sign_in_experience"])
}

/// The account center settings (Logto's `account_centers` row `default`).
pub fn account_center() -> Key {
    Key::new(["config", "account_center"])
}

/// An Account API verification record (`/api/verifications/*`), by id.
pub fn verification_record(id: &str) -> Key {
    Key::new(["verification_record", id])
}

/// A configured connector instance, by its id. Listing `connectors()` reads them all.
pub fn connector(id: &str) -> Key {
    Key::new(["connector", id])
}

pub fn connectors() -> Key {
    Key::new(["connector"])
}

/// The one active Email or Sms connector (a full copy, so sending a code is one read). Written
/// with `IfVersion`/`IfAbsent`, so two concurrent replacements cannot both win.
pub fn connector_by_type(connector_type: &str) -> Key {
    Key::new(["idx", "connector_type", connector_type])
}

/// A one-time token (magic link), by id. Listing `one_time_tokens()` reads them all.
pub fn one_time_token(id: &str) -> Key {
    Key::new(["one_time_token", id])
}

pub fn one_time_tokens() -> Key {
    Key::new(["one_time_token"])
}

/// Unique index: a one-time token's SHA-256 → its id.
pub fn one_time_token_by_hash(token_hash: &str) -> Key {
    Key::new(["idx", "one_time_token", token_hash])
}

/// A social connector's session kept between the Management API's authorization URI and the
/// identity link, by connector id and the SHA-256 of the caller's `state`.
pub fn connector_session(connector_id: &str, state_hash: &str) -> Key {
    Key::new(["connector_session", connector_id, state_hash])
}

/// Unique index: a social connector's (target, platform) → connector id.
pub fn connector_by_target(target: &str, platform: &str) -> Key {
    Key::new(["idx", "connector_target", target, platform])
}

// ---- experience: sentinel, verification codes, message rate limits ---------------------------

/// A sentinel pool's failures (one record each, expiring when they stop counting) for one
/// hashed identifier.
pub fn sentinel_failures(pool: &str, target_hash: &str) -> Key {
    Key::new(["sentinel", pool, target_hash])
}

pub fn sentinel_failure(pool: &str, target_hash: &str, id: &str) -> Key {
    Key::new(["sentinel", pool, target_hash, id])
}

/// An active lockout of a sentinel pool (expires when the block ends).
pub fn sentinel_block(pool: &str, target_hash: &str) -> Key {
    Key::new(["sentinel_block", pool, target_hash])
}

/// A sent verification code, by the id of the verification record it belongs to.
pub fn verification_code(verification_id: &str) -> Key {
    Key::new(["verification_code", verification_id])
}

/// Recent sends of one message-rate scope (`recipient`, `interaction`) for one hashed target.
pub fn message_rate(scope: &str, target_hash: &str) -> Key {
    Key::new(["message_rate", scope, target_hash])
}

/// An email template, by (language tag, template type): Logto's unique pair. Listing
/// `email_templates()` reads them all (a tenant has a few dozen at most).
pub fn email_template(language_tag: &str, template_type: &str) -> Key {
    Key::new(["email_template", language_tag, template_type])
}

pub fn email_templates() -> Key {
    Key::new(["email_template"])
}

/// Unique index: email template id → its (language tag, template type).
pub fn email_template_by_id(id: &str) -> Key {
    Key::new(["idx", "email_template_id", id])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(segments: &[&str], encoded: &str) {
        let key = Key::new(segments.iter().copied());
        assert_eq!(key.as_str(), encoded);
        assert_eq!(key.segments(), segments);
    }

    #[test]
    fn segments_are_escaped() {
        check(&["app", "abc"], "app/abc");
        check(&["app", "a/b"], "app/a%2Fb");
        check(&["app", "100%"], "app/100%25");
        check(&["app", "x\u{0}y"], "app/x%00y");
    }

    #[test]
    fn an_id_cannot_escape_its_prefix() {
        let forged = Key::new(["app", "x/secret"]);
        let victim_prefix = Key::new(["app", "x"]);
        assert!(!forged.is_under(&victim_prefix));
        assert!(forged.is_under(&Key::new(["app"])));
        assert!(!Key::new(["application"]).is_under(&Key::new(["app"])));
    }
}
