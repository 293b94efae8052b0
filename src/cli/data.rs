//! `rustmf data`: convert source files to the cache, generate synthetic data, split, describe,
//! and benchmark the data layer.

use anyhow::{bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use rustmf_host::bench::flops::gb_per_s;
use rustmf_host::bench::Bench;
use rustmf_host::data::load::{self, Format, IdKind, LfmLevel, LoadOptions, TripletsSpec};
use rustmf_host::data::split::{self, Holdout, SplitBy, SplitConfig};
use rustmf_host::data::synth::{self, Preset, SynthConfig, Values};
use rustmf_host::data::{cache, stats, Dataset, Duplicates};
use std::path::PathBuf;
use std::time::Instant;

use super::outputs::refuse_overwriting;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read a dataset in its source format and write the cache file.
    Convert(ConvertArgs),
    /// Generate a synthetic dataset (planted low-rank model) and write the cache file.
    Synth(SynthArgs),
    /// Split a cached dataset into train and test caches.
    Split(SplitArgs),
    /// Print statistics of a cached dataset.
    Stats(StatsArgs),
    /// Time synthetic generation, cache write and cache read.
    Bench(BenchArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    Movielens,
    Netflix,
    Lfm1b,
    Yahoo,
    Triplets,
    Mtx,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum DuplicatesArg {
    Sum,
    Last,
    Mean,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum LevelArg {
    Track,
    Album,
    Artist,
}

#[derive(clap::Args, Debug)]
struct ConvertArgs {
    /// Source file or folder.
    input: PathBuf,
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Cache file to write [default: <input>.rustmf.safetensors].
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Skip malformed lines (counted and reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad_lines: bool,
    /// How to combine repeated (user, item) pairs [default: last for ratings, sum otherwise].
    #[arg(long, value_enum)]
    duplicates: Option<DuplicatesArg>,
    /// lfm1b: what listening events count towards.
    #[arg(long, value_enum, default_value = "track")]
    level: LevelArg,
    /// triplets: field separator: a string, `tab`, or `whitespace` (runs of blanks).
    #[arg(long, default_value = ",")]
    delimiter: String,
    /// triplets: the first line is a header.
    #[arg(long)]
    header: bool,
    /// triplets: 0-based column of the user id.
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    user_col: usize,
    /// triplets: 0-based column of the item id.
    #[arg(long, default_value_t = 1, value_parser = super::args::count, allow_negative_numbers = true)]
    item_col: usize,
    /// triplets: 0-based column of the value, or `none` (every line counts 1).
    #[arg(long, default_value = "2")]
    value_col: String,
    /// triplets: 0-based column of an integer timestamp.
    #[arg(long, value_parser = super::args::count, allow_negative_numbers = true)]
    time_col: Option<usize>,
    /// triplets: ids are arbitrary strings (default: non-negative integers).
    #[arg(long)]
    string_ids: bool,
    /// triplets: lines starting with this are comments.
    #[arg(long)]
    comment: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ValuesArg {
    Explicit,
    Implicit,
}

#[derive(clap::Args, Debug)]
struct SynthArgs {
    /// demo, movielens1m, movielens20m, netflix, yahoo, lfm1b or hugewiki.
    #[arg(long, default_value = "demo")]
    preset: Preset,
    /// Multiplies users and interactions (items stay).
    #[arg(long, default_value_t = 1.0, value_parser = super::args::positive, allow_negative_numbers = true)]
    scale: f64,
    #[arg(long, default_value_t = 42, value_parser = super::args::seed, allow_negative_numbers = true)]
    seed: u64,
    /// Override the preset's kind of values (explicit ratings 1..5 or implicit play counts).
    #[arg(long, value_enum)]
    values: Option<ValuesArg>,
    /// Cache file to write.
    #[arg(long, short)]
    out: PathBuf,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ByArg {
    Random,
    Time,
}

#[derive(clap::Args, Debug)]
struct SplitArgs {
    /// Cache file to split.
    input: PathBuf,
    #[arg(long, value_enum, default_value = "random")]
    by: ByArg,
    /// Hold out this many interactions per user.
    #[arg(long, conflicts_with = "fraction", value_parser = super::args::count1, allow_negative_numbers = true)]
    count: Option<usize>,
    /// Hold out this fraction of each user's interactions [default: 0.2].
    #[arg(long, value_parser = super::args::fraction, allow_negative_numbers = true)]
    fraction: Option<f64>,
    #[arg(long, default_value_t = 42, value_parser = super::args::seed, allow_negative_numbers = true)]
    seed: u64,
    #[arg(long)]
    train: PathBuf,
    #[arg(long)]
    test: PathBuf,
}

#[derive(clap::Args, Debug)]
struct StatsArgs {
    /// Cache file.
    input: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct BenchArgs {
    /// Preset to time (netflix and lfm1b are the reference cases).
    #[arg(long, default_value = "netflix")]
    preset: Preset,
    #[arg(long, default_value_t = 1.0, value_parser = super::args::positive, allow_negative_numbers = true)]
    scale: f64,
    #[arg(long, default_value_t = 42, value_parser = super::args::seed, allow_negative_numbers = true)]
    seed: u64,
    /// Timed repeats of each step.
    #[arg(long, default_value_t = 3, value_parser = super::args::count1, allow_negative_numbers = true)]
    repeats: usize,
    /// Folder for the results (`data-<preset>[-<tag>].json` and `.csv`).
    #[arg(long, default_value = "bench-results")]
    out: PathBuf,
    /// Suffix of the result names, e.g. the machine (`devbox`, `h100`).
    #[arg(long)]
    tag: Option<String>,
    /// Folder for the temporary cache file [default: the system temp folder].
    #[arg(long)]
    tmp: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Convert(a) => convert(a),
        Command::Synth(a) => synth_cmd(a),
        Command::Split(a) => split_cmd(a),
        Command::Stats(a) => stats_cmd(a),
        Command::Bench(a) => bench(a),
    }
}

fn convert(a: ConvertArgs) -> Result<()> {
    let format = match a.format {
        FormatArg::Movielens => Format::MovieLens,
        FormatArg::Netflix => Format::Netflix,
        FormatArg::Yahoo => Format::Yahoo,
        FormatArg::Mtx => Format::MatrixMarket,
        FormatArg::Lfm1b => Format::Lfm1b {
            level: match a.level {
                LevelArg::Track => LfmLevel::Track,
                LevelArg::Album => LfmLevel::Album,
                LevelArg::Artist => LfmLevel::Artist,
            },
        },
        FormatArg::Triplets => Format::Triplets(TripletsSpec {
            delimiter: match a.delimiter.as_str() {
                "whitespace" => None,
                "tab" => Some("\t".into()),
                d => Some(d.into()),
            },
            header: a.header,
            user_col: a.user_col,
            item_col: a.item_col,
            value_col: match a.value_col.as_str() {
                "none" => None,
                c => Some(c.parse().with_context(|| format!("--value-col {c:?}: a column number or `none`"))?),
            },
            time_col: a.time_col,
            ids: if a.string_ids { IdKind::String } else { IdKind::Integer },
            comment: a.comment,
        }),
    };
    let options = LoadOptions {
        skip_bad_lines: a.skip_bad_lines,
        duplicates: a.duplicates.map(|d| match d {
            DuplicatesArg::Sum => Duplicates::Sum,
            DuplicatesArg::Last => Duplicates::Last,
            DuplicatesArg::Mean => Duplicates::Mean,
        }),
        progress: true,
    };
    let out = a.out.unwrap_or_else(|| cache::default_path(&a.input));
    refuse_overwriting("--out", &out, &[("the input", &a.input)])?;
    let t = Instant::now();
    let loaded = load::load(&format, &a.input, &options)?;
    let r = &loaded.report;
    let x = &loaded.dataset.interactions;
    eprintln!(
        "read {} lines, {} entries → {} × {} with {} interactions in {:.1} s",
        r.lines,
        r.entries,
        x.n_users(),
        x.n_items(),
        x.nnz(),
        t.elapsed().as_secs_f64()
    );
    if r.skipped > 0 {
        eprintln!("skipped {} malformed lines; the first:", r.skipped);
        for e in &r.first_skipped {
            eprintln!("  {e}");
        }
    }
    if r.combined > 0 {
        eprintln!("warning: {} (choose with --duplicates sum|last|mean)", r.duplicates_note().replacen(':', " —", 1));
    }
    let source = format!("{:?} {}", a.format, a.input.display()).to_lowercase();
    let (staged, info) = cache::stage(&loaded.dataset, &out, &source, Some(&r.duplicates_note()))?;
    staged.commit()?;
    eprintln!("wrote {} ({:.1} MB)", out.display(), info.file_bytes as f64 / 1e6);
    Ok(())
}

fn synth_config(preset: Preset, scale: f64, seed: u64, values: Option<ValuesArg>) -> Result<SynthConfig> {
    let mut cfg = SynthConfig::preset(preset, scale, seed);
    match values {
        Some(ValuesArg::Implicit) if matches!(cfg.values, Values::Explicit { .. }) => {
            cfg.values = Values::Implicit { mean_plays: 4.0 };
        }
        Some(ValuesArg::Explicit) if matches!(cfg.values, Values::Implicit { .. }) => {
            cfg.values = SynthConfig::preset(Preset::Netflix, 1.0, seed).values;
        }
        _ => {}
    }
    cfg.check_memory()?;
    Ok(cfg)
}

fn synth_cmd(a: SynthArgs) -> Result<()> {
    let cfg = synth_config(a.preset, a.scale, a.seed, a.values)?;
    let t = Instant::now();
    let s = synth::generate(&cfg);
    let x = &s.interactions;
    eprintln!(
        "generated {} × {} with {} interactions (target {}) in {:.1} s",
        x.n_users(),
        x.n_items(),
        x.nnz(),
        cfg.nnz,
        t.elapsed().as_secs_f64()
    );
    if let (Some(noise), Some(oracle)) = (s.planted.noise_std, s.planted.oracle_rmse) {
        eprintln!("planted rank {}, noise std {noise}, oracle RMSE {oracle:.4}", s.planted.rank);
    }
    let source = format!("synth {} scale {} seed {} {:?}", a.preset, a.scale, a.seed, cfg.values);
    let info = cache::save(&Dataset::from(s.interactions), &a.out, &source)?;
    eprintln!("wrote {} ({:.1} MB)", a.out.display(), info.file_bytes as f64 / 1e6);
    Ok(())
}

fn split_cmd(a: SplitArgs) -> Result<()> {
    refuse_overwriting("--train", &a.train, &[("the input", &a.input)])?;
    refuse_overwriting("--test", &a.test, &[("the input", &a.input), ("--train", &a.train)])?;
    let d = cache::load(&a.input)?;
    let holdout = match (a.count, a.fraction) {
        (Some(k), _) => Holdout::Count(k),
        (None, f) => Holdout::Fraction(f.unwrap_or(0.2)),
    };
    let by = match a.by {
        ByArg::Random => SplitBy::Random,
        ByArg::Time => SplitBy::Time,
    };
    let s = split::split(&d, &SplitConfig { by, holdout, seed: a.seed })?;
    let info = cache::info(&a.input)?;
    let what = format!("{by:?} {holdout:?} seed {}", a.seed).to_lowercase();
    let dupes = info.duplicates.as_deref();
    let (train, _) = cache::stage(&s.train, &a.train, &format!("{}; train of split {what}", info.source), dupes)?;
    let (test, _) = cache::stage(&s.test, &a.test, &format!("{}; test of split {what}", info.source), dupes)?;
    train.commit()?;
    test.commit()?;
    eprintln!(
        "train {} interactions → {}, test {} → {}",
        s.train.interactions.nnz(),
        a.train.display(),
        s.test.interactions.nnz(),
        a.test.display()
    );
    Ok(())
}

fn stats_cmd(a: StatsArgs) -> Result<()> {
    let info = cache::info(&a.input)?;
    let s = stats::stats(&cache::load(&a.input)?);
    let duplicates = format!(
        "each (user, item) pair is stored once; repeated pairs of the source were combined at conversion ({})",
        info.duplicates.as_deref().unwrap_or("how: not recorded in this cache")
    );
    if a.json {
        let v = serde_json::json!({"source": info.source, "duplicates": duplicates, "stats": s});
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("source          {}", info.source);
        println!("duplicates      {duplicates}");
        print!("{s}");
    }
    Ok(())
}

fn bench(a: BenchArgs) -> Result<()> {
    let cfg = synth_config(a.preset, a.scale, a.seed, None)?;
    let name = match &a.tag {
        Some(tag) => format!("data-{}-{tag}", a.preset),
        None => format!("data-{}", a.preset),
    };
    let mut b = Bench::new(&name);
    let params = serde_json::json!({"preset": a.preset, "scale": a.scale, "seed": a.seed, "config": cfg});
    let repeats = a.repeats;

    let mut generated = None;
    b.measure("generate", params.clone(), 0, repeats, || {
        generated = None;
        generated = Some(synth::generate(&cfg));
    });
    let s = generated.expect("generated at least once");
    let oracle_rmse = s.planted.oracle_rmse;
    let dataset = Dataset::from(s.interactions);
    let x = &dataset.interactions;
    let st = stats::stats(&dataset);
    let gen_median = b.cases.last().unwrap().summary.median_s;
    b.annotate_last(serde_json::json!({
        "n_users": x.n_users(), "n_items": x.n_items(), "nnz": x.nnz(), "target_nnz": cfg.nnz,
        "nnz_over_target": x.nnz() as f64 / cfg.nnz as f64,
        "top1pct_item_share": st.top1pct_item_share,
        "oracle_rmse": oracle_rmse,
        "nnz_per_s": x.nnz() as f64 / gen_median,
    }));

    let dir = a.tmp.unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!(".rustmf-bench-{}-{}.safetensors", a.preset, std::process::id()));
    let mut file_bytes = 0;
    let write = b.measure("cache write", params.clone(), 0, repeats, || {
        file_bytes = cache::save(&dataset, &path, "bench").expect("cache write").file_bytes;
    });
    let write_median = write.summary.median_s;
    b.annotate_last(throughput(file_bytes, dataset.interactions.nnz(), write_median));

    let mut loaded_ok = true;
    let read = b.measure("cache read (mmap + checksum)", params, 1, repeats, || {
        loaded_ok &= cache::load(&path).map(|d| d == dataset).unwrap_or(false);
    });
    let read_median = read.summary.median_s;
    b.annotate_last(throughput(file_bytes, dataset.interactions.nnz(), read_median));
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    if !loaded_ok {
        bail!("the cache read back differs from what was written");
    }

    for p in synth::PRESETS {
        let small = synth_config(p, preset_check_scale(p), a.seed, None)?;
        let t = Instant::now();
        let small_set = Dataset::from(synth::generate(&small).interactions);
        let secs = t.elapsed().as_secs_f64();
        let x = &small_set.interactions;
        let share = stats::stats(&small_set).top1pct_item_share;
        b.record(
            &format!("preset {} x{}", p, preset_check_scale(p)),
            serde_json::json!({"preset": p, "scale": preset_check_scale(p), "seed": a.seed}),
            vec![secs],
            serde_json::json!({
                "n_users": x.n_users(), "n_items": x.n_items(), "nnz": x.nnz(), "target_nnz": small.nnz,
                "nnz_over_target": x.nnz() as f64 / small.nnz as f64, "top1pct_item_share": share,
            }),
        );
    }
    b.finish(&a.out)?;
    Ok(())
}

/// Scale at which every preset is generated once for the nnz and popularity check.
fn preset_check_scale(p: Preset) -> f64 {
    match p {
        Preset::Demo | Preset::Movielens1m => 1.0,
        Preset::Hugewiki => 0.001,
        _ => 0.01,
    }
}

fn throughput(bytes: u64, nnz: usize, seconds: f64) -> serde_json::Value {
    serde_json::json!({
        "file_bytes": bytes,
        "GB_per_s": gb_per_s(bytes as f64, seconds),
        "nnz_per_s": nnz as f64 / seconds,
    })
}
