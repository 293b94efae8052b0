//! Opening an input file with an error that says what is wrong with the path: "is a directory"
//! rather than the "No such device" that reading or mapping a directory gives.

use super::DataError;
use std::path::Path;

pub(crate) fn file(path: &Path) -> Result<std::fs::File, DataError> {
    let meta = std::fs::metadata(path).map_err(DataError::io(path))?;
    if meta.is_dir() {
        let source = std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory, not a file");
        return Err(DataError::Io { file: path.to_path_buf(), source });
    }
    std::fs::File::open(path).map_err(DataError::io(path))
}
