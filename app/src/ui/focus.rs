//! Where keyboard focus goes when the page changes under it (WCAG 2.4.3):
//! to the new page's heading after a client-side navigation, and to the
//! first field in error after a failed submit. Without JavaScript the
//! browser does both itself: a new page starts at its top, and the first
//! field in error carries `autofocus` in the server's page.

use leptos::prelude::*;

/// After a client-side navigation to another page, focus moves to its
/// `<h1>`: a screen reader says where the user landed, and the next Tab
/// starts from the top of the new page rather than from a link that no
/// longer exists. A new search or filter on the same page (only the query
/// changes) leaves focus where it is.
#[component]
pub fn FocusOnNavigate() -> impl IntoView {
    let pathname = leptos_router::hooks::use_location().pathname;
    Effect::new(move |previous: Option<String>| {
        let now = pathname.get();
        if previous.is_some_and(|p| p != now) {
            browser::focus_when_shown("main h1".into(), true);
        }
        now
    });
}

/// Focus to the first field marked `aria-invalid="true"` in the page (an
/// open dialog's fields included), once the messages are in the page.
pub fn first_field_in_error() {
    browser::focus_when_shown(
        r#"main [aria-invalid="true"], dialog[open] [aria-invalid="true"]"#.into(),
        false,
    );
}

/// Focus to the element `selector` names, once it is in the page.
pub fn element(selector: impl Into<String>) {
    browser::focus_when_shown(selector.into(), false);
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::set_timeout;
    use std::time::Duration;
    use wasm_bindgen::JsCast;

    /// How long a page may take to show what it waits for (its data comes
    /// from the server): 40 tries, 50 ms apart.
    const TRIES: u32 = 40;
    const EVERY: Duration = Duration::from_millis(50);

    /// Focuses the first element matching `selector` as soon as there is
    /// one. Tried first after the current task, so that the view has been
    /// swapped (the old page's heading is gone). `heading`: a heading is not
    /// focusable by itself, so it is made focusable by script only.
    pub fn focus_when_shown(selector: String, heading: bool) {
        try_focus(selector, heading, TRIES);
    }

    fn try_focus(selector: String, heading: bool, tries_left: u32) {
        set_timeout(
            move || {
                let found = leptos::prelude::document()
                    .query_selector(&selector)
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                match found {
                    Some(element) => {
                        if heading && !element.has_attribute("tabindex") {
                            let _ = element.set_attribute("tabindex", "-1");
                        }
                        let _ = element.focus();
                    }
                    None if tries_left > 1 => try_focus(selector, heading, tries_left - 1),
                    None => {}
                }
            },
            if tries_left == TRIES {
                Duration::ZERO
            } else {
                EVERY
            },
        );
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    pub fn focus_when_shown(_selector: String, _heading: bool) {}
}
