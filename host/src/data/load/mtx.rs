//! Matrix Market coordinate files: `%%MatrixMarket matrix coordinate real|integer|pattern general`,
//! `%` comments, a size line `rows cols entries`, then 1-based `row col [value]` lines. Rows are
//! users and columns items; their external ids are the 1-based indices. Pattern entries count 1.

use super::lines::{parse_file, Fold, LineParser, Start};
use super::{fields, Skips};
use crate::data::{memory, DataError, Dataset, Duplicates, IdMap, Triplets};
use indicatif::ProgressBar;
use std::io::BufRead;
use std::path::Path;

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Real,
    Integer,
    Pattern,
}

/// Bytes the matrix holds per declared row and per declared column whatever the entries: the
/// external id (u64), the row or column pointer (usize) and its count while assembling (usize).
const INDEX_BYTES: u64 = 24;

struct Header {
    field: Field,
    rows: u64,
    cols: u64,
    entries: u64,
    start: Start,
}

struct Parser {
    field: Field,
    rows: u64,
    cols: u64,
}

impl LineParser for Parser {
    type Rec = (u32, u32, f32);
    fn parse(&self, line: &str) -> Result<Option<(u32, u32, f32)>, String> {
        if line.trim().is_empty() || line.starts_with('%') {
            return Ok(None);
        }
        let mut f = line.split_whitespace();
        let expected = if self.field == Field::Pattern { 2 } else { 3 };
        let parts: Vec<&str> = f.by_ref().take(expected).collect();
        if parts.len() != expected || f.next().is_some() {
            return Err(format!(
                "expected {expected} fields (row col{}), found {}",
                if expected == 3 { " value" } else { "" },
                line.split_whitespace().count()
            ));
        }
        let index = |s: &str, what: &str, n: u64| -> Result<u32, String> {
            let i = fields::id(s, what)?;
            if i == 0 || i > n {
                return Err(format!("{what} index {i} outside 1..={n}"));
            }
            Ok((i - 1) as u32)
        };
        let value = match self.field {
            Field::Pattern => 1.0,
            Field::Real => fields::value(parts[2], "value")?,
            Field::Integer => fields::int(parts[2], "value")? as f32,
        };
        Ok(Some((index(parts[0], "row", self.rows)?, index(parts[1], "column", self.cols)?, value)))
    }
}

impl Fold<(u32, u32, f32)> for Triplets {
    fn record(&mut self, _line: u64, (u, i, v): (u32, u32, f32)) -> Result<(), String> {
        self.users.push(u);
        self.items.push(i);
        self.values.push(v);
        Ok(())
    }
}

pub(crate) fn load(
    path: &Path,
    skips: &mut Skips,
    progress: &ProgressBar,
    duplicates: Duplicates,
) -> Result<(Dataset, u64, u64), DataError> {
    let h = read_header(path)?;
    let mut t = Triplets { n_users: h.rows as usize, n_items: h.cols as usize, ..Triplets::default() };
    let parser = Parser { field: h.field, rows: h.rows, cols: h.cols };
    let lines = parse_file(path, h.start, &parser, &mut t, skips, progress)?;
    let read = t.values.len() as u64;
    let found = read + skips.count;
    if found != h.entries {
        let reason = format!("the size line announces {} entries, the file holds {found}", h.entries);
        return Err(DataError::Parse { file: path.to_path_buf(), line: lines, reason });
    }
    if t.values.is_empty() {
        return Err(DataError::Empty { file: path.to_path_buf() });
    }
    let one_based = |n: u64| IdMap::Integer((1..=n).collect());
    Ok((Dataset::from_triplets(&t, duplicates, one_based(h.rows), one_based(h.cols))?, lines, read))
}

fn read_header(path: &Path) -> Result<Header, DataError> {
    let parse_err = |line: u64, reason: String| DataError::Parse { file: path.to_path_buf(), line, reason };
    let file = crate::data::open::file(path)?;
    let mut reader = std::io::BufReader::new(file);
    let (mut offset, mut line_no, mut field) = (0u64, 0u64, None);
    let mut buf = String::new();
    loop {
        buf.clear();
        let n = reader.read_line(&mut buf).map_err(DataError::io(path))?;
        offset += n as u64;
        line_no += 1;
        if n == 0 {
            return Err(if line_no == 1 {
                DataError::Empty { file: path.to_path_buf() }
            } else {
                parse_err(line_no, "the file ends before the size line `rows cols entries`".into())
            });
        }
        let line = buf.trim();
        if line_no == 1 {
            field = Some(banner(line).map_err(|r| parse_err(1, r))?);
            continue;
        }
        if line.is_empty() || line.starts_with('%') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let [r, c, e] = words[..] else {
            return Err(parse_err(
                line_no,
                format!("expected the size line `rows cols entries`, found {} fields", words.len()),
            ));
        };
        let dim = |s: &str, what: &str| -> Result<u64, DataError> {
            let v = fields::id(s, what).map_err(|r| parse_err(line_no, r))?;
            if v > u32::MAX as u64 {
                return Err(parse_err(line_no, format!("{v} {what} exceed u32 indices")));
            }
            Ok(v)
        };
        let (rows, cols) = (dim(r, "rows")?, dim(c, "columns")?);
        let entries = fields::id(e, "entries").map_err(|r| parse_err(line_no, r))?;
        let what = format!("the size line's {rows} rows × {cols} columns ({INDEX_BYTES} bytes of index each)");
        memory::check(&what, INDEX_BYTES as u128 * (rows as u128 + cols as u128)).map_err(|r| parse_err(line_no, r))?;
        let start = Start { offset, line: line_no + 1 };
        return Ok(Header { field: field.unwrap(), rows, cols, entries, start });
    }
}

fn banner(line: &str) -> Result<Field, String> {
    let words: Vec<String> = line.split_whitespace().map(|w| w.to_ascii_lowercase()).collect();
    let words: Vec<&str> = words.iter().map(|s| s.as_str()).collect();
    match words.as_slice() {
        ["%%matrixmarket", "matrix", "coordinate", field, "general"] => match *field {
            "real" => Ok(Field::Real),
            "integer" => Ok(Field::Integer),
            "pattern" => Ok(Field::Pattern),
            other => Err(format!("field {other:?} is not supported (real, integer or pattern)")),
        },
        ["%%matrixmarket", "matrix", "coordinate", _, symmetry] => {
            Err(format!("symmetry {symmetry:?} is not supported (general only)"))
        }
        ["%%matrixmarket", "matrix", "array", ..] => {
            Err("dense `array` matrices are not supported (coordinate only)".into())
        }
        _ => Err("expected the banner `%%MatrixMarket matrix coordinate real|integer|pattern general`".into()),
    }
}
