//! Divisions over HTTP on both backends (issue 16; docs/divisions.md):
//! administrators add and rename them, audited; a biller with one division
//! never sees one named; a CSR limited to Water reaches no Electric
//! account, payment, bill, payer or link by any server function, and is
//! answered as if it didn't exist; the universal file's `division` column
//! puts accounts into divisions, with a line-numbered error for one that
//! doesn't exist.

use crate::reports_api::setup;
use crate::support;
use crate::support::{ADMIN, CSR, TestDb, TestServer, call, json};
use crate::uploads_api::{upload_id, upload_kind};
use reqwest::{Client, StatusCode};

/// Add Division (or Rename, with `id`): the new id.
async fn save_division(c: &Client, s: &TestServer, id: Option<&str>, name: &str) -> String {
    let mut form = vec![("form[name]", name)];
    if let Some(id) = id {
        form.push(("id", id));
    }
    let r = call(c, s, "save_division", &form).await;
    assert_eq!(r.status(), 200, "{name}: {:?}", r.text().await);
    json(r).await.as_i64().unwrap().to_string()
}

/// The JSON answer, whatever its status (a refusal's field errors).
async fn any_json(r: reqwest::Response) -> serde_json::Value {
    r.json().await.unwrap()
}

async fn division_of(t: &TestDb, number: &str) -> i64 {
    support::count(
        &t.db,
        &format!("SELECT division_id FROM accounts WHERE account_number = '{number}'"),
    )
    .await
}

async fn administrators_add_and_rename_divisions(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let csr = support::signed_in(&s, CSR).await;

    // One division: nobody sees it named.
    let detail = json(call(&csr, &s, "load_account", &[("number", "100001")]).await).await;
    assert!(detail["division"].is_null(), "{detail}");
    let mine = json(call(&csr, &s, "my_divisions", &[]).await).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "only the default");

    let water = save_division(&admin, &s, None, "  Water ").await;
    let r = call(&admin, &s, "save_division", &[("form[name]", "WATER")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = any_json(r).await;
    assert_eq!(
        body["Invalid"]["errors"][0]["field"], "name",
        "a name taken whatever its case is refused beside the field: {body}"
    );
    let r = call(&admin, &s, "save_division", &[("form[name]", "   ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    save_division(&admin, &s, Some(&water), "Water & Sewer").await;
    let r = call(
        &admin,
        &s,
        "save_division",
        &[("id", "999"), ("form[name]", "Gas")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let list = json(call(&admin, &s, "load_divisions", &[]).await).await;
    let names: Vec<(&str, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap(), d["accounts"].as_i64().unwrap()))
        .collect();
    let accounts = support::count(&t.db, "SELECT COUNT(*) FROM accounts").await;
    assert_eq!(names, [("Main", accounts), ("Water & Sewer", 0)]);

    // Two divisions: the account page names the account's.
    let detail = json(call(&csr, &s, "load_account", &[("number", "100001")]).await).await;
    assert_eq!(detail["division"], "Main");

    // Audited, the rename with the name before and after.
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'division.renamed' \
             AND before_json = 'Water' AND after_json = 'Water & Sewer'",
        )
        .await,
        1
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'division.added'"
        )
        .await,
        1
    );
    // A CSR neither lists nor adds them.
    assert_eq!(
        call(&csr, &s, "load_divisions", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&csr, &s, "save_division", &[("form[name]", "Parks")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// Water holds 100001; Electric holds 100002, 100041 and 100006 (payer105's
/// only account). The CSR is limited to Water.
async fn water_and_electric(t: &TestDb, s: &TestServer, admin: &Client) -> (String, String) {
    let water = save_division(admin, s, None, "Water").await;
    let electric = save_division(admin, s, None, "Electric").await;
    support::execute(
        &t.db,
        &format!("UPDATE accounts SET division_id = {water} WHERE account_number = '100001'"),
    )
    .await
    .unwrap();
    support::execute(
        &t.db,
        &format!(
            "UPDATE accounts SET division_id = {electric} WHERE account_number IN ('100002', '100041', '100006')"
        ),
    )
    .await
    .unwrap();
    let limit = format!("limit[{water}]");
    let r = call(
        admin,
        s,
        "set_user_divisions",
        &[("login", CSR.0), (limit.as_str(), "on")],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    (water, electric)
}

async fn a_csr_limited_to_a_division_reaches_nothing_of_another(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let (water, electric) = water_and_electric(t, &s, &admin).await;
    // An Electric payment, taken by the administrator (not limited).
    let alex = support::staff(&t.db, ADMIN.0).await;
    let electric_payment = support::pay(&s.state, &alex, "100002", "5.00", None).await;
    let water_payment = support::pay(&s.state, &alex, "100001", "6.00", None).await;
    let electric_bill = crate::payments_api::add_bill(t, "100002", "INV-E1", 1_000).await;
    let water_bill = crate::payments_api::add_bill(t, "100001", "INV-W1", 1_000).await;
    let electric_name = json(call(&admin, &s, "load_account", &[("number", "100002")]).await).await
        ["form"]["last_name"]
        .as_str()
        .unwrap()
        .to_string();

    // Every entitlement that acts on one account, so that only the
    // division can refuse.
    {
        use app::domain::entitlements::Entitlement as E;
        let scoped: Vec<E> = E::ALL
            .iter()
            .copied()
            .filter(|e| e.account_scoped())
            .collect();
        support::set_entitlements(&t.db, CSR.0, &scoped).await;
    }
    let csr = support::signed_in(&s, CSR).await;
    let card = support::card_form("100002", "5.00", "4242 4242 4242 4242");
    let statuses = format!("{electric_payment},{water_payment}");
    // Each server function that names an Electric account, payment, bill,
    // payer or link: the same 404 as for one that doesn't exist.
    let electric_calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("load_account", vec![("number", "100002")]),
        (
            "update_account",
            vec![
                ("form[account_number]", "100002"),
                ("form[first_name]", "X"),
                ("form[last_name]", "Y"),
                ("form[status]", "active"),
            ],
        ),
        (
            "adjust_balance",
            vec![
                ("form[account_number]", "100002"),
                ("form[amount]", "-1.00"),
                ("form[reason]", "goodwill"),
                ("form[key]", "division-key-0123456789"),
            ],
        ),
        ("load_pay_context", vec![("account", "100002")]),
        ("confirm_payment", card.clone()),
        (
            "load_payment_detail",
            vec![("reference", &electric_payment)],
        ),
        (
            "cancel_reverse",
            vec![
                ("form[reference]", &electric_payment),
                ("form[key]", "division-key-0123456789"),
                ("form[action]", "void"),
            ],
        ),
        ("load_bill", vec![("id", &electric_bill)]),
        (
            "update_bill",
            vec![
                ("form[id]", &electric_bill),
                ("form[status]", "unpaid"),
                ("form[state]", "active"),
            ],
        ),
        ("load_setup", vec![("account", "100002")]),
        ("load_payer", vec![("user_id", "payer105")]),
        ("load_enrolled_user", vec![("user_id", "payer105")]),
        (
            "set_payer_locked",
            vec![("user_id", "payer105"), ("locked", "true")],
        ),
        (
            "set_payer_email",
            vec![("user_id", "payer105"), ("email", "new@example.com")],
        ),
        ("reset_payer_password", vec![("user_id", "payer105")]),
        (
            "delete_saved_method",
            vec![("payer", "payer105"), ("method", "1")],
        ),
        ("load_payment_links", vec![("account", "100002")]),
        (
            "send_payment_link",
            vec![
                ("form[account]", "100002"),
                ("form[channel]", "email"),
                ("form[address]", "payer@example.com"),
            ],
        ),
        (
            "revoke_payment_link",
            vec![("account", "100002"), ("link", "1")],
        ),
        ("unlock_one_time", vec![("account", "100002")]),
    ];
    for (name, args) in &electric_calls {
        let r = call(&csr, &s, name, args).await;
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "{name} on Electric: {:?}",
            r.text().await
        );
    }
    // The same calls on Water get past the division check.
    let water_card = support::card_form("100001", "5.00", "4242 4242 4242 4242");
    for (name, args) in [
        ("load_account", vec![("number", "100001")]),
        ("load_pay_context", vec![("account", "100001")]),
        ("confirm_payment", water_card),
        (
            "load_payment_detail",
            vec![("reference", water_payment.as_str())],
        ),
        ("load_bill", vec![("id", water_bill.as_str())]),
        ("load_setup", vec![("account", "100001")]),
        ("load_payment_links", vec![("account", "100001")]),
        ("load_payer", vec![("user_id", "payer1")]),
    ] {
        let r = call(&csr, &s, name, &args).await;
        assert_eq!(r.status(), 200, "{name} on Water: {:?}", r.text().await);
    }

    // Payer Support finds no Electric account, by any search.
    for (by, q) in [
        ("account", "100002"),
        ("reference", electric_payment.as_str()),
        ("invoice", "INV-E1"),
        ("name", electric_name.as_str()),
    ] {
        let found = json(call(&csr, &s, "search_accounts", &[("by", by), ("q", q)]).await).await;
        let numbers: Vec<&str> = found["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["account_number"].as_str().unwrap())
            .collect();
        assert!(
            !numbers
                .iter()
                .any(|n| ["100002", "100041", "100006"].contains(n)),
            "{by} {q}: {numbers:?}"
        );
    }
    let suggested = json(
        call(
            &csr,
            &s,
            "suggest_accounts",
            &[("by", "name"), ("q", &electric_name)],
        )
        .await,
    )
    .await;
    assert!(!suggested.to_string().contains("100002"), "{suggested}");
    // payer1 pays 100001 (Water) and 100002, 100041 (Electric): the CSR
    // sees the Water account only.
    let payer1 = json(call(&csr, &s, "load_payer", &[("user_id", "payer1")]).await).await;
    let accounts: Vec<&str> = payer1["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a[0].as_str().unwrap())
        .collect();
    assert_eq!(accounts, ["100001"]);
    // The Pending refresh says nothing of the Electric payment.
    let st = json(call(&csr, &s, "payment_statuses", &[("refs", &statuses)]).await).await;
    assert_eq!(st.as_array().unwrap().len(), 1, "{st}");
    assert_eq!(st[0][0], water_payment.as_str());

    // Create Account puts the account into one of the CSR's divisions.
    let new = |number: &'static str| {
        vec![
            ("form[account_number]", number),
            ("form[first_name]", "Pat"),
            ("form[last_name]", "Lee"),
        ]
    };
    let mut into_electric = new("200001");
    into_electric.push(("form[division]", electric.as_str()));
    let r = call(&csr, &s, "create_account", &into_electric).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        any_json(r).await["Invalid"]["errors"][0]["field"],
        "division"
    );
    let r = call(&csr, &s, "create_account", &new("200002")).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(division_of(t, "200002").await.to_string(), water);
    // The CSR's divisions list only Water.
    let mine = json(call(&csr, &s, "my_divisions", &[]).await).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["name"], "Water");

    // The administrator, not limited, reaches both; and lifting the limit
    // gives the CSR Electric back at the next request.
    assert_eq!(
        call(&admin, &s, "load_account", &[("number", "100002")])
            .await
            .status(),
        200
    );
    let r = call(&admin, &s, "set_user_divisions", &[("login", CSR.0)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        call(&csr, &s, "load_account", &[("number", "100002")])
            .await
            .status(),
        200
    );
    let lifted = format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'user.divisions' AND object = 'casey' \
         AND before_json = '{{\"divisions\":[{water}]}}' AND after_json = '{{\"divisions\":[]}}'"
    );
    assert_eq!(support::count(&t.db, &lifted).await, 1);
}

async fn limits_are_set_by_an_unlimited_user_admin_and_limited_users_keep_account_work(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let (water, _) = water_and_electric(t, &s, &admin).await;
    // Nobody limits themselves (nor lifts their own limit).
    let own = format!("limit[{water}]");
    let r = call(
        &admin,
        &s,
        "set_user_divisions",
        &[("login", ADMIN.0), (own.as_str(), "on")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A division that doesn't exist changes nothing.
    let r = call(
        &admin,
        &s,
        "set_user_divisions",
        &[("login", CSR.0), ("limit[999]", "on")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "said above the form");
    let kept = support::count(
        &t.db,
        "SELECT COUNT(*) FROM staff_divisions s JOIN staff_users u ON u.id = s.user_id WHERE u.login = 'casey'",
    )
    .await;
    assert_eq!(kept, 1, "the CSR is still limited to Water");

    // A limited user keeps only what acts on one account at a time: even
    // granted User Admin, Uploads and Reports, they get none of them.
    support::set_entitlements(
        &t.db,
        CSR.0,
        &[
            app::domain::entitlements::Entitlement::OnBehalfPayments,
            app::domain::entitlements::Entitlement::UserAdmin,
            app::domain::entitlements::Entitlement::Uploads,
            app::domain::entitlements::Entitlement::Reports,
        ],
    )
    .await;
    let csr = support::signed_in(&s, CSR).await;
    for (name, args) in [
        ("set_user_divisions", vec![("login", ADMIN.0)]),
        ("load_user", vec![("login", ADMIN.0)]),
        ("load_users", vec![]),
        ("load_uploads", vec![]),
    ] {
        assert_eq!(
            call(&csr, &s, name, &args).await.status(),
            StatusCode::FORBIDDEN,
            "{name}"
        );
    }
    let file = "account_number,account_type,first_name,last_name\n300001,I,Ann,Lee\n";
    let r = upload_kind(&csr, &s, "accounts", "a.csv", file.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM uploads").await,
        0
    );
    // What they keep still works, on their division.
    assert_eq!(
        call(&csr, &s, "load_pay_context", &[("account", "100001")])
            .await
            .status(),
        200
    );
    // The browser gets the limit with the user, so its menu (which asks
    // the same `can`) hides the rest.
    let me = json(call(&csr, &s, "current_user", &[]).await).await;
    let water: i64 = water.parse().unwrap();
    assert_eq!(
        me["divisions"],
        serde_json::json!({ "Only": [water] }),
        "{me}"
    );
}

async fn the_universal_file_puts_accounts_into_divisions(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let water = save_division(&admin, &s, None, "Water").await;
    let electric = save_division(&admin, &s, None, "Electric").await;
    support::execute(
        &t.db,
        &format!("UPDATE accounts SET division_id = {electric} WHERE account_number = '100003'"),
    )
    .await
    .unwrap();
    let file = "account_number,account_type,first_name,last_name,division\n\
        300001,I,Ann,Lee,water\n\
        100001,I,Bo,Moved,Electric\n\
        100003,I,Cy,Kept,\n\
        300002,I,Di,Nowhere,Gas\n\
        300003,I,Ed,Plain,\n";
    let id = upload_id(&upload_kind(&admin, &s, "accounts", "d.csv", file.as_bytes()).await);
    let preview = json(call(&admin, &s, "load_upload", &[("id", &id)]).await).await;
    let errors: Vec<(i64, &str)> = preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, [(5, "division")], "{preview}");
    assert!(
        preview["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("Gas")
    );
    let r = call(&admin, &s, "commit_upload", &[("id", &id)]).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        division_of(t, "300001").await.to_string(),
        water,
        "by name, any case"
    );
    assert_eq!(
        division_of(t, "100001").await.to_string(),
        electric,
        "moved"
    );
    assert_eq!(division_of(t, "100003").await.to_string(), electric, "kept");
    assert_eq!(
        division_of(t, "300003").await,
        1,
        "a new account without one: the default"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE account_number = '300002'"
        )
        .await,
        0
    );
}

on_both_backends!(
    administrators_add_and_rename_divisions,
    a_csr_limited_to_a_division_reaches_nothing_of_another,
    limits_are_set_by_an_unlimited_user_admin_and_limited_users_keep_account_work,
    the_universal_file_puts_accounts_into_divisions,
);
