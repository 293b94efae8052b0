//! The workflow of a user, through the built binary: a MovieLens-style CSV with string ids →
//! `data convert` → `data split` → `train --test` → `eval` → `recommend` / `similar`, original ids
//! in and out, seen items left out; the same with integer ids, an implicit model and a recorded
//! hold-out; bad requests and a corrupted model fail with a message naming what is wrong.

mod cli_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cli_common::*;
use rustmf::data::cache;

/// Each user's items in a data cache, by original ids.
fn items_by_user(path: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let x = cache::load(path).unwrap().interactions;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for u in 0..x.n_users() {
        let row = &x.csr.indices()[x.csr.indptr().outer_inds_sz(u)];
        out.entry(x.users.label(u)).or_default().extend(row.iter().map(|&i| x.items.label(i as usize)));
    }
    out
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

#[test]
fn string_ids_explicit_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    converted_and_split(dir);
    let train_args = ["train", "--input", "train.st", "--test", "test.st", "--explicit", "--factors", "8"];
    let summary = ok(dir, &[&train_args[..], &["--iterations", "8", "--out", "model"]].concat());
    assert!(summary.contains("test (iteration 8): RMSE"), "{summary}");

    let eval = ok(dir, &["eval", "--model", "model"]);
    assert!(eval.contains("the recorded test file") && eval.contains("RMSE"), "{eval}");
    let e = fails(dir, &[&train_args[..3], &["--test", "train.st", "--explicit", "--out", "leaky"]].concat());
    assert!(e.contains("also in the training data") && !dir.join("leaky").exists(), "{e}");
    let report = json(&ok(dir, &[&train_args[..], &["--iterations", "2", "--json"]].concat()));
    assert_eq!(report["iterations"].as_array().unwrap().len(), 2);
    assert_eq!(report["split"]["kind"], "file");
    let (load, first) =
        (report["load_s"].as_f64().unwrap(), report["first_iteration_from_command_s"].as_f64().unwrap());
    assert!(load > 0.0 && first >= load + report["first_iteration_s"].as_f64().unwrap() - 1e-9, "{report}");
    let e = fails(dir, &["eval", "--model", "model", "--test", "train.st"]);
    assert!(e.contains("--allow-train-data"), "{e}");
    let on_train = ok(dir, &["eval", "--model", "model", "--test", "train.st", "--allow-train-data", "--json"]);
    assert!(json(&on_train)["metrics"]["rmse"].as_f64().unwrap() > 0.0);

    let seen = items_by_user(&dir.join("train.st"));
    let all_items: BTreeSet<String> = items_by_user(&dir.join("ratings.st")).into_values().flatten().collect();
    let recs = json(&ok(dir, &["recommend", "--model", "model", "--users", "ada,ben", "--k", "30", "--json"]));
    let recs = recs["recommendations"].as_array().unwrap().clone();
    for (r, user) in recs.iter().zip(["ada", "ben"]) {
        assert_eq!(r["user"], user);
        let items = strings(&r["items"]);
        assert_eq!(items.len(), all_items.len() - seen[user].len(), "every unseen item, no seen one");
        for item in &items {
            assert!(all_items.contains(item), "{item} is not an item id of the data");
            assert!(!seen[user].contains(item), "{user} has {item} in the training data");
        }
    }
    let with_seen =
        json(&ok(dir, &["recommend", "--model", "model", "--users", "ada", "--k", "30", "--json", "--include-seen"]));
    assert_eq!(strings(&with_seen["recommendations"][0]["items"]).len(), all_items.len());
    let table = ok(dir, &["recommend", "--model", "model", "--users", "ada", "--k", "3"]);
    assert!(table.starts_with("user ada:\n     1. item "), "{table}");

    let e = fails(dir, &["recommend", "--model", "model", "--users", "ada,nobody"]);
    assert!(e.contains("user \"nobody\" is not in the model"), "{e}");

    std::fs::write(dir.join("new.csv"), "toy_story,5\nlion_king,4.5\n# liked little else\ndie_hard,1\n").unwrap();
    let new = json(&ok(dir, &["recommend", "--model", "model", "--new-user", "new.csv", "--k", "30", "--json"]));
    let items = strings(&new["recommendations"][0]["items"]);
    assert_eq!(items.len(), all_items.len() - 3);
    assert!(!items.iter().any(|i| ["toy_story", "lion_king", "die_hard"].contains(&i.as_str())));
    std::fs::write(dir.join("bad.csv"), "toy_story,5\nno_such_film,3\n").unwrap();
    let e = fails(dir, &["recommend", "--model", "model", "--new-user", "bad.csv"]);
    assert!(e.contains("bad.csv:2") && e.contains("\"no_such_film\""), "{e}");

    let similar = json(&ok(dir, &["similar", "--model", "model", "--items", "toy_story", "--k", "5", "--json"]));
    let similar = strings(&similar[0]["similar"]);
    assert_eq!(similar.len(), 5);
    assert!(similar.iter().all(|i| all_items.contains(i) && i != "toy_story"));

    ok(dir, &["recommend", "--model", "model", "--all", "--out", "recs", "--k", "2"]);
    let csv = std::fs::read_to_string(dir.join("recs/recommendations.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 2 * seen.len());
    assert_eq!(lines[0], "user,rank,item,score");
    for line in &lines[1..] {
        let f: Vec<&str> = line.split(',').collect();
        assert!(seen.contains_key(f[0]) && all_items.contains(f[2]) && !seen[f[0]].contains(f[2]), "{line}");
    }
    assert!(dir.join("recs/top_items.npy").is_file() && dir.join("recs/manifest.json").is_file());

    let e = fails(dir, &["recommend", "--model", "model", "--all", "--out", "./model"]);
    assert!(e.contains("is the model folder"), "{e}");
    ok(dir, &["data", "split", "ratings.st", "--seed", "7", "--train", "other-train.st", "--test", "test.st"]);
    let e = fails(dir, &["eval", "--model", "model"]);
    assert!(e.contains("has changed since training"), "{e}");
}

#[test]
fn a_corrupted_factor_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    converted_and_split(dir);
    ok(dir, &["train", "--input", "train.st", "--explicit", "--factors", "4", "--iterations", "2", "--out", "model"]);
    let e = fails(dir, &["eval", "--model", "model"]);
    assert!(e.contains("records no test set") && e.contains("--test"), "{e}");
    let path = dir.join("model/item_factors.npy");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    for args in
        [&["recommend", "--model", "model", "--users", "ada"][..], &["eval", "--model", "model", "--test", "test.st"]]
    {
        let e = fails(dir, args);
        assert!(e.contains("item_factors.npy") && e.contains("does not match the manifest"), "{e}");
    }
}

#[test]
fn integer_ids_implicit_with_a_recorded_holdout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let text = std::fs::read_to_string(ratings_csv()).unwrap();
    let (mut users, mut items) = (BTreeMap::new(), BTreeMap::new());
    let mut csv = String::from("userId,movieId,rating,timestamp\n");
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let n = users.len();
        let u = *users.entry(f[0].to_string()).or_insert(100 + 7 * n);
        let n = items.len();
        let i = *items.entry(f[1].to_string()).or_insert(5000 + 3 * n);
        csv += &format!("{u},{i},{},{}\n", f[2], f[3]);
    }
    std::fs::write(dir.join("ratings.csv"), csv).unwrap();
    ok(dir, &["data", "convert", "ratings.csv", "--format", "movielens", "-o", "ml.st"]);
    ok(
        dir,
        &[
            "train",
            "--input",
            "ml.st",
            "--implicit",
            "--test-fraction",
            "0.25",
            "--factors",
            "8",
            "--iterations",
            "4",
            "--out",
            "m",
        ],
    );
    let eval = ok(dir, &["eval", "--model", "m", "--k", "5"]);
    assert!(eval.contains("0.25 held out of") && eval.contains("NDCG@5"), "{eval}");
    let user = users["ada"].to_string();
    let recs = json(&ok(dir, &["recommend", "--model", "m", "--users", &user, "--k", "3", "--json"]));
    let ids: BTreeSet<String> = items.values().map(|i| i.to_string()).collect();
    for item in strings(&recs["recommendations"][0]["items"]) {
        assert!(ids.contains(&item), "{item} is not a movieId of the data");
    }
    let e = fails(dir, &["recommend", "--model", "m", "--users", "99"]);
    assert!(e.contains("user \"99\""), "{e}");
}
