//! Taking payments over HTTP on both backends: the review, exactly-once
//! submission under concurrency, declines, ACH encryption, settlement and
//! the receipt.

use crate::support;
use crate::support::balance;
use crate::support::call;

use reqwest::header::{ACCEPT, LOCATION};
use reqwest::{Client, StatusCode};
use support::{CSR, TestDb, TestServer};

async fn signed_in(t: &TestDb) -> (TestServer, Client) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let c = support::client();
    let r = call(&c, &s, "sign_in", &[("login", CSR.0), ("password", CSR.1)]).await;
    assert_eq!(r.status(), 200);
    (s, c)
}

use support::card_form;

/// Confirm: returns the sealed review.
async fn confirm(c: &Client, s: &TestServer, form: &[(&str, &str)]) -> String {
    let r = call(c, s, "confirm_payment", form).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    r.json::<String>().await.unwrap()
}

async fn a_card_payment_is_pending_with_a_ledger_entry_and_a_receipt(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let before = balance(t, "100003").await;
    let sealed = confirm(&c, &s, &card_form("100003", "25.10", "4242 4242 4242 4242")).await;
    assert!(
        !sealed.contains("4242"),
        "the review never carries the card number"
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payments").await,
        0,
        "nothing is stored before Make Payment"
    );

    let review: serde_json::Value = call(&c, &s, "review_payment", &[("r", &sealed)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(review["method_label"], "Visa •••• 4242");
    assert_eq!(review["amount"], 2510);
    assert!(!review.to_string().contains("4242424242424242"));

    let r = call(&c, &s, "make_payment", &[("r", &sealed)]).await;
    assert_eq!(r.status(), 200);
    let reference: String = r.json().await.unwrap();
    assert_eq!(reference.len(), 9, "like K7M4-Q92X: {reference}");
    assert_eq!(balance(t, "100003").await, before - 2510);
    assert_eq!(
        t.db.ledger_breaches().await.unwrap(),
        Vec::<String>::new(),
        "the ledger still adds up"
    );

    let detail: serde_json::Value =
        call(&c, &s, "load_payment_detail", &[("reference", &reference)])
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(detail["summary"]["status"], "Pending");
    assert_eq!(detail["summary"]["entered_by"], "casey");
    assert_eq!(detail["channel"], "CSR");
    let mail = support::wait_for_mail(&s.data_dir.path().join("outbox"), &reference, 1).await;
    assert!(mail.contains("To: payer@example.com") && mail.contains("$25.10"));
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.on_behalf'"
        )
        .await,
        1
    );
    // Nothing anywhere holds the card number.
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payments WHERE card_token LIKE '%4242424242424242%'"
        )
        .await,
        0
    );
}

async fn twenty_identical_submissions_make_exactly_one_payment(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let before = balance(t, "100004").await;
    let sealed = confirm(&c, &s, &card_form("100004", "10.00", "5555 5555 5555 4444")).await;
    let calls = (0..20).map(|_| {
        let (c, url, sealed) = (
            c.clone(),
            format!("{}/api/make_payment", s.base),
            sealed.clone(),
        );
        async move {
            let r = c
                .post(url)
                .header(ACCEPT, "application/json")
                .form(&[("r", sealed)])
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    });
    let answers = futures::future::join_all(calls).await;
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payments").await,
        1
    );
    assert_eq!(balance(t, "100004").await, before - 1000, "charged once");
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM journal WHERE kind = 'payment'").await,
        1
    );
    let first = &answers[0].1;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(body, first, "every repeat answers with the same reference");
    }
}

async fn a_decline_keeps_the_attempt_and_moves_no_money(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let before = balance(t, "100003").await;
    for (number, reason) in [
        ("4000 0000 0000 0002", "Card declined"),
        ("4000 0000 0000 9995", "Insufficient funds"),
    ] {
        let sealed = confirm(&c, &s, &card_form("100003", "5.00", number)).await;
        let r = call(&c, &s, "make_payment", &[("r", &sealed)]).await;
        assert_eq!(r.status(), StatusCode::PAYMENT_REQUIRED);
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap(),
            serde_json::json!({ "Declined": reason })
        );
        // A repeat of the same review answers the same, and adds nothing.
        let again = call(&c, &s, "make_payment", &[("r", &sealed)]).await;
        assert_eq!(again.status(), StatusCode::PAYMENT_REQUIRED);
    }
    assert_eq!(balance(t, "100003").await, before);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payments WHERE status = 'declined'"
        )
        .await,
        2
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payments WHERE status = 'pending'"
        )
        .await,
        0
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.declined'"
        )
        .await,
        2
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM notices").await,
        0
    );
}

async fn bad_input_is_named_by_field_on_the_server_too(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let mut form = card_form("100003", "1.005", "4242 4242 4242 4241");
    form.push(("form[card_cvv]", "1"));
    let r = call(&c, &s, "confirm_payment", &form).await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "a field sent twice is a malformed request"
    );
    let form = card_form("100003", "1.005", "4242 4242 4242 4241");
    let r = call(&c, &s, "confirm_payment", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["Invalid"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["amount", "card_number"]);
    assert!(
        !body.to_string().contains("4241"),
        "the card number is never echoed"
    );
    // Inactive accounts take no payments; unknown ones are 404.
    let r = call(
        &c,
        &s,
        "confirm_payment",
        &card_form("100014", "5", "4242424242424242"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("inactive"));
    let r = call(
        &c,
        &s,
        "confirm_payment",
        &card_form("999999", "5", "4242424242424242"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A tampered or foreign review is refused.
    let r = call(&c, &s, "make_payment", &[("r", "bm90IGEgcmV2aWV3")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let sealed = confirm(&c, &s, &card_form("100003", "5", "4242424242424242")).await;
    let admin = support::client();
    call(
        &admin,
        &s,
        "sign_in",
        &[("login", support::ADMIN.0), ("password", support::ADMIN.1)],
    )
    .await;
    let r = call(&admin, &s, "make_payment", &[("r", &sealed)]).await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a review belongs to the CSR who confirmed it"
    );
    let r = call(&support::client(), &s, "make_payment", &[("r", &sealed)]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn ach_numbers_are_encrypted_and_masked(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let form = [
        ("form[account]", "100003"),
        ("form[email]", "payer@example.com"),
        ("form[amount]", "40"),
        ("form[method]", "bank"),
        ("form[bank_holder]", "Pat Payer"),
        ("form[bank_routing]", "021000021"),
        ("form[bank_account]", "000123456789"),
        ("form[bank_kind]", "checking"),
    ];
    let sealed = confirm(&c, &s, &form).await;
    let reference: String = call(&c, &s, "make_payment", &[("r", &sealed)])
        .await
        .json()
        .await
        .unwrap();
    let detail = call(&c, &s, "load_payment_detail", &[("reference", &reference)])
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("Checking •••• 6789") && !detail.contains("123456789"));
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payments WHERE bank_account_enc LIKE '%123456789%'"
        )
        .await,
        0
    );
    assert_eq!(support::count(&t.db, "SELECT COUNT(*) FROM payments WHERE bank_last4 = '6789' AND bank_account_enc IS NOT NULL").await, 1);
}

async fn settlement_processes_pending_cards_once(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let sealed = confirm(&c, &s, &card_form("100003", "12.00", "4242424242424242")).await;
    let reference: String = call(&c, &s, "make_payment", &[("r", &sealed)])
        .await
        .json()
        .await
        .unwrap();
    let now = app::db::now_ms() + 1;
    let (config, keys) = (&s.state.config, &s.state.keys);
    let (a, b) = tokio::join!(
        app::services::settlement::settle(&t.db, config, keys, now, "test"),
        app::services::settlement::settle(&t.db, config, keys, now, "test")
    );
    assert_eq!(
        a.unwrap().card_payments() + b.unwrap().card_payments(),
        1,
        "two settlers at once settle it once"
    );
    assert_eq!(
        app::services::settlement::settle(&t.db, config, keys, now, "test")
            .await
            .unwrap()
            .card_payments(),
        0
    );
    // One call for several references; unknown ones are simply absent.
    let refs = format!("{reference},ZZZZ-ZZZZ,not-a-ref");
    let statuses: Vec<(String, String)> = call(&c, &s, "payment_statuses", &[("refs", &refs)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(statuses, [(reference.clone(), "Processed".to_string())]);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payment_status_history WHERE to_status = 'processed'"
        )
        .await,
        1
    );
}

async fn payer_support_shows_payments_and_finds_them_by_reference(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let sealed = confirm(&c, &s, &card_form("100001", "3.00", "4242424242424242")).await;
    let reference: String = call(&c, &s, "make_payment", &[("r", &sealed)])
        .await
        .json()
        .await
        .unwrap();
    let found: serde_json::Value = call(
        &c,
        &s,
        "search_accounts",
        &[
            ("by", "reference"),
            ("q", &reference.to_lowercase().replace('-', "")),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(found["accounts"][0]["account_number"], "100001");
    assert_eq!(found["highlight"], reference.as_str());
    assert_eq!(found["payments"][0]["reference"], reference.as_str());
    assert_eq!(found["payments"][0]["method_label"], "Visa •••• 4242");
    let by_user: serde_json::Value = call(
        &c,
        &s,
        "search_accounts",
        &[("by", "user"), ("q", "payer1")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(by_user["payments"].as_array().unwrap().len(), 1);
}

async fn no_javascript_flow_redirects_through_each_step(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let page = format!("{}/pay/100003", s.base);
    let post = |name: &str, form: Vec<(&'static str, String)>, referer: String| {
        c.post(format!("{}/api/{name}", s.base))
            .header(ACCEPT, "text/html")
            .header("referer", referer)
            .form(&form)
            .send()
    };
    let form: Vec<(&'static str, String)> = card_form("100003", "7.25", "4242424242424242")
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let r = post("confirm_payment", form, page.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let review = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(review.starts_with("/pay/100003/review?r="), "{review}");
    let html = c
        .get(format!("{}{review}", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Review Payment")
            && html.contains("Visa •••• 4242")
            && html.contains("$7.25")
    );
    let sealed = review.split("r=").nth(1).unwrap().to_string();
    let r = post(
        "make_payment",
        vec![("r", sealed)],
        format!("{}{review}", s.base),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let thanks = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(thanks.starts_with("/payments/") && thanks.ends_with("/thanks"));
    let html = c
        .get(format!("{}{thanks}", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Thanks for the payment!") && html.contains("Done"));
}

async fn an_enrolled_payers_saved_methods_are_offered_and_only_theirs(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    // The full demo, with payer1's saved Visa and checking account.
    app::services::demo::load(&t.db, false, Some(&s.state.payments()))
        .await
        .unwrap();
    let c = support::client();
    call(&c, &s, "sign_in", &[("login", CSR.0), ("password", CSR.1)]).await;
    let ctx: serde_json::Value = call(&c, &s, "load_pay_context", &[("account", "100001")])
        .await
        .json()
        .await
        .unwrap();
    let saved = ctx["saved_methods"].as_array().unwrap();
    let labels: Vec<&str> = saved.iter().map(|m| m["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Visa •••• 4242", "Checking •••• 6789"]);
    let (card_id, bank_id) = (saved[0]["id"].to_string(), saved[1]["id"].to_string());
    for (id, label) in [
        (&card_id, "Visa •••• 4242"),
        (&bank_id, "Checking •••• 6789"),
    ] {
        let method = format!("saved:{id}");
        let form = [
            ("form[account]", "100001"),
            ("form[email]", "p@example.com"),
            ("form[amount]", "11.00"),
            ("form[method]", method.as_str()),
        ];
        let sealed = confirm(&c, &s, &form).await;
        let review: serde_json::Value = call(&c, &s, "review_payment", &[("r", &sealed)])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(review["method_label"], label);
        assert!(
            review["form_values"].to_string().contains(&method),
            "Back selects the saved method again"
        );
        let reference: String = call(&c, &s, "make_payment", &[("r", &sealed)])
            .await
            .json()
            .await
            .unwrap();
        let detail: serde_json::Value =
            call(&c, &s, "load_payment_detail", &[("reference", &reference)])
                .await
                .json()
                .await
                .unwrap();
        assert_eq!(
            (
                detail["summary"]["method_label"].as_str(),
                detail["summary"]["status"].as_str()
            ),
            (Some(label), Some("Pending"))
        );
    }
    // Account 100003 is not paid by payer1: its saved methods are not offered there.
    let method = format!("saved:{card_id}");
    let form = [
        ("form[account]", "100003"),
        ("form[email]", "p@example.com"),
        ("form[amount]", "11.00"),
        ("form[method]", method.as_str()),
    ];
    let r = call(&c, &s, "confirm_payment", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("not one of this account's payers'")
    );
}

async fn a_payment_left_authorizing_by_a_crash_is_finished_once(t: &TestDb) {
    use app::db::payments::{MethodColumns, NewPayment};
    use app::domain::card::{CardNumber, Expiry};
    let (s, c) = signed_in(t).await;
    let before = balance(t, "100003").await;
    // A request claimed its key, then the process died before the processor answered.
    let card = s.state.processor.tokenize_card(
        &CardNumber::parse("4242424242424242").unwrap(),
        Expiry {
            year: 2039,
            month: 1,
        },
    );
    let account = t.db.account_by_number("100003").await.unwrap().unwrap();
    let casey = t.db.staff_by_login("casey").await.unwrap().unwrap();
    let new = NewPayment {
        reference: "CRSH2345".into(),
        idempotency_key: "key-of-a-dead-request".into(),
        account_id: account.id,
        amount_cents: 777,
        method_kind: "card",
        method_label: "Visa •••• 4242".into(),
        method: MethodColumns {
            card_token: Some(card.token),
            ..Default::default()
        },
        receipt_email: "p@example.com".into(),
        entered_by: Some(casey.id),
        ..Default::default()
    };
    t.db.insert_authorizing_payment(&new, "casey", app::db::now_ms() - 120_000)
        .await
        .unwrap();
    let payments = s.state.payments();
    assert!(payments.recover_stale(60_000).await.unwrap().len() == 1);
    assert!(
        payments.recover_stale(60_000).await.unwrap().is_empty(),
        "a second pass finds nothing left"
    );
    assert_eq!(
        balance(t, "100003").await,
        before - 777,
        "charged exactly once"
    );
    let found: Vec<(String, String)> = call(&c, &s, "payment_statuses", &[("refs", "CRSH-2345")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found, [("CRSH-2345".to_string(), "Pending".to_string())]);
    assert_eq!(t.db.ledger_breaches().await.unwrap(), Vec::<String>::new());
}

/// A bill of account `number`, straight into the table (bill files are
/// tested in uploads_api).
pub(crate) async fn add_bill(t: &TestDb, number: &str, invoice: &str, due_cents: i64) -> String {
    let sql = format!(
        "INSERT INTO bills (account_id, invoice_number, invoice_date, due_date, amount_due_cents, minimum_due_cents, created_at, updated_at) \
         SELECT id, '{invoice}', '2026-11-01', '2026-11-30', {due_cents}, 0, 0, 0 FROM accounts WHERE account_number = '{number}'"
    );
    support::execute(&t.db, &sql).await.unwrap();
    support::count(
        &t.db,
        &format!("SELECT id FROM bills WHERE invoice_number = '{invoice}'"),
    )
    .await
    .to_string()
}

async fn a_payment_toward_a_bill_is_prefilled_and_counts_as_paid(t: &TestDb) {
    let (s, c) = signed_in(t).await;
    let bill = add_bill(t, "100003", "INV-77", 12_050).await;
    let ctx: serde_json::Value = call(
        &c,
        &s,
        "load_pay_context",
        &[("account", "100003"), ("bill", &bill)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (
            ctx["bill"]["invoice_number"].as_str(),
            ctx["bill"]["amount_due"].as_i64(),
            ctx["bill"]["paid"].as_i64()
        ),
        (Some("INV-77"), Some(12_050), Some(0))
    );

    let mut form = card_form("100003", "20.50", "4242424242424242");
    form.push(("form[bill]", &bill));
    let sealed = confirm(&c, &s, &form).await;
    let review: serde_json::Value = call(&c, &s, "review_payment", &[("r", &sealed)])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        review["invoice"].as_str().unwrap().starts_with("INV-77"),
        "{review}"
    );
    assert!(
        review["form_values"]
            .to_string()
            .contains(&format!("[\"bill\",\"{bill}\"]")),
        "Back keeps the bill: {review}"
    );
    let reference: String = call(&c, &s, "make_payment", &[("r", &sealed)])
        .await
        .json()
        .await
        .unwrap();
    let stored = app::domain::payment::Reference::parse(&reference).unwrap();
    let on_bill = support::count(
        &t.db,
        &format!(
            "SELECT bill_id FROM payments WHERE reference = '{}'",
            stored.as_str()
        ),
    )
    .await;
    assert_eq!(on_bill.to_string(), bill);
    let b: serde_json::Value = call(&c, &s, "load_bill", &[("id", &bill)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        b["paid"].as_i64(),
        Some(2_050),
        "the invoice shows what was paid: {b}"
    );

    // Another account's bill, and a bill made inactive, take no payment.
    let other = add_bill(t, "100004", "INV-78", 5_000).await;
    let r = call(
        &c,
        &s,
        "load_pay_context",
        &[("account", "100003"), ("bill", &other)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut wrong = card_form("100003", "1.00", "4242424242424242");
    wrong.push(("form[bill]", &other));
    assert_eq!(
        call(&c, &s, "confirm_payment", &wrong).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let sealed = confirm(&c, &s, &form).await;
    support::execute(
        &t.db,
        &format!("UPDATE bills SET active = FALSE WHERE id = {bill}"),
    )
    .await
    .unwrap();
    let r = call(&c, &s, "make_payment", &[("r", &sealed)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("cannot take a payment"));
    assert_eq!(
        support::count(
            &t.db,
            &format!("SELECT COUNT(*) FROM payments WHERE bill_id = {bill}")
        )
        .await,
        1,
        "no second payment toward the inactive bill"
    );
}

on_both_backends!(
    a_payment_toward_a_bill_is_prefilled_and_counts_as_paid,
    a_payment_left_authorizing_by_a_crash_is_finished_once,
    an_enrolled_payers_saved_methods_are_offered_and_only_theirs,
    a_card_payment_is_pending_with_a_ledger_entry_and_a_receipt,
    twenty_identical_submissions_make_exactly_one_payment,
    a_decline_keeps_the_attempt_and_moves_no_money,
    bad_input_is_named_by_field_on_the_server_too,
    ach_numbers_are_encrypted_and_masked,
    settlement_processes_pending_cards_once,
    payer_support_shows_payments_and_finds_them_by_reference,
    no_javascript_flow_redirects_through_each_step,
);
