//! Checks of an allocation's size against the memory the system has free, made before the
//! allocation, so that a header or an option that asks for too much gives an error instead of an
//! abort.

use std::sync::atomic::{AtomicU64, Ordering};

static CAP: AtomicU64 = AtomicU64::new(u64::MAX);

/// Lower the memory the checks allow this process, whatever the system has (the fuzz targets run
/// under a libFuzzer memory limit).
pub fn cap(bytes: u64) {
    CAP.store(bytes, Ordering::Relaxed);
}

/// The environment variable that limits, in bytes, the memory the checks allow (below what the
/// system has free).
pub const LIMIT_VAR: &str = "RUSTMF_MEMORY_LIMIT";

/// Bytes that can be allocated without swapping: the least of `MemAvailable` (`/proc/meminfo`),
/// what the cgroup (v2) leaves, [`LIMIT_VAR`] and the [`cap`]; `None` where none is known.
pub fn available_bytes() -> Option<u64> {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let system = read("/proc/meminfo").and_then(|t| parse_meminfo(&t));
    let cgroup = match (read("/sys/fs/cgroup/memory.max"), read("/sys/fs/cgroup/memory.current")) {
        (Some(max), Some(used)) => max.trim().parse::<u64>().ok().zip(used.trim().parse::<u64>().ok()),
        _ => None,
    };
    let env = std::env::var(LIMIT_VAR).ok().and_then(|v| v.trim().parse::<u64>().ok());
    let cap = Some(CAP.load(Ordering::Relaxed)).filter(|&c| c < u64::MAX);
    [system, cgroup.map(|(max, used)| max.saturating_sub(used)), env, cap].into_iter().flatten().min()
}

fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// `Err` with a sentence naming `what`, the bytes it needs and the bytes available when `bytes`
/// exceeds the available memory (or `usize`); `Ok` when it fits or nothing is known.
pub fn check(what: &str, bytes: u128) -> Result<(), String> {
    check_against(what, bytes, available_bytes())
}

fn check_against(what: &str, bytes: u128, available: Option<u64>) -> Result<(), String> {
    if bytes > usize::MAX as u128 {
        return Err(format!("{what} would need {} bytes, more than this machine can address", bytes));
    }
    match available {
        Some(free) if bytes > free as u128 => {
            Err(format!("{what} would need {}, only {} of memory is available", human(bytes), human(free as u128)))
        }
        _ => Ok(()),
    }
}

/// Bytes as B, KB, MB, GB or TB (powers of 1000), three significant digits.
pub fn human(bytes: u128) -> String {
    let units = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < units.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.3} {}", units[unit]).replace(".000 ", " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_read_in_kib() {
        let text = "MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    2000000 kB\n";
        assert_eq!(parse_meminfo(text), Some(2_048_000_000));
        assert_eq!(parse_meminfo("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn too_large_is_refused_with_both_sizes() {
        let e = check_against("the row index", 32_000_000_000, Some(2_048_000_000)).unwrap_err();
        assert_eq!(e, "the row index would need 32 GB, only 2.048 GB of memory is available");
        assert!(check_against("x", 10, Some(2_048_000_000)).is_ok());
        assert!(check_against("x", 10, None).is_ok());
        assert!(check_against("x", u128::MAX, None).unwrap_err().contains("can address"));
    }
}
