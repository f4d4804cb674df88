//! Chart geometry for the UI's SVG charts: pure functions from figures to shapes, so the
//! templates only place what is computed (and the sums are testable).

/// One horizontal bar of a bar chart, in the SVG's user units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// The figure printed at the end of the bar.
    pub value_text: String,
    /// A second line under the label (a ratio, a duration), if any.
    pub note: String,
    pub y: u32,
    pub width: f64,
}

/// A horizontal bar chart: `rows` of (label, value, value text, note), scaled so the largest
/// value fills `width` units. Bars are `ROW` units apart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub bars: Vec<Bar>,
    pub height: u32,
    /// Where bars start (after the labels).
    pub left: u32,
    pub width: u32,
}

impl BarChart {
    pub const ROW: u32 = 34;
    pub const BAR: u32 = 20;

    pub fn new(rows: Vec<(String, f64, String, String)>, left: u32, width: u32) -> BarChart {
        let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max);
        let bars = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, value_text, note))| Bar {
                label,
                value_text,
                note,
                y: i as u32 * Self::ROW,
                width: if max > 0.0 {
                    (value.max(0.0) / max * f64::from(width)).max(if value > 0.0 {
                        1.0
                    } else {
                        0.0
                    })
                } else {
                    0.0
                },
            })
            .collect::<Vec<_>>();
        let height = (bars.len() as u32 * Self::ROW).max(Self::ROW);
        BarChart {
            bars,
            height,
            left,
            width,
        }
    }

    /// The whole drawing's width: labels, bars and room for the figure after the longest bar.
    pub fn view_width(&self) -> u32 {
        self.left + self.width + 150
    }

    /// Where the figure after a bar starts.
    pub fn text_x(&self, bar: &Bar) -> f64 {
        f64::from(self.left) + bar.width + 6.0
    }
}

/// A label cut to `max` characters, the last of them an ellipsis, so it fits beside its bar
/// (the table beside the chart has it whole).
pub fn short_label(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    let mut cut: String = label.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// One column of a column chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    pub value: u64,
    pub x: f64,
    pub y: f64,
    pub height: f64,
    /// The last column (the current period) is drawn darker.
    pub current: bool,
}

/// Vertical columns for a series over periods, `height` units tall at the largest value.
pub fn columns(series: &[(String, u64)], width: f64, height: f64) -> Vec<Column> {
    let max = series.iter().map(|s| s.1).max().unwrap_or(0);
    let step = if series.is_empty() {
        0.0
    } else {
        width / series.len() as f64
    };
    series
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let h = if max == 0 {
                0.0
            } else {
                *value as f64 / max as f64 * height
            };
            Column {
                label: label.clone(),
                value: *value,
                x: i as f64 * step + step * 0.15,
                y: height - h,
                height: h,
                current: i + 1 == series.len(),
            }
        })
        .collect()
}

/// The points of a sparkline over `values`, `width` × `height` units, as an SVG `points` list.
pub fn sparkline(values: &[u32], width: f64, height: f64) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if values.len() > 1 {
        width / (values.len() - 1) as f64
    } else {
        0.0
    };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                height - f64::from(*v) / max * (height - 2.0) - 1.0
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A change from `before` to `now` in words and a direction (`up`, `down`, `flat`).
pub fn change(now: f64, before: f64) -> (String, &'static str) {
    if now == before {
        return ("no change".into(), "flat");
    }
    let dir = if now > before { "up" } else { "down" };
    if before == 0.0 {
        return (format!("{dir} from none"), dir);
    }
    let pct = (now - before) / before * 100.0;
    (format!("{pct:+.0}%"), dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_bar_fills_the_width_and_others_scale() {
        let c = BarChart::new(
            vec![
                ("a".into(), 200.0, "200".into(), String::new()),
                ("b".into(), 50.0, "50".into(), String::new()),
                ("c".into(), 0.0, "0".into(), String::new()),
            ],
            100,
            400,
        );
        assert_eq!(c.bars[0].width, 400.0);
        assert_eq!(c.bars[1].width, 100.0);
        assert_eq!(c.bars[2].width, 0.0);
        assert_eq!(c.bars[2].y, 2 * BarChart::ROW);
        assert_eq!(c.height, 3 * BarChart::ROW);
    }

    #[test]
    fn a_tiny_value_still_shows_and_all_zero_draws_nothing() {
        let c = BarChart::new(
            vec![
                ("a".into(), 10_000.0, String::new(), String::new()),
                ("b".into(), 1.0, String::new(), String::new()),
            ],
            0,
            100,
        );
        assert_eq!(c.bars[1].width, 1.0);
        let z = BarChart::new(
            vec![("a".into(), 0.0, String::new(), String::new())],
            0,
            100,
        );
        assert_eq!(z.bars[0].width, 0.0);
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(short_label("Q1 Summit", 10), "Q1 Summit");
        assert_eq!(
            short_label("Webinar: Scoring the Buying Center", 12),
            "Webinar: Sc…"
        );
        assert_eq!(short_label("Ünïcödé names", 5), "Ünïc…");
        assert_eq!(short_label("ab cd", 4), "ab…");
    }

    #[test]
    fn columns_scale_to_the_height_and_mark_the_current_period() {
        let cols = columns(&[("Jan".into(), 5), ("Feb".into(), 10)], 200.0, 100.0);
        assert_eq!(cols[0].height, 50.0);
        assert_eq!(cols[0].y, 50.0);
        assert_eq!(cols[1].height, 100.0);
        assert!(cols[1].current && !cols[0].current);
        assert!(columns(&[], 100.0, 100.0).is_empty());
    }

    #[test]
    fn sparkline_spans_the_width() {
        assert_eq!(sparkline(&[0, 2], 10.0, 10.0), "0.0,9.0 10.0,1.0");
        assert_eq!(sparkline(&[3], 10.0, 10.0), "0.0,1.0");
    }

    #[test]
    fn change_reads_as_percent_or_from_none() {
        assert_eq!(change(12.0, 10.0), ("+20%".into(), "up"));
        assert_eq!(change(5.0, 10.0), ("-50%".into(), "down"));
        assert_eq!(change(3.0, 0.0), ("up from none".into(), "up"));
        assert_eq!(change(4.0, 4.0), ("no change".into(), "flat"));
    }
}
