//! The OIDC provider (`/oidc/*`, `/consent`) as a Lambda function.
fn main() -> std::process::ExitCode {
    edgeid_lambda::main(edgeid_lambda::groups::oidc)
}
