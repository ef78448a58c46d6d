//! `worker::Request` → `http::Request<Bytes>` and back. The body limit is enforced while
//! reading, so an oversized upload is refused without being buffered whole.

use bytes::{Bytes, BytesMut};
use edgeid_core::http::MAX_BODY_BYTES;
use futures::StreamExt as _;

/// The core's request, or the response to send instead (413, 400).
pub async fn request(mut req: worker::Request) -> Result<edgeid_core::Request, edgeid_core::Response> {
    let url = req.url().map_err(|_| bad_request("malformed request URL"))?;
    let path = url.path().to_owned();
    let declared = req.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(edgeid_core::payload_too_large(&path));
    }
    let body = match req.stream() {
        Ok(mut stream) => {
            let mut body = BytesMut::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|_| bad_request("the request body could not be read"))?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(edgeid_core::payload_too_large(&path));
                }
                body.extend_from_slice(&chunk);
            }
            body.freeze()
        }
        // No body at all (GET, HEAD).
        Err(_) => Bytes::new(),
    };

    let target = match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut builder = http::Request::builder().method(req.inner().method().as_str()).uri(target);
    for (name, value) in req.headers().entries() {
        builder = builder.header(name, value);
    }
    builder.body(body).map_err(|_| bad_request("malformed request line or headers"))
}

pub fn response(res: edgeid_core::Response) -> worker::Result<worker::Response> {
    let (parts, body) = res.into_parts();
    let headers = worker::Headers::new();
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            headers.append(name.as_str(), value)?;
        }
    }
    let response =
        if body.is_empty() { worker::Response::empty()? } else { worker::Response::from_bytes(body.to_vec())? };
    Ok(response.with_status(parts.status.as_u16()).with_headers(headers))
}

fn bad_request(message: &str) -> edgeid_core::Response {
    edgeid_core::error::ApiError::new(http::StatusCode::BAD_REQUEST, "request.general", message).render()
}
