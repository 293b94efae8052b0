//! Errors of the data layer. Every variant names the file it is about; parse errors also name
//! the 1-based line.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{}:{line}: {reason}", file.display())]
    Parse { file: PathBuf, line: u64, reason: String },

    #[error("{}: {source}", file.display())]
    Io { file: PathBuf, source: std::io::Error },

    #[error("{}: no interactions found (empty input, or every line skipped)", file.display())]
    Empty { file: PathBuf },

    #[error("{}: {count} distinct {what} ids do not fit u32 dense indices", file.display())]
    TooManyIds { file: PathBuf, what: &'static str, count: usize },

    #[error("cache {}: {reason}", file.display())]
    Cache { file: PathBuf, reason: String },

    #[error(
        "cache {}: format version {found}, this build reads version {expected}; re-create it with \
         `rustmf data convert` or `rustmf data synth`",
        file.display()
    )]
    CacheVersion { file: PathBuf, found: String, expected: u32 },

    #[error("{what}: {reason}")]
    Invalid { what: &'static str, reason: String },
}

impl DataError {
    pub(crate) fn io(file: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> DataError {
        let file = file.into();
        move |source| DataError::Io { file, source }
    }
}
