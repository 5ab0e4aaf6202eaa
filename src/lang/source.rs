//! The files of one compilation: the experiment file and everything it imports.

use std::path::PathBuf;

use crate::lang::span::FileId;

/// One loaded file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown to users: the root file as given, imports joined to it.
    pub display: String,
    /// Where the file is read from.
    pub path: PathBuf,
    /// Directory of this file relative to the root experiment file's directory
    /// (normalised), used to rebase the relative paths the file mentions.
    pub rel_dir: PathBuf,
    /// The text; invalid UTF-8 is replaced (the loader reports it).
    pub text: String,
}

/// Every file of a compilation, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = &self.get(id).text;
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let col = offset
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        (line, col)
    }
}
