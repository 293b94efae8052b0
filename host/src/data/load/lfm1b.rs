//! LFM-1b listening events (`LFM-1b_LEs.txt`: `user-id\tartist-id\talbum-id\ttrack-id\ttimestamp`)
//! aggregated to play counts per (user, track), or per (user, album) / (user, artist).
//!
//! The full file holds about a billion events, so counts are aggregated while reading: whenever
//! the unaggregated tail outgrows the aggregated part it is sorted and merged in. Each pair keeps
//! the time of its latest event.

use super::lines::{parse_file, Fold, LineParser, FILE_START};
use super::{fields, finish, Raw, Skips};
use crate::data::{DataError, Dataset, Duplicates};
use indicatif::ProgressBar;
use rayon::prelude::*;
use std::path::Path;

/// What a listening event counts towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LfmLevel {
    #[default]
    Track,
    Album,
    Artist,
}

struct Parser {
    column: usize,
}

/// (user << 32 | item, timestamp)
type Event = (u64, i64);

impl LineParser for Parser {
    type Rec = Event;
    fn parse(&self, line: &str) -> Result<Option<Event>, String> {
        if line.trim().is_empty() {
            return Ok(None);
        }
        let f = fields::split_exact::<5>(line, "\t", "LFM-1b")?;
        let user = fields::id32(f[0], "user")?;
        let item = fields::id32(f[self.column], ["", "artist", "album", "track"][self.column])?;
        Ok(Some((user << 32 | item, fields::int(f[4], "timestamp")?)))
    }
}

/// Sorted unique (pair, plays, latest time) followed by an unaggregated tail.
#[derive(Default)]
struct PlayCounts {
    pairs: Vec<(u64, f32, i64)>,
    sorted: usize,
}

const MIN_TAIL: usize = 1 << 24;

impl Fold<Event> for PlayCounts {
    fn record(&mut self, _line: u64, (pair, time): Event) -> Result<(), String> {
        self.pairs.push((pair, 1.0, time));
        if self.pairs.len() - self.sorted >= self.sorted.max(MIN_TAIL) {
            self.aggregate();
        }
        Ok(())
    }
}

impl PlayCounts {
    fn aggregate(&mut self) {
        let mut tail = self.pairs.split_off(self.sorted);
        tail.par_sort_unstable_by_key(|e| e.0);
        let mut merged: Vec<(u64, f32, i64)> = Vec::with_capacity(self.pairs.len() + tail.len());
        let (mut a, mut b) = (self.pairs.iter().peekable(), tail.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
                (_, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            let &(pair, plays, time) = next.unwrap();
            match merged.last_mut() {
                Some((p, n, t)) if *p == pair => {
                    *n += plays;
                    *t = (*t).max(time);
                }
                _ => merged.push((pair, plays, time)),
            }
        }
        self.sorted = merged.len();
        self.pairs = merged;
    }
}

pub(crate) fn load(
    path: &Path,
    level: LfmLevel,
    skips: &mut Skips,
    progress: &ProgressBar,
    duplicates: Duplicates,
) -> Result<(Dataset, u64, u64), DataError> {
    if duplicates != Duplicates::Sum {
        return Err(DataError::Invalid {
            what: "LFM-1b",
            reason: format!("listening events are aggregated to play counts (sum), not {duplicates}"),
        });
    }
    let column = match level {
        LfmLevel::Artist => 1,
        LfmLevel::Album => 2,
        LfmLevel::Track => 3,
    };
    let mut counts = PlayCounts::default();
    let lines = parse_file(path, FILE_START, &Parser { column }, &mut counts, skips, progress)?;
    counts.aggregate();
    let mut raw = Raw::new(true);
    raw.users = counts.pairs.par_iter().map(|e| e.0 >> 32).collect();
    raw.items = counts.pairs.par_iter().map(|e| e.0 & u32::MAX as u64).collect();
    raw.values = counts.pairs.par_iter().map(|e| e.1).collect();
    raw.times = Some(counts.pairs.par_iter().map(|e| e.2).collect());
    let events = counts.pairs.par_iter().map(|e| e.1 as u64).sum();
    drop(counts);
    let (x, _) = finish(raw, path, Duplicates::Sum)?;
    Ok((x, lines, events))
}
