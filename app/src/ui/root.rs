//! The site's root, `/`: Home for those with Reports; everyone else is sent
//! to their home page (`routes::home_for`: Payer Support). Rendered on the
//! server a redirect is an HTTP redirect; in the browser (after a sign-in
//! with JavaScript, or a link to `/`) the client router follows it, so `/`
//! never shows "Page not found".

use super::home::HomePage;
use crate::api::auth::current_user;
use crate::domain::entitlements::Entitlement;
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
                            Ok(u) if u.can(Entitlement::Reports) => {
                                return view! { <HomePage/> }.into_any();
                            }
                            Ok(u) => crate::routes::home_for(&u).to_string(),
                            Err(_) => "/sign-in?next=/".to_string(),
                        };
                        // Replace, so Back does not return to `/` and bounce.
                        let options = NavigateOptions {
                            replace: true,
                            ..Default::default()
                        };
                        view! { <Redirect path=to options/> }.into_any()
                    })
            }}
        </Suspense>
    }
}
