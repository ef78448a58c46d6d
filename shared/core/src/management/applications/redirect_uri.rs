//! Which redirect URIs an application may register (Logto's `validateRedirectUrl`, core-kit).
//!
//! A URI is accepted when it is a valid web URL (`http:`/`https:`, no `.`/`..` path segments,
//! `*` wildcards only in the host or path) or a native one (a custom scheme such as
//! `io.logto://callback`, never `http(s)`). Logto accepts both kinds for every application
//! type. edgeid additionally refuses fragments: RFC 6749 §3.1.2 forbids them and
//! node-oidc-provider would refuse to load such a client at authorization time.

/// Why a redirect URI is refused (the text goes into `guard.invalid_input` details).
pub fn check(uri: &str) -> Result<(), &'static str> {
    if uri.contains('#') {
        return Err("redirect URIs must not contain a fragment");
    }
    if is_web(uri) || is_native(uri) { Ok(()) } else { Err("Invalid redirect URI") }
}

fn is_web(uri: &str) -> bool {
    if has_dot_segments(uri) {
        return false;
    }
    if uri.contains('*') {
        return is_wildcard_web(uri);
    }
    url::Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// `mobileUriSchemeProtocolRegEx`: `^(?!http(s)?:)[a-z][\d+_a-z-]*(\.[\d+_a-z-]+)*:$`.
fn is_native(uri: &str) -> bool {
    let Ok(parsed) = url::Url::parse(uri) else {
        return false;
    };
    let scheme = parsed.scheme();
    if matches!(scheme, "http" | "https") {
        return false;
    }
    let mut parts = scheme.split('.');
    let valid_part = |p: &str, first: bool| {
        !p.is_empty()
            && p.chars().enumerate().all(|(i, c)| {
                if first && i == 0 {
                    c.is_ascii_lowercase()
                } else {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '_' | '-')
                }
            })
    };
    parts.next().is_some_and(|p| valid_part(p, true)) && parts.all(|p| valid_part(p, false))
}

fn authority(uri: &str) -> Option<(usize, &str)> {
    let start = uri.find("://").filter(|i| *i > 0)? + 3;
    let rest = uri.get(start..)?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some((start, rest.get(..end)?))
}

fn has_dot_segments(uri: &str) -> bool {
    let Some((start, authority)) = authority(uri) else {
        return false;
    };
    let rest = uri.get(start + authority.len()..).unwrap_or_default();
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    path.split('/').any(|segment| {
        let lower = segment.to_ascii_lowercase();
        segment == "." || segment == ".." || lower == "%2e" || lower == "%2e%2e"
    })
}

fn is_wildcard_web(uri: &str) -> bool {
    let Some(separator) = uri.find("://").filter(|i| *i > 0) else {
        return false;
    };
    if uri.get(..separator).is_none_or(|scheme| scheme.contains('*')) {
        return false;
    }
    if uri.find('?').is_some_and(|q| uri.get(q..).is_some_and(|s| s.contains('*'))) {
        return false;
    }
    let Some((_, authority)) = authority(uri) else {
        return false;
    };
    if authority.contains('@') || authority.starts_with('[') {
        return false;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (authority, None),
    };
    if host.contains('*') && !host.contains('.') {
        return false;
    }
    if port.is_some_and(|p| p.contains('*')) {
        return false;
    }
    url::Url::parse(&uri.replace('*', "wildcard")).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_and_refused_uris() {
        for ok in [
            "http://localhost:3001",
            "https://logto.dev/callback",
            "https://my-company.com/callback?test=123",
            "io.logto://callback",
            "com.example.app:/oauth2redirect",
            "https://*.example.com/callback",
            "https://example.com/*/callback",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "not a url",
            "/relative/path",
            "https://abc.com/callback#frag",
            "https://abc.com/a/../b",
            "https://abc.com/%2E/b",
            "https://*/callback",
            "https://example.com:*/cb",
            "https://example.com/cb?x=*",
            "ht*tp://example.com",
            "https://user@*.example.com/",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
