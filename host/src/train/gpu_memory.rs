//! What GPU training keeps in GPU memory, buffer by buffer, from the data's shape and the options
//! (`gpu::als::GpuAls::new` allocates these): `rustmf plan` prints it, GPU training checks its
//! minimum against the free memory before uploading anything, and the README's "what fits where"
//! table comes from it. Everything listed is resident for the whole run; streaming what does not
//! fit is issue 21. Not counted: the v8/v9 work plans (24 bytes per piece of a long row), the loss
//! kernel's partial sums (~200 KB), cuBLAS's own workspace and the CUDA context.
use super::grid::SolverChoice;
use crate::data::Interactions;
use crate::model::{Hermitian, MatrixFree, Solver};
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

/// The buffers of one GPU training run.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuMemoryPlan {
    /// (what, bytes) of every buffer that lives for the whole run.
    pub resident: Vec<(&'static str, usize)>,
    /// Bytes per row of a batch of formed systems (A in fp32 or fp16, and b); 0 when both sides
    /// are matrix-free.
    pub per_batch_row: usize,
    /// The rows of the larger side: no batch is larger.
    pub most_batch_rows: usize,
}

impl GpuMemoryPlan {
    /// The plan for `shape` at f factors: `matrix_free` sides form no A; `half` stores A in fp16;
    /// `ordered` (get_hermitian v7) keeps both sides' rows by decreasing length.
    pub fn new(shape: TrainShape, f: usize, matrix_free: MatrixFree, half: bool, ordered: bool) -> GpuMemoryPlan {
        let TrainShape { users, items, nnz, test_nnz } = shape;
        let mut resident = vec![
            ("CSR (users × items)", sparse_bytes(users, nnz)),
            ("CSC (items × users)", sparse_bytes(items, nnz)),
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
            resident,
            per_batch_row: if formed { f * f * if half { 2 } else { 4 } + 4 * f } else { 0 },
            most_batch_rows: users.max(items),
        }
    }

    /// The plan of a run with the training grid's `choice` of solver, `fp16` asked for (it applies
    /// to CG on formed A only) and get_hermitian `hermitian`.
    pub fn for_solver(shape: TrainShape, f: usize, choice: SolverChoice, fp16: bool, hermitian: Hermitian) -> Self {
        let mf = choice.matrix_free;
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
        if let Some(free) = free {
            let verdict = if self.minimum_bytes() <= free { "fits" } else { "does not fit" };
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
}
