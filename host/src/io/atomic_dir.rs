//! Writing a folder as a whole. The new contents go into a sibling `.NAME.tmp-PID`, every file and
//! the folder are synced, and then the folder takes the place of `NAME`:
//!
//! * `NAME` absent: one `rename`.
//! * `NAME` present (Linux): `renameat2(RENAME_EXCHANGE)` swaps the two folders in one atomic step,
//!   so `NAME` is at every instant either the complete old or the complete new folder; the old one,
//!   now at `.NAME.tmp-PID`, is deleted.
//! * `NAME` present, where the exchange is unsupported: `NAME` is renamed to `.NAME.old-PID`, the
//!   new folder into place, and the old one deleted. A kill between the two renames leaves no
//!   `NAME`, and the complete old folder at `.NAME.old-PID` (which the next write removes).
//!
//! Leftover `.NAME.tmp-PID` / `.NAME.old-PID` folders of processes that no longer run are never
//! read, and are removed by the next write of `NAME`. A folder `NAME` that exists without
//! `manifest.json` is not replaced (this code did not write it).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::manifest::MANIFEST;

/// Write `dir` as a whole: `fill` writes the new contents into the (empty) folder it is given.
pub fn write_dir_atomically(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let (parent, name) = parent_and_name(dir)?;
    if dir.exists() {
        anyhow::ensure!(dir.is_dir(), "{} exists and is not a folder; refusing to replace it", dir.display());
        let is_empty = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?.next().is_none();
        anyhow::ensure!(
            is_empty || dir.join(MANIFEST).is_file(),
            "{} exists and is not a folder that rustmf wrote (no {MANIFEST}); refusing to replace it (a model of \
             an older rustmf? remove it or choose another folder)",
            dir.display()
        );
    } else {
        std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    remove_leftovers(&parent, &name)?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let written = fill(&tmp).and_then(|()| sync_dir(&tmp));
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        replace(&tmp, dir, &parent, &name)?;
    } else {
        std::fs::rename(&tmp, dir).with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))?;
    }
    sync_dir(&parent)
}

/// Put the complete folder `tmp` in the place of the existing `dir`, and delete the old one.
fn replace(tmp: &Path, dir: &Path, parent: &Path, name: &str) -> Result<()> {
    if exchange(tmp, dir)? {
        sync_dir(parent)?;
        return std::fs::remove_dir_all(tmp).with_context(|| format!("removing the old model {}", tmp.display()));
    }
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    std::fs::rename(dir, &old).with_context(|| format!("renaming {} to {}", dir.display(), old.display()))?;
    std::fs::rename(tmp, dir).with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))?;
    sync_dir(parent)?;
    std::fs::remove_dir_all(&old).with_context(|| format!("removing the old model {}", old.display()))
}

/// Swap `a` and `b` atomically; `Ok(false)` where the system or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
        Err(e) => {
            Err(std::io::Error::from(e)).with_context(|| format!("exchanging {} and {}", a.display(), b.display()))
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> Result<bool> {
    Ok(false)
}

fn parent_and_name(dir: &Path) -> Result<(PathBuf, String)> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{}: a model folder needs a plain UTF-8 name", dir.display()))?
        .to_string();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// Remove `.NAME.tmp-PID` and `.NAME.old-PID` folders in `parent` whose process has ended.
fn remove_leftovers(parent: &Path, name: &str) -> Result<()> {
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-")];
    for entry in std::fs::read_dir(parent).with_context(|| format!("reading {}", parent.display()))? {
        let entry = entry.with_context(|| format!("reading {}", parent.display()))?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let Some(pid) = prefixes.iter().find_map(|p| file_name.strip_prefix(p.as_str())) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid == std::process::id() || !process_is_running(pid) {
            let path = entry.path();
            std::fs::remove_dir_all(&path).with_context(|| format!("removing the leftover {}", path.display()))?;
        }
    }
    Ok(())
}

/// Whether process `pid` runs (Linux: `/proc/PID`; elsewhere every leftover counts as ended).
fn process_is_running(pid: u32) -> bool {
    cfg!(target_os = "linux") && Path::new("/proc").join(pid.to_string()).exists()
}

/// Sync every file in `dir`, then `dir` itself.
fn sync_dir(dir: &Path) -> Result<()> {
    let sync = |p: &Path| std::fs::File::open(p).and_then(|f| f.sync_all());
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry.with_context(|| format!("reading {}", dir.display()))?.path();
        if path.is_file() {
            sync(&path).with_context(|| format!("syncing {}", path.display()))?;
        }
    }
    sync(dir).with_context(|| format!("syncing {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> Result<()> {
        write_dir_atomically(dir, |tmp| {
            std::fs::write(tmp.join("a.txt"), text)?;
            std::fs::write(tmp.join(MANIFEST), "{}")?;
            Ok(())
        })
    }

    #[test]
    fn replaces_a_model_and_cleans_up() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("m");
        write(&dir, "old").unwrap();
        std::fs::create_dir(root.path().join(".m.tmp-4294967295")).unwrap();
        write(&dir, "new").unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["m"], "the old model and the dead process's leftover are gone");
        let failed = write_dir_atomically(&dir, |_| anyhow::bail!("disk full"));
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "new");
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_to_replace_other_folders() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("notes.txt"), "mine").unwrap();
        let e = write(root.path(), "x").unwrap_err().to_string();
        assert!(e.contains("not a folder that rustmf wrote"), "{e}");
        let file = root.path().join("notes.txt");
        assert!(write(&file, "x").unwrap_err().to_string().contains("not a folder"));
    }
}
