//! The README's "What fits where" table is what `rustmf plan` prints for it.

use std::process::Command;

#[test]
fn readme_memory_table_is_current() {
    let args = ["plan", "--preset", "netflix,yahoo,lfm1b,hugewiki", "--factors", "64,100,256"];
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
