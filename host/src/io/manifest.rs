//! `manifest.json`: the SHA-256 and size of every file of a model folder, written last and checked
//! on every load. In Python: `hashlib.sha256(open(path, "rb").read()).hexdigest()`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "rustmf-model-manifest";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub algorithm: String,
    pub files: BTreeMap<String, FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub sha256: String,
    pub bytes: u64,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes files into a folder and records each one for the manifest.
pub struct ManifestWriter {
    dir: PathBuf,
    manifest: Manifest,
}

impl ManifestWriter {
    pub fn new(dir: &Path) -> Self {
        let manifest = Manifest { format: FORMAT.into(), algorithm: "sha256".into(), files: BTreeMap::new() };
        ManifestWriter { dir: dir.to_path_buf(), manifest }
    }

    /// Write `dir/name` (synced to disk) and record its checksum.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        write_synced(&self.dir.join(name), bytes)?;
        let entry = FileEntry { sha256: sha256_hex(bytes), bytes: bytes.len() as u64 };
        self.manifest.files.insert(name.to_string(), entry);
        Ok(())
    }

    /// Write `manifest.json` (the last file of the folder).
    pub fn finish(self) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.manifest)?;
        write_synced(&self.dir.join(MANIFEST), text.as_bytes())
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).with_context(|| format!("writing {}", path.display()))
}

/// The files of the model folder `dir`, each read and checked against the manifest: a missing
/// manifest, a file it lists that is missing, or a size or checksum that differs is an error
/// naming the file.
pub fn read_verified(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!("reading {} (is {} a model folder written by `rustmf train --out`?)", path.display(), dir.display())
    })?;
    let manifest: Manifest = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    anyhow::ensure!(
        manifest.format == FORMAT && manifest.algorithm == "sha256",
        "{}: format {:?} with {:?}, expected {FORMAT:?} with sha256",
        path.display(),
        manifest.format,
        manifest.algorithm
    );
    let mut files = BTreeMap::new();
    for (name, entry) in &manifest.files {
        anyhow::ensure!(
            !name.is_empty() && !name.contains(['/', '\\']) && name != ".." && name != MANIFEST,
            "{}: bad file name {name:?}",
            path.display()
        );
        let file = dir.join(name);
        let bytes =
            std::fs::read(&file).with_context(|| format!("reading {} (listed in the manifest)", file.display()))?;
        anyhow::ensure!(
            bytes.len() as u64 == entry.bytes,
            "{}: {} bytes, the manifest says {}: the file is damaged or was changed after it was written",
            file.display(),
            bytes.len(),
            entry.bytes
        );
        let found = sha256_hex(&bytes);
        anyhow::ensure!(
            found == entry.sha256,
            "{}: SHA-256 {found} does not match the manifest's {}: the file is damaged or was changed after it \
             was written",
            file.display(),
            entry.sha256
        );
        files.insert(name.clone(), bytes);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_changed_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = ManifestWriter::new(dir.path());
        w.add("a.bin", b"hello").unwrap();
        w.add("b.bin", b"world").unwrap();
        w.finish().unwrap();
        assert_eq!(read_verified(dir.path()).unwrap()["b.bin"], b"world");
        std::fs::write(dir.path().join("b.bin"), b"worle").unwrap();
        let e = format!("{:#}", read_verified(dir.path()).unwrap_err());
        assert!(e.contains("b.bin") && e.contains("SHA-256"), "{e}");
        std::fs::remove_file(dir.path().join("a.bin")).unwrap();
        let e = format!("{:#}", read_verified(dir.path()).unwrap_err());
        assert!(e.contains("a.bin"), "{e}");
    }
}
