//! MovieLens ratings: `u.data` (100K: `user\titem\trating\ttimestamp`), `ratings.dat` (1M, 10M:
//! `user::item::rating::timestamp`) and `ratings.csv` (20M, 25M, 32M: header
//! `userId,movieId,rating,timestamp`). Ratings must lie in 0.5..=5; timestamps are Unix seconds.

use super::lines::{parse_file, LineParser, Start, FILE_START};
use super::{fields, finish, first_line, Entry, Raw, Skips};
use crate::data::{DataError, Dataset, Duplicates};
use indicatif::ProgressBar;
use std::path::{Path, PathBuf};

const CSV_HEADER: &str = "userId,movieId,rating,timestamp";
const FILES: [&str; 3] = ["ratings.csv", "ratings.dat", "u.data"];

struct Parser {
    sep: &'static str,
}

impl LineParser for Parser {
    type Rec = Entry<u64>;
    fn parse(&self, line: &str) -> Result<Option<Entry<u64>>, String> {
        if line.trim().is_empty() {
            return Ok(None);
        }
        let [u, i, r, t] = fields::split_exact::<4>(line, self.sep, "MovieLens")?;
        Ok(Some(Entry {
            user: fields::id(u, "user")?,
            item: fields::id(i, "movie")?,
            value: fields::value_in(r, "rating", 0.5, 5.0)?,
            time: Some(fields::int(t, "timestamp")?),
        }))
    }
}

pub(crate) fn load(
    path: &Path,
    skips: &mut Skips,
    progress: &ProgressBar,
    duplicates: Duplicates,
) -> Result<(Dataset, u64, u64), DataError> {
    let file = ratings_file(path)?;
    let (first, after_header) = first_line(&file)?;
    let (sep, start): (&'static str, Start) = if first == CSV_HEADER {
        (",", after_header)
    } else if first.contains("::") {
        ("::", FILE_START)
    } else if first.contains('\t') {
        ("\t", FILE_START)
    } else if first.trim().is_empty() {
        return Err(DataError::Empty { file });
    } else {
        return Err(DataError::Parse {
            file,
            line: 1,
            reason: format!(
                "not a MovieLens ratings file: expected the header {CSV_HEADER:?}, `::`-separated or \
                 tab-separated fields"
            ),
        });
    };
    let mut raw = Raw::new(true);
    let lines = parse_file(&file, start, &Parser { sep }, &mut raw, skips, progress)?;
    let (x, entries) = finish(raw, &file, duplicates)?;
    Ok((x, lines, entries))
}

fn ratings_file(path: &Path) -> Result<PathBuf, DataError> {
    if !path.is_dir() {
        return Ok(path.to_path_buf());
    }
    FILES.iter().map(|f| path.join(f)).find(|p| p.is_file()).ok_or_else(|| DataError::Io {
        file: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, format!("none of {FILES:?} in this folder")),
    })
}
