//! Weighted sampling of distinct items: Walker's alias table with rejection of repeats for light
//! users, and Efraimidis–Spirakis keys over all items for heavy users. Both draw from the same
//! distribution (successive weighted sampling without replacement).

use rand::Rng;

pub(crate) struct Alias {
    weights: Vec<f64>,
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    pub(crate) fn new(weights: Vec<f64>) -> Alias {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let (mut small, mut large): (Vec<u32>, Vec<u32>) = (0..n as u32).partition(|&i| prob[i as usize] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s as usize] = l;
            prob[l as usize] -= 1.0 - prob[s as usize];
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in small.into_iter().chain(large) {
            prob[i as usize] = 1.0;
        }
        Alias { weights, prob, alias }
    }

    fn draw(&self, rng: &mut impl Rng) -> u32 {
        let i = rng.random_range(0..self.prob.len());
        if rng.random::<f64>() < self.prob[i] {
            i as u32
        } else {
            self.alias[i]
        }
    }

    /// `k` distinct items, sorted. `seen` must be all false and is left all false.
    pub(crate) fn distinct(&self, k: usize, rng: &mut impl Rng, seen: &mut [bool], out: &mut Vec<u32>) {
        out.clear();
        let n = self.prob.len();
        if k * 3 <= n {
            while out.len() < k {
                let i = self.draw(rng);
                if !std::mem::replace(&mut seen[i as usize], true) {
                    out.push(i);
                }
            }
            for &i in out.iter() {
                seen[i as usize] = false;
            }
        } else {
            let mut keys: Vec<(f64, u32)> =
                self.weights.iter().enumerate().map(|(i, w)| (rng.random::<f64>().ln() / w, i as u32)).collect();
            if k < n {
                keys.select_nth_unstable_by(k, |a, b| b.0.total_cmp(&a.0));
            }
            out.extend(keys[..k].iter().map(|e| e.1));
        }
        out.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn draws_follow_the_weights() {
        let a = Alias::new(vec![1.0, 2.0, 7.0]);
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let mut counts = [0usize; 3];
        for _ in 0..100_000 {
            counts[a.draw(&mut rng) as usize] += 1;
        }
        for (c, p) in counts.iter().zip([0.1, 0.2, 0.7]) {
            assert!((*c as f64 / 1e5 - p).abs() < 0.01, "{counts:?}");
        }
    }

    #[test]
    fn distinct_items_both_ways() {
        let a = Alias::new((1..=100).map(|i| 1.0 / i as f64).collect());
        let mut rng = rand::rngs::SmallRng::seed_from_u64(2);
        let mut seen = vec![false; 100];
        let mut out = Vec::new();
        for k in [0, 1, 10, 33, 34, 90, 100] {
            a.distinct(k, &mut rng, &mut seen, &mut out);
            assert_eq!(out.len(), k);
            assert!(out.windows(2).all(|w| w[0] < w[1]));
            assert!(seen.iter().all(|s| !s));
        }
    }
}
