//! Where a thread is: its index in the block, the block's index in the grid, and the sizes of both
//! (x dimension; rustmf's kernels use 1-D launches), plus lane and warp within the block.
use core::arch::nvptx;

pub const WARP_SIZE: u32 = 32;

#[inline(always)]
pub fn thread_idx() -> u32 {
    unsafe { nvptx::_thread_idx_x() as u32 }
}

#[inline(always)]
pub fn block_idx() -> u32 {
    unsafe { nvptx::_block_idx_x() as u32 }
}

#[inline(always)]
pub fn block_dim() -> u32 {
    unsafe { nvptx::_block_dim_x() as u32 }
}

#[inline(always)]
pub fn grid_dim() -> u32 {
    unsafe { nvptx::_grid_dim_x() as u32 }
}

/// `block_idx * block_dim + thread_idx`, widened so that grids of more than 2³² threads index correctly.
#[inline(always)]
pub fn global_index() -> usize {
    block_idx() as usize * block_dim() as usize + thread_idx() as usize
}

/// Total threads in the grid: the step of a grid-stride loop.
#[inline(always)]
pub fn grid_stride() -> usize {
    grid_dim() as usize * block_dim() as usize
}

#[inline(always)]
pub fn lane_id() -> u32 {
    thread_idx() % WARP_SIZE
}

/// Warp index within the block.
#[inline(always)]
pub fn warp_id() -> u32 {
    thread_idx() / WARP_SIZE
}
