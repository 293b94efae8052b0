//! `rustmf similar`: the items most similar to given items of a model folder, by the cosine of
//! their factors, by original ids.
//!
//! ```text
//! rustmf similar --model model/ --items m_toy_story,m_heat --k 5
//! ```

use std::path::PathBuf;

use anyhow::Result;
use rustmf_host::model::Recommender;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model folder written by `train --out`.
    #[arg(long)]
    pub model: PathBuf,
    /// Comma-separated item ids, as in the training data.
    #[arg(long)]
    pub items: String,
    #[arg(long, default_value_t = 10, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub k: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let model = rustmf_host::io::load_model(&args.model)?;
    let ids: Vec<&str> = args.items.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    anyhow::ensure!(!ids.is_empty(), "--items lists no item ids");
    anyhow::ensure!(args.k >= 1, "--k must be at least 1");
    let mut out = Vec::new();
    for id in ids {
        let similar = model.factors.similar_items(model.item_index(id)?, args.k)?;
        let named: Vec<(String, f32)> = similar.iter().map(|&(i, s)| (model.items.label(i as usize), s)).collect();
        out.push((id, named));
    }
    if args.json {
        let rows: Vec<serde_json::Value> = out
            .iter()
            .map(|(id, named)| {
                let (items, cosines): (Vec<&String>, Vec<f32>) = named.iter().map(|(n, s)| (n, *s)).unzip();
                serde_json::json!({ "item": id, "similar": items, "cosine": cosines })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    for (id, named) in &out {
        println!("item {id}:");
        for (rank, (item, cosine)) in named.iter().enumerate() {
            println!("  {:>4}. item {item:<16} cosine {cosine:.4}", rank + 1);
        }
    }
    Ok(())
}
