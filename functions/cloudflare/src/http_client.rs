//! The core's [`HttpClient`] port on Workers: the runtime's `fetch`, with `redirect: "manual"`
//! (a connector's endpoint answers itself, as on the native hosts). A subrequest lives at most
//! as long as the request that made it, which bounds its time; the response body is capped.

use bytes::Bytes;
use edgeid_core::ports::{HttpClient, HttpClientError, IncomingResponse, OutgoingRequest};
use wasm_bindgen::JsValue;

/// As on the native hosts: connector answers are small.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

pub struct FetchHttpClient;

fn failed(e: impl std::fmt::Display) -> HttpClientError {
    HttpClientError(e.to_string())
}

#[async_trait::async_trait(?Send)]
impl HttpClient for FetchHttpClient {
    async fn send(&self, request: OutgoingRequest) -> Result<IncomingResponse, HttpClientError> {
        let (parts, body) = request.into_parts();
        let headers = worker::Headers::new();
        for (name, value) in &parts.headers {
            let value = value.to_str().map_err(failed)?;
            headers.append(name.as_str(), value).map_err(failed)?;
        }
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::from(parts.method.as_str().to_owned()))
            .with_headers(headers)
            .with_redirect(worker::RequestRedirect::Manual);
        if !body.is_empty() {
            init.with_body(Some(JsValue::from(js_sys::Uint8Array::from(body.as_ref()))));
        }
        let request = worker::Request::new_with_init(&parts.uri.to_string(), &init).map_err(failed)?;
        let mut response = worker::Fetch::Request(request).send().await.map_err(failed)?;
        let mut out = http::Response::builder().status(response.status_code());
        for (name, value) in response.headers().entries() {
            out = out.header(name, value);
        }
        let mut bytes = response.bytes().await.map_err(failed)?;
        bytes.truncate(MAX_RESPONSE_BYTES);
        out.body(Bytes::from(bytes)).map_err(failed)
    }
}
