//! The console's page addresses, built in one place: server functions
//! redirect to them and pages link to them.

/// Account numbers are `[A-Za-z0-9_-]` and references `[2-9A-Z-]`, already
/// URL-safe; dropping anything else keeps a malformed value from bending a URL.
fn segment(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// Payer Support showing one account (where Done and the breadcrumbs go).
pub fn payer_support_account(account: &str) -> String {
    format!("/payer-support?by=account&q={}", segment(account))
}

pub fn make_payment(account: &str) -> String {
    format!("/pay/{}", segment(account))
}

/// Make Payment again with the review's entries (Back).
pub fn make_payment_again(account: &str, sealed: &str) -> String {
    format!("/pay/{}?r={}", segment(account), segment(sealed))
}

pub fn review(account: &str, sealed: &str) -> String {
    format!("/pay/{}/review?r={}", segment(account), segment(sealed))
}

pub fn payment(reference: &str) -> String {
    format!("/payments/{}", segment(reference))
}

pub fn thanks(reference: &str) -> String {
    format!("/payments/{}/thanks", segment(reference))
}

/// Where a user changes their own password (and must, when it is temporary
/// or expired).
pub const CHANGE_PASSWORD: &str = "/account/password";

/// The administrators' Settlement page.
pub const SETTLEMENTS: &str = "/settlements";

/// A stored NACHA file, as a download.
pub fn ach_file(id: i64) -> String {
    format!("/settlements/files/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_stay_inside_their_segment() {
        assert_eq!(payer_support_account("100003"), "/payer-support?by=account&q=100003");
        assert_eq!(make_payment("10/../x?y"), "/pay/10xy", "nothing can add a path or a query");
        assert_eq!(review("A-1", "ab_c-9"), "/pay/A-1/review?r=ab_c-9");
        assert_eq!(thanks("K7M4-Q92X"), "/payments/K7M4-Q92X/thanks");
    }
}
