//! Which get_hermitian forms A_u and b_u on the GPU: one of rustmf's kernel versions — the list in
//! `rustmf_kernel_abi::hermitian::VERSIONS`, so a new version is a choice here with no edit — or
//! the cuBLAS baseline (gathered dense blocks and a grouped batched GEMM), numbered 0.
use rustmf_kernel_abi::hermitian::{Arguments, Version, VERSIONS};
use rustmf_kernel_abi::{baseline, Entry, Image, LaunchShape};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hermitian {
    Cublas,
    Kernel(&'static Version),
}

impl Hermitian {
    /// The default: v8, the fastest version every GPU image has.
    pub const DEFAULT: Hermitian = Hermitian::Kernel(&VERSIONS[7]);

    /// The cuBLAS baseline, then every version by number.
    pub fn all() -> impl Iterator<Item = Hermitian> {
        std::iter::once(Hermitian::Cublas).chain(VERSIONS.iter().map(Hermitian::Kernel))
    }

    /// 0 for the cuBLAS baseline, else the version number.
    pub fn from_number(number: u32) -> Option<Hermitian> {
        Hermitian::all().find(|h| h.number() == number)
    }

    /// Version `number`; panics if there is none (for fixed choices in tests and benchmarks).
    pub fn version(number: u32) -> Hermitian {
        Hermitian::from_number(number).unwrap_or_else(|| panic!("no get_hermitian version {number}"))
    }

    pub fn number(self) -> u32 {
        match self {
            Hermitian::Cublas => 0,
            Hermitian::Kernel(v) => v.number,
        }
    }

    /// "cublas", or "v" and the version number.
    pub fn name(self) -> String {
        self.to_string()
    }

    /// Whether it can write A as fp16 (for the fp16 CG solver).
    pub fn has_half_output(self) -> bool {
        matches!(self, Hermitian::Kernel(v) if v.half_output)
    }

    /// Whether only the sm_90a PTX has it (`wgmma`: H100/H200).
    pub fn needs_sm90a(self) -> bool {
        matches!(self, Hermitian::Kernel(v) if v.image == Image::Sm90a)
    }

    /// The argument list its kernel takes; the baseline's gather kernel takes rows.
    pub fn arguments(self) -> Arguments {
        match self {
            Hermitian::Cublas => Arguments::Rows,
            Hermitian::Kernel(v) => v.arguments,
        }
    }

    /// Its kernel at f (for the cuBLAS baseline, the gather kernel).
    pub fn entry(self, f: usize, half: bool) -> Entry {
        match self {
            Hermitian::Cublas => baseline::gather_entry(f),
            Hermitian::Kernel(v) => v.entry(f, half),
        }
    }

    /// One block per row (or work unit) of a batch of `rows`.
    pub fn launch(self, f: usize, rows: usize) -> LaunchShape {
        match self {
            Hermitian::Cublas => baseline::gather_launch(f, rows),
            Hermitian::Kernel(v) => v.launch(f, rows),
        }
    }

    /// "known: 0 (cublas), 1 (v1), …", for error messages.
    pub fn known() -> String {
        Hermitian::all().map(|h| format!("{} ({h})", h.number())).collect::<Vec<_>>().join(", ")
    }
}

impl Default for Hermitian {
    fn default() -> Self {
        Hermitian::DEFAULT
    }
}

impl fmt::Display for Hermitian {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Hermitian::Cublas => f.write_str("cublas"),
            Hermitian::Kernel(v) => write!(f, "v{}", v.number),
        }
    }
}

impl std::str::FromStr for Hermitian {
    type Err = String;

    /// "cublas", "0", "9" or "v9".
    fn from_str(s: &str) -> Result<Hermitian, String> {
        let number = match s.trim() {
            "cublas" => Some(0),
            other => other.strip_prefix('v').unwrap_or(other).parse().ok(),
        };
        number
            .and_then(Hermitian::from_number)
            .ok_or_else(|| format!("no get_hermitian version {s:?} (known: {})", Hermitian::known()))
    }
}

impl Serialize for Hermitian {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hermitian {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Hermitian, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}
