//! Create Account, the account page's edits and Adjust Balance over real
//! HTTP, on both backends.

use crate::support;
use crate::support::balance;
use crate::support::{call, field_error, signed_in};

use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use support::{ADMIN, CSR, TestDb};

async fn accounts_are_created_and_edited_and_inactive_ones_take_no_payments(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let csr = signed_in(&s, CSR).await;

    // Create Account: an individual needs both names; a business a company.
    let r = call(
        &csr,
        &s,
        "create_account",
        &[
            ("form[account_number]", "200001"),
            ("form[first_name]", "Pat"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_error(r, "last_name").await.as_deref(),
        Some("Enter the last name.")
    );
    let biz = [
        ("form[account_number]", "200001"),
        ("form[business]", "on"),
        ("form[company_name]", "Acme Water"),
        ("form[email]", "ap@acme.example"),
    ];
    assert_eq!(call(&csr, &s, "create_account", &biz).await.status(), 200);
    let again = call(&csr, &s, "create_account", &biz).await;
    assert_eq!(
        field_error(again, "account_number").await.as_deref(),
        Some("Account 200001 already exists.")
    );
    let a = t.db.account_by_number("200001").await.unwrap().unwrap();
    assert_eq!(
        (
            a.account_type.as_str(),
            a.company_name.as_deref(),
            a.first_name,
            a.balance_cents,
            a.status.as_str()
        ),
        ("B", Some("Acme Water"), None, 0, "active")
    );

    // The account page, then an edit to an individual.
    let detail: serde_json::Value = call(&csr, &s, "load_account", &[("number", "200001")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["form"]["company_name"], "Acme Water");
    assert!(
        detail["adjust_key"].is_null(),
        "a CSR has no balance adjustments by default"
    );
    let edit = [
        ("form[account_number]", "200001"),
        ("form[first_name]", "Pat"),
        ("form[last_name]", "Lee"),
        ("form[email]", ""),
        ("form[status]", "active"),
    ];
    assert_eq!(call(&csr, &s, "update_account", &edit).await.status(), 200);
    let a = t.db.account_by_number("200001").await.unwrap().unwrap();
    assert_eq!(
        (
            a.account_type.as_str(),
            a.first_name.as_deref(),
            a.company_name,
            a.email
        ),
        ("I", Some("Pat"), None, None)
    );

    // Inactive with a scheduled payment: first a warning, then both happen.
    let casey = support::staff(&t.db, CSR.0).await;
    let date = support::next_month(&s.state);
    let scheduled = support::pay_on(&s.state, &casey, "200001", "15.00", None, Some(&date)).await;
    let inactive = [
        ("form[account_number]", "200001"),
        ("form[first_name]", "Pat"),
        ("form[last_name]", "Lee"),
        ("form[status]", "inactive"),
    ];
    let r = call(&csr, &s, "update_account", &inactive).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_error(r, "confirm")
            .await
            .unwrap()
            .contains("1 scheduled payment(s)")
    );
    assert_eq!(
        t.db.account_by_number("200001")
            .await
            .unwrap()
            .unwrap()
            .status,
        "active",
        "nothing changed yet"
    );
    let mut confirmed = inactive.to_vec();
    confirmed.push(("form[confirm]", "yes"));
    let r = call(&csr, &s, "update_account", &confirmed).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("1 scheduled payment(s) were cancelled")
    );
    let p =
        t.db.payment_by_reference(
            app::domain::payment::Reference::parse(&scheduled)
                .unwrap()
                .as_str(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, "cancelled");
    let r = call(&csr, &s, "load_pay_context", &[("account", "200001")]).await;
    assert!(
        r.text().await.unwrap().contains("This account is inactive"),
        "no new payments"
    );
    assert!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('account.create', 'account.update')"
        )
        .await
            >= 3
    );
    support::no_breaches(t).await;
}

async fn balance_adjustments_are_entitled_exact_once_and_in_the_ledger(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let csr = signed_in(&s, CSR).await;
    let admin = signed_in(&s, ADMIN).await;
    let before = balance(t, "100003").await;
    let key = "adjustkey0123456789abcdef";
    let form = |amount: &'static str| {
        vec![
            ("form[account_number]", "100003"),
            ("form[key]", key),
            ("form[amount]", amount),
            ("form[reason]", "Late fee waived"),
        ]
    };
    assert_eq!(
        call(&csr, &s, "adjust_balance", &form("-12.50"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = call(&admin, &s, "adjust_balance", &form("-12.505")).await;
    assert!(field_error(r, "amount").await.is_some(), "never rounded");
    let f = form("-12.50");
    let (a, b) = tokio::join!(
        call(&admin, &s, "adjust_balance", &f),
        call(&admin, &s, "adjust_balance", &f)
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        balance(t, "100003").await,
        before - 1250,
        "a double click adjusts once"
    );
    let detail: serde_json::Value = call(&admin, &s, "load_account", &[("number", "100003")])
        .await
        .json()
        .await
        .unwrap();
    let line = &detail["history"][0];
    assert_eq!(
        (
            line["what"].as_str(),
            line["change"].as_i64(),
            line["memo"].as_str(),
            line["by"].as_str()
        ),
        (
            Some("Balance adjustment"),
            Some(-1250),
            Some("Late fee waived"),
            Some("alex")
        )
    );
    assert!(
        detail["adjust_key"].as_str().is_some_and(|k| k != key),
        "a fresh key for the next one"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'account.adjust_balance'"
        )
        .await,
        1
    );
    support::no_breaches(t).await;
}

/// Name and email searches match the start of what is typed, ignoring
/// case, and suggest while typing.
async fn payer_support_finds_accounts_by_name_and_email(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let csr = signed_in(&s, CSR).await;
    for (number, business, first, last, company, email) in [
        ("500001", false, "Ann", "Leeds", "", "ann.leeds@example.com"),
        ("500002", false, "Bob", "Lee", "", "bob@lee.example"),
        (
            "500003",
            true,
            "",
            "",
            "Leeward Water Co",
            "ap@leeward.example",
        ),
        ("500004", false, "Annie", "Zhou", "", "annie@example.com"),
        ("500005", false, "Carl", "Smith", "", "LEE.carl@example.com"),
    ] {
        let mut form = vec![
            ("form[account_number]", number),
            ("form[first_name]", first),
            ("form[last_name]", last),
            ("form[company_name]", company),
            ("form[email]", email),
        ];
        if business {
            form.push(("form[business]", "on"));
        }
        assert_eq!(
            call(&csr, &s, "create_account", &form).await.status(),
            200,
            "{number}"
        );
    }
    let found = |by: &'static str, q: &'static str| {
        let (csr, base) = (csr.clone(), s.base.clone());
        async move {
            let r = csr
                .post(format!("{base}/api/search_accounts"))
                .header(ACCEPT, "application/json")
                .form(&[("by", by), ("q", q)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{by} {q}");
            let v: serde_json::Value = r.json().await.unwrap();
            v["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["account_number"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        found("name", "lee").await,
        ["500002", "500001", "500003"],
        "last names and companies, by name"
    );
    assert_eq!(
        found("name", "LEE").await,
        ["500002", "500001", "500003"],
        "case does not matter"
    );
    assert_eq!(
        found("name", "ann").await,
        ["500001", "500004"],
        "first names too"
    );
    assert_eq!(
        found("name", "ann lee").await,
        ["500001"],
        "first and last name"
    );
    assert_eq!(
        found("name", "leeward w").await,
        ["500003"],
        "a company name with a space"
    );
    assert_eq!(
        found("email", "lee").await,
        ["500005"],
        "the start of an email, any case"
    );
    assert_eq!(found("email", "bob@").await, ["500002"]);
    assert!(found("name", "nobody").await.is_empty());
    let short = call(&csr, &s, "search_accounts", &[("by", "name"), ("q", "l")]).await;
    assert_eq!(
        field_error(short, "q").await.as_deref(),
        Some("Type at least 2 letters of the name.")
    );

    let suggest: serde_json::Value =
        call(&csr, &s, "suggest_accounts", &[("by", "name"), ("q", "le")])
            .await
            .json()
            .await
            .unwrap();
    let names: Vec<&str> = suggest
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bob Lee", "Ann Leeds", "Leeward Water Co"]);
    let none: serde_json::Value = call(
        &csr,
        &s,
        "suggest_accounts",
        &[("by", "account"), ("q", "5000")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        none,
        serde_json::json!([]),
        "account numbers are exact: no suggestions"
    );
}

async fn payer_support_finds_accounts_by_the_last_4_digits_of_a_card_or_bank_account(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    // The full demo: payer1 (accounts 100001 and 100002) saved a Visa 4242 and a checking account 6789.
    app::services::demo::load(&t.db, false, Some(&s.state.payments()))
        .await
        .unwrap();
    let casey = support::staff(&t.db, CSR.0).await;
    support::pay(&s.state, &casey, "100005", "5.00", Some("000111222333")).await;
    let csr = signed_in(&s, CSR).await;
    let found = |q: &'static str| {
        let (csr, s) = (csr.clone(), &s);
        async move {
            let v: serde_json::Value =
                call(&csr, s, "search_accounts", &[("by", "last4"), ("q", q)])
                    .await
                    .json()
                    .await
                    .unwrap();
            v["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["account_number"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let visa = found("4242").await;
    assert!(
        visa.contains(&"100001".to_string()) && visa.contains(&"100002".to_string()),
        "a saved card's accounts: {visa:?}"
    );
    assert_eq!(
        found(" 2333 ").await,
        ["100005"],
        "a bank account a payment was taken from"
    );
    assert!(found("9999").await.is_empty());
    let r = call(&csr, &s, "search_accounts", &[("by", "last4"), ("q", "42")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_error(r, "q").await.as_deref(),
        Some("Enter the last 4 digits of the card or bank account.")
    );
}

on_both_backends!(
    payer_support_finds_accounts_by_the_last_4_digits_of_a_card_or_bank_account,
    payer_support_finds_accounts_by_name_and_email,
    accounts_are_created_and_edited_and_inactive_ones_take_no_payments,
    balance_adjustments_are_entitled_exact_once_and_in_the_ledger,
);
