//! The Management API (`/api/*` except experience and account) as a Lambda function.
fn main() -> std::process::ExitCode {
    edgeid_lambda::main(edgeid_lambda::groups::management)
}
