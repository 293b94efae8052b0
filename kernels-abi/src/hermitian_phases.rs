//! get_hermitian in phases (cuMF_als §III, Solution 2 and Fig. 4; `kernels-rs/src/hermitian/phases.rs`):
//! a measurement family, not a version of the list. Each variant is v3's kernel with one way of
//! staging θ into shared memory ([`Staging`]) and cut short after one phase ([`StopAfter`]);
//! the phase times are differences of whole-kernel times (load = t(Load), compute =
//! t(Compute) − t(Load), write = t(Write) − t(Compute)).
//!
//! Arguments: [`HermitianRows`](crate::hermitian::HermitianRows), block k computing batch row k;
//! launch: v3's (`Layout::Tiled`), at every supported f, f32 output only.
use crate::hermitian::Layout;
use crate::{Entry, LaunchShape};

/// Every variant, one line each: `name staging stop_after`. Its entries are
/// `hermitian_phases_{name}_f{f}`.
#[macro_export]
macro_rules! hermitian_phase_variants {
    ($callback:ident!) => {
        $callback! {
            coal_load Coalesced Load;
            coal_compute Coalesced Compute;
            coal_write Coalesced Write;
            noncoal_l1_load NonCoalescedL1 Load;
            noncoal_l1_compute NonCoalescedL1 Compute;
            noncoal_l1_write NonCoalescedL1 Write;
            noncoal_nol1_load NonCoalescedNoL1 Load;
            noncoal_nol1_compute NonCoalescedNoL1 Compute;
            noncoal_nol1_write NonCoalescedNoL1 Write;
        }
    };
}

/// How θ of a chunk of items reaches shared memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staging {
    /// v3's: consecutive threads read consecutive floats of one θ row (`ld.global.nc`); the
    /// paper's Fig. 3(a), `coal`.
    Coalesced,
    /// Thread s copies item s's whole row, so a warp's load touches 32 rows (Fig. 3(b)), with
    /// loads cached in L1 (`ld.global.ca`); `nonCoal-L1`.
    NonCoalescedL1,
    /// As [`Staging::NonCoalescedL1`], with loads cached in L2 only (`ld.global.cg`); `nonCoal-noL1`.
    NonCoalescedNoL1,
}

impl Staging {
    pub const ALL: [Staging; 3] = [Staging::Coalesced, Staging::NonCoalescedL1, Staging::NonCoalescedNoL1];

    /// The setting's name in the paper's Fig. 4.
    pub const fn paper_name(self) -> &'static str {
        match self {
            Staging::Coalesced => "coal",
            Staging::NonCoalescedL1 => "nonCoal-L1",
            Staging::NonCoalescedNoL1 => "nonCoal-noL1",
        }
    }
}

/// Where a variant stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopAfter {
    /// θ and the weights staged, chunk after chunk; nothing computed or written.
    Load = 0,
    /// Also the rank-1 updates, the groups' sum and b_u; A_u and b_u written only when
    /// `n_rows == u32::MAX`, which no launch passes (so the compiler keeps the arithmetic).
    Compute = 1,
    /// The whole kernel: A_u and b_u written as v3 writes them.
    Write = 2,
}

impl StopAfter {
    pub const ALL: [StopAfter; 3] = [StopAfter::Load, StopAfter::Compute, StopAfter::Write];
}

macro_rules! family_table {
    ($($name:ident $staging:ident $stop:ident;)*) => {
        /// The entry family of one variant.
        pub const fn family(staging: Staging, stop: StopAfter) -> &'static str {
            match (staging, stop) {
                $((Staging::$staging, StopAfter::$stop) => concat!("hermitian_phases_", stringify!($name)),)*
            }
        }
    };
}

hermitian_phase_variants!(family_table!);

/// The entry point of one variant at f.
pub const fn entry(staging: Staging, stop: StopAfter, f: usize) -> Entry {
    Entry::for_f(family(staging, stop), f)
}

/// v3's launch: one block per row of `rows`, its block and dynamic shared memory at f.
pub const fn launch(f: usize, rows: usize) -> LaunchShape {
    let (block, shared) = Layout::Tiled.block_and_shared(f);
    LaunchShape::per_row(rows, block, shared)
}
