//! `mascot fmt`: print a file in canonical layout (comments kept), rewrite it with
//! `--write`, or exit 1 with `--check` when it is not formatted.

use std::path::PathBuf;

use crate::lang::{FileId, SourceFile, SourceMap};

use super::output::{err, errln, out};

/// Arguments of `mascot fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// The `.mascot` files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Rewrite the files in place.
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Exit 1 when a file is not formatted (prints nothing else).
    #[arg(long)]
    pub check: bool,
}

/// Runs `mascot fmt`; returns the exit code.
pub fn run(args: FmtArgs) -> u8 {
    let mut code = 0;
    for file in &args.files {
        let display = file.to_string_lossy().into_owned();
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                errln(&format!("error: cannot read `{display}`: {e}"));
                code = 1;
                continue;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            errln(&format!(
                "error: `{display}` is not valid UTF-8; run `mascot check {display}` for the offset"
            ));
            code = 1;
            continue;
        };
        let formatted = match crate::lang::format_source(&text) {
            Ok(f) => f,
            Err(d) => {
                let mut sources = SourceMap::default();
                let _: FileId = sources.add(SourceFile {
                    display: display.clone(),
                    path: file.clone(),
                    rel_dir: PathBuf::new(),
                    text,
                });
                err(&d.render(&sources));
                code = 1;
                continue;
            }
        };
        if args.check {
            if formatted != text {
                errln(&format!(
                    "{display} is not formatted (run `mascot fmt --write {display}`)"
                ));
                code = 1;
            }
        } else if args.write {
            if formatted != text
                && let Err(e) = crate::util::write_atomic(file, formatted.as_bytes())
            {
                errln(&format!("error: cannot write `{display}`: {e}"));
                code = 1;
            }
        } else {
            if let Err(stop) = out(&formatted) {
                return stop.code().max(code);
            }
        }
    }
    code
}
