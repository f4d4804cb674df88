//! Field values as CRM exports write them: booleans as true/false, 1/0 or yes/no; dates as ISO
//! timestamps, plain dates or US-style dates; amounts with currency signs and thousands
//! separators. Blank is absent; anything else unreadable is an error that names the value.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Why a field could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not {expected}")]
pub struct ValueError {
    pub value: String,
    pub expected: &'static str,
}

fn err(value: &str, expected: &'static str) -> ValueError {
    ValueError {
        value: value.to_string(),
        expected,
    }
}

/// true/false, 1/0, yes/no, y/n, t/f, in any case; blank is none.
pub fn boolean(v: &str) -> Result<Option<bool>, ValueError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" | "y" | "t" => Ok(Some(true)),
        "false" | "0" | "no" | "n" | "f" => Ok(Some(false)),
        _ => Err(err(v, "a boolean (true/false, 1/0 or yes/no)")),
    }
}

/// A timestamp: `2024-03-05T14:22:10.000Z`, `2024-03-05T14:22:10+0000`, `2024-03-05 14:22`,
/// `2024-03-05`, `3/5/2024 2:22 PM`, `03/05/2024`; times without a zone are UTC.
pub fn timestamp(v: &str) -> Result<Option<DateTime<Utc>>, ValueError> {
    let s = v.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(Some(Utc.from_utc_datetime(&t)));
        }
    }
    match plain_date(s) {
        Some(d) => Ok(Some(
            Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")),
        )),
        None => Err(err(
            v,
            "a date or timestamp (such as 2024-03-05T14:22:10.000Z)",
        )),
    }
}

fn plain_date(s: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// A calendar day: `2024-03-05`, `03/05/2024` (month first, as US exports write it), or the
/// day of a timestamp.
pub fn date(v: &str) -> Result<Option<NaiveDate>, ValueError> {
    let s = v.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(d) = plain_date(s) {
        return Ok(Some(d));
    }
    match timestamp(s) {
        Ok(Some(t)) => Ok(Some(t.date_naive())),
        _ => Err(err(v, "a date (such as 2024-03-05)")),
    }
}

/// An amount: `1234.5`, `1,234.50`, `$1,234`, `USD 1234`, `1.2e6`.
pub fn number(v: &str) -> Result<Option<f64>, ValueError> {
    let s = v.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let cleaned: String = s
        .trim_start_matches(|c: char| c.is_ascii_alphabetic() || "$€£¥ ".contains(c))
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    match cleaned.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(err(v, "a number")),
    }
}

/// A whole count such as employees: `250`, `1,200`, `250.0`.
pub fn count(v: &str) -> Result<Option<i64>, ValueError> {
    match number(v) {
        Ok(Some(x)) if (0.0..=1e12).contains(&x) && x.fract() == 0.0 => Ok(Some(x as i64)),
        Ok(None) => Ok(None),
        _ => Err(err(v, "a whole number")),
    }
}

/// Trimmed text; blank is none.
pub fn text(v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn booleans_in_every_spelling() {
        for t in ["true", "TRUE", "1", "yes", "Y"] {
            assert_eq!(boolean(t).unwrap(), Some(true), "{t}");
        }
        for f in ["false", "0", "No", "n"] {
            assert_eq!(boolean(f).unwrap(), Some(false), "{f}");
        }
        assert_eq!(boolean(" ").unwrap(), None);
        assert!(boolean("maybe").is_err());
    }

    #[test]
    fn dates_as_exports_write_them() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        for s in [
            "2024-03-05",
            "03/05/2024",
            "2024-03-05T14:22:10.000Z",
            "2024-03-05 14:22",
        ] {
            assert_eq!(date(s).unwrap(), Some(d), "{s}");
        }
        let t = timestamp("2024-03-05T14:22:10.000+0000").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-05T14:22:10+00:00");
        assert_eq!(
            timestamp("3/5/2024 2:22 PM").unwrap().unwrap().to_rfc3339(),
            "2024-03-05T14:22:00+00:00"
        );
        assert!(date("next tuesday").is_err());
    }

    #[test]
    fn amounts_with_signs_and_separators() {
        assert_eq!(number("$1,234.50").unwrap(), Some(1234.5));
        assert_eq!(number("USD 1234").unwrap(), Some(1234.0));
        assert_eq!(count("1,200").unwrap(), Some(1200));
        assert!(count("12.5").is_err());
        assert!(number("n/a").is_err());
        assert!(number("inf").is_err());
    }

    proptest! {
        #[test]
        fn value_parsers_never_panic(s in "\\PC{0,30}") {
            let _ = (boolean(&s), timestamp(&s), date(&s), number(&s), count(&s));
        }

        #[test]
        fn written_dates_read_back(y in 1990i32..2100, m in 1u32..=12, d in 1u32..=28) {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            prop_assert_eq!(date(&day.to_string()).unwrap(), Some(day));
            prop_assert_eq!(date(&day.format("%m/%d/%Y").to_string()).unwrap(), Some(day));
        }
    }
}
