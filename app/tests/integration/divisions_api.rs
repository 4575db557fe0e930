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

    // Every entitlement a limited user keeps, so that only the
    // division can refuse.
    {
        use app::domain::entitlements::Entitlement as E;
        let scoped: Vec<E> = E::ALL
            .iter()
            .copied()
            .filter(|e| e.division_scoped())
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

    // A limited user keeps only what acts on one account at a time, and
    // Reports (narrowed to their divisions): even granted User Admin and
    // Uploads, they get neither.
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

/// `choose_division` as the selector's form posts it with JavaScript: the
/// status.
async fn choose(c: &Client, s: &TestServer, division: &str) -> StatusCode {
    call(
        c,
        s,
        "choose_division",
        &[("division", division), ("back", "/")],
    )
    .await
    .status()
}

/// Home's figures that add up across divisions: today's payments, the last
/// 30 days', Pending ACH and the bills coming due, as (count, cents) each.
async fn home_figures(c: &Client, s: &TestServer) -> Vec<(i64, i64)> {
    let r = call(c, s, "load_home", &[]).await;
    assert_eq!(r.status(), 200);
    let h: app::domain::home_view::HomeView = r.json().await.unwrap();
    let f = |x: &app::domain::home_view::Figure| (x.count, x.total.cents());
    let days = h.days.iter().fold((0, 0), |(n, c), d| {
        (n + d.figure.count, c + d.figure.total.cents())
    });
    vec![
        f(&h.periods[0].all),
        days,
        f(&h.pending_ach),
        f(&h.bills_due[1].figure),
    ]
}

/// Payment History of today: its row count and the accounts on its rows.
async fn todays_history(c: &Client, s: &TestServer) -> (i64, Vec<String>) {
    let today = crate::reports_api::today(s);
    let (status, page) = crate::reports_api::report(
        c,
        s,
        "payment-history",
        &[("from", &today), ("to", &today), ("per", "100")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let accounts = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1]["text"].as_str().unwrap().to_string())
        .collect();
    (page["total"].as_i64().unwrap(), accounts)
}

async fn the_selector_narrows_searches_home_and_reports(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let (water, electric) = water_and_electric(t, &s, &admin).await;
    let alex = support::staff(&t.db, ADMIN.0).await;
    // Electric's by ACH: Pending ACH has something to narrow.
    support::pay(&s.state, &alex, "100002", "5.00", Some("000444555666")).await;
    support::pay(&s.state, &alex, "100001", "6.00", None).await;
    crate::payments_api::add_bill(t, "100002", "INV-E1", 1_000).await;
    crate::payments_api::add_bill(t, "100001", "INV-W1", 2_000).await;
    // Due today: among the bills coming due.
    let today = crate::reports_api::today(&s);
    support::execute(
        &t.db,
        &format!(
            "UPDATE bills SET due_date = '{today}' WHERE invoice_number IN ('INV-E1', 'INV-W1')"
        ),
    )
    .await
    .unwrap();
    let electric_name = json(call(&admin, &s, "load_account", &[("number", "100002")]).await).await
        ["form"]["last_name"]
        .as_str()
        .unwrap()
        .to_string();
    let search = |c: &Client| {
        let (c, s, q) = (c.clone(), &s, electric_name.clone());
        async move {
            let r = call(&c, s, "search_accounts", &[("by", "name"), ("q", &q)]).await;
            assert_eq!(r.status(), 200);
            let found = json(r).await;
            found.to_string().contains("100002")
        }
    };

    // Every division: the whole biller.
    assert!(search(&admin).await);
    let all = home_figures(&admin, &s).await;
    let (all_rows, _) = todays_history(&admin, &s).await;

    // Each division in turn: only its accounts, and the three add up to
    // the whole biller, figure by figure.
    let mut sums = vec![(0, 0); all.len()];
    let mut rows = 0;
    for (id, name) in [
        ("1", "Main"),
        (water.as_str(), "Water"),
        (electric.as_str(), "Electric"),
    ] {
        assert_eq!(choose(&admin, &s, id).await, 200, "{name}");
        let user = json(call(&admin, &s, "current_user", &[]).await).await;
        assert_eq!(user["viewing"].as_i64().unwrap().to_string(), id);
        assert_eq!(search(&admin).await, name == "Electric", "{name}");
        for (sum, f) in sums.iter_mut().zip(home_figures(&admin, &s).await) {
            *sum = (sum.0 + f.0, sum.1 + f.1);
        }
        let (n, accounts) = todays_history(&admin, &s).await;
        rows += n;
        for a in accounts {
            let division = division_of(t, &a).await.to_string();
            assert_eq!(division, id, "{name}'s Payment History shows {a}");
        }
    }
    assert_eq!(
        sums, all,
        "Home's figures per division add up to the biller's"
    );
    assert_eq!(rows, all_rows, "Payment History per division adds up");
    assert!(
        all[0].0 >= 2 && all[2].0 >= 1 && all[3].0 >= 2,
        "the test made payments, a Pending ACH one and bills: {all:?}"
    );

    // Reconciliation says what it ties out to (`settlement_and_
    // reconciliation_…` below has the figures).
    let (_, page) =
        crate::reports_api::report(&admin, &s, "reconciliation", &[("from", &today)]).await;
    assert_eq!(
        page["notes"][0],
        app::services::reports::PART_OF_DEPOSIT,
        "{page}"
    );

    // Back to every division.
    assert_eq!(choose(&admin, &s, "").await, 200);
    assert!(search(&admin).await);
    assert_eq!(home_figures(&admin, &s).await, all);

    // The choice is the session's: another sign-in starts unnarrowed.
    assert_eq!(choose(&admin, &s, &water).await, 200);
    let again = support::signed_in(&s, ADMIN).await;
    assert!(search(&again).await);
    assert!(!search(&admin).await);

    // A user limited to Water may choose Water, not Electric (answered as
    // a division that doesn't exist), nor what the selector never sends.
    let csr = support::signed_in(&s, CSR).await;
    assert_eq!(choose(&csr, &s, &water).await, 200);
    assert_eq!(choose(&csr, &s, &electric).await, StatusCode::NOT_FOUND);
    assert_eq!(choose(&csr, &s, "999").await, StatusCode::NOT_FOUND);
    assert_eq!(
        choose(&csr, &s, "Water").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let user = json(call(&csr, &s, "current_user", &[]).await).await;
    assert_eq!(user["viewing"].as_i64().unwrap().to_string(), water);
    // A limit set after the choice wins over it.
    support::execute(
        &t.db,
        &format!("UPDATE sessions SET division_id = {electric}"),
    )
    .await
    .unwrap();
    let user = json(call(&csr, &s, "current_user", &[]).await).await;
    assert!(user["viewing"].is_null(), "{user}");
    assert!(!search(&csr).await, "still only Water");

    // Without JavaScript the form posts and the browser is sent back to
    // the page it was on; a `back` off the site goes home instead.
    for (back, to) in [
        ("/payer-support?by=name&q=x", "/payer-support?by=name&q=x"),
        ("https://evil.example/", "/"),
    ] {
        let r = admin
            .post(format!("{}/api/choose_division", s.base))
            .header(reqwest::header::ACCEPT, "text/html")
            .header(reqwest::header::ORIGIN, s.base.as_str())
            .form(&[("division", water.as_str()), ("back", back)])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{back}: {}", r.status());
        assert_eq!(r.headers()["location"], to, "{back}");
    }
    // Signed out: refused.
    let anonymous = support::client();
    assert_eq!(
        choose(&anonymous, &s, &water).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn each_division_has_its_own_batches_under_its_own_company(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let (water, electric) = water_and_electric(t, &s, &admin).await;
    let ach = |id: &str, name: &str, company: &str| {
        let form = [
            ("id", id.to_string()),
            ("form[company_name]", name.to_string()),
            ("form[company_id]", company.to_string()),
        ];
        let (admin, s) = (admin.clone(), &s);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            call(&admin, s, "save_division_ach", &form).await
        }
    };
    // Half a company is refused beside the missing field, what was typed
    // kept; a division that doesn't exist is 404.
    let r = ach(&water, "Lakeside Water", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = any_json(r).await;
    assert_eq!(
        body["Invalid"]["errors"][0]["field"], "company_id",
        "{body}"
    );
    assert_eq!(ach("999", "", "").await.status(), StatusCode::NOT_FOUND);
    let r = ach(&water, " Lakeside Water ", "1999999999").await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let list = json(call(&admin, &s, "load_divisions", &[]).await).await;
    let water_row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"].as_i64().unwrap().to_string() == water)
        .unwrap();
    assert_eq!(water_row["ach"]["name"], "Lakeside Water");
    assert_eq!(water_row["ach"]["id"], "1999999999");
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'division.ach' \
             AND before_json = 'the Profile''s' AND after_json = 'Lakeside Water (1999999999)'",
        )
        .await,
        1
    );
    // A CSR may not.
    let csr = support::signed_in(&s, CSR).await;
    assert_eq!(
        call(
            &csr,
            &s,
            "save_division_ach",
            &[
                ("id", water.as_str()),
                ("form[company_name]", ""),
                ("form[company_id]", "")
            ]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );

    // An ACH payment in each of Main, Water and Electric: one file, a
    // batch per division in the order of their ids, Water's under its own
    // company and the others under the Profile's.
    let alex = support::staff(&t.db, ADMIN.0).await;
    for account in ["100003", "100001", "100002"] {
        support::pay(&s.state, &alex, account, "12.00", Some("000444555666")).await;
    }
    let run = support::settle(&s).await.run.expect("a run");
    let file = run.file.expect("an ACH file");
    let text = std::fs::read_to_string(s.data_dir.path().join("ach").join(&file.file_name))
        .expect("the file on disk");
    let parsed = app::domain::nacha::parse_file(&text).expect("a valid NACHA file");
    let batches: Vec<(String, String, Vec<String>)> = parsed
        .batches
        .iter()
        .map(|b| {
            (
                b.company_name.clone(),
                b.company_id.clone(),
                b.entries
                    .iter()
                    .map(|e| e.individual_id.trim().to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(batches.len(), 3, "{batches:?}");
    assert_eq!(batches[0].2, ["100003"]);
    assert_eq!(
        batches[1],
        (
            "LAKESIDE WATER".to_string(),
            "1999999999".to_string(),
            vec!["100001".to_string()]
        )
    );
    assert_eq!(batches[2].2, ["100002"]);
    assert_eq!(
        (&batches[0].0, &batches[0].1),
        (&batches[2].0, &batches[2].1),
        "Main and Electric: the Profile's company"
    );
    assert_ne!(batches[0].1, "1999999999");
    let divisions = support::count(
        &t.db,
        &format!(
            "SELECT COUNT(*) FROM ach_batches WHERE \
             (batch_number = 1 AND division_id = 1) OR (batch_number = 2 AND division_id = {water}) \
             OR (batch_number = 3 AND division_id = {electric})"
        ),
    )
    .await;
    assert_eq!(divisions, 3, "each batch records its division");

    // Back to the Profile's: both fields empty.
    assert_eq!(ach(&water, "", "").await.status(), 200);
    let list = json(call(&admin, &s, "load_divisions", &[]).await).await;
    assert!(
        list.as_array().unwrap().iter().all(|d| d["ach"].is_null()),
        "{list}"
    );
}

async fn a_category_of_one_division_is_offered_to_its_payers_only(t: &TestDb) {
    use crate::category_file_api::offered;
    let (s, admin) = setup(t, &[]).await;
    let (water, electric) = water_and_electric(t, &s, &admin).await;
    let save = |code: &'static str, division: &str, id: Option<(String, String)>| {
        let mut form = vec![
            ("form[description]".to_string(), format!("Line {code}")),
            ("form[charge_code]".to_string(), code.to_string()),
            ("form[amount]".to_string(), "4.00".to_string()),
            ("form[quantity]".to_string(), "1".to_string()),
            ("form[division]".to_string(), division.to_string()),
        ];
        if let Some((id, version)) = id {
            form.push(("id".into(), id));
            form.push(("version".into(), version));
        }
        let (admin, s) = (admin.clone(), &s);
        async move {
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            call(&admin, s, "save_category", &form).await
        }
    };
    assert_eq!(save("DOG", "", None).await.status(), 200);
    let r = save("METER", &water, None).await;
    assert_eq!(r.status(), 200);
    let meter = json(r).await.as_i64().unwrap().to_string();
    // A division that doesn't exist, or isn't a division, beside the field.
    for bad in ["999", "Water"] {
        let r = save("GAS", bad, None).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(support::error_fields(r).await, ["division"], "{bad}");
    }
    let codes = |lines: Vec<(String, i64)>| lines.into_iter().map(|(c, _)| c).collect::<Vec<_>>();
    // Make Payment offers Water's line to Water's payers only.
    assert_eq!(codes(offered(&admin, &s, "100001").await), ["DOG", "METER"]);
    assert_eq!(codes(offered(&admin, &s, "100002").await), ["DOG"]);
    assert_eq!(codes(offered(&admin, &s, "100003").await), ["DOG"]);
    // Manage Category lists every line, or with a division chosen, the
    // lines of every division and of that one.
    let listed = |c: Client| {
        let s = &s;
        async move {
            let list = json(call(&c, s, "load_categories", &[]).await).await;
            let mut codes: Vec<(String, Option<i64>)> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["charge_code"].as_str().unwrap().to_string(),
                        l["division"].as_i64(),
                    )
                })
                .collect();
            codes.sort();
            codes
        }
    };
    let water_id: i64 = water.parse().unwrap();
    let both = vec![
        ("DOG".to_string(), None),
        ("METER".to_string(), Some(water_id)),
    ];
    assert_eq!(listed(admin.clone()).await, both);
    assert_eq!(choose(&admin, &s, &electric).await, 200);
    assert_eq!(listed(admin.clone()).await, [("DOG".to_string(), None)]);
    assert_eq!(choose(&admin, &s, &water).await, 200);
    assert_eq!(listed(admin.clone()).await, both);
    assert_eq!(choose(&admin, &s, "").await, 200);
    // Audited with its division; moved to every division, Electric's
    // payers are offered it too.
    assert_eq!(
        support::count(
            &t.db,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'category.added' \
                 AND after_json LIKE '%\"division\":{water}%'"
            ),
        )
        .await,
        1
    );
    assert_eq!(
        save("METER", "", Some((meter, "1".into()))).await.status(),
        200
    );
    assert_eq!(codes(offered(&admin, &s, "100002").await), ["DOG", "METER"]);
}

async fn a_division_charges_fees_of_its_own_or_the_billers(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let (water, _electric) = water_and_electric(t, &s, &admin).await;
    let post = |name: &'static str, fields: Vec<(&'static str, String)>| {
        let (admin, s) = (admin.clone(), &s);
        async move {
            let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            call(&admin, s, name, &form).await
        }
    };
    let water_fees = |version: &str, flat: &str| {
        vec![
            ("division", water.clone()),
            ("version", version.to_string()),
            ("form[card_flat]", flat.to_string()),
        ]
    };
    let page = || {
        let (admin, s, water) = (admin.clone(), &s, water.clone());
        async move {
            json(
                call(
                    &admin,
                    s,
                    "load_division_fees",
                    &[("division", water.as_str())],
                )
                .await,
            )
            .await
        }
    };
    // The biller's card fee, $1.00, is Water's until it has its own; a
    // partial refund gives the fee back, for every division.
    let r = post(
        "save_fees",
        vec![
            ("version", "0".into()),
            ("form[card_flat]", "1.00".into()),
            ("form[partial_refund_returns_fee]", "on".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let before = page().await;
    assert_eq!(before["own"], false);
    assert_eq!(before["name"], "Water");
    assert_eq!(before["settings"]["card"]["flat"], 100);
    assert_eq!(before["version"], 0);

    // Water's own: a wrong field refused beside it, then $2.50; a save
    // over the copy it replaced is refused, not merged.
    let mut bad = water_fees("0", "2.50");
    bad.push(("form[card_percent]", "lots".into()));
    let r = post("save_division_fees", bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(support::error_fields(r).await, ["card_percent"]);
    let r = post("save_division_fees", water_fees("0", "2.50")).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let r = post("save_division_fees", water_fees("0", "3.00")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let own = page().await;
    assert_eq!(
        (own["own"].as_bool(), own["version"].as_i64()),
        (Some(true), Some(1))
    );
    assert_eq!(own["settings"]["card"]["flat"], 250);
    assert_eq!(
        own["settings"]["partial_refund_returns_fee"], true,
        "the biller's"
    );

    // Make Payment shows and charges each division's.
    let ctx = json(call(&admin, &s, "load_pay_context", &[("account", "100001")]).await).await;
    assert_eq!(ctx["fees"]["card"]["flat"], 250);
    let ctx = json(call(&admin, &s, "load_pay_context", &[("account", "100002")]).await).await;
    assert_eq!(ctx["fees"]["card"]["flat"], 100);
    let alex = support::staff(&t.db, ADMIN.0).await;
    let in_water = support::pay(&s.state, &alex, "100001", "10.00", None).await;
    let in_electric = support::pay(&s.state, &alex, "100002", "10.00", None).await;
    let in_main = support::pay(&s.state, &alex, "100003", "10.00", None).await;
    assert_eq!(support::payment_row(t, &in_water).await.fee_cents, 250);
    assert_eq!(support::payment_row(t, &in_electric).await.fee_cents, 100);
    assert_eq!(support::payment_row(t, &in_main).await.fee_cents, 100);
    assert_eq!(
        support::count(
            &t.db,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'fees.saved' \
                 AND object = 'convenience fees of division {water}' AND before_json = 'the biller''s fees'"
            ),
        )
        .await,
        1
    );

    // Use the Biller's Fees: refused on a stale copy; then Water pays the
    // biller's again.
    let clear = |version: &str| {
        vec![
            ("division", water.clone()),
            ("version", version.to_string()),
        ]
    };
    assert_eq!(
        post("clear_division_fees", clear("0")).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(post("clear_division_fees", clear("1")).await.status(), 200);
    assert_eq!(page().await["own"], false);
    let again = support::pay(&s.state, &alex, "100001", "10.00", None).await;
    assert_eq!(support::payment_row(t, &again).await.fee_cents, 100);
    assert_eq!(
        support::count(
            &t.db,
            // The rules as they were stored: no refund setting of their own.
            "SELECT COUNT(*) FROM audit_log WHERE action = 'fees.saved' AND after_json = 'the biller''s fees' \
             AND before_json LIKE '%\"partial_refund_returns_fee\":false%'",
        )
        .await,
        1
    );
    // A division that doesn't exist.
    let r = call(&admin, &s, "load_division_fees", &[("division", "999")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(
        "save_division_fees",
        vec![
            ("division", "999".into()),
            ("version", "0".into()),
            ("form[card_flat]", "".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Upload `id`'s refused rows: (line, column, reason).
async fn refused_rows(c: &Client, s: &TestServer, id: &str) -> Vec<(i64, String, String)> {
    crate::uploads_api::refused(&json(call(c, s, "load_upload", &[("id", id)]).await).await)
}

/// File Transfers' list as `c` sees it: (file name, division).
async fn uploads_listed(c: &Client, s: &TestServer) -> Vec<(String, Option<String>)> {
    json(call(c, s, "load_uploads", &[]).await)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["file_name"].as_str().unwrap().to_string(),
                u["division"].as_str().map(str::to_string),
            )
        })
        .collect()
}

async fn an_upload_is_for_the_division_chosen_and_bill_rows_name_theirs(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    // 100001 is Water's; 100002 Electric's; 100003 Main's.
    let (water, electric) = water_and_electric(t, &s, &admin).await;

    // Water chosen: a universal file is Water's. A new account goes into
    // Water; Water's own account is updated; Electric's is refused, and so
    // is a row naming Electric.
    assert_eq!(choose(&admin, &s, &water).await, 200);
    let file = "account_number,account_type,first_name,last_name,division
        300001,I,Ann,New,
        100001,I,Bo,Updated,
        100002,I,Cy,Elsewhere,
        300002,I,Di,Named,Electric
        300003,I,Ed,Named,water
";
    let id = upload_id(&upload_kind(&admin, &s, "accounts", "water.csv", file.as_bytes()).await);
    let mut refused = refused_rows(&admin, &s, &id).await;
    refused.sort();
    assert_eq!(
        refused,
        [
            (
                4,
                "account_number".to_string(),
                "account 100002 is in Electric: this upload is for Water".to_string()
            ),
            (
                5,
                "division".to_string(),
                "this upload is for Water, not Electric".to_string()
            ),
        ]
    );
    let r = call(&admin, &s, "commit_upload", &[("id", &id)]).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    for number in ["300001", "100001", "300003"] {
        assert_eq!(division_of(t, number).await.to_string(), water, "{number}");
    }
    assert_eq!(division_of(t, "100002").await.to_string(), electric);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE account_number = '100002' AND last_name = 'Elsewhere'"
        )
        .await,
        0,
        "Electric's is untouched"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE account_number = '300002'"
        )
        .await,
        0
    );
    // The commit keeps to the upload's division, whatever is chosen by
    // then (a second tab): the same refusals, stored with the upload.
    let committed = refused_rows(&admin, &s, &id).await;
    assert_eq!(committed.len(), 2, "{committed:?}");

    // File Transfers names the division, and lists Water's uploads under
    // Water, none under Electric, all under All divisions.
    assert_eq!(
        uploads_listed(&admin, &s).await,
        [("water.csv".to_string(), Some("Water".to_string()))]
    );
    assert_eq!(choose(&admin, &s, &electric).await, 200);
    assert!(uploads_listed(&admin, &s).await.is_empty());

    // A bill file under All divisions: a row naming its account's division
    // is taken (any case), one naming another or none that exists is
    // refused beside the column; a row without one is taken.
    assert_eq!(choose(&admin, &s, "").await, 200);
    let bills =
        "account_number,invoice_number,invoice_date,due_date,amount_due,minimum_due,division
        100001,B-1,2026-11-01,2026-11-30,10.00,0,WATER
        100002,B-2,2026-11-01,2026-11-30,10.00,0,Water
        100002,B-3,2026-11-01,2026-11-30,10.00,0,Gas
        100003,B-4,2026-11-01,2026-11-30,10.00,0,
";
    let id = upload_id(&upload_kind(&admin, &s, "bills", "bills.csv", bills.as_bytes()).await);
    assert_eq!(
        refused_rows(&admin, &s, &id).await,
        [
            (
                3,
                "division".to_string(),
                "account 100002 is in Electric, not Water".to_string()
            ),
            (
                4,
                "division".to_string(),
                "there is no division \"Gas\": add it on Divisions first".to_string()
            ),
        ]
    );
    assert_eq!(
        uploads_listed(&admin, &s).await[0],
        ("bills.csv".to_string(), None),
        "an upload for every division"
    );

    // Water chosen: a bill file without the column still keeps to Water,
    // and so does a category file.
    assert_eq!(choose(&admin, &s, &water).await, 200);
    let bills = "account_number,invoice_number,invoice_date,due_date,amount_due,minimum_due
        100001,B-5,2026-11-01,2026-11-30,10.00,0
        100002,B-6,2026-11-01,2026-11-30,10.00,0
";
    let id =
        upload_id(&upload_kind(&admin, &s, "bills", "water-bills.csv", bills.as_bytes()).await);
    assert_eq!(
        refused_rows(&admin, &s, &id).await,
        [(
            3,
            "account_number".to_string(),
            "account 100002 is in Electric: this upload is for Water".to_string()
        )]
    );
    let lines = "account_number,description,charge_code,amount
        100001,Meter,MTR,5.00
        100002,Meter,MTR,5.00
";
    let id = upload_id(&upload_kind(&admin, &s, "categories", "lines.csv", lines.as_bytes()).await);
    let refused = refused_rows(&admin, &s, &id).await;
    assert_eq!(
        refused
            .iter()
            .map(|(l, c, _)| (*l, c.as_str()))
            .collect::<Vec<_>>(),
        [(3, "account_number")],
        "{refused:?}"
    );

    // The category file's `division` column, under All divisions, as the
    // bill file's: its account's division is taken (any case), another or
    // an unknown one refused beside the column, and a clearing row may
    // name it too.
    assert_eq!(choose(&admin, &s, "").await, 200);
    let lines = "account_number,description,charge_code,amount,division
        100001,Meter,MTR,5.00,water
        100002,Meter,MTR,5.00,Water
        100003,Meter,MTR,5.00,Gas
        100002,,,,Electric
";
    let id = upload_id(&upload_kind(&admin, &s, "categories", "named.csv", lines.as_bytes()).await);
    assert_eq!(
        refused_rows(&admin, &s, &id).await,
        [
            (
                3,
                "division".to_string(),
                "account 100002 is in Electric, not Water".to_string()
            ),
            (
                4,
                "division".to_string(),
                "there is no division \"Gas\": add it on Divisions first".to_string()
            ),
        ]
    );
}

async fn an_account_moves_to_another_division_on_its_page(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    // 100001 is Water's; the CSR is limited to Water.
    let (water, electric) = water_and_electric(t, &s, &admin).await;
    let form = |division: &str| {
        vec![
            ("form[account_number]", "100001".to_string()),
            ("form[first_name]", "Pat".to_string()),
            ("form[last_name]", "Lee".to_string()),
            ("form[status]", "active".to_string()),
            ("form[division]", division.to_string()),
        ]
    };
    let save = |c: Client, division: String| {
        let s = &s;
        let form = form(&division);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            call(&c, s, "update_account", &form).await
        }
    };

    // The page starts at the account's division.
    let detail = json(call(&admin, &s, "load_account", &[("number", "100001")]).await).await;
    assert_eq!(detail["form"]["division"], water.as_str(), "{detail}");

    // The Water CSR can't move it out of their reach: Electric is not one
    // of theirs (refused beside the field, nothing changed).
    let csr = support::signed_in(&s, CSR).await;
    let r = save(csr.clone(), electric.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        any_json(r).await["Invalid"]["errors"][0]["field"],
        "division"
    );
    assert_eq!(division_of(t, "100001").await.to_string(), water);
    // Without the field (a page with one division to offer), it stays.
    let r = save(csr.clone(), String::new()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(division_of(t, "100001").await.to_string(), water);

    // An administrator moves it to Electric, audited before and after; a
    // division that doesn't exist, or text, is refused beside the field.
    for wrong in ["999", "Electric"] {
        let r = save(admin.clone(), wrong.to_string()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
    }
    let r = save(admin.clone(), electric.clone()).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(division_of(t, "100001").await.to_string(), electric);
    assert_eq!(
        support::count(
            &t.db,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'account.update' AND object = '100001' \
                 AND before_json LIKE '%\"division\":{water}%' AND after_json LIKE '%\"division\":{electric}%'"
            ),
        )
        .await,
        1
    );
    // Now out of the Water CSR's reach: the 404 of a missing account.
    let r = call(&csr, &s, "load_account", &[("number", "100001")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// A report's summary table by caption.
fn summary<'a>(page: &'a serde_json::Value, caption: &str) -> &'a serde_json::Value {
    page["summaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["caption"]
                .as_str()
                .is_some_and(|c| c.starts_with(caption))
        })
        .unwrap_or_else(|| panic!("no {caption} in {page}"))
}

/// A summary cell's dollars as cents ("1,234.50" or "-3.00").
fn cents(cell: &serde_json::Value) -> i64 {
    let text = cell["text"].as_str().unwrap().replace(',', "");
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest.to_string()),
        None => (1, text),
    };
    let money = app::domain::money::Money::parse(&digits).unwrap_or_else(|_| panic!("{cell}"));
    sign * money.cents()
}

/// Settlement and Reconciliation of `today` as `c` sees them: the
/// figures that add up across divisions (Settlement's Debits and
/// Credits per method, Reconciliation's net deposits), the accounts on
/// their rows, and the Reconciliation page.
async fn settlement_and_reconciliation(
    c: &Client,
    s: &TestServer,
    today: &str,
) -> (Vec<i64>, Vec<String>, serde_json::Value) {
    let (status, settlement) = crate::reports_api::report(
        c,
        s,
        "settlement",
        &[("from", today), ("to", today), ("per", "100")],
    )
    .await;
    assert_eq!(status, 200, "{settlement}");
    let (status, recon) =
        crate::reports_api::report(c, s, "reconciliation", &[("from", today), ("per", "100")])
            .await;
    assert_eq!(status, 200, "{recon}");
    let mut figures = Vec::new();
    for caption in ["ACH Transactions", "Credit Card Transactions"] {
        for row in summary(&settlement, caption)["rows"].as_array().unwrap() {
            figures.push(row[1]["text"].as_str().unwrap().parse::<i64>().unwrap());
            figures.push(cents(&row[2]));
        }
    }
    let deposit = summary(&recon, "Deposit");
    for row in deposit["rows"].as_array().unwrap() {
        figures.push(cents(&row[1]));
    }
    figures.push(cents(&deposit["footer"][1]));
    let accounts = [&settlement, &recon]
        .iter()
        .flat_map(|p| p["rows"].as_array().unwrap().iter())
        .map(|r| r[1]["text"].as_str().unwrap().to_string())
        .collect();
    (figures, accounts, recon)
}

async fn settlement_and_reconciliation_narrow_to_a_division_and_tie_out(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let (water, electric) = water_and_electric(t, &s, &admin).await;
    let alex = support::staff(&t.db, ADMIN.0).await;
    // An ACH and a card payment in Main (100003), Water and Electric.
    for (account, ach, card) in [
        ("100003", "12.00", "3.00"),
        ("100001", "14.00", "5.00"),
        ("100002", "16.00", "7.00"),
    ] {
        support::pay(&s.state, &alex, account, ach, Some("000444555666")).await;
        support::pay(&s.state, &alex, account, card, None).await;
    }
    support::settle(&s).await.run.expect("a run");
    let today = crate::reports_api::today(&s);

    let (whole, _, page) = settlement_and_reconciliation(&admin, &s, &today).await;
    assert_eq!(page["verdict"]["ok"], true, "{page}");
    assert!(
        page["notes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n != app::services::reports::PART_OF_DEPOSIT)
    );
    assert_eq!(
        *whole.last().unwrap(),
        5_700,
        "every payment is in the deposit"
    );

    // Each division: Balanced against its own batches, only its accounts'
    // rows, its part of the deposit; the three add up to the biller's.
    let mut sum = vec![0; whole.len()];
    for (id, name, own) in [
        ("1", "Main", "100003"),
        (water.as_str(), "Water", "100001"),
        (electric.as_str(), "Electric", "100002"),
    ] {
        assert_eq!(choose(&admin, &s, id).await, 200, "{name}");
        let (figures, accounts, page) = settlement_and_reconciliation(&admin, &s, &today).await;
        assert_eq!(page["verdict"]["ok"], true, "{name}: {page}");
        assert!(
            page["verdict"]["text"]
                .as_str()
                .unwrap()
                .contains("these divisions' batches"),
            "{page}"
        );
        assert_eq!(page["notes"][0], app::services::reports::PART_OF_DEPOSIT);
        assert_eq!(
            summary(&page, "Deposit")["footer"][0]["text"],
            "These divisions' part of the deposit"
        );
        assert!(!accounts.is_empty(), "{name}");
        assert!(accounts.iter().all(|a| a == own), "{name}: {accounts:?}");
        for (a, b) in sum.iter_mut().zip(figures) {
            *a += b;
        }
    }
    assert_eq!(sum, whole, "the divisions add up to the biller");

    // Several divisions: Payment History and Reconciliation end with Key,
    // each row's division (an ACH entry's by its batch), and so do their
    // exports.
    assert_eq!(choose(&admin, &s, "").await, 200);
    let (_, history) = crate::reports_api::report(
        &admin,
        &s,
        "payment-history",
        &[("from", &today), ("to", &today), ("per", "100")],
    )
    .await;
    let (_, _, recon) = settlement_and_reconciliation(&admin, &s, &today).await;
    for page in [&history, &recon] {
        assert_eq!(
            page["columns"].as_array().unwrap().last().unwrap()["label"],
            "Key"
        );
        let rows = page["rows"].as_array().unwrap();
        assert!(rows.len() >= 6, "{page}");
        for row in rows {
            let row = row.as_array().unwrap();
            let key = match row[1]["text"].as_str().unwrap() {
                "100003" => "Main",
                "100001" => "Water",
                _ => "Electric",
            };
            assert_eq!(row.last().unwrap()["text"], key, "{row:?}");
        }
    }
    for (kind, header) in [
        ("payment-history", "\"Entered By\",\"Key\""),
        ("reconciliation", "\"Return Code\",\"Key\""),
    ] {
        let csv = crate::reports_api::get_text(
            &admin,
            &s,
            &format!("/reports/{kind}.csv?from={today}&to={today}&date={today}"),
        )
        .await;
        assert!(csv.contains(header), "{csv}");
        assert!(
            csv.contains(",\"Water\"\n") || csv.contains(",\"Water\"\r\n"),
            "{csv}"
        );
    }

    // A CSR limited to Water keeps Reports, narrowed to Water: Electric's
    // payments are nowhere in them, and Reconciliation ties out to
    // Water's batch.
    let csr = support::signed_in(&s, CSR).await;
    let (figures, accounts, page) = settlement_and_reconciliation(&csr, &s, &today).await;
    assert_eq!(page["verdict"]["ok"], true, "{page}");
    assert!(accounts.iter().all(|a| a == "100001"), "{accounts:?}");
    assert_eq!(
        *figures.last().unwrap(),
        1_900,
        "Water's part of the deposit"
    );
    let csv = crate::reports_api::get_text(
        &csr,
        &s,
        &format!("/reports/settlement.csv?from={today}&to={today}"),
    )
    .await;
    assert!(csv.contains("100001") && !csv.contains("100002"), "{csv}");
    // Not the Audit Report: a CSR isn't granted it (with it, a limited
    // user gets their divisions' rows: the audit test below).
    assert_eq!(
        call(&csr, &s, "load_audit", &[("q[per]", "10")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let _ = electric;
}

/// The Audit Report as `c` sees it (its first 100 rows): (action, object).
async fn audit_rows(c: &Client, s: &TestServer) -> (i64, Vec<(String, String)>) {
    let page = json(call(c, s, "load_audit", &[("q[per]", "100")]).await).await;
    let rows = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["object"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (page["total"].as_i64().unwrap(), rows)
}

async fn the_audit_report_of_a_division_lists_only_its_rows(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let (water, electric) = water_and_electric(t, &s, &admin).await;
    let alex = support::staff(&t.db, ADMIN.0).await;
    // A payment in each (the set-based write), a refund of Water's (the
    // lifecycle's), a balance adjusted and a division renamed.
    let in_water = support::pay(&s.state, &alex, "100001", "6.00", None).await;
    support::pay(&s.state, &alex, "100002", "5.00", None).await;
    let r = support::cancel_reverse(
        &admin,
        &s,
        &in_water,
        "auditdivisionkey0001",
        "partial_refund",
        "1.00",
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    save_division(&admin, &s, Some(&electric), "Power").await;

    // Each row names the division of what it is about, as it was written.
    for (action, division) in [
        ("payment.on_behalf", water.as_str()),
        ("payment.on_behalf", electric.as_str()),
        ("payment.cancel_reverse", water.as_str()),
        ("division.renamed", electric.as_str()),
        ("division.added", water.as_str()),
    ] {
        assert_eq!(
            support::count(
                &t.db,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND division_id = {division}"
                )
            )
            .await,
            1,
            "{action} in {division}"
        );
    }
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('auth.sign_in', 'user.divisions') \
             AND division_id IS NOT NULL"
        )
        .await,
        0,
        "sign-ins and staff are the whole biller's"
    );

    // Every division: everything.
    let (all, rows) = audit_rows(&admin, &s).await;
    assert!(rows.iter().any(|(a, _)| a == "auth.sign_in"), "{rows:?}");

    // Water: only Water's rows, none of Electric's or the whole biller's.
    assert_eq!(choose(&admin, &s, &water).await, 200);
    let (n, rows) = audit_rows(&admin, &s).await;
    let expected = support::count(
        &t.db,
        &format!("SELECT COUNT(*) FROM audit_log WHERE division_id = {water}"),
    )
    .await;
    assert_eq!(n, expected);
    assert!(n >= 3 && n < all, "{n} of {all}");
    let mut actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "division.added",
            "payment.cancel_reverse",
            "payment.on_behalf"
        ],
        "{rows:?}"
    );
    // The export keeps to it too.
    let csv = crate::reports_api::get_text(&admin, &s, "/reports/audit.csv").await;
    assert_eq!(csv.lines().count() as i64, 1 + n, "{csv}");
    assert!(
        !csv.contains("auth.sign_in") && !csv.contains("division.renamed"),
        "{csv}"
    );

    // Electric: its payment and its rename, not Water's refund.
    assert_eq!(choose(&admin, &s, &electric).await, 200);
    let (_, rows) = audit_rows(&admin, &s).await;
    assert!(
        rows.iter().any(|(a, _)| a == "division.renamed"),
        "{rows:?}"
    );
    assert!(
        !rows.iter().any(|(a, _)| a == "payment.cancel_reverse"),
        "{rows:?}"
    );

    // A user limited to Water and granted the Audit Report gets Water's
    // rows only; without the grant, none.
    let csr = support::signed_in(&s, CSR).await;
    assert_eq!(
        call(&csr, &s, "load_audit", &[("q[per]", "10")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    support::set_entitlements(
        &t.db,
        CSR.0,
        &[app::domain::entitlements::Entitlement::AuditReport],
    )
    .await;
    let csr = support::signed_in(&s, CSR).await;
    let (limited, rows) = audit_rows(&csr, &s).await;
    let waters = support::count(
        &t.db,
        &format!("SELECT COUNT(*) FROM audit_log WHERE division_id = {water}"),
    )
    .await;
    assert_eq!(limited, waters, "{rows:?}");
    assert!(
        !rows.iter().any(|(a, _)| a.starts_with("auth.")),
        "{rows:?}"
    );
}

async fn user_admin_lists_the_staff_of_the_division_chosen(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let (water, electric) = water_and_electric(t, &s, &admin).await;
    let logins = || async {
        let users = json(call(&admin, &s, "load_users", &[]).await).await;
        users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["login"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let everyone = logins().await;
    assert!(everyone.iter().any(|l| l == CSR.0) && everyone.iter().any(|l| l == ADMIN.0));
    // Water: the CSR limited to it and the unlimited administrator.
    assert_eq!(choose(&admin, &s, &water).await, 200);
    assert_eq!(logins().await, everyone);
    // Electric: not the CSR of Water.
    assert_eq!(choose(&admin, &s, &electric).await, 200);
    let electric_staff = logins().await;
    assert!(
        !electric_staff.iter().any(|l| l == CSR.0),
        "{electric_staff:?}"
    );
    assert_eq!(electric_staff.len() + 1, everyone.len());
}

on_both_backends!(
    administrators_add_and_rename_divisions,
    a_csr_limited_to_a_division_reaches_nothing_of_another,
    limits_are_set_by_an_unlimited_user_admin_and_limited_users_keep_account_work,
    the_universal_file_puts_accounts_into_divisions,
    the_selector_narrows_searches_home_and_reports,
    each_division_has_its_own_batches_under_its_own_company,
    a_category_of_one_division_is_offered_to_its_payers_only,
    a_division_charges_fees_of_its_own_or_the_billers,
    the_audit_report_of_a_division_lists_only_its_rows,
    user_admin_lists_the_staff_of_the_division_chosen,
    settlement_and_reconciliation_narrow_to_a_division_and_tie_out,
    an_upload_is_for_the_division_chosen_and_bill_rows_name_theirs,
    an_account_moves_to_another_division_on_its_page,
);
