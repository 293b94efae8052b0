//! The bounded running top-k of one query row: candidates are offered one at a time (in any
//! order), the row keeps at most `2k` of them, and whenever that buffer fills it is cut back to
//! the best k by a partial selection (`select_nth_unstable`), which also raises the threshold
//! below which later scores are rejected without touching the buffer. Never a full sort of N.

use std::cmp::Ordering;

/// The canonical sort key of a score: NaN ranks (and is reported) as −∞, and −0 as +0, so that
/// every backend's ties break the same way whatever sign its zero sums have.
#[inline]
pub(crate) fn canonical(score: f32) -> f32 {
    if score.is_nan() {
        f32::NEG_INFINITY
    } else if score == 0.0 {
        0.0
    } else {
        score
    }
}

/// The ranking order of canonical (score, item) pairs: score descending, then lower item first.
#[inline]
pub(crate) fn rank_cmp(a: &(f32, u32), b: &(f32, u32)) -> Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Running top-k of one row.
#[derive(Debug, Clone)]
pub struct RowTopK {
    k: usize,
    buf: Vec<(f32, u32)>,
    /// The k-th best pair kept at the last cut; `None` until the first cut.
    worst: Option<(f32, u32)>,
}

impl RowTopK {
    pub fn new(k: usize) -> Self {
        assert!(k >= 1, "RowTopK needs k ≥ 1");
        RowTopK { k, buf: Vec::with_capacity(2 * k), worst: None }
    }

    /// Scores strictly below this can never enter the row: a cheap pre-test before [`Self::offer`].
    /// −∞ until the row has been cut once (everything is a candidate then, NaN included).
    #[inline]
    pub fn threshold(&self) -> f32 {
        self.worst.map_or(f32::NEG_INFINITY, |w| w.0)
    }

    /// Offer `item` with `score`; the caller has already left out excluded items.
    #[inline]
    pub fn offer(&mut self, score: f32, item: u32) {
        let cand = (canonical(score), item);
        if let Some(w) = &self.worst {
            if rank_cmp(&cand, w) != Ordering::Less {
                return;
            }
        }
        self.buf.push(cand);
        if self.buf.len() == 2 * self.k {
            self.cut();
        }
    }

    /// Keep only the best k of the buffer and raise the threshold to the k-th best.
    fn cut(&mut self) {
        let k = self.k;
        self.buf.select_nth_unstable_by(k - 1, rank_cmp);
        self.buf.truncate(k);
        self.worst = Some(self.buf[k - 1]);
    }

    /// Take in every candidate of another row's top-k (e.g. from another thread's item range).
    pub fn merge(&mut self, other: RowTopK) {
        for (s, i) in other.buf {
            self.offer(s, i);
        }
    }

    /// The best min(k, offered) (item, score) pairs, best first.
    pub fn into_ranked(mut self) -> Vec<(u32, f32)> {
        self.buf.sort_unstable_by(rank_cmp);
        self.buf.truncate(self.k);
        self.buf.into_iter().map(|(s, i)| (i, s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_best_k_with_ties_by_index_in_any_offer_order() {
        let scores = [0.5f32, 0.9, 0.9, f32::NAN, -0.0, 0.9, 0.0, 0.1];
        let want = vec![(1, 0.9), (2, 0.9), (5, 0.9), (0, 0.5)];
        for order in [[0, 1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1, 0], [5, 3, 1, 7, 0, 6, 2, 4]] {
            let mut t = RowTopK::new(4);
            order.iter().for_each(|&i| t.offer(scores[i], i as u32));
            assert_eq!(t.into_ranked(), want, "offer order {order:?}");
        }
        let mut t = RowTopK::new(8);
        (0..8).for_each(|i| t.offer(scores[i], i as u32));
        let tail: Vec<(u32, f32)> = t.into_ranked()[5..].to_vec();
        assert_eq!(tail, vec![(4, 0.0), (6, 0.0), (3, f32::NEG_INFINITY)], "−0 ties +0; NaN ranks last as −∞");
    }

    #[test]
    fn merge_equals_one_pass() {
        let scores: Vec<f32> = (0..100).map(|i| ((i * 37) % 11) as f32).collect();
        let mut whole = RowTopK::new(7);
        let (mut a, mut b) = (RowTopK::new(7), RowTopK::new(7));
        for (i, &s) in scores.iter().enumerate() {
            whole.offer(s, i as u32);
            if i < 60 { &mut a } else { &mut b }.offer(s, i as u32);
        }
        b.merge(a);
        assert_eq!(b.into_ranked(), whole.into_ranked());
    }
}
