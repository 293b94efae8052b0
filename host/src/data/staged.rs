//! A file written in full under a temporary name next to its destination, and renamed into place
//! only when the caller commits it; dropped uncommitted, the temporary file is removed. Several
//! staged files committed together leave either all outputs or none when writing one fails.

use super::DataError;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl Staged {
    /// Write `path`'s content to a temporary file in the same folder, synced to disk.
    pub fn write(
        path: &Path,
        write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
    ) -> Result<Staged, DataError> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let staged = Staged {
            tmp: dir.join(format!(".{name}.{}.tmp", std::process::id())),
            path: path.into(),
            committed: false,
        };
        let result = (|| {
            let file = std::fs::File::create(&staged.tmp)?;
            let mut w = std::io::BufWriter::with_capacity(8 << 20, &file);
            write(&mut w)?;
            w.flush()?;
            drop(w);
            file.sync_all()
        })();
        result.map_err(DataError::io(path))?;
        Ok(staged)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rename the temporary file over the destination.
    pub fn commit(mut self) -> Result<(), DataError> {
        std::fs::rename(&self.tmp, &self.path).map_err(DataError::io(&self.path))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
