//! The training benchmark (`train --bench-out`): every combination of factors × solvers × threads
//! × get_hermitian versions trained once, timed per iteration, recorded in a [`Bench`] with the
//! median per-phase times and get_hermitian's FLOP rate.

use anyhow::Result;

use crate::bench::flops::{hermitian_flop, tflop_per_s};
use crate::bench::{Bench, Summary};
use crate::data::Interactions;
use crate::model::{AlsConfig, Breakdown, GpuOptions, Hermitian, MatrixFree, Solver};
use crate::ptx::PtxImage;

use super::{Backend, IterationLog, TrainReport};

/// A solver as the CLI offers it: the solver, whether LU is cuBLAS's batched LU, and which sides
/// CG solves matrix-free (the last two GPU only) — or, with `auto`, CG with the sides chosen from
/// the data ([`SolverChoice::for_data`], [`MatrixFree::auto`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverChoice {
    pub solver: Solver,
    pub cublas_lu: bool,
    pub matrix_free: MatrixFree,
    pub auto: bool,
}

impl SolverChoice {
    /// The solver names of `rustmf train --solver` (and the Python package's `solver=`).
    pub const NAMES: [&'static str; 8] =
        ["cholesky", "lu", "cg", "cublas-lu", "cg-mf", "cg-mf-users", "cg-mf-items", "auto"];

    /// The solver named `name` (one of [`SolverChoice::NAMES`]); CG ones run `steps` steps, stopping
    /// early at `tol` when given.
    pub fn from_name(name: &str, steps: usize, tol: Option<f64>) -> Result<SolverChoice> {
        let matrix_free = match name {
            "cg-mf" => MatrixFree::Both,
            "cg-mf-users" => MatrixFree::Users,
            "cg-mf-items" => MatrixFree::Items,
            _ => MatrixFree::Off,
        };
        let solver = match name {
            "cholesky" => Solver::Cholesky,
            "lu" | "cublas-lu" => Solver::Lu,
            "cg" | "cg-mf" | "cg-mf-users" | "cg-mf-items" | "auto" => Solver::Cg { steps, tol },
            _ => anyhow::bail!("unknown solver {name:?} (known: {})", Self::NAMES.join(", ")),
        };
        Ok(SolverChoice { solver, cublas_lu: name == "cublas-lu", matrix_free, auto: name == "auto" })
    }

    /// The choice for training on `data` at f factors: `auto` picks the matrix-free sides.
    pub fn for_data(self, users: usize, items: usize, nnz: usize, f: usize) -> SolverChoice {
        match self.auto {
            true => SolverChoice { matrix_free: MatrixFree::auto(users, items, nnz, f), ..self },
            false => self,
        }
    }

    /// The name in case labels: cholesky, lu, cublas-lu, cg3, cg3-mf, ...
    pub fn name(&self) -> String {
        match self.solver {
            Solver::Lu if self.cublas_lu => "cublas-lu".into(),
            Solver::Cholesky => "cholesky".into(),
            Solver::Lu => "lu".into(),
            Solver::Cg { steps, .. } if self.auto => format!("cg{steps}-auto{}", self.matrix_free.suffix()),
            Solver::Cg { steps, .. } => format!("cg{steps}{}", self.matrix_free.suffix()),
        }
    }
}

/// Where training runs, with the GPU options that no list of the grid varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Cpu,
    /// GPU 0.
    Gpu {
        fp16: bool,
        batch_rows: Option<usize>,
        /// GPU memory training may use (`None`: what is free); see [`GpuOptions::gpu_memory`].
        gpu_memory: Option<usize>,
        kernels: &'static [PtxImage],
    },
}

impl Device {
    /// The backend of one run: `threads` apply to the CPU, `hermitian` to the GPU.
    pub fn backend(self, threads: usize, hermitian: Hermitian, s: SolverChoice) -> Result<Backend> {
        match self {
            Device::Cpu if s.cublas_lu => anyhow::bail!("cublas-lu is a GPU solver (--device gpu)"),
            Device::Cpu if s.matrix_free != MatrixFree::Off && !s.auto => {
                anyhow::bail!(
                    "cg-mf* choose where the GPU forms A; the CPU's CG is always matrix-free: use --solver cg"
                )
            }
            Device::Cpu => Ok(Backend::Cpu { threads }),
            Device::Gpu { fp16, batch_rows, gpu_memory, kernels } => Ok(Backend::Gpu {
                device: 0,
                kernels,
                options: GpuOptions {
                    hermitian,
                    fp16,
                    cublas_lu: s.cublas_lu,
                    batch_rows,
                    matrix_free: s.matrix_free,
                    gpu_memory,
                },
            }),
        }
    }
}

/// The benchmark's parameter lists; every combination is one case. The thread count does not
/// change a GPU run, nor the get_hermitian version a CPU run: only the first of each is used there.
#[derive(Debug, Clone)]
pub struct TrainGrid {
    pub device: Device,
    pub factors: Vec<usize>,
    pub solvers: Vec<SolverChoice>,
    pub threads: Vec<usize>,
    pub hermitians: Vec<Hermitian>,
    /// Leading iterations of each case left out of the statistics.
    pub warmup: usize,
}

impl TrainGrid {
    /// Trains every case on `train` with `base` (its factors and solver set per case) and records
    /// it in the benchmark `name`; `input` names the data in each case's parameters.
    pub fn run(&self, name: &str, input: &str, train: &Interactions, base: &AlsConfig) -> Result<Bench> {
        self.run_evaluated(name, input, train, None, base)
    }

    /// [`Self::run`], evaluating every case on `test` (when given) after each iteration, outside
    /// the timed half-steps: each case's `curve` holds the metric against the cumulative ALS time.
    /// With `base.compute_objective`, each sample is the iteration plus its objective and test
    /// metrics (the cost of watching training), and their medians are in the case's extra.
    pub fn run_evaluated(
        &self,
        name: &str,
        input: &str,
        train: &Interactions,
        test: Option<&Interactions>,
        base: &AlsConfig,
    ) -> Result<Bench> {
        anyhow::ensure!(
            base.iterations > self.warmup,
            "{} iterations leave none to time after {} warm-up iterations",
            base.iterations,
            self.warmup
        );
        anyhow::ensure!(
            [self.factors.len(), self.solvers.len(), self.threads.len(), self.hermitians.len()].iter().all(|&n| n > 0),
            "every list of the grid needs at least one value"
        );
        let mut b = Bench::new(name);
        let gpu = matches!(self.device, Device::Gpu { .. });
        let (threads, hermitians) =
            if gpu { (&self.threads[..1], &self.hermitians[..]) } else { (&self.threads[..], &self.hermitians[..1]) };
        for &f in &self.factors {
            for s in &self.solvers {
                for &t in threads {
                    for &h in hermitians {
                        let s = &s.for_data(train.n_users(), train.n_items(), train.nnz(), f);
                        let cfg = AlsConfig { factors: f, solver: s.solver, ..base.clone() };
                        let r = super::train(train, test, &cfg, self.device.backend(t, h, *s)?)?;
                        if gpu && b.meta.gpu.is_none() {
                            b.set_gpu(r.backend.split(['(', ',']).nth(1).unwrap_or("").trim(), "", "");
                        }
                        let variant = if gpu { format!("hermitian={h}") } else { format!("threads={t}") };
                        self.record(&mut b, input, train, &r, s, variant);
                    }
                }
            }
        }
        Ok(b)
    }

    /// One case from a training report: per-iteration times past the warm-up, and the median
    /// per-phase breakdown where the backend measured one.
    fn record(
        &self,
        b: &mut Bench,
        input: &str,
        train: &Interactions,
        r: &TrainReport,
        s: &SolverChoice,
        variant: String,
    ) {
        let cfg = &r.config;
        let logs = &r.iterations[self.warmup..];
        // With the objective on, a sample is the iteration with its metrics (objective and test).
        let samples: Vec<f64> = logs
            .iter()
            .map(|l| {
                let metrics_s =
                    if cfg.compute_objective { l.objective_s.unwrap_or(0.0) + l.eval_s.unwrap_or(0.0) } else { 0.0 };
                l.iteration_s + metrics_s
            })
            .collect();
        let medians = |get: &dyn Fn(&IterationLog) -> Option<f64>| -> Option<f64> {
            let v: Vec<f64> = logs.iter().filter_map(get).collect();
            (!v.is_empty()).then(|| median(&v))
        };
        let phase = |get: &dyn Fn(&Breakdown) -> f64| -> Option<f64> {
            let v: Vec<f64> = logs
                .iter()
                .filter_map(|l| Some(get(l.user_breakdown.as_ref()?) + get(l.item_breakdown.as_ref()?)))
                .collect();
            (!v.is_empty()).then(|| median(&v))
        };
        let f = cfg.factors;
        let kind = if cfg.implicit { "implicit" } else { "explicit" };
        let fp16 = matches!(self.device, Device::Gpu { fp16: true, .. });
        let case = format!("{kind} f={f} {} {variant}{}", s.name(), if fp16 { " fp16" } else { "" });
        let params = serde_json::json!({
            "input": input, "n_users": train.n_users(), "n_items": train.n_items(),
            "nnz": train.nnz(), "factors": f, "solver": cfg.solver, "backend": r.backend,
            "lambda": cfg.lambda, "alpha": cfg.alpha, "iterations_timed": samples.len(),
            "warmup_iterations": self.warmup,
        });
        let flop = hermitian_flop(train.nnz(), f);
        let hermitian_s = phase(&|x| x.hermitian_s);
        let mut elapsed = 0.0;
        let curve: Vec<serde_json::Value> = r
            .iterations
            .iter()
            .filter_map(|l| {
                elapsed += l.iteration_s;
                let m = l.test.as_ref()?;
                Some(serde_json::json!({
                    "iteration": l.iteration, "als_s": elapsed, "rmse": m.rmse,
                    "ndcg": m.ranking.as_ref().map(|r| r.ndcg), "eval_s": l.eval_s,
                }))
            })
            .collect();
        let mut extra = serde_json::json!({
                "user_step_median_s": median(&logs.iter().map(|l| l.user_step_s).collect::<Vec<_>>()),
                "item_step_median_s": median(&logs.iter().map(|l| l.item_step_s).collect::<Vec<_>>()),
                "gram_median_s": phase(&|x| x.gram_s),
                "hermitian_median_s": hermitian_s,
                "solve_median_s": phase(&|x| x.solve_s),
                "other_median_s": phase(&|x| x.other_s()),
                "copy_median_s": phase(&|x| x.copy_s),
                "copy_gb_per_s": phase(&|x| x.copy_bytes as f64 / 1e9)
                    .zip(phase(&|x| x.copy_s))
                    .filter(|(_, s)| *s > 0.0)
                    .map(|(gb, s)| gb / s),
                "iteration_median_s": median(&logs.iter().map(|l| l.iteration_s).collect::<Vec<_>>()),
                "setup_s": r.setup_s,
                "open_s": r.open_s,
                "first_iteration_s": r.first_iteration_s,
                "gpu_busy_fraction": r.gpu_busy_fraction(),
                "objective_median_s": medians(&|l| l.objective_s),
                "eval_median_s": medians(&|l| l.eval_s),
                "hermitian_tflop_per_s":
                    hermitian_s.filter(|_| s.matrix_free == MatrixFree::Off).map(|h| tflop_per_s(flop, h)),
        });
        if !curve.is_empty() {
            extra["curve"] = curve.into();
        }
        b.record(&case, params, samples.clone(), extra);
        eprintln!("{case}: median {:.4} s/iteration", median(&samples));
    }
}

fn median(v: &[f64]) -> f64 {
    Summary::of(v).median_s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(solver: Solver, cublas_lu: bool, matrix_free: MatrixFree) -> SolverChoice {
        SolverChoice { solver, cublas_lu, matrix_free, auto: false }
    }

    #[test]
    fn auto_forms_a_on_the_sides_with_long_rows() {
        assert_eq!(MatrixFree::auto(480_189, 17_770, 99_072_112, 100), MatrixFree::Users);
        assert_eq!(MatrixFree::auto(120_322, 5_600_000, 275_000_000, 64), MatrixFree::Items);
        assert_eq!(MatrixFree::auto(1000, 1000, 1000 * 2000, 100), MatrixFree::Off);
        assert_eq!(MatrixFree::auto(1000, 1000, 1000 * 50, 100), MatrixFree::Both);
        let auto = SolverChoice::from_name("auto", 3, None).unwrap();
        assert_eq!(auto.name(), "cg3-auto");
        assert_eq!(auto.for_data(480_189, 17_770, 99_072_112, 100).name(), "cg3-auto-mf-users");
        assert_eq!(
            choice(Solver::Cholesky, false, MatrixFree::Off).for_data(10, 10, 5, 100).matrix_free,
            MatrixFree::Off
        );
        let on_cpu = auto.for_data(480_189, 17_770, 99_072_112, 100);
        assert_eq!(Device::Cpu.backend(2, Hermitian::DEFAULT, on_cpu).unwrap(), Backend::Cpu { threads: 2 });
    }

    #[test]
    fn solver_choices_are_named_as_on_the_command_line() {
        let cg = Solver::Cg { steps: 3, tol: None };
        assert_eq!(choice(Solver::Cholesky, false, MatrixFree::Off).name(), "cholesky");
        assert_eq!(choice(Solver::Lu, false, MatrixFree::Off).name(), "lu");
        assert_eq!(choice(Solver::Lu, true, MatrixFree::Off).name(), "cublas-lu");
        assert_eq!(choice(cg, false, MatrixFree::Off).name(), "cg3");
        assert_eq!(choice(cg, false, MatrixFree::Users).name(), "cg3-mf-users");
    }

    #[test]
    fn devices_build_their_backends_and_the_cpu_refuses_gpu_only_solvers() {
        let h = Hermitian::DEFAULT;
        assert_eq!(
            Device::Cpu.backend(2, h, choice(Solver::Cholesky, false, MatrixFree::Off)).unwrap(),
            Backend::Cpu { threads: 2 }
        );
        assert!(Device::Cpu.backend(2, h, choice(Solver::Lu, true, MatrixFree::Off)).is_err());
        let cg = Solver::Cg { steps: 3, tol: None };
        assert!(Device::Cpu.backend(2, h, choice(cg, false, MatrixFree::Both)).is_err());
        let gpu = Device::Gpu { fp16: true, batch_rows: Some(64), gpu_memory: None, kernels: &[] };
        let Backend::Gpu { options, .. } = gpu.backend(2, h, choice(cg, false, MatrixFree::Both)).unwrap() else {
            panic!("a GPU backend")
        };
        assert!(options.fp16 && options.batch_rows == Some(64) && options.matrix_free == MatrixFree::Both);
    }

    #[test]
    fn every_solver_name_parses_to_its_label() {
        let labels: Vec<String> =
            SolverChoice::NAMES.iter().map(|n| SolverChoice::from_name(n, 3, None).unwrap().name()).collect();
        assert_eq!(
            labels,
            ["cholesky", "lu", "cg3", "cublas-lu", "cg3-mf", "cg3-mf-users", "cg3-mf-items", "cg3-auto"]
        );
        let e = SolverChoice::from_name("qr", 3, None).unwrap_err().to_string();
        assert!(e.contains("unknown solver \"qr\"") && e.contains("cg-mf-items"), "{e}");
    }
}
