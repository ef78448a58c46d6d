//! Logto's list search (`packages/core/src/utils/search.ts`): `search=<v>` over every allowed
//! field and `search.<field>=<v>`, `mode[.<field>]=exact|like` (default `like`, SQL `LIKE`
//! with `%` and `_`), `joint=and|or` (alias `jointMode`, default `or`), `isCaseSensitive`.
//! `similar_to` and `posix` modes are refused with 400 `request.invalid_input`.

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
    value: String,
    mode: Mode,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    matches: Vec<Match>,
    joint_and: bool,
    case_sensitive: bool,
    fields: Vec<&'static str>,
}

fn parse_mode(raw: &str) -> Result<Mode, ApiError> {
    match raw {
        "exact" => Ok(Mode::Exact),
        "like" => Ok(Mode::Like),
        other => Err(errors::request_invalid(format!("Search mode `{other}` is not supported."))),
    }
}

impl Search {
    pub fn parse(query: &Query, fields: &[&'static str]) -> Result<Self, ApiError> {
        let mode_for = |field: Option<&str>| -> Result<Mode, ApiError> {
            let specific = field.and_then(|f| query.first(&format!("mode.{f}")));
            match specific.or_else(|| query.first("mode")) {
                Some(raw) => parse_mode(raw),
                None => Ok(Mode::Like),
            }
        };
        let mut matches = Vec::new();
        for (key, value) in &query.0 {
            let field = if key == "search" {
                None
            } else if let Some(field) = key.strip_prefix("search.") {
                if !fields.contains(&field) {
                    return Err(errors::request_invalid(format!("Search field `{field}` is not allowed.")));
                }
                Some(field.to_owned())
            } else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            let mode = mode_for(field.as_deref())?;
            matches.push(Match { field, value: value.clone(), mode });
        }
        let joint = query.first("joint").or_else(|| query.first("jointMode"));
        let joint_and = match joint {
            None | Some("or") => false,
            Some("and") => true,
            Some(other) => {
                return Err(errors::request_invalid(format!("Search joint mode `{other}` is not supported.")));
            }
        };
        let case_sensitive = query.first("isCaseSensitive") == Some("true");
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
            fields.into_iter().filter_map(&get).any(|text| self.value_matches(m, text))
        };
        if self.joint_and { self.matches.iter().all(one) } else { self.matches.iter().any(one) }
    }

    fn value_matches(&self, m: &Match, text: &str) -> bool {
        let (text, pattern) = if self.case_sensitive {
            (text.to_owned(), m.value.clone())
        } else {
            (text.to_lowercase(), m.value.to_lowercase())
        };
        match m.mode {
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
        assert_eq!(
            Search::parse(&Query::parse(Some("search.secret=x")), &["id"]).unwrap_err().code,
            "request.invalid_input"
        );
    }
}
