//! Running the built `rustmf` binary in a folder, for the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_rustmf");

/// The MovieLens-style CSV with string ids (`userId,movieId,rating,timestamp`).
pub fn ratings_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workflow/ratings.csv")
}

pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(dir).env("RAYON_NUM_THREADS", "2");
    c
}

/// Run `rustmf args…` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("running rustmf")
}

/// Run `rustmf args…` in `dir`, expecting success; returns stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "rustmf {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Run `rustmf args…` in `dir`, expecting failure; returns stderr.
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(!out.status.success(), "rustmf {args:?} should have failed:\n{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).unwrap()
}

/// Convert the fixture CSV and split it by time into `train.st` and `test.st` in `dir`.
pub fn converted_and_split(dir: &Path) {
    let csv = ratings_csv();
    let csv = csv.to_str().unwrap();
    ok(
        dir,
        &[
            "data",
            "convert",
            csv,
            "--format",
            "triplets",
            "--header",
            "--string-ids",
            "--time-col",
            "3",
            "-o",
            "ratings.st",
        ],
    );
    ok(
        dir,
        &[
            "data",
            "split",
            "ratings.st",
            "--by",
            "time",
            "--fraction",
            "0.2",
            "--train",
            "train.st",
            "--test",
            "test.st",
        ],
    );
}
