//! Generic delimited text: one entry per line, with the user, item, optional value and optional
//! timestamp in columns the caller names. Without a value column every entry counts 1.

use super::lines::{parse_file, LineParser, Start, FILE_START};
use super::{fields, finish, first_line, Entry, Raw, Skips};
use crate::data::ids::ExternalId;
use crate::data::{DataError, Dataset, Duplicates};
use indicatif::ProgressBar;
use std::path::Path;

/// Whether ids are non-negative integers or arbitrary strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdKind {
    #[default]
    Integer,
    String,
}

/// Column layout of a delimited file (0-based column indices).
#[derive(Debug, Clone, PartialEq)]
pub struct TripletsSpec {
    /// Field separator; `None` splits at runs of whitespace.
    pub delimiter: Option<String>,
    /// Skip the first line.
    pub header: bool,
    pub user_col: usize,
    pub item_col: usize,
    /// `None`: every line is one implicit interaction of value 1.
    pub value_col: Option<usize>,
    /// Integer timestamps.
    pub time_col: Option<usize>,
    pub ids: IdKind,
    /// Lines starting with this are comments.
    pub comment: Option<String>,
}

impl Default for TripletsSpec {
    fn default() -> Self {
        TripletsSpec {
            delimiter: Some(",".into()),
            header: false,
            user_col: 0,
            item_col: 1,
            value_col: Some(2),
            time_col: None,
            ids: IdKind::Integer,
            comment: None,
        }
    }
}

trait ParseId: ExternalId {
    fn parse_id(field: &str, what: &str) -> Result<Self, String>;
}

impl ParseId for u64 {
    fn parse_id(field: &str, what: &str) -> Result<u64, String> {
        fields::id(field, what)
    }
}

impl ParseId for String {
    fn parse_id(field: &str, what: &str) -> Result<String, String> {
        let f = field.trim();
        if f.is_empty() {
            return Err(format!("{what} id is empty"));
        }
        Ok(f.to_string())
    }
}

struct Parser<'a, K> {
    spec: &'a TripletsSpec,
    columns: usize,
    _id: std::marker::PhantomData<fn() -> K>,
}

impl<K: ParseId> LineParser for Parser<'_, K> {
    type Rec = Entry<K>;
    fn parse(&self, line: &str) -> Result<Option<Entry<K>>, String> {
        let s = self.spec;
        if line.trim().is_empty() || s.comment.as_deref().is_some_and(|c| line.starts_with(c)) {
            return Ok(None);
        }
        let mut cols: Vec<&str> = Vec::new();
        match &s.delimiter {
            Some(d) => cols.extend(line.split(d.as_str()).take(self.columns)),
            None => cols.extend(line.split_whitespace().take(self.columns)),
        }
        if cols.len() < self.columns {
            return Err(format!("expected at least {} fields, found {}", self.columns, cols.len()));
        }
        Ok(Some(Entry {
            user: K::parse_id(cols[s.user_col], "user")?,
            item: K::parse_id(cols[s.item_col], "item")?,
            value: s.value_col.map_or(Ok(1.0), |c| fields::value(cols[c], "value"))?,
            time: s.time_col.map(|c| fields::int(cols[c], "timestamp")).transpose()?,
        }))
    }
}

pub(crate) fn load(
    path: &Path,
    spec: &TripletsSpec,
    skips: &mut Skips,
    progress: &ProgressBar,
    duplicates: Duplicates,
) -> Result<(Dataset, u64, u64), DataError> {
    match spec.ids {
        IdKind::Integer => load_with::<u64>(path, spec, skips, progress, duplicates),
        IdKind::String => load_with::<String>(path, spec, skips, progress, duplicates),
    }
}

fn load_with<K: ParseId>(
    path: &Path,
    spec: &TripletsSpec,
    skips: &mut Skips,
    progress: &ProgressBar,
    duplicates: Duplicates,
) -> Result<(Dataset, u64, u64), DataError> {
    if spec.delimiter.as_deref() == Some("") {
        return Err(DataError::Invalid { what: "triplets", reason: "empty delimiter".into() });
    }
    let used = [Some(spec.user_col), Some(spec.item_col), spec.value_col, spec.time_col];
    let columns = used.iter().flatten().max().unwrap().saturating_add(1);
    let start: Start = if spec.header { first_line(path)?.1 } else { FILE_START };
    let parser = Parser::<K> { spec, columns, _id: std::marker::PhantomData };
    let mut raw = Raw::new(spec.time_col.is_some());
    let lines = parse_file(path, start, &parser, &mut raw, skips, progress)?;
    let (x, entries) = finish(raw, path, duplicates)?;
    Ok((x, lines, entries))
}
