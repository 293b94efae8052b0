//! Loaders, one file per source format. Every loader streams its input with a progress bar
//! (hidden when stderr is not a terminal) and parses large chunks in parallel.
//!
//! A malformed line stops the load with [`DataError::Parse`] (file, line, reason) unless
//! [`LoadOptions::skip_bad_lines`] is set, in which case the [`LoadReport`] counts the skipped
//! lines and keeps the first few reasons. Nothing is dropped silently.

mod fields;
mod lfm1b;
mod lines;
mod movielens;
mod mtx;
mod netflix;
mod triplets;
mod yahoo;

pub use lfm1b::LfmLevel;
pub use triplets::{IdKind, TripletsSpec};

use super::ids::{densify, ExternalId};
use super::{DataError, Dataset, Duplicates, IdMap, Triplets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};

/// The source formats.
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    /// `u.data` (100K, tab-separated), `ratings.dat` (1M/10M, `::`-separated) or `ratings.csv`
    /// (20M/25M/32M, with header); a directory holding one of them also works.
    MovieLens,
    /// The `training_set/` directory of `mv_*.txt` files, or one `combined_data_*.txt` file.
    Netflix,
    /// `LFM-1b_LEs.txt` listening events, aggregated to play counts at `level`.
    Lfm1b { level: LfmLevel },
    /// KDD Cup 2011 track 1 (`trainIdx1.txt`, `validationIdx1.txt`).
    Yahoo,
    /// Delimited text with user, item, value and optional timestamp columns.
    Triplets(TripletsSpec),
    /// `%%MatrixMarket matrix coordinate real|integer|pattern general`.
    MatrixMarket,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// Skip malformed lines instead of stopping at the first one.
    pub skip_bad_lines: bool,
    /// How to combine repeated (user, item) entries; `None` takes the format's default
    /// ([`Format::default_duplicates`]).
    pub duplicates: Option<Duplicates>,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { skip_bad_lines: false, duplicates: None, progress: true }
    }
}

impl Format {
    /// Ratings keep the last rating of a pair; play counts and generic data add up.
    pub fn default_duplicates(&self) -> Duplicates {
        match self {
            Format::MovieLens | Format::Netflix | Format::Yahoo => Duplicates::Last,
            Format::Lfm1b { .. } | Format::Triplets(_) | Format::MatrixMarket => Duplicates::Sum,
        }
    }
}

/// What a load found besides the matrix.
#[derive(Debug)]
pub struct LoadReport {
    /// Lines read (including headers, comments and skipped lines).
    pub lines: u64,
    /// Entries read before duplicates were combined.
    pub entries: u64,
    /// Malformed lines skipped (only with `skip_bad_lines`).
    pub skipped: u64,
    /// The first few skipped lines, as the errors they would have raised.
    pub first_skipped: Vec<DataError>,
    /// How repeated (user, item) pairs were combined.
    pub duplicates: Duplicates,
    /// Entries that repeated an earlier (user, item) pair and were combined with it.
    pub combined: u64,
}

impl LoadReport {
    /// The duplicates policy and what it did, in one sentence (stored in the cache, shown by
    /// `data stats`).
    pub fn duplicates_note(&self) -> String {
        let rule = match self.duplicates {
            Duplicates::Sum => "their values added",
            Duplicates::Last => "the last value kept",
            Duplicates::Mean => "their values averaged",
        };
        format!("{}: {} entries repeated an earlier (user, item) pair, {rule}", self.duplicates, self.combined)
    }
}

#[derive(Debug)]
pub struct Loaded {
    pub dataset: Dataset,
    pub report: LoadReport,
}

/// Load `path` in `format`.
pub fn load(format: &Format, path: &Path, options: &LoadOptions) -> Result<Loaded, DataError> {
    let duplicates = options.duplicates.unwrap_or(format.default_duplicates());
    let mut skips = Skips::new(options.skip_bad_lines);
    let progress = progress_bar(path, options.progress)?;
    let (dataset, lines, entries) = match format {
        Format::MovieLens => movielens::load(path, &mut skips, &progress, duplicates)?,
        Format::Netflix => netflix::load(path, &mut skips, &progress, duplicates)?,
        Format::Lfm1b { level } => lfm1b::load(path, *level, &mut skips, &progress, duplicates)?,
        Format::Yahoo => yahoo::load(path, &mut skips, &progress, duplicates)?,
        Format::Triplets(spec) => triplets::load(path, spec, &mut skips, &progress, duplicates)?,
        Format::MatrixMarket => mtx::load(path, &mut skips, &progress, duplicates)?,
    };
    progress.finish_and_clear();
    let combined = entries.saturating_sub(dataset.interactions.nnz() as u64);
    let report = LoadReport { lines, entries, skipped: skips.count, first_skipped: skips.first, duplicates, combined };
    Ok(Loaded { dataset, report })
}

/// Bad-line policy and bookkeeping.
pub(crate) struct Skips {
    allowed: bool,
    count: u64,
    first: Vec<DataError>,
}

const KEEP_SKIPPED: usize = 5;

impl Skips {
    pub(crate) fn new(allowed: bool) -> Self {
        Skips { allowed, count: 0, first: Vec::new() }
    }

    pub(crate) fn allowed(&self) -> bool {
        self.allowed
    }

    /// Add the skips of a part of the input read separately (in input order).
    pub(crate) fn merge(&mut self, other: Skips) {
        self.count += other.count;
        let room = KEEP_SKIPPED - self.first.len();
        self.first.extend(other.first.into_iter().take(room));
    }

    /// Stop with the error, or count it and go on.
    pub(crate) fn bad(&mut self, file: &Path, line: u64, reason: String) -> Result<(), DataError> {
        let err = DataError::Parse { file: file.to_path_buf(), line, reason };
        if !self.allowed {
            return Err(err);
        }
        self.count += 1;
        if self.first.len() < KEEP_SKIPPED {
            self.first.push(err);
        }
        Ok(())
    }
}

fn progress_bar(path: &Path, enabled: bool) -> Result<ProgressBar, DataError> {
    if !enabled {
        return Ok(ProgressBar::hidden());
    }
    let meta = std::fs::metadata(path).map_err(DataError::io(path))?;
    let total = if meta.is_dir() {
        std::fs::read_dir(path)
            .map_err(DataError::io(path))?
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum()
    } else {
        meta.len()
    };
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("reading {}", path.display()));
    Ok(bar)
}

/// One entry with external ids.
pub(crate) struct Entry<K> {
    pub user: K,
    pub item: K,
    pub value: f32,
    pub time: Option<i64>,
}

/// Entries with external ids, in file order.
pub(crate) struct Raw<K> {
    pub users: Vec<K>,
    pub items: Vec<K>,
    pub values: Vec<f32>,
    pub times: Option<Vec<i64>>,
}

impl<K> Raw<K> {
    pub(crate) fn new(timed: bool) -> Self {
        Raw { users: Vec::new(), items: Vec::new(), values: Vec::new(), times: timed.then(Vec::new) }
    }

    pub(crate) fn push(&mut self, e: Entry<K>) {
        self.users.push(e.user);
        self.items.push(e.item);
        self.values.push(e.value);
        if let (Some(times), Some(t)) = (&mut self.times, e.time) {
            times.push(t);
        }
    }

    pub(crate) fn append(&mut self, mut other: Raw<K>) {
        self.users.append(&mut other.users);
        self.items.append(&mut other.items);
        self.values.append(&mut other.values);
        if let (Some(a), Some(b)) = (&mut self.times, &mut other.times) {
            a.append(b);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }
}

impl<K> Fold<Entry<K>> for Raw<K> {
    fn record(&mut self, _line: u64, e: Entry<K>) -> Result<(), String> {
        self.push(e);
        Ok(())
    }
}

use lines::Fold;

/// Densify the external ids and build the matrix. Returns it with the number of raw entries.
pub(crate) fn finish<K: ExternalId>(
    raw: Raw<K>,
    file: &Path,
    duplicates: Duplicates,
) -> Result<(Dataset, u64), DataError> {
    if raw.len() == 0 {
        return Err(DataError::Empty { file: file.to_path_buf() });
    }
    let entries = raw.len() as u64;
    let too_many = |what| move |count| DataError::TooManyIds { file: file.to_path_buf(), what, count };
    let (users, user_map) = densify(&raw.users).map_err(too_many("user"))?;
    drop(raw.users);
    let (items, item_map) = densify(&raw.items).map_err(too_many("item"))?;
    drop(raw.items);
    let t = Triplets {
        n_users: dense_len(&user_map),
        n_items: dense_len(&item_map),
        users,
        items,
        values: raw.values,
        times: raw.times,
    };
    Ok((Dataset::from_triplets(&t, duplicates, user_map, item_map)?, entries))
}

fn dense_len(map: &IdMap) -> usize {
    map.len().expect("densified ids have an explicit map")
}

/// Read the first line of `path` (for formats with a header); returns it and where data starts.
pub(crate) fn first_line(path: &Path) -> Result<(String, lines::Start), DataError> {
    use std::io::BufRead;
    let file = crate::data::open::file(path)?;
    let mut line = Vec::new();
    let n = std::io::BufReader::new(file).read_until(b'\n', &mut line).map_err(DataError::io(path))?;
    let text = String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']).to_string();
    Ok((text, lines::Start { offset: n as u64, line: 2 }))
}

/// Entries of a file or of every file of a folder, in sorted file-name order.
pub(crate) fn files_in(path: &Path, pattern: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, DataError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(DataError::io(path))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(&pattern))
        .collect();
    files.sort();
    Ok(files)
}
