//! Every fuzz target's function (`rustmf_host::fuzz`) over its committed corpus
//! (`fuzz/corpus/<target>/`, with the crash reproducers): what the long fuzz runs kept, replayed
//! on every `cargo test` without libFuzzer.

use std::path::Path;

#[test]
fn every_target_has_a_corpus_and_survives_it() {
    for (name, run) in rustmf_host::fuzz::TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut count = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(outcome.is_ok(), "fuzz target {name} panicked on {}", path.display());
            count += 1;
        }
        assert!(count > 0, "{} holds no inputs", dir.display());
    }
}
