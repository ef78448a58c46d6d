//! The account page `/account`: a small self-service SPA, as Logto's Account Center. It signs
//! the person in with the authorization code flow + PKCE through the built-in SPA client
//! `account-center` (redirect URI `<endpoint>/account`, seeded by `bootstrap`) and then talks
//! to the Account API (`/api/my-account*`, `/api/verifications*`) with the opaque access token.

use std::sync::OnceLock;

use super::Page;

const HTML: &str = include_str!("assets/account.html");
const JS: &str = include_str!("assets/account.js");

/// The page's own path (also the client's redirect URI).
pub const PATH: &str = "/account";
pub const ASSETS_PREFIX: &str = "/account/assets/";

/// Whether `path` is the page or one of its assets.
pub fn serves(path: &str) -> bool {
    path == PATH || path == "/account/" || path.starts_with(ASSETS_PREFIX)
}

pub(super) fn page() -> &'static Page {
    static PAGE: OnceLock<Page> = OnceLock::new();
    PAGE.get_or_init(|| Page::new(ASSETS_PREFIX, HTML, "account", JS))
}
