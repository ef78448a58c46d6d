/// A route table: path patterns (matchit syntax, `/api/applications/{id}`) to a closed enum
/// of routes that the group then matches together with the method. Dispatch stays a plain
/// `match`, so every endpoint is visible in one place.
pub struct Routes<R> {
    router: matchit::Router<R>,
}

/// Path parameters of a matched route, owned so handlers can keep them across awaits.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// A parameter the pattern guarantees; empty if the route table and handler disagree.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
}

impl<R: Copy> Routes<R> {
    /// Build from `(pattern, route)` pairs. Patterns are constants of the code; an invalid
    /// one is a programming error caught by each group's route-table unit test.
    pub fn new(table: &[(&str, R)]) -> Result<Self, matchit::InsertError> {
        let mut router = matchit::Router::new();
        for (pattern, route) in table {
            router.insert(*pattern, *route)?;
        }
        Ok(Self { router })
    }

    pub fn lookup(&self, path: &str) -> Option<(R, Params)> {
        let matched = self.router.at(path).ok()?;
        let params = matched.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Some((*matched.value, Params(params)))
    }
}
