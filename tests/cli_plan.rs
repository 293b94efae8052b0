//! The README's "What fits where" table is what `rustmf plan` prints for it.

use std::process::Command;

#[test]
fn readme_memory_table_is_current() {
    let args = ["plan", "--preset", "netflix,yahoo,lfm1b,hugewiki", "--factors", "64,100,256", "--solver", "cg-mf,cg"];
    let out = Command::new(env!("CARGO_BIN_EXE_rustmf"))
        .args(args)
        .args(["--markdown", "--gpu-memory", "85e9"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains(&table), "README.md's table differs from `rustmf {}`:\n{table}", args.join(" "));
}

/// `train --plan` prints the run's buffers, the test set's among them, and trains nothing.
#[test]
fn train_plan_prints_the_buffers_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let args = ["train", "--input", "synth:demo", "--device", "gpu", "--test-fraction", "0.1", "--plan", "--out"];
    let out = Command::new(env!("CARGO_BIN_EXE_rustmf")).args(args).arg(&model).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for buffer in ["CSR (users × items)", "item factors", "test matrix", "minimum"] {
        assert!(stdout.contains(buffer), "no {buffer:?} in\n{stdout}");
    }
    assert!(!model.exists(), "--plan trained and wrote a model");
}
