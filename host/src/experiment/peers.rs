//! Peers in the same run (issue 18 item 3): a spec's `[peers]` cases run other libraries —
//! `implicit` on the CPU and the GPU, PyTorch `mm` + `topk` — through the Python side-car
//! `benches/peers.py`, on the same data as rustmf's cases: the training dataset exported as CSR
//! (`io::export_csr`: indptr/indices/data `.npy`), the scoring factors as `.npy`, into a temporary
//! folder removed at the end of the run.
//!
//! The side-car answers `peers.py probe PEER` with `{"available": bool, "reason": …}` (whether
//! Python imports the library and finds what it needs), and `peers.py run PEER ARGS.json` with
//! `{"status": "measured", "samples_s": […], "params": {…}, "extra": {…}}` or `{"status":
//! "skipped", "reason": …}` as the last line of its output. A missing interpreter, script or
//! library is a skip with the reason, never a measurement.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use super::spec::PeerName;
use crate::bench::write_atomic;
use crate::data::Csr;
use crate::model::Factors;

/// How to reach the side-car.
#[derive(Debug, Clone)]
pub struct PeerRunner {
    /// The Python interpreter (default `python3`, or `$RUSTMF_PYTHON`).
    pub python: String,
    /// `benches/peers.py` (or `$RUSTMF_PEERS`).
    pub script: PathBuf,
}

impl PeerRunner {
    pub fn from_env() -> PeerRunner {
        PeerRunner {
            python: std::env::var("RUSTMF_PYTHON").unwrap_or_else(|_| "python3".into()),
            script: std::env::var_os("RUSTMF_PEERS").map(PathBuf::from).unwrap_or_else(|| "benches/peers.py".into()),
        }
    }
}

/// A peer's answer to `run`.
pub(crate) enum PeerOutcome {
    Measured { samples: Vec<f64>, params: serde_json::Value, extra: serde_json::Value },
    Skipped(String),
}

/// One run's peers: the probes' answers and the exported data, made once.
pub(crate) struct PeerState {
    runner: PeerRunner,
    probed: HashMap<PeerName, Option<String>>,
    tmp: Option<PathBuf>,
    csr: HashMap<String, PathBuf>,
    factors: HashMap<(usize, usize, usize), (PathBuf, PathBuf)>,
}

impl PeerState {
    pub fn new(runner: &PeerRunner) -> PeerState {
        PeerState {
            runner: runner.clone(),
            probed: HashMap::new(),
            tmp: None,
            csr: HashMap::new(),
            factors: HashMap::new(),
        }
    }

    /// Why `peer` cannot run here (`None`: it can), asked of the side-car once per run.
    pub fn available(&mut self, peer: PeerName) -> Option<String> {
        if let Some(a) = self.probed.get(&peer) {
            return a.clone();
        }
        let a = self.probe(peer);
        if let Some(why) = &a {
            eprintln!("  peer {}: not run here: {why}", peer.name());
        }
        self.probed.insert(peer, a.clone());
        a
    }

    fn probe(&self, peer: PeerName) -> Option<String> {
        let script = &self.runner.script;
        if !script.is_file() {
            return Some(format!("the peers' side-car {} is not there", script.display()));
        }
        let out = match Command::new(&self.runner.python).arg(script).args(["probe", peer.name()]).output() {
            Ok(o) => o,
            Err(e) => return Some(format!("no Python interpreter {:?}: {e}", self.runner.python)),
        };
        match last_json(&out.stdout) {
            Some(v) if v["available"].as_bool() == Some(true) => None,
            Some(v) => Some(v["reason"].as_str().unwrap_or("the side-car gave no reason").to_string()),
            None => Some(format!(
                "`{} {} probe {}` answered no JSON (exit {}): {}",
                self.runner.python,
                script.display(),
                peer.name(),
                out.status,
                tail(&out.stderr)
            )),
        }
    }

    fn tmp(&mut self) -> Result<PathBuf> {
        if self.tmp.is_none() {
            let dir = std::env::temp_dir().join(format!("rustmf-peers-{}", std::process::id()));
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            self.tmp = Some(dir);
        }
        Ok(self.tmp.clone().unwrap())
    }

    /// The dataset `name` as CSR `.npy` files (once per run); the folder.
    pub fn export_csr(&mut self, name: &str, seed: u64, csr: &Csr) -> Result<PathBuf> {
        if let Some(d) = self.csr.get(name) {
            return Ok(d.clone());
        }
        let dir = self.tmp()?.join(format!("csr-{}-{seed}", super::results::slug(name)));
        crate::io::export_csr(&dir, csr).with_context(|| format!("exporting dataset {name} for the peers"))?;
        self.csr.insert(name.to_string(), dir.clone());
        Ok(dir)
    }

    /// The scoring factors of shape `(users, items, f)` as `users.npy`, `items.npy` (once per run).
    pub fn export_factors(
        &mut self,
        shape: (usize, usize, usize),
        seed: u64,
        f: &Factors,
    ) -> Result<(PathBuf, PathBuf)> {
        if let Some(p) = self.factors.get(&shape) {
            return Ok(p.clone());
        }
        let dir = self.tmp()?.join(format!("factors-{}x{}x{}-{seed}", shape.0, shape.1, shape.2));
        std::fs::create_dir_all(&dir)?;
        let (u, i) = (dir.join("users.npy"), dir.join("items.npy"));
        write_atomic(&u, &crate::io::npy_bytes(&f.users))?;
        write_atomic(&i, &crate::io::npy_bytes(&f.items))?;
        self.factors.insert(shape, (u.clone(), i.clone()));
        Ok((u, i))
    }

    /// Run `peer` with `args`; its samples (seconds) or its reason to skip.
    pub fn measure(&mut self, peer: PeerName, args: &serde_json::Value) -> Result<PeerOutcome> {
        let file = self.tmp()?.join(format!("args-{}.json", peer.name()));
        write_atomic(&file, serde_json::to_string_pretty(args)?.as_bytes())?;
        let out = Command::new(&self.runner.python)
            .arg(&self.runner.script)
            .args(["run", peer.name()])
            .arg(&file)
            .output()
            .with_context(|| format!("starting {}", self.runner.python))?;
        let messages = String::from_utf8_lossy(&out.stderr);
        for line in messages.lines() {
            eprintln!("  {}: {line}", peer.name());
        }
        anyhow::ensure!(
            out.status.success(),
            "peers.py run {} exited with {}: {}",
            peer.name(),
            out.status,
            tail(&out.stderr)
        );
        let v = last_json(&out.stdout).context("peers.py printed no JSON result")?;
        match v["status"].as_str() {
            Some("measured") => {
                let samples: Vec<f64> = serde_json::from_value(v["samples_s"].clone()).context("samples_s")?;
                anyhow::ensure!(!samples.is_empty(), "peers.py reported no samples");
                Ok(PeerOutcome::Measured { samples, params: v["params"].clone(), extra: v["extra"].clone() })
            }
            Some("skipped") => Ok(PeerOutcome::Skipped(v["reason"].as_str().unwrap_or("no reason given").to_string())),
            other => anyhow::bail!("peers.py: unknown status {other:?}"),
        }
    }

    /// Remove the exported data.
    pub fn clean_up(&mut self) {
        if let Some(d) = self.tmp.take() {
            let _ = std::fs::remove_dir_all(&d);
        }
    }
}

impl Drop for PeerState {
    fn drop(&mut self) {
        self.clean_up();
    }
}

/// The last line of `stdout` that parses as a JSON object.
fn last_json(stdout: &[u8]) -> Option<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l.trim()).ok().filter(|v| v.is_object()))
}

/// The last lines of a process's messages, for an error.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}
