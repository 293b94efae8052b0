//! Bad input through the `rustmf` binary: each gets a clear error (what, where, the value) and a
//! non-zero exit, and leaves no output behind.

use std::path::Path;
use std::process::{Command, Output};

fn rustmf(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rustmf"))
        .args(args)
        .current_dir(dir)
        .env("RUSTMF_MEMORY_LIMIT", "1000000000")
        .output()
        .unwrap()
}

/// The command's stderr; panics if it succeeded.
fn fails(args: &[&str], dir: &Path) -> String {
    let out = rustmf(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "rustmf {args:?} succeeded: {stderr}");
    stderr
}

fn succeeds(args: &[&str], dir: &Path) -> String {
    let out = rustmf(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "rustmf {args:?} failed: {stderr}");
    stderr + &String::from_utf8_lossy(&out.stdout)
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn a_header_asking_for_more_memory_than_there_is_is_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("big.mtx"),
        "%%MatrixMarket matrix coordinate real general\n4000000000 3 1\n1 1 1\n",
    )
    .unwrap();
    let e = fails(&["data", "convert", "--format", "mtx", "big.mtx", "-o", "big.st"], dir.path());
    assert!(e.contains("big.mtx:2: the size line's 4000000000 rows × 3 columns"), "{e}");
    assert!(e.contains("would need 96 GB, only 1 GB of memory is available"), "{e}");
    assert_eq!(files(dir.path()), ["big.mtx"]);
}

#[test]
fn factors_that_cannot_fit_are_refused_before_reading_data() {
    let dir = tempfile::tempdir().unwrap();
    let e = fails(&["train", "--input", "synth:demo", "--factors", "100000", "--threads", "1"], dir.path());
    assert!(e.contains("--factors 100000 with 1 threads would need 160 GB, only 1 GB"), "{e}");
    assert!(!e.contains("input synth:demo"), "the data was loaded first: {e}");
}

#[test]
fn numeric_options_reach_their_rule_even_when_negative() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 11] = [
        (&["train", "--input", "synth:demo", "--lambda", "-1"], "'--lambda <LAMBDA>': must be ≥ 0, got -1"),
        (&["train", "--input", "synth:demo", "--alpha", "inf"], "'--alpha <ALPHA>': must be a finite number, got inf"),
        (&["train", "--input", "synth:demo", "--iterations", "0"], "'--iterations <ITERATIONS>': must be ≥ 1, got 0"),
        (&["train", "--input", "synth:demo", "--test-fraction=-0.1"], "must be in [0, 1), got -0.1"),
        (&["train", "--input", "synth:demo", "--factors", "64,-2"], "'--factors <FACTORS>': must be ≥ 1, got -2"),
        (&["eval", "--model", "m", "--k", "0"], "'--k <K>': must be ≥ 1, got 0"),
        (&["infer-bench", "--repeats", "0"], "'--repeats <REPEATS>': must be ≥ 1, got 0"),
        (&["kernel-bench", "--cg-steps", "-1"], "'--cg-steps <CG_STEPS>': must be ≥ 1, got -1"),
        (&["infer-bench", "--items", "9", "--users", "5", "--user-rows", "nowhere.npy"], "reading nowhere.npy"),
        (&["data", "bench", "--repeats", "0"], "'--repeats <REPEATS>': must be ≥ 1, got 0"),
        (&["data", "synth", "--scale", "-2", "-o", "x.st"], "'--scale <SCALE>': must be > 0, got -2"),
    ];
    for (args, message) in cases {
        let e = fails(args, dir.path());
        assert!(e.contains(message), "rustmf {args:?}: {e}");
    }
}

#[test]
fn negative_implicit_values_are_refused_and_duplicates_are_stated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plays.csv"), "1,10,2\n1,10,3\n2,20,-4\n2,10,1\n").unwrap();
    let log = succeeds(&["data", "convert", "--format", "triplets", "plays.csv", "-o", "plays.st"], dir.path());
    assert!(
        log.contains("warning: sum — 1 entries repeated an earlier (user, item) pair, their values added"),
        "{log}"
    );
    let stats = succeeds(&["data", "stats", "plays.st"], dir.path());
    assert!(stats.contains("duplicates      each (user, item) pair is stored once"), "{stats}");
    assert!(stats.contains("(sum: 1 entries repeated an earlier (user, item) pair, their values added)"), "{stats}");
    let e = fails(&["train", "--input", "plays.st", "--factors", "2", "--iterations", "1"], dir.path());
    assert!(e.contains("plays.st: implicit feedback needs values ≥ 0, but 1 are negative"), "{e}");
    assert!(e.contains("(the first: user 2, item 20, value -4)"), "{e}");
    succeeds(&["train", "--input", "plays.st", "--explicit", "--factors", "2", "--iterations", "1"], dir.path());
}

#[test]
fn outputs_never_overwrite_inputs_and_failures_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "1,10,2\n1,11,3\n2,10,1\n2,11,5\n2,12,1\n";
    std::fs::write(dir.path().join("x.csv"), csv).unwrap();
    let e = fails(&["data", "convert", "--format", "triplets", "x.csv", "-o", "./x.csv"], dir.path());
    assert!(e.contains("--out ./x.csv is the same file as the input x.csv"), "{e}");
    assert_eq!(std::fs::read_to_string(dir.path().join("x.csv")).unwrap(), csv);

    succeeds(&["data", "convert", "--format", "triplets", "x.csv", "-o", "d.st"], dir.path());
    let before = std::fs::read(dir.path().join("d.st")).unwrap();
    let e = fails(&["data", "split", "d.st", "--train", "d.st", "--test", "t.st"], dir.path());
    assert!(e.contains("--train d.st is the same file as the input d.st"), "{e}");
    let e = fails(&["data", "split", "d.st", "--train", "a.st", "--test", "a.st"], dir.path());
    assert!(e.contains("--test a.st is the same file as --train a.st"), "{e}");
    let e = fails(&["data", "split", "d.st", "--train", "a.st", "--test", "missing/b.st"], dir.path());
    assert!(e.contains("missing/b.st"), "{e}");
    assert_eq!(files(dir.path()), ["d.st", "x.csv"]);
    assert_eq!(std::fs::read(dir.path().join("d.st")).unwrap(), before);
}

#[test]
fn a_directory_or_a_missing_file_is_named_once_and_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    let e = fails(&["data", "stats", "folder"], dir.path());
    assert!(e.contains("folder: is a directory, not a file"), "{e}");
    let e = fails(&["train", "--input", "folder"], dir.path());
    assert!(e.contains("folder is a directory"), "{e}");
    let e = fails(&["data", "convert", "--format", "mtx", "folder", "-o", "y.st"], dir.path());
    assert!(e.contains("folder: is a directory, not a file"), "{e}");
    for args in [&["data", "stats", "nowhere.st"][..], &["data", "split", "nowhere.st", "--train", "a", "--test", "b"]]
    {
        let e = fails(args, dir.path());
        assert_eq!(e.matches("nowhere.st").count(), 1, "{e}");
    }
}

/// Without a GPU, a GPU backend fails before the CPU backend's results are written, and the error
/// names flags that exist. (With a GPU the command succeeds and there is nothing to check.)
#[test]
fn a_backend_that_cannot_start_leaves_no_results() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "serve-sim",
        "--backends",
        "cpu1,gpu-fused",
        "--items",
        "100",
        "--users",
        "10",
        "--factors",
        "4",
        "--rates",
        "10",
        "--requests-per-rate",
        "5",
        "--no-plots",
        "--out",
        "sim",
    ];
    let out = rustmf(&args, dir.path());
    if !out.status.success() {
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains("backend gpu-fused (nothing was written)"), "{e}");
        assert!(!e.contains("or use --device cpu"), "{e}");
        assert!(!dir.path().join("sim").exists(), "{e}");
    }
}

/// `rustmf plan` lists the GPU buffers of a preset, says whether they fit, and names a bad preset
/// or scale.
#[test]
fn plan_says_what_fits_and_refuses_unknown_presets() {
    let dir = tempfile::tempdir().unwrap();
    let small = succeeds(&["plan", "--preset", "netflix", "--factors", "100", "--gpu-memory", "85e9"], dir.path());
    assert!(
        small.contains("CSR (users × items)") && small.contains("fits") && !small.contains("does not fit"),
        "{small}"
    );
    let big = succeeds(&["plan", "--preset", "hugewiki", "--factors", "256", "--gpu-memory", "85e9"], dir.path());
    assert!(big.contains("does not fit"), "{big}");
    assert!(fails(&["plan", "--preset", "netflx"], dir.path()).contains("unknown preset \"netflx\""));
    assert!(fails(&["plan", "--preset", "netflix:-1"], dir.path()).contains("scale must be positive"));
}
