//! Checks made before a command writes anything: an output may not be one of its inputs (the
//! same file after resolving links, or the same inode), nor another of its outputs.

use anyhow::Result;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Refuse `output` (given as option `what`) when it is the same file as one of `others`, each
/// named by what it is ("the input", "--train").
pub fn refuse_overwriting(what: &str, output: &Path, others: &[(&str, &Path)]) -> Result<()> {
    if let Some((name, other)) = others.iter().find(|(_, p)| same_file(output, p)) {
        anyhow::bail!(
            "{what} {} is the same file as {name} {}: choose another output",
            output.display(),
            other.display()
        );
    }
    Ok(())
}

/// Whether `a` and `b` name one file: the same device and inode when both exist, else the same
/// path once the folders are resolved.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        (Err(_), Err(_)) => resolved(a).is_some_and(|p| Some(p) == resolved(b)),
        _ => false,
    }
}

fn resolved(path: &Path) -> Option<PathBuf> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Some(dir.canonicalize().ok()?.join(path.file_name()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_by_any_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("x.csv");
        std::fs::write(&input, "1,2,3\n").unwrap();
        let dotted = dir.path().join(".").join("x.csv");
        let e = refuse_overwriting("-o", &dotted, &[("the input", &input)]).unwrap_err().to_string();
        assert!(e.contains("is the same file as the input"), "{e}");
        let link = dir.path().join("link.csv");
        std::fs::hard_link(&input, &link).unwrap();
        assert!(refuse_overwriting("-o", &link, &[("the input", &input)]).is_err());
        assert!(refuse_overwriting("-o", &dir.path().join("y.st"), &[("the input", &input)]).is_ok());
        let (a, b) = (dir.path().join("new.st"), dir.path().join(".").join("new.st"));
        assert!(refuse_overwriting("--test", &b, &[("--train", &a)]).is_err());
    }
}
