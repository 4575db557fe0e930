//! File Transfers: choose the file type and a file, Upload; the upload's
//! page shows the preview (rows, to create, to update, refused rows with
//! line, column and reason) with Commit and Abandon, then the outcome.
//! The upload form is a plain multipart form, so it works without
//! JavaScript too.

use super::Layout;
use super::forms::{FieldMessage, FormAlert, form_error};
use super::layout::ChosenDivisionNote;
use super::upload_progress::{Phase, ProgressBar, follow};
use crate::api::uploads::{AbandonUpload, CommitUpload, load_upload, load_uploads};
use crate::domain::upload_view::{
    UploadDetail, UploadStatus, UploadSummary, commit_token, count_labels,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn status_badge(s: UploadStatus) -> impl IntoView {
    view! { <span class=format!("badge upload-{}", s.code())>{s.label()}</span> }
}

#[component]
pub fn UploadsPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    let recent = Resource::new(|| (), |_| load_uploads());
    let phase = RwSignal::new(None::<Phase>);
    let sending = RwSignal::new(false);
    // With JavaScript, the file goes out with a progress bar; a second
    // click while it does is ignored.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if sending.get_untracked() {
                ev.prevent_default();
                return;
            }
            let chosen = leptos::prelude::document()
                .get_element_by_id("upload-file")
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .is_some_and(|f| f.length() > 0);
            let form = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
            if let (true, Some(form)) = (chosen, form)
                && super::upload_progress::send(&form, phase, sending)
            {
                ev.prevent_default();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, sending);
    };
    view! {
        <Title text="File Transfers"/>
        <Layout>
            <h1>"File Transfers"</h1>
            <section class="panel" aria-labelledby="upload-title">
                <h2 id="upload-title">"Upload a file"</h2>
                <p class="muted">"You see a preview first: nothing is applied until you click Commit."</p>
                // The division chosen above the menu: the upload is for it.
                <ChosenDivisionNote id="upload-division" say=upload_division_note/>
                // A plain form: the browser sends the file (no JavaScript needed).
                <form method="post" action=crate::routes::UPLOADS enctype="multipart/form-data" on:submit=on_submit>
                    // Named by the page when it follows the upload; before the file, so the server has it first.
                    <input type="hidden" name="progress" value=""/>
                    <div class="field">
                        <label for="upload-kind">"File type"</label>
                        <select id="upload-kind" name="kind">
                            <option value="accounts">"Universal file (accounts and balances)"</option>
                            <option value="bills">"Bill file (invoices)"</option>
                            <option value="categories">"Category file (categories for one payer)"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="upload-file">"File"</label>
                        <input id="upload-file" name="file" type="file" accept=".csv,text/csv"
                            aria-invalid=move || error().is_some().to_string() autofocus=move || error().is_some() aria-describedby="upload-file-error"/>
                        <FieldMessage id="upload-file" message=Signal::derive(error)/>
                    </div>
                    <ProgressBar phase/>
                    <div class="actions">
                        <button type="submit" class="btn btn-primary" disabled=move || sending.get()>"Upload"</button>
                    </div>
                </form>
            </section>
            <section class="panel" aria-labelledby="recent-title">
                <h2 id="recent-title">"Recent Uploads"</h2>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || recent.get().map(|r| match r {
                        Err(e) => view! { <p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">"Nothing has been uploaded yet."</p> }.into_any(),
                        Ok(list) => view! { <RecentTable list/> }.into_any(),
                    })}
                </Suspense>
            </section>
        </Layout>
    }
}

/// Said above the upload form while a division is chosen in the selector.
fn upload_division_note(name: &str) -> String {
    format!(
        "This upload is for {name}: new accounts go into {name}, and rows of other divisions' accounts are refused. Choose All divisions above the menu to upload for every division."
    )
}

#[component]
fn RecentTable(list: Vec<UploadSummary>) -> impl IntoView {
    // The Division column, once an upload was for one division.
    let divided = list.iter().any(|u| u.division.is_some());
    view! {
        <div class="table-wrap">
            <table class="data" id="uploads-table">
                <caption class="sr-only">"Recent uploads"</caption>
                <thead><tr>
                    <th scope="col">"File"</th><th scope="col">"Uploaded"</th><th scope="col">"By"</th>
                    <th scope="col" class="num">"Size"</th><th scope="col" class="num">"Rows"</th>
                    <th scope="col" class="num">"Created"</th><th scope="col" class="num">"Updated"</th>
                    <th scope="col" class="num">"Rejected"</th><th scope="col">"Status"</th>
                    {divided.then(|| view! { <th scope="col">"Division"</th> })}
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|u| view! {
                        <tr>
                            <td data-label="File"><a href=crate::routes::upload(u.id)>{u.file_name}</a><span class="muted small">{format!(" · {}", u.kind)}</span></td>
                            <td data-label="Uploaded">{u.uploaded_at}</td>
                            <td data-label="By">{u.uploaded_by}</td>
                            <td data-label="Size" class="num">{u.size}</td>
                            <td data-label="Rows" class="num">{u.rows}</td>
                            <td data-label="Created" class="num">{u.created}</td>
                            <td data-label="Updated" class="num">{u.updated}</td>
                            <td data-label="Rejected" class="num">{u.rejected}</td>
                            <td data-label="Status">{status_badge(u.status)}</td>
                            {divided.then(|| view! {
                                <td data-label="Division">{u.division.clone().unwrap_or_else(|| "All divisions".into())}</td>
                            })}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn UploadPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let commit = ServerAction::<CommitUpload>::new();
    let abandon = ServerAction::<AbandonUpload>::new();
    let detail = Resource::new(
        move || (id(), commit.version().get(), abandon.version().get()),
        |(i, _, _)| load_upload(i),
    );
    let alert = Signal::derive(move || {
        form_error(commit.value().get()).or_else(|| form_error(abandon.value().get()))
    });
    view! {
        <Title text="Upload"/>
        <Layout>
            <nav class="crumbs" aria-label="Breadcrumb"><a href=crate::routes::UPLOADS>"File Transfers"</a>" › Upload "{id}</nav>
            <FormAlert message=alert/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || detail.get().map(|r| match r {
                    Err(e) => view! { <h1>"Upload"</h1><p class="form-alert" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(d) => view! { <UploadView d commit abandon/> }.into_any(),
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn UploadView(
    d: UploadDetail,
    commit: ServerAction<CommitUpload>,
    abandon: ServerAction<AbandonUpload>,
) -> impl IntoView {
    let s = d.summary.clone();
    let waiting = s.status == UploadStatus::Previewed;
    let (to_create, to_update) = count_labels(&s.kind, waiting);
    let busy = move || commit.pending().get() || abandon.pending().get();
    let phase = RwSignal::new(None::<Phase>);
    let committing = Signal::derive(move || commit.pending().get());
    follow(commit_token(s.id), "Applying the rows", committing, phase);
    view! {
        <h1>"Upload "<span class="mono">{s.file_name.clone()}</span></h1>
        <dl class="review detail">
            <div><dt>"Status"</dt><dd>{status_badge(s.status)}</dd></div>
            <div><dt>"File type"</dt><dd>{s.kind.clone()}</dd></div>
            {s.division.clone().map(|name| view! { <div><dt>"Division"</dt><dd>{name}</dd></div> })}
            <div><dt>"Uploaded"</dt><dd>{format!("{} by {}", s.uploaded_at, s.uploaded_by)}</dd></div>
            <div><dt>"Size"</dt><dd>{s.size.clone()}</dd></div>
            <div><dt>"Rows read"</dt><dd>{s.rows}</dd></div>
            <div><dt>{to_create}</dt><dd>{s.created}</dd></div>
            <div><dt>{to_update}</dt><dd>{s.updated}</dd></div>
            <div><dt>"Rejected"</dt><dd>{s.rejected}</dd></div>
        </dl>
        {d.same_as.clone().map(|same| view! {
            <p class="form-alert" role="alert">{format!(
                "This file has the same content as {} uploaded {} by {} ({}). Commit only if you mean to apply it again.",
                same.file_name, same.uploaded_at, same.uploaded_by, same.status.label()
            )}</p>
        })}
        {waiting.then(|| view! {
            <div class="actions">
                <ActionForm action=abandon>
                    <input type="hidden" name="id" value=s.id/>
                    <button type="submit" class="btn btn-secondary" disabled=busy>"Abandon"</button>
                </ActionForm>
                <ActionForm action=commit>
                    <input type="hidden" name="id" value=s.id/>
                    <button type="submit" class="btn btn-primary" disabled=busy>
                        {if s.rejected > 0 { "Commit the valid rows" } else { "Commit" }}
                    </button>
                </ActionForm>
            </div>
            <ProgressBar phase/>
        })}
        {(!d.errors.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="errors-title">
                <h2 id="errors-title">"Rejected rows"</h2>
                <p><a href=format!("{}/errors.csv", crate::routes::upload(s.id)) rel="external" download="">"Download the errors (CSV)"</a></p>
                <div class="table-wrap">
                    <table class="data" id="upload-errors">
                        <caption class="sr-only">"Rejected rows"</caption>
                        <thead><tr><th scope="col" class="num">"Line"</th><th scope="col">"Column"</th><th scope="col">"Reason"</th></tr></thead>
                        <tbody>
                            {d.errors.into_iter().map(|e| view! {
                                <tr>
                                    <td data-label="Line" class="num">{e.line}</td>
                                    <td data-label="Column" class="mono">{e.column}</td>
                                    <td data-label="Reason">{e.reason}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
    }
}
