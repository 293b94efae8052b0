//! Streaming, parallel line parsing: the file is read in large chunks cut at newlines, a batch of
//! chunks is parsed in parallel (one chunk per task), and the records are then handed over in
//! file order to a sequential [`Fold`], which keeps whatever state a format needs across lines.

use super::Skips;
use crate::data::DataError;
use indicatif::ProgressBar;
use rayon::prelude::*;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const CHUNK_BYTES: usize = 4 << 20;

/// How one line becomes a record. Runs on many threads at once, so it sees one line only.
pub(crate) trait LineParser: Sync {
    type Rec: Send;
    /// `Ok(None)` for lines that carry no record (blank lines, comments).
    fn parse(&self, line: &str) -> Result<Option<Self::Rec>, String>;
}

/// Receives the records in file order.
pub(crate) trait Fold<R> {
    fn record(&mut self, line_no: u64, rec: R) -> Result<(), String>;
    /// Called in place of `record` for a bad line that `skip_bad_lines` let through.
    fn skipped(&mut self, _line_no: u64) {}
}

/// Where to start reading: byte offset and the 1-based number of the line found there.
#[derive(Clone, Copy)]
pub(crate) struct Start {
    pub offset: u64,
    pub line: u64,
}

pub(crate) const FILE_START: Start = Start { offset: 0, line: 1 };

/// Parse `path` from `start` to the end; returns the number of the last line read.
pub(crate) fn parse_file<P: LineParser>(
    path: &Path,
    start: Start,
    parser: &P,
    fold: &mut impl Fold<P::Rec>,
    skips: &mut Skips,
    progress: &ProgressBar,
) -> Result<u64, DataError> {
    let io = DataError::io;
    let mut file = crate::data::open::file(path)?;
    file.seek(SeekFrom::Start(start.offset)).map_err(io(path))?;
    progress.inc(start.offset);
    let len = file.metadata().map_err(io(path))?.len();
    let chunk_bytes = CHUNK_BYTES.min(len.saturating_sub(start.offset) as usize + 1);
    let batch = rayon::current_num_threads() * 2;
    let mut carry = Vec::new();
    let mut line = start.line;
    let mut eof = false;
    while !eof {
        let mut chunks = Vec::with_capacity(batch);
        while chunks.len() < batch && !eof {
            let mut buf = std::mem::take(&mut carry);
            let filled = buf.len();
            buf.resize(filled + chunk_bytes, 0);
            let n = read_full(&mut file, &mut buf[filled..]).map_err(io(path))?;
            buf.truncate(filled + n);
            progress.inc(n as u64);
            if n == 0 {
                eof = true;
                if !buf.is_empty() {
                    chunks.push(buf);
                }
            } else if let Some(p) = buf.iter().rposition(|&b| b == b'\n') {
                carry = buf[p + 1..].to_vec();
                buf.truncate(p + 1);
                chunks.push(buf);
            } else {
                carry = buf;
            }
        }
        let parsed: Vec<Parsed<P::Rec>> = chunks.par_iter().map(|c| parse_chunk(parser, c)).collect();
        for chunk in parsed {
            for (rel, rec) in chunk.records {
                let at = line + rel;
                match rec.and_then(|r| fold.record(at, r)) {
                    Ok(()) => {}
                    Err(reason) => {
                        skips.bad(path, at, reason)?;
                        fold.skipped(at);
                    }
                }
            }
            line += chunk.lines;
        }
    }
    Ok(line - 1)
}

struct Parsed<R> {
    /// (line offset within the chunk, record or reason) for every line that is not blank.
    records: Vec<(u64, Result<R, String>)>,
    lines: u64,
}

fn parse_chunk<P: LineParser>(parser: &P, chunk: &[u8]) -> Parsed<P::Rec> {
    let mut records = Vec::new();
    let mut lines = 0;
    for raw in chunk.split_inclusive(|&b| b == b'\n') {
        let text = raw.strip_suffix(b"\n").unwrap_or(raw);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let rec = match std::str::from_utf8(text) {
            Ok(s) => parser.parse(s).transpose(),
            Err(e) => Some(Err(format!("not valid UTF-8 ({e})"))),
        };
        if let Some(r) = rec {
            records.push((lines, r));
        }
        lines += 1;
    }
    Parsed { records, lines }
}

fn read_full(file: &mut std::fs::File, mut buf: &mut [u8]) -> std::io::Result<usize> {
    let mut total = 0;
    while !buf.is_empty() {
        match file.read(buf) {
            Ok(0) => break,
            Ok(n) => {
                total += n;
                buf = &mut buf[n..];
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}
