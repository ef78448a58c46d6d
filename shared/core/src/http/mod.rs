//! HTTP plumbing shared by the groups: parsing bodies at the edge, building responses,
//! the route table. Hosts convert their native requests into `http::Request<Bytes>`.

mod body;
pub mod etag;
mod response;
mod routes;
pub mod security_headers;

pub use body::{FormError, FormParams, content_type_is, parse_form, parse_json};
pub use response::{empty, json_bytes_response, json_response, tag_request_id};
pub use routes::{Params, Routes};

/// Largest request body any endpoint accepts (Logto's provider caps bodies at 56 kB; the
/// REST API gets the same limit). Hosts enforce it while reading and answer with
/// [`crate::payload_too_large`].
pub const MAX_BODY_BYTES: usize = 56 * 1024;
