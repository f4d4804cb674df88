//! How the pages write numbers, money and stored names.

/// `1234567` -> `1,234,567` (any integer type).
pub fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// An amount rounded to whole units with thousands separated, no currency: `1,234,568`.
pub fn grouped(amount: f64) -> String {
    thousands(amount.round() as i64)
}

/// An amount of money in whole units: `$1,234,567`, `-$42`.
pub fn money(amount: f64) -> String {
    let whole = amount.round() as i64;
    let sign = if whole < 0 { "-" } else { "" };
    format!("{sign}${}", thousands(whole.unsigned_abs()))
}

/// An amount of money, short: `$950`, `$12.5K`, `$3.2M`, `$1.1B`.
pub fn money_short(n: i64) -> String {
    let a = n.unsigned_abs() as f64;
    let sign = if n < 0 { "-" } else { "" };
    let (v, unit) = if a >= 1e9 {
        (a / 1e9, "B")
    } else if a >= 1e6 {
        (a / 1e6, "M")
    } else if a >= 1e3 {
        (a / 1e3, "K")
    } else {
        return format!("{sign}${}", a as u64);
    };
    let text = format!("{v:.1}");
    format!("{sign}${}{unit}", text.trim_end_matches(".0"))
}

/// A stored name in a sentence: `economic_buyer` -> `economic buyer`.
pub fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// A stored name as a label: `closed_won` -> `Closed won`.
pub fn human(name: &str) -> String {
    let text = words(name);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A score to one decimal.
pub fn score_text(p: abcrm_core::scoring::Points) -> String {
    format!("{:.1}", p.as_f64())
}

/// "City, State, Country" without the parts that are missing.
pub fn location(a: &abcrm_core::model::Account) -> String {
    [a.city.as_deref(), a.state.as_deref(), a.country.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text, or a dash where there is none.
pub fn or_dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_by_thousands_and_round() {
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(1_234_567i64), "1,234,567");
        assert_eq!(thousands(-25_000i64), "-25,000");
        assert_eq!(grouped(999.4), "999");
        assert_eq!(grouped(1_234_567.8), "1,234,568");
        assert_eq!(money(1234567.4), "$1,234,567");
        assert_eq!(money(999.5), "$1,000");
        assert_eq!(money(-42.0), "-$42");
        assert_eq!(money(0.0), "$0");
    }

    #[test]
    fn short_money_keeps_one_decimal_where_it_says_something() {
        assert_eq!(money_short(950), "$950");
        assert_eq!(money_short(12_500), "$12.5K");
        assert_eq!(money_short(3_000_000), "$3M");
        assert_eq!(money_short(-1_100_000_000), "-$1.1B");
    }

    #[test]
    fn names_read_as_words_and_labels() {
        assert_eq!(words("former_customer"), "former customer");
        assert_eq!(human("closed_won"), "Closed won");
        assert_eq!(human(""), "");
    }
}
