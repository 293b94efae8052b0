//! `rustmf recommend --all`: the top-k of every user of a model, into a folder written as a whole
//! (with a `manifest.json` of checksums, as model folders):
//!
//! * `top_items.npy`: `<i8`, users × k: item rows (of `item_factors.npy`), best first; −1 where a
//!   user has fewer than k candidates;
//! * `top_scores.npy`: `<f4`, users × k: their scores (−inf where the item is −1);
//! * `recommendations.csv`: `user,rank,item,score` with the original user and item ids.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use rustmf_host::io::manifest::ManifestWriter;
use rustmf_host::io::{npy_raw, write_dir_atomically};
use rustmf_host::model::TrainedModel;
use rustmf_host::serve::SCORE_BATCH_ROWS;

use super::recommend::{reported, rows_of, score, Args};

pub fn write_all(model: &TrainedModel, out: &Path, args: &Args) -> Result<()> {
    let (n_users, k) = (model.info.n_users, args.k);
    let mut items = Vec::with_capacity(n_users * k);
    let mut scores = Vec::with_capacity(n_users * k);
    let mut csv = String::from("user,rank,item,score\n");
    let mut outside = 0usize;
    for start in (0..n_users).step_by(SCORE_BATCH_ROWS) {
        let rows = start..(start + SCORE_BATCH_ROWS).min(n_users);
        let exclude: Vec<Vec<u32>> = rows.clone().map(|u| model.seen.row(u).to_vec()).collect();
        let top = score(model, args, rows_of(&model.factors.users, rows.clone()), &exclude)?;
        for (r, u) in rows.enumerate() {
            let user = csv_field(&model.users.label(u));
            let ranked = top.row_items(r).iter().zip(top.row_scores(r));
            for (rank, (&item, &s)) in ranked.enumerate() {
                let (s, out) = reported(model, args.clamp, s);
                outside += out as usize;
                items.push(item as i64);
                scores.push(s);
                let label = csv_field(&model.items.label(item as usize));
                writeln!(csv, "{user},{},{label},{s}", rank + 1)?;
            }
            let missing = k - top.row_items(r).len();
            items.extend(std::iter::repeat_n(-1, missing));
            scores.extend(std::iter::repeat_n(f32::NEG_INFINITY, missing));
        }
    }
    let item_bytes: Vec<u8> = items.iter().flat_map(|v| v.to_le_bytes()).collect();
    let score_bytes: Vec<u8> = scores.iter().flat_map(|v| v.to_le_bytes()).collect();
    write_dir_atomically(out, |tmp| {
        let mut files = ManifestWriter::new(tmp);
        files.add("top_items.npy", &npy_raw("<i8", &[n_users, k], &item_bytes))?;
        files.add("top_scores.npy", &npy_raw("<f4", &[n_users, k], &score_bytes))?;
        files.add("recommendations.csv", csv.as_bytes())?;
        files.finish()
    })?;
    eprintln!("wrote the top {k} of {n_users} users to {}", out.display());
    if let (true, Some((lo, hi))) = (outside > 0, model.info.rating_range) {
        eprintln!(
            "note: {outside} predicted ratings are outside the training ratings' range {lo}–{hi}; --clamp clamps them"
        );
    }
    Ok(())
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
