//! Tables in prose files that come from results, never typed: a Markdown file marks a block with
//! `<!-- experiment-table: RESULTS_DIR -->` … `<!-- end experiment-table -->` (RESULTS_DIR relative
//! to the repository root), and [`quote`] replaces each block's body with the table that
//! `experiment report` renders from that folder's `results.json` (its `## kind` headings as
//! `*kind cases*`, so that they do not become sections of the quoting document).
//!
//! `<!-- experiment-table: RESULTS_DIR only: WORDS -->` quotes the cases whose id has every word
//! (as `experiment run --only`). A marker inside a comment (`//! <!-- … -->`, the kernel families'
//! module docs) quotes with the same prefix on every line, prose wrapped to [`WIDTH`] characters.

use std::path::Path;

use anyhow::{Context, Result};

use super::cases::matches_filter;
use super::report::table;
use super::results::ResultsFile;

const OPEN: &str = "<!-- experiment-table: ";
const CLOSE: &str = "<!-- end experiment-table -->";
/// The longest line quoted behind a prefix (`tests/style.rs`'s limit for Rust files).
pub const WIDTH: usize = 120;

/// `text` with every marked block's body replaced by the current table of its results folder
/// (`root` joined with the marker's path); errors name the marker's line.
pub fn quote(text: &str, root: &Path) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let Some(at) = line.find(OPEN) else { continue };
        let prefix = &line[..at];
        let marker = line[at + OPEN.len()..]
            .trim()
            .strip_suffix("-->")
            .with_context(|| format!("line {}: unclosed marker", n + 1))?;
        let (dir, only) = match marker.split_once(" only: ") {
            Some((dir, words)) => (dir.trim(), Some(words.trim())),
            None => (marker.trim(), None),
        };
        let file = ResultsFile::load(&root.join(dir)).with_context(|| format!("line {}: results {dir}", n + 1))?;
        let records: Vec<_> = file.records.into_iter().filter(|r| matches_filter(&r.id, only)).collect();
        anyhow::ensure!(!records.is_empty(), "line {}: no case of {dir} matches {only:?}", n + 1);
        for l in table(&records).lines() {
            let l = match l.strip_prefix("## ") {
                Some(kind) => format!("*{kind} cases*"),
                None => l.to_string(),
            };
            push_prefixed(&mut out, prefix, &l);
        }
        loop {
            match lines.next() {
                Some((_, l)) if l.trim().ends_with(CLOSE) => {
                    out.push_str(l);
                    out.push('\n');
                    break;
                }
                Some(_) => {}
                None => anyhow::bail!("line {}: no {CLOSE} after the marker", n + 1),
            }
        }
    }
    Ok(out)
}

/// `line` behind `prefix`; behind a non-empty prefix, prose (not table rows) wraps at [`WIDTH`].
fn push_prefixed(out: &mut String, prefix: &str, line: &str) {
    if line.is_empty() {
        out.push_str(prefix.trim_end());
        out.push('\n');
        return;
    }
    let width = WIDTH.saturating_sub(prefix.chars().count());
    if prefix.is_empty() || line.starts_with('|') || line.chars().count() <= width {
        out.push_str(&format!("{prefix}{line}\n"));
        return;
    }
    let mut current = String::new();
    for word in line.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&format!("{prefix}{current}\n"));
            current.clear();
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push_str(&format!("{prefix}{current}\n"));
}
