//! Calendar periods reports group by: ISO weeks, months and quarters.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

/// A reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// ISO weeks, Monday to Sunday.
    Week,
    #[default]
    Month,
    Quarter,
}

impl FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "week" | "weekly" => Ok(Period::Week),
            "month" | "monthly" => Ok(Period::Month),
            "quarter" | "quarterly" => Ok(Period::Quarter),
            other => Err(format!(
                "{other:?} is not a period; expected week, month or quarter"
            )),
        }
    }
}

impl Period {
    /// The first day of the period holding `day`.
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            // Near the first day chrono can hold, the week's Monday may be before it.
            Period::Week => day
                .checked_sub_signed(Duration::days(i64::from(
                    day.weekday().num_days_from_monday(),
                )))
                .unwrap_or(NaiveDate::MIN),
            Period::Month => day.with_day(1).unwrap_or(day),
            Period::Quarter => {
                let month = (day.month0() / 3) * 3 + 1;
                NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
            }
        }
    }

    /// The first day of the period after the one starting at `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Period::Week => start
                .checked_add_signed(Duration::days(7))
                .unwrap_or(NaiveDate::MAX),
            Period::Month => start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(NaiveDate::MAX),
            Period::Quarter => start
                .checked_add_months(chrono::Months::new(3))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    /// A label people read: `2026-W07`, `2026-02`, `2026-Q1`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Period::Week => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Period::Month => format!("{}-{:02}", start.year(), start.month()),
            Period::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
        }
    }

    /// Every period start from the one holding `from` to the one holding the day before `to`
    /// (at most 10,000 of them).
    pub fn starts(self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut p = self.start(from);
        while p < to && out.len() < 10_000 {
            out.push(p);
            let next = self.next(p);
            // The last day chrono can hold has no next period.
            if next <= p {
                break;
            }
            p = next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_start_and_label_as_people_expect() {
        assert_eq!(Period::Week.start(d(2026, 11, 25)), d(2026, 11, 23));
        assert_eq!(Period::Week.label(d(2026, 11, 23)), "2026-W48");
        assert_eq!(Period::Week.label(d(2024, 12, 30)), "2025-W01");
        assert_eq!(Period::Month.start(d(2026, 11, 25)), d(2026, 11, 1));
        assert_eq!(Period::Quarter.start(d(2026, 11, 25)), d(2026, 10, 1));
        assert_eq!(Period::Quarter.label(d(2026, 10, 1)), "2026-Q4");
        assert_eq!(
            Period::Month.starts(d(2026, 1, 15), d(2026, 4, 1)),
            [d(2026, 1, 1), d(2026, 2, 1), d(2026, 3, 1)]
        );
    }

    proptest! {
        #[test]
        fn a_day_lies_in_its_period(days in 0i64..40_000, p in 0usize..3) {
            let period = [Period::Week, Period::Month, Period::Quarter][p];
            let day = d(1990, 1, 1) + Duration::days(days);
            let start = period.start(day);
            prop_assert!(start <= day && day < period.next(start));
            prop_assert_eq!(period.start(start), start);
        }

        #[test]
        fn period_arithmetic_never_panics_for_any_date_and_count(
            // Beyond both ends of the days chrono holds (about 95.7 million either side).
            day in -100_000_000i32..100_000_000,
            other in -100_000_000i32..100_000_000,
            count in 0usize..50,
            p in 0usize..3,
        ) {
            let period = [Period::Week, Period::Month, Period::Quarter][p];
            let any = |n: i32| NaiveDate::from_num_days_from_ce_opt(n)
                .unwrap_or(if n < 0 { NaiveDate::MIN } else { NaiveDate::MAX });
            let (day, other) = (any(day), any(other));
            let mut start = period.start(day);
            prop_assert!(start <= day);
            for _ in 0..count {
                let next = period.next(start);
                prop_assert!(next >= start);
                let _ = period.label(next);
                start = next;
            }
            let starts = period.starts(day, other);
            prop_assert!(starts.windows(2).all(|w| w[0] < w[1]));
            for edge in [NaiveDate::MIN, NaiveDate::MAX] {
                let _ = period.starts(edge, other);
                let _ = period.starts(day, edge);
            }
        }
    }
}
