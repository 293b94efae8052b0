//! Tables in prose files that come from results, never typed: a Markdown file marks a block with
//! `<!-- experiment-table: RESULTS_DIR -->` … `<!-- end experiment-table -->` (RESULTS_DIR relative
//! to the repository root), and [`quote`] replaces each block's body with the table that
//! `experiment report` renders from that folder's `results.json` (its `## kind` headings as
//! `*kind cases*`, so that they do not become sections of the quoting document).

use std::path::Path;

use anyhow::{Context, Result};

use super::report::table;
use super::results::ResultsFile;

const OPEN: &str = "<!-- experiment-table: ";
const CLOSE: &str = "<!-- end experiment-table -->";

/// `text` with every marked block's body replaced by the current table of its results folder
/// (`root` joined with the marker's path); errors name the marker's line.
pub fn quote(text: &str, root: &Path) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let Some(rest) = line.trim().strip_prefix(OPEN) else { continue };
        let dir =
            rest.strip_suffix("-->").map(str::trim).with_context(|| format!("line {}: unclosed marker", n + 1))?;
        let file = ResultsFile::load(&root.join(dir)).with_context(|| format!("line {}: results {dir}", n + 1))?;
        for l in table(&file.records).lines() {
            match l.strip_prefix("## ") {
                Some(kind) => out.push_str(&format!("*{kind} cases*")),
                None => out.push_str(l),
            }
            out.push('\n');
        }
        loop {
            match lines.next() {
                Some((_, l)) if l.trim() == CLOSE => {
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
