//! The Account API (`/api/my-account*`, `/api/verifications*`) as a Lambda function.
fn main() -> std::process::ExitCode {
    edgeid_lambda::main(edgeid_lambda::groups::account)
}
