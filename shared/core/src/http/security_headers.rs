//! Logto's `koa-security-headers` for its mounted apps (`/oidc`, `/api`): helmet 7 with
//! `basicSecurityHeaderSettings` (no CSP, no COOP, no COEP, no DNS-prefetch control,
//! `Referrer-Policy: strict-origin-when-cross-origin`). A header a handler already set (the
//! sign-in page's stricter set, say) is kept.

use http::HeaderValue;

use crate::Response;

/// helmet 7's headers under Logto's basic settings, in helmet's order.
const BASIC: [(&str, &str); 9] = [
    ("cross-origin-resource-policy", "same-origin"),
    ("origin-agent-cluster", "?1"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("x-content-type-options", "nosniff"),
    ("x-download-options", "noopen"),
    ("x-frame-options", "SAMEORIGIN"),
    ("x-permitted-cross-domain-policies", "none"),
    ("x-xss-protection", "0"),
];

pub fn apply_basic(response: &mut Response) {
    let headers = response.headers_mut();
    for (name, value) in BASIC {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    #[test]
    fn helmets_basic_set_without_overwriting_a_handlers_own() {
        let mut response = Response::new(Bytes::new());
        response.headers_mut().insert("x-frame-options", HeaderValue::from_static("DENY"));
        apply_basic(&mut response);
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
        assert_eq!(h["cross-origin-resource-policy"], "same-origin");
        assert!(h["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
        assert_eq!(h["x-frame-options"], "DENY", "kept");
        assert!(h.get("content-security-policy").is_none() && h.get("cross-origin-opener-policy").is_none());
    }
}
