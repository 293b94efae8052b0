//! Netflix Prize training data: blocks of `MOVIEID:` followed by `CustomerID,Rating,Date` lines.
//! `training_set/mv_*.txt` holds one block per file, `combined_data_*.txt` many. Ratings are
//! integers 1..=5; dates become Unix seconds at midnight UTC. Users are customers, items movies.

use super::lines::{parse_file, Fold, LineParser, FILE_START};
use super::{fields, files_in, finish, Entry, Raw, Skips};
use crate::data::{DataError, Dataset, Duplicates};
use indicatif::ProgressBar;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

enum Line {
    Movie(u64),
    Rating { customer: u64, rating: f32, time: i64 },
}

struct Parser;

impl LineParser for Parser {
    type Rec = Line;
    fn parse(&self, line: &str) -> Result<Option<Line>, String> {
        let line = line.trim();
        if line.is_empty() {
            return Ok(None);
        }
        if let Some(movie) = line.strip_suffix(':') {
            return Ok(Some(Line::Movie(fields::id32(movie, "movie")?)));
        }
        let [c, r, d] = fields::split_exact::<3>(line, ",", "CustomerID,Rating,Date")?;
        let rating = fields::value_in(r, "rating", 1.0, 5.0)?;
        if rating.fract() != 0.0 {
            return Err(format!("rating {rating} is not an integer 1..=5"));
        }
        Ok(Some(Line::Rating { customer: fields::id32(c, "customer")?, rating, time: fields::date(d)? }))
    }
}

struct Blocks {
    raw: Raw<u64>,
    movie: Option<u64>,
}

impl Fold<Line> for Blocks {
    fn record(&mut self, _line: u64, rec: Line) -> Result<(), String> {
        match rec {
            Line::Movie(m) => self.movie = Some(m),
            Line::Rating { customer, rating, time } => {
                let item = self.movie.ok_or("rating line before any `MOVIEID:` line")?;
                self.raw.push(Entry { user: customer, item, value: rating, time: Some(time) });
            }
        }
        Ok(())
    }
}

/// Entries, lines read and skips of one file.
type FilePart = (Raw<u64>, u64, Skips);

pub(crate) fn load(
    path: &Path,
    skips: &mut Skips,
    progress: &ProgressBar,
    duplicates: Duplicates,
) -> Result<(Dataset, u64, u64), DataError> {
    let files = input_files(path)?;
    let parts: Vec<Result<FilePart, DataError>> = files
        .par_iter()
        .map(|f| {
            let mut blocks = Blocks { raw: Raw::new(true), movie: None };
            let mut part_skips = Skips::new(skips.allowed());
            let lines = parse_file(f, FILE_START, &Parser, &mut blocks, &mut part_skips, progress)?;
            Ok((blocks.raw, lines, part_skips))
        })
        .collect();
    let mut raw = Raw::new(true);
    let mut lines = 0;
    for part in parts {
        let (r, l, s) = part?;
        raw.append(r);
        lines += l;
        skips.merge(s);
    }
    let (x, entries) = finish(raw, path, duplicates)?;
    Ok((x, lines, entries))
}

/// A single file, a folder of `mv_*.txt`, a Netflix root folder with `training_set/`, or a
/// folder of `combined_data_*.txt`.
fn input_files(path: &Path) -> Result<Vec<PathBuf>, DataError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let per_movie = |n: &str| n.starts_with("mv_") && n.ends_with(".txt");
    let combined = |n: &str| n.starts_with("combined_data_") && n.ends_with(".txt");
    for (dir, pattern) in [
        (path.to_path_buf(), &per_movie as &dyn Fn(&str) -> bool),
        (path.join("training_set"), &per_movie),
        (path.to_path_buf(), &combined),
    ] {
        if dir.is_dir() {
            let files = files_in(&dir, pattern)?;
            if !files.is_empty() {
                return Ok(files);
            }
        }
    }
    Err(DataError::Io {
        file: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no mv_*.txt, training_set/mv_*.txt or combined_data_*.txt files in this folder",
        ),
    })
}
