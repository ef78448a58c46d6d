//! Journeys driven in-process through [`TestApp`](edgeid_tests::harness::TestApp): the memory
//! store, a clock the test moves, a seeded RNG. What needs time travel or inspection of the
//! store lives here; cross-group journeys (authorize → sign-in → token → account).

mod account;
mod authorize;
mod experience;
mod machine_tokens;
mod mfa;
mod sign_in;
mod store_outage;
mod store_round_trips;
mod user_tokens;
