//! Byte views of plain numeric slices, for writing and reading cache tensors without copies.

#[cfg(not(all(target_endian = "little", target_pointer_width = "64")))]
compile_error!("the data cache stores little-endian 64-bit arrays as they lie in memory");

/// Numbers whose every bit pattern is a valid value and whose layout has no padding.
/// Sealed: implemented here for the element types of the cache only.
pub(crate) trait Pod: Copy + Send + Sync + 'static + private::Sealed {}

mod private {
    pub trait Sealed {}
}

macro_rules! pod {
    ($($t:ty),*) => {$(
        impl private::Sealed for $t {}
        impl Pod for $t {}
    )*};
}
pod!(u8, u32, u64, i64, f32, usize);

pub(crate) fn bytes<T: Pod>(s: &[T]) -> &[u8] {
    // SAFETY: T is a padding-free number type (Pod), so every byte of the slice is initialized,
    // and u8 has alignment 1.
    unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), std::mem::size_of_val(s)) }
}

pub(crate) fn bytes_mut<T: Pod>(s: &mut [T]) -> &mut [u8] {
    // SAFETY: as in `bytes`; in addition any bytes written form a valid T (Pod).
    unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(s)) }
}
