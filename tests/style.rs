//! Style gate (CPU-only): no line of a tracked `.rs` file is longer than [`MAX_CHARS`] characters
//! (`rustfmt.toml`'s `max_width`, which rustfmt cannot enforce on comments, string literals and
//! macro invocations). Lines that cannot be split without risk are listed in [`EXEMPT`], each with
//! its reason.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The longest line allowed, in characters (not bytes: `×`, `θ` and `≤` count as one).
const MAX_CHARS: usize = 120;

/// Lines allowed to be longer: (file, a piece of the line's text, why). Matched by text rather than
/// line number, so that edits above a line do not move its exemption; a stale entry fails the test.
const EXEMPT: &[(&str, &str, &str)] = &[
    // kernels-rs: only comments change there unless the PTX is rebuilt and compared; these are code.
    ("kernels-rs/src/hermitian/mod.rs", "($($number:literal $module:ident", KERNEL_CODE),
    ("kernels-rs/src/hermitian/v3_tiled.rs", "hermitian_kernels!(3,", KERNEL_CODE),
    ("kernels-rs/src/hermitian/v4_cached.rs", "hermitian_kernels!(4,", KERNEL_CODE),
    ("kernels-rs/src/hermitian/v5_pipelined.rs", "hermitian_kernels!(5,", KERNEL_CODE),
    ("kernels-rs/src/hermitian/v6_tensor.rs", "hermitian_kernels!(6,", KERNEL_CODE),
    ("kernels-rs/src/hermitian/v7_balanced.rs", "hermitian_kernels!(7,", KERNEL_CODE),
    ("kernels-rs/src/hermitian/v8_split.rs", "hermitian_kernels!(8,", KERNEL_CODE),
    ("kernels-rs/src/hermitian/v9_wgmma.rs", "hermitian_kernels!(9,", KERNEL_CODE),
    ("kernels-rs/src/prelude/atomic.rs", "asm!(\"atom.shared.add.u32", KERNEL_CODE),
    ("kernels-rs/src/prelude/atomic.rs", "asm!(\"atom.global.add.u32", KERNEL_CODE),
    ("kernels-rs/src/prelude/math.rs", "asm!(\"max.NaN.f32", KERNEL_CODE),
    // Several template strings in one asm! are joined with newlines: splitting one changes the PTX.
    ("kernels-rs/src/prelude/mma.rs", "\"mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32", ASM_TEMPLATE),
    ("kernels-rs/src/prelude/wgmma.rs", "asm!(concat!(\"wgmma.fence.sync.aligned;", ASM_TEMPLATE),
    ("kernels-rs/src/prelude/wgmma.rs", "asm!(concat!(\"wgmma.wait_group.sync.aligned", ASM_TEMPLATE),
    ("kernels-rs/src/prelude/wgmma.rs", "concat!(\"wgmma.mma_async.sync.aligned.\"", ASM_TEMPLATE),
    ("kernels-rs/src/prelude/wgmma.rs", "32 => \"m64n64k8\": [", OPERAND_LIST),
    ("kernels-rs/src/prelude/wgmma.rs", "36 => \"m64n72k8\": [", OPERAND_LIST),
    ("kernels-rs/src/prelude/wgmma.rs", "52 => \"m64n104k8\": [", OPERAND_LIST),
    ("kernels-rs/src/prelude/wgmma.rs", "68 => \"m64n136k8\": [", OPERAND_LIST),
    // The get_hermitian version list: one line per version is the form contributors add (README).
    ("kernels-abi/src/hermitian.rs", "1 v1_global Rows Global Every fp32", VERSION_LINE),
    ("kernels-abi/src/hermitian.rs", "7 v7_balanced Ordered Balanced Every fp16", VERSION_LINE),
];

const KERNEL_CODE: &str = "kernel code in kernels-rs: issue 17 changes only comments there (PTX byte-identical)";
const ASM_TEMPLATE: &str = "one PTX instruction template; a split asm! template string becomes two PTX lines";
const OPERAND_LIST: &str = "the accumulator operands of one wgmma shape, one line per shape (kernel code)";
const VERSION_LINE: &str =
    "one line per get_hermitian version in hermitian_versions! (README: Adding a kernel version)";

/// The lines of `source` longer than `max` characters that no exemption for `file` covers, as
/// (line number, length), and the exemptions for `file` that matched no long line. Table rows
/// that `rustmf experiment quote` writes between its markers are not checked (it wraps prose).
fn long_lines<'a>(
    file: &str,
    source: &str,
    max: usize,
    exempt: &'a [(&'a str, &'a str, &'a str)],
) -> (Vec<(usize, usize)>, Vec<&'a str>) {
    let mine: Vec<&(&str, &str, &str)> = exempt.iter().filter(|(f, _, _)| *f == file).collect();
    let mut used = vec![false; mine.len()];
    let mut long = Vec::new();
    let mut quoted = false;
    for (number, line) in source.lines().enumerate() {
        // Tables quoted from results by `rustmf experiment quote` are generated, not written.
        if line.contains("<!-- experiment-table: ") || line.contains("<!-- end experiment-table -->") {
            quoted = line.contains("<!-- experiment-table: ");
            continue;
        }
        let chars = line.chars().count();
        if chars <= max || (quoted && line.trim_start().starts_with("//! |")) {
            continue;
        }
        match mine.iter().position(|(_, piece, _)| line.contains(piece)) {
            Some(k) => used[k] = true,
            None => long.push((number + 1, chars)),
        }
    }
    let stale = mine.iter().zip(used).filter(|(_, u)| !u).map(|((_, piece, _), _)| *piece).collect();
    (long, stale)
}

/// The tracked `.rs` files of the repository (`git ls-files`), or, where git is not available,
/// every `.rs` file outside `target/` directories and `.git`.
fn rust_files(root: &Path) -> Vec<PathBuf> {
    let git = Command::new("git").arg("-C").arg(root).args(["ls-files", "-z", "--", "*.rs"]).output();
    if let Ok(out) = git {
        if out.status.success() && !out.stdout.is_empty() {
            return out
                .stdout
                .split(|&b| b == 0)
                .filter(|p| !p.is_empty())
                .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
                .filter(|p| root.join(p).is_file())
                .collect();
        }
    }
    let mut files = Vec::new();
    walk(root, root, &mut files);
    files.sort();
    files
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != ".git" && name != "bundle" {
                walk(root, &path, files);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
}

#[test]
fn no_rust_line_is_longer_than_120_characters() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = rust_files(root);
    assert!(files.iter().any(|f| f.ends_with("src/main.rs")), "found no Rust sources under {}", root.display());
    let mut problems = Vec::new();
    for file in &files {
        let name = file.to_string_lossy().replace('\\', "/");
        let source = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (long, stale) = long_lines(&name, &source, MAX_CHARS, EXEMPT);
        for (line, chars) in long {
            problems.push(format!("{name}:{line}: {chars} characters"));
        }
        for piece in stale {
            problems.push(format!("{name}: exemption for {piece:?} matches no line over {MAX_CHARS} characters"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s); rewrap comments or split string literals (see tests/style.rs):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_exemption_names_a_tracked_file_and_a_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, piece, reason) in EXEMPT {
        assert!(root.join(file).is_file(), "exempt file {file} does not exist");
        assert!(!piece.is_empty() && !reason.is_empty(), "exemption in {file} needs a piece of text and a reason");
    }
}

#[test]
fn the_check_finds_a_planted_long_line() {
    let long = format!("// {}", "x".repeat(MAX_CHARS - 3 + 1));
    let exactly = format!("// {}", "é".repeat(MAX_CHARS - 3));
    let source = format!("fn a() {{}}\n{long}\n{exactly}\n\nlet s = \"{}\";\n", "y".repeat(MAX_CHARS));
    let (found, stale) = long_lines("planted.rs", &source, MAX_CHARS, &[]);
    // Line 2 is one over; line 3 is exactly the limit in characters (twice that in bytes).
    assert_eq!(found, vec![(2, MAX_CHARS + 1), (5, MAX_CHARS + 11)]);
    assert!(stale.is_empty());

    let exempt = [("planted.rs", "let s = ", "a planted exemption"), ("planted.rs", "never", "stale")];
    let (found, stale) = long_lines("planted.rs", &source, MAX_CHARS, &exempt);
    assert_eq!(found, vec![(2, MAX_CHARS + 1)]);
    assert_eq!(stale, vec!["never"]);
    let (found, _) = long_lines("other.rs", &source, MAX_CHARS, &exempt);
    assert_eq!(found.len(), 2, "an exemption covers only its own file");
}
