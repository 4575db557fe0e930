//! The biller's Profile over HTTP on both backends: administrators only,
//! every field checked, the whole Profile audited before and after, and
//! what it says reaches the payer site's Customer Service, a payment
//! link's page and the payer's receipt; its ACH originator settings reach
//! the next NACHA file.

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
        ("form[ach_company_name]", "Lakeside Water"),
        ("form[ach_company_id]", "1987654321"),
        ("form[ach_odfi_routing]", "011000015"),
        ("form[ach_destination]", "011000015"),
        ("form[ach_destination_name]", "Lakeside Savings Bank"),
        ("form[ach_origin]", "987654321"),
        ("form[ach_origin_name]", "Town of Lakeside"),
    ]
}

/// `profile_form` with one field replaced.
fn with<'a>(
    mut form: Vec<(&'static str, &'a str)>,
    field: &str,
    value: &'a str,
) -> Vec<(&'static str, &'a str)> {
    form.iter_mut()
        .filter(|(k, _)| *k == field)
        .for_each(|(_, v)| *v = value);
    form
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
    // And the configuration's ACH originator, the first-run default.
    assert_eq!(first["ach_company_id"], s.state.config.ach.company_id);
    assert_eq!(first["ach_odfi_routing"], s.state.config.ach.odfi_routing);

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
    // The ACH settings as a NACHA file needs them.
    let form = with(
        profile_form("Town of Lakeside", "800-555-0147"),
        "form[ach_odfi_routing]",
        "011000016",
    );
    let form = with(form, "form[ach_company_id]", "12-3456789");
    let bad = call(&admin, &s, "save_biller_profile", &form).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        support::error_fields(bad).await,
        ["ach_company_id", "ach_odfi_routing"]
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
    assert_eq!(
        saved["ach_origin"], " 987654321",
        "NACHA's space-led origin"
    );
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

    // The next NACHA file comes from the saved originator, not the
    // configuration's.
    let casey = support::staff(&t.db, CSR.0).await;
    support::pay(&s.state, &casey, "100005", "25.00", Some("000444555666")).await;
    let run = support::settle(&s).await.run.expect("a run");
    let file = run.file.expect("an ACH file");
    let text = std::fs::read_to_string(s.data_dir.path().join("ach").join(&file.file_name))
        .expect("the file on disk");
    app::domain::nacha::parse_file(&text).expect("a valid NACHA file");
    let (header, batch) = (&text[..94], text.lines().nth(1).unwrap());
    assert_eq!(&header[3..23], " 011000015 987654321", "{header}");
    assert_eq!(&header[40..63], "LAKESIDE SAVINGS BANK  ", "{header}");
    assert_eq!(&batch[4..20], "LAKESIDE WATER  ", "{batch}");
    assert_eq!(&batch[40..50], "1987654321", "{batch}");
    assert_eq!(&batch[79..87], "01100001", "the ODFI's 8 digits: {batch}");
}

on_both_backends!(administrators_keep_the_profile_and_payers_see_it);
