//! A model folder is written as a whole: `rustmf train --out DIR` killed at random points over an
//! existing model always leaves DIR holding the complete old or the complete new model, which
//! loads (every file checked against the manifest); leftovers of killed runs are removed by the
//! next write.

mod cli_common;

use std::path::Path;
use std::time::{Duration, Instant};

use cli_common::*;
use rand::{Rng, SeedableRng};
use rustmf::io::load_model;
use rustmf::model::TrainedModel;

const KILLS_ANYWHERE: usize = 8;
const KILLS_WHILE_WRITING: usize = 8;

fn train_args(seed: &str) -> Vec<String> {
    let args = ["train", "--input", "train.st", "--explicit", "--factors", "32", "--iterations", "3", "--seed", seed];
    args.iter().map(|s| s.to_string()).collect()
}

/// The same model but for the training run's timings.
fn same_model(a: &TrainedModel, b: &TrainedModel) -> bool {
    a.factors == b.factors && a.seen == b.seen && a.info.config == b.info.config && a.info.train == b.info.train
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".model."))
        .collect()
}

/// Start `train --out model` over the old model and kill it after `delay`, or (when `delay` is
/// None) `extra` after its temporary folder appears. Returns how long the run had been writing
/// when it was killed or ended (zero when it had not started writing).
fn kill_during(dir: &Path, delay: Option<Duration>, extra: Duration) -> Duration {
    let mut args = train_args("2");
    args.extend(["--out".into(), "model".into()]);
    let mut child = command(dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut writing_since = None;
    match delay {
        Some(d) => std::thread::sleep(d),
        None => {
            while child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(60) {
                if leftovers(dir).iter().any(|n| n.starts_with(".model.tmp-")) {
                    writing_since = Some(Instant::now());
                    break;
                }
            }
            let end = Instant::now() + extra;
            while child.try_wait().unwrap().is_none() && Instant::now() < end {}
        }
    }
    let _ = child.kill();
    child.wait().unwrap();
    writing_since.map(|t| t.elapsed()).unwrap_or_default()
}

#[test]
fn killed_writes_leave_the_old_or_the_new_model() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    converted_and_split(dir);
    let with_out = |seed: &str, out: &str| {
        let mut a = train_args(seed);
        a.extend(["--out".into(), out.into()]);
        a
    };
    let args = with_out("1", "old");
    ok(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let t = Instant::now();
    let args = with_out("2", "new");
    ok(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let run_time = t.elapsed();
    let (old, new) = (load_model(&dir.join("old")).unwrap(), load_model(&dir.join("new")).unwrap());
    assert!(old.factors != new.factors);

    copy_dir(&dir.join("old"), &dir.join("model"));
    let write_time = kill_during(dir, None, Duration::from_secs(60));
    assert!(same_model(&load_model(&dir.join("model")).unwrap(), &new));
    let seed: u64 = rand::random();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut saw_old, mut saw_new) = (0, 0);
    for k in 0..KILLS_ANYWHERE + KILLS_WHILE_WRITING {
        copy_dir(&dir.join("old"), &dir.join("model"));
        let (delay, extra) = if k < KILLS_ANYWHERE {
            (Some(run_time.mul_f64(rng.random_range(0.0..1.2))), Duration::ZERO)
        } else {
            (None, write_time.mul_f64(rng.random_range(0.0..1.2)))
        };
        kill_during(dir, delay, extra);
        let loaded = load_model(&dir.join("model"))
            .unwrap_or_else(|e| panic!("kill {k} (seed {seed}, {delay:?}/{extra:?}): the model does not load: {e:#}"));
        if same_model(&loaded, &old) {
            saw_old += 1;
        } else {
            assert!(same_model(&loaded, &new), "kill {k} (seed {seed}): neither the old nor the new model");
            saw_new += 1;
        }
    }
    eprintln!("kills (seed {seed}, writes take {write_time:?}): {saw_old} left the old model, {saw_new} the new one");
    let args = with_out("2", "model");
    ok(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(same_model(&load_model(&dir.join("model")).unwrap(), &new));
    assert_eq!(leftovers(dir), Vec::<String>::new(), "the next write removes what killed runs left");
}
