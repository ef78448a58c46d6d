//! Time and randomness from the Workers runtime.

use edgeid_core::ports::{Clock, Millis, Rng};

/// `Date.now()`. In workerd it only advances between I/O events (a Spectre mitigation), which
/// is all an identity server needs: expiry is judged to the millisecond at most.
pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> Millis {
        js_sys::Date::now() as Millis
    }
}

/// `crypto.getRandomValues`, through getrandom's `wasm_js` backend.
pub struct JsRng;

impl Rng for JsRng {
    fn fill(&self, buf: &mut [u8]) {
        if let Err(e) = getrandom::fill(buf) {
            // Not reachable on a healthy runtime; carrying on with predictable bytes would mint
            // guessable secrets, so stopping the isolate is the only safe answer.
            panic!("crypto.getRandomValues failed: {e}");
        }
    }
}
