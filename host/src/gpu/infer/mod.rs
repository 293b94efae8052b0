//! Top-K recommendations on the GPU (issue 6): the item factors stay resident; a batch of query
//! vectors goes in, each row's K best items (excluding its listed items) come out.
//!
//! Three ways to score, one selection ([`GpuScoring`]):
//! * `Sgemm`: cuBLAS SGEMM writes the B × N score matrix, excluded items are marked in it, and
//!   `topk_dense` selects each row's K (the seed's design; 4 B·N bytes written and re-read);
//! * `SgemmTf32`: the same GEMM on the tensor cores in TF32, selecting 2K (at most 1024)
//!   candidates per row, which `topk_rescore` scores again exactly before the final K;
//! * `Fused`: rustmf's fused kernels (`kernels-rs/src/topk/score.rs`): exact scores of a sample of
//!   the items give each row a threshold, then all items are scored and only those reaching it
//!   are kept — the B × N matrix is never written. Rows whose candidate list overflows (massive
//!   ties) are redone densely with the same arithmetic.
//! * `FusedTf32`: as `Fused`, but the filter over all items multiplies on the tensor cores in
//!   TF32 (`score_tf32.rs`) and keeps every item within a proven bound of the error of its
//!   threshold; `topk_rescore` then scores the candidates exactly. Same answer as `Fused`.
//! * `FusedWgmma`: as `FusedTf32`, the filter's products issued by warpgroup `wgmma`s from shared
//!   memory (`score_wgmma.rs`; H100/H200 only, the sm_90a PTX). Same test, same answer.
//!
//! `Fused`, `FusedTf32` and the re-scored `SgemmTf32` candidates use the CPU reference's
//! summation order, so their scores are bit-identical to `infer::reference_scores`; `Sgemm` uses
//! cuBLAS's order.
use super::{Blas, CudaSlice, EventTimer, Gpu, GpuError, Kernel, PinnedStaging, Words};
use crate::infer::TopK;
use crate::model::Matrix;
use crate::ptx::PtxImage;
use rustmf_kernel_abi::topk::{
    self, select, MarkExcluded, Rescore, ScoreFilter, ScoreFilterTensor, ScoreSample, Scorer, SelectCandidates,
    SelectDense, Threshold, OVERFLOW,
};
use rustmf_kernel_abi::SUPPORTED_F;
use std::sync::Arc;

pub use rustmf_kernel_abi::topk::K_MAX;

/// How scores are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuScoring {
    Sgemm,
    SgemmTf32,
    Fused,
    FusedTf32,
    FusedWgmma,
}

impl GpuScoring {
    pub fn name(self) -> &'static str {
        match self {
            GpuScoring::Sgemm => "gpu-sgemm",
            GpuScoring::SgemmTf32 => "gpu-tf32",
            GpuScoring::Fused => "gpu-fused",
            GpuScoring::FusedTf32 => "gpu-fused-tf32",
            GpuScoring::FusedWgmma => "gpu-fused-wgmma",
        }
    }
}

/// The last batch on the GPU: its time from the first upload to the results' download (CUDA
/// events, seconds; kernels are not timed one by one, as waiting on each one's event left the GPU
/// idle between launches).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct InferBreakdown {
    pub total_s: f64,
    /// Fused: rows redone densely because their candidate list overflowed.
    pub overflow_rows: usize,
    /// Fused: rows redone densely because fewer than k of their items reached τ (the sample held
    /// more of the row's best items than its size leads one to expect).
    pub short_rows: usize,
}

/// A batch on the device: query rows and their exclusion lists.
struct Batch {
    rows: usize,
    queries: CudaSlice<f32>,
    indptr: CudaSlice<u32>,
    excluded: CudaSlice<u32>,
}

/// A selection on the device: rows × k, as [`TopK`].
struct Selected {
    k: usize,
    items: CudaSlice<u32>,
    scores: CudaSlice<f32>,
    counts: CudaSlice<u32>,
}

/// Candidate lists on the device: `cap` slots per row and the number appended.
struct Candidates {
    cap: usize,
    counts: CudaSlice<u32>,
    scores: CudaSlice<f32>,
    items: CudaSlice<u32>,
}

struct Kernels {
    dense: Kernel,
    candidates: Kernel,
    threshold: Kernel,
    mark: Kernel,
    rescore: Kernel,
    sample: Kernel,
    filter: Kernel,
    filter_tf32: Kernel,
    /// Present in the sm_90a image only.
    filter_wgmma: Option<Kernel>,
}

pub struct GpuScorer {
    gpu: Arc<Gpu>,
    blas: Blas,
    mode: GpuScoring,
    items: CudaSlice<f32>,
    /// `FusedTf32`: each item row's Euclidean norm, rounded up, padded with zeros to whole tiles.
    norms: Option<CudaSlice<f32>>,
    n_items: usize,
    f: usize,
    kernels: Kernels,
    /// Dense scores (SGEMM output or the fused path's sample), kept between batches.
    scratch: Option<CudaSlice<f32>>,
    /// The fused path's candidate lists, kept between batches (the counts are zeroed per batch).
    candidates: Option<Candidates>,
    /// The fused path's per-row thresholds (and `FusedTf32`'s slacks), kept between batches of
    /// the same size.
    tau: Option<CudaSlice<f32>>,
    slack: Option<CudaSlice<f32>>,
    /// The last batch's device buffers and selections, reused by a batch of the same shape
    /// (each new one costs a free-memory query, an allocation and for selections a memset).
    batch: Option<Batch>,
    selections: Vec<Selected>,
    /// Page-locked host memory the results come back through.
    pinned: PinnedStaging,
    last: InferBreakdown,
}

impl GpuScorer {
    /// Uploads the item factors (n_items × f, row-major).
    pub fn new(gpu: Arc<Gpu>, items: &Matrix, mode: GpuScoring) -> Result<GpuScorer, GpuError> {
        let f = items.cols;
        if !SUPPORTED_F.contains(&f) {
            return Err(GpuError::Unsupported(format!("GPU scoring has kernels for f ∈ {SUPPORTED_F:?}, not f = {f}")));
        }
        let g = &*gpu;
        let kernels = Kernels {
            dense: g.entry(topk::DENSE)?,
            candidates: g.entry(topk::CANDIDATES)?,
            threshold: g.entry(topk::THRESHOLD)?,
            mark: g.entry(topk::MARK_EXCLUDED)?,
            rescore: g.entry(topk::RESCORE)?,
            sample: g.entry(Scorer::Sample.entry(f))?,
            filter: g.entry(Scorer::Filter.entry(f))?,
            filter_tf32: g.entry(Scorer::FilterTf32.entry(f))?,
            filter_wgmma: g.entry(Scorer::FilterWgmma.entry(f)).ok(),
        };
        if mode == GpuScoring::FusedWgmma && kernels.filter_wgmma.is_none() {
            return Err(GpuError::Unsupported(format!(
                "gpu-fused-wgmma needs the sm_90a kernels (H100/H200); this device ({}) runs the sm_{} PTX",
                g.info.name, g.ptx_arch
            )));
        }
        let blas = Blas::new(g)?;
        blas.set_tf32(mode == GpuScoring::SgemmTf32)?;
        let norms = match mode {
            GpuScoring::FusedTf32 | GpuScoring::FusedWgmma => Some(g.upload(&item_norms(items), "item norms")?),
            _ => None,
        };
        Ok(GpuScorer {
            items: g.upload(&items.data, "item factors")?,
            norms,
            n_items: items.rows,
            f,
            blas,
            mode,
            kernels,
            scratch: None,
            candidates: None,
            tau: None,
            slack: None,
            batch: None,
            selections: Vec::new(),
            pinned: PinnedStaging::default(),
            last: InferBreakdown::default(),
            gpu,
        })
    }

    pub fn mode(&self) -> GpuScoring {
        self.mode
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    pub fn n_factors(&self) -> usize {
        self.f
    }

    /// The last batch's breakdown.
    pub fn breakdown(&self) -> InferBreakdown {
        self.last
    }

    /// Top `k` of each query row (queries: B × f row-major); `exclude` = (indptr of B + 1 entries,
    /// sorted items per row). Inputs are validated by the caller (`infer::Scorer`).
    pub fn run_batch(
        &mut self,
        queries: &[f32],
        exclude: Option<(&[u32], &[u32])>,
        k: usize,
    ) -> Result<TopK, GpuError> {
        assert!((1..=K_MAX).contains(&k) && queries.len() % self.f == 0, "top_k: k in 1..=1024 and whole query rows");
        let g = self.gpu.clone();
        let whole = EventTimer::new(&g)?;
        whole.start()?;
        self.last = InferBreakdown::default();
        let batch = self.upload(queries, exclude)?;
        let result = match self.mode {
            GpuScoring::Sgemm | GpuScoring::SgemmTf32 => {
                let selected = self.dense_path(&batch, k)?;
                let top = self.download(&selected)?;
                self.recycle(selected);
                top
            }
            GpuScoring::Fused | GpuScoring::FusedTf32 | GpuScoring::FusedWgmma => {
                self.fused_path(&batch, k, queries, exclude)?
            }
        };
        self.batch = Some(batch);
        self.last.total_s = whole.stop()?;
        Ok(result)
    }

    /// A selection, copied to the host.
    fn download(&mut self, s: &Selected) -> Result<TopK, GpuError> {
        Ok(self.download_with(s, None)?.0)
    }

    /// A selection and, when given, the rows' thresholds, copied to the host together.
    fn download_with(&mut self, s: &Selected, tau: Option<&CudaSlice<f32>>) -> Result<(TopK, Vec<f32>), GpuError> {
        let mut parts = vec![Words::U32(&s.items), Words::F32(&s.scores), Words::U32(&s.counts)];
        parts.extend(tau.map(Words::F32));
        let mut words = self.gpu.download_words(&parts, &mut self.pinned)?.into_iter();
        let mut next = || words.next().unwrap_or_default();
        let floats = |w: Vec<u32>| w.into_iter().map(f32::from_bits).collect::<Vec<f32>>();
        let top = TopK { k: s.k, items: next(), scores: floats(next()), counts: next() };
        Ok((top, floats(next())))
    }

    /// The batch on the device, in the last batch's buffers where they have the same lengths.
    fn upload(&mut self, queries: &[f32], exclude: Option<(&[u32], &[u32])>) -> Result<Batch, GpuError> {
        let g = &*self.gpu;
        let rows = queries.len() / self.f;
        let empty = vec![0u32; rows + 1];
        let (indptr, excluded) = exclude.unwrap_or((&empty, &[]));
        // A device buffer cannot be empty; the sentinel is never read (indptr says 0 entries).
        let excluded = if excluded.is_empty() { &[u32::MAX][..] } else { excluded };
        let old = self.batch.take();
        let (old_q, old_p, old_e) = match old {
            Some(b) => (Some(b.queries), Some(b.indptr), Some(b.excluded)),
            None => (None, None, None),
        };
        Ok(Batch {
            rows,
            queries: g.upload_reusing(queries, old_q, "query vectors")?,
            indptr: g.upload_reusing(indptr, old_p, "exclusion row pointers")?,
            excluded: g.upload_reusing(excluded, old_e, "excluded items")?,
        })
    }

    /// The dense score buffer, grown to at least `len` floats.
    fn scratch(&mut self, len: usize) -> Result<CudaSlice<f32>, GpuError> {
        match self.scratch.take() {
            Some(s) if s.len() >= len => Ok(s),
            old => {
                drop(old);
                self.gpu.alloc_zeros::<f32>(len, "the dense score matrix")
            }
        }
    }

    /// SGEMM (fp32 or TF32) → mark exclusions → select k (fp32), or 2k candidates re-scored
    /// exactly and then k (TF32).
    fn dense_path(&mut self, b: &Batch, k: usize) -> Result<Selected, GpuError> {
        let n = self.n_items;
        let mut scores = self.scratch(b.rows * n)?;
        let (blas, items) = (&self.blas, &self.items);
        blas.sgemm_row_major_bt(b.rows, n, self.f, &b.queries, items, &mut scores)?;
        let tf32 = self.mode == GpuScoring::SgemmTf32;
        let first = if tf32 { (2 * k).clamp(k, K_MAX) } else { k };
        let selected = self.select_dense(b, &mut scores, n, 1, first);
        self.scratch = Some(scores);
        let selected = selected?;
        if !tf32 {
            return Ok(selected);
        }
        let mut cands =
            Candidates { cap: first, counts: selected.counts, scores: selected.scores, items: selected.items };
        self.rescore(b, &mut cands)?;
        self.select_candidates(b.rows, &cands, k)
    }

    /// The candidates' exact scores, in place of their approximate ones.
    fn rescore(&self, b: &Batch, c: &mut Candidates) -> Result<(), GpuError> {
        let g = &*self.gpu;
        let args = Rescore {
            rows: b.rows as u32,
            f: self.f as u32,
            cap: c.cap as u32,
            queries: g.input(&b.queries),
            items: g.input(&self.items),
            counts: g.input(&c.counts),
            cand_items: g.input(&c.items),
            cand_scores: g.output(&mut c.scores),
        };
        unsafe { g.launch_with(&self.kernels.rescore, &args, topk::rescore_launch(b.rows, c.cap)) }
    }

    /// Sample → thresholds → filter → select; rows whose answer τ cannot vouch for redone densely
    /// (same arithmetic). `queries` and `exclude` are the batch as the caller gave it, for the
    /// rows to redo.
    ///
    /// The sample is every `step`-th item, at least 4k of them (a 128th of the items at scale).
    /// τ is about the k_s-th best sampled score, k_s = min(k, ⌈8k/step⌉): the sample holds k/step
    /// of a row's k best items on average, and k_s is 8 times that, so τ lies below the row's
    /// k-th best score in all but freak rows (at k = 100, step = 128: a sample holding 7 of them,
    /// chance ~2·10⁻⁶), about 8k items down rather than k·step (with
    /// k_s = k, the bound is sure; k_s < k gives far fewer candidates). The answer is exact
    /// whenever the k-th selected score reaches τ, as every item left out scores below τ; a row
    /// where it does not (or whose list overflowed) is redone.
    fn fused_path(
        &mut self,
        b: &Batch,
        k: usize,
        queries: &[f32],
        exclude: Option<(&[u32], &[u32])>,
    ) -> Result<TopK, GpuError> {
        let n = self.n_items;
        let step = (n / (4 * k).max(n / 128).max(1)).max(1);
        let n_cols = n.div_ceil(step);
        let k_s = k.min((8 * k).div_ceil(step));
        // 1. The sample's exact scores, exclusions marked, and each row's threshold τ: at most
        //    the k_s-th best sampled score.
        let mut scores = self.scratch(b.rows * n_cols)?;
        let tau = self
            .sample_scores(b, step, n_cols, &mut scores)
            .and_then(|_| self.thresholds(b, &mut scores, n_cols, step, k_s));
        self.scratch = Some(scores);
        let tau = tau?;
        // 2. Candidates over all items whose score reaches τ (TF32: within the error bound of τ,
        //    then re-scored exactly); then each row's top k of them.
        let cap = (4 * k_s * step).clamp(4096.min(n), n.max(1));
        let cands = match self.mode {
            GpuScoring::FusedTf32 | GpuScoring::FusedWgmma => self.filter_tf32(b, &tau, queries, cap),
            _ => self.filter(b, &tau, cap),
        };
        let cands = cands?;
        let selected = self.select_candidates(b.rows, &cands, k);
        self.candidates = Some(cands);
        let selected = selected?;
        // 3. Rows whose list overflowed (count OVERFLOW), or whose k-th answer is below τ (or
        //    missing while τ is finite): all their scores, densely.
        let downloaded = self.download_with(&selected, Some(&tau));
        self.recycle(selected);
        self.tau = Some(tau);
        let (mut top, tau) = downloaded?;
        let overflowed = |r: usize| top.counts[r] == OVERFLOW;
        // τ above −∞, and fewer than k answers or a k-th answer below τ (NaN ranks below).
        let short = |r: usize| {
            let (c, kth) = (top.counts[r] as usize, top.scores[r * k + k - 1]);
            tau[r] > f32::NEG_INFINITY && (c < k || kth.is_nan() || kth < tau[r])
        };
        let over: Vec<usize> = (0..b.rows).filter(|&r| overflowed(r) || short(r)).collect();
        self.last.overflow_rows = (0..b.rows).filter(|&r| overflowed(r)).count();
        self.last.short_rows = over.len() - self.last.overflow_rows;
        if !over.is_empty() {
            self.redo_rows(&over, queries, exclude, &mut top)?;
        }
        Ok(top)
    }

    /// Exact scores of every `step`-th item for all rows of `b`, into `out` (rows × n_cols).
    fn sample_scores(
        &mut self,
        b: &Batch,
        step: usize,
        n_cols: usize,
        out: &mut CudaSlice<f32>,
    ) -> Result<(), GpuError> {
        let g = &*self.gpu;
        let launch = topk::score::launch(self.f, b.rows, n_cols, g.info.multiprocessors);
        let args = ScoreSample {
            rows: b.rows as u32,
            queries: g.input(&b.queries),
            items: g.input(&self.items),
            step: step as u32,
            n_cols: n_cols as u64,
            tiles_per_block: launch.tiles_per_block,
            ld: n_cols as u64,
            out: g.output(out),
        };
        unsafe { g.launch_with(&self.kernels.sample, &args, launch.shape) }
    }

    /// All items scored; those ≥ the row's threshold and not excluded appended to its list.
    fn filter(&mut self, b: &Batch, tau: &CudaSlice<f32>, cap: usize) -> Result<Candidates, GpuError> {
        let mut c = self.empty_candidates(b.rows, cap)?;
        let g = &*self.gpu;
        let launch = topk::score::launch(self.f, b.rows, self.n_items, g.info.multiprocessors);
        let args = ScoreFilter {
            rows: b.rows as u32,
            queries: g.input(&b.queries),
            items: g.input(&self.items),
            n_items: self.n_items as u64,
            tiles_per_block: launch.tiles_per_block,
            tau: g.input(tau),
            ex_indptr: g.input(&b.indptr),
            ex_items: g.input(&b.excluded),
            cap: cap as u32,
            counts: g.output(&mut c.counts),
            cand_scores: g.output(&mut c.scores),
            cand_items: g.output(&mut c.items),
        };
        unsafe { g.launch_with(&self.kernels.filter, &args, launch.shape)? };
        Ok(c)
    }

    /// The tensor-core filter (`mma.sync`, or `wgmma` for `FusedWgmma`): every item whose TF32
    /// score is within the error bound of the row's threshold, scored again exactly.
    fn filter_tf32(
        &mut self,
        b: &Batch,
        tau: &CudaSlice<f32>,
        queries: &[f32],
        cap: usize,
    ) -> Result<Candidates, GpuError> {
        let (g, f) = (self.gpu.clone(), self.f);
        let slack: Vec<f32> = queries
            .chunks(f)
            .map(|q| round_up(topk::tf32::SLACK_PER_NORM * q.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt()))
            .collect();
        let slack = g.upload_reusing(&slack, self.slack.take(), "threshold slacks")?;
        let mut c = self.empty_candidates(b.rows, cap)?;
        let (filter, launch) = if self.mode == GpuScoring::FusedWgmma {
            let filter = self.kernels.filter_wgmma.as_ref().expect("checked in GpuScorer::new");
            (filter, topk::wgmma::launch(f, b.rows, self.n_items, g.info.multiprocessors))
        } else {
            (&self.kernels.filter_tf32, topk::tf32::launch(f, b.rows, self.n_items, g.info.multiprocessors))
        };
        let norms = self.norms.as_ref().expect("FusedTf32 scorers hold item norms");
        let args = ScoreFilterTensor {
            rows: b.rows as u32,
            queries: g.input(&b.queries),
            items: g.input(&self.items),
            norms: g.input(norms),
            n_items: self.n_items as u64,
            tiles_per_block: launch.tiles_per_block,
            tau: g.input(tau),
            slack: g.input(&slack),
            ex_indptr: g.input(&b.indptr),
            ex_items: g.input(&b.excluded),
            cap: cap as u32,
            counts: g.output(&mut c.counts),
            cand_scores: g.output(&mut c.scores),
            cand_items: g.output(&mut c.items),
        };
        unsafe { g.launch_with(filter, &args, launch.shape)? };
        self.rescore(b, &mut c)?;
        self.slack = Some(slack);
        Ok(c)
    }

    /// Candidate lists of `cap` slots for `rows` rows with zero counts: the cached ones when
    /// they fit.
    fn empty_candidates(&mut self, rows: usize, cap: usize) -> Result<Candidates, GpuError> {
        let g = self.gpu.clone();
        Ok(match self.candidates.take() {
            Some(mut c) if c.cap == cap && c.counts.len() >= rows => {
                g.stream()
                    .memset_zeros(&mut c.counts)
                    .map_err(|source| GpuError::Driver { context: "zeroing candidate counts".into(), source })?;
                c
            }
            old => {
                drop(old);
                Candidates {
                    cap,
                    counts: g.alloc_zeros::<u32>(rows, "candidate counts")?,
                    scores: g.alloc_zeros::<f32>(rows * cap, "candidate scores")?,
                    items: g.alloc_zeros::<u32>(rows * cap, "candidate items")?,
                }
            }
        })
    }

    /// Marks exclusions in the dense `rows × n_cols` scores (column c = item c·step).
    fn mark_excluded(
        &self,
        b: &Batch,
        scores: &mut CudaSlice<f32>,
        n_cols: usize,
        step: usize,
    ) -> Result<(), GpuError> {
        let g = &*self.gpu;
        let args = MarkExcluded {
            rows: b.rows as u32,
            indptr: g.input(&b.indptr),
            items: g.input(&b.excluded),
            step: step as u32,
            n_cols: n_cols as u64,
            ld: n_cols as u64,
            scores: g.output(scores),
        };
        unsafe { g.launch_with(&self.kernels.mark, &args, topk::mark_excluded_launch(g.info.multiprocessors)) }
    }

    /// Each row's threshold for the filters from its dense sample scores (exclusions marked
    /// here): at most the k-th best, −∞ when fewer than k are left.
    fn thresholds(
        &mut self,
        b: &Batch,
        scores: &mut CudaSlice<f32>,
        n_cols: usize,
        step: usize,
        k: usize,
    ) -> Result<CudaSlice<f32>, GpuError> {
        self.mark_excluded(b, scores, n_cols, step)?;
        let g = self.gpu.clone();
        let mut tau = match self.tau.take() {
            Some(t) if t.len() == b.rows => t,
            _ => g.alloc_zeros::<f32>(b.rows, "thresholds")?,
        };
        let args = Threshold {
            rows: b.rows as u32,
            n: n_cols as u64,
            ld: n_cols as u64,
            scores: g.input(scores),
            k: k as u32,
            tau: g.output(&mut tau),
        };
        unsafe { g.launch_with(&self.kernels.threshold, &args, select::threshold_launch(b.rows))? };
        Ok(tau)
    }

    /// Marks exclusions in the dense `rows × n_cols` scores (column c = item c·step) and selects
    /// each row's top k (reported by column).
    fn select_dense(
        &mut self,
        b: &Batch,
        scores: &mut CudaSlice<f32>,
        n_cols: usize,
        step: usize,
        k: usize,
    ) -> Result<Selected, GpuError> {
        self.mark_excluded(b, scores, n_cols, step)?;
        let g = self.gpu.clone();
        let mut s = self.alloc_selected(b.rows, k)?;
        let args = SelectDense {
            rows: b.rows as u32,
            n: n_cols as u64,
            ld: n_cols as u64,
            scores: g.input(scores),
            k: k as u32,
            out_items: g.output(&mut s.items),
            out_scores: g.output(&mut s.scores),
            out_counts: g.output(&mut s.counts),
        };
        unsafe { g.launch_with(&self.kernels.dense, &args, select::launch(b.rows))? };
        Ok(s)
    }

    /// Each row's top k of its candidate list.
    fn select_candidates(&mut self, rows: usize, c: &Candidates, k: usize) -> Result<Selected, GpuError> {
        let g = self.gpu.clone();
        let mut s = self.alloc_selected(rows, k)?;
        let args = SelectCandidates {
            rows: rows as u32,
            cap: c.cap as u32,
            counts: g.input(&c.counts),
            cand_scores: g.input(&c.scores),
            cand_items: g.input(&c.items),
            k: k as u32,
            out_items: g.output(&mut s.items),
            out_scores: g.output(&mut s.scores),
            out_counts: g.output(&mut s.counts),
        };
        unsafe { g.launch_with(&self.kernels.candidates, &args, select::launch(rows))? };
        Ok(s)
    }

    /// A selection of `rows` × `k`: a recycled one of that shape, or new (the kernels write
    /// every slot and count, so it need not be cleared).
    fn alloc_selected(&mut self, rows: usize, k: usize) -> Result<Selected, GpuError> {
        if let Some(i) = self.selections.iter().position(|s| s.k == k && s.counts.len() == rows) {
            return Ok(self.selections.swap_remove(i));
        }
        let g = &*self.gpu;
        Ok(Selected {
            k,
            items: g.alloc_zeros::<u32>(rows * k, "top-k items")?,
            scores: g.alloc_zeros::<f32>(rows * k, "top-k scores")?,
            counts: g.alloc_zeros::<u32>(rows, "top-k counts")?,
        })
    }

    /// Keeps a selection for the next batch of its shape (the two a batch uses, at most).
    fn recycle(&mut self, s: Selected) {
        if self.selections.len() == 2 {
            self.selections.remove(0);
        }
        self.selections.push(s);
    }

    /// The fused path's fallback: rows `over` of the batch scored over all items by the sample
    /// kernel (step 1, the same arithmetic), selected densely, and written into their rows of `top`.
    fn redo_rows(
        &mut self,
        over: &[usize],
        queries: &[f32],
        exclude: Option<(&[u32], &[u32])>,
        top: &mut TopK,
    ) -> Result<(), GpuError> {
        let (f, k, n) = (self.f, top.k, self.n_items);
        let mut sub_q = Vec::with_capacity(over.len() * f);
        let (mut sub_p, mut sub_e) = (vec![0u32], Vec::new());
        for &r in over {
            sub_q.extend_from_slice(&queries[r * f..(r + 1) * f]);
            if let Some((indptr, excluded)) = exclude {
                sub_e.extend_from_slice(&excluded[indptr[r] as usize..indptr[r + 1] as usize]);
            }
            sub_p.push(sub_e.len() as u32);
        }
        let sub = self.upload(&sub_q, Some((&sub_p, &sub_e)))?;
        let mut scores = self.scratch(sub.rows * n)?;
        let redone =
            self.sample_scores(&sub, 1, n, &mut scores).and_then(|_| self.select_dense(&sub, &mut scores, n, 1, k));
        self.scratch = Some(scores);
        let redone = self.download(&redone?)?;
        for (j, &r) in over.iter().enumerate() {
            top.items[r * k..(r + 1) * k].copy_from_slice(&redone.items[j * k..(j + 1) * k]);
            top.scores[r * k..(r + 1) * k].copy_from_slice(&redone.scores[j * k..(j + 1) * k]);
            top.counts[r] = redone.counts[j];
        }
        Ok(())
    }
}

/// The smallest f32 ≥ x (x ≥ 0, finite), so bounds computed in f64 stay bounds.
fn round_up(x: f64) -> f32 {
    let r = x as f32;
    if (r as f64) < x {
        f32::from_bits(r.to_bits() + 1)
    } else {
        r
    }
}

/// ‖y_i‖ of every item row, rounded up, then zeros to the tensor filters' [`topk::norms_len`].
fn item_norms(items: &Matrix) -> Vec<f32> {
    let mut norms: Vec<f32> = items
        .data
        .chunks(items.cols)
        .map(|y| round_up(y.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt()))
        .collect();
    norms.resize(topk::norms_len(items.rows), 0.0);
    norms
}

/// The GPU behind the device-independent inference API.
impl crate::infer::Scorer for GpuScorer {
    fn name(&self) -> String {
        self.mode.name().into()
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn n_factors(&self) -> usize {
        self.f
    }

    fn top_k(&mut self, queries: &[f32], exclude: Option<&crate::infer::Exclusions>, k: usize) -> anyhow::Result<TopK> {
        crate::infer::validate_request(queries, self.f, self.n_items, exclude, k)?;
        Ok(self.run_batch(queries, exclude.map(|e| (&e.indptr[..], &e.items[..])), k)?)
    }
}

/// Opens GPU `device` with the PTX `images` and a scorer over `items`.
pub fn open_scorer(device: usize, items: &Matrix, mode: GpuScoring, images: &[PtxImage]) -> anyhow::Result<GpuScorer> {
    anyhow::ensure!(!images.is_empty(), "this program embeds no GPU kernels (built without the gpu feature)");
    crate::infer::check_factors(items)?;
    Ok(GpuScorer::new(Arc::new(Gpu::open(device, images)?), items, mode)?)
}
