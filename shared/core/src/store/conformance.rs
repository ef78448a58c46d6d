//! The storage conformance suite every adapter runs (DESIGN §4). Filled in by the storage work.
