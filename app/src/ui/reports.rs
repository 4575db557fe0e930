//! The Reports menu and the one page every report uses: dates and Run
//! Report, the summary tables (each count a drill-down), a filter per
//! column with Filter and Clear, sortable column labels, paging (First,
//! Prev, Next, Last) and the exports. Everything is in the address, so a
//! report can be bookmarked and shared, and works without JavaScript.

use super::Layout;
use super::forms::FieldMessage;
use crate::api::auth::current_user;
use crate::api::reports::load_report;
use crate::domain::entitlements::Entitlement;
use crate::domain::report::{
    CellView, DateMode, FilterView, PAGE_SIZES, ReportKind, ReportPage, ReportQuery, SummaryTable,
};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

/// `/reports`: what this user may run.
#[component]
pub fn ReportsPage() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <Title text="Reports"/>
        <Layout>
            <h1>"Reports"</h1>
            <ul class="report-list">
                {ReportKind::ALL.iter().map(|k| view! {
                    <li>
                        <A href=k.path()>{format!("{} Report", k.label())}</A>
                        <p class="muted">{k.blurb()}</p>
                    </li>
                }).collect_view()}
                <Transition fallback=|| ()>
                    {move || user.get().and_then(Result::ok).filter(|u| u.can(Entitlement::AuditReport)).map(|_| view! {
                        <li>
                            <A href=crate::routes::AUDIT_REPORT>"Audit Report"</A>
                            <p class="muted">"What administrators and CSRs did: sign-ins, payments, changes."</p>
                        </li>
                    })}
                </Transition>
            </ul>
        </Layout>
    }
}

/// One report's page.
#[component]
pub fn ReportView(kind: ReportKind) -> impl IntoView {
    let params = use_query_map();
    let query = move || ReportQuery {
        kind: kind.code().to_string(),
        params: (&*params.read())
            .into_iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let page = Resource::new(query, load_report);
    let spec = kind.spec();
    let title = format!("{} Report", kind.label());
    let path = kind.path();
    let error_for = move |name: &'static str| {
        move || match page.get() {
            Some(Err(AppError::Invalid(f))) => f.message_for(name).map(str::to_string),
            _ => None,
        }
    };
    // The dates as run (the server fills in today); until it answers, as typed.
    let date_value = move |name: &'static str| {
        move || match page.get() {
            Some(Ok(p)) => p
                .dates
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            _ => params.read().get(name).unwrap_or_default(),
        }
    };
    let keep = move |names: &'static [&'static str]| {
        move || {
            let p = params.read();
            names
                .iter()
                .filter_map(|n| p.get(n).filter(|v| !v.is_empty()).map(|v| (*n, v)))
                .map(|(n, v)| view! { <input type="hidden" name=n value=v/> })
                .collect_view()
        }
    };
    let date_fields = match spec.dates {
        DateMode::Range => view! {
            <div class="field">
                <label for="report-from">"Start Date"</label>
                <input id="report-from" name="from" type="date" value=date_value("from")
                    aria-describedby="report-from-error"
                    aria-invalid=move || error_for("from")().is_some().to_string() autofocus=move || error_for("from")().is_some()/>
                <FieldMessage id="report-from" message=Signal::derive(error_for("from"))/>
            </div>
            <div class="field">
                <label for="report-to">"End Date"</label>
                <input id="report-to" name="to" type="date" value=date_value("to")
                    aria-describedby="report-to-error"
                    aria-invalid=move || error_for("to")().is_some().to_string() autofocus=move || error_for("to")().is_some()/>
                <FieldMessage id="report-to" message=Signal::derive(error_for("to"))/>
            </div>
        }
        .into_any(),
        DateMode::Single => view! {
            <div class="field">
                <label for="report-date">{if kind == ReportKind::Reconciliation { "Cycle Date" } else { "As of" }}</label>
                <input id="report-date" name="date" type="date" value=date_value("date")
                    aria-describedby="report-date-error"
                    aria-invalid=move || error_for("date")().is_some().to_string() autofocus=move || error_for("date")().is_some()/>
                <FieldMessage id="report-date" message=Signal::derive(error_for("date"))/>
            </div>
        }
        .into_any(),
        DateMode::Today => view! { <p class="muted">"Run for today."</p> }.into_any(),
    };
    view! {
        <Title text=title.clone()/>
        <Layout>
            <p class="crumbs"><A href=crate::routes::REPORTS>"Reports"</A></p>
            <h1>{title.clone()}</h1>
            <Form method="GET" action=path.clone()>
                <div class="filters">
                    {date_fields}
                    {keep(&["sort", "dir", "per"])}
                    <div class="actions">
                        <button type="submit" class="btn btn-primary">"Run Report"</button>
                    </div>
                </div>
            </Form>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || page.get().map(|r| match r {
                    Ok(p) => view! { <Results p/> }.into_any(),
                    Err(AppError::Invalid(f)) => {
                        let messages: Vec<String> = f.errors.iter()
                            .filter(|e| !matches!(e.field.as_str(), "from" | "to" | "date"))
                            .map(|e| e.message.clone())
                            .collect();
                        view! {
                            <div class="form-alert" role="alert">
                                <p>"This report can't be run as asked. Please correct the highlighted fields."</p>
                                <ul>{messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                                <p><a href=kind.path()>"Start again"</a></p>
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

fn cell(c: CellView) -> impl IntoView {
    match c.href {
        Some(h) => view! { <a href=h>{c.text}</a> }.into_any(),
        None => c.text.into_any(),
    }
}

fn num_class(numeric: bool) -> &'static str {
    if numeric { "num" } else { "" }
}

/// A summary row: its first cell names the row (a row header).
fn summary_cells(row: Vec<CellView>, headers: &[String]) -> impl IntoView + use<> {
    row.into_iter()
        .enumerate()
        .map(|(i, c)| {
            let label = headers.get(i).cloned().unwrap_or_default();
            let numeric = c.numeric;
            if i == 0 {
                view! { <th scope="row" data-label=label>{cell(c)}</th> }.into_any()
            } else {
                view! { <td data-label=label class=num_class(numeric)>{cell(c)}</td> }.into_any()
            }
        })
        .collect_view()
}

#[component]
fn Summary(t: SummaryTable, index: usize) -> impl IntoView {
    let headers = t.headers.clone();
    let has_footer = !t.footer.is_empty();
    let footer = t.footer;
    view! {
        <div class="table-wrap">
            <table class="data summary" id=format!("summary-{index}")>
                <caption>{t.caption}</caption>
                <thead><tr>
                    {t.headers.iter().enumerate().map(|(i, h)| view! {
                        <th scope="col" class=num_class(i > 0)>{h.clone()}</th>
                    }).collect_view()}
                </tr></thead>
                <tbody>
                    {t.rows.into_iter().map(|row| view! { <tr>{summary_cells(row, &headers)}</tr> }).collect_view()}
                </tbody>
                {has_footer.then(|| view! {
                    <tfoot><tr>{summary_cells(footer.clone(), &headers)}</tr></tfoot>
                })}
            </table>
        </div>
    }
}

#[component]
fn Results(p: ReportPage) -> impl IntoView {
    let path = p.kind.path();
    let filters: Vec<_> = p
        .columns
        .iter()
        .filter_map(|c| {
            c.filter
                .clone()
                .map(|f| (c.key.clone(), c.label.clone(), f))
        })
        .collect();
    let hidden = p.hidden.clone();
    let per_page = p.per_page;
    let columns = p.columns.clone();
    let [first, prev, next, last] = p.pager.clone();
    let empty = p.rows.is_empty();
    view! {
        {p.notes.into_iter().map(|n| view! { <p class="note" role="note">{n}</p> }).collect_view()}
        {p.verdict.map(|v| view! {
            <p class=if v.ok { "verdict verdict-ok" } else { "verdict verdict-bad" } id="report-verdict" role="status">
                {v.text}
            </p>
        })}
        {p.summaries.into_iter().enumerate().map(|(i, t)| view! { <Summary t index=i/> }).collect_view()}
        <section class="panel" aria-labelledby="report-rows-heading">
            <h2 id="report-rows-heading">"Report Details"</h2>
            <form method="GET" action=path.clone() class="filters column-filters" aria-label="Filter the rows">
                {hidden.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()}
                {filters.into_iter().map(|(key, label, f)| {
                    let id = format!("filter-{key}");
                    match f {
                        FilterView::Text(value) => view! {
                            <div class="field">
                                <label for=id.clone()>{label}</label>
                                <input id=id name=key value=value autocomplete="off" maxlength="100"/>
                            </div>
                        }.into_any(),
                        FilterView::Choice { value, options } => view! {
                            <div class="field">
                                <label for=id.clone()>{label}</label>
                                <select id=id name=key>
                                    <option value="">"Any"</option>
                                    {options.into_iter().map(|(code, text)| {
                                        let selected = code == value;
                                        view! { <option value=code selected=selected>{text}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                        }.into_any(),
                    }
                }).collect_view()}
                <div class="field">
                    <label for="report-per">"Rows per page"</label>
                    <select id="report-per" name="per">
                        {PAGE_SIZES.iter().map(|n| {
                            let selected = *n == per_page;
                            view! { <option value=n.to_string() selected=selected>{n.to_string()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary">"Filter"</button>
                    {p.clear_href.clone().map(|h| view! { <a class="btn btn-secondary" href=h>"Clear"</a> })}
                </div>
            </form>
            {(!p.filtered.is_empty()).then(|| view! {
                <p class="muted" id="report-filtered">"Showing only: "{p.filtered.join(" · ")}</p>
            })}
            <p class="muted" id="report-count" role="status">
                {format!("{} rows · page {} of {} · {}", p.total, p.page, p.pages, p.range_label)}
            </p>
            <p class="exports">
                "Export: "
                {p.exports.into_iter().map(|(label, href)| view! {
                    <a class="btn btn-secondary btn-small" href=href rel="external" download="">{label}</a>" "
                }).collect_view()}
            </p>
            <div class="table-wrap">
                <table class="data" id="report-table">
                    <caption class="sr-only">{format!("{} rows, sorted by the marked column", p.total)}</caption>
                    <thead><tr>
                        {p.columns.into_iter().map(|c| {
                            let arrow = c.sorted.as_deref().map(|d| if d == "ascending" { " ▲" } else { " ▼" });
                            view! {
                                <th scope="col" class=num_class(c.numeric) aria-sort=c.sorted.clone().unwrap_or_else(|| "none".into())>
                                    {match c.sort_href {
                                        Some(href) => view! { <a href=href>{c.label}<span aria-hidden="true">{arrow}</span></a> }.into_any(),
                                        None => c.label.into_any(),
                                    }}
                                </th>
                            }
                        }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {p.rows.into_iter().map(|row| {
                            let columns = columns.clone();
                            view! { <tr>
                                {row.into_iter().zip(columns).map(|(c, head)| {
                                    let class = num_class(c.numeric);
                                    view! { <td data-label=head.label class=class>{cell(c)}</td> }
                                }).collect_view()}
                            </tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {empty.then(|| view! { <p class="empty">"No rows match."</p> })}
            <nav class="pager" aria-label="Pages">
                {pager_link(first, "First", "")}
                {pager_link(prev, "Prev", "prev")}
                {pager_link(next, "Next", "next")}
                {pager_link(last, "Last", "")}
            </nav>
        </section>
    }
}

/// A pager button, or a disabled look-alike where there is nowhere to go
/// (so the buttons stay in place).
fn pager_link(href: Option<String>, label: &'static str, rel: &'static str) -> impl IntoView {
    match href {
        Some(h) => {
            view! { <a class="btn btn-secondary btn-small" href=h rel=rel>{label}</a> }.into_any()
        }
        None => {
            view! { <span class="btn btn-secondary btn-small" aria-disabled="true">{label}</span> }
                .into_any()
        }
    }
}
