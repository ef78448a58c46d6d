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
        // The management function answers an unknown /api route in Logto's ApiError shape;
        // the OIDC function answers an unknown /oidc route in OAuth's.
        let app = crate::convert::tests::memory_app();
        let run = |f: HandleFn, path: &str| {
            let req = http::Request::builder().uri(path).body(bytes::Bytes::new()).unwrap();
            futures_lite(f(&app, req))
        };
        let oidc_404 = run(oidc, "/oidc/no-such-endpoint");
        assert_eq!(oidc_404.status(), 404);
        assert!(String::from_utf8_lossy(oidc_404.body()).contains("\"error\""));
        let api_404 = run(management, "/api/no-such-resource");
        assert_eq!(api_404.status(), 404);
        assert!(String::from_utf8_lossy(api_404.body()).contains("\"code\""));
    }

    fn futures_lite<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }
}
