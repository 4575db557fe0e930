//! Home (`/`, for those with Reports): today's and this week's payments,
//! the last 30 days as a chart, and what waits: Pending ACH for the next
//! file, returns, bills coming due. Every number links to its report.
//!
//! Charts are SVG drawn on the server from `domain::charts` geometry: no
//! JavaScript, and the same markup hydrates. Each is an `<svg role="img">`
//! named by its `<title>` and `<desc>`, with the same numbers beneath it in
//! a real table for screen readers and for anyone who wants the figures.

use super::Layout;
use crate::api::home::load_home;
use crate::domain::charts::{BarChart, Frame, Point, bar_chart};
use crate::domain::home_view::{Figure, HomeView, Line, Period};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let home = Resource::new(|| (), |_| load_home());
    view! {
        <Title text="Home"/>
        <Layout>
            <h1>"Home"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || home.get().map(|r| match r {
                    Ok(h) => home_body(h).into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

fn home_body(h: HomeView) -> impl IntoView {
    let daily_points: Vec<Point> = h
        .days
        .iter()
        .map(|d| Point {
            label: d.label.clone(),
            axis_label: d.short.clone(),
            cents: d.figure.total.cents(),
        })
        .collect();
    let daily = bar_chart(
        &daily_points,
        Frame {
            label_every: 5,
            ..Frame::default()
        },
    );
    let week = h.periods.iter().find(|p| p.name == "This week").cloned();
    view! {
        <p class="muted home-date">
            {h.today_label.clone()}
            " · "
            <a href=h.reconciliation.clone()>"Today's reconciliation"</a>
        </p>

        <section class="home-section" aria-labelledby="home-entered">
            <h2 id="home-entered">"Payments entered"</h2>
            <div class="home-grid">
                {h.periods.into_iter().map(period_card).collect_view()}
            </div>
        </section>

        {week.map(week_chart)}

        <section class="home-section" aria-labelledby="home-daily">
            <h2 id="home-daily">"Daily totals, last 30 days"</h2>
            <figure class="chart-figure">
                <ChartSvg
                    id="chart-daily"
                    chart=daily
                    title="Amount of payments entered each day, last 30 days".to_string()
                    desc=format!(
                        "One bar per day from {} to {}; the table below lists each day's count and amount.",
                        h.days.first().map(|d| d.label.clone()).unwrap_or_default(),
                        h.days.last().map(|d| d.label.clone()).unwrap_or_default(),
                    )
                />
            </figure>
            <div class="table-wrap">
                <table class="data compact" id="home-daily-table">
                    <caption>"Payments entered per day, last 30 days"</caption>
                    <thead><tr>
                        <th scope="col">"Day"</th>
                        <th scope="col" class="num">"Payments"</th>
                        <th scope="col" class="num">"Amount"</th>
                    </tr></thead>
                    <tbody>
                        {h.days.into_iter().rev().map(|d| view! {
                            <tr data-date=d.date.clone()>
                                <th scope="row">{d.label}</th>
                                {figure_cells(d.figure, "Payments", "Amount")}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>

        <section class="home-section" aria-labelledby="home-waiting">
            <h2 id="home-waiting">"Waiting and coming due"</h2>
            <div class="home-grid">
                <article class="home-card" id="home-pending-ach">
                    <h3>"Pending ACH for the next file"</h3>
                    <p class="home-big">
                        <a href=h.pending_ach.href.clone()>{headline(&h.pending_ach, "payment")}</a>
                    </p>
                </article>
                <article class="home-card" id="home-returns">
                    <h3>"ACH returns, last 30 days"</h3>
                    <p class="home-big">
                        <a href=h.returns.all.href.clone()>{headline(&h.returns.all, "return")}</a>
                    </p>
                    {(!h.returns.by_code.is_empty()).then(|| view! {
                        <div class="table-wrap"><table class="data compact" id="home-returns-table">
                            <caption>"Returns by reason code"</caption>
                            <thead><tr>
                                <th scope="col">"Reason"</th>
                                <th scope="col" class="num">"Returns"</th>
                                <th scope="col" class="num">"Amount"</th>
                            </tr></thead>
                            <tbody>{h.returns.by_code.into_iter().map(|l| line_row(l, "Returns")).collect_view()}</tbody>
                        </table></div>
                    })}
                    {(h.returns.unmatched > 0).then(|| view! {
                        <p class="muted small">{format!("{} more matched no payment.", h.returns.unmatched)}</p>
                    })}
                </article>
                <article class="home-card" id="home-bills-due">
                    <h3>"Bills coming due"</h3>
                    <div class="table-wrap"><table class="data compact">
                        <caption>"Unpaid, active bills by due date, with what is still due on them"</caption>
                        <thead><tr>
                            <th scope="col">"Due"</th>
                            <th scope="col" class="num">"Bills"</th>
                            <th scope="col" class="num">"Still due"</th>
                        </tr></thead>
                        <tbody>
                            {h.bills_due.into_iter().map(|b| view! {
                                <tr data-days=b.days>
                                    <th scope="row">{format!("Within {} days (by {})", b.days, b.until)}</th>
                                    {figure_cells(b.figure, "Bills", "Still due")}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                </article>
            </div>
        </section>
    }
}

/// `3 payments · $195.00` (one text, so it reads as one phrase).
fn headline(f: &Figure, noun: &str) -> String {
    let plural = if f.count == 1 { "" } else { "s" };
    format!("{} {noun}{plural} · {}", f.count, f.total)
}

/// Count and amount, each a link to the report behind them; labelled with
/// their columns' names for the narrow layout, where tables become cards.
fn figure_cells(f: Figure, count: &'static str, amount: &'static str) -> impl IntoView {
    view! {
        <td class="num" data-label=count><a href=f.href.clone()>{f.count}</a></td>
        <td class="num" data-label=amount><a href=f.href>{f.total.to_string()}</a></td>
    }
}

/// A row of counts and amounts (`count`: what is counted).
fn line_row(l: Line, count: &'static str) -> impl IntoView {
    view! {
        <tr data-code=l.code>
            <th scope="row">{l.label}</th>
            {figure_cells(l.figure, count, "Amount")}
        </tr>
    }
}

fn period_card(p: Period) -> impl IntoView {
    let span = if p.from == p.to {
        p.to.clone()
    } else {
        format!("{} to {}", p.from, p.to)
    };
    let id = format!("home-{}", p.name.to_ascii_lowercase().replace(' ', "-"));
    view! {
        <article class="home-card" id=id>
            <h3>{p.name.clone()} " " <span class="muted small">{span}</span></h3>
            <p class="home-big"><a href=p.all.href.clone()>{headline(&p.all, "payment")}</a></p>
            <div class="table-wrap"><table class="data compact">
                <caption>{format!("{} by status", p.name)}</caption>
                <thead><tr>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="num">"Payments"</th>
                    <th scope="col" class="num">"Amount"</th>
                </tr></thead>
                <tbody>{p.by_status.into_iter().map(|l| line_row(l, "Payments")).collect_view()}</tbody>
            </table></div>
            <div class="table-wrap"><table class="data compact">
                <caption>{format!("{} by method", p.name)}</caption>
                <thead><tr>
                    <th scope="col">"Method"</th>
                    <th scope="col" class="num">"Payments"</th>
                    <th scope="col" class="num">"Amount"</th>
                </tr></thead>
                <tbody>{p.by_method.into_iter().map(|l| line_row(l, "Payments")).collect_view()}</tbody>
            </table></div>
        </article>
    }
}

/// This week's amounts by status as a chart; its table is the week's card.
fn week_chart(p: Period) -> impl IntoView {
    let points: Vec<Point> = p
        .by_status
        .iter()
        .map(|l| Point {
            label: l.label.clone(),
            axis_label: l.label.clone(),
            cents: l.figure.total.cents(),
        })
        .collect();
    let chart = bar_chart(
        &points,
        Frame {
            height: 240,
            ..Frame::default()
        },
    );
    view! {
        <section class="home-section" aria-labelledby="home-week-status">
            <h2 id="home-week-status">"This week by status"</h2>
            <figure class="chart-figure">
                <ChartSvg
                    id="chart-week-status"
                    chart=chart
                    title=format!("Amount of payments entered {} to {}, by status", p.from, p.to)
                    desc="One bar per status; the table \"This week by status\" above lists the same counts and amounts.".to_string()
                />
            </figure>
        </section>
    }
}

/// One bar chart as inline SVG. The bars link to their reports for a
/// pointer; they are out of the tab order and, inside `role="img"`, out of
/// the accessibility tree, because the table under each chart has the same
/// links for keyboards and screen readers.
#[component]
fn ChartSvg(id: &'static str, chart: BarChart, title: String, desc: String) -> impl IntoView {
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled = format!("{title_id} {desc_id}");
    let (left, right, baseline) = (chart.left, chart.right, chart.baseline);
    view! {
        <svg
            id=id
            class="chart"
            viewBox=format!("0 0 {} {}", chart.width, chart.height)
            width="100%"
            preserveAspectRatio="xMidYMid meet"
            role="img"
            aria-labelledby=labelled
        >
            <title id=title_id>{title}</title>
            <desc id=desc_id>{desc}</desc>
            <g class="chart-grid">
                {chart.gridlines.into_iter().map(|g| view! {
                    <g>
                        <line x1=left x2=right y1=g.y y2=g.y></line>
                        <text x={left - 8} y={g.y + 4} text-anchor="end">{g.text}</text>
                    </g>
                }).collect_view()}
            </g>
            <g class="chart-bars">
                // No links inside: the chart is one image (role="img"), and
                // an image holding links is a nested control to a screen
                // reader (axe: nested-interactive). Each number links from
                // the table that follows the chart.
                {chart.bars.into_iter().map(|b| {
                    let tip = format!("{}: {}", b.label, b.value);
                    view! {
                        <g>
                            <rect class="bar" x=b.x y=b.y width=b.width height=b.height data-cents=b.cents>
                                <title>{tip}</title>
                            </rect>
                        </g>
                    }
                }).collect_view()}
            </g>
            <g class="chart-axis">
                <line x1=left x2=right y1=baseline y2=baseline></line>
                {chart.axis_labels.into_iter().map(|l| view! {
                    <g><text x=l.x y=l.y text-anchor="middle">{l.text}</text></g>
                }).collect_view()}
            </g>
        </svg>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn charts_render_escaped_accessible_svg() {
        let chart = bar_chart(
            &[
                Point {
                    label: "<script>alert(1)</script>".into(),
                    axis_label: "a&b".into(),
                    cents: 12_345,
                },
                Point {
                    label: "Tue".into(),
                    axis_label: "Tue".into(),
                    cents: 0,
                },
            ],
            Frame::default(),
        );
        let html = Owner::new().with(|| {
            view! {
                <ChartSvg
                    id="t"
                    chart=chart
                    title="T <b>".to_string()
                    desc="D".to_string()
                />
            }
            .to_html()
        });
        assert!(html.contains(r#"role="img""#), "{html}");
        assert!(
            html.contains(r#"aria-labelledby="t-title t-desc""#),
            "{html}"
        );
        assert!(html.contains(r#"viewBox="0 0 800 300""#), "{html}");
        assert!(html.contains(r#"width="100%""#), "{html}");
        assert!(html.contains("T &lt;b&gt;"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;: $123.45"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("a&amp;b"), "{html}");
        assert!(!html.contains("<a "), "no links inside an image: {html}");
    }
}
