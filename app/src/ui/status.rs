//! Payment statuses on screen: the badge, and the watch that refreshes
//! Pending payments every few seconds and when the tab regains focus,
//! without reloading, announcing each change to screen readers.

use crate::domain::payment::PaymentStatus;
use leptos::prelude::*;
use std::collections::HashMap;

#[component]
pub fn StatusBadge(status: PaymentStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.code())>{status.label()}</span> }
}

/// How often a page with Pending payments asks for their status.
#[cfg(feature = "hydrate")]
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(4);

#[derive(Clone, Copy)]
pub struct StatusWatch {
    statuses: RwSignal<HashMap<String, PaymentStatus>>,
    announcement: RwSignal<String>,
}

impl StatusWatch {
    /// Starts watching these payments (reference, status as rendered).
    pub fn new(initial: Vec<(String, PaymentStatus)>) -> StatusWatch {
        let watch = StatusWatch {
            statuses: RwSignal::new(initial.into_iter().collect()),
            announcement: RwSignal::new(String::new()),
        };
        #[cfg(feature = "hydrate")]
        watch.start();
        watch
    }

    #[cfg(feature = "hydrate")]
    fn start(self) {
        let refresh = move || {
            let pending: Vec<String> = self.statuses.with_untracked(|m| {
                m.iter()
                    .filter(|(_, s)| {
                        matches!(s, PaymentStatus::Pending | PaymentStatus::Authorizing)
                    })
                    .map(|(r, _)| r.clone())
                    .collect()
            });
            if pending.is_empty() {
                return;
            }
            leptos::task::spawn_local(async move {
                let Ok(found) = crate::api::accounts::payment_statuses(pending.join(",")).await
                else {
                    return;
                };
                let changes: Vec<String> = found
                    .into_iter()
                    .filter(|(reference, status)| {
                        self.statuses
                            .with_untracked(|m| m.get(reference) != Some(status))
                    })
                    .map(|(reference, status)| {
                        self.statuses.update(|m| {
                            m.insert(reference.clone(), status);
                        });
                        format!("Payment {reference} is now {}.", status.label())
                    })
                    .collect();
                // One announcement for the refresh, however many changed:
                // each change is read once, none cut off by the next.
                if !changes.is_empty() {
                    self.announcement.set(changes.join(" "));
                }
            });
        };
        if let Ok(handle) = set_interval_with_handle(refresh, REFRESH_EVERY) {
            on_cleanup(move || handle.clear());
        }
        let on_focus = window_event_listener(leptos::ev::focus, move |_| refresh());
        on_cleanup(move || on_focus.remove());
    }

    pub fn badge(self, reference: String) -> impl IntoView {
        move || {
            let status = self
                .statuses
                .with(|m| m.get(&reference).copied())
                .unwrap_or(PaymentStatus::Pending);
            view! { <StatusBadge status/> }
        }
    }

    /// The polite live region that reads status changes aloud.
    pub fn live_region(self) -> impl IntoView {
        view! { <p class="sr-only" role="status" aria-live="polite">{move || self.announcement.get()}</p> }
    }
}
