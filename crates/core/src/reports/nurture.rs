//! The nurture database: how long people have waited in nurture, and how many of the people
//! abcrm knows went on to a sales cycle (an opportunity at their account created after they
//! arrived) within 6, 12, 18 or more months.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The age bands, by upper bound in days (the last is open).
pub const BAND_DAYS: [i64; 3] = [183, 365, 548];
/// Their labels.
pub const BAND_LABELS: [&str; 4] = ["0-6 months", "6-12 months", "12-18 months", "18+ months"];

/// The band of an age in days.
pub fn band_of(days: f64) -> usize {
    BAND_DAYS
        .iter()
        .position(|b| days < *b as f64)
        .unwrap_or(BAND_DAYS.len())
}

/// The creation times that bound the bands at `now`, newest first: a contact created at or
/// after `bounds[0]` is in the first band.
pub fn band_bounds(now: DateTime<Utc>) -> [DateTime<Utc>; 3] {
    BAND_DAYS.map(|d| now - Duration::days(d))
}

/// One age band.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NurtureBand {
    pub band: String,
    /// Contacts in nurture now whose record is this old.
    pub in_nurture: u64,
    /// Contacts whose account started a sales cycle this long after they arrived.
    pub converted: u64,
}

/// The nurture report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NurtureReport {
    pub as_of: DateTime<Utc>,
    pub contacts: u64,
    pub in_nurture: u64,
    pub converted: u64,
    /// Converted over all contacts.
    pub conversion_rate: Option<f64>,
    pub bands: Vec<NurtureBand>,
}

/// Assembles the report from counts per band (index as [`band_of`]).
pub fn nurture(
    as_of: DateTime<Utc>,
    contacts: u64,
    in_nurture: [u64; 4],
    converted: [u64; 4],
) -> NurtureReport {
    NurtureReport {
        as_of,
        contacts,
        in_nurture: in_nurture.iter().sum(),
        converted: converted.iter().sum(),
        conversion_rate: super::ratio(converted.iter().sum(), contacts),
        bands: BAND_LABELS
            .iter()
            .enumerate()
            .map(|(i, label)| NurtureBand {
                band: label.to_string(),
                in_nurture: in_nurture[i],
                converted: converted[i],
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_fall_into_bands() {
        assert_eq!(band_of(0.0), 0);
        assert_eq!(band_of(182.9), 0);
        assert_eq!(band_of(183.0), 1);
        assert_eq!(band_of(400.0), 2);
        assert_eq!(band_of(5000.0), 3);
        let now = Utc::now();
        let b = band_bounds(now);
        assert!(b[0] > b[1] && b[1] > b[2]);
        let r = nurture(now, 100, [1, 2, 3, 4], [5, 0, 0, 5]);
        assert_eq!(
            (r.in_nurture, r.converted, r.conversion_rate),
            (10, 10, Some(0.1))
        );
        assert_eq!(r.bands[3].band, "18+ months");
    }
}
