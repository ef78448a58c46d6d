//! The core logs through `tracing` (internal errors once at the edge, warnings); on Workers
//! those events go to the console, which `wrangler tail` and Workers Logs collect. Info and
//! below are dropped: per-request chatter costs CPU on every request.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

struct Console;

/// Line builder: `message key=value …`.
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl Subscriber for Console {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::WARN
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line(format!("edgeid {} {}: ", event.metadata().level(), event.metadata().target()));
        event.record(&mut line);
        if *event.metadata().level() == Level::ERROR {
            worker::console_error!("{}", line.0);
        } else {
            worker::console_warn!("{}", line.0);
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Install once per isolate (a second call is a no-op).
pub fn init() {
    let _ = tracing::subscriber::set_global_default(Console);
}
