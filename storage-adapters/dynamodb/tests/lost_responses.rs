//! A write that lands while its response is lost (timeout, reset connection, a 5xx from a
//! load balancer) is retried by the SDK. The retry then fails its own condition; the adapter
//! must recognise its own earlier write and report success, not a conflict or a replay: a user
//! signing up must not be told their own username is taken, and an authorization code redeemed
//! once must not be treated as replayed (which revokes the grant).
//!
//! The interceptor lets the first attempt reach the emulator, then turns its response into a
//! 500 so the SDK retries. Compiled with `EDGEID_DYNAMODB_TESTS=1`, like the conformance suite.

// Test code: a panic is a failure report.
#![allow(clippy::unwrap_used)]

#[cfg(not(dynamodb_emulator_tests))]
#[test]
fn dynamodb_lost_response_tests_skipped_set_edgeid_dynamodb_tests_1_to_run_them() {
    eprintln!("WARNING: the DynamoDB lost-response tests were NOT run; set EDGEID_DYNAMODB_TESTS=1");
}

#[cfg(dynamodb_emulator_tests)]
mod emulator;

#[cfg(dynamodb_emulator_tests)]
mod lost {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut;
    use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
    use aws_sdk_dynamodb::error::BoxError;
    use edgeid_core::ports::FixedClock;
    use edgeid_core::store::{Consumed, Key, PutOptions, Store, WriteOp};
    use edgeid_store_dynamodb::{Client, DynamoStore, client_config};

    use crate::emulator;

    /// When armed, replaces the next response with a 500 after the request took effect.
    #[derive(Debug, Default)]
    struct LoseNextResponse {
        armed: AtomicBool,
        lost: AtomicU32,
    }

    #[derive(Debug)]
    struct Interceptor(Arc<LoseNextResponse>);

    impl Intercept for Interceptor {
        fn name(&self) -> &'static str {
            "LoseNextResponse"
        }

        fn modify_before_deserialization(
            &self,
            context: &mut BeforeDeserializationInterceptorContextMut<'_>,
            _: &RuntimeComponents,
            _: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            if self.0.armed.swap(false, Ordering::SeqCst) {
                *context.response_mut().status_mut() = 500u16.try_into()?;
                self.0.lost.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        }
    }

    async fn store() -> (DynamoStore, Arc<LoseNextResponse>) {
        let lose = Arc::new(LoseNextResponse::default());
        let settings = emulator::settings().unwrap();
        let client = Client::from_conf(client_config(&settings).interceptor(Interceptor(lose.clone())).build());
        let table = emulator::fresh_table(&client).await.unwrap();
        (DynamoStore::new(client, table, Arc::new(FixedClock::new(1_767_225_600_000))), lose)
    }

    fn key(id: &str) -> Key {
        Key::new(["idx", "username", id])
    }

    #[tokio::test]
    async fn a_claim_whose_response_was_lost_is_still_ours() {
        let (store, lose) = store().await;
        lose.armed.store(true, Ordering::SeqCst);
        let v = store.put(&key("alice"), b"u1".to_vec(), PutOptions::IF_ABSENT).await;
        assert_eq!(lose.lost.load(Ordering::SeqCst), 1, "the test did not lose a response");
        assert_eq!(v, Ok(1), "IfAbsent whose first response was lost");
        // Someone else's claim still conflicts.
        assert!(store.put(&key("alice"), b"u2".to_vec(), PutOptions::IF_ABSENT).await.is_err());
    }

    #[tokio::test]
    async fn a_versioned_update_whose_response_was_lost_counts_once() {
        let (store, lose) = store().await;
        store.put(&key("bob"), b"v1".to_vec(), PutOptions::ALWAYS).await.unwrap();
        lose.armed.store(true, Ordering::SeqCst);
        assert_eq!(store.put(&key("bob"), b"v2".to_vec(), PutOptions::ALWAYS).await, Ok(2));
        lose.armed.store(true, Ordering::SeqCst);
        assert_eq!(store.put(&key("bob"), b"v3".to_vec(), PutOptions::if_version(2)).await, Ok(3));
        assert_eq!(lose.lost.load(Ordering::SeqCst), 2);
        assert_eq!(store.get(&key("bob")).await.unwrap().map(|r| (r.version, r.value)), Some((3, b"v3".to_vec())));
    }

    #[tokio::test]
    async fn a_consume_whose_response_was_lost_is_the_first() {
        let (store, lose) = store().await;
        let code = Key::new(["code", "c1"]);
        store.put(&code, b"grant".to_vec(), PutOptions::ALWAYS).await.unwrap();
        lose.armed.store(true, Ordering::SeqCst);
        let first = store.consume(&code).await.unwrap();
        assert_eq!(lose.lost.load(Ordering::SeqCst), 1);
        assert!(matches!(first, Consumed::First(_)), "got {first:?}");
        assert!(matches!(store.consume(&code).await.unwrap(), Consumed::Already(_)));
    }

    #[tokio::test]
    async fn a_batch_whose_response_was_lost_is_committed() {
        let (store, lose) = store().await;
        let ops = vec![
            WriteOp::Put { key: Key::new(["user", "u1"]), value: b"{}".to_vec(), options: PutOptions::IF_ABSENT },
            WriteOp::Put { key: key("carol"), value: b"u1".to_vec(), options: PutOptions::IF_ABSENT },
        ];
        lose.armed.store(true, Ordering::SeqCst);
        assert_eq!(store.commit(ops).await, Ok(()));
        assert_eq!(lose.lost.load(Ordering::SeqCst), 1);
        assert!(store.get(&key("carol")).await.unwrap().is_some());
    }
}
