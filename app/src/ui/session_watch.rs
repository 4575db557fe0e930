//! The warning before an idle session ends (WCAG 2.2.1, Timing
//! Adjustable): two minutes before, a box says so and offers "Stay signed
//! in"; the CSR's half-typed form is not lost to a timeout they never saw
//! coming. With JavaScript only: a page without it cannot count (see
//! docs/accessibility.md).
//!
//! The page's clock starts when it loads (its request renewed the session)
//! and again at every form sent; "Stay signed in" asks the server, which
//! renews the session and answers with the idle window.

use leptos::prelude::*;

/// Only the browser moves it along (the server always renders Quiet).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Quiet,
    Warning,
    Ended,
}

#[component]
pub fn SessionWatch() -> impl IntoView {
    let phase = RwSignal::new(Phase::Quiet);
    #[cfg(feature = "hydrate")]
    let stay = browser::watch(phase);
    #[cfg(not(feature = "hydrate"))]
    let stay = move |_: leptos::ev::MouseEvent| {};
    let location = leptos_router::hooks::use_location();
    // Back to this very page (its query too) after signing in again.
    let next = move || {
        let here = format!(
            "{}{}",
            location.pathname.get_untracked(),
            location.search.get_untracked()
        );
        format!(
            "/sign-in?expired=1&next={}",
            crate::routes::encode_component(&here)
        )
    };
    // Modal while it shows: nothing behind it takes focus, so it never
    // covers the focused control (2.4.11).
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        if let Some(d) = dialog.get()
            && !d.open()
        {
            let _ = d.show_modal();
        }
    });
    view! {
        <Show when=move || phase.get() != Phase::Quiet>
            <dialog node_ref=dialog class="session-warning" role="alertdialog" aria-labelledby="session-warning-title"
                aria-describedby="session-warning-text"
                // Escape would close it and leave the clock running unseen.
                on:cancel=|ev: leptos::ev::Event| ev.prevent_default()>
                {move || if phase.get() == Phase::Warning {
                    view! {
                        <h2 id="session-warning-title">"Still there?"</h2>
                        <p id="session-warning-text">
                            "For security, you will be signed out in 2 minutes unless you stay signed in."
                        </p>
                        <button type="button" id="session-stay" class="btn btn-primary" on:click=stay>
                            "Stay signed in"
                        </button>
                    }.into_any()
                } else {
                    view! {
                        <h2 id="session-warning-title">"Your session has ended"</h2>
                        <p id="session-warning-text">"Sign in again to go on. What was not sent is lost."</p>
                        <a id="session-sign-in" class="btn btn-primary" href=next()>"Sign in again"</a>
                    }.into_any()
                }}
            </dialog>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Phase;
    use crate::api::auth::stay_signed_in;
    use crate::ui::focus;
    use leptos::prelude::*;
    use std::cell::RefCell;
    use std::time::Duration;

    thread_local! {
        /// What had focus when the warning took it, to give it back.
        static BEFORE: RefCell<Option<web_sys::HtmlElement>> = const { RefCell::new(None) };
    }

    /// Starts the clock; returns what "Stay signed in" does.
    pub fn watch(phase: RwSignal<Phase>) -> impl Fn(leptos::ev::MouseEvent) + Copy + 'static {
        let window = RwSignal::new(None::<i64>);
        let timers = StoredValue::new(Vec::<TimeoutHandle>::new());
        let arm = move |minutes: i64| {
            timers.update_value(|t| t.drain(..).for_each(|h| h.clear()));
            phase.set(Phase::Quiet);
            let total = Duration::from_secs(minutes.max(1) as u64 * 60);
            let warn_before = Duration::from_secs(120).min(total / 2);
            let warn = set_timeout_with_handle(
                move || {
                    BEFORE.with(|b| {
                        *b.borrow_mut() = document()
                            .active_element()
                            .and_then(|e| wasm_bindgen::JsCast::dyn_into(e).ok())
                    });
                    phase.set(Phase::Warning);
                    focus::element("#session-stay");
                },
                total - warn_before,
            );
            let end = set_timeout_with_handle(
                move || {
                    phase.set(Phase::Ended);
                    focus::element("#session-sign-in");
                },
                total,
            );
            timers.update_value(|t| t.extend(warn.into_iter().chain(end)));
            // Browser tests wait for this before they move the page's clock.
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-session-clock", "armed");
            }
        };
        // The first answer starts the clock. A later one (after "Stay
        // signed in") restarts it only if the window changed: the click
        // already restarted it, and a reply that arrives late must not
        // push the warning later than the server's own clock.
        let renew = move || {
            leptos::task::spawn_local(async move {
                if let Ok(minutes) = stay_signed_in().await
                    && window.get_untracked() != Some(minutes)
                {
                    window.set(Some(minutes));
                    arm(minutes);
                }
            })
        };
        Effect::new(move |_| renew());
        // A form sent renews the session on the server: the clock too.
        let sent = window_event_listener(leptos::ev::submit, move |_| {
            if let Some(minutes) = window.get_untracked() {
                arm(minutes);
            }
        });
        on_cleanup(move || {
            sent.remove();
            timers.update_value(|t| t.drain(..).for_each(|h| h.clear()));
        });
        move |_| {
            // The old clock stops now, not when the server answers: a
            // reply slower than the minutes left must not end a session
            // the user chose to keep. The answer sets it again.
            match window.get_untracked() {
                Some(minutes) => arm(minutes),
                None => phase.set(Phase::Quiet),
            }
            renew();
            BEFORE.with(|b| {
                if let Some(e) = b.borrow_mut().take().filter(|e| e.is_connected()) {
                    let _ = e.focus();
                }
            });
        }
    }
}
