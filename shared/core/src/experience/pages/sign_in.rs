//! The sign-in page: one HTML shell for every screen of the sign-in experience; the script
//! picks the screen from the path (sign in, register, reset the password, complete the
//! account, the social callback) and from the Experience API's answers (MFA verification and
//! binding, linking a social identity).

use std::sync::OnceLock;

use super::Page;

const HTML: &str = include_str!("assets/sign-in.html");
pub(super) const JS: &str = include_str!("assets/sign-in.js");

/// Where the assets live; under `/sign-in` so every host already routes them to this group.
pub const ASSETS_PREFIX: &str = "/sign-in/assets/";

/// The paths that render the page: Logto's experience routes that `first_screen` maps to
/// (`packages/schemas/src/consts/experience.ts`) plus the SPA's own `/forgot-password`.
/// Enterprise SSO is not offered: `/single-sign-on` shows the sign-in form.
/// `/direct/<method>/<target>?fallback=<screen>` (`direct_sign_in`) starts social sign-in with
/// the connector of that target, or shows the fallback screen.
pub const SCREENS: &[&str] = &[
    "/sign-in",
    "/register",
    "/forgot-password",
    "/reset-password",
    "/identifier-sign-in",
    "/identifier-register",
    "/single-sign-on",
];

/// Where `/oidc/auth` sends `direct_sign_in` requests.
pub const DIRECT_PREFIX: &str = "/direct/";

/// Where a social IdP sends the browser back: `/callback/<connectorId>` (Logto's redirect URI
/// for social connectors); `POST` there is the Experience API's (form_post → 303).
pub const CALLBACK_PREFIX: &str = "/callback/";

/// Whether `path` is the page or one of its assets.
pub fn serves(path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    SCREENS.contains(&path)
        || path.starts_with(ASSETS_PREFIX)
        || path.starts_with(DIRECT_PREFIX)
        || path.strip_prefix(CALLBACK_PREFIX).is_some_and(|id| !id.is_empty())
}

pub(super) fn page() -> &'static Page {
    static PAGE: OnceLock<Page> = OnceLock::new();
    PAGE.get_or_init(|| Page::new(ASSETS_PREFIX, HTML, "sign-in", JS))
}
