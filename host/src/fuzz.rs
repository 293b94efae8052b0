//! What the fuzz targets (`fuzz/`) run: every reader of untrusted bytes, each as a function of
//! arbitrary bytes. `tests/fuzz_corpus.rs` runs the same functions over the committed corpus, so
//! that `cargo test` replays every input the fuzzers kept. A reader may refuse its input (an
//! error is an answer); a panic, an abort, a hang or an allocation past the memory check is a bug.
//! The loaders read files: the bytes go to a scratch file of the calling thread first.

use crate::data::load::{self, Format, IdKind, LfmLevel, LoadOptions, TripletsSpec};
use crate::data::{cache, memory, Dataset};
use std::path::{Path, PathBuf};

/// Memory the checks allow a fuzzed reader (libFuzzer's default limit is 2 GB).
const FUZZ_MEMORY: u64 = 512 << 20;

/// A fuzz target's function.
pub type Target = fn(&[u8]);

/// Every target: its name (the `fuzz/fuzz_targets/<name>.rs` file and `fuzz/corpus/<name>/`) and
/// its function.
pub const TARGETS: [(&str, Target); 9] = [
    ("movielens", movielens),
    ("netflix", netflix),
    ("yahoo", yahoo),
    ("lfm1b", lfm1b),
    ("triplets", triplets),
    ("mtx", mtx),
    ("cache", data_cache),
    ("npy", npy),
    ("factors_safetensors", factors_safetensors),
];

pub fn movielens(bytes: &[u8]) {
    load_as(&Format::MovieLens, bytes);
}

pub fn netflix(bytes: &[u8]) {
    load_as(&Format::Netflix, bytes);
}

pub fn yahoo(bytes: &[u8]) {
    load_as(&Format::Yahoo, bytes);
}

pub fn lfm1b(bytes: &[u8]) {
    load_as(&Format::Lfm1b { level: LfmLevel::Track }, bytes);
}

pub fn mtx(bytes: &[u8]) {
    load_as(&Format::MatrixMarket, bytes);
}

/// The first byte chooses the spec (delimiter, header, id kind, value and time columns), the rest
/// is the file.
pub fn triplets(bytes: &[u8]) {
    let Some((&spec, file)) = bytes.split_first() else { return };
    let delimiter = [Some(","), Some("\t"), None, Some("::")][(spec & 3) as usize].map(str::to_string);
    let spec = TripletsSpec {
        delimiter,
        header: spec & 4 != 0,
        user_col: 0,
        item_col: 1,
        value_col: (spec & 8 == 0).then_some(2),
        time_col: (spec & 16 != 0).then_some(3),
        ids: if spec & 32 != 0 { IdKind::String } else { IdKind::Integer },
        comment: (spec & 64 != 0).then(|| "#".to_string()),
    };
    load_as(&Format::Triplets(spec), file);
}

pub fn data_cache(bytes: &[u8]) {
    with_scratch(bytes, |path| {
        if let Ok(info) = cache::info(path) {
            assert_eq!(info.file_bytes, bytes.len() as u64);
        }
        if let Ok(d) = cache::load(path) {
            check(&d);
        }
    });
}

pub fn npy(bytes: &[u8]) {
    if let Ok(m) = crate::io::parse_npy(bytes) {
        assert_eq!(m.data.len(), m.rows * m.cols);
    }
}

pub fn factors_safetensors(bytes: &[u8]) {
    if let Ok(f) = crate::io::parse_safetensors(bytes) {
        assert_eq!(f.users.cols, f.items.cols);
    }
}

fn load_as(format: &Format, bytes: &[u8]) {
    with_scratch(bytes, |path| {
        for skip_bad_lines in [false, true] {
            let options = LoadOptions { skip_bad_lines, duplicates: None, progress: false };
            if let Ok(loaded) = load::load(format, path, &options) {
                check(&loaded.dataset);
                assert!(loaded.report.entries >= loaded.dataset.interactions.nnz() as u64);
            }
        }
    });
}

/// What every loaded dataset satisfies: CSC is the CSR matrix transposed, timestamps align.
fn check(d: &Dataset) {
    let x = &d.interactions;
    assert_eq!(x.csr.to_csc(), x.csc);
    assert!(d.times.as_ref().is_none_or(|t| t.len() == x.nnz()));
}

/// Run `read` on a scratch file of the calling thread holding `bytes`, then remove the file.
fn with_scratch(bytes: &[u8], read: impl FnOnce(&Path)) {
    memory::cap(FUZZ_MEMORY);
    let dir = if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let thread = format!("{:?}", std::thread::current().id()).replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let path = dir.join(format!("rustmf-fuzz-{}-{thread}", std::process::id()));
    std::fs::write(&path, bytes).expect("writing the fuzz scratch file");
    read(&path);
    let _ = std::fs::remove_file(&path);
}
