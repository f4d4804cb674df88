//! The revenue reports, as pure functions over rows the store reads: sales cycles started,
//! the account funnel, pipeline, buying-center coverage, campaign influence at the account
//! level, cost per sales cycle started, and the nurture database. Each takes plain inputs and the time it runs at, so the
//! same rows give the same report on every backend.

mod cost;
mod coverage;
mod cycles;
mod funnel;
mod influence;
mod nurture;
mod period;
mod pipeline;

pub use cost::*;
pub use coverage::*;
pub use cycles::*;
pub use funnel::*;
pub use influence::*;
pub use nurture::*;
pub use period::*;
pub use pipeline::*;

/// The median of some values; `None` when there are none.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// `part / whole`, or `None` when there is no whole.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The range reports cover unless told: from the start of the month eleven months before
/// `today` to the end of `today` (exclusive bounds: `[from, to)`).
pub fn default_range(today: chrono::NaiveDate) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let from = Period::Month.start(
        today
            .checked_sub_months(chrono::Months::new(11))
            .unwrap_or(today),
    );
    (from, today.succ_opt().unwrap_or(today))
}

/// Which accounts a report looks at: every account, or those a segment selects (for a
/// contact segment, the accounts of the contacts it selects).
#[derive(Debug, Clone)]
pub struct ReportScope {
    pub segment: Option<(crate::filter::Checked, crate::model::SegmentTarget)>,
    /// The day the segment's relative dates count from.
    pub today: chrono::NaiveDate,
}

impl ReportScope {
    /// Every account.
    pub fn all(today: chrono::NaiveDate) -> ReportScope {
        ReportScope {
            segment: None,
            today,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
