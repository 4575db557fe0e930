//! Settlement (administrators): "Run settlement now", each run with its
//! NACHA file, batches, counts and totals, and the file to download.

use super::Layout;
use super::forms::{FormAlert, form_error};
use super::layout::ChosenDivisionNote;
use crate::api::lifecycle::{RunSettlement, load_settlements};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettlementsPage() -> impl IntoView {
    let run = ServerAction::<RunSettlement>::new();
    let runs = Resource::new(move || run.version().get(), |_| load_settlements());
    let alert = Signal::derive(move || form_error(run.value().get()));
    let done = move || run.value().get().and_then(Result::ok);
    view! {
        <Title text="Settlement"/>
        <Layout>
            <h1>"Settlement"</h1>
            <ChosenDivisionNote id="settlement-division" say=whole_biller_runs/>
            <p class="muted">"Card payments are captured and Pending ACH payments go out in a NACHA file at the daily cutoff. Run it now to settle everything Pending."</p>
            <ActionForm action=run>
                <FormAlert message=alert/>
                <p class="notice" role="status">{done}</p>
                // A settlement can't be taken back: the browser asks for
                // this tick before it sends the form (WCAG 3.3.4).
                <label class="check">
                    <input type="checkbox" name="confirm" required/>
                    <span>"Yes, capture the cards and send the ACH file for every Pending payment now."</span>
                </label>
                <button type="submit" class="btn btn-primary" disabled=move || run.pending().get()>"Run settlement now"</button>
            </ActionForm>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || runs.get().map(|r| match r {
                    Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(runs) if runs.is_empty() => view! { <p class="empty">"No settlement has run yet."</p> }.into_any(),
                    Ok(runs) => view! {
                        <div class="table-wrap">
                            <table class="data" id="settlements-table">
                                <caption class="sr-only">"Settlement runs"</caption>
                                <thead><tr>
                                    <th scope="col">"Run"</th><th scope="col">"Time"</th><th scope="col">"By"</th>
                                    <th scope="col" class="num">"Cards"</th><th scope="col" class="num">"Card total"</th>
                                    <th scope="col">"ACH file"</th><th scope="col">"Batches"</th><th scope="col" class="num">"Returns"</th>
                                </tr></thead>
                                <tbody>
                                    {runs.into_iter().map(|r| view! {
                                        <tr data-run=r.id>
                                            <td data-label="Run">{r.id}</td>
                                            <td data-label="Time">{r.at}</td>
                                            <td data-label="By">{r.actor}</td>
                                            <td data-label="Cards" class="num">{r.card_count}</td>
                                            <td data-label="Card total" class="num">{r.card_total.to_string()}</td>
                                            <td data-label="ACH file">{r.file.as_ref().map(|f| view! {
                                                <a href=f.download.clone() download=f.name.clone() rel="external">{f.name.clone()}</a>
                                                <span class="muted small">{format!(" · {} entries, debits {}, credits {}", f.entry_count, f.debits, f.credits)}</span>
                                            })}</td>
                                            <td data-label="Batches">
                                                <ul class="plain">
                                                    {r.file.map(|f| f.batches.into_iter().map(|b| view! {
                                                        <li>{format!("{} {} {}: {} entries, debits {}, credits {}", b.number, b.sec, b.description, b.entry_count, b.debits, b.credits)}</li>
                                                    }).collect_view())}
                                                </ul>
                                            </td>
                                            <td data-label="Returns" class="num">{r.returns_count}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

/// Said with a division chosen: runs are the biller's (docs/divisions.md).
fn whole_biller_runs(name: &str) -> String {
    format!(
        "Settlement covers every division, not only {name}: a run settles every division's Pending payments into one NACHA file, with a batch per division. Reconciliation shows {name}'s part."
    )
}
