//! Logto's list search (`packages/core/src/utils/search.ts`): `search=<v>` over every allowed
//! field and `search.<field>=<v>`, `mode[.<field>]=exact|like` (default `like`, SQL `LIKE`
//! with `%` and `_`), `joint=and|or` (alias `jointMode`, default `or`), `isCaseSensitive`.
//! Several `search.<field>` values are allowed in `exact` mode (any matches). Errors are
//! Logto's 400 `request.invalid_input` with its messages; `similar_to` and `posix` (SQL regular
//! expressions) are refused the same way.

use super::{Query, errors};
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Exact,
    Like,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Match {
    /// `None`: every allowed field.
    field: Option<String>,
    /// Several only in `exact` mode (any of them).
    values: Vec<String>,
    mode: Mode,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    matches: Vec<Match>,
    joint_and: bool,
    case_sensitive: bool,
    fields: Vec<&'static str>,
}

const MODES: &str = "exact, like, similar_to, posix";

fn invalid(details: impl Into<String>) -> ApiError {
    errors::request_invalid(details)
}

impl Search {
    /// Logto's `parseSearchParamsForSearch` + the checks of `buildConditionsFromSearch`, with
    /// its messages. `similar_to` and `posix` (SQL regular expressions) are refused.
    pub fn parse(query: &Query, fields: &[&'static str]) -> Result<Self, ApiError> {
        let case_sensitive = query
            .first("isCaseSensitive")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "y" | "1"));
        let joint = query.first("joint").or_else(|| query.first("jointMode")).filter(|v| !v.is_empty());
        let joint_and = match joint {
            None | Some("or") => false,
            Some("and") => true,
            Some(other) => {
                return Err(invalid(format!("Search joint mode `{other}` is not valid, expect one of and, or.")));
            }
        };
        let field_of = |key: &str| -> Result<Option<String>, ApiError> {
            let mut path = key.split('.');
            let _ = path.next();
            let field = path.next();
            if path.next().is_some() {
                return Err(invalid(format!(
                    "Unsupported nested search field path `{}` detected. Only the first level field is supported.",
                    key.split_once('.').map_or("", |(_, rest)| rest)
                )));
            }
            match field {
                Some(f) if !fields.contains(&f) => {
                    Err(invalid(format!("Search field `{f}` is not valid, expect one of {}.", fields.join(", "))))
                }
                other => Ok(other.map(str::to_owned)),
            }
        };
        let mut modes: Vec<(Option<String>, Mode)> = Vec::new();
        let mut values: Vec<(Option<String>, Vec<String>)> = Vec::new();
        for (key, value) in &query.0 {
            if key == "mode" || key.starts_with("mode.") {
                let field = field_of(key)?;
                let mode = match value.as_str() {
                    "exact" => Mode::Exact,
                    "like" => Mode::Like,
                    "similar_to" if !case_sensitive => {
                        return Err(invalid("Cannot use case-insensitive match for `similar to`."));
                    }
                    "similar_to" | "posix" => {
                        return Err(invalid(format!("Search match mode `{value}` is not supported by edgeid.")));
                    }
                    other => {
                        let for_field = field.as_ref().map(|f| format!(" for field `{f}`")).unwrap_or_default();
                        return Err(invalid(format!(
                            "Search match mode `{other}`{for_field} is not valid, expect one of {MODES}."
                        )));
                    }
                };
                modes.push((field, mode));
            } else if key == "search" || key.starts_with("search.") {
                let field = field_of(key)?;
                match values.iter_mut().find(|(f, _)| *f == field) {
                    Some((_, list)) => list.push(value.clone()),
                    None => values.push((field, vec![value.clone()])),
                }
            }
        }
        let mode_for = |field: &Option<String>| {
            modes
                .iter()
                .rev()
                .find(|(f, _)| f == field)
                .or_else(|| modes.iter().rev().find(|(f, _)| f.is_none()))
                .map_or(Mode::Like, |(_, m)| *m)
        };
        let mut matches = Vec::with_capacity(values.len());
        for (field, list) in values {
            let mode = mode_for(&field);
            if mode != Mode::Exact && list.len() != 1 {
                return Err(invalid("Only one search value is allowed when search mode is not `exact`."));
            }
            if list.iter().any(String::is_empty) {
                return Err(invalid("Search value cannot be empty."));
            }
            matches.push(Match { field, values: list, mode });
        }
        Ok(Self { matches, joint_and, case_sensitive, fields: fields.to_vec() })
    }

    pub fn is_empty(&self) -> bool {
        self.matches.is_empty()
    }

    /// Whether an entity matches; `get` reads one of the allowed fields (`None`: null).
    pub fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        if self.matches.is_empty() {
            return true;
        }
        let one = |m: &Match| {
            let fields: Vec<&str> = match &m.field {
                Some(f) => vec![f.as_str()],
                None => self.fields.clone(),
            };
            fields.into_iter().filter_map(&get).any(|text| m.values.iter().any(|v| self.value_matches(m.mode, v, text)))
        };
        if self.joint_and { self.matches.iter().all(one) } else { self.matches.iter().any(one) }
    }

    fn value_matches(&self, mode: Mode, value: &str, text: &str) -> bool {
        let (text, pattern) = if self.case_sensitive {
            (text.to_owned(), value.to_owned())
        } else {
            (text.to_lowercase(), value.to_lowercase())
        };
        match mode {
            Mode::Exact => text == pattern,
            Mode::Like => like(&text.chars().collect::<Vec<_>>(), &pattern.chars().collect::<Vec<_>>()),
        }
    }
}

/// SQL `LIKE`: `%` any run, `_` one character, `\` escapes. Dynamic programming over
/// (pattern, text) positions, so hostile patterns cost O(n·m), never exponential time.
fn like(text: &[char], pattern: &[char]) -> bool {
    // `%` matches any run, `_` one character, anything else itself.
    #[derive(Clone, Copy, PartialEq)]
    enum Token {
        Literal(char),
        One,
        Many,
    }
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut chars = pattern.iter();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Token::Many,
            '_' => Token::One,
            '\\' => Token::Literal(chars.next().copied().unwrap_or('\\')),
            other => Token::Literal(*other),
        });
    }
    // reachable[j]: the tokens consumed so far can match text[..j].
    let mut reachable = vec![false; text.len() + 1];
    if let Some(first) = reachable.first_mut() {
        *first = true;
    }
    for token in tokens {
        let mut next = vec![false; text.len() + 1];
        match token {
            Token::Many => {
                let mut any = false;
                for (j, slot) in next.iter_mut().enumerate() {
                    any |= reachable.get(j).copied().unwrap_or(false);
                    *slot = any;
                }
            }
            Token::One | Token::Literal(_) => {
                for (j, c) in text.iter().enumerate() {
                    let fits = match token {
                        Token::Literal(l) => l == *c,
                        _ => true,
                    };
                    if fits
                        && reachable.get(j).copied().unwrap_or(false)
                        && let Some(slot) = next.get_mut(j + 1)
                    {
                        *slot = true;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable.last().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(q: &str) -> Search {
        Search::parse(&Query::parse(Some(q)), &["id", "name"]).unwrap()
    }

    #[test]
    fn like_and_exact() {
        let fields = |f: &str| match f {
            "id" => Some("abc123"),
            "name" => Some("My App"),
            _ => None,
        };
        assert!(search("search=%25app%25").matches(fields));
        assert!(!search("search=app").matches(fields));
        assert!(search("search.id=abc___").matches(fields));
        assert!(!search("search.id=abc___&isCaseSensitive=true&search.name=my%25&joint=and").matches(fields));
        assert!(search("search.name=My%20App&mode=exact").matches(fields));
        assert!(search("").matches(fields));
        assert!(search("search.id=zzz&search.id=abc123&mode.id=exact").matches(fields));
        for (q, message) in [
            ("search.secret=x", "is not valid"),
            ("search.id=a&search.id=b", "`exact`"),
            ("search.id=&search=x", "cannot be empty"),
            ("search.id=%25a%25&mode.id=similar_to", "case-insensitive"),
            ("search.id=a&mode.id=similar%20to", "is not valid"),
            ("search.id=a&joint=and1", "is not valid"),
        ] {
            let err = Search::parse(&Query::parse(Some(q)), &["id", "name"]).unwrap_err();
            assert_eq!(err.code, "request.invalid_input", "{q}");
            assert!(err.message.contains(message), "{q}: {}", err.message);
        }
    }
}
