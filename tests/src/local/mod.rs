//! What only the local host does: the process lifecycle, its settings, raw HTTP abuse, the
//! first-start bootstrap, the admin CLI on the same data, and surviving SIGKILL.

mod bootstrap;
mod cli;
mod connectors;
mod crash;
mod lifecycle;
mod raw_http;
