//! Bar charts drawn on the server: a series of labelled integer cent values
//! becomes the geometry of an SVG (bars, gridlines, axis labels) that
//! `ui::home` renders with `view!`, so a chart needs no JavaScript and
//! hydrates like any other markup.
//!
//! Pure: no I/O, compiles to WASM. Money stays integer cents all the way:
//! the scale's top and every gridline are whole multiples of a "nice" step
//! in cents, and a bar's height is `cents * plot height / top` in 128-bit
//! integers, so no value a person reads ever went through a float. Pixel
//! coordinates are integers in the chart's own `viewBox` units; the SVG is
//! drawn `width="100%"` and scales to the page (1100 px desktop, 768 px
//! tablet) without any arithmetic here.
//!
//! Text (labels) is kept as plain strings: `view!` escapes it when it
//! renders, and [`escape`] does the same for anyone writing markup by hand.

use super::money::Money;
use serde::{Deserialize, Serialize};

/// One bar: what it is (a day, a status) and its value in cents. Negative
/// values are drawn as zero (these charts show amounts taken, never owed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// The full label, for the bar's tooltip and the table (`Mon, Nov 2`).
    pub label: String,
    /// The label under the axis, when this bar gets one (`Nov 2`).
    pub axis_label: String,
    pub cents: i64,
}

/// The chart's size in viewBox units and how often a bar gets an axis label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub width: i64,
    pub height: i64,
    /// Label every n-th bar (counted from the last, so the newest day is
    /// always labelled); 1 labels every bar.
    pub label_every: usize,
}

impl Frame {
    /// Room for the y axis's money labels on the left, the x labels below.
    const LEFT: i64 = 84;
    const RIGHT: i64 = 12;
    const TOP: i64 = 14;
    const BOTTOM: i64 = 38;
    /// Gridlines wanted above zero (the step is rounded up to 1, 2 or 5 ×
    /// 10ⁿ cents, so there may be fewer).
    const TICKS: i64 = 4;
}

impl Default for Frame {
    fn default() -> Self {
        Frame {
            width: 800,
            height: 300,
            label_every: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub label: String,
    pub cents: i64,
    /// `$1,234.56`, exact.
    pub value: String,
}

/// A horizontal gridline with its money label on the y axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gridline {
    pub y: i64,
    pub cents: i64,
    pub text: String,
}

/// A label under the x axis, centred on its bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisLabel {
    pub x: i64,
    pub y: i64,
    pub text: String,
}

/// Everything needed to draw one chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarChart {
    pub width: i64,
    pub height: i64,
    /// The plot area: bars stand on `baseline` and reach up to `top` at the
    /// scale's maximum.
    pub left: i64,
    pub right: i64,
    pub top: i64,
    pub baseline: i64,
    /// The scale's maximum in cents (the highest gridline).
    pub max_cents: i64,
    pub bars: Vec<Bar>,
    pub gridlines: Vec<Gridline>,
    pub axis_labels: Vec<AxisLabel>,
}

/// Lays out `points` as vertical bars in `frame`.
pub fn bar_chart(points: &[Point], frame: Frame) -> BarChart {
    let left = Frame::LEFT;
    let right = (frame.width - Frame::RIGHT).max(left + 1);
    let top = Frame::TOP;
    let baseline = (frame.height - Frame::BOTTOM).max(top + 1);
    let plot_w = right - left;
    let plot_h = baseline - top;

    let max = points.iter().map(|p| p.cents.max(0)).max().unwrap_or(0);
    let step = nice_step(max, Frame::TICKS);
    // Whole steps up to the largest value (at least one, so an all-zero
    // series still has a scale). i128: the top of a huge value's scale can
    // pass i64::MAX.
    let steps = ((max as i128 + step as i128 - 1) / step as i128).max(1);
    let scale_top = steps * step as i128;

    let gridlines = (0..=steps)
        .map(|i| {
            let cents = i * step as i128;
            Gridline {
                y: baseline - (cents * plot_h as i128 / scale_top) as i64,
                cents: clamp_i64(cents),
                text: axis_money(cents),
            }
        })
        .collect();

    let n = points.len().max(1) as i64;
    let slot = (plot_w / n).max(1);
    // Bars take 70% of their slot (at least 1 unit), centred in it.
    let bar_w = (slot * 7 / 10).max(1);
    let pad = (plot_w - slot * n) / 2 + (slot - bar_w) / 2;
    let every = frame.label_every.max(1);
    let last = points.len().saturating_sub(1);

    let mut bars = Vec::with_capacity(points.len());
    let mut axis_labels = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let cents = p.cents.max(0);
        let height = (cents as i128 * plot_h as i128 / scale_top) as i64;
        let x = left + pad + slot * i as i64;
        bars.push(Bar {
            x,
            y: baseline - height,
            width: bar_w,
            height,
            label: p.label.clone(),
            cents,
            value: Money::from_cents(cents).to_string(),
        });
        if (last - i).is_multiple_of(every) && !p.axis_label.is_empty() {
            axis_labels.push(AxisLabel {
                x: x + bar_w / 2,
                y: baseline + 22,
                text: p.axis_label.clone(),
            });
        }
    }

    BarChart {
        width: frame.width,
        height: frame.height,
        left,
        right,
        top,
        baseline,
        max_cents: clamp_i64(scale_top),
        bars,
        gridlines,
        axis_labels,
    }
}

/// The gridline step in cents: the smallest 1, 2 or 5 × 10ⁿ with at most
/// `ticks` steps up to `max`. At least one dollar, so small amounts get
/// readable whole-dollar gridlines.
pub fn nice_step(max: i64, ticks: i64) -> i64 {
    let ticks = ticks.max(1) as i128;
    let max = max.max(0) as i128;
    let mut magnitude: i128 = 100;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if step * ticks >= max {
                return clamp_i64(step);
            }
        }
        magnitude *= 10;
    }
}

/// A gridline's money label: whole dollars, shortened to K, M or B when
/// the value is a whole number of those (`$0`, `$500`, `$2,000`, `$25K`,
/// `$1.5M` is never made: the steps keep values whole at their unit).
pub fn axis_money(cents: i128) -> String {
    let dollars = cents / 100;
    let (value, unit) = if dollars != 0 && dollars % 1_000_000_000 == 0 {
        (dollars / 1_000_000_000, "B")
    } else if dollars != 0 && dollars % 1_000_000 == 0 {
        (dollars / 1_000_000, "M")
    } else if dollars >= 10_000 && dollars % 1_000 == 0 {
        (dollars / 1_000, "K")
    } else {
        (dollars, "")
    };
    format!("${}{unit}", group(value))
}

fn group(v: i128) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Escapes text for SVG or HTML markup written by hand (`view!` already
/// escapes what it renders).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[i64]) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, &cents)| Point {
                label: format!("Day {}", i + 1),
                axis_label: format!("{}", i + 1),
                cents,
            })
            .collect()
    }

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0, 4), 100, "at least a dollar");
        assert_eq!(nice_step(399, 4), 100);
        assert_eq!(nice_step(401, 4), 200);
        assert_eq!(nice_step(1_999_999, 4), 500_000);
        assert_eq!(nice_step(2_000_001, 4), 1_000_000);
        assert_eq!(nice_step(i64::MAX, 4), 5_000_000_000_000_000_000);
    }

    #[test]
    fn bars_scale_to_the_top_gridline() {
        let c = bar_chart(&series(&[10_000, 5_000, 0, 2_500]), Frame::default());
        let plot_h = c.baseline - c.top;
        assert_eq!(c.max_cents, 10_000);
        assert_eq!(c.bars[0].height, plot_h, "the largest bar fills the plot");
        assert_eq!(c.bars[0].y, c.top);
        assert_eq!(c.bars[1].height, plot_h / 2);
        assert_eq!(c.bars[2].height, 0);
        assert_eq!(c.bars[2].y, c.baseline);
        assert_eq!(c.bars[3].height, plot_h / 4);
        assert_eq!(c.bars[1].value, "$50.00", "values shown exactly");
        // $0 to $100 in $50 steps, the top one at the top.
        let texts: Vec<_> = c.gridlines.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(texts, ["$0", "$50", "$100"]);
        assert_eq!(c.gridlines[0].y, c.baseline);
        assert_eq!(c.gridlines[2].y, c.top);
        assert_eq!(c.gridlines[1].y, c.baseline - plot_h / 2);
        // Bars keep to the plot and do not overlap.
        for w in c.bars.windows(2) {
            assert!(w[0].x + w[0].width < w[1].x);
        }
        let last = c.bars.last().unwrap();
        assert!(c.bars[0].x >= c.left && last.x + last.width <= c.right);
    }

    #[test]
    fn no_data_draws_an_empty_scale() {
        let c = bar_chart(&series(&[0, 0, 0]), Frame::default());
        assert!(c.bars.iter().all(|b| b.height == 0 && b.y == c.baseline));
        assert_eq!(c.max_cents, 100);
        assert_eq!(c.gridlines.len(), 2, "$0 and $1");
        let empty = bar_chart(&[], Frame::default());
        assert!(empty.bars.is_empty() && empty.axis_labels.is_empty());
        assert_eq!(empty.gridlines.len(), 2);
    }

    #[test]
    fn one_huge_value_neither_overflows_nor_hides_the_rest() {
        let c = bar_chart(&series(&[i64::MAX, 1, 0]), Frame::default());
        let plot_h = c.baseline - c.top;
        assert!(c.bars[0].height <= plot_h && c.bars[0].height > plot_h / 2);
        assert_eq!(c.bars[1].height, 0, "a cent next to billions is flat");
        assert_eq!(c.bars[0].value, "$92,233,720,368,547,758.07");
        assert_eq!(c.max_cents, i64::MAX, "the scale's top is clamped");
        assert!(c.gridlines.windows(2).all(|w| w[0].y > w[1].y));
        // Negative values are drawn as nothing.
        let c = bar_chart(&series(&[-500, 300]), Frame::default());
        assert_eq!((c.bars[0].height, c.bars[0].cents), (0, 0));
    }

    #[test]
    fn axis_labels_every_nth_bar_ending_with_the_last() {
        let frame = Frame {
            label_every: 7,
            ..Frame::default()
        };
        let c = bar_chart(&series(&[1; 30]), frame);
        let texts: Vec<_> = c.axis_labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["2", "9", "16", "23", "30"]);
        assert_eq!(c.axis_labels[4].x, c.bars[29].x + c.bars[29].width / 2);
    }

    #[test]
    fn money_labels_shorten_only_whole_units() {
        assert_eq!(axis_money(0), "$0");
        assert_eq!(axis_money(50_000), "$500");
        assert_eq!(axis_money(200_000), "$2,000");
        assert_eq!(axis_money(2_500_000), "$25K");
        assert_eq!(axis_money(1_234_500), "$12,345");
        assert_eq!(axis_money(500_000_000), "$5M");
        assert_eq!(axis_money(200_000_000_000), "$2B");
    }

    #[test]
    fn labels_are_escaped_for_markup() {
        assert_eq!(
            escape(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
        // The chart keeps labels as text; the renderer escapes them.
        let c = bar_chart(
            &[Point {
                label: "<b>".into(),
                axis_label: "<i>".into(),
                cents: 1,
            }],
            Frame::default(),
        );
        assert_eq!(c.bars[0].label, "<b>");
        assert_eq!(c.axis_labels[0].text, "<i>");
    }
}
