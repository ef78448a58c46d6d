//! What only the local host does: the process lifecycle, its settings, raw HTTP abuse.

mod lifecycle;
mod raw_http;
