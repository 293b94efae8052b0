//! Progress of a training run on stderr: a progress bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use super::IterationLog;

/// Plain progress lines are at least this far apart (the first and last iterations always print).
pub const LINE_INTERVAL: Duration = Duration::from_secs(2);

/// The per-iteration callback for `total` iterations: [`progress_bar`] when stderr is a terminal,
/// else [`progress_lines`].
pub fn progress(total: usize) -> Box<dyn FnMut(&IterationLog)> {
    if std::io::stderr().is_terminal() {
        Box::new(progress_bar(total))
    } else {
        Box::new(progress_lines(total, LINE_INTERVAL, |line| eprintln!("{line}")))
    }
}

/// A per-iteration callback drawing an indicatif progress bar (to stderr) of `total` iterations.
pub fn progress_bar(total: usize) -> impl FnMut(&IterationLog) {
    let pb = indicatif::ProgressBar::new(total as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} iterations [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    move |log: &IterationLog| {
        pb.set_message(describe(log));
        pb.inc(1);
        if pb.position() >= total as u64 {
            pb.finish();
        }
    }
}

/// A per-iteration callback that hands `print` a line on the first and last of `total` iterations
/// and whenever `interval` has passed since the last line.
pub fn progress_lines(total: usize, interval: Duration, mut print: impl FnMut(&str)) -> impl FnMut(&IterationLog) {
    let start = Instant::now();
    let mut last: Option<Instant> = None;
    move |log: &IterationLog| {
        let due = last.is_none_or(|t| t.elapsed() >= interval) || log.iteration >= total;
        if due {
            let elapsed = start.elapsed().as_secs_f64();
            print(&format!("iteration {}/{total} [{elapsed:.1} s] {}", log.iteration, describe(log)));
            last = Some(Instant::now());
        }
    }
}

/// Time per iteration, loss and test metrics of one iteration.
fn describe(log: &IterationLog) -> String {
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
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(iteration: usize) -> IterationLog {
        IterationLog {
            iteration,
            user_step_s: 0.1,
            item_step_s: 0.2,
            iteration_s: 0.3,
            objective: Some(12.5),
            objective_s: Some(0.01),
            test: None,
            eval_s: None,
            user_breakdown: None,
            item_breakdown: None,
        }
    }

    #[test]
    fn lines_come_first_last_and_after_the_interval() {
        let mut lines = Vec::new();
        let mut every = progress_lines(3, Duration::ZERO, |l| lines.push(l.to_string()));
        (1..=3).for_each(|i| every(&log(i)));
        drop(every);
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("iteration 1/3 [") && lines[0].contains("0.300 s/it  loss 1.25"), "{lines:?}");
        let mut lines = Vec::new();
        let mut sparse = progress_lines(4, Duration::from_secs(3600), |l| lines.push(l.to_string()));
        (1..=4).for_each(|i| sparse(&log(i)));
        drop(sparse);
        assert_eq!(lines.iter().map(|l| &l[..13]).collect::<Vec<_>>(), ["iteration 1/4", "iteration 4/4"]);
    }
}
