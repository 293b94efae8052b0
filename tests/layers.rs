//! The host crate's layers point one way: `train`, `serve`, `bench` → `cpu`, `gpu` → `model`,
//! `infer` → `data`. This reads the sources of the lower layers and fails on any path into a
//! module above them (see the table in `host/src/lib.rs`).

use std::path::{Path, PathBuf};

/// Every module of the host crate, by layer, top first.
const ABOVE_BACKENDS: &[&str] = &["train", "serve", "bench", "io"];
const BACKENDS: &[&str] = &["cpu", "gpu"];
const DEVICE_INDEPENDENT: &[&str] = &["model", "infer"];

/// A lower-layer folder of `host/src` and the modules its code may not name.
fn rules() -> Vec<(&'static str, Vec<&'static str>)> {
    let above_model: Vec<&str> = [ABOVE_BACKENDS, BACKENDS].concat();
    let above_data: Vec<&str> = [ABOVE_BACKENDS, BACKENDS, DEVICE_INDEPENDENT].concat();
    vec![("model", above_model.clone()), ("infer", above_model), ("data", above_data)]
}

/// The forbidden modules that `source` names (comments ignored), as (line number, path):
/// `crate::cpu::…`, `rustmf_host::gpu::…` and the items of groups such as `crate::{data, cpu::Isa}`.
fn forbidden_paths(source: &str, forbidden: &[&str]) -> Vec<(usize, String)> {
    let code: Vec<&str> = source.lines().map(|l| l.split("//").next().unwrap_or("")).collect();
    let text = code.join("\n");
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    for root in ["crate", "rustmf_host"] {
        let prefix = format!("{root}::");
        for (at, _) in text.match_indices(&prefix) {
            if text[..at].chars().next_back().is_some_and(is_ident_char) {
                continue;
            }
            let rest = &text[at + prefix.len()..];
            let named: Vec<(usize, &str)> = match rest.strip_prefix('{') {
                Some(group) => group_heads(group).into_iter().map(|(o, m)| (o + 1, m)).collect(),
                None => vec![(0, ident(rest))],
            };
            for (offset, module) in named {
                if forbidden.contains(&module) {
                    found.push((line_of(at + prefix.len() + offset), format!("{root}::{module}")));
                }
            }
        }
    }
    found.sort();
    found
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn ident(s: &str) -> &str {
    &s[..s.find(|c: char| !is_ident_char(c)).unwrap_or(s.len())]
}

/// The first segment of each item of a `{…}` group (`group` starts after the `{`), with its offset.
fn group_heads(group: &str) -> Vec<(usize, &str)> {
    let (mut heads, mut depth, mut at_item_start) = (Vec::new(), 0usize, true);
    for (i, c) in group.char_indices() {
        if at_item_start && !c.is_whitespace() {
            heads.push((i, ident(&group[i..])));
            at_item_start = false;
        }
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item_start = true,
            _ => {}
        }
    }
    heads
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn lower_layers_name_no_module_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("host/src");
    let mut violations = Vec::new();
    for (layer, forbidden) in rules() {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no sources under host/src/{layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, path) in forbidden_paths(&text, &forbidden) {
                violations.push(format!("{}:{line}: names {path}", file.strip_prefix(&src).unwrap().display()));
            }
        }
    }
    assert!(violations.is_empty(), "layers must point down (host/src/lib.rs):\n{}", violations.join("\n"));
}

#[test]
fn the_scanner_finds_a_planted_path() {
    let model_forbidden = &rules()[0].1;
    let planted =
        "use crate::data::Csr;\nuse crate::cpu::thread_pool;\n    let b = crate::gpu::als::GpuBackend::open(0)?;\n";
    assert_eq!(
        forbidden_paths(planted, model_forbidden),
        vec![(2, "crate::cpu".to_string()), (3, "crate::gpu".to_string())]
    );
    assert_eq!(forbidden_paths("use crate::train::{train, Backend};", model_forbidden).len(), 1);
    assert_eq!(forbidden_paths("use crate::serve::make_scorer;", model_forbidden).len(), 1);
    let data_forbidden = &rules()[2].1;
    assert_eq!(forbidden_paths("use crate::model::Matrix;", data_forbidden), vec![(1, "crate::model".to_string())]);
    assert_eq!(forbidden_paths("    x: rustmf_host::infer::TopK,", data_forbidden).len(), 1);
    let grouped = "use crate::{\n    data::Csr,\n    gpu::{Gpu, GpuError},\n};";
    assert_eq!(forbidden_paths(grouped, model_forbidden), vec![(3, "crate::gpu".to_string())]);
}

#[test]
fn the_scanner_ignores_comments_and_longer_names() {
    let model_forbidden = &rules()[0].1;
    assert!(forbidden_paths("// the CPU backend (crate::cpu) computes these", model_forbidden).is_empty());
    assert!(forbidden_paths("use crate::cpus::Thing; use crate::data::Csr;", model_forbidden).is_empty());
    assert!(forbidden_paths("use crate::model::Side;", model_forbidden).is_empty());
}
