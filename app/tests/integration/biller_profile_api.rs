//! The biller's Profile over HTTP on both backends: administrators only,
//! every field checked, the whole Profile audited before and after, and
//! what it says reaches the payer site's Customer Service, a payment
//! link's page and the payer's receipt.

use crate::support;
use crate::support::call;

use reqwest::StatusCode;
use support::{ADMIN, CSR, TestDb};

fn profile_form<'a>(name: &'a str, phone: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("form[biller_name]", name),
        ("form[payer_login_url]", "https://pay.lakeside.example/p"),
        ("form[biller_dnis]", ""),
        ("form[contact_info]", "Jo Clerk, finance office"),
        ("form[support_email]", "help@lakeside.example"),
        ("form[support_phone]", phone),
        ("form[address]", "1 Main St\nLakeside, ME 04000"),
    ]
}

async fn administrators_keep_the_profile_and_payers_see_it(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let admin = support::signed_in(&s, ADMIN).await;
    let csr = support::signed_in(&s, CSR).await;

    // Before any save: the configuration's name, a key made from it.
    let first: serde_json::Value = call(&admin, &s, "load_biller_profile", &[])
        .await
        .json()
        .await
        .unwrap();
    let key = first["biller_key"].as_str().unwrap().to_string();
    assert!(!key.is_empty());
    assert_eq!(first["biller_name"], s.state.config.mail.biller_name);

    // A CSR has no Profile by default.
    assert_eq!(
        call(
            &csr,
            &s,
            "save_biller_profile",
            &profile_form("Town of Lakeside", "800-555-0147")
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    // Every field checked, named beside it.
    let bad = call(&admin, &s, "save_biller_profile", &profile_form(" ", "12")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("biller_name") && body.contains("support_phone"),
        "{body}"
    );

    let r = call(
        &admin,
        &s,
        "save_biller_profile",
        &profile_form("Town of Lakeside", "(800) 555 0147"),
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let saved: serde_json::Value = call(&admin, &s, "load_biller_profile", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["biller_key"], key, "the key never changes");
    assert_eq!(saved["support_phone"], "800-555-0147");
    // Audited with the whole Profile before and after.
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'biller.profile' AND actor_login = 'alex' \
             AND after_json LIKE '%Town of Lakeside%' AND before_json LIKE '%\"support_phone\":\"\"%'"
        )
        .await,
        1
    );

    // Payers: Customer Service (signed out), a link's page, the receipt.
    let cs: Vec<String> = call(&support::client(), &s, "p_customer_service", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        cs,
        [
            "Town of Lakeside",
            "1 Main St",
            "Lakeside, ME 04000",
            "Phone: 800-555-0147",
            "Email: help@lakeside.example"
        ]
    );
    let token = support::send_link_by_email(&csr, &s, "100003", "pat@example.com", 1).await;
    let page: serde_json::Value = call(&support::client(), &s, "p_link_page", &[("token", &token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["biller"], "Town of Lakeside");
    let mut form = vec![("token", token.as_str())];
    form.extend(support::card_form("100003", "10.00", "4242424242424242"));
    let r = call(&support::client(), &s, "p_link_confirm", &form).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let sealed: String = r.json().await.unwrap();
    let r = call(
        &support::client(),
        &s,
        "p_link_pay",
        &[("token", &token), ("r", &sealed)],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let mail =
        support::wait_for_mail(&s.data_dir.path().join("outbox"), "Payment receipt", 1).await;
    assert!(mail.contains("from Town of Lakeside"), "{mail}");
    assert!(mail.contains("Phone: 800-555-0147"), "{mail}");
}

on_both_backends!(administrators_keep_the_profile_and_payers_see_it);
