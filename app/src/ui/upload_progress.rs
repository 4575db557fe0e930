//! The progress bar of File Transfers. With JavaScript, Upload sends the
//! file itself (so the bar can follow the bytes going out), then follows the
//! server's preview of it; Commit follows the rows being applied. Without
//! JavaScript the form posts as usual and the browser shows its own progress.

use leptos::prelude::*;

/// Where a long upload step is. (Only the browser moves it along.)
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// The file going out: bytes sent of bytes.
    Sending(u64, u64),
    /// The server reading it: bytes read of bytes, when known.
    Reading(&'static str, Option<(u64, u64)>),
    Failed(String),
}

impl Phase {
    /// The label and the percentage (none while it is not known).
    fn shown(&self) -> (String, Option<u64>) {
        let pct = |done: u64, of: u64| (of > 0).then(|| (done.min(of) * 100) / of);
        match self {
            Phase::Sending(done, of) => {
                let p = pct(*done, *of);
                (format!("Uploading… {}%", p.unwrap_or(0)), p)
            }
            Phase::Reading(what, Some((done, of))) => {
                let p = pct(*done, *of);
                (format!("{what}… {}%", p.unwrap_or(0)), p)
            }
            Phase::Reading(what, None) => (format!("{what}…"), None),
            Phase::Failed(why) => (why.clone(), None),
        }
    }

    /// What a screen reader is told: the step, not each percent (a polite
    /// region updated twice a second would never stop talking).
    fn announced(&self) -> String {
        match self {
            Phase::Sending(..) => "Uploading…".to_string(),
            Phase::Reading(what, _) => format!("{what}…"),
            Phase::Failed(why) => why.clone(),
        }
    }
}

/// The bar itself (`#upload-progress`), shown while there is a phase.
#[component]
pub fn ProgressBar(phase: RwSignal<Option<Phase>>) -> impl IntoView {
    // A memo: the region's text changes (and is read) once per step.
    let announced = Memo::new(move |_| phase.with(|p| p.as_ref().map(Phase::announced)));
    view! {
        <p class="sr-only" role="status" id="upload-status">{move || announced.get()}</p>
        {move || {
            phase.get().map(|p| {
                let failed = matches!(p, Phase::Failed(_));
                let (label, pct) = p.shown();
                view! {
                    <div class="upload-progress" id="upload-progress">
                        {(!failed).then(|| view! {
                            // No value: the browser shows a busy bar.
                            <progress max="100" value=pct.map(|v| v.to_string()) aria-label=label.clone()></progress>
                        })}
                        // The bar already carries the label; a failure stays readable.
                        <span class=if failed { "form-alert" } else { "muted" } aria-hidden=(!failed).then_some("true")>{label}</span>
                    </div>
                }
            })
        }}
    }
}

/// While `running` is true, asks the server every half second how far its
/// step `token` has got, and shows it as `what`.
pub fn follow(
    token: String,
    what: &'static str,
    running: Signal<bool>,
    phase: RwSignal<Option<Phase>>,
) {
    #[cfg(feature = "hydrate")]
    {
        let tick = move || {
            if !running.get_untracked() {
                return;
            }
            let token = token.clone();
            leptos::task::spawn_local(async move {
                let found = crate::api::uploads::upload_progress(token)
                    .await
                    .ok()
                    .flatten();
                if running.get_untracked()
                    && !matches!(phase.get_untracked(), Some(Phase::Sending(..)))
                {
                    phase.set(Some(Phase::Reading(what, found)));
                }
            });
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_millis(500)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (token, what, running, phase);
}

/// Sends the upload form with progress, then goes where the server sends
/// it (the upload's page, or back to the form with a message). Returns
/// false when it could not start, so the form posts as usual instead.
#[cfg(feature = "hydrate")]
pub fn send(
    form: &web_sys::HtmlFormElement,
    phase: RwSignal<Option<Phase>>,
    sending: RwSignal<bool>,
) -> bool {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(data) = web_sys::FormData::new_with_form(form) else {
        return false;
    };
    let Ok(token) = window.crypto().map(|c| c.random_uuid()) else {
        return false;
    };
    if data.set_with_str("progress", &token).is_err() {
        return false;
    }
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        return false;
    };
    if xhr.open("POST", &form.action()).is_err() {
        return false;
    }
    let Ok(upload) = xhr.upload() else {
        return false;
    };
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            let (done, of) = (e.loaded() as u64, e.total() as u64);
            if done < of {
                phase.set(Some(Phase::Sending(done, of)));
            } else {
                // All sent: the server is reading it now.
                phase.set(Some(Phase::Reading("Checking the file", None)));
            }
        });
    upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let done_xhr = xhr.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        sending.set(false);
        let to = done_xhr.response_url();
        let ok = done_xhr.status().is_ok_and(|s| s < 400) && !to.is_empty();
        match (ok, web_sys::window()) {
            (true, Some(w)) => {
                let _ = w.location().assign(&to);
            }
            _ => phase.set(Some(Phase::Failed(
                done_xhr
                    .response_text()
                    .ok()
                    .flatten()
                    .filter(|t| !t.is_empty() && t.len() < 300)
                    .unwrap_or_else(|| "The upload failed. Try again.".into()),
            ))),
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    let on_error = Closure::<dyn FnMut()>::new(move || {
        sending.set(false);
        phase.set(Some(Phase::Failed(
            "The upload failed: the connection was lost. Try again.".into(),
        )));
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    if xhr.send_with_opt_form_data(Some(&data)).is_err() {
        return false;
    }
    // The request owns these now; they go when the page does.
    on_progress.forget();
    on_load.forget();
    on_error.forget();
    sending.set(true);
    phase.set(Some(Phase::Sending(0, 0)));
    follow(token, "Checking the file", sending.into(), phase);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_read_as_people_expect() {
        assert_eq!(
            Phase::Sending(50, 200).shown(),
            ("Uploading… 25%".into(), Some(25))
        );
        assert_eq!(Phase::Sending(0, 0).shown(), ("Uploading… 0%".into(), None));
        assert_eq!(
            Phase::Reading("Applying the rows", Some((3, 3))).shown(),
            ("Applying the rows… 100%".into(), Some(100))
        );
        assert_eq!(
            Phase::Reading("Checking the file", None).shown(),
            ("Checking the file…".into(), None)
        );
    }
}
