//! Model folders: what `train --out` writes and `recommend`, `similar` and `eval` read.
//!
//! * `model.json`: [`ModelInfo`]: shape, training config, the data's fingerprints and split, rating
//!   range, the training summary.
//! * `user_factors.npy`, `item_factors.npy`: `<f4`, users × f and items × f, C order (`numpy.load`).
//! * `factors.safetensors`: the same two tensors (`user_factors`, `item_factors`); metadata
//!   `rustmf_model` = `model.json`.
//! * `user_ids.json`, `item_ids.json`: `{"kind": "integer" or "string", "ids": [...]}`: row r is
//!   external id `ids[r]`; absent where the ids are the row numbers (synthetic data).
//! * `seen_indptr.npy`, `seen_items.npy`: `<u8` (users + 1) and `<u4`: the items of each training
//!   user, sorted (the CSR pattern of the training matrix), which `recommend` leaves out.
//! * `manifest.json`: SHA-256 and size of every other file ([`super::manifest`]).
//!
//! The folder is written as a whole ([`super::write_dir_atomically`]) and every file is checked
//! against the manifest when it is loaded.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::manifest::{read_verified, ManifestWriter};
use super::{npy_bytes, npy_raw, parse_npy_vector, parse_safetensors, safetensors_bytes, write_dir_atomically};
use super::{ITEM_NPY, SAFETENSORS, USER_NPY};
use crate::data::IdMap;
use crate::model::{ModelInfo, SeenItems, TrainedModel};

pub const MODEL_JSON: &str = "model.json";
pub const USER_IDS: &str = "user_ids.json";
pub const ITEM_IDS: &str = "item_ids.json";
pub const SEEN_INDPTR: &str = "seen_indptr.npy";
pub const SEEN_ITEMS: &str = "seen_items.npy";

/// An id map as `user_ids.json` / `item_ids.json` hold it.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", content = "ids", rename_all = "lowercase")]
enum IdFile {
    Integer(Vec<u64>),
    String(Vec<String>),
}

/// Write `model` to the folder `dir` as a whole, replacing a model already there.
pub fn save_model(dir: &Path, model: &TrainedModel) -> Result<()> {
    model.validate()?;
    let info = serde_json::to_string_pretty(&model.info)?;
    let metadata = HashMap::from([("rustmf_model".to_string(), info.clone())]);
    write_dir_atomically(dir, |tmp| {
        let mut files = ManifestWriter::new(tmp);
        files.add(MODEL_JSON, info.as_bytes())?;
        files.add(USER_NPY, &npy_bytes(&model.factors.users))?;
        files.add(ITEM_NPY, &npy_bytes(&model.factors.items))?;
        files.add(SAFETENSORS, &safetensors_bytes(&model.factors, &metadata)?)?;
        for (name, map) in [(USER_IDS, &model.users), (ITEM_IDS, &model.items)] {
            let ids = match map {
                IdMap::Identity => continue,
                IdMap::Integer(ids) => IdFile::Integer(ids.clone()),
                IdMap::String(ids) => IdFile::String(ids.clone()),
            };
            files.add(name, serde_json::to_string(&ids)?.as_bytes())?;
        }
        let indptr: Vec<u8> = model.seen.indptr.iter().flat_map(|v| v.to_le_bytes()).collect();
        files.add(SEEN_INDPTR, &npy_raw("<u8", &[model.seen.indptr.len()], &indptr))?;
        let items: Vec<u8> = model.seen.items.iter().flat_map(|v| v.to_le_bytes()).collect();
        files.add(SEEN_ITEMS, &npy_raw("<u4", &[model.seen.items.len()], &items))?;
        files.finish()
    })
    .with_context(|| format!("writing the model folder {}", dir.display()))
}

/// Read the model folder `dir`, checking every file against the manifest and the parts against
/// each other.
pub fn load_model(dir: &Path) -> Result<TrainedModel> {
    let files = read_verified(dir)?;
    let file = |name: &str| -> Result<&[u8]> {
        files
            .get(name)
            .map(Vec::as_slice)
            .with_context(|| format!("{}: the manifest does not list {name}", dir.display()))
    };
    let at = |name: &str| dir.join(name).display().to_string();
    let info: ModelInfo = serde_json::from_slice(file(MODEL_JSON)?).with_context(|| at(MODEL_JSON))?;
    let factors = parse_safetensors(file(SAFETENSORS)?).with_context(|| at(SAFETENSORS))?;
    let indptr = parse_npy_vector(file(SEEN_INDPTR)?, "<u8", 8).with_context(|| at(SEEN_INDPTR))?;
    let items = parse_npy_vector(file(SEEN_ITEMS)?, "<u4", 4).with_context(|| at(SEEN_ITEMS))?;
    let seen = SeenItems {
        indptr: indptr.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect(),
        items: items.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect(),
    };
    let model = TrainedModel {
        factors,
        users: id_map(&files, USER_IDS).with_context(|| at(USER_IDS))?,
        items: id_map(&files, ITEM_IDS).with_context(|| at(ITEM_IDS))?,
        seen,
        info,
    };
    model.validate().with_context(|| format!("the model in {} is inconsistent", dir.display()))?;
    Ok(model)
}

fn id_map(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Result<IdMap> {
    let Some(bytes) = files.get(name) else { return Ok(IdMap::Identity) };
    let map = match serde_json::from_slice(bytes)? {
        IdFile::Integer(ids) => IdMap::Integer(ids),
        IdFile::String(ids) => IdMap::String(ids),
    };
    let sorted = match &map {
        IdMap::Integer(ids) => ids.windows(2).all(|w| w[0] < w[1]),
        IdMap::String(ids) => ids.windows(2).all(|w| w[0] < w[1]),
        IdMap::Identity => true,
    };
    anyhow::ensure!(sorted, "ids must be sorted ascending without repeats (dense order)");
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Interactions;
    use crate::model::{init_factors, AlsConfig, SplitRecord};

    fn model() -> TrainedModel {
        let mut x =
            Interactions::from_entries(2, 3, &[(0, 2, 5.0), (0, 0, 1.0), (1, 1, 3.0)], Default::default()).unwrap();
        x.users = IdMap::String(vec!["ann".into(), "bob".into()]);
        x.items = IdMap::Integer(vec![7, 8, 9]);
        let cfg = AlsConfig { factors: 4, ..AlsConfig::default() };
        let summary = serde_json::json!({"total_s": 1.0});
        TrainedModel::new(init_factors(2, 3, 4, 1, 1.0), &x, "x.st", &cfg, SplitRecord::None, summary).unwrap()
    }

    #[test]
    fn roundtrip_and_corruption_named() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("model");
        let m = model();
        save_model(&dir, &m).unwrap();
        assert_eq!(load_model(&dir).unwrap(), m);
        assert_eq!(super::super::load_factors(&dir).unwrap(), m.factors);
        let path = dir.join(ITEM_NPY);
        let mut bytes = std::fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() ^= 0x40;
        std::fs::write(&path, bytes).unwrap();
        let e = format!("{:#}", load_model(&dir).unwrap_err());
        assert!(e.contains(ITEM_NPY) && e.contains("does not match"), "{e}");
    }
}
