//! The Audit Report (administrators): filters, sortable columns, paging and
//! CSV export. The query lives in the address, so links, back and refresh
//! work, with or without JavaScript.

use super::Layout;
use super::forms::FieldMessage;
use super::layout::ChosenDivisionNote;
use crate::api::audit::load_audit;
use crate::domain::audit_view::{AuditPage, AuditQuery, AuditSort, PAGE_SIZES, check_audit_query};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

const PATH: &str = "/reports/audit";

#[component]
pub fn AuditReportPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        let p = params.read();
        let get = |k: &str| p.get(k).unwrap_or_default();
        AuditQuery {
            from: get("from"),
            to: get("to"),
            user: get("user"),
            action: get("action"),
            sort: get("sort"),
            dir: get("dir"),
            page: get("page"),
            per: get("per"),
        }
    };
    let page = Resource::new(query, load_audit);
    let field = move |name: &'static str| {
        move || match page.get() {
            Some(Err(AppError::Invalid(f))) => f.message_for(name).map(str::to_string),
            _ => None,
        }
    };
    view! {
        <Title text="Audit Report"/>
        <Layout>
            <h1>"Audit Report"</h1>
            <ChosenDivisionNote id="audit-division" say=one_division_audit/>
            <Form method="GET" action=PATH>
                <div class="filters">
                    <div class="field">
                        <label for="audit-from">"From"</label>
                        <input id="audit-from" name="from" type="date" value=move || query().from
                            aria-describedby="audit-from-error"
                            aria-invalid=move || field("from")().is_some().to_string() autofocus=move || field("from")().is_some()/>
                        <FieldMessage id="audit-from" message=Signal::derive(field("from"))/>
                    </div>
                    <div class="field">
                        <label for="audit-to">"To"</label>
                        <input id="audit-to" name="to" type="date" value=move || query().to
                            aria-describedby="audit-to-error"
                            aria-invalid=move || field("to")().is_some().to_string() autofocus=move || field("to")().is_some()/>
                        <FieldMessage id="audit-to" message=Signal::derive(field("to"))/>
                    </div>
                    <div class="field">
                        <label for="audit-user">"User"</label>
                        <input id="audit-user" name="user" autocomplete="off" value=move || query().user/>
                    </div>
                    <div class="field">
                        <label for="audit-action">"Action"</label>
                        <select id="audit-action" name="action">
                            <option value="">"Any action"</option>
                            <Transition fallback=|| ()>
                                {move || page.get().and_then(Result::ok).map(|p| {
                                    let chosen = query().action;
                                    p.actions.into_iter().map(|(code, label)| {
                                        let selected = code == chosen;
                                        view! { <option value=code selected=selected>{label}</option> }
                                    }).collect_view()
                                })}
                            </Transition>
                        </select>
                    </div>
                    <div class="field">
                        <label for="audit-per">"Rows per page"</label>
                        <select id="audit-per" name="per">
                            {PAGE_SIZES.iter().map(|n| {
                                let n = n.to_string();
                                let selected = { let n = n.clone(); move || check_audit_query(&query()).map(|q| q.per_page.to_string() == n).unwrap_or(n == "50") };
                                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="actions">
                        <button type="submit" class="btn btn-primary">"Apply"</button>
                    </div>
                </div>
            </Form>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || page.get().map(|r| match r {
                    Ok(p) => view! { <Results p query=query()/> }.into_any(),
                    Err(AppError::Invalid(_)) => view! { <p class="form-alert" role="alert">"Please correct the highlighted fields."</p> }.into_any(),
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn Results(p: AuditPage, query: AuditQuery) -> impl IntoView {
    let Ok(q) = check_audit_query(&query) else {
        return ().into_any();
    };
    let export = q.link("/reports/audit.csv", q.sort, q.descending, 1);
    let header = |column: AuditSort| {
        let sorted = (q.sort == column).then_some({
            if q.descending {
                "descending"
            } else {
                "ascending"
            }
        });
        view! {
            <th scope="col" aria-sort=sorted.unwrap_or("none")>
                <a href=q.sort_link(PATH, column)>{column.label()}{sorted.map(|d| if d == "ascending" { " ▲" } else { " ▼" })}</a>
            </th>
        }
    };
    let prev = (p.page > 1).then(|| q.link(PATH, q.sort, q.descending, p.page - 1));
    let next = (p.page < p.pages).then(|| q.link(PATH, q.sort, q.descending, p.page + 1));
    view! {
        <p class="muted" id="audit-summary">
            {format!("{} rows · page {} of {}", p.total, p.page, p.pages)}" · "
            <a href=export rel="external" download="audit-report.csv">"Export CSV"</a>
        </p>
        <div class="table-wrap">
            <table class="data" id="audit-table">
                <caption class="sr-only">"Audit entries"</caption>
                <thead><tr>
                    {header(AuditSort::At)}
                    {header(AuditSort::User)}
                    {header(AuditSort::Action)}
                    {header(AuditSort::Object)}
                    <th scope="col">"Before"</th>
                    <th scope="col">"After"</th>
                    {header(AuditSort::Ip)}
                </tr></thead>
                <tbody>
                    {p.rows.into_iter().map(|r| view! {
                        <tr>
                            <td data-label="Time">{r.at}</td>
                            <td data-label="User">{r.user}</td>
                            <td data-label="Action" class="mono">{r.action}</td>
                            <td data-label="Object">{r.object}</td>
                            <td data-label="Before" class="small">{r.before}</td>
                            <td data-label="After" class="small">{r.after}</td>
                            <td data-label="IP" class="mono">{r.ip}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            {prev.map(|h| view! { <a class="btn btn-secondary btn-small" href=h rel="prev">"Previous"</a> })}
            {next.map(|h| view! { <a class="btn btn-secondary btn-small" href=h rel="next">"Next"</a> })}
        </nav>
    }
    .into_any()
}

/// Said with a division chosen: what its report holds, and what it leaves
/// to All divisions (docs/divisions.md#the-audit-report).
fn one_division_audit(name: &str) -> String {
    format!(
        "Only {name}'s rows: its accounts, payments, refunds, bills, automatic payments, payment links, uploads, categories and fees. Sign-ins, staff, the biller's profile and settlement runs are the whole biller's: choose All divisions to see them."
    )
}
