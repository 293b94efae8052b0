//! Experiments as files (issue 18) on the CPU: a tiny spec runs end to end, its figures parse as
//! SVG and PNG, a second run skips every case, malformed specs name their line, compare flags an
//! injected regression, and the committed specs parse into the grids they promise.

use std::path::{Path, PathBuf};

use rustmf::experiment::check::{check_png, check_svg};
use rustmf::experiment::{self, ResultsFile, RunOptions, Spec, Status, Verdict};
use rustmf::model::Hermitian;

/// 2 × 2 CPU training cases, a GPU training case (skipped without a GPU) and two figures.
const TINY: &str = r#"
name = "tiny"
repeats = 2
warmup = 1

[[dataset]]
name = "demo"
preset = "demo"
scale = 0.05

[train]
device = ["cpu"]
factors = [4, 8]
solver = ["cholesky", "cg"]
threads = 1

[[figure]]
name = "bars"
kind = "bars"
cases = "train"

[[figure]]
name = "over-f"
kind = "line"
x = "f"
series = "solver"
"#;

fn run(spec_text: &str, out: &Path, only: Option<&str>) -> experiment::RunSummary {
    let spec = Spec::parse(spec_text, "tiny.toml", "tiny").unwrap();
    let mut opts = RunOptions::new(out, rustmf::kernels::PTX, "tiny.toml");
    opts.only = only.map(str::to_string);
    experiment::run(&spec, spec_text, &opts).unwrap()
}

#[test]
fn a_tiny_spec_runs_reports_and_resumes() {
    let out = tempfile::tempdir().unwrap();
    let first = run(TINY, out.path(), None);
    assert_eq!((first.cases, first.measured, first.already, first.failed), (4, 4, 0, 0));
    assert!(first.dir.starts_with(out.path().join("tiny")), "{}", first.dir.display());
    let file = ResultsFile::load(&first.dir).unwrap();
    assert_eq!(file.records.len(), 4);
    for r in &file.records {
        assert_eq!(r.status, Status::Measured, "{}: {:?}", r.id, r.reason);
        assert_eq!(r.samples_s.len(), 2, "{}", r.id);
        assert!(r.summary.unwrap().median_s > 0.0);
        assert!(!r.provenance.git_revision.is_empty() && !r.provenance.cpu.is_empty());
        assert!(r.id.starts_with("train: dataset=demo device=cpu feedback=explicit f="), "{}", r.id);
    }
    let csv = std::fs::read_to_string(first.dir.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    let leftovers: Vec<PathBuf> = std::fs::read_dir(&first.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // The report: a table, two figures in SVG and PNG.
    let report = experiment::report(&first.dir, None).unwrap();
    assert!(report.markdown.contains("| case | status | median"), "{}", report.markdown);
    assert!(report.markdown.contains("f=4 solver=cholesky"), "{}", report.markdown);
    assert!(report.markdown.contains("Provenance"), "{}", report.markdown);
    for stem in ["bars", "over-f"] {
        let svg = std::fs::read_to_string(first.dir.join(format!("{stem}.svg"))).unwrap();
        assert!(check_svg(&svg).unwrap() > 10, "{stem}.svg");
        let (w, h) = check_png(&first.dir.join(format!("{stem}.png"))).unwrap();
        assert!(w >= 320 && h >= 320, "{stem}.png is {w}×{h}");
    }
    assert!(first.dir.join("report.md").is_file());

    // A second run at the same revision on the same machine measures nothing.
    let second = run(TINY, out.path(), None);
    assert_eq!((second.measured, second.already, second.skipped), (0, 4, 0));
    // Cases outside --only are left as they are.
    let third = run(TINY, out.path(), Some("f=8 cg3"));
    assert_eq!((third.cases, third.already), (1, 1));
}

/// One CPU case with a held-out test set, its threshold against the planted model, and a curve.
const CONVERGENCE: &str = r#"
name = "curve"
repeats = 3
warmup = 1

[[dataset]]
name = "demo"
preset = "demo"
scale = 0.05

[train]
factors = 8
threads = 1
test_fraction = 0.2
threshold_over_oracle = 3.0

[[figure]]
name = "rmse"
kind = "curve"
"#;

#[test]
fn a_held_out_case_records_its_curve_threshold_and_figure() {
    let out = tempfile::tempdir().unwrap();
    let summary = run(CONVERGENCE, out.path(), None);
    assert_eq!((summary.measured, summary.failed), (1, 0));
    let file = ResultsFile::load(&summary.dir).unwrap();
    let r = &file.records[0];
    assert!(r.id.ends_with("test_fraction=0.2"), "{}", r.id);
    let curve = r.extra["curve"].as_array().unwrap();
    assert_eq!(curve.len(), 4, "every iteration, warm-up included: {curve:?}");
    let times: Vec<f64> = curve.iter().map(|p| p["als_s"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[1] > w[0]), "cumulative ALS time grows: {times:?}");
    let rmse: Vec<f64> = curve.iter().map(|p| p["rmse"].as_f64().unwrap()).collect();
    assert!(rmse[3] < rmse[0], "ALS lowers the test RMSE: {rmse:?}");
    let oracle = r.extra["oracle_test_rmse"].as_f64().unwrap();
    assert!(oracle > 0.3 && oracle < rmse[3], "the planted model ({oracle}) beats ALS ({rmse:?})");
    let threshold = r.extra["threshold_rmse"].as_f64().unwrap();
    assert!((threshold - 3.0 * oracle).abs() < 1e-12);
    let first_below = curve.iter().find(|p| p["rmse"].as_f64().unwrap() <= threshold).map(|p| p["als_s"].clone());
    assert_eq!(r.extra["als_s_to_threshold"], first_below.unwrap_or(serde_json::Value::Null));
    let report = experiment::report(&summary.dir, None).unwrap();
    assert!(report.markdown.contains("| case | metric | final | best | planted model's"), "{}", report.markdown);
    let svg = std::fs::read_to_string(summary.dir.join("rmse.svg")).unwrap();
    assert!(check_svg(&svg).unwrap() > 10);
    assert!(svg.contains("planted model"), "the curve figure draws the planted model's test RMSE");
    check_png(&summary.dir.join("rmse.png")).unwrap();
}

/// The load simulator on the CPU scorer at two offered rates, and its latency figure.
const SERVE: &str = r#"
name = "serve"

[serve]
backends = "cpu1"
users = 300
items = 2000
factors = 8
k = 10
rates = [20, 400]
seconds = 0.5
max_batch = 16
slo_ms = 5

[[figure]]
name = "p99"
kind = "line"
cases = "serve"
x = "rate"
metric = "p99_ms"
"#;

#[test]
fn serve_cases_measure_latency_under_load_and_draw_it() {
    let out = tempfile::tempdir().unwrap();
    let summary = run(SERVE, out.path(), None);
    assert_eq!((summary.cases, summary.measured, summary.failed), (2, 2, 0));
    let file = ResultsFile::load(&summary.dir).unwrap();
    for (r, rate) in file.records.iter().zip([20.0, 400.0]) {
        assert_eq!(r.kind, "serve");
        assert_eq!(r.dims["rate"], rate.to_string());
        let get = |k: &str| r.extra[k].as_f64().unwrap();
        assert!(get("p50_ms") > 0.0 && get("p50_ms") <= get("p95_ms") && get("p95_ms") <= get("p99_ms"));
        assert_eq!(get("arrived") as usize, (rate * 0.5_f64).ceil() as usize, "{}", r.id);
        assert_eq!(get("arrived"), get("completed") + get("dropped"));
        assert!(!r.samples_s.is_empty() && r.samples_s.len() <= get("completed") as usize);
    }
    let report = experiment::report(&summary.dir, None).unwrap();
    assert!(report.markdown.contains("| case | p50 ms | p95 ms | p99 ms"), "{}", report.markdown);
    check_png(&summary.dir.join("p99.png")).unwrap();
}

#[test]
fn quoted_tables_come_from_the_results_and_the_committed_readmes_are_current() {
    let out = tempfile::tempdir().unwrap();
    let summary = run(TINY, out.path(), Some("f=4 cholesky"));
    let rel = summary.dir.strip_prefix(out.path()).unwrap().display().to_string();
    let stale =
        format!("intro\n<!-- experiment-table: {rel} -->\n| typed | by hand |\n<!-- end experiment-table -->\nend\n");
    let quoted = experiment::quote(&stale, out.path()).unwrap();
    let file = ResultsFile::load(&summary.dir).unwrap();
    let table = rustmf::experiment::report::table(&file.records);
    assert_eq!(quoted, stale.replace("| typed | by hand |\n", &table.replace("## train", "*train cases*")));
    assert_eq!(experiment::quote(&quoted, out.path()).unwrap(), quoted, "quoting twice changes nothing");
    let unclosed = format!("<!-- experiment-table: {rel} -->\n| x |\n");
    let err = format!("{:#}", experiment::quote(&unclosed, out.path()).unwrap_err());
    assert!(err.contains("line 1") && err.contains("end experiment-table"), "{err}");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for doc in [
        "benches/README.md",
        "papers/cumf-als-icpp2018/REPRODUCE.md",
        "papers/schedl-lfm1b-icmr2016/REPRODUCE.md",
        "kernels-rs/src/hermitian/mod.rs",
        "kernels-rs/src/solve/mod.rs",
        "kernels-rs/src/topk/mod.rs",
    ] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        assert_eq!(experiment::quote(&text, root).unwrap(), text, "{doc}: run `rustmf experiment quote {doc}`");
    }
}

#[test]
fn gpu_cases_without_a_gpu_are_recorded_as_skipped_with_the_reason() {
    let text = TINY.replace("device = [\"cpu\"]", "device = [\"gpu\"]").replace("factors = [4, 8]", "factors = 4");
    let out = tempfile::tempdir().unwrap();
    let spec = Spec::parse(&text, "gpu.toml", "gpu").unwrap();
    let gpu_here = cfg!(feature = "gpu") && rustmf::kernels::PTX.iter().len() > 0 && has_gpu();
    if gpu_here {
        eprintln!("a GPU is present: the skip path is not exercised here");
        return;
    }
    let opts = RunOptions::new(out.path(), rustmf::kernels::PTX, "gpu");
    let s = experiment::run(&spec, &text, &opts).unwrap();
    assert_eq!((s.cases, s.measured, s.skipped, s.failed), (2, 0, 2, 0));
    let file = ResultsFile::load(&s.dir).unwrap();
    for r in &file.records {
        assert_eq!(r.status, Status::Skipped);
        assert!(r.reason.as_deref().unwrap().starts_with("needs a GPU"), "{:?}", r.reason);
        assert!(r.summary.is_none() && r.samples_s.is_empty());
    }
    let md = experiment::report(&s.dir, None).unwrap().markdown;
    assert!(md.contains("| skipped | needs a GPU"), "{md}");
    assert!(md.contains("no measured case matches; not drawn"), "{md}");
}

#[cfg(feature = "gpu")]
fn has_gpu() -> bool {
    rustmf::gpu::devices().is_ok_and(|d| !d.is_empty())
}

#[cfg(not(feature = "gpu"))]
fn has_gpu() -> bool {
    false
}

#[test]
fn malformed_specs_name_the_line() {
    let err = |text: &str| format!("{:#}", Spec::parse(text, "bad.toml", "bad").unwrap_err());
    // An unknown key (line 13 of TINY is `factors = [4, 8]`).
    let bad_key = TINY.replace("factors = [4, 8]", "factor = [4, 8]");
    let e = err(&bad_key);
    assert!(e.contains("bad.toml") && e.contains("line 13") && e.contains("unknown field `factor`"), "{e}");
    // A wrong type.
    let e = err(&TINY.replace("factors = [4, 8]", "factors = \"many\""));
    assert!(e.contains("line 13") && e.contains("invalid"), "{e}");
    let e = err(&TINY.replace("repeats = 2", "repeats = \"two\""));
    assert!(e.contains("line 3"), "{e}");
    // An unknown value.
    let e = err(&TINY.replace("\"cholesky\", \"cg\"", "\"cholesky\", \"qr\""));
    assert!(e.contains("line 14") && e.contains("unknown solver \"qr\""), "{e}");
    // A name that refers to nothing.
    let e = err(&TINY.replace("threads = 1", "threads = 1\ndatasets = \"netflix\""));
    assert!(e.contains("no dataset named \"netflix\"") && e.contains("line 16"), "{e}");
    // Not TOML at all.
    let e = err("name = \n");
    assert!(e.contains("line 1"), "{e}");
}

#[test]
fn compare_flags_an_injected_regression() {
    let out = tempfile::tempdir().unwrap();
    let a = run(TINY, out.path(), None).dir;
    let b = out.path().join("b");
    std::fs::create_dir_all(&b).unwrap();
    let mut file = ResultsFile::load(&a).unwrap();
    let slow = file.records[1].id.clone();
    {
        // Slower than A's slowest sample by A's whole range and more, however noisy the timing.
        let r = &mut file.records[1];
        let m = r.summary.as_mut().unwrap();
        let shift = 2.0 * m.max_s;
        r.samples_s.iter_mut().for_each(|s| *s += shift);
        (m.median_s, m.min_s, m.max_s) = (m.median_s + shift, m.min_s + shift, m.max_s + shift);
    }
    file.save(&b).unwrap();
    let same = experiment::compare(&a, &a, 0.05).unwrap();
    assert_eq!((same.rows.len(), same.regressions()), (4, 0));
    let c = experiment::compare(&a, &b, 0.05).unwrap();
    assert_eq!(c.regressions(), 1, "{}", c.table());
    let flagged: Vec<&str> =
        c.rows.iter().filter(|r| r.verdict == Verdict::Regression).map(|r| r.id.as_str()).collect();
    assert_eq!(flagged, [slow.as_str()]);
    assert!(c.table().contains("REGRESSION"));
    // The command exits non-zero with --fail-on-regression, zero without.
    let cli = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_rustmf"))
            .args(["experiment", "compare"])
            .arg(&a)
            .arg(&b)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = cli(&["--fail-on-regression"]);
    assert!(!o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).contains("REGRESSION"));
    assert!(cli(&[]).status.success());
}

#[test]
fn the_committed_specs_parse_into_their_grids() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/experiments");
    let smoke = Spec::load(&root.join("cpu-smoke.toml")).unwrap();
    let cases = experiment::expand(&smoke);
    assert_eq!(cases.iter().filter(|c| c.kind == "train").count(), 4);
    assert!(cases.iter().all(|c| !c.work.needs_gpu()));
    assert_eq!(smoke.figures.len(), 2);

    let h = Spec::load(&root.join("hermitian-versions.toml")).unwrap();
    let cases = experiment::expand(&h);
    let versions: Vec<Hermitian> = Hermitian::all().collect();
    for f in ["64", "100"] {
        for v in &versions {
            let id = format!("hermitian: dataset=netflix feedback=explicit f={f} lambda=0.05 version={v}");
            assert!(cases.iter().any(|c| c.id == id), "missing {id}");
        }
    }
    assert_eq!(cases.len(), 2 * versions.len() + 2 * 2);
    assert!(cases.iter().all(|c| c.work.needs_gpu()));
}

#[test]
fn quick_runs_one_small_case_per_figure_into_its_own_folder() {
    let text = TINY.replace("repeats = 2", "repeats = 5");
    let out = tempfile::tempdir().unwrap();
    let spec = Spec::parse(&text, "tiny.toml", "tiny").unwrap();
    let mut opts = RunOptions::new(out.path(), rustmf::kernels::PTX, "tiny.toml");
    opts.quick = true;
    let q = experiment::run(&spec, &text, &opts).unwrap();
    // Both figures draw train cases: the first one serves both.
    assert_eq!((q.cases, q.measured, q.failed), (1, 1, 0));
    assert!(q.dir.starts_with(out.path().join("tiny-quick")), "{}", q.dir.display());
    let file = ResultsFile::load(&q.dir).unwrap();
    assert_eq!(
        file.records[0].id,
        "train: dataset=demo device=cpu feedback=explicit f=4 lambda=0.05 solver=cholesky threads=1"
    );
    assert_eq!(file.records[0].samples_s.len(), experiment::spec::QUICK_REPEATS);
    // Resumable like a full run; and a full run does not take the quick case for measured.
    assert_eq!(experiment::run(&spec, &text, &opts).unwrap().already, 1);
    opts.quick = false;
    let full = experiment::run(&spec, &text, &opts).unwrap();
    assert_eq!((full.measured, full.already), (4, 0));
    // A figure per kind: a figure limited by `where` picks its own first case.
    let two = text.replace("name = \"over-f\"", "name = \"over-f\"\ncases = \"train\"\nwhere = { solver = \"cg3\" }");
    let spec = Spec::parse(&two, "tiny.toml", "tiny").unwrap();
    let q = spec.quick();
    let ids: Vec<String> = experiment::quick(&q, &experiment::expand(&q)).into_iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids[1].contains("f=4") && ids[1].contains("solver=cg3"), "{ids:?}");
}

/// Implicit training on the tiny set and a small inference shape, with every peer.
const PEERS: &str = r#"
name = "peers"
repeats = 2
warmup = 1

[[dataset]]
name = "demo"
preset = "demo"
scale = 0.05

[train]
feedback = "implicit"
factors = 4
solver = ["cholesky", "cg"]
threads = 1

[infer]
backends = "cpu1"
users = 50
items = 200
factors = 8
batch = 4
k = 5

[peers]
run = ["implicit-cpu", "implicit-gpu", "torch-topk"]
"#;

fn python_imports(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn peers_without_their_libraries_are_recorded_as_skipped_never_measured() {
    let spec = Spec::parse(PEERS, "peers.toml", "peers").unwrap();
    let peer_ids: Vec<String> =
        experiment::expand(&spec).into_iter().filter(|c| c.dims.contains_key("peer")).map(|c| c.id).collect();
    assert_eq!(peer_ids.len(), 4, "{peer_ids:?}"); // implicit-cpu cholesky + cg3, implicit-gpu, torch-topk
    let cg = "train: peer=implicit-cpu dataset=demo device=cpu feedback=implicit f=4 lambda=0.1 alpha=1 \
              solver=cg3 threads=1";
    assert!(peer_ids.iter().any(|id| id == cg), "{peer_ids:?}");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers.py");
    let skipped = |python: &str, script: &Path| {
        let out = tempfile::tempdir().unwrap();
        let mut opts = RunOptions::new(out.path(), rustmf::kernels::PTX, "peers.toml");
        opts.only = Some("peer=".into());
        opts.peers.python = python.into();
        opts.peers.script = script.into();
        let s = experiment::run(&spec, PEERS, &opts).unwrap();
        assert_eq!((s.cases, s.measured, s.failed), (4, 0, 0));
        let file = ResultsFile::load(&s.dir).unwrap();
        file.records
            .iter()
            .map(|r| {
                assert_eq!(r.status, Status::Skipped, "{}", r.id);
                assert!(r.samples_s.is_empty() && r.summary.is_none(), "{}", r.id);
                r.reason.clone().unwrap()
            })
            .collect::<Vec<String>>()
    };
    for reason in skipped("/nonexistent/python3", &script) {
        assert!(reason.starts_with("no Python interpreter"), "{reason}");
    }
    for reason in skipped("python3", Path::new("/nonexistent/peers.py")) {
        assert!(reason.contains("side-car") && reason.contains("is not there"), "{reason}");
    }
    if python_imports("implicit") || python_imports("torch") || !python_imports("json") {
        eprintln!("implicit or torch is installed here (or no python3): the real side-car's skip is not exercised");
        return;
    }
    for reason in skipped("python3", &script) {
        assert!(reason.contains("not importable"), "{reason}");
    }
}

#[test]
fn the_reproduction_specs_parse_expand_and_have_a_quick_subset() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/experiments");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    names.sort();
    for want in [
        "cumf-fig4-hermitian-phases",
        "cumf-fig5-solvers",
        "cumf-fig6-rmse-vs-time",
        "cumf-fig7a-hermitian-flops",
        "cumf-fig7b-cg-bandwidth",
        "cumf-v-f-implicit",
        "lfm1b-training",
        "lfm1b-inference",
    ] {
        assert!(names.iter().any(|p| p.file_stem().unwrap() == want), "missing {want}.toml");
    }
    for path in &names {
        let spec = Spec::load(path).unwrap();
        let cases = experiment::expand(&spec);
        assert!(!cases.is_empty(), "{}", path.display());
        assert!(!spec.figures.is_empty(), "{}: no figure", path.display());
        let q = spec.quick();
        let quick = experiment::quick(&q, &experiment::expand(&q));
        assert!(
            !quick.is_empty() && quick.len() <= spec.figures.len() + 4,
            "{}: {} quick cases",
            path.display(),
            quick.len()
        );
        assert!(quick.iter().all(|c| !c.dims.contains_key("peer")), "{}", path.display());
    }
    let load = |n: &str| experiment::expand(&Spec::load(&root.join(format!("{n}.toml"))).unwrap());

    // Fig. 5: 3 datasets × (LU, CG fp32, CG fp16, Cholesky, cuBLAS LU, matrix-free CG), Table II λ.
    let fig5 = load("cumf-fig5-solvers");
    assert_eq!(fig5.len(), 18);
    for (ds, lambda) in [("netflix", "0.05"), ("yahoo", "1.4"), ("hugewiki", "0.05")] {
        let of: Vec<_> = fig5.iter().filter(|c| c.dims["dataset"] == ds).collect();
        assert_eq!(of.len(), 6, "{ds}");
        assert!(of.iter().all(|c| c.dims["lambda"] == lambda && c.dims["f"] == "100" && c.repeats == 10), "{ds}");
        assert_eq!(of.iter().filter(|c| c.dims["fp16"] == "true").count(), 1, "{ds}");
    }
    // Fig. 4: v3 and v4 alone and the three stagings' phases; Fig. 7a: every version;
    // Fig. 7b: 2 precisions × 2 step counts.
    let fig4 = load("cumf-fig4-hermitian-phases");
    assert_eq!(fig4.len(), 2 + 3);
    let stagings: Vec<&str> = fig4.iter().filter_map(|c| c.dims.get("staging").map(String::as_str)).collect();
    assert_eq!(stagings, ["coal", "nonCoal-L1", "nonCoal-noL1"]);
    assert_eq!(load("cumf-fig7a-hermitian-flops").len(), Hermitian::all().count());
    assert_eq!(load("cumf-fig7b-cg-bandwidth").len(), 4);
    // §V-F: rustmf GPU (2 solvers) and CPU (2 solvers), implicit GPU (1) and CPU (2).
    let vf = load("cumf-v-f-implicit");
    assert_eq!(vf.len(), 7);
    assert_eq!(vf.iter().filter(|c| c.dims.contains_key("peer")).count(), 3);
    // LFM-1b: CPU 1 and all threads.
    let train = load("lfm1b-training");
    assert!(train.iter().any(|c| c.dims.get("threads").is_some_and(|t| t == "1")));
    // 7 scorers × 3 batches + PyTorch × 3, and the load simulator: 3 GPU scorers × 6 rates.
    let inference = load("lfm1b-inference");
    assert_eq!(inference.len(), 7 * 3 + 3 + 3 * 6);
    assert_eq!(inference.iter().filter(|c| c.kind == "serve" && c.work.needs_gpu()).count(), 18);
    // Fig. 6: 3 datasets × (CG fp16, CG fp32, Cholesky, matrix-free CG), each with a held-out tenth.
    let fig6 = load("cumf-fig6-rmse-vs-time");
    assert_eq!(fig6.len(), 12);
    assert!(fig6.iter().all(|c| c.dims["test_fraction"] == "0.1"));
}
