//! Convenience fees over HTTP on both backends (issue 16; docs/fees.md):
//! administrators set the rule per method, audited and version-guarded; a
//! payment is charged its fee in the same authorization, as fee income
//! and never as a move of the balance; a Void or Full Reversal gives the
//! fee back, a partial refund only when the biller says so; settlement
//! and the NACHA file carry amount and fee, a return takes both back, and
//! `paydesk check`, Payment History and Reconciliation agree throughout.

use crate::reports_api::{report, setup, today};
use crate::support;
use crate::support::balance;
use crate::support::{call, cancel_reverse};

use reqwest::StatusCode;
use support::{CSR, TestDb};

/// The Convenience Fees form: card 0.50 + 2.95% at most 25.00, bank 1.25.
fn fees_form<'a>(version: &'a str, partial_returns_fee: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("version", version),
        ("form[card_flat]", "0.50"),
        ("form[card_percent]", "2.95"),
        ("form[card_min]", ""),
        ("form[card_max]", "25.00"),
        ("form[ach_flat]", "1.25"),
        ("form[ach_percent]", ""),
        ("form[ach_min]", ""),
        ("form[ach_max]", ""),
        ("form[partial_refund_returns_fee]", partial_returns_fee),
    ]
}

/// Confirm and Make Payment over HTTP, as the page posts them (the
/// receipt then goes out at once): a card payment; its Reference Number.
async fn pay_by_card(
    c: &reqwest::Client,
    s: &support::TestServer,
    account: &str,
    amount: &str,
) -> String {
    let r = call(
        c,
        s,
        "confirm_payment",
        &support::card_form(account, amount, "4242424242424242"),
    )
    .await;
    let sealed: String = support::json(r).await.as_str().unwrap().to_string();
    let r = call(c, s, "make_payment", &[("r", &sealed)]).await;
    support::json(r).await.as_str().unwrap().to_string()
}

async fn administrators_set_the_fees_and_payments_are_charged_them(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let csr = support::signed_in(&s, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;

    // None until saved; a CSR may neither read nor change them.
    let none: serde_json::Value = support::json(call(&admin, &s, "load_fees", &[]).await).await;
    assert_eq!(none["version"], 0);
    assert_eq!(
        call(&csr, &s, "load_fees", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&csr, &s, "save_fees", &fees_form("0", ""))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // A payment before any fee is saved pays none.
    let plain = support::pay(&s.state, &casey, "100001", "10.00", None).await;
    assert_eq!(support::payment_row(t, &plain).await.fee_cents, 0);

    // Every field checked and named; nothing rounded.
    let mut bad = fees_form("0", "");
    bad[2] = ("form[card_percent]", "2.955");
    bad[5] = ("form[ach_flat]", "-1");
    let r = call(&admin, &s, "save_fees", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(support::error_fields(r).await, ["card_percent", "ach_flat"]);

    let r = call(&admin, &s, "save_fees", &fees_form("0", "")).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // Saved over a copy older than the one in force: refused, not merged.
    let r = call(&admin, &s, "save_fees", &fees_form("0", "on")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let saved: serde_json::Value = support::json(call(&admin, &s, "load_fees", &[]).await).await;
    assert_eq!(saved["version"], 1);
    // A payment link's page has them, to show the fee as the payer types.
    let token = support::send_link_by_email(&csr, &s, "100003", "pat@example.com", 1).await;
    let page =
        support::json(call(&support::client(), &s, "p_link_page", &[("token", &token)]).await)
            .await;
    assert_eq!(page["fees"]["card"]["rate_bp"], 295);
    assert_eq!(saved["card"]["rate_bp"], 295);
    assert_eq!(saved["partial_refund_returns_fee"], false);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'fees.saved' AND actor_login = 'alex' \
             AND before_json LIKE '%\"version\":0%' AND after_json LIKE '%\"rate_bp\":295%'"
        )
        .await,
        1
    );

    // A card payment of $100.00: the fee is 0.50 + 2.95% = $3.45. The
    // balance moves by the amount alone; the fee is income; card clearing
    // holds both, as the one authorization took both.
    let before = balance(t, "100003").await;
    let card = pay_by_card(&csr, &s, "100003", "100.00").await;
    let p = support::payment_row(t, &card).await;
    assert_eq!(
        (p.amount_cents, p.fee_cents, p.status.as_str()),
        (10_000, 345, "pending")
    );
    assert_eq!(balance(t, "100003").await, before - 10_000);
    assert_eq!(support::income(t, p.id, "fee_income").await, 345);
    assert_eq!(
        support::count(
            &t.db,
            &format!("SELECT CAST(SUM(amount_cents) AS BIGINT) FROM journal WHERE payment_id = {} AND debit_book = 'card_clearing'", p.id)
        )
        .await,
        10_345
    );
    support::no_breaches(t).await;
    // The receipt shows the fee and the total; so does the payment page.
    let mail = support::wait_for_mail(&s.data_dir.path().join("outbox"), "Fee Amount:", 1).await;
    assert!(mail.contains("Fee Amount:       $3.45"), "{mail}");
    assert!(mail.contains("Total:            $103.45"), "{mail}");
    let detail =
        support::json(call(&csr, &s, "load_payment_detail", &[("reference", &card)]).await).await;
    assert_eq!(detail["summary"]["fee"], 345);
    assert_eq!(detail["cancel_reverse"]["fee_left"], 345);

    // A partial refund keeps the fee (the setting is off) ...
    let r = cancel_reverse(
        &csr,
        &s,
        &card,
        "test-key-fee-0001",
        "partial_refund",
        "10.00",
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let p = support::payment_row(t, &card).await;
    assert_eq!((p.refunded_cents, p.fee_refunded_cents), (1_000, 0));
    assert_eq!(support::income(t, p.id, "fee_income").await, 345);
    // ... settlement captures what is left of both ...
    support::settle(&s).await;
    let p = support::payment_row(t, &card).await;
    assert_eq!(p.status, "processed");
    assert_eq!(
        support::count(
            &t.db,
            &format!("SELECT captured_cents FROM payments WHERE id = {}", p.id)
        )
        .await,
        9_000 + 345
    );
    // ... and a Full Reversal gives back the rest and the fee.
    let r = cancel_reverse(&csr, &s, &card, "test-key-fee-0002", "full_reversal", "").await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let p = support::payment_row(t, &card).await;
    assert_eq!((p.refunded_cents, p.fee_refunded_cents), (10_000, 345));
    assert_eq!(support::income(t, p.id, "fee_income").await, 0);
    assert_eq!(
        balance(t, "100003").await,
        before,
        "owed again, the fee no part of it"
    );
    let history =
        support::json(call(&csr, &s, "load_payment_detail", &[("reference", &card)]).await).await;
    assert!(
        history["history"]
            .to_string()
            .contains("Full Reversal of $90.00 and the $3.45 fee"),
        "{}",
        history["history"]
    );
    support::no_breaches(t).await;

    // A bank payment: $1.25. A Void gives all of it back.
    let voided = support::pay(&s.state, &casey, "100004", "40.00", Some("123456789")).await;
    let p = support::payment_row(t, &voided).await;
    assert_eq!(p.fee_cents, 125);
    let r = cancel_reverse(&csr, &s, &voided, "test-key-fee-0003", "void", "").await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let p = support::payment_row(t, &voided).await;
    assert_eq!(
        (p.status.as_str(), p.fee_refunded_cents),
        ("cancelled", 125)
    );
    assert_eq!(support::income(t, p.id, "fee_income").await, 0);

    // Sent in a NACHA file, a debit is for the amount and the fee; its
    // return (the sandbox bank returns accounts ending 0001) takes both back.
    let before = balance(t, "100006").await;
    let returned = support::pay(&s.state, &casey, "100006", "60.00", Some("9870001")).await;
    let run = support::settle(&s).await.run.expect("a run");
    let file = run.file.expect("an ACH file");
    assert_eq!(file.debit_total_cents, 6_125);
    support::settle(&s).await;
    let p = support::payment_row(t, &returned).await;
    assert_eq!(p.status, "failed");
    assert_eq!(support::income(t, p.id, "fee_income").await, 0);
    assert_eq!(balance(t, "100006").await, before);
    support::no_breaches(t).await;

    // With the setting on, a partial refund gives the whole fee back, once.
    let r = call(&admin, &s, "save_fees", &fees_form("1", "on")).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let partial = support::pay(&s.state, &casey, "100005", "20.00", None).await;
    let p = support::payment_row(t, &partial).await;
    assert_eq!(p.fee_cents, 109, "0.50 + 2.95% of 20.00");
    for (n, amount) in [(4, "5.00"), (5, "5.00")] {
        let key = format!("test-key-fee-000{n}");
        let r = cancel_reverse(&csr, &s, &partial, &key, "partial_refund", amount).await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    }
    let p = support::payment_row(t, &partial).await;
    assert_eq!((p.refunded_cents, p.fee_refunded_cents), (1_000, 109));
    support::no_breaches(t).await;

    // Payment History's Fee Amount; Reconciliation still balances with
    // the fees in its bank lines.
    support::settle(&s).await;
    let day = today(&s);
    let range = [("from", day.as_str()), ("to", day.as_str())];
    let (st, page) = report(&admin, &s, "payment-history", &range).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.to_string().contains("$3.45"), "{page}");
    let (st, page) = report(&admin, &s, "reconciliation", &[("date", &day)]).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["verdict"]["ok"], true, "{}", page["verdict"]);
    support::no_breaches(t).await;
}

/// The two-person threshold counts the fee: a refund of $495 with its
/// $15 fee goes past $500 and waits, though the amount alone would not.
async fn the_approval_threshold_counts_the_fee(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let csr = support::signed_in(&s, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let mut form = fees_form("0", "");
    form[1] = ("form[card_flat]", "15.00");
    form[2] = ("form[card_percent]", "");
    let r = call(&admin, &s, "save_fees", &form).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let card = support::pay(&s.state, &casey, "100003", "495.00", None).await;
    let r = cancel_reverse(&csr, &s, &card, "test-key-fee-0010", "full_reversal", "").await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let p = support::payment_row(t, &card).await;
    assert_eq!(
        (p.status.as_str(), p.refunded_cents),
        ("pending", 0),
        "waiting"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM refund_approvals WHERE status = 'awaiting'"
        )
        .await,
        1
    );
    // Approvals and the payment's page say the fee goes back with it.
    let waiting = support::json(call(&admin, &s, "load_approvals", &[]).await).await;
    assert_eq!(
        (waiting[0]["amount"].as_i64(), waiting[0]["fee"].as_i64()),
        (Some(49_500), Some(1_500))
    );
    let detail =
        support::json(call(&csr, &s, "load_payment_detail", &[("reference", &card)]).await).await;
    assert_eq!(detail["awaiting_approval"]["fee"], 1_500);
}

on_both_backends!(
    administrators_set_the_fees_and_payments_are_charged_them,
    the_approval_threshold_counts_the_fee
);
