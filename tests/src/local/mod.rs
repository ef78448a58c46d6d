//! What only the local host does: the process lifecycle, its settings, raw HTTP abuse, the
//! first-start bootstrap and the admin CLI on the same data.

mod bootstrap;
mod cli;
mod lifecycle;
mod raw_http;
