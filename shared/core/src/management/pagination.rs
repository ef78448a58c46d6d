//! Logto's `koa-pagination`: `page` (≥ 1, default 1) and `page_size` (1..=100, default 20);
//! anything else is 400 `guard.invalid_pagination`. Paged responses carry `Total-Number` and
//! RFC 5988 `Link` headers (`first`, `prev`, `last`, `next`). Where Logto makes pagination
//! optional, a request with neither parameter gets the whole list and no headers.

use http::{HeaderValue, StatusCode};
use serde::Serialize;

use super::Query;
use super::errors;
use crate::Response;
use crate::domain::Window;

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Optional pagination, not asked for: everything, no headers.
    All,
    Page {
        page: u64,
        page_size: u64,
    },
}

/// Whether the endpoint may be called without pagination (Logto's `isOptional`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optional {
    Yes,
    No,
}

impl Paging {
    pub fn parse(query: &Query, optional: Optional) -> Result<Self, crate::error::ApiError> {
        // Logto reads the first value and treats an empty one as absent.
        let page = query.first("page").filter(|v| !v.is_empty());
        let size = query.first("page_size").filter(|v| !v.is_empty());
        if page.is_none() && size.is_none() && optional == Optional::Yes {
            return Ok(Paging::All);
        }
        let positive = |raw: &str| raw.trim().parse::<u64>().ok().filter(|n| *n >= 1);
        let page = match page {
            Some(raw) => positive(raw).ok_or_else(errors::invalid_pagination)?,
            None => 1,
        };
        let page_size = match size {
            Some(raw) => positive(raw).filter(|n| *n <= MAX_PAGE_SIZE).ok_or_else(errors::invalid_pagination)?,
            None => DEFAULT_PAGE_SIZE,
        };
        Ok(Paging::Page { page, page_size })
    }

    /// The slice to read from an ordered list (`None`: all of it).
    pub fn window(self) -> Option<Window> {
        match self {
            Paging::All => None,
            Paging::Page { page, page_size } => Some(Window {
                offset: usize::try_from(page.saturating_sub(1).saturating_mul(page_size)).unwrap_or(usize::MAX),
                limit: usize::try_from(page_size).unwrap_or(usize::MAX),
            }),
        }
    }

    /// Apply the window to an in-memory list (for filtered lists).
    pub fn slice<T>(self, items: Vec<T>) -> Vec<T> {
        match self.window() {
            None => items,
            Some(w) => items.into_iter().skip(w.offset).take(w.limit).collect(),
        }
    }

    /// 200 with the JSON list and, when paged, `Total-Number` and `Link` headers.
    pub fn respond<T: Serialize + ?Sized>(
        self,
        endpoint: &str,
        path: &str,
        query: &Query,
        items: &T,
        total: u64,
    ) -> Response {
        let mut response = crate::http::json_response(StatusCode::OK, items);
        let Paging::Page { page, page_size } = self else {
            return response;
        };
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
            headers.insert("total-number", v);
        }
        let last = total.div_ceil(page_size).max(1);
        let mut links = vec![(1, "first")];
        if page > 1 {
            links.push((page - 1, "prev"));
        }
        links.push((last, "last"));
        if page < last {
            links.push((page + 1, "next"));
        }
        for (target, rel) in links {
            let link = format!("<{endpoint}{path}?{}>; rel=\"{rel}\"", query.with_page(target));
            if let Ok(v) = HeaderValue::from_str(&link) {
                headers.append(http::header::LINK, v);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str, optional: Optional) -> Result<Paging, &'static str> {
        Paging::parse(&Query::parse(Some(q)), optional).map_err(|e| e.code)
    }

    #[test]
    fn parameters_follow_logto() {
        assert_eq!(parse("", Optional::Yes), Ok(Paging::All));
        assert_eq!(parse("", Optional::No), Ok(Paging::Page { page: 1, page_size: 20 }));
        assert_eq!(parse("page=2", Optional::Yes), Ok(Paging::Page { page: 2, page_size: 20 }));
        assert_eq!(parse("page_size=100", Optional::Yes), Ok(Paging::Page { page: 1, page_size: 100 }));
        for bad in ["page=0", "page=-1", "page=x", "page_size=0", "page_size=101", "page_size=1.5"] {
            assert_eq!(parse(bad, Optional::Yes), Err("guard.invalid_pagination"), "{bad}");
        }
    }

    #[test]
    fn links_and_total_are_set() {
        let query = Query::parse(Some("page=2&page_size=2&type=User"));
        let paging = Paging::parse(&query, Optional::No).unwrap();
        let response = paging.respond("http://x", "/api/roles", &query, &[1, 2], 5);
        assert_eq!(response.headers()["total-number"], "5");
        let links: Vec<_> = response.headers().get_all("link").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        assert_eq!(
            links,
            [
                "<http://x/api/roles?page=1&page_size=2&type=User>; rel=\"first\"",
                "<http://x/api/roles?page=1&page_size=2&type=User>; rel=\"prev\"",
                "<http://x/api/roles?page=3&page_size=2&type=User>; rel=\"last\"",
                "<http://x/api/roles?page=3&page_size=2&type=User>; rel=\"next\"",
            ]
        );
    }
}
