//! A user × item interaction matrix held both row-major (CSR) and column-major (CSC),
//! with the maps between the dataset's own ids and dense indices.

use sprs::CsMatI;

/// Row-major sparse matrix, u32 indices, f32 values (`indptr` is usize: nnz may exceed u32).
pub type Csr = CsMatI<f32, u32, usize>;
/// Column-major sparse matrix with the same element types (sprs CSC storage).
pub type Csc = CsMatI<f32, u32, usize>;

/// External ids (as they appear in the source files) in dense-index order.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum IdMap {
    /// Dense index `i` is external id `i` (synthetic data, or files already dense).
    #[default]
    Identity,
    Integer(Vec<u64>),
    String(Vec<String>),
}

/// The interaction matrix: `csr` is users × items in CSR, `csc` is the same matrix in CSC.
#[derive(Debug, Clone)]
pub struct Interactions {
    pub csr: Csr,
    pub csc: Csc,
    pub users: IdMap,
    pub items: IdMap,
}

impl Interactions {
    pub fn n_users(&self) -> usize {
        self.csr.rows()
    }
    pub fn n_items(&self) -> usize {
        self.csr.cols()
    }
    pub fn nnz(&self) -> usize {
        self.csr.nnz()
    }
}
