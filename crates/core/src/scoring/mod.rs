//! Scoring: a contact scores fit plus decayed engagement; an account scores its own fit, its
//! contacts with diminishing returns, the breadth of its engaged buying center, and (by the
//! model's roll-up rule) its subsidiaries; stage rules move accounts through the funnel.
//!
//! Every contribution is rounded to a thousandth of a point once, where it arises, and summed as
//! an integer after that: the same inputs give the same score in any order (a full recompute
//! streams activities in table order, an incremental one reads a single account's), and an
//! explanation's lines add up to the score exactly.

mod engine;
mod explain;
mod model;
mod scores;
mod stages;
pub mod synth;
#[cfg(test)]
mod tests;

pub use engine::{rollup_order, AccountFacts, Recompute, Scorer};
pub use explain::{ActivityLine, ContactLine, Explanation, Line, RuleLine};
pub use model::{
    parse_model, AccountSettings, ContactSettings, EngagementRule, FitRule, FitTarget, ModelError,
    Rollup, ScoringModel, StageThresholds, DEFAULT_MODEL,
};
pub use scores::{AccountScore, ActivityFact, ContactScore, OwnScore};
pub use stages::{
    check_relationship, customer_status, next_stage, relationship_after, stage_for_relationship,
    AssetFacts, StageFacts, StageMove,
};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};
use utoipa::ToSchema;

/// A score or a contribution to one, in thousandths of a point. Sent and shown as a decimal
/// number of points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, ToSchema)]
#[schema(value_type = f64)]
pub struct Points(pub i64);

impl Points {
    pub const ZERO: Points = Points(0);

    /// Points from a decimal number, rounded to the thousandth.
    pub fn from_f64(x: f64) -> Points {
        Points((x * 1000.0).round() as i64)
    }

    /// As a decimal number of points.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// These points times a factor, rounded to the thousandth.
    pub fn scaled(self, factor: f64) -> Points {
        Points((self.0 as f64 * factor).round() as i64)
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (whole, frac) = (self.0.unsigned_abs() / 1000, self.0.unsigned_abs() % 1000);
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, o: Points) -> Points {
        Points(self.0 + o.0)
    }
}

impl Sub for Points {
    type Output = Points;
    fn sub(self, o: Points) -> Points {
        Points(self.0 - o.0)
    }
}

impl Neg for Points {
    type Output = Points;
    fn neg(self) -> Points {
        Points(-self.0)
    }
}

impl AddAssign for Points {
    fn add_assign(&mut self, o: Points) {
        self.0 += o.0;
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        Points(iter.map(|p| p.0).sum())
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
        f64::deserialize(d).map(Points::from_f64)
    }
}

#[cfg(test)]
mod points_tests {
    use super::*;

    #[test]
    fn points_print_as_short_decimals() {
        assert_eq!(Points(12_500).to_string(), "12.5");
        assert_eq!(Points(-1_005).to_string(), "-1.005");
        assert_eq!(Points(7_000).to_string(), "7");
        assert_eq!(Points::from_f64(0.1) + Points::from_f64(0.2), Points(300));
    }

    #[test]
    fn points_travel_as_numbers() {
        assert_eq!(serde_json::to_string(&Points(62_125)).unwrap(), "62.125");
        let back: Points = serde_json::from_str("62.125").unwrap();
        assert_eq!(back, Points(62_125));
    }
}
