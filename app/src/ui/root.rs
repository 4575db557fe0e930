//! The site's root, `/`: sends each user to their home page
//! (`routes::home_for`). Rendered on the server it answers with a redirect;
//! in the browser (after a sign-in with JavaScript, or a link to `/`) the
//! client router follows it, so `/` never shows "Page not found".

use crate::api::auth::current_user;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::Redirect;

#[component]
pub fn RootPage() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                user.get()
                    .map(|found| {
                        let to = match found {
                            Ok(u) => crate::routes::home_for(&u).to_string(),
                            Err(_) => "/sign-in?next=/".to_string(),
                        };
                        // Replace, so Back does not return to `/` and bounce.
                        let options = NavigateOptions {
                            replace: true,
                            ..Default::default()
                        };
                        view! { <Redirect path=to options/> }
                    })
            }}
        </Suspense>
    }
}
