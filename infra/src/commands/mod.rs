//! One module per subcommand; each returns the JSON it prints.

pub mod create_admin_client;
pub mod keys;
