//! Reading and writing JSON Lines artifact files.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use miette::{IntoDiagnostic, WrapErr};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Writes one JSON value per line.
pub fn write_jsonl<T: Serialize>(
    path: &Path,
    items: impl IntoIterator<Item = T>,
) -> miette::Result<usize> {
    let file = std::fs::File::create(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create `{}`", path.display()))?;
    let mut w = BufWriter::new(file);
    let mut n = 0;
    for item in items {
        serde_json::to_writer(&mut w, &item).into_diagnostic()?;
        w.write_all(b"\n").into_diagnostic()?;
        n += 1;
    }
    w.flush()
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write `{}`", path.display()))?;
    Ok(n)
}

/// Reads a JSONL file; a bad line is an error naming the file and line.
pub fn read_jsonl<T: DeserializeOwned>(path: &Path) -> miette::Result<Vec<T>> {
    let file = std::fs::File::open(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot open `{}`", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read `{}`", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(&line)
            .into_diagnostic()
            .wrap_err_with(|| format!("{}:{}: invalid record", path.display(), i + 1))?;
        out.push(item);
    }
    Ok(out)
}

/// Writes a pretty JSON file.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> miette::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).into_diagnostic()?;
    std::fs::write(path, bytes)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write `{}`", path.display()))
}
