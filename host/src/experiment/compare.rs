//! `experiment compare A B`: per case measured in both, the ratio of medians B/A, flagged as a
//! regression when B is slower beyond both the spread and a threshold: B's fastest repeat is
//! slower than A's slowest (the min–max ranges do not overlap) and B/A ≥ 1 + threshold
//! (improvements the other way round).

use std::path::Path;

use anyhow::Result;

use super::results::{ResultsFile, Stats, Status};
use crate::bench::fmt_seconds;

/// The default threshold: 5%.
pub const DEFAULT_THRESHOLD: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the spread or the threshold.
    Same,
    Regression,
    Improvement,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub a: Stats,
    pub b: Stats,
    /// Median B / median A.
    pub ratio: f64,
    pub verdict: Verdict,
}

/// The comparison of two results files.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub threshold: f64,
    pub rows: Vec<Row>,
    /// Cases measured in one of the two only.
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
}

/// The verdict on medians and spreads of A and B.
pub fn verdict(a: &Stats, b: &Stats, threshold: f64) -> Verdict {
    let ratio = b.median_s / a.median_s;
    if b.min_s > a.max_s && ratio >= 1.0 + threshold {
        Verdict::Regression
    } else if b.max_s < a.min_s && ratio <= 1.0 / (1.0 + threshold) {
        Verdict::Improvement
    } else {
        Verdict::Same
    }
}

/// Compare the results at `a` and `b` (folders or `results.json` files).
pub fn compare(a: &Path, b: &Path, threshold: f64) -> Result<Comparison> {
    anyhow::ensure!(threshold >= 0.0, "the threshold must be ≥ 0");
    let (fa, fb) = (ResultsFile::load(a)?, ResultsFile::load(b)?);
    let measured = |f: &ResultsFile, id: &str| {
        f.records.iter().find(|r| r.id == id && r.status == Status::Measured).and_then(|r| r.summary)
    };
    let mut c = Comparison {
        a: describe(&fa, a),
        b: describe(&fb, b),
        threshold,
        rows: Vec::new(),
        only_a: Vec::new(),
        only_b: Vec::new(),
    };
    for r in fa.records.iter().filter(|r| r.status == Status::Measured) {
        let (Some(sa), Some(sb)) = (r.summary, measured(&fb, &r.id)) else {
            c.only_a.push(r.id.clone());
            continue;
        };
        let ratio = sb.median_s / sa.median_s;
        c.rows.push(Row { id: r.id.clone(), a: sa, b: sb, ratio, verdict: verdict(&sa, &sb, threshold) });
    }
    for r in fb.records.iter().filter(|r| r.status == Status::Measured) {
        if measured(&fa, &r.id).is_none() {
            c.only_b.push(r.id.clone());
        }
    }
    Ok(c)
}

fn describe(f: &ResultsFile, path: &Path) -> String {
    let revs: Vec<&str> = {
        let mut v: Vec<&str> = f.records.iter().map(|r| r.provenance.git_revision.as_str()).collect();
        v.sort();
        v.dedup();
        v
    };
    format!("{} ({} on {}, revision {})", path.display(), f.experiment, f.machine, revs.join(", "))
}

impl Comparison {
    pub fn regressions(&self) -> usize {
        self.rows.iter().filter(|r| r.verdict == Verdict::Regression).count()
    }

    pub fn improvements(&self) -> usize {
        self.rows.iter().filter(|r| r.verdict == Verdict::Improvement).count()
    }

    /// The comparison as text: one line per case, the counts, what is in one file only.
    pub fn table(&self) -> String {
        let w = self.rows.iter().map(|r| r.id.chars().count()).max().unwrap_or(4).max(4);
        let mut s = format!("A: {}\nB: {}\n", self.a, self.b);
        s += &format!(
            "{:<w$}  {:>22}  {:>22}  {:>7}  verdict\n",
            "case", "A median (min–max)", "B median (min–max)", "B/A"
        );
        let cell =
            |m: &Stats| format!("{} ({}–{})", fmt_seconds(m.median_s), fmt_seconds(m.min_s), fmt_seconds(m.max_s));
        for r in &self.rows {
            let v = match r.verdict {
                Verdict::Same => "",
                Verdict::Regression => "REGRESSION",
                Verdict::Improvement => "faster",
            };
            s += &format!("{:<w$}  {:>22}  {:>22}  {:>7.3}  {v}\n", r.id, cell(&r.a), cell(&r.b), r.ratio);
        }
        s += &format!(
            "{} cases compared: {} regression(s), {} improvement(s) (flagged when the min–max ranges do not \
             overlap and B/A ≥ {:.3} or ≤ {:.3})\n",
            self.rows.len(),
            self.regressions(),
            self.improvements(),
            1.0 + self.threshold,
            1.0 / (1.0 + self.threshold)
        );
        for (which, ids) in [("A", &self.only_a), ("B", &self.only_b)] {
            if !ids.is_empty() {
                s += &format!("measured in {which} only: {}\n", ids.join("; "));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(min: f64, median: f64, max: f64) -> Stats {
        Stats { n: 3, median_s: median, min_s: min, max_s: max, iqr_s: 0.0, mean_s: median }
    }

    #[test]
    fn regressions_need_disjoint_ranges_and_the_threshold() {
        let a = stats(1.0, 1.1, 1.2);
        assert_eq!(verdict(&a, &stats(1.3, 1.4, 1.5), 0.05), Verdict::Regression);
        assert_eq!(verdict(&a, &stats(1.15, 1.4, 1.5), 0.05), Verdict::Same, "ranges overlap");
        assert_eq!(verdict(&a, &stats(1.21, 1.22, 1.23), 0.2), Verdict::Same, "below the threshold");
        assert_eq!(verdict(&a, &stats(0.5, 0.6, 0.7), 0.05), Verdict::Improvement);
    }
}
