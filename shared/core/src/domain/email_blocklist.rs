//! Logto's email blocklist policy (`signInExperience.emailBlocklistPolicy`), applied wherever an
//! end user brings a new email: Experience API registration and profile fulfilment (and the
//! Account API later). Matching follows `@logto/core-kit`'s `matchesEmailBlocklistItem`:
//! case-insensitive; `@domain` items match the domain, full items the address; `*` wildcards;
//! `gmail.com` and `googlemail.com` are one domain whose local parts ignore dots.
//!
//! `blockDisposableAddresses` needs Logto Cloud's checking service; Logto OSS refuses to enable
//! it, and so does this (it is never applied here).

use serde_json::Value;

/// Why an email is refused (all 422 except `InvalidEmail`, which Logto answers with 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    InvalidEmail,
    SubaddressingNotAllowed,
    NotAllowed,
}

const GMAIL: [&str; 2] = ["gmail.com", "googlemail.com"];

/// Check `email` against the stored policy (`{blockSubaddressing?, customAllowlist?,
/// customBlocklist?}`), in Logto's order.
pub fn check(policy: Option<&Value>, email: &str) -> Result<(), Refusal> {
    let Some((local, _)) = email.split_once('@').filter(|(_, d)| !d.is_empty()) else {
        return Err(Refusal::InvalidEmail);
    };
    let flag = |name: &str| policy.and_then(|p| p.get(name)).and_then(Value::as_bool).unwrap_or(false);
    let list = |name: &str| -> Vec<String> {
        policy
            .and_then(|p| p.get(name))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    if flag("blockSubaddressing") && local.contains('+') {
        return Err(Refusal::SubaddressingNotAllowed);
    }
    let allow = list("customAllowlist");
    if !allow.is_empty() && !allow.iter().any(|item| matches(item, email)) {
        return Err(Refusal::NotAllowed);
    }
    if list("customBlocklist").iter().any(|item| matches(item, email)) {
        return Err(Refusal::NotAllowed);
    }
    Ok(())
}

/// `matchesEmailBlocklistItem`.
pub fn matches(item: &str, email: &str) -> bool {
    let item = item.to_lowercase();
    let email = email.to_lowercase();
    let domain = email.split_once('@').map(|(_, d)| d.to_owned());
    let is_gmail = domain.as_deref().is_some_and(|d| GMAIL.contains(&d));
    if let Some(pattern) = item.strip_prefix('@') {
        let Some(domain) = domain else { return false };
        return if is_gmail { GMAIL.iter().any(|d| glob(pattern, d)) } else { glob(pattern, &domain) };
    }
    if is_gmail {
        let item = without_local_dots(&item);
        let local = without_local_dots(&email);
        let local = local.split_once('@').map_or(local.as_str(), |(l, _)| l).to_owned();
        GMAIL.iter().any(|d| glob(&item, &format!("{local}@{d}")))
    } else {
        glob(&item, &email)
    }
}

fn without_local_dots(value: &str) -> String {
    match value.split_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.replace('.', "")),
        None => value.to_owned(),
    }
}

/// Whole-string match where `*` stands for any run of characters.
fn glob(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while vi < v.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some(pi);
                mark = vi;
                pi += 1;
            }
            Some(c) if Some(c) == v.get(vi) => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    vi = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or_default().iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_match_as_in_logto_core_kit() {
        assert!(matches("@example.com", "Foo@Example.com"));
        assert!(!matches("@example.com", "foo@sub.example.com"));
        assert!(matches("@*.example.com", "foo@sub.example.com"));
        assert!(matches("foo@example.com", "FOO@example.com"));
        assert!(matches("f*@example.com", "fred@example.com"));
        assert!(!matches("f*@example.com", "bob@example.com"));
        assert!(matches("j.doe@gmail.com", "jdoe@googlemail.com"));
        assert!(matches("@googlemail.com", "x@gmail.com"));
    }

    #[test]
    fn the_policy_applies_in_logtos_order() {
        let policy = json!({"blockSubaddressing": true, "customBlocklist": ["@bad.com"], "customAllowlist": []});
        assert_eq!(check(Some(&policy), "a+b@good.com"), Err(Refusal::SubaddressingNotAllowed));
        assert_eq!(check(Some(&policy), "a@bad.com"), Err(Refusal::NotAllowed));
        assert_eq!(check(Some(&policy), "a@good.com"), Ok(()));
        assert_eq!(check(Some(&policy), "nodomain"), Err(Refusal::InvalidEmail));
        let allow = json!({"customAllowlist": ["@corp.com"]});
        assert_eq!(check(Some(&allow), "a@other.com"), Err(Refusal::NotAllowed));
        assert_eq!(check(Some(&allow), "a@corp.com"), Ok(()));
        assert_eq!(check(None, "a+b@x.com"), Ok(()));
    }
}
