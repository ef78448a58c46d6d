//! The emulator conformance tests need a DynamoDB emulator (moto or DynamoDB Local), so they
//! are compiled only with `EDGEID_DYNAMODB_TESTS=1`; without it the test binary holds one test
//! whose name says the suite was skipped (`.ci/lambda.sh` sets it and starts the emulators).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(dynamodb_emulator_tests)");
    println!("cargo::rerun-if-env-changed=EDGEID_DYNAMODB_TESTS");
    if std::env::var("EDGEID_DYNAMODB_TESTS").is_ok_and(|v| v == "1") {
        println!("cargo::rustc-cfg=dynamodb_emulator_tests");
    }
}
