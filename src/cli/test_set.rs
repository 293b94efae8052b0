//! Reading a test set given as a file, in the ids of a model or of the training data.

use std::path::Path;

use anyhow::{Context, Result};
use rustmf_host::data::{cache, remap, IdMap, Interactions};

/// The data cache `path` moved into the index space of `users` × `items` by external ids; entries
/// whose user or item is not there are dropped, with a warning.
pub fn load_test_file(path: &Path, users: (&IdMap, usize), items: (&IdMap, usize)) -> Result<Interactions> {
    let test = cache::load(path).with_context(|| format!("loading the test set {}", path.display()))?.interactions;
    let (test, dropped) = remap(test, users, items).with_context(|| format!("reading {}", path.display()))?;
    if dropped > 0 {
        eprintln!(
            "warning: {dropped} interactions of {} have a user or item the training data does not have; left out",
            path.display()
        );
    }
    anyhow::ensure!(
        test.nnz() > 0,
        "{}: no test interactions with users and items of the training data",
        path.display()
    );
    Ok(test)
}
