//! Yahoo! Music KDD Cup 2011, track 1 (`trainIdx1.txt`, `validationIdx1.txt`): for each user a
//! header line `<user>|<n>` followed by exactly `n` lines `<item>\t<score>\t<date>\t<HH:MM:SS>`.
//! Scores are integers 0..=100; `<date>` counts days from the dataset's own (undisclosed) day
//! zero, so timestamps are seconds since that day, not Unix time. Items are tracks, albums,
//! artists and genres sharing one id space, as in the release.

use super::lines::{parse_file, Fold, LineParser, FILE_START};
use super::{fields, finish, Entry, Raw, Skips};
use crate::data::{DataError, Dataset, Duplicates};
use indicatif::ProgressBar;
use std::path::Path;

enum Line {
    User { user: u64, count: u64 },
    Rating { item: u64, score: f32, time: i64 },
}

struct Parser;

impl LineParser for Parser {
    type Rec = Line;
    fn parse(&self, line: &str) -> Result<Option<Line>, String> {
        if line.trim().is_empty() {
            return Ok(None);
        }
        if line.contains('|') {
            let [u, n] = fields::split_exact::<2>(line, "|", "<user>|<count> header")?;
            return Ok(Some(Line::User { user: fields::id32(u, "user")?, count: fields::id(n, "rating count")? }));
        }
        let [i, s, d, t] = fields::split_exact::<4>(line, "\t", "<item>\\t<score>\\t<date>\\t<time>")?;
        let score = fields::value_in(s, "score", 0.0, 100.0)?;
        if score.fract() != 0.0 {
            return Err(format!("score {score} is not an integer 0..=100"));
        }
        let day = fields::int(d, "date")?;
        if day < 0 {
            return Err(format!("date {day} is negative"));
        }
        let of_day = fields::time_of_day(t)?;
        let time = day
            .checked_mul(86_400)
            .and_then(|s| s.checked_add(of_day))
            .ok_or_else(|| format!("date {day} is too far from day zero"))?;
        Ok(Some(Line::Rating { item: fields::id32(i, "item")?, score, time }))
    }
}

struct Groups {
    raw: Raw<u64>,
    user: u64,
    declared: u64,
    remaining: u64,
    header_line: u64,
}

impl Groups {
    fn short_group(&self) -> String {
        format!(
            "user {} (header at line {}) announced {} ratings but {} follow",
            self.user,
            self.header_line,
            self.declared,
            self.declared - self.remaining
        )
    }
}

impl Fold<Line> for Groups {
    fn record(&mut self, line: u64, rec: Line) -> Result<(), String> {
        match rec {
            Line::User { user, count } => {
                let unfinished = (self.remaining > 0).then(|| self.short_group());
                (self.user, self.declared, self.remaining, self.header_line) = (user, count, count, line);
                unfinished.map_or(Ok(()), Err)
            }
            Line::Rating { item, score, time } => {
                if self.remaining == 0 {
                    return Err(if self.header_line == 0 {
                        "rating line before any `<user>|<count>` header".into()
                    } else {
                        format!(
                            "more ratings than the {} announced for user {} at line {}",
                            self.declared, self.user, self.header_line
                        )
                    });
                }
                self.remaining -= 1;
                self.raw.push(Entry { user: self.user, item, value: score, time: Some(time) });
                Ok(())
            }
        }
    }

    fn skipped(&mut self, _line: u64) {
        self.remaining = self.remaining.saturating_sub(1);
    }
}

pub(crate) fn load(
    path: &Path,
    skips: &mut Skips,
    progress: &ProgressBar,
    duplicates: Duplicates,
) -> Result<(Dataset, u64, u64), DataError> {
    let mut groups = Groups { raw: Raw::new(true), user: 0, declared: 0, remaining: 0, header_line: 0 };
    let lines = parse_file(path, FILE_START, &Parser, &mut groups, skips, progress)?;
    if groups.remaining > 0 {
        skips.bad(path, groups.header_line, groups.short_group() + " before the end of the file")?;
    }
    let (x, entries) = finish(groups.raw, path, duplicates)?;
    Ok((x, lines, entries))
}
