//! `rustmf experiment`: run a spec's grid, report its results, compare two results (issue 18; the
//! work is in `rustmf_host::experiment`).
//!
//! ```text
//! rustmf experiment run benches/experiments/cpu-smoke.toml            # → benches/results/cpu-smoke/<machine>/
//! rustmf experiment run benches/experiments/cpu-smoke.toml --quick    # one small case per figure → cpu-smoke-quick/
//! rustmf experiment report benches/results/cpu-smoke/<machine>        # report.md + figures there
//! rustmf experiment compare OLD_DIR NEW_DIR --fail-on-regression
//! ```
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rustmf_host::experiment::{self, compare::DEFAULT_THRESHOLD, RunOptions, Spec};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Run every case of a spec (skipping those already measured at this revision on this machine).
    Run {
        /// The spec (TOML), e.g. benches/experiments/cpu-smoke.toml.
        spec: PathBuf,
        /// Results go to OUT/<experiment>/<machine>/.
        #[arg(long, default_value = "benches/results")]
        out: PathBuf,
        /// Only the cases whose id contains every word of this filter (e.g. "train f=64").
        #[arg(long)]
        only: Option<String>,
        /// List the cases and exit.
        #[arg(long)]
        list: bool,
        /// One small case per figure: the first case each figure draws, datasets at their
        /// quick_scale, at most 2 repeats and 1 warm-up, no peers; results go to
        /// OUT/<experiment>-quick/<machine>/.
        #[arg(long)]
        quick: bool,
        /// The Python interpreter for [peers] cases (default: $RUSTMF_PYTHON or python3).
        #[arg(long)]
        python: Option<String>,
        /// The peers' side-car (default: $RUSTMF_PEERS or benches/peers.py).
        #[arg(long)]
        peers: Option<PathBuf>,
    },
    /// Figures (SVG, PNG) and a Markdown table from a results folder, or from every machine's
    /// results of a spec.
    Report {
        /// A results folder (or its results.json), or a spec (then OUT/<experiment>/*).
        results: PathBuf,
        /// Where the spec's results are (with a spec).
        #[arg(long, default_value = "benches/results")]
        out: PathBuf,
    },
    /// Rewrite the results tables marked in a Markdown file (`<!-- experiment-table: DIR -->` …
    /// `<!-- end experiment-table -->`) from the results they name; `--check` only says whether any
    /// is out of date.
    Quote {
        file: PathBuf,
        /// Where the markers' paths start (default: the current folder, the repository root).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        check: bool,
    },
    /// Per-case ratios B/A of the medians; flags regressions beyond the spread and the threshold.
    Compare {
        a: PathBuf,
        b: PathBuf,
        /// A regression: B's min above A's max and B/A ≥ 1 + threshold.
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: f64,
        /// Exit with an error when a regression is flagged.
        #[arg(long)]
        fail_on_regression: bool,
    },
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Run { spec, out, only, list, quick, python, peers } => {
            let text =
                std::fs::read_to_string(&spec).map_err(|e| anyhow::anyhow!("reading {}: {e}", spec.display()))?;
            let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("experiment");
            let parsed = Spec::parse(&text, &spec.display().to_string(), stem)?;
            if list {
                let cases = if quick {
                    let q = parsed.quick();
                    experiment::quick(&q, &experiment::expand(&q))
                } else {
                    experiment::expand(&parsed)
                };
                for c in cases.iter().filter(|c| experiment::matches_filter(&c.id, only.as_deref())) {
                    println!("{}", c.id);
                }
                return Ok(());
            }
            let mut opts = RunOptions::new(out, crate::kernels::PTX, spec.display().to_string());
            opts.only = only;
            opts.quick = quick;
            if let Some(p) = python {
                opts.peers.python = p;
            }
            if let Some(p) = peers {
                opts.peers.script = p;
            }
            let s = experiment::run(&parsed, &text, &opts)?;
            println!("{}", s.dir.join(experiment::ResultsFile::JSON).display());
            anyhow::ensure!(s.failed == 0, "{} case(s) failed (recorded in the results with the error)", s.failed);
            Ok(())
        }
        Command::Report { results, out } => {
            for dir in report_dirs(&results, &out)? {
                let r = experiment::report(&dir, None)?;
                print!("{}", r.markdown);
                for f in &r.files {
                    eprintln!("wrote {}", f.display());
                }
            }
            Ok(())
        }
        Command::Quote { file, root, check } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let quoted = experiment::quote(&text, &root).with_context(|| file.display().to_string())?;
            if check {
                anyhow::ensure!(quoted == text, "{}: a quoted results table is out of date", file.display());
            } else if quoted != text {
                rustmf_host::bench::write_atomic(&file, quoted.as_bytes())?;
                eprintln!("rewrote the results tables of {}", file.display());
            }
            Ok(())
        }
        Command::Compare { a, b, threshold, fail_on_regression } => {
            let c = experiment::compare(&a, &b, threshold)?;
            print!("{}", c.table());
            anyhow::ensure!(!fail_on_regression || c.regressions() == 0, "{} regression(s) flagged", c.regressions());
            Ok(())
        }
    }
}

/// The results folders `arg` names: itself (a folder or results.json), or with a spec every
/// machine's folder of its experiment under `out`.
fn report_dirs(arg: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    if arg.extension().is_some_and(|e| e == "toml") {
        let spec = Spec::load(arg)?;
        let dirs = experiment::result_dirs(out, &spec);
        anyhow::ensure!(!dirs.is_empty(), "no results of {} under {}", spec.name, out.join(&spec.name).display());
        return Ok(dirs);
    }
    Ok(vec![arg.to_path_buf()])
}
