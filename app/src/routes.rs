//! The console's page addresses, built in one place: server functions
//! redirect to them and pages link to them.

use crate::domain::staff::StaffUser;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a query value or path segment keeps as it is: RFC 3986's
/// unreserved characters. Everything else is percent-encoded.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query value (or a path segment).
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Payer Support: where CSRs start.
pub const PAYER_SUPPORT: &str = "/payer-support";

/// Home: the day's and week's payments, charts, what waits (Reports).
pub const HOME: &str = "/";

/// Where `/` and a sign-in without a `next` page lead this user: Home for
/// those who may read reports, Payer Support for everyone else (CSRs).
pub fn home_for(user: &StaffUser) -> &'static str {
    if user.can(crate::domain::entitlements::Entitlement::Reports) {
        HOME
    } else {
        PAYER_SUPPORT
    }
}

/// Account numbers are `[A-Za-z0-9_-]` and references `[2-9A-Z-]`, already
/// URL-safe; dropping anything else keeps a malformed value from bending a URL.
/// (A sealed review goes into a query value through `encode_component`:
/// its key id ends with a '.', which a path segment must not keep.)
fn segment(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Payer Support showing one account (where Done and the breadcrumbs go).
pub fn payer_support_account(account: &str) -> String {
    format!("/payer-support?by=account&q={}", segment(account))
}

/// An account's page (details, balance, history).
pub fn account(number: &str) -> String {
    format!("/accounts/{}", segment(number))
}

/// The account page after Send Link, saying where the link went.
pub fn account_link_sent(number: &str, link: i64) -> String {
    format!("{}?link_sent={link}#payment-links", account(number))
}

pub fn account_link_revoked(number: &str, link: i64) -> String {
    format!("{}?link_revoked={link}#payment-links", account(number))
}

/// Bill Details.
pub fn bill(id: i64) -> String {
    format!("/bills/{id}")
}

pub fn make_payment(account: &str) -> String {
    format!("/pay/{}", segment(account))
}

/// Make Payment toward one bill (invoice).
pub fn make_payment_for_bill(account: &str, bill: i64) -> String {
    format!("/pay/{}?bill={bill}", segment(account))
}

/// Make Payment again with the review's entries (Back).
pub fn make_payment_again(account: &str, sealed: &str) -> String {
    format!("/pay/{}?r={}", segment(account), encode_component(sealed))
}

pub fn review(account: &str, sealed: &str) -> String {
    format!(
        "/pay/{}/review?r={}",
        segment(account),
        encode_component(sealed)
    )
}

pub fn payment(reference: &str) -> String {
    format!("/payments/{}", segment(reference))
}

/// An enrolled payer's page: saved methods and automatic payments. User
/// IDs may hold any visible character, so the ID rides in the query.
pub const PAYER: &str = "/payer";

pub fn payer(user_id: &str) -> String {
    format!("{PAYER}?user={}", encode_component(user_id.trim()))
}

/// The payer's page after Confirm, naming the plan set up.
pub fn payer_plan(user_id: &str, plan: i64) -> String {
    format!("{}&plan={plan}", payer(user_id))
}

/// Add Credit Card (`card`) or Add Bank Account (`bank`).
pub const ADD_METHOD: &str = "/payer/add-method";

pub fn add_method(user_id: &str, kind: &str) -> String {
    format!(
        "{ADD_METHOD}?user={}&kind={}",
        encode_component(user_id.trim()),
        segment(kind)
    )
}

pub fn method_review(user_id: &str, sealed: &str) -> String {
    format!(
        "{ADD_METHOD}/review?user={}&r={}",
        encode_component(user_id.trim()),
        encode_component(sealed)
    )
}

/// Set Up (Accounts Found → Set Up): recurring and bill-triggered plans.
pub fn setup(account: &str) -> String {
    format!("/set-up/{}", segment(account))
}

pub fn setup_review(account: &str, sealed: &str) -> String {
    format!(
        "/set-up/{}/review?r={}",
        segment(account),
        encode_component(sealed)
    )
}

/// Set Up again with the review's entries (Back).
pub fn setup_again(account: &str, sealed: &str) -> String {
    format!(
        "/set-up/{}?r={}",
        segment(account),
        encode_component(sealed)
    )
}

pub fn thanks(reference: &str) -> String {
    format!("/payments/{}/thanks", segment(reference))
}

/// Where a user changes their own password (and must, when it is temporary
/// or expired).
pub const CHANGE_PASSWORD: &str = "/account/password";

/// Forgot Your Password? step 1 (the login ID), from the sign-in page.
pub const FORGOT_PASSWORD: &str = "/forgot-password";
/// Forgot Your Password? steps 2 and 3: "Security Code Sent!", Resend Code
/// and Create New Password.
pub const FORGOT_PASSWORD_CODE: &str = "/forgot-password/code";
/// Forgot Your Username?
pub const FORGOT_USERNAME: &str = "/forgot-username";

pub const SIGN_IN: &str = "/sign-in";

/// The pages a signed-out user may open: sign-in and its self-service
/// pages (the page guard lets them through).
pub fn public_page(path: &str) -> bool {
    matches!(
        path,
        SIGN_IN | FORGOT_PASSWORD | FORGOT_PASSWORD_CODE | FORGOT_USERNAME
    ) || payer_side(path)
}

/// The payer site: pages payers reach, with no staff sign-in and no staff
/// navigation (ui::payer_site).
pub const PAYER_SITE: &str = "/p/";

/// The payer site's Sign In (also at `/p`), Register Now and what follows
/// it, the signed-in payer's dashboard and Change Password.
pub const PAYER_SIGN_IN: &str = "/p/sign-in";
pub const PAYER_REGISTER: &str = "/p/register";
pub const PAYER_REGISTERED: &str = "/p/registered";
pub const PAYER_HOME: &str = "/p/home";
pub const PAYER_CHANGE_PASSWORD: &str = "/p/change-password";
pub const PAYER_ACTIVITY: &str = "/p/activity";
pub const PAYER_PLANS: &str = "/p/plans";
pub const PAYER_FORGOT: &str = "/p/forgot";
/// Profile: email, password, challenge questions, Alerts, payment methods.
pub const PAYER_PROFILE: &str = "/p/profile";
/// Profile's Add Credit Card / Add Bank Account (also after Register Now).
pub const PAYER_ADD_METHOD: &str = "/p/profile/add-method";

/// The review of a payment method to add (`r` is the sealed review).
pub fn payer_method_review(sealed: &str) -> String {
    format!("/p/profile/method-review?r={}", encode_component(sealed))
}

/// Forgot Password's emailed link.
pub fn payer_reset_link(token: &str) -> String {
    format!("/p/reset/{}", segment(token))
}

/// Payer pages that need a signed-in payer: every page of the payer site
/// but those a signed-out payer uses (so a new page, or a path spelled
/// another way, is guarded by default).
pub fn payer_private_page(path: &str) -> bool {
    let page = path == "/p" || path.starts_with(PAYER_SITE);
    let open = matches!(
        path,
        "/p" | "/p/"
            | PAYER_SIGN_IN
            | PAYER_REGISTER
            | PAYER_FORGOT
            | PAYER_ONE_TIME
            | PAYER_CUSTOMER_SERVICE
    ) || path.starts_with("/p/link/")
        || path.starts_with("/p/reset/");
    page && !open
}

/// Whether a request belongs to the payer site: its pages and its server
/// functions (`/api/p_*`). Only the payer's cookie is read for them, and
/// only for them.
pub fn payer_side(path: &str) -> bool {
    path == "/p" || path.starts_with(PAYER_SITE) || path.starts_with("/api/p_")
}

/// The enrolled payer's page after Change Password without JavaScript:
/// where the temporary password was emailed (never the password itself).
pub fn payer_reset(user_id: &str, emailed_to: Option<&str>) -> String {
    format!(
        "{}&reset_sent={}",
        payer(user_id),
        encode_component(emailed_to.unwrap_or(""))
    )
}

/// One Time Payment: the identifiers, for a payer who has not registered.
pub const PAYER_ONE_TIME: &str = "/p/pay";

/// A payment link's page (One Time Payment for its account).
pub fn payer_link(token: &str) -> String {
    format!("/p/link/{}", segment_token(token))
}

pub fn payer_link_review(token: &str, sealed: &str) -> String {
    format!(
        "{}/review?r={}",
        payer_link(token),
        encode_component(sealed)
    )
}

/// Back from a link's review, with the entries kept.
pub fn payer_link_again(token: &str, sealed: &str) -> String {
    format!("{}?r={}", payer_link(token), encode_component(sealed))
}

pub fn payer_link_receipt(token: &str) -> String {
    format!("{}/receipt", payer_link(token))
}

/// A link token is digits, a dot and hex; anything else is dropped.
fn segment_token(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect()
}

/// Send Payment Link (Accounts Found → Send Payment Link).
pub fn send_link(account: &str) -> String {
    format!("/send-link/{}", segment(account))
}

/// The code page for `login` (carried so the form can fill it in; only
/// the characters a login ID may have, so it bends no URL and puts no
/// one's words on the page). The same for a login that exists or not.
pub fn forgot_password_code(login: &str, resent: bool) -> String {
    let login: String = login
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._@-".contains(*c))
        .take(64)
        .collect();
    let resent = if resent { "&resent=1" } else { "" };
    format!("{FORGOT_PASSWORD_CODE}?login={login}{resent}")
}

/// The administrators' Settlement page.
pub const SETTLEMENTS: &str = "/settlements";

/// User Admin: every staff user, and Add user.
pub const USERS: &str = "/admin/users";

/// One staff user's page (login IDs are `[a-z0-9._@-]`).
pub fn staff_user(login: &str) -> String {
    let login: String = login
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._@-".contains(*c))
        .collect();
    format!("{USERS}/{login}")
}

/// Role Entitlements.
pub const ROLES: &str = "/admin/roles";

/// The biller's Profile (administrators).
pub const BILLER_PROFILE: &str = "/admin/profile";

/// Manage Category: the category line items (administrators).
pub const CATEGORIES: &str = "/admin/categories";

/// Manage Category with the Add Category Line Item form open.
pub fn categories_add() -> String {
    format!("{CATEGORIES}?add=1")
}

/// Manage Category with line `id`'s Edit form open.
pub fn category_edit(id: i64) -> String {
    format!("{CATEGORIES}?edit={id}")
}

/// Manage Category asking to confirm the Delete of line `id`.
pub fn category_delete(id: i64) -> String {
    format!("{CATEGORIES}?delete={id}")
}

/// Manage Category after line `id` was saved.
pub fn categories_saved(id: i64) -> String {
    format!("{CATEGORIES}?saved={id}")
}

/// Convenience Fees: the fee rule per method (administrators).
pub const FEES: &str = "/admin/fees";

/// Divisions: add and rename the biller's divisions (administrators).
pub const DIVISIONS: &str = "/admin/divisions";

/// Divisions with the Add Division form open.
pub fn divisions_add() -> String {
    format!("{DIVISIONS}?add=1")
}

/// Divisions with division `id`'s Rename form open.
pub fn division_rename(id: i64) -> String {
    format!("{DIVISIONS}?rename={id}")
}

/// Convenience Fees of division `id`.
pub fn division_fees(id: i64) -> String {
    format!("{FEES}?division={id}")
}

/// Divisions with division `id`'s ACH Company form open.
pub fn division_ach(id: i64) -> String {
    format!("{DIVISIONS}?ach={id}")
}

/// The payer site's Customer Service: the biller's support contacts.
pub const PAYER_CUSTOMER_SERVICE: &str = "/p/customer-service";

pub fn role_entitlements(role: &str) -> String {
    format!("{ROLES}?role={}", segment(role))
}

/// File Transfers: the upload form and Recent Uploads.
pub const UPLOADS: &str = "/uploads";

/// One upload: its preview or outcome, and its refused rows.
pub fn upload(id: i64) -> String {
    format!("{UPLOADS}/{id}")
}

/// Refunds awaiting approval.
pub const APPROVALS: &str = "/approvals";

pub const AUDIT_REPORT: &str = "/reports/audit";
pub const AUDIT_CSV: &str = "/reports/audit.csv";

/// The Reports menu: every report this user may run.
pub const REPORTS: &str = "/reports";

/// A report address (Home links each number to one). Dates are
/// `YYYY-MM-DD` in the biller's zone; every value goes through
/// [`segment`], so nothing in it can add a parameter or a path.
fn report(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", segment(v))))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// Payment History: payments entered `from`..=`to`, optionally of one
/// status (`pending`, `refunded`, …) and one method (`card`, `ach`).
pub fn payment_history(from: &str, to: &str, status: Option<&str>, method: Option<&str>) -> String {
    report(
        "/reports/payment-history",
        &[
            ("from", Some(from)),
            ("to", Some(to)),
            ("status", status),
            ("method", method),
        ],
    )
}

/// Settlement report: `kind` is `debit`, `credit`, `cleared` or `error`
/// (ACH returns are `kind=error&method=ach`).
pub fn settlement_report(from: &str, to: &str, method: Option<&str>, kind: Option<&str>) -> String {
    report(
        "/reports/settlement",
        &[
            ("from", Some(from)),
            ("to", Some(to)),
            ("method", method),
            ("kind", kind),
        ],
    )
}

/// Reconciliation for one day.
pub fn reconciliation(date: &str) -> String {
    report("/reports/reconciliation", &[("date", Some(date))])
}

/// Aging as of `date`, optionally one bucket (`current`, `1-30`, `31-60`,
/// `61-90`, `over-90`).
pub fn aging(date: &str, bucket: Option<&str>) -> String {
    report(
        "/reports/aging",
        &[("date", Some(date)), ("bucket", bucket)],
    )
}

/// What a page needs beyond being signed in. The server's page guard
/// answers 403 without it; the navigation hides it.
pub fn page_entitlement(path: &str) -> Option<crate::domain::entitlements::Entitlement> {
    use crate::domain::entitlements::Entitlement;
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under(USERS) {
        Some(Entitlement::UserAdmin)
    } else if under(ROLES) {
        Some(Entitlement::EntitlementAdmin)
    } else if under(UPLOADS) {
        Some(Entitlement::Uploads)
    } else if under(APPROVALS) {
        Some(Entitlement::ApproveRefunds)
    } else if under(SETTLEMENTS) {
        Some(Entitlement::Settlement)
    } else if under(BILLER_PROFILE) {
        Some(Entitlement::BillerProfile)
    } else if under(CATEGORIES) {
        Some(Entitlement::Categories)
    } else if under(FEES) {
        Some(Entitlement::Fees)
    } else if under(DIVISIONS) {
        Some(Entitlement::Divisions)
    } else if under(AUDIT_REPORT) || path == AUDIT_CSV {
        Some(Entitlement::AuditReport)
    } else if under(REPORTS) {
        Some(Entitlement::Reports)
    } else if path.starts_with("/pay/") || path.starts_with("/send-link/") {
        Some(Entitlement::OnBehalfPayments)
    } else {
        None
    }
}

/// A stored NACHA file, as a download.
pub fn ach_file(id: i64) -> String {
    format!("/settlements/files/{id}")
}

#[cfg(test)]
mod tests {

    #[test]
    fn payer_pages_are_private_unless_a_signed_out_payer_uses_them() {
        for open in [
            "/p",
            "/p/sign-in",
            "/p/register",
            "/p/forgot",
            "/p/pay",
            "/p/customer-service",
            "/p/link/1.ab",
            "/p/reset/xyz",
        ] {
            assert!(!payer_private_page(open), "{open}");
        }
        for private in [
            PAYER_HOME,
            "/p/home/",
            PAYER_ACTIVITY,
            PAYER_PLANS,
            PAYER_CHANGE_PASSWORD,
            PAYER_REGISTERED,
            PAYER_PROFILE,
            PAYER_ADD_METHOD,
            "/p/anything",
        ] {
            assert!(payer_private_page(private), "{private}");
        }
        assert!(!payer_private_page("/payer-support"));
    }

    use super::*;

    #[test]
    fn addresses_stay_inside_their_segment() {
        assert_eq!(
            payer_support_account("100003"),
            "/payer-support?by=account&q=100003"
        );
        assert_eq!(
            make_payment("10/../x?y"),
            "/pay/10xy",
            "nothing can add a path or a query"
        );
        assert_eq!(review("A-1", "ab_c-9"), "/pay/A-1/review?r=ab_c-9");
        // A sealed review starts with its key's id and a '.', kept in the
        // query value; what could bend a URL is encoded.
        assert_eq!(
            review("A-1", "0a1b2c3d.ab_c-9"),
            "/pay/A-1/review?r=0a1b2c3d.ab_c-9"
        );
        assert_eq!(review("A-1", "x/&y"), "/pay/A-1/review?r=x%2F%26y");
        assert_eq!(thanks("K7M4-Q92X"), "/payments/K7M4-Q92X/thanks");
        assert_eq!(staff_user(" Casey.Q@x "), "/admin/users/casey.q@x");
        assert_eq!(staff_user("a/../b?c"), "/admin/users/a..bc");
        assert_eq!(
            forgot_password_code(" Casey&next=//x ", true),
            "/forgot-password/code?login=caseynextx&resent=1"
        );
        assert!(public_page("/forgot-password/code") && public_page("/sign-in"));
        assert!(!public_page("/forgot-password/code/x"));
    }

    #[test]
    fn report_links_carry_their_filters() {
        assert_eq!(
            payment_history("2026-11-30", "2026-12-01", Some("pending"), Some("ach")),
            "/reports/payment-history?from=2026-11-30&to=2026-12-01&status=pending&method=ach"
        );
        assert_eq!(
            payment_history("2026-12-01", "2026-12-01", None, Some("card")),
            "/reports/payment-history?from=2026-12-01&to=2026-12-01&method=card"
        );
        assert_eq!(
            settlement_report("2026-11-02", "2026-12-01", Some("ach"), Some("error")),
            "/reports/settlement?from=2026-11-02&to=2026-12-01&method=ach&kind=error"
        );
        assert_eq!(
            reconciliation("2026-12-01"),
            "/reports/reconciliation?date=2026-12-01"
        );
        assert_eq!(
            aging("2026-12-01", Some("current")),
            "/reports/aging?date=2026-12-01&bucket=current"
        );
        assert_eq!(
            aging("2026-12-01&x=1", Some("over-90")),
            "/reports/aging?date=2026-12-01x1&bucket=over-90",
            "a value adds no parameter"
        );
    }

    #[test]
    fn home_is_for_those_who_read_reports() {
        use crate::domain::entitlements::Entitlement;
        use crate::domain::staff::Role;
        let mut user = StaffUser {
            id: 1,
            login: "casey".into(),
            email: "casey@example.com".into(),
            role: Role::Csr,
            must_change_password: false,
            entitlements: Entitlement::default_for(Role::Csr),
            divisions: Default::default(),
            viewing: None,
        };
        assert_eq!(home_for(&user), HOME, "CSRs have Reports by default");
        user.entitlements = [Entitlement::OnBehalfPayments].into_iter().collect();
        assert_eq!(home_for(&user), PAYER_SUPPORT);
        user.entitlements = Entitlement::default_for(Role::Admin);
        assert_eq!(home_for(&user), HOME);
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("a b/c?d=é~"), "a%20b%2Fc%3Fd%3D%C3%A9~");
    }

    #[test]
    fn pages_name_the_entitlement_they_need() {
        use crate::domain::entitlements::Entitlement;
        assert_eq!(
            page_entitlement("/admin/users/casey"),
            Some(Entitlement::UserAdmin)
        );
        assert_eq!(page_entitlement("/admin/usersX"), None);
        assert_eq!(
            page_entitlement("/admin/roles"),
            Some(Entitlement::EntitlementAdmin)
        );
        assert_eq!(
            page_entitlement("/reports/audit"),
            Some(Entitlement::AuditReport)
        );
        assert_eq!(
            page_entitlement("/reports/audit.csv"),
            Some(Entitlement::AuditReport)
        );
        assert_eq!(
            page_entitlement("/reports/payment-history.xlsx"),
            Some(Entitlement::Reports)
        );
        assert_eq!(page_entitlement("/reports"), Some(Entitlement::Reports));
        assert_eq!(
            page_entitlement("/settlements/files/3"),
            Some(Entitlement::Settlement)
        );
        assert_eq!(
            page_entitlement("/pay/100003/review"),
            Some(Entitlement::OnBehalfPayments)
        );
        assert_eq!(
            page_entitlement("/admin/profile"),
            Some(Entitlement::BillerProfile)
        );
        assert_eq!(
            page_entitlement("/admin/categories"),
            Some(Entitlement::Categories)
        );
        assert_eq!(page_entitlement("/admin/fees"), Some(Entitlement::Fees));
        assert_eq!(
            page_entitlement("/admin/divisions"),
            Some(Entitlement::Divisions)
        );
        assert_eq!(page_entitlement("/payer-support"), None);
        assert_eq!(page_entitlement("/payments/K7M4-Q92X"), None);
    }
}
