//! What GPU training keeps in GPU memory, buffer by buffer, from the data's shape and the options
//! (`gpu::als::GpuAls::new` allocates these): `rustmf plan` prints it, GPU training checks its
//! minimum against the free memory (or `--gpu-memory`) before uploading anything, and the README's
//! "what fits where" table comes from it. When the sparse rows do not all fit, [`GpuMemoryPlan::fit`]
//! streams the formed sides' rows through two device slots (`gpu/als/streamed.rs`) — users first,
//! then items, then both. Not counted: the v8/v9 work plans (24 bytes per work unit) and partial
//! sums of split rows (about 12 pieces per SM, f² + f floats each), the loss kernel's partial sums
//! (~200 KB), cuBLAS's own workspace and the CUDA context: the batches take 70% of what is left,
//! which leaves room for them.
use super::grid::SolverChoice;
use crate::data::Interactions;
use crate::model::{Hermitian, MatrixFree, Side, Solver};
use rustmf_kernel_abi::hermitian::Arguments;

/// The sizes training depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainShape {
    pub users: usize,
    pub items: usize,
    pub nnz: usize,
    /// Entries of the held-out test matrix kept on the device (0: none).
    pub test_nnz: usize,
}

impl TrainShape {
    pub fn of(train: &Interactions, test: Option<&Interactions>) -> TrainShape {
        TrainShape {
            users: train.n_users(),
            items: train.n_items(),
            nnz: train.nnz(),
            test_nnz: test.map_or(0, |t| t.nnz()),
        }
    }
}

/// Rows per batch of formed systems below which training is refused (rather than run a batch of
/// a few rows at a time).
pub const MIN_BATCH_ROWS: usize = 256;

/// Bytes of a sparse matrix of `rows` rows and `nnz` entries on the device: u64 row pointers, u32
/// indices, f32 values.
pub const fn sparse_bytes(rows: usize, nnz: usize) -> usize {
    (rows + 1) * 8 + nnz * 8
}

const CSR: &str = "CSR (users × items)";
const CSC: &str = "CSC (items × users)";

/// Which sides' sparse rows stream through the GPU instead of staying resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streamed {
    pub users: bool,
    pub items: bool,
}

impl Streamed {
    pub const NONE: Streamed = Streamed { users: false, items: false };

    pub fn covers(self, side: Side) -> bool {
        match side {
            Side::Users => self.users,
            Side::Items => self.items,
        }
    }

    pub fn any(self) -> bool {
        self.users || self.items
    }

    /// The sides that form A (those `matrix_free` does not cover): the ones that may stream.
    pub fn formed(matrix_free: MatrixFree) -> Streamed {
        Streamed { users: !matrix_free.covers(Side::Users), items: !matrix_free.covers(Side::Items) }
    }

    /// "in core", "users streamed", "items streamed", "both sides streamed".
    pub fn describe(self) -> &'static str {
        match (self.users, self.items) {
            (false, false) => "in core",
            (true, false) => "users streamed",
            (false, true) => "items streamed",
            (true, true) => "both sides streamed",
        }
    }
}

/// What a run streams and how big its batches are ([`GpuMemoryPlan::fit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    pub streamed: Streamed,
    /// Rows per batch of formed systems (1 when both sides are matrix-free).
    pub batch_rows: usize,
    /// Entries of each of a streamed side's two slots (0 when nothing streams).
    pub slot_entries: usize,
    /// Everything the plan counts at these sizes.
    pub bytes: usize,
}

/// Bytes of the two slots a streamed side's batches pass through: per slot, the row pointers of
/// `rows` rows and `entries` entries.
pub const fn slot_bytes(rows: usize, entries: usize) -> usize {
    2 * sparse_bytes(rows, entries)
}

/// The buffers of one GPU training run.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuMemoryPlan {
    pub shape: TrainShape,
    /// (what, bytes) of every buffer that lives for the whole run.
    pub resident: Vec<(&'static str, usize)>,
    /// Bytes per row of a batch of formed systems (A in fp32 or fp16, and b); 0 when both sides
    /// are matrix-free.
    pub per_batch_row: usize,
    /// The rows of the larger side: no batch is larger.
    pub most_batch_rows: usize,
    /// The sides solved matrix-free (they form no A and are never streamed).
    pub matrix_free: MatrixFree,
}

impl GpuMemoryPlan {
    /// The plan for `shape` at f factors: `matrix_free` sides form no A; `half` stores A in fp16;
    /// `ordered` (get_hermitian v7) keeps both sides' rows by decreasing length.
    pub fn new(shape: TrainShape, f: usize, matrix_free: MatrixFree, half: bool, ordered: bool) -> GpuMemoryPlan {
        let TrainShape { users, items, nnz, test_nnz } = shape;
        let mut resident = vec![
            (CSR, sparse_bytes(users, nnz)),
            (CSC, sparse_bytes(items, nnz)),
            ("user factors", users * f * 4),
            ("item factors", items * f * 4),
            ("YᵀY and XᵀX", 2 * f * f * 4),
        ];
        let orders = match matrix_free {
            MatrixFree::Off => 0,
            MatrixFree::Users => users,
            MatrixFree::Items => items,
            MatrixFree::Both => users + items,
        } + if ordered { users + items } else { 0 };
        if orders > 0 {
            resident.push(("row orders", orders * 4));
        }
        if test_nnz > 0 {
            resident.push(("test matrix", sparse_bytes(users, test_nnz)));
        }
        let formed = matrix_free != MatrixFree::Both;
        GpuMemoryPlan {
            shape,
            resident,
            per_batch_row: if formed { f * f * if half { 2 } else { 4 } + 4 * f } else { 0 },
            most_batch_rows: users.max(items),
            matrix_free,
        }
    }

    /// The plan of a run with the training grid's `choice` of solver, `fp16` asked for (it applies
    /// to CG on formed A only) and get_hermitian `hermitian`.
    pub fn for_solver(shape: TrainShape, f: usize, choice: SolverChoice, fp16: bool, hermitian: Hermitian) -> Self {
        let mf = choice.for_data(shape.users, shape.items, shape.nnz, f).matrix_free;
        let half = fp16 && matches!(choice.solver, Solver::Cg { .. }) && mf == MatrixFree::Off;
        let ordered = mf != MatrixFree::Both && hermitian.arguments() == Arguments::Ordered;
        GpuMemoryPlan::new(shape, f, mf, half, ordered)
    }

    pub fn resident_bytes(&self) -> usize {
        self.resident.iter().map(|(_, b)| b).sum()
    }

    /// The least memory training runs in: the resident buffers and the smallest batch.
    pub fn minimum_bytes(&self) -> usize {
        self.resident_bytes() + self.per_batch_row * MIN_BATCH_ROWS.min(self.most_batch_rows)
    }

    /// The memory with every formed system of the larger side in one batch (the most training
    /// uses; it takes 70% of what is free after the resident buffers, up to this).
    pub fn most_bytes(&self) -> usize {
        self.resident_bytes() + self.per_batch_row * self.most_batch_rows
    }

    /// The plan with the sparse rows of `streamed` sides not resident.
    pub fn without_rows_of(&self, streamed: Streamed) -> GpuMemoryPlan {
        let gone = |what: &str| (what == CSR && streamed.users) || (what == CSC && streamed.items);
        GpuMemoryPlan { resident: self.resident.iter().filter(|(w, _)| !gone(w)).cloned().collect(), ..self.clone() }
    }

    /// The smallest batch training runs with (at least one row).
    fn least_batch_rows(&self) -> usize {
        MIN_BATCH_ROWS.min(self.most_batch_rows).max(1)
    }

    /// The least memory with every `streamable` side's rows streamed, estimated with slots of
    /// [`MIN_BATCH_ROWS`] rows of the denser streamed side's average length (a slot must also hold
    /// the longest row, which the shape does not tell; training plans with the data's).
    pub fn least_streamed_bytes(&self, streamable: Streamed) -> usize {
        if !streamable.any() {
            return self.minimum_bytes();
        }
        let rows = self.least_batch_rows();
        let mean = |on: bool, n: usize| if on { self.shape.nnz.div_ceil(n.max(1)) } else { 0 };
        let longest = mean(streamable.users, self.shape.users).max(mean(streamable.items, self.shape.items));
        self.without_rows_of(streamable).minimum_bytes() + slot_bytes(rows, (rows * longest).min(self.shape.nnz))
    }

    /// What to stream and how big the batches are in `budget` bytes: nothing streams if the
    /// in-core minimum fits; else the fewest of the `streamable` sides (those that form A) stream,
    /// users first. `longest` is each side's longest row (users', items'), which a slot must hold;
    /// `asked_rows` a batch size the user asked for. The batches and the slots take 70% of what
    /// the resident buffers leave, split to give the fewest batches. `None` if nothing fits.
    pub fn fit(
        &self,
        budget: usize,
        streamable: Streamed,
        longest: (usize, usize),
        asked_rows: Option<usize>,
    ) -> Option<Fit> {
        let candidates = [
            Streamed::NONE,
            Streamed { users: true, items: false },
            Streamed { users: false, items: true },
            Streamed { users: true, items: true },
        ];
        let least_rows = self.least_batch_rows();
        let per_row = self.per_batch_row;
        candidates.into_iter().filter(|s| (!s.users || streamable.users) && (!s.items || streamable.items)).find_map(
            |streamed| {
                let resident = self.without_rows_of(streamed).resident_bytes();
                let usable = budget.checked_sub(resident)? / 10 * 7;
                let (rows, slot_entries) = if !streamed.any() {
                    let rows = match usable.checked_div(per_row) {
                        None => 1,
                        Some(most) => asked_rows.unwrap_or(most.max(least_rows)),
                    };
                    (rows, 0)
                } else {
                    let long = |on: bool, l: usize| if on { l } else { 0 };
                    let long = long(streamed.users, longest.0).max(long(streamed.items, longest.1)).max(1);
                    let rows = asked_rows.unwrap_or_else(|| self.fewest_batches(usable, streamed, long));
                    let entries = self.slot_entries_beside(usable, rows).unwrap_or(0);
                    (rows, entries.min(self.shape.nnz).max(long))
                };
                let rows = rows.clamp(1, self.most_batch_rows.max(1));
                let slots = if streamed.any() { slot_bytes(rows, slot_entries) } else { 0 };
                let bytes = resident + per_row * rows + slots;
                let enough_rows = rows >= least_rows || asked_rows.is_some() || per_row == 0;
                (enough_rows && bytes <= budget).then_some(Fit { streamed, batch_rows: rows, slot_entries, bytes })
            },
        )
    }

    /// The rows per batch that leave the streamed sides the fewest batches in `usable` bytes, with
    /// the slots taking the rest: a side of n rows and nnz entries takes about
    /// max(n / rows, nnz / slot entries) batches, and each batch costs about the same fixed time
    /// (launches, the solver's start, the tail of its blocks) whatever its size. Short rows want
    /// more rows per batch, long rows bigger slots; `long` is the longest row a slot must hold.
    fn fewest_batches(&self, usable: usize, streamed: Streamed, long: usize) -> usize {
        let (least, most) = (self.least_batch_rows(), self.most_batch_rows.max(1));
        let batches = |rows: usize| -> Option<f64> {
            let entries = self.slot_entries_beside(usable, rows)?;
            let side = |on: bool, n: usize| {
                if on {
                    (n as f64 / rows as f64).max(self.shape.nnz as f64 / entries as f64)
                } else {
                    0.0
                }
            };
            (entries >= long).then(|| side(streamed.users, self.shape.users) + side(streamed.items, self.shape.items))
        };
        let candidates = (0..=64).map(|k| (least as f64 * (most as f64 / least as f64).powf(k as f64 / 64.0)) as usize);
        candidates
            .filter_map(|rows| Some((rows, batches(rows)?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(least, |(rows, _)| rows)
    }

    /// Entries per slot that `usable` bytes leave beside a batch of `rows` formed systems and the
    /// two slots' row pointers (each entry: an index and a value in each of two slots); `None` if
    /// nothing is left.
    fn slot_entries_beside(&self, usable: usize, rows: usize) -> Option<usize> {
        Some(usable.checked_sub(self.per_batch_row * rows + slot_bytes(rows, 0))? / 16)
    }

    /// "fits", "fits streamed" (only with the formed sides' rows streamed) or "does not fit" in
    /// `free` bytes.
    pub fn verdict(&self, free: usize) -> &'static str {
        if self.minimum_bytes() <= free {
            "fits"
        } else if self.least_streamed_bytes(Streamed::formed(self.matrix_free)) <= free {
            "fits streamed"
        } else {
            "does not fit"
        }
    }

    /// One line per buffer, then the minimum; with `free`, whether it fits.
    pub fn table(&self, free: Option<usize>) -> String {
        let gib = |b: usize| b as f64 / (1u64 << 30) as f64;
        let mut out = String::new();
        for (what, bytes) in &self.resident {
            out += &format!("  {what:<28} {:>10.3} GiB\n", gib(*bytes));
        }
        if self.per_batch_row > 0 {
            out += &format!(
                "  {:<28} {:>10.3} GiB   ({} B per row, {} to {} rows)\n",
                "formed systems (A, b)",
                gib(self.per_batch_row * MIN_BATCH_ROWS.min(self.most_batch_rows)),
                self.per_batch_row,
                MIN_BATCH_ROWS.min(self.most_batch_rows),
                self.most_batch_rows
            );
        }
        out += &format!("  {:<28} {:>10.3} GiB\n", "minimum", gib(self.minimum_bytes()));
        let streamable = Streamed::formed(self.matrix_free);
        if streamable.any() {
            out += &format!(
                "  {:<28} {:>10.3} GiB   (≈, rows of {} streamed)\n",
                "minimum, streamed",
                gib(self.least_streamed_bytes(streamable)),
                match (streamable.users, streamable.items) {
                    (true, true) => "both sides",
                    (true, false) => "the users",
                    _ => "the items",
                }
            );
        }
        if let Some(free) = free {
            let verdict = self.verdict(free);
            out += &format!("  {:<28} {:>10.3} GiB   {verdict}\n", "free on the GPU", gib(free));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Netflix-shaped, f = 100, matrix-free: every buffer by hand.
    #[test]
    fn netflix_matrix_free_by_hand() {
        let shape = TrainShape { users: 480_189, items: 17_770, nnz: 99_072_112, test_nnz: 0 };
        let plan = GpuMemoryPlan::new(shape, 100, MatrixFree::Both, false, false);
        let want = (480_190 * 8 + 99_072_112 * 8)
            + (17_771 * 8 + 99_072_112 * 8)
            + 480_189 * 400
            + 17_770 * 400
            + 2 * 100 * 100 * 4
            + (480_189 + 17_770) * 4;
        assert_eq!(plan.resident_bytes(), want);
        assert_eq!(plan.minimum_bytes(), want);
        assert_eq!(plan.per_batch_row, 0);
    }

    /// Formed A: a batch row is f² values and b; fp16 halves A; the smallest batch is counted.
    #[test]
    fn formed_systems_count_per_batch_row() {
        let shape = TrainShape { users: 1000, items: 100, nnz: 5000, test_nnz: 700 };
        let fp32 = GpuMemoryPlan::new(shape, 64, MatrixFree::Off, false, true);
        let fp16 = GpuMemoryPlan::new(shape, 64, MatrixFree::Off, true, true);
        assert_eq!(fp32.per_batch_row, 64 * 64 * 4 + 256);
        assert_eq!(fp16.per_batch_row, 64 * 64 * 2 + 256);
        assert_eq!(fp32.minimum_bytes(), fp32.resident_bytes() + 256 * fp32.per_batch_row);
        assert_eq!(fp32.most_bytes(), fp32.resident_bytes() + 1000 * fp32.per_batch_row);
        assert!(fp32.resident.iter().any(|(w, b)| *w == "test matrix" && *b == 1001 * 8 + 700 * 8));
        assert!(fp32.resident.iter().any(|(w, b)| *w == "row orders" && *b == 1100 * 4));
        assert!(fp32.table(Some(1)).contains("does not fit"));
        assert!(fp32.table(Some(usize::MAX)).contains("fits"));
    }

    /// Netflix-shaped at f = 100 (v8: no row orders), formed A: in-core needs ≈ 2.3 GiB at the
    /// smallest batch.
    fn netflix() -> GpuMemoryPlan {
        let shape = TrainShape { users: 480_189, items: 17_770, nnz: 99_072_112, test_nnz: 0 };
        GpuMemoryPlan::new(shape, 100, MatrixFree::Off, false, false)
    }

    const BOTH: Streamed = Streamed { users: true, items: true };
    const LONGEST: (usize, usize) = (17_000, 230_000);

    #[test]
    fn fit_keeps_everything_resident_when_it_fits_and_batches_take_70_percent_of_the_rest() {
        let plan = netflix();
        let budget = plan.minimum_bytes() + (8 << 30);
        let fit = plan.fit(budget, BOTH, LONGEST, None).unwrap();
        assert_eq!(fit.streamed, Streamed::NONE);
        assert_eq!(fit.slot_entries, 0);
        assert_eq!(fit.batch_rows, (budget - plan.resident_bytes()) / 10 * 7 / plan.per_batch_row);
        assert!(fit.bytes <= budget);
        assert_eq!(plan.fit(budget, BOTH, LONGEST, Some(300)).unwrap().batch_rows, 300);
    }

    #[test]
    fn fit_streams_the_users_then_both_sides_as_the_budget_shrinks() {
        let plan = netflix();
        let csr = sparse_bytes(480_189, 99_072_112);
        let below_in_core = plan.minimum_bytes() - 1;
        let users = plan.fit(below_in_core, BOTH, LONGEST, None).unwrap();
        assert_eq!(users.streamed, Streamed { users: true, items: false });
        assert!(users.bytes <= below_in_core && users.batch_rows >= MIN_BATCH_ROWS);
        assert!(users.slot_entries >= LONGEST.0);
        let tight = plan.resident_bytes() - csr;
        let both = plan.fit(tight, BOTH, LONGEST, None).unwrap();
        assert_eq!(both.streamed, BOTH);
        assert!(both.bytes <= tight && both.slot_entries >= LONGEST.1);
        assert_eq!(plan.fit(plan.without_rows_of(BOTH).resident_bytes(), BOTH, LONGEST, None), None);
    }

    /// At a quarter of the in-core minimum both sides stream; the split between A's rows and the
    /// slots gives fewer batches (users' rows per batch, items' entries per slot) than splits
    /// with a fifth more or less rows, and fits the budget.
    #[test]
    fn fit_splits_the_memory_for_the_fewest_batches() {
        let plan = netflix();
        let budget = plan.minimum_bytes() / 4;
        let fit = plan.fit(budget, BOTH, LONGEST, None).unwrap();
        assert_eq!(fit.streamed, BOTH);
        assert!(fit.bytes <= budget && fit.slot_entries >= LONGEST.1, "{fit:?}");
        let usable = (budget - plan.without_rows_of(BOTH).resident_bytes()) / 10 * 7;
        let batches = |rows: usize| {
            let entries = (usable - plan.per_batch_row * rows - slot_bytes(rows, 0)) / 16;
            480_189usize.div_ceil(rows) + 99_072_112usize.div_ceil(entries).max(17_770usize.div_ceil(rows))
        };
        let best = batches(fit.batch_rows);
        assert!(best <= batches(fit.batch_rows * 4 / 5) && best <= batches(fit.batch_rows * 5 / 4), "{fit:?}");
        assert!(best < batches(usable / 2 / (plan.per_batch_row + 16)), "no better than half and half: {fit:?}");
    }

    #[test]
    fn fit_streams_only_the_sides_it_may() {
        let plan = netflix();
        let items_only = Streamed { users: false, items: true };
        let fit = plan.fit(plan.minimum_bytes() - 1, items_only, LONGEST, None).unwrap();
        assert_eq!(fit.streamed, items_only);
        assert_eq!(plan.fit(plan.minimum_bytes() - 1, Streamed::NONE, LONGEST, None), None);
    }

    #[test]
    fn without_rows_of_drops_only_the_streamed_matrices() {
        let plan = netflix();
        let users = plan.without_rows_of(Streamed { users: true, items: false });
        assert_eq!(users.resident_bytes(), plan.resident_bytes() - sparse_bytes(480_189, 99_072_112));
        let both = plan.without_rows_of(BOTH);
        assert_eq!(both.resident.len(), plan.resident.len() - 2);
    }
}
