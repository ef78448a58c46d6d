//! The core's only ways out: time, randomness, crypto, outgoing HTTP and the mock-message
//! outlet (storage is in [`crate::store`]).
//!
//! Futures are `Send` on native hosts (tokio, Lambda) and not on wasm, where JS values are
//! single-threaded: [`MaybeSend`]/[`MaybeSync`] and the `async_trait` attributes on each port
//! encode that once.

mod clock;
mod crypto;
mod http_client;
mod mock_messages;
#[cfg(feature = "ring")]
mod native;
#[cfg(feature = "ring")]
mod ring_crypto;
mod rng;

pub use clock::{Clock, FixedClock, Millis};
pub use crypto::{Crypto, CryptoError, GeneratedKey, SigningKey};
pub use http_client::{HttpClient, HttpClientError, IncomingResponse, OutgoingRequest};
pub use mock_messages::{MemoryMockMessages, MockMessageKind, MockMessages};
#[cfg(feature = "ring")]
pub use native::{OsRng, SystemClock};
#[cfg(feature = "ring")]
pub use ring_crypto::{RSA_BITS, RingCrypto};
pub use rng::{Rng, SeededRng};

#[cfg(not(target_arch = "wasm32"))]
mod maybe {
    pub trait MaybeSend: Send {}
    impl<T: Send + ?Sized> MaybeSend for T {}
    pub trait MaybeSync: Sync {}
    impl<T: Sync + ?Sized> MaybeSync for T {}
}
#[cfg(target_arch = "wasm32")]
mod maybe {
    pub trait MaybeSend {}
    impl<T: ?Sized> MaybeSend for T {}
    pub trait MaybeSync {}
    impl<T: ?Sized> MaybeSync for T {}
}
pub use maybe::{MaybeSend, MaybeSync};

/// A boxed future that is `Send` exactly where the host needs it.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = futures::future::BoxFuture<'a, T>;
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = futures::future::LocalBoxFuture<'a, T>;
