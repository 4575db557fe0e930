//! Payment links over HTTP on both backends: Send Link by email and text,
//! the payer's One Time Payment through the link, exactly once however
//! often Pay is pressed, a declined card leaving the link open, Revoke,
//! expiry, forged tokens, the audit trail, and the payer site's rate limit.

use crate::support;
use crate::support::balance;
use crate::support::call;

use app::domain::payment_link::LinkToken;
use reqwest::{Client, StatusCode};
use support::{CSR, TestDb, TestServer};

async fn signed_in(t: &TestDb, settings: &[(&str, &str)]) -> (TestServer, Client) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve_with(t, settings).await;
    let c = support::signed_in(&s, CSR).await;
    (s, c)
}

fn card_form<'a>(token: &'a str, amount: &'a str, number: &'a str) -> Vec<(&'static str, &'a str)> {
    let mut form = vec![("token", token)];
    // Another account in the form changes nothing: the link's is paid.
    form.extend(support::card_form("100001", amount, number));
    form
}

async fn confirm(payer: &Client, s: &TestServer, form: &[(&str, &str)]) -> String {
    let r = call(payer, s, "p_link_confirm", form).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    r.json().await.unwrap()
}

/// A server function's answer, which must be 200, as JSON.
async fn answer(
    c: &Client,
    s: &TestServer,
    name: &str,
    args: &[(&str, &str)],
) -> serde_json::Value {
    let r = call(c, s, name, args).await;
    assert_eq!(r.status(), 200, "{name}: {:?}", r.text().await);
    r.json().await.unwrap()
}

async fn audit_count(t: &TestDb, action: &str) -> i64 {
    support::count(
        &t.db,
        &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"),
    )
    .await
}

async fn a_link_pays_its_account_once_and_every_step_is_audited(t: &TestDb) {
    let (s, c) = signed_in(t, &[]).await;
    let token = support::send_link_by_email(&c, &s, "100003", "pat@example.com", 1).await;
    assert_eq!(audit_count(t, "payment_link.sent").await, 1);
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payment_links WHERE secret_hash LIKE '%' AND address = 'pat@example.com'").await,
        1
    );
    let secret = &token[token.find('.').unwrap() + 1..][..32];
    assert_eq!(
        support::count(
            &t.db,
            &format!("SELECT COUNT(*) FROM payment_links WHERE secret_hash LIKE '%{secret}%'")
        )
        .await,
        0,
        "the secret itself is never stored"
    );

    // The payer: no cookies, no staff session.
    let payer = support::client();
    let page = answer(&payer, &s, "p_link_page", &[("token", &token)]).await;
    assert_eq!(page["account_number"], "100003");
    assert_eq!(page["state"], "Opened");
    call(&payer, &s, "p_link_page", &[("token", &token)]).await;
    assert_eq!(
        audit_count(t, "payment_link.opened").await,
        1,
        "opened is audited once"
    );

    let before = balance(t, "100003").await;
    let sealed = confirm(&payer, &s, &card_form(&token, "12.34", "4242424242424242")).await;
    // The staff CSR cannot use the payer's review, nor the payer a CSR's function.
    assert_eq!(
        call(&c, &s, "make_payment", &[("r", &sealed)])
            .await
            .status(),
        403
    );
    assert_eq!(
        call(&payer, &s, "make_payment", &[("r", &sealed)])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // Pay pressed three times at once, then once more: one payment.
    let args = [("token", token.as_str()), ("r", sealed.as_str())];
    let pays = (0..3).map(|_| call(&payer, &s, "p_link_pay", &args));
    let answers = futures::future::join_all(pays).await;
    let mut references = Vec::new();
    for r in answers {
        assert_eq!(r.status(), 200);
        references.push(r.json::<String>().await.unwrap());
    }
    let again: String = call(
        &payer,
        &s,
        "p_link_pay",
        &[("token", &token), ("r", &sealed)],
    )
    .await
    .json()
    .await
    .unwrap();
    references.push(again);
    references.dedup();
    assert_eq!(references.len(), 1, "{references:?}");
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payments").await,
        1
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payments WHERE channel = 'link' AND entered_by IS NULL AND account_id = (SELECT id FROM accounts WHERE account_number = '100003')").await,
        1
    );
    assert_eq!(balance(t, "100003").await, before - 1234);
    assert_eq!(audit_count(t, "payment.link").await, 1);

    // A second review of the used link is refused, and stores nothing.
    let r = call(
        &payer,
        &s,
        "p_link_confirm",
        &card_form(&token, "5.00", "4242424242424242"),
    )
    .await;
    assert_eq!(r.status(), 409);
    let page = answer(&payer, &s, "p_link_page", &[("token", &token)]).await;
    assert_eq!(page["state"], "Paid");
    assert_eq!(
        page["account_number"], "",
        "a used link shows only its payment's reference"
    );
    assert_eq!(page["reference"], references[0].as_str());
    let receipt = answer(&payer, &s, "p_link_receipt", &[("token", &token)]).await;
    assert_eq!(receipt["amount"], 1234);
    assert_eq!(receipt["reference"], references[0].as_str());
    support::wait_for_mail(&s.data_dir.path().join("outbox"), &references[0], 1).await;

    // The account page lists it as Paid; Revoke is refused now.
    let links = answer(&c, &s, "load_payment_links", &[("account", "100003")]).await;
    assert_eq!(links[0]["state"], "Paid");
    let id = links[0]["id"].to_string();
    let r = call(
        &c,
        &s,
        "revoke_payment_link",
        &[("account", "100003"), ("link", &id)],
    )
    .await;
    assert_eq!(r.status(), 409);
}

async fn two_reviews_of_one_link_make_one_payment(t: &TestDb) {
    let (s, c) = signed_in(t, &[]).await;
    let token = support::send_link_by_email(&c, &s, "100003", "pat@example.com", 1).await;
    let (a, b) = (support::client(), support::client());
    let first = confirm(&a, &s, &card_form(&token, "10.00", "4242424242424242")).await;
    let second = confirm(&b, &s, &card_form(&token, "20.00", "4242424242424242")).await;
    let (first, second) = (
        [("token", token.as_str()), ("r", first.as_str())],
        [("token", token.as_str()), ("r", second.as_str())],
    );
    let (ra, rb) = tokio::join!(
        call(&a, &s, "p_link_pay", &first),
        call(&b, &s, "p_link_pay", &second),
    );
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 409],
        "one tab pays, the other is told the link is used"
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payments").await,
        1
    );
}

async fn a_declined_card_leaves_the_link_open(t: &TestDb) {
    let (s, c) = signed_in(t, &[]).await;
    let token = support::send_link_by_email(&c, &s, "100003", "pat@example.com", 1).await;
    let payer = support::client();
    let declined = confirm(&payer, &s, &card_form(&token, "10.00", "4000000000000002")).await;
    let r = call(
        &payer,
        &s,
        "p_link_pay",
        &[("token", &token), ("r", &declined)],
    )
    .await;
    assert_eq!(r.status(), 402, "{:?}", r.text().await);
    let good = confirm(&payer, &s, &card_form(&token, "10.00", "4242424242424242")).await;
    let r = call(&payer, &s, "p_link_pay", &[("token", &token), ("r", &good)]).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payments WHERE status = 'declined'"
        )
        .await,
        1
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payments WHERE status = 'pending'"
        )
        .await,
        1
    );
}

async fn revoked_expired_and_forged_links_pay_nothing(t: &TestDb) {
    let (s, c) = signed_in(t, &[]).await;
    let payer = support::client();
    // Revoked.
    let token = support::send_link_by_email(&c, &s, "100003", "pat@example.com", 1).await;
    let sealed = confirm(&payer, &s, &card_form(&token, "10.00", "4242424242424242")).await;
    let links = answer(&c, &s, "load_payment_links", &[("account", "100003")]).await;
    let id = links[0]["id"].to_string();
    // Another account's number does not reach this account's link.
    let r = call(
        &c,
        &s,
        "revoke_payment_link",
        &[("account", "100001"), ("link", &id)],
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = call(
        &c,
        &s,
        "revoke_payment_link",
        &[("account", "100003"), ("link", &id)],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(audit_count(t, "payment_link.revoked").await, 1);
    let r = call(
        &payer,
        &s,
        "p_link_pay",
        &[("token", &token), ("r", &sealed)],
    )
    .await;
    assert_eq!(r.status(), 409, "a review made before Revoke pays nothing");
    let page = answer(&payer, &s, "p_link_page", &[("token", &token)]).await;
    assert_eq!(page["state"], "Revoked");
    assert_eq!(
        page["name"], "",
        "a revoked link shows nothing of the account"
    );
    assert_eq!(page["balance"], 0);
    assert_eq!(page["account_number"], "");

    // Expired.
    let token = support::send_link_by_email(&c, &s, "100003", "pat@example.com", 2).await;
    let sealed = confirm(&payer, &s, &card_form(&token, "10.00", "4242424242424242")).await;
    support::execute(&t.db, "UPDATE payment_links SET expires_at = 0")
        .await
        .unwrap();
    let r = call(
        &payer,
        &s,
        "p_link_pay",
        &[("token", &token), ("r", &sealed)],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payments").await,
        0
    );

    // Forged: a changed id, secret or signature, and junk, all read alike.
    let live = support::send_link_by_email(&c, &s, "100003", "pat@example.com", 3).await;
    let t0 = LinkToken::parse(&live).unwrap();
    let mut other_id = t0.clone();
    other_id.id += 1;
    let mut other_secret = t0.clone();
    other_secret.secret[0] ^= 1;
    let mut other_tag = t0.clone();
    other_tag.tag[15] ^= 1;
    for bad in [
        other_id.to_string(),
        other_secret.to_string(),
        other_tag.to_string(),
        "1.00".into(),
        "x".repeat(5000),
        String::new(),
    ] {
        let r = call(&payer, &s, "p_link_page", &[("token", &bad)]).await;
        assert_eq!(r.status(), 404, "{bad:.40}");
        let body = r.text().await.unwrap();
        assert!(body.contains("This payment link is not valid"), "{body}");
    }
    assert_eq!(
        call(&payer, &s, "p_link_page", &[("token", &live)])
            .await
            .status(),
        200
    );
}

async fn send_link_checks_the_address_and_sends_texts(t: &TestDb) {
    let (s, c) = signed_in(t, &[]).await;
    let r = call(
        &c,
        &s,
        "send_payment_link",
        &[
            ("form[account]", "100003"),
            ("form[channel]", "text"),
            ("form[mobile]", "555-0147"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body.to_string().contains("10-digit mobile number"),
        "{body}"
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payment_links").await,
        0
    );

    let r = call(
        &c,
        &s,
        "send_payment_link",
        &[
            ("form[account]", "100003"),
            ("form[channel]", "text"),
            ("form[mobile]", "(555) 201-0147"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let texts = s.data_dir.path().join("outbox-texts");
    let files: Vec<_> = std::fs::read_dir(&texts)
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(text.starts_with("To: +15552010147"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = files[0].metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a link is a credential: the outbox is private");
    }
    let payer = support::client();
    let page = call(
        &payer,
        &s,
        "p_link_page",
        &[("token", &support::link_token_in(&text))],
    )
    .await;
    assert_eq!(page.status(), 200);

    // An inactive account gets no link.
    support::execute(
        &t.db,
        "UPDATE accounts SET status = 'inactive' WHERE account_number = '100001'",
    )
    .await
    .unwrap();
    let r = call(
        &c,
        &s,
        "send_payment_link",
        &[
            ("form[account]", "100001"),
            ("form[channel]", "email"),
            ("form[email]", "pat@example.com"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
}

async fn the_payer_site_is_rate_limited_per_address(t: &TestDb) {
    let (s, c) = signed_in(t, &[("PAYDESK_PAYER_RATE_PER_MINUTE", "5")]).await;
    let token = support::send_link_by_email(&c, &s, "100003", "pat@example.com", 1).await;
    let payer = support::client();
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(
            call(&payer, &s, "p_link_page", &[("token", &token)])
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    // Guessing costs the same: forged tokens count too.
    let r = call(&payer, &s, "p_link_page", &[("token", "1.00")]).await;
    assert_eq!(r.status(), 429);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM self_service_limits WHERE bucket LIKE 'link:%'"
        )
        .await,
        1,
        "one row per address, however many calls"
    );
}

async fn one_time_payment_matches_identifiers_and_locks_after_four_misses(t: &TestDb) {
    let (s, c) = signed_in(t, &[]).await;
    let a = t.db.account_by_number("100003").await.unwrap().unwrap();
    let last = a.last_name.clone().expect("an individual's last name");
    let payer = support::client();
    let attempt = |account: &'static str, name: String| {
        let (payer, s) = (payer.clone(), &s);
        async move {
            call(
                &payer,
                s,
                "p_one_time",
                &[("form[account]", account), ("form[name]", &name)],
            )
            .await
        }
    };
    // A match, however the name is spelled: the account's payment page.
    let r = attempt("100003", format!("  {}  ", last.to_uppercase())).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let token: String = r.json().await.unwrap();
    let page = answer(&payer, &s, "p_link_page", &[("token", &token)]).await;
    assert_eq!(page["account_number"], "100003");
    assert_eq!(page["one_time"], true);
    assert_eq!(audit_count(t, "payer.one_time").await, 1);
    // The site's own links are not on the account page's list of links sent.
    let links = answer(&c, &s, "load_payment_links", &[("account", "100003")]).await;
    assert_eq!(links.as_array().unwrap().len(), 0);

    // Misses: an account that exists and one that does not answer alike.
    let mut answers = Vec::new();
    for account in ["100003", "999999"] {
        for _ in 0..4 {
            let r = attempt(account, "Nobody".into()).await;
            assert_eq!(r.status(), 422);
            // The form's own values come back; nothing else may differ.
            answers.push(r.text().await.unwrap().replace(account, "ACCOUNT"));
        }
    }
    assert_eq!(
        answers[..4],
        answers[4..],
        "the answers never tell whether an account exists"
    );
    assert!(
        answers[0].contains("could not find an account"),
        "{}",
        answers[0]
    );
    assert!(
        answers[3].contains("locked for 30 minutes"),
        "{}",
        answers[3]
    );
    // Locked: even the right name is refused now.
    let r = attempt("100003", last.clone()).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("locked"));
    assert_eq!(
        audit_count(t, "payer.one_time_locked").await,
        1,
        "audited for the real account only"
    );

    // The CSR sees it on Accounts Found and unlocks it.
    let found: serde_json::Value = call(
        &c,
        &s,
        "search_accounts",
        &[("by", "account"), ("q", "100003")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(found["one_time_locked"], serde_json::json!(["100003"]));
    let r = call(&c, &s, "unlock_one_time", &[("account", "100003")]).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        call(&c, &s, "unlock_one_time", &[("account", "100003")])
            .await
            .status(),
        409
    );
    assert_eq!(audit_count(t, "payer.one_time_unlocked").await, 1);
    let r = attempt("100003", last.clone()).await;
    assert_eq!(r.status(), 200, "unlocked: the payer is let in");
    // An inactive account never matches.
    support::execute(
        &t.db,
        "UPDATE accounts SET status = 'inactive' WHERE account_number = '100003'",
    )
    .await
    .unwrap();
    assert_eq!(attempt("100003", last).await.status(), 422);
}

/// Ten tries sent at once against one account number: each is counted
/// before it is matched, so three are answered, the fourth locks, and the
/// other six are refused unmatched, whatever order they land in.
async fn tries_sent_at_once_cannot_outrun_the_lockout(t: &TestDb) {
    let (s, _) = signed_in(t, &[]).await;
    let tries = (0..10).map(|_| {
        let payer = support::client();
        let s = &s;
        async move {
            let r = call(
                &payer,
                s,
                "p_one_time",
                &[("form[account]", "100008"), ("form[name]", "Nobody")],
            )
            .await;
            assert_eq!(r.status(), 422);
            r.text().await.unwrap()
        }
    });
    let answers = futures::future::join_all(tries).await;
    let missed = answers
        .iter()
        .filter(|a| a.contains("could not find an account"))
        .count();
    let locked = answers
        .iter()
        .filter(|a| a.contains("locked for 30 minutes"))
        .count();
    assert_eq!((missed, locked), (3, 7), "{answers:?}");
    assert_eq!(
        audit_count(t, "payer.one_time_locked").await,
        1,
        "locked once"
    );
}

on_both_backends!(
    tries_sent_at_once_cannot_outrun_the_lockout,
    one_time_payment_matches_identifiers_and_locks_after_four_misses,
    a_link_pays_its_account_once_and_every_step_is_audited,
    two_reviews_of_one_link_make_one_payment,
    a_declined_card_leaves_the_link_open,
    revoked_expired_and_forged_links_pay_nothing,
    send_link_checks_the_address_and_sends_texts,
    the_payer_site_is_rate_limited_per_address,
);
