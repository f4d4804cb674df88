//! The nurture report: of the people who entered nurture, how many became part of their
//! account's *first* sales cycle, and after how long.
//!
//! The claim it measures is the one a nurture program makes: people who are not ready now
//! buy later, often much later. So the report follows people from the day they entered
//! nurture (the contact status history, not the contact's creation), counts a conversion only
//! when their account's first opportunity was created after that day, and shows the share
//! that took 18 months or more, by the quarter they entered. A person who entered nurture at
//! an account already in a sales cycle cannot start its first one; they are counted apart, so
//! an account that already buys does not flatter the rate.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The bands of time from entering nurture to the first sales cycle, by upper bound in days
/// (the last is open).
pub const BAND_DAYS: [i64; 3] = [183, 365, 548];
/// Their labels.
pub const BAND_LABELS: [&str; 4] = ["0-6 months", "6-12 months", "12-18 months", "18+ months"];
/// The index of the band of people who took 18 months or more.
const LONG_TAIL: usize = 3;

/// The band of a wait in days.
pub fn band_of(days: f64) -> usize {
    BAND_DAYS
        .iter()
        .position(|b| days < *b as f64)
        .unwrap_or(BAND_DAYS.len())
}

/// One person who entered nurture, as the store reads them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NurtureEntry {
    /// When they first entered nurture.
    pub entered_at: DateTime<Utc>,
    /// When their account's first opportunity was created, if it has one.
    pub first_cycle_at: Option<DateTime<Utc>>,
    /// Whether they are in nurture now.
    pub in_nurture: bool,
}

/// How many people's first sales cycle came within a band of time.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NurtureBand {
    pub band: String,
    /// People whose account's first sales cycle started this long after they entered nurture.
    pub converted: u64,
}

/// The people who entered nurture in one quarter.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NurtureCohort {
    /// The quarter they entered, as `2025-Q3`.
    pub cohort: String,
    /// People who entered nurture in the quarter.
    pub entered: u64,
    /// Of them, those whose account was already in a sales cycle when they entered.
    pub after_a_cycle: u64,
    /// Of the others, those whose account's first sales cycle followed.
    pub converted: u64,
    /// Still in nurture now.
    pub in_nurture: u64,
    /// Converted over those who could start a first cycle (`entered - after_a_cycle`).
    pub conversion_rate: Option<f64>,
    /// Of the converted, the share that took 18 months or more.
    pub share_18_months_or_more: Option<f64>,
    /// The converted by time to their first sales cycle.
    pub bands: Vec<NurtureBand>,
}

/// The nurture report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NurtureReport {
    pub as_of: DateTime<Utc>,
    /// People who ever entered nurture.
    pub entered: u64,
    /// Of them, those whose account was already in a sales cycle when they entered.
    pub after_a_cycle: u64,
    /// Of the others, those whose account's first sales cycle followed their entry.
    pub converted: u64,
    /// People in nurture now.
    pub in_nurture: u64,
    /// Converted over those who could start a first cycle.
    pub conversion_rate: Option<f64>,
    /// The median days from entering nurture to the first sales cycle, over the converted.
    pub median_days_to_cycle: Option<f64>,
    /// Of the converted, the share that took 18 months or more.
    pub share_18_months_or_more: Option<f64>,
    /// The converted by time to their first sales cycle.
    pub bands: Vec<NurtureBand>,
    /// The same, by the quarter people entered nurture, oldest first.
    pub cohorts: Vec<NurtureCohort>,
}

/// The quarter of a time: its year and the quarter's index from 0.
fn quarter_of(at: DateTime<Utc>) -> (i32, u32) {
    (at.year(), at.month0() / 3)
}

/// A quarter as people write it: `2025-Q3`.
fn quarter_label((year, index): (i32, u32)) -> String {
    format!("{year}-Q{}", index + 1)
}

/// Counts for one group of people (the whole report or one cohort).
#[derive(Default)]
struct Tally {
    entered: u64,
    after_a_cycle: u64,
    in_nurture: u64,
    bands: [u64; 4],
}

impl Tally {
    /// Counts one person; returns the days to their first cycle when they converted.
    fn add(&mut self, e: &NurtureEntry) -> Option<f64> {
        self.entered += 1;
        self.in_nurture += u64::from(e.in_nurture);
        match e.first_cycle_at {
            Some(first) if first < e.entered_at => {
                self.after_a_cycle += 1;
                None
            }
            Some(first) => {
                let days = (first - e.entered_at).num_seconds() as f64 / 86_400.0;
                self.bands[band_of(days)] += 1;
                Some(days)
            }
            None => None,
        }
    }

    fn converted(&self) -> u64 {
        self.bands.iter().sum()
    }

    fn conversion_rate(&self) -> Option<f64> {
        super::ratio(self.converted(), self.entered - self.after_a_cycle)
    }

    fn share_18_months_or_more(&self) -> Option<f64> {
        super::ratio(self.bands[LONG_TAIL], self.converted())
    }

    fn bands(&self) -> Vec<NurtureBand> {
        BAND_LABELS
            .iter()
            .zip(self.bands)
            .map(|(label, converted)| NurtureBand {
                band: label.to_string(),
                converted,
            })
            .collect()
    }
}

/// Assembles the report from everyone who entered nurture.
pub fn nurture(as_of: DateTime<Utc>, entries: &[NurtureEntry]) -> NurtureReport {
    let mut all = Tally::default();
    let mut days = Vec::new();
    let mut cohorts: std::collections::BTreeMap<(i32, u32), Tally> = Default::default();
    for e in entries {
        days.extend(all.add(e));
        cohorts.entry(quarter_of(e.entered_at)).or_default().add(e);
    }
    NurtureReport {
        as_of,
        entered: all.entered,
        after_a_cycle: all.after_a_cycle,
        converted: all.converted(),
        in_nurture: all.in_nurture,
        conversion_rate: all.conversion_rate(),
        median_days_to_cycle: super::median(&mut days),
        share_18_months_or_more: all.share_18_months_or_more(),
        bands: all.bands(),
        cohorts: cohorts
            .into_iter()
            .map(|(quarter, t)| NurtureCohort {
                cohort: quarter_label(quarter),
                entered: t.entered,
                after_a_cycle: t.after_a_cycle,
                converted: t.converted(),
                in_nurture: t.in_nurture,
                conversion_rate: t.conversion_rate(),
                share_18_months_or_more: t.share_18_months_or_more(),
                bands: t.bands(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 9, 0, 0)
            .single()
            .expect("valid")
    }

    fn entry(entered: DateTime<Utc>, first: Option<DateTime<Utc>>, now: bool) -> NurtureEntry {
        NurtureEntry {
            entered_at: entered,
            first_cycle_at: first,
            in_nurture: now,
        }
    }

    #[test]
    fn waits_fall_into_bands() {
        assert_eq!(band_of(0.0), 0);
        assert_eq!(band_of(182.9), 0);
        assert_eq!(band_of(183.0), 1);
        assert_eq!(band_of(400.0), 2);
        assert_eq!(band_of(5000.0), 3);
        assert_eq!(quarter_label(quarter_of(at(2025, 9, 30))), "2025-Q3");
        assert_eq!(quarter_label(quarter_of(at(2025, 10, 1))), "2025-Q4");
    }

    #[test]
    fn only_a_first_cycle_after_entry_converts() {
        let q1 = at(2024, 2, 1);
        let entries = [
            // First cycle 20 months later: converted, in the long tail.
            entry(q1, Some(q1 + Duration::days(610)), false),
            // First cycle 2 months later.
            entry(q1, Some(q1 + Duration::days(60)), false),
            // The account was already in a cycle: not a candidate.
            entry(q1, Some(q1 - Duration::days(10)), true),
            // Still waiting.
            entry(at(2024, 5, 1), None, true),
        ];
        let r = nurture(at(2026, 12, 1), &entries);
        assert_eq!(
            (r.entered, r.after_a_cycle, r.converted, r.in_nurture),
            (4, 1, 2, 2)
        );
        assert_eq!(r.conversion_rate, Some(2.0 / 3.0));
        assert_eq!(r.share_18_months_or_more, Some(0.5));
        assert_eq!(r.median_days_to_cycle, Some(335.0));
        let bands: Vec<u64> = r.bands.iter().map(|b| b.converted).collect();
        assert_eq!(bands, [1, 0, 0, 1]);
        let cohorts: Vec<(&str, u64, u64)> = r
            .cohorts
            .iter()
            .map(|c| (c.cohort.as_str(), c.entered, c.converted))
            .collect();
        assert_eq!(cohorts, [("2024-Q1", 3, 2), ("2024-Q2", 1, 0)]);
        assert_eq!(r.cohorts[1].conversion_rate, Some(0.0));
        assert_eq!(r.cohorts[1].share_18_months_or_more, None);
    }

    #[test]
    fn nobody_in_nurture_gives_an_empty_report() {
        let r = nurture(at(2026, 1, 1), &[]);
        assert_eq!((r.entered, r.converted), (0, 0));
        assert_eq!(r.conversion_rate, None);
        assert_eq!(r.median_days_to_cycle, None);
        assert!(r.cohorts.is_empty());
        assert_eq!(r.bands.len(), 4);
    }
}
