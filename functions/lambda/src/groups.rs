//! The four entry points, each boxed once so a binary names exactly one group (the linker drops
//! the others) and so the compiler proves each group's future is `Send`, which the Lambda
//! runtime requires.

use edgeid_core::ports::BoxFuture;
use edgeid_core::{App, Request, Response};

/// A group's `handle`, as a plain function pointer.
pub type HandleFn = for<'a> fn(&'a App, Request) -> BoxFuture<'a, Response>;

pub fn oidc(app: &App, req: Request) -> BoxFuture<'_, Response> {
    Box::pin(edgeid_core::oidc::handle(app, req))
}

pub fn management(app: &App, req: Request) -> BoxFuture<'_, Response> {
    Box::pin(edgeid_core::management::handle(app, req))
}

pub fn experience(app: &App, req: Request) -> BoxFuture<'_, Response> {
    Box::pin(edgeid_core::experience::handle(app, req))
}

pub fn account(app: &App, req: Request) -> BoxFuture<'_, Response> {
    Box::pin(edgeid_core::account::handle(app, req))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compile-time check (DESIGN §4): every group's `handle` future is `Send`, so it can run
    /// on the Lambda runtime (and any multi-threaded tokio host). If a group starts holding a
    /// non-`Send` value across an `.await`, this stops compiling.
    #[allow(dead_code)]
    fn every_group_future_is_send(app: &App, req: Request) {
        fn is_send<T: Send>(_: &T) {}
        is_send(&edgeid_core::oidc::handle(app, req.clone()));
        is_send(&edgeid_core::management::handle(app, req.clone()));
        is_send(&edgeid_core::experience::handle(app, req.clone()));
        is_send(&edgeid_core::account::handle(app, req));
    }

    #[test]
    fn each_function_serves_its_own_group() {
        let app = crate::convert::tests::memory_app();
        let run = |f: HandleFn, path: &str| {
            let req = http::Request::builder().uri(path).body(bytes::Bytes::new()).unwrap();
            let res = futures_lite(f(&app, req));
            let body: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
            (res.status().as_u16(), body)
        };
        // The OIDC function serves discovery for the configured issuer.
        let (status, body) = run(oidc, "/oidc/.well-known/openid-configuration");
        assert_eq!(status, 200);
        assert_eq!(body["issuer"], "https://id.example.com/oidc");
        // The Management API function refuses a request without a token, in Logto's format.
        let (status, body) = run(management, "/api/applications");
        assert_eq!(status, 401);
        assert!(body["code"].is_string(), "{body}");
    }

    fn futures_lite<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }
}
