//! Which `redirect_uri` / `post_logout_redirect_uri` a client may use (Logto's
//! `oidc/redirect-uri`): the parsed URL equals a registered one; or it matches a registered
//! wildcard pattern (`*` only in host labels and the path, a host wildcard needs a dot and
//! literal last two labels); or — Native apps only, authorization redirects only — it is an
//! `http` loopback URL that equals a registered one but for the port (RFC 8252 §7.3).
//! A candidate containing `*` never matches: a pattern is not a target.

use url::Url;

const LOOPBACKS: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

/// Whether `candidate` may receive the authorization response.
pub fn redirect_allowed(registered: &[String], candidate: &str, native: bool) -> bool {
    let Some(parsed) = parse(candidate) else {
        return false;
    };
    matches_registered(registered, &parsed) || (native && matches_loopback_any_port(registered, &parsed))
}

/// Whether `candidate` may receive the browser after logout (no loopback exception).
pub fn post_logout_allowed(registered: &[String], candidate: &str) -> bool {
    parse(candidate).is_some_and(|parsed| matches_registered(registered, &parsed))
}

fn parse(candidate: &str) -> Option<Url> {
    if candidate.contains('*') {
        return None;
    }
    Url::parse(candidate).ok()
}

fn matches_registered(registered: &[String], parsed: &Url) -> bool {
    registered.iter().any(|allowed| {
        if allowed.contains('*') {
            wildcard_match(allowed, parsed)
        } else {
            Url::parse(allowed).is_ok_and(|a| a.as_str() == parsed.as_str())
        }
    })
}

fn matches_loopback_any_port(registered: &[String], parsed: &Url) -> bool {
    let host = parsed.host_str().unwrap_or_default();
    if parsed.scheme() != "http" || !LOOPBACKS.contains(&host) {
        return false;
    }
    let mut candidate = parsed.clone();
    if candidate.set_port(None).is_err() {
        return false;
    }
    registered.iter().any(|allowed| {
        Url::parse(allowed).is_ok_and(|mut r| r.set_port(None).is_ok() && r.as_str() == candidate.as_str())
    })
}

struct Pattern<'a> {
    scheme: String,
    port: Option<u16>,
    host: String,
    path: &'a str,
    query: Option<String>,
    fragment: Option<String>,
}

/// Logto's `parseWildcardUrlPattern`.
fn parse_pattern(pattern: &str) -> Option<Pattern<'_>> {
    let separator = pattern.find("://").filter(|i| *i > 0)?;
    if pattern.get(..separator)?.contains('*') {
        return None;
    }
    let query_index = pattern.find('?');
    let hash_index = pattern.find('#');
    for index in [query_index, hash_index].into_iter().flatten() {
        if pattern.get(index..)?.contains('*') {
            return None;
        }
    }
    let parsed = Url::parse(&pattern.replace('*', "wildcard")).ok()?;
    let rest = pattern.get(separator + 3..)?;
    let authority = rest.split(['#', '/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || authority.starts_with('[') {
        return None;
    }
    let has_port = authority.matches(':').count() == 1;
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if has_port => {
            if port.contains('*') {
                return None;
            }
            host
        }
        _ => authority,
    };
    if host.contains('*') && !host.contains('.') {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().rev().take(2).any(|l| l.contains('*')) {
        return None;
    }
    let path_start = separator + 3 + authority.len();
    let path_end = [query_index, hash_index].into_iter().flatten().min().unwrap_or(pattern.len());
    let path = pattern.get(path_start..path_end.max(path_start)).filter(|p| !p.is_empty()).unwrap_or("/");
    Some(Pattern {
        scheme: parsed.scheme().to_owned(),
        port: parsed.port_or_known_default(),
        host: host.to_ascii_lowercase(),
        path,
        query: parsed.query().filter(|q| !q.is_empty()).map(str::to_owned),
        fragment: parsed.fragment().filter(|f| !f.is_empty()).map(str::to_owned),
    })
}

/// Logto's `wildcardUrlMatch`.
fn wildcard_match(pattern: &str, actual: &Url) -> bool {
    let Some(p) = parse_pattern(pattern) else {
        return false;
    };
    if actual.scheme() != p.scheme || actual.port_or_known_default() != p.port {
        return false;
    }
    let host = actual.host_str().unwrap_or_default().to_ascii_lowercase();
    let host_labels: Vec<&str> = host.split('.').collect();
    let pattern_labels: Vec<&str> = p.host.split('.').collect();
    if host_labels.len() != pattern_labels.len()
        || !pattern_labels.iter().zip(&host_labels).all(|(pl, l)| glob(pl.as_bytes(), l.as_bytes(), true))
    {
        return false;
    }
    if !glob(p.path.as_bytes(), actual.path().as_bytes(), false) {
        return false;
    }
    actual.query().filter(|q| !q.is_empty()) == p.query.as_deref()
        && actual.fragment().filter(|f| !f.is_empty()) == p.fragment.as_deref()
}

/// `*` matches one or more non-dot characters in a host label (`[^.]+`), any run of
/// characters in a path (`.*`); everything else is literal.
fn glob(pattern: &[u8], text: &[u8], label: bool) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => {
            let min = usize::from(label);
            (min..=text.len()).any(|taken| {
                let consumed = text.get(..taken).unwrap_or_default();
                (!label || !consumed.contains(&b'.')) && glob(rest, text.get(taken..).unwrap_or_default(), label)
            })
        }
        Some((c, rest)) => text.split_first().is_some_and(|(t, text_rest)| t == c && glob(rest, text_rest, label)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(uris: &[&str]) -> Vec<String> {
        uris.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn redirect_uris_match_exactly_or_by_logto_wildcards() {
        let registered = reg(&[
            "https://app.example.com/callback",
            "io.logto://callback",
            "https://*.preview.example.com/cb",
            "https://example.org/*/done",
            "http://localhost:3000/callback",
        ]);
        for (candidate, native, expected) in [
            ("https://app.example.com/callback", false, true),
            ("https://APP.example.com/callback", false, true), // URL normalisation lowercases hosts
            ("https://app.example.com/callback/", false, false),
            ("https://app.example.com/callback?x=1", false, false),
            ("https://app.example.com/callback#f", false, false),
            ("https://app.example.com:443/callback", false, true),
            ("https://app.example.com:8443/callback", false, false),
            ("http://app.example.com/callback", false, false),
            ("io.logto://callback", true, true),
            ("https://pr-1.preview.example.com/cb", false, true),
            ("https://a.b.preview.example.com/cb", false, false), // one label per star
            ("https://preview.example.com/cb", false, false),
            ("https://*.preview.example.com/cb", false, false), // a pattern is not a target
            ("https://example.org/x/y/done", false, true),
            ("https://example.org/done", false, false),
            ("http://localhost:3000/callback", false, true),
            ("http://localhost:4000/callback", false, false), // loopback port only for Native
            ("http://localhost:4000/callback", true, true),
            ("http://127.0.0.1:4000/callback", true, false),
            ("not a url", false, false),
            ("", false, false),
        ] {
            assert_eq!(redirect_allowed(&registered, candidate, native), expected, "{candidate} native={native}");
        }
    }

    #[test]
    fn broad_wildcards_never_match() {
        for pattern in
            ["https://*.com/cb", "https://example.*/cb", "https://*/cb", "https://a.com:*/cb", "htt*://a.b.com/"]
        {
            assert!(!redirect_allowed(&reg(&[pattern]), "https://x.example.com/cb", false), "{pattern}");
            assert!(!redirect_allowed(&reg(&[pattern]), "https://x.com/cb", false), "{pattern}");
        }
    }

    #[test]
    fn post_logout_uris_have_no_loopback_exception() {
        let registered = reg(&["http://localhost:3000/demo-app"]);
        assert!(post_logout_allowed(&registered, "http://localhost:3000/demo-app"));
        assert!(!post_logout_allowed(&registered, "http://localhost:3001/demo-app"));
        assert!(!post_logout_allowed(&registered, "http://localhost:3000/other"));
    }
}
