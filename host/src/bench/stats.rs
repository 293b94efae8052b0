//! Robust summaries of repeated timings.
use serde::Serialize;

/// Median and spread of a set of samples (seconds). The median is what tables report; min/max and
/// the inter-quartile range say how much to trust it.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub iqr_s: f64,
    pub mean_s: f64,
}

impl Summary {
    pub fn of(samples: &[f64]) -> Summary {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        if n == 0 {
            return Summary {
                n: 0,
                median_s: f64::NAN,
                min_s: f64::NAN,
                max_s: f64::NAN,
                iqr_s: f64::NAN,
                mean_s: f64::NAN,
            };
        }
        Summary {
            n,
            median_s: quantile(&v, 0.5),
            min_s: v[0],
            max_s: v[n - 1],
            iqr_s: quantile(&v, 0.75) - quantile(&v, 0.25),
            mean_s: v.iter().sum::<f64>() / n as f64,
        }
    }
}

/// Linear-interpolated quantile of sorted data.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread_of_odd_and_even_counts() {
        let s = Summary::of(&[3.0, 1.0, 2.0]);
        assert_eq!((s.n, s.median_s, s.min_s, s.max_s), (3, 2.0, 1.0, 3.0));
        let s = Summary::of(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(s.median_s, 2.5);
        assert_eq!(s.iqr_s, 3.25 - 1.75);
        assert_eq!(s.mean_s, 2.5);
    }

    #[test]
    fn non_finite_samples_are_dropped() {
        let s = Summary::of(&[f64::NAN, 1.0]);
        assert_eq!((s.n, s.median_s), (1, 1.0));
        assert_eq!(Summary::of(&[]).n, 0);
    }
}
