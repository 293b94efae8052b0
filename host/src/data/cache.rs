//! The dataset cache: one `safetensors` file holding the CSR and CSC arrays, the id maps, the
//! timestamps if any, and metadata. Loading memory-maps the file, verifies a checksum of every
//! tensor while copying it out, and refuses other format versions. Writes go to a temporary file
//! in the same folder, renamed into place once complete.
//!
//! Tensors (all little-endian, 1-D):
//!
//! | name | dtype | length | content |
//! |------|-------|--------|---------|
//! | `csr.indptr` | U64 | users + 1 | row pointers |
//! | `csr.indices` | U32 | nnz | item index of each entry, rows sorted |
//! | `csr.data` | F32 | nnz | values |
//! | `csc.indptr` | U64 | items + 1 | column pointers |
//! | `csc.indices` | U32 | nnz | user index of each entry, columns sorted |
//! | `csc.data` | F32 | nnz | values |
//! | `times` | I64 | nnz | timestamps aligned with `csr.data` (only if the source has them) |
//! | `users.ids`, `items.ids` | U64 | users, items | integer external ids in dense order |
//! | `users.offsets`, `items.offsets` | U64 | n + 1 | string ids: byte ranges into `*.bytes` |
//! | `users.bytes`, `items.bytes` | U8 | total | string ids: UTF-8, concatenated |
//!
//! Identity id maps store no tensor. String metadata (`__metadata__`): `format`
//! (`rustmf-interactions`), `version`, `source`, `n_users`, `n_items`, `nnz`, `created` (RFC 3339),
//! `users.kind` / `items.kind` (`identity`, `integer`, `string`), `checksum.algorithm` and
//! `checksum.<tensor>` (16 hex digits), and `duplicates` (how repeated pairs were combined, when
//! known). The checksum of a tensor is the xxh3-64 of the
//! concatenated little-endian xxh3-64 hashes of its bytes cut into 16 MiB blocks. In Python:
//! `safetensors.numpy.load_file(path)` returns the arrays, `safe_open(path, "np").metadata()`
//! the metadata.

use super::pod::{bytes, bytes_mut, Pod};
use super::staged::Staged;
use super::{Csc, Csr, DataError, Dataset, IdMap, Interactions};
use rayon::prelude::*;
use safetensors::{Dtype, SafeTensors};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

pub const FORMAT: &str = "rustmf-interactions";
pub const VERSION: u32 = 1;
const BLOCK: usize = 16 << 20;
const CHECKSUM_ALGORITHM: &str = "xxh3-64 of xxh3-64 per 16 MiB block";

/// What the cache header says, readable without loading the arrays.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CacheInfo {
    pub version: u32,
    pub source: String,
    pub n_users: usize,
    pub n_items: usize,
    pub nnz: usize,
    pub created: String,
    pub has_times: bool,
    /// How repeated (user, item) pairs of the source were combined, as written at conversion.
    pub duplicates: Option<String>,
    pub file_bytes: u64,
}

/// A tensor to write: name, dtype, bytes.
struct Out<'a> {
    name: String,
    dtype: Dtype,
    len: usize,
    data: &'a [u8],
}

fn out<'a, T: Pod>(name: &str, dtype: Dtype, s: &'a [T]) -> Out<'a> {
    Out { name: name.into(), dtype, len: s.len(), data: bytes(s) }
}

/// Write `d` to `path` (atomically); `source` says where the data came from.
pub fn save(d: &Dataset, path: &Path, source: &str) -> Result<CacheInfo, DataError> {
    let (staged, info) = stage(d, path, source, None)?;
    staged.commit()?;
    Ok(info)
}

/// Write `d` to a temporary file next to `path`, to be renamed into place by [`Staged::commit`];
/// `duplicates` says how repeated (user, item) pairs of the source were combined, if known.
pub fn stage(
    d: &Dataset,
    path: &Path,
    source: &str,
    duplicates: Option<&str>,
) -> Result<(Staged, CacheInfo), DataError> {
    let x = &d.interactions;
    let mut tensors = vec![
        out("csr.indptr", Dtype::U64, x.user_ptr()),
        out("csr.indices", Dtype::U32, x.csr.indices()),
        out("csr.data", Dtype::F32, x.csr.data()),
        out("csc.indptr", Dtype::U64, x.item_ptr()),
        out("csc.indices", Dtype::U32, x.csc.indices()),
        out("csc.data", Dtype::F32, x.csc.data()),
    ];
    if let Some(t) = &d.times {
        tensors.push(out("times", Dtype::I64, t));
    }
    let user_strings = string_table(&x.users);
    let item_strings = string_table(&x.items);
    for (who, map, strings) in [("users", &x.users, &user_strings), ("items", &x.items, &item_strings)] {
        match (map, strings) {
            (IdMap::Integer(ids), _) => tensors.push(out(&format!("{who}.ids"), Dtype::U64, ids)),
            (IdMap::String(_), Some((offsets, text))) => {
                tensors.push(out(&format!("{who}.offsets"), Dtype::U64, offsets));
                tensors.push(out(&format!("{who}.bytes"), Dtype::U8, text));
            }
            _ => {}
        }
    }
    // Widest elements first, so that every tensor starts aligned to its element size.
    tensors.sort_by(|a, b| b.dtype.bitsize().cmp(&a.dtype.bitsize()).then(a.name.cmp(&b.name)));

    let checksums: Vec<u64> = tensors.par_iter().map(|t| checksum(t.data)).collect();
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    meta.insert("format".into(), FORMAT.into());
    meta.insert("version".into(), VERSION.to_string());
    meta.insert("source".into(), source.into());
    meta.insert("n_users".into(), x.n_users().to_string());
    meta.insert("n_items".into(), x.n_items().to_string());
    meta.insert("nnz".into(), x.nnz().to_string());
    meta.insert("created".into(), created.clone());
    meta.insert("users.kind".into(), id_kind(&x.users).into());
    meta.insert("items.kind".into(), id_kind(&x.items).into());
    meta.insert("checksum.algorithm".into(), CHECKSUM_ALGORITHM.into());
    if let Some(note) = duplicates {
        meta.insert("duplicates".into(), note.into());
    }
    for (t, c) in tensors.iter().zip(&checksums) {
        meta.insert(format!("checksum.{}", t.name), format!("{c:016x}"));
    }

    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), serde_json::to_value(&meta).expect("string map"));
    let mut offset = 0;
    for t in &tensors {
        let end = offset + t.data.len();
        header.insert(
            t.name.clone(),
            serde_json::json!({"dtype": t.dtype, "shape": [t.len], "data_offsets": [offset, end]}),
        );
        offset = end;
    }
    let mut header = serde_json::to_string(&header).expect("JSON header");
    while (8 + header.len()) % 8 != 0 {
        header.push(' ');
    }
    let file_bytes = (8 + header.len() + offset) as u64;
    let staged = Staged::write(path, |w| {
        w.write_all(&(header.len() as u64).to_le_bytes())?;
        w.write_all(header.as_bytes())?;
        for t in &tensors {
            w.write_all(t.data)?;
        }
        Ok(())
    })?;
    let info = CacheInfo {
        version: VERSION,
        source: source.into(),
        n_users: x.n_users(),
        n_items: x.n_items(),
        nnz: x.nnz(),
        created,
        has_times: d.times.is_some(),
        duplicates: duplicates.map(str::to_string),
        file_bytes,
    };
    Ok((staged, info))
}

/// Offsets and concatenated UTF-8 of a string id map.
fn string_table(map: &IdMap) -> Option<(Vec<u64>, Vec<u8>)> {
    let IdMap::String(ids) = map else { return None };
    let mut offsets = Vec::with_capacity(ids.len() + 1);
    let mut text = Vec::new();
    offsets.push(0);
    for s in ids {
        text.extend_from_slice(s.as_bytes());
        offsets.push(text.len() as u64);
    }
    Some((offsets, text))
}

fn id_kind(map: &IdMap) -> &'static str {
    match map {
        IdMap::Identity => "identity",
        IdMap::Integer(_) => "integer",
        IdMap::String(_) => "string",
    }
}

fn checksum(data: &[u8]) -> u64 {
    let blocks: Vec<u64> = data.par_chunks(BLOCK).map(xxh3_64).collect();
    xxh3_64(bytes(&blocks))
}

/// The header of a cache file, without reading or verifying the arrays.
pub fn info(path: &Path) -> Result<CacheInfo, DataError> {
    let map = mmap(path)?;
    let (_, m) = SafeTensors::read_metadata(&map).map_err(|e| bad(path, format!("not a safetensors file ({e})")))?;
    header_info(path, &m, map.len() as u64)
}

fn header_info(path: &Path, m: &safetensors::tensor::Metadata, file_bytes: u64) -> Result<CacheInfo, DataError> {
    let meta = check_meta(path, m.metadata())?;
    let number = |k: &str| -> Result<usize, DataError> {
        meta.get(k)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(path, format!("metadata {k:?} missing or not a number")))
    };
    Ok(CacheInfo {
        version: VERSION,
        source: meta.get("source").cloned().unwrap_or_default(),
        n_users: number("n_users")?,
        n_items: number("n_items")?,
        nnz: number("nnz")?,
        created: meta.get("created").cloned().unwrap_or_default(),
        has_times: m.info("times").is_some(),
        duplicates: meta.get("duplicates").cloned(),
        file_bytes,
    })
}

/// Load a cache file, verifying every checksum.
pub fn load(path: &Path) -> Result<Dataset, DataError> {
    let map = mmap(path)?;
    let not_safetensors = |e| bad(path, format!("not a safetensors file ({e})"));
    let (_, m) = SafeTensors::read_metadata(&map).map_err(not_safetensors)?;
    let info = header_info(path, &m, map.len() as u64)?;
    let st = SafeTensors::deserialize(&map).map_err(not_safetensors)?;
    let r = Reader { path, st: &st, meta: check_meta(path, m.metadata())? };

    let plus_one = |n: usize, what: &str| n.checked_add(1).ok_or_else(|| bad(path, format!("{what} {n} overflows")));
    let user_ptr: Vec<usize> = r.tensor("csr.indptr", Dtype::U64, plus_one(info.n_users, "n_users")?)?;
    let csr_idx: Vec<u32> = r.tensor("csr.indices", Dtype::U32, info.nnz)?;
    let csr_val: Vec<f32> = r.tensor("csr.data", Dtype::F32, info.nnz)?;
    let item_ptr: Vec<usize> = r.tensor("csc.indptr", Dtype::U64, plus_one(info.n_items, "n_items")?)?;
    let csc_idx: Vec<u32> = r.tensor("csc.indices", Dtype::U32, info.nnz)?;
    let csc_val: Vec<f32> = r.tensor("csc.data", Dtype::F32, info.nnz)?;
    let times = if info.has_times { Some(r.tensor::<i64>("times", Dtype::I64, info.nnz)?) } else { None };
    let users = r.id_map("users", info.n_users)?;
    let items = r.id_map("items", info.n_items)?;

    let shape = (info.n_users, info.n_items);
    let csr = Csr::try_new(shape, user_ptr, csr_idx, csr_val)
        .map_err(|e| bad(path, format!("CSR arrays are inconsistent: {}", e.3)))?;
    let csc = Csc::try_new_csc(shape, item_ptr, csc_idx, csc_val)
        .map_err(|e| bad(path, format!("CSC arrays are inconsistent: {}", e.3)))?;
    Ok(Dataset { interactions: Interactions { csr, csc, users, items }, times })
}

fn bad(path: &Path, reason: String) -> DataError {
    DataError::Cache { file: path.to_path_buf(), reason }
}

fn mmap(path: &Path) -> Result<memmap2::Mmap, DataError> {
    let file = super::open::file(path)?;
    // SAFETY: the map is read-only and private to this process; a cache file modified while it
    // is being read fails its checksum rather than causing undefined reads of the Vecs we build.
    unsafe { memmap2::MmapOptions::new().populate().map(&file) }.map_err(DataError::io(path))
}

fn check_meta<'m>(
    path: &Path,
    meta: &'m Option<HashMap<String, String>>,
) -> Result<&'m HashMap<String, String>, DataError> {
    let meta = meta.as_ref().ok_or_else(|| bad(path, "no metadata: not a rustmf cache".into()))?;
    if meta.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(bad(path, format!("metadata format is {:?}, expected {FORMAT:?}", meta.get("format"))));
    }
    let version = meta.get("version").cloned().unwrap_or_default();
    if version != VERSION.to_string() {
        return Err(DataError::CacheVersion { file: path.to_path_buf(), found: version, expected: VERSION });
    }
    Ok(meta)
}

struct Reader<'a> {
    path: &'a Path,
    st: &'a SafeTensors<'a>,
    meta: &'a HashMap<String, String>,
}

impl Reader<'_> {
    /// Copy tensor `name` out of the map, hashing each block on the way.
    fn tensor<T: Pod + Default>(&self, name: &str, dtype: Dtype, len: usize) -> Result<Vec<T>, DataError> {
        let view = self.st.tensor(name).map_err(|e| bad(self.path, format!("tensor {name}: {e}")))?;
        if view.dtype() != dtype || view.shape() != [len] {
            return Err(bad(
                self.path,
                format!("tensor {name} is {:?} {:?}, expected {dtype:?} [{len}]", view.dtype(), view.shape()),
            ));
        }
        let expected = self
            .meta
            .get(&format!("checksum.{name}"))
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(|| bad(self.path, format!("no checksum for tensor {name}")))?;
        if view.data().len() != len * std::mem::size_of::<T>() {
            return Err(bad(self.path, format!("tensor {name} holds {} bytes for [{len}]", view.data().len())));
        }
        let mut v = vec![T::default(); len];
        let blocks: Vec<u64> = bytes_mut(&mut v)
            .par_chunks_mut(BLOCK)
            .zip(view.data().par_chunks(BLOCK))
            .map(|(dst, src)| {
                dst.copy_from_slice(src);
                xxh3_64(src)
            })
            .collect();
        let found = xxh3_64(bytes(&blocks));
        if found != expected {
            return Err(bad(
                self.path,
                format!("tensor {name}: checksum {found:016x} does not match {expected:016x} (file corrupted?)"),
            ));
        }
        Ok(v)
    }

    fn id_map(&self, who: &str, n: usize) -> Result<IdMap, DataError> {
        match self.meta.get(&format!("{who}.kind")).map(String::as_str) {
            Some("identity") => Ok(IdMap::Identity),
            Some("integer") => Ok(IdMap::Integer(self.tensor(&format!("{who}.ids"), Dtype::U64, n)?)),
            Some("string") => {
                let len = n.checked_add(1).ok_or_else(|| bad(self.path, format!("{who}: {n} ids overflow")))?;
                let offsets: Vec<u64> = self.tensor(&format!("{who}.offsets"), Dtype::U64, len)?;
                let total = *offsets.last().unwrap() as usize;
                let text: Vec<u8> = self.tensor(&format!("{who}.bytes"), Dtype::U8, total)?;
                offsets
                    .windows(2)
                    .map(|w| {
                        text.get(w[0] as usize..w[1] as usize)
                            .and_then(|b| std::str::from_utf8(b).ok())
                            .map(str::to_string)
                            .ok_or_else(|| bad(self.path, format!("{who} string ids: bad offsets or UTF-8")))
                    })
                    .collect::<Result<_, _>>()
                    .map(IdMap::String)
            }
            other => Err(bad(self.path, format!("metadata {who}.kind is {other:?}"))),
        }
    }
}

/// The file name a cache gets next to a source: `<source>.rustmf.safetensors`.
pub fn default_path(source: &Path) -> PathBuf {
    let mut name = source.file_name().unwrap_or_default().to_os_string();
    name.push(".rustmf.safetensors");
    source.with_file_name(name)
}
