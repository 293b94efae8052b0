//! Terminal progress of a training run.

use super::IterationLog;

/// A per-iteration callback drawing an indicatif progress bar (to stderr) of `total` iterations.
pub fn progress_bar(total: usize) -> impl FnMut(&IterationLog) {
    let pb = indicatif::ProgressBar::new(total as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} iterations [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    move |log: &IterationLog| {
        let mut msg = format!("{:.3} s/it", log.iteration_s);
        if let Some(o) = log.objective {
            msg += &format!("  loss {o:.6e}");
        }
        if let Some(m) = &log.test {
            if let Some(r) = m.rmse {
                msg += &format!("  rmse {r:.4}");
            }
            if let Some(r) = &m.ranking {
                msg += &format!("  ndcg@{} {:.4}", r.k, r.ndcg);
            }
        }
        pb.set_message(msg);
        pb.inc(1);
        if pb.position() >= total as u64 {
            pb.finish();
        }
    }
}
