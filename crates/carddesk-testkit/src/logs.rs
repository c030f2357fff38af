//! The logs captured in memory, for the tests that prove no secret is
//! logged in clear. The capture is process-wide: SQLite runs its statements
//! on worker threads of its own and the Argon2id checks run on the blocking
//! pool, which a thread-local subscriber would not hear.

use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// A `MakeWriter` for `tracing_subscriber::fmt` that keeps everything
/// written in memory.
#[derive(Debug, Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// What was logged so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The one capture of this process (of this test binary).
static LOGS: OnceLock<LogBuffer> = OnceLock::new();

/// Every event of the process, at TRACE, into one buffer: see
/// [`capture_logs_with_spans`] (no span events).
pub fn capture_logs() -> LogBuffer {
    capture_logs_with_spans(FmtSpan::NONE)
}

/// Every event of the process, at TRACE and without colours, and the span
/// events `spans` asks for, into one buffer shared by every caller.
///
/// The first call installs the global subscriber; later calls return the
/// same buffer whatever `spans` they ask for, so a test binary calls it
/// one way only, from every test before it logs anything (whichever runs
/// first installs it). Panics if another global subscriber was installed.
pub fn capture_logs_with_spans(spans: FmtSpan) -> LogBuffer {
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        tracing_subscriber::fmt()
            .with_writer(buffer.clone())
            .with_max_level(LevelFilter::TRACE)
            .with_ansi(false)
            .with_span_events(spans)
            .try_init()
            .expect("install the log capture");
        buffer
    })
    .clone()
}
