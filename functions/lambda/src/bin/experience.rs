//! The Experience API (`/api/experience*`, `/api/interaction*`, `/sign-in*`) as a Lambda function.
fn main() -> std::process::ExitCode {
    edgeid_lambda::main(edgeid_lambda::groups::experience)
}
