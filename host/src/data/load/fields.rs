//! Parsing single fields, with reasons that say which field was wrong and why.

/// Split `line` at `sep` into exactly `N` fields.
pub(crate) fn split_exact<'a, const N: usize>(line: &'a str, sep: &str, what: &str) -> Result<[&'a str; N], String> {
    let mut out = [""; N];
    let mut parts = line.split(sep);
    for (k, slot) in out.iter_mut().enumerate() {
        *slot = parts.next().ok_or_else(|| format!("expected {N} {what} fields, found {k}"))?;
    }
    if parts.next().is_some() {
        return Err(format!("expected {N} {what} fields, found {}", N + 1 + parts.count()));
    }
    Ok(out)
}

pub(crate) fn id(field: &str, what: &str) -> Result<u64, String> {
    let f = field.trim();
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} id {f:?} is not a non-negative integer"));
    }
    f.parse().map_err(|_| format!("{what} id {f} overflows u64"))
}

/// An id that the source format guarantees to fit u32.
pub(crate) fn id32(field: &str, what: &str) -> Result<u64, String> {
    let v = id(field, what)?;
    if v > u32::MAX as u64 {
        return Err(format!("{what} id {v} overflows u32"));
    }
    Ok(v)
}

pub(crate) fn value(field: &str, what: &str) -> Result<f32, String> {
    let f = field.trim();
    let v: f32 = f.parse().map_err(|_| format!("{what} {f:?} is not a number"))?;
    if !v.is_finite() {
        return Err(format!("{what} {f} is not finite"));
    }
    Ok(v)
}

/// A value that must lie in `lo..=hi`.
pub(crate) fn value_in(field: &str, what: &str, lo: f32, hi: f32) -> Result<f32, String> {
    let v = value(field, what)?;
    if !(lo..=hi).contains(&v) {
        return Err(format!("{what} {v} outside {lo}..={hi}"));
    }
    Ok(v)
}

pub(crate) fn int(field: &str, what: &str) -> Result<i64, String> {
    let f = field.trim();
    f.parse().map_err(|_| format!("{what} {f:?} is not an integer"))
}

/// `YYYY-MM-DD` as Unix seconds at midnight UTC.
pub(crate) fn date(field: &str) -> Result<i64, String> {
    let bad = || format!("date {field:?} is not YYYY-MM-DD");
    let [y, m, d] = split_exact::<3>(field.trim(), "-", "date").map_err(|_| bad())?;
    let (y, m, d) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    let day = chrono::NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)?;
    Ok(day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp())
}

/// `HH:MM:SS` as seconds since midnight.
pub(crate) fn time_of_day(field: &str) -> Result<i64, String> {
    let bad = || format!("time {field:?} is not HH:MM:SS");
    let [h, m, s] = split_exact::<3>(field.trim(), ":", "time").map_err(|_| bad())?;
    let (h, m, s): (i64, i64, i64) =
        (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, s.parse().map_err(|_| bad())?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..60).contains(&s) {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_reasons() {
        assert_eq!(split_exact::<2>("a,b", ",", "x").unwrap(), ["a", "b"]);
        assert_eq!(split_exact::<2>("a,b,c", ",", "x").unwrap_err(), "expected 2 x fields, found 3");
        assert_eq!(split_exact::<3>("a,b", ",", "x").unwrap_err(), "expected 3 x fields, found 2");
        assert_eq!(id("-3", "user").unwrap_err(), "user id \"-3\" is not a non-negative integer");
        assert!(id("99999999999999999999", "user").unwrap_err().contains("overflows u64"));
        assert!(id32("4294967296", "user").unwrap_err().contains("overflows u32"));
        assert!(value("NaN", "rating").unwrap_err().contains("not finite"));
        assert!(value_in("7", "rating", 0.5, 5.0).unwrap_err().contains("outside"));
        assert_eq!(date("1970-01-02").unwrap(), 86_400);
        assert!(date("2005-02-30").is_err());
        assert_eq!(time_of_day("01:00:05").unwrap(), 3605);
        assert!(time_of_day("24:00:00").is_err());
    }
}
