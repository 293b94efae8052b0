//! One declaration per kernel signature. [`kernel_args!`] turns
//!
//! ```text
//! kernel_args! { $ hermitian::HermitianRows, entries hermitian_rows_kernels {
//!     n_rows: u32, indptr: In<u64>, lambda: f32, a_out: Out<f32>, ...
//! } }
//! ```
//! into
//! * `HermitianRows`, a `#[repr(C)]` struct of the arguments in kernel order. On the device its
//!   pointers are `*const T` / `*mut T`; on the host they are [`In`] / [`Out`], device addresses
//!   typed by element, made only by the host's runtime layer from its device buffers;
//! * `hermitian_rows_kernels! { hermitian_v3_f32 => body, ... }` for the device crate: each entry
//!   is `#[no_mangle] extern "ptx-kernel"` with one PTX parameter per field (the layout CUDA C
//!   gives scalar parameters, and the one the kernels had before this crate existed) and calls
//!   `body(HermitianRows { .. })`;
//! * on the host, [`KernelArgs`]: every field pushed in declaration order, so no launch lists its
//!   arguments by hand.
//!
//! Fields are scalars (`u32`, `u64`, `f32`) or `In<E>` / `Out<E>` with a primitive element type
//! (fp16 buffers are `u16`; the kernel reinterprets them).

#[cfg(target_arch = "nvptx64")]
pub type In<T> = *const T;
#[cfg(target_arch = "nvptx64")]
pub type Out<T> = *mut T;
#[cfg(not(target_arch = "nvptx64"))]
pub use host::{In, Out};

/// Where the host's launch puts each argument, by reference, in order.
pub trait ParamSink<'a> {
    fn push_u32(&mut self, value: &'a u32);
    fn push_u64(&mut self, value: &'a u64);
    fn push_f32(&mut self, value: &'a f32);
}

/// One kernel argument.
pub trait Param {
    fn push_to<'a>(&'a self, sink: &mut impl ParamSink<'a>);
}

/// A kernel's arguments, pushed in the kernel's parameter order.
pub trait KernelArgs {
    fn push_all<'a>(&'a self, sink: &mut impl ParamSink<'a>);
}

impl Param for u32 {
    fn push_to<'a>(&'a self, sink: &mut impl ParamSink<'a>) {
        sink.push_u32(self)
    }
}

impl Param for u64 {
    fn push_to<'a>(&'a self, sink: &mut impl ParamSink<'a>) {
        sink.push_u64(self)
    }
}

impl Param for f32 {
    fn push_to<'a>(&'a self, sink: &mut impl ParamSink<'a>) {
        sink.push_f32(self)
    }
}

#[cfg(not(target_arch = "nvptx64"))]
mod host {
    use super::{Param, ParamSink};
    use core::marker::PhantomData;

    /// A device address of elements `T` that the kernel reads.
    #[repr(transparent)]
    pub struct In<T>(u64, PhantomData<fn() -> T>);

    /// A device address of elements `T` that the kernel writes (and may read).
    #[repr(transparent)]
    pub struct Out<T>(u64, PhantomData<fn() -> T>);

    macro_rules! device_address {
        ($name:ident) => {
            impl<T> $name<T> {
                /// # Safety
                /// `address` is a device allocation of elements `T`, alive and large enough for
                /// every launch these arguments are used in.
                pub const unsafe fn from_address(address: u64) -> Self {
                    $name(address, PhantomData)
                }

                pub const fn address(&self) -> u64 {
                    self.0
                }
            }

            impl<T> Clone for $name<T> {
                fn clone(&self) -> Self {
                    *self
                }
            }

            impl<T> Copy for $name<T> {}

            impl<T> Param for $name<T> {
                fn push_to<'a>(&'a self, sink: &mut impl ParamSink<'a>) {
                    sink.push_u64(&self.0)
                }
            }
        };
    }

    device_address!(In);
    device_address!(Out);
}

/// The Rust type of a declared field: `In<E>`, `Out<E>` or a scalar.
#[doc(hidden)]
#[macro_export]
macro_rules! field_type {
    (In<$element:ty>) => { $crate::In<$element> };
    (Out<$element:ty>) => { $crate::Out<$element> };
    ($scalar:ident) => { $scalar };
}

/// See the module documentation. The leading `$` is passed through to write the entry macro.
#[macro_export]
macro_rules! kernel_args {
    (
        $d:tt $module:ident :: $name:ident, entries $entries:ident {
            $($(#[$doc:meta])* $field:ident: $kind:ident $(<$element:ty>)?),* $(,)?
        }
    ) => {
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub struct $name {
            $($(#[$doc])* pub $field: $crate::field_type!($kind $(<$element>)?),)*
        }

        #[cfg(not(target_arch = "nvptx64"))]
        impl $crate::KernelArgs for $name {
            fn push_all<'a>(&'a self, sink: &mut impl $crate::ParamSink<'a>) {
                $($crate::Param::push_to(&self.$field, sink);)*
            }
        }

        #[doc = concat!("Declares device entry points taking [`", stringify!($name), "`]'s fields as parameters: `",
            stringify!($entries), "! { kernel_name => body, .. }`, `body` a function of the arguments.")]
        #[macro_export]
        macro_rules! $entries {
            ($d($d kernel:ident => $d body:expr),* $d(,)?) => {
                $d(
                    #[no_mangle]
                    pub unsafe extern "ptx-kernel" fn $d kernel(
                        $($field: $crate::field_type!($kind $(<$element>)?)),*
                    ) {
                        ($d body)($crate::$module::$name { $($field),* })
                    }
                )*
            };
        }
    };
}
