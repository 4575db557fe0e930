//! Category payments over HTTP on both backends (issue 16, help center C2;
//! docs/categories.md): Make Payment offers the biller's lines; a Required
//! one is paid whatever the form says; the amount is the lines' total; the
//! lines are copied onto the payment, so a category deleted later leaves
//! them as they were; Impact Balance lines move the balance and the others
//! are category income; a refund gives back the balance's part first; the
//! receipt lists the lines; `paydesk check` and Reconciliation agree.

use crate::reports_api::{report, setup, today};
use crate::support;
use crate::support::{balance, call, cancel_reverse, json};

use reqwest::StatusCode;
use support::{CSR, TestDb};

/// A parking permit every payment pays ($25.00, category income).
const PERMIT: [(&str, &str); 5] = [
    ("form[description]", "Parking permit"),
    ("form[charge_code]", "PERMIT"),
    ("form[amount]", "25.00"),
    ("form[quantity]", "1"),
    ("form[required]", "on"),
];

/// Adds a line on Manage Category; its id.
async fn add_line(
    admin: &reqwest::Client,
    s: &support::TestServer,
    form: &[(&'static str, &str)],
) -> String {
    let r = call(admin, s, "save_category", form).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    json(r)
        .await
        .as_i64()
        .expect("the new line's id")
        .to_string()
}

async fn a_category_payment_pays_its_lines_into_the_right_books(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let csr = support::signed_in(&s, CSR).await;
    // A permit everyone pays ($25.00, income), the water bill (any amount,
    // on the balance) and dog tags ($15.00 each, up to 3, income).
    let permit = add_line(&admin, &s, &PERMIT).await;
    let water = add_line(
        &admin,
        &s,
        &[
            ("form[description]", "Water bill"),
            ("form[charge_code]", "WATER"),
            ("form[amount]", "0.00"),
            ("form[quantity]", "1"),
            ("form[amount_editable]", "on"),
            ("form[impact_balance]", "on"),
        ],
    )
    .await;
    let tags = add_line(
        &admin,
        &s,
        &[
            ("form[description]", "Dog tag"),
            ("form[charge_code]", "TAG"),
            ("form[amount]", "15.00"),
            ("form[quantity]", "3"),
            ("form[show_quantity]", "on"),
        ],
    )
    .await;

    let ctx = json(call(&csr, &s, "load_pay_context", &[("account", "100003")]).await).await;
    let mut offered: Vec<&str> = ctx["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["charge_code"].as_str().unwrap())
        .collect();
    offered.sort();
    assert_eq!(offered, ["PERMIT", "TAG", "WATER"]);

    // The form as the page posts it: the permit's box is disabled (not
    // sent), water and two tags ticked, and an amount typed that the lines
    // replace.
    let form = |tag_quantity: &'static str| {
        let mut f = support::card_form("100003", "1.00", "4242424242424242");
        f.extend([
            ("form[lines][0][category_id]", permit.as_str()),
            ("form[lines][1][category_id]", water.as_str()),
            ("form[lines][1][checked]", "true"),
            ("form[lines][1][amount]", "60.00"),
            ("form[lines][2][category_id]", tags.as_str()),
            ("form[lines][2][checked]", "true"),
            ("form[lines][2][quantity]", tag_quantity),
        ]);
        f
    };
    // Four tags are more than the line allows: named by the line's field,
    // what was typed kept.
    let r = call(&csr, &s, "confirm_payment", &form("4")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = r.text().await.unwrap();
    assert!(refused.contains(&format!("qty_{tags}")), "{refused}");
    assert!(
        refused.contains("Enter a whole number from 1 to 3."),
        "{refused}"
    );

    let r = call(&csr, &s, "confirm_payment", &form("2")).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let sealed = json(r).await.as_str().unwrap().to_string();
    let review = json(call(&csr, &s, "review_payment", &[("r", &sealed)]).await).await;
    assert_eq!(review["amount"], 11_500, "25.00 + 60.00 + 2 × 15.00");
    let mut lines: Vec<(String, i64)> = review["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["charge_code"].as_str().unwrap().to_string(),
                l["total"].as_i64().unwrap(),
            )
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            ("PERMIT".to_string(), 2_500),
            ("TAG".to_string(), 3_000),
            ("WATER".to_string(), 6_000)
        ]
    );

    let before = balance(t, "100003").await;
    let r = call(&csr, &s, "make_payment", &[("r", &sealed)]).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let reference = json(r).await.as_str().unwrap().to_string();
    let p = support::payment_row(t, &reference).await;
    assert_eq!(
        (p.amount_cents, p.category_income_cents, p.status.as_str()),
        (11_500, 5_500, "pending")
    );
    // Only the water bill moves the balance; the rest is category income.
    assert_eq!(balance(t, "100003").await, before - 6_000);
    assert_eq!(support::income(t, p.id, "category_income").await, 5_500);
    support::no_breaches(t).await;

    // The receipt lists the lines.
    let mail = support::wait_for_mail(&s.data_dir.path().join("outbox"), "Paid for:", 1).await;
    assert!(mail.contains("Dog tag (TAG)  2 x $15.00  $30.00"), "{mail}");

    // Deleting a category leaves the payment's lines as they were.
    let list = json(call(&admin, &s, "load_categories", &[]).await).await;
    let tag_version = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["charge_code"] == "TAG")
        .unwrap()["version"]
        .to_string();
    let r = call(
        &admin,
        &s,
        "delete_category",
        &[("id", tags.as_str()), ("version", tag_version.as_str())],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let detail = json(
        call(
            &csr,
            &s,
            "load_payment_detail",
            &[("reference", &reference)],
        )
        .await,
    )
    .await;
    let kept = detail["lines"].as_array().unwrap();
    assert_eq!(kept.len(), 3);
    assert!(
        kept.iter()
            .any(|l| l["description"] == "Dog tag" && l["quantity"] == 2),
        "{kept:?}"
    );
    assert_eq!(detail["summary"]["income"], 5_500);

    // Settled, then $70.00 back: the $60.00 on the balance first, then
    // $10.00 of category income.
    support::settle(&s).await;
    let r = cancel_reverse(
        &csr,
        &s,
        &reference,
        "test-key-cat-0001",
        "partial_refund",
        "70.00",
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let p = support::payment_row(t, &reference).await;
    assert_eq!(
        (p.refunded_cents, p.category_income_refunded_cents),
        (7_000, 1_000)
    );
    assert_eq!(balance(t, "100003").await, before);
    assert_eq!(support::income(t, p.id, "category_income").await, 4_500);
    support::no_breaches(t).await;
    // A Full Reversal gives back the rest, all of it income.
    let r = cancel_reverse(
        &csr,
        &s,
        &reference,
        "test-key-cat-0002",
        "full_reversal",
        "",
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let p = support::payment_row(t, &reference).await;
    assert_eq!(p.category_income_refunded_cents, 5_500);
    assert_eq!(support::income(t, p.id, "category_income").await, 0);
    assert_eq!(balance(t, "100003").await, before);
    support::no_breaches(t).await;

    // With no line ticked but the Required one, the permit alone is paid.
    let mut permit_only = support::card_form("100004", "", "4242424242424242");
    permit_only.push(("form[lines][0][category_id]", permit.as_str()));
    let r = call(&csr, &s, "confirm_payment", &permit_only).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let sealed = json(r).await.as_str().unwrap().to_string();
    let before = balance(t, "100004").await;
    let r = call(&csr, &s, "make_payment", &[("r", &sealed)]).await;
    let income_only = json(r).await.as_str().unwrap().to_string();
    let p = support::payment_row(t, &income_only).await;
    assert_eq!((p.amount_cents, p.category_income_cents), (2_500, 2_500));
    assert_eq!(balance(t, "100004").await, before, "no move of the balance");
    support::no_breaches(t).await;
    support::settle(&s).await;
    let r = cancel_reverse(
        &csr,
        &s,
        &income_only,
        "test-key-cat-0003",
        "partial_refund",
        "5.00",
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(support::income(t, p.id, "category_income").await, 2_000);

    // Reconciliation counts each refund once, though some have a balance
    // line and an income line.
    let day = today(&s);
    let (st, page) = report(&admin, &s, "reconciliation", &[("date", &day)]).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["verdict"]["ok"], true, "{}", page["verdict"]);
    support::no_breaches(t).await;
}

/// A payment toward a bill pays an amount, not lines (so do payment links
/// and the payer site, which never read them).
async fn a_payment_toward_a_bill_pays_no_lines(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let csr = support::signed_in(&s, CSR).await;
    let permit = add_line(&admin, &s, &PERMIT).await;
    let bill = crate::payments_api::add_bill(t, "100001", "INV-5", 4_000).await;
    let ctx = json(
        call(
            &csr,
            &s,
            "load_pay_context",
            &[("account", "100001"), ("bill", bill.as_str())],
        )
        .await,
    )
    .await;
    assert_eq!(ctx["categories"], serde_json::json!([]));
    // Toward the bill, lines posted anyway are not read: the amount typed
    // is paid, on the balance.
    let mut form = support::card_form("100001", "40.00", "4242424242424242");
    form.extend([
        ("form[bill]", bill.as_str()),
        ("form[lines][0][category_id]", permit.as_str()),
        ("form[lines][0][checked]", "true"),
    ]);
    let r = call(&csr, &s, "confirm_payment", &form).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let sealed = json(r).await.as_str().unwrap().to_string();
    let review = json(call(&csr, &s, "review_payment", &[("r", &sealed)]).await).await;
    assert_eq!(review["amount"], 4_000);
    assert_eq!(review["lines"], serde_json::json!([]));
}

on_both_backends!(
    a_category_payment_pays_its_lines_into_the_right_books,
    a_payment_toward_a_bill_pays_no_lines
);
