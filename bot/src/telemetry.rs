//! Logging through tracing; teloxide's `log` records are bridged in.
//!
//! Human-readable lines by default, one JSON object per line with
//! `BASIS_LOG_FORMAT=json`. Secrets never reach the output: the code does
//! not log them, and as a second line of defence every line passes a filter
//! that replaces the secrets registered with [`hide`] (the bot token, the
//! webhook secret) wherever they appear, e.g. inside a URL in an error.

use std::io::{self, IsTerminal, Write};
use std::sync::RwLock;

use serde::{Deserialize, Serialize};
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people reading a terminal or the journal.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// What replaces a secret in a log line.
pub const REDACTED: &str = "[redacted]";

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Keeps `secret` out of every log line from now on. A bot token's secret
/// half is hidden on its own as well.
pub fn hide(secret: &str) {
    let mut parts = vec![secret];
    if let Some((_, after)) = secret.split_once(':') {
        parts.push(after);
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    for part in parts {
        // Short strings would blank out ordinary words.
        if part.len() >= 8 && !secrets.iter().any(|s| s == part) {
            secrets.push(part.to_owned());
        }
    }
    // Longest first: a token is replaced whole, not around its hidden half.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Installs the global logger: `filter` as in `BASIS_LOG` (`info` if it does
/// not parse), lines in `format` on stderr, coloured on a terminal. A second
/// call changes nothing.
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = io::stderr().is_terminal();
    let _ = tracing_subscriber::registry().with(filter).with(layer(format, io::stderr, ansi)).try_init();
}

/// The formatting layer `init` installs, writing to `writer` through the
/// secret filter. Tests capture logs with it.
pub fn layer<S, W>(format: LogFormat, writer: W, ansi: bool) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let writer = Redacting(writer);
    match format {
        LogFormat::Text => {
            tracing_subscriber::fmt::layer().with_target(false).with_ansi(ansi).with_writer(writer).boxed()
        }
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
    }
}

struct Redacting<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    /// The formatter hands over one whole line per call.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
        let text = String::from_utf8_lossy(buf);
        if !secrets.iter().any(|s| text.contains(s.as_str())) {
            self.0.write_all(buf)?;
            return Ok(buf.len());
        }
        let mut clean = text.into_owned();
        for secret in secrets.iter() {
            clean = clean.replace(secret.as_str(), REDACTED);
        }
        self.0.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_never_reach_the_output() {
        hide("123456:AAE-unit-test-secret_value");
        hide("short");
        let mut out = Vec::new();
        let mut writer = RedactingWriter(&mut out);
        writer.write_all(b"GET http://x/bot123456:AAE-unit-test-secret_value/getMe failed; short stays\n").unwrap();
        writer.write_all(b"half: AAE-unit-test-secret_value\n").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "GET http://x/bot[redacted]/getMe failed; short stays\nhalf: [redacted]\n");
    }
}
