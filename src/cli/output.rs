//! Writing to the terminal the way Unix tools do: when the reader of stdout goes away
//! (`mascot plan FILE --format json | head`), stop printing and exit quietly instead of
//! panicking on a broken pipe; a stderr that cannot be written is ignored.

use std::io::Write;

/// Why stdout took no more output.
#[derive(Debug)]
pub enum Stop {
    /// Its reader went away: stop quietly (exit code 0).
    Closed,
    /// Another write error, already reported on stderr (exit code 1).
    Failed,
}

impl Stop {
    /// The process exit code to end with.
    pub fn code(&self) -> u8 {
        match self {
            Stop::Closed => 0,
            Stop::Failed => 1,
        }
    }
}

/// Writes `text` to stdout and flushes it.
pub fn out(text: &str) -> Result<(), Stop> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Stop::Closed),
        Err(e) => {
            err(&format!("error: cannot write to stdout: {e}\n"));
            Err(Stop::Failed)
        }
    }
}

/// Writes `text` and a newline to stdout.
pub fn outln(text: &str) -> Result<(), Stop> {
    out(&format!("{text}\n"))
}

/// Writes `text` to stderr; nothing can be done when that fails, so it is ignored.
pub fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// Writes `text` and a newline to stderr.
pub fn errln(text: &str) {
    err(&format!("{text}\n"));
}
