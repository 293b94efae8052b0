//! Factor export/import: NumPy `.npy` (v1.0, `<f4`, C order; readable by `numpy.load` and
//! `torch.from_numpy`) and safetensors (`user_factors`, `item_factors`, F32). Every write is
//! atomic (temporary file + rename, [`crate::bench::write_atomic`]). Model folders (factors, ids,
//! seen items, `model.json`, checksums; written as a whole) are [`model`].

mod atomic_dir;
pub mod manifest;
pub mod model;

pub use atomic_dir::write_dir_atomically;
pub use model::{load_model, save_model};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::bench::write_atomic;
use crate::model::{Factors, Matrix};

/// File names used by [`save_factors`].
pub const USER_NPY: &str = "user_factors.npy";
pub const ITEM_NPY: &str = "item_factors.npy";
pub const SAFETENSORS: &str = "factors.safetensors";

/// The bytes of a `.npy` v1.0 file: `descr` (e.g. `<f4`, `<i4`, `<i8`), C-order `shape`, raw
/// little-endian `body`.
pub fn npy_raw(descr: &str, shape: &[usize], body: &[u8]) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("{n},"),
        _ => shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}");
    // magic(6) + version(2) + header length(2) + dict + padding + '\n', total multiple of 64
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    let mut header = dict.into_bytes();
    header.resize(total - 10 - 1, b' ');
    header.push(b'\n');
    let mut out = Vec::with_capacity(total + body.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(body);
    out
}

/// The bytes of a `.npy` v1.0 file holding `m` as little-endian f32, C order.
pub fn npy_bytes(m: &Matrix) -> Vec<u8> {
    npy_raw("<f4", &[m.rows, m.cols], &f32_bytes(m))
}

/// Export a CSR matrix as `indptr.npy` (int64), `indices.npy` (int32), `data.npy` (float32) and
/// `shape.json` in `dir` — what `scipy.sparse.csr_matrix((data, indices, indptr), shape)` takes —
/// written as a whole with a `manifest.json` of checksums, as model folders
/// ([`write_dir_atomically`]): a failed or killed export leaves the old folder or none.
pub fn export_csr(dir: &Path, m: &crate::data::Csr) -> Result<()> {
    anyhow::ensure!(m.is_csr(), "export_csr needs a CSR matrix");
    let ip = m.indptr();
    let ip = ip.to_proper();
    write_dir_atomically(dir, |tmp| {
        let mut files = manifest::ManifestWriter::new(tmp);
        let b: Vec<u8> = ip.iter().flat_map(|v| (*v as i64).to_le_bytes()).collect();
        files.add("indptr.npy", &npy_raw("<i8", &[ip.len()], &b))?;
        let b: Vec<u8> = m.indices().iter().flat_map(|v| (*v as i32).to_le_bytes()).collect();
        files.add("indices.npy", &npy_raw("<i4", &[m.nnz()], &b))?;
        let b: Vec<u8> = m.data().iter().flat_map(|v| v.to_le_bytes()).collect();
        files.add("data.npy", &npy_raw("<f4", &[m.nnz()], &b))?;
        let shape = serde_json::json!({"rows": m.rows(), "cols": m.cols(), "nnz": m.nnz()});
        files.add("shape.json", shape.to_string().as_bytes())?;
        files.finish()
    })
    .with_context(|| format!("exporting the CSR matrix to {}", dir.display()))
}

/// Write `m` as `.npy` (atomically).
pub fn write_npy(path: &Path, m: &Matrix) -> Result<()> {
    Ok(write_atomic(path, &npy_bytes(m))?)
}

/// The header text and the body of a `.npy` file (v1, v2 or v3 header).
fn npy_parts(bytes: &[u8]) -> Result<(&str, &[u8])> {
    anyhow::ensure!(bytes.len() >= 10 && &bytes[..6] == b"\x93NUMPY", "not a .npy file");
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            anyhow::ensure!(bytes.len() >= 12, "truncated .npy header");
            (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
        }
        v => anyhow::bail!("unsupported .npy version {v}"),
    };
    anyhow::ensure!(bytes.len() >= start + hlen, "truncated .npy header");
    Ok((std::str::from_utf8(&bytes[start..start + hlen])?, &bytes[start + hlen..]))
}

/// The shape of a C-order, little-endian `.npy` of element type `descr` (`<f4`, `<u8`, …).
fn npy_shape(header: &str, descr: &str) -> Result<Vec<usize>> {
    let native = descr.replacen('<', "=", 1);
    let descr_ok = header.contains(&format!("'descr': '{descr}'")) || header.contains(&format!("'descr': '{native}'"));
    anyhow::ensure!(descr_ok, "expected a .npy of {descr} (header: {header})");
    anyhow::ensure!(header.contains("'fortran_order': False"), "only C-order .npy is supported");
    let shape_start = header.find("'shape': (").context("no shape in .npy header")? + "'shape': (".len();
    let shape_end = shape_start + header[shape_start..].find(')').context("bad shape in .npy header")?;
    header[shape_start..shape_end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<Result<_, _>>()
        .context("bad shape in .npy header")
}

/// Parse a `.npy` holding a 2-D little-endian f32 C-order array (v1, v2 or v3 header).
pub fn parse_npy(bytes: &[u8]) -> Result<Matrix> {
    let (header, body) = npy_parts(bytes)?;
    let dims = npy_shape(header, "<f4")?;
    anyhow::ensure!(dims.len() == 2, "expected a 2-D array, got shape {dims:?}");
    let (rows, cols) = (dims[0], dims[1]);
    let expected = rows.checked_mul(cols).and_then(|n| n.checked_mul(4));
    anyhow::ensure!(
        expected == Some(body.len()),
        "npy body has {} bytes, the shape ({rows}, {cols}) of f32 needs {}",
        body.len(),
        expected.map_or("more than fit in memory".to_string(), |b| b.to_string())
    );
    let data = body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Matrix::from_vec(rows, cols, data)
}

/// The body of a 1-D `.npy` of element type `descr` whose elements are `width` bytes.
pub fn parse_npy_vector<'a>(bytes: &'a [u8], descr: &str, width: usize) -> Result<&'a [u8]> {
    let (header, body) = npy_parts(bytes)?;
    let dims = npy_shape(header, descr)?;
    anyhow::ensure!(dims.len() == 1, "expected a 1-D array, got shape {dims:?}");
    anyhow::ensure!(
        dims[0].checked_mul(width) == Some(body.len()),
        "npy body has {} bytes, expected {} elements of {width} bytes",
        body.len(),
        dims[0]
    );
    Ok(body)
}

/// Read a `.npy` written by [`write_npy`] (or numpy, float32 2-D C order).
pub fn read_npy(path: &Path) -> Result<Matrix> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    parse_npy(&bytes).with_context(|| format!("reading {}", path.display()))
}

fn f32_bytes(m: &Matrix) -> Vec<u8> {
    m.data.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The bytes of a safetensors file with `user_factors` and `item_factors` (F32) and string metadata.
pub fn safetensors_bytes(factors: &Factors, metadata: &HashMap<String, String>) -> Result<Vec<u8>> {
    use safetensors::tensor::TensorView;
    use safetensors::Dtype;
    let ub = f32_bytes(&factors.users);
    let ib = f32_bytes(&factors.items);
    let tensors = vec![
        ("user_factors", TensorView::new(Dtype::F32, vec![factors.users.rows, factors.users.cols], &ub)?),
        ("item_factors", TensorView::new(Dtype::F32, vec![factors.items.rows, factors.items.cols], &ib)?),
    ];
    Ok(safetensors::serialize(tensors, Some(metadata.clone()))?)
}

/// Read `user_factors` and `item_factors` from safetensors bytes.
pub fn parse_safetensors(bytes: &[u8]) -> Result<Factors> {
    let st = safetensors::SafeTensors::deserialize(bytes)?;
    let get = |name: &str| -> Result<Matrix> {
        let t = st.tensor(name).with_context(|| format!("no tensor {name}"))?;
        anyhow::ensure!(t.dtype() == safetensors::Dtype::F32, "{name} is {:?}, expected F32", t.dtype());
        anyhow::ensure!(t.shape().len() == 2, "{name} has shape {:?}, expected 2-D", t.shape());
        let data = t.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        Matrix::from_vec(t.shape()[0], t.shape()[1], data)
    };
    let f = Factors { users: get("user_factors")?, items: get("item_factors")? };
    anyhow::ensure!(f.users.cols == f.items.cols, "user and item factors differ in width");
    Ok(f)
}

/// Write `dir/user_factors.npy`, `dir/item_factors.npy` and `dir/factors.safetensors`
/// (with `metadata`), each atomically. Returns the three paths.
pub fn save_factors(dir: &Path, factors: &Factors, metadata: &HashMap<String, String>) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let paths = vec![dir.join(USER_NPY), dir.join(ITEM_NPY), dir.join(SAFETENSORS)];
    write_npy(&paths[0], &factors.users)?;
    write_npy(&paths[1], &factors.items)?;
    write_atomic(&paths[2], &safetensors_bytes(factors, metadata)?)?;
    Ok(paths)
}

/// Load factors from a model folder (checked against its manifest, [`load_model`]), a
/// `.safetensors` file, or a folder holding `factors.safetensors` or the two `.npy` files.
pub fn load_factors(path: &Path) -> Result<Factors> {
    if path.join(manifest::MANIFEST).is_file() {
        return Ok(load_model(path)?.factors);
    }
    let st = if path.is_dir() { path.join(SAFETENSORS) } else { path.to_path_buf() };
    if st.is_file() {
        return parse_safetensors(&std::fs::read(&st).with_context(|| format!("reading {}", st.display()))?)
            .with_context(|| format!("reading factors from {}", st.display()));
    }
    anyhow::ensure!(path.is_dir(), "{} is neither a safetensors file nor a folder of factors", path.display());
    let f = Factors { users: read_npy(&path.join(USER_NPY))?, items: read_npy(&path.join(ITEM_NPY))? };
    anyhow::ensure!(f.users.cols == f.items.cols, "user and item factors differ in width");
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_export_is_written_as_a_whole_with_checksums() {
        let csr = crate::data::interactions_from_triplets(3, 4, &[(0, 1, 2.0), (2, 3, 5.0), (2, 0, 1.5)]).csr;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("csr");
        export_csr(&dir, &csr).unwrap();
        let files = manifest::read_verified(&dir).unwrap();
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(names, ["data.npy", "indices.npy", "indptr.npy", "shape.json"]);
        let indptr = parse_npy_vector(&files["indptr.npy"], "<i8", 8).unwrap();
        let indptr: Vec<i64> = indptr.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
        assert_eq!(indptr, [0, 1, 1, 3]);
        export_csr(&dir, &csr).unwrap();
        let foreign = root.path().join("not-ours");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
        assert!(export_csr(&foreign, &csr).is_err());
        assert_eq!(std::fs::read_to_string(foreign.join("notes.txt")).unwrap(), "keep me");
    }

    #[test]
    fn npy_header_is_aligned_and_roundtrips() {
        let m = Matrix::from_vec(2, 3, vec![1.0, -2.0, 3.5, 0.0, 1e-3, 7.0]).unwrap();
        let b = npy_bytes(&m);
        let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        assert_eq!(b[10 + hlen - 1], b'\n');
        assert_eq!(parse_npy(&b).unwrap(), m);
    }

    #[test]
    fn safetensors_roundtrip() {
        let f = Factors {
            users: Matrix::from_vec(1, 2, vec![1.0, 2.0]).unwrap(),
            items: Matrix::from_vec(3, 2, vec![0.5; 6]).unwrap(),
        };
        let md = HashMap::from([("k".to_string(), "v".to_string())]);
        assert_eq!(parse_safetensors(&safetensors_bytes(&f, &md).unwrap()).unwrap(), f);
    }
}
