//! The human-readable end-of-training summary (`rustmf train` without `--json`).

use super::TrainReport;

/// A few lines: what was trained, how long it took, the final loss and test metrics.
pub fn summary_text(r: &TrainReport) -> String {
    let c = &r.config;
    let n = r.iterations.len();
    let als_s: f64 = r.iterations.iter().map(|l| l.iteration_s).sum();
    let kind = if c.implicit { format!("implicit, α = {}", c.alpha) } else { "explicit".to_string() };
    let mut out = format!(
        "trained {n} iterations in {:.2} s ({:.3} s per ALS iteration) on {}\n\
         set-up {:.2} s (opening the backend {:.2} s, then the data and factors); the first iteration \
         ended {:.2} s after the start\n\
         data: {} users × {} items, {} interactions; f = {}, λ = {}, {kind}, solver {:?}\n",
        r.total_s,
        als_s / n.max(1) as f64,
        r.backend,
        r.setup_s,
        r.open_s,
        r.first_iteration_s,
        r.n_users,
        r.n_items,
        r.nnz,
        c.factors,
        c.lambda,
        c.solver,
    );
    if let Some(busy) = r.gpu_busy_fraction() {
        out += &format!(
            "the GPU ran half-steps {:.0}% of that time (events; the rest: set-up, evaluation, the host)\n",
            100.0 * busy
        );
    }
    if let Some(o) = r.iterations.last().and_then(|l| l.objective) {
        out += &format!("final training loss {o:.6e}\n");
    }
    let tested = r.iterations.iter().rev().find_map(|l| l.test.as_ref().map(|m| (l.iteration, m)));
    if let Some((it, m)) = tested {
        if let (Some(rmse), Some(mae)) = (m.rmse, m.mae) {
            out += &format!("test (iteration {it}): RMSE {rmse:.4}, MAE {mae:.4}\n");
        }
        if let Some(k) = &m.ranking {
            out += &format!(
                "test (iteration {it}, {} users): precision@{n} {:.4}, recall@{n} {:.4}, MAP@{n} {:.4}, \
                 NDCG@{n} {:.4}, coverage {:.4}\n",
                k.users,
                k.precision,
                k.recall,
                k.map,
                k.ndcg,
                k.coverage,
                n = k.k
            );
        }
    }
    if let Some(best) = r.best_iteration {
        let why = if r.stopped_early { "stopped early; " } else { "" };
        out += &format!("{why}kept the factors of iteration {best} (best test metric)\n");
    }
    out
}
