//! Automatic payments over real HTTP and through the scheduler, on both
//! backends: saved methods (Add, Delete, held by a plan), Set Up with its
//! review and Confirm (exactly once), the scheduler's exactly-once passes
//! (repeated, concurrent, after downtime), bill-triggered plans with the
//! cap and new versions, declines, inactive accounts and Cancel.

use crate::support;
use crate::support::{CSR, TestDb, TestServer, call, field_error, signed_in};
use app::domain::payment::Today;
use app::services::scheduler::{PassSummary, run_pass};
use reqwest::{Client, StatusCode};

fn day(s: &str) -> Today {
    let (year, month, day) = app::domain::payment::parse_iso_date(s).unwrap();
    Today { year, month, day }
}

/// A date `months` months after the biller's today, on `dom` (≤ 28).
fn months_ahead(s: &TestServer, months: u8, dom: u8) -> Today {
    let t = app::services::clock::today(&s.state.config.timezone);
    let index = u16::from(t.month) - 1 + u16::from(months);
    Today {
        year: t.year + index / 12,
        month: (index % 12) as u8 + 1,
        day: dom,
    }
}

async fn start(t: &TestDb) -> (TestServer, Client) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    // With the server's keys: the demo's saved card is a token they open.
    app::services::demo::load(&t.db, false, Some(&s.state.payments()))
        .await
        .unwrap();
    let c = signed_in(&s, CSR).await;
    (s, c)
}

/// payer1's saved methods: (id, label).
async fn methods(c: &Client, s: &TestServer, user: &str) -> Vec<(i64, String)> {
    let v: serde_json::Value = call(c, s, "load_payer", &[("user_id", user)])
        .await
        .json()
        .await
        .unwrap();
    v["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["label"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Adds a card for `user` through the review, as the pages do.
async fn add_card(c: &Client, s: &TestServer, user: &str, number: &str) -> String {
    let r = call(
        c,
        s,
        "review_saved_method",
        &[
            ("payer", user),
            ("form[account]", ""),
            ("form[method]", "card"),
            ("form[card_name]", "Pat Payer"),
            ("form[card_number]", number),
            ("form[card_expiry]", "12/39"),
            ("form[card_cvv]", "123"),
            ("form[card_zip]", "02139"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    r.json::<String>().await.unwrap()
}

fn recurring_form<'a>(
    account: &'a str,
    method: &'a str,
    amount: &'a str,
    frequency: &'a str,
    first: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("form[account]", account),
        ("form[payer]", "payer1"),
        ("form[kind]", "recurring"),
        ("form[method]", method),
        ("form[email]", "maria@example.com"),
        ("form[amount_rule]", "fixed"),
        ("form[amount]", amount),
        ("form[frequency]", frequency),
        ("form[first_date]", first),
    ]
}

/// Setup, then Confirm: the plan's id.
async fn set_up(c: &Client, s: &TestServer, form: &[(&str, &str)]) -> i64 {
    let r = call(c, s, "setup_plan", form).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let sealed: String = r.json().await.unwrap();
    let r = call(c, s, "confirm_plan", &[("r", &sealed), ("payer", "payer1")]).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    r.json().await.unwrap()
}

async fn pass(s: &TestServer, on: Today) -> PassSummary {
    run_pass(&s.state.payments(), on).await.expect("pass")
}

/// How many of the plan's payments meet `condition` (SQL).
async fn plan_payments(t: &TestDb, plan: i64, condition: &str) -> i64 {
    n(
        t,
        &format!("SELECT COUNT(*) FROM payments WHERE plan_id = {plan} AND {condition}"),
    )
    .await
}

async fn n(t: &TestDb, sql: &str) -> i64 {
    support::count(&t.db, sql).await
}

async fn saved_methods_are_added_once_and_kept_while_a_plan_uses_them(t: &TestDb) {
    let (s, c) = start(t).await;
    let before = methods(&c, &s, "payer1").await;
    assert_eq!(before.len(), 2, "the demo's Visa and checking account");

    // The same checks as Make Payment, each named at its field.
    let r = call(
        &c,
        &s,
        "review_saved_method",
        &[
            ("payer", "payer1"),
            ("form[account]", ""),
            ("form[method]", "card"),
            ("form[card_number]", "4242 4242 4242 4241"),
            ("form[card_expiry]", "13/30"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = v["Invalid"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "card_number",
        "card_name",
        "card_expiry",
        "card_cvv",
        "card_zip",
    ] {
        assert!(fields.contains(&f), "{f} is named: {fields:?}");
    }

    let sealed = add_card(&c, &s, "payer1", "5555 5555 5555 4444").await;
    assert!(!sealed.contains("4444"), "the review is sealed");
    let review: serde_json::Value = call(&c, &s, "load_saved_method_review", &[("r", &sealed)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(review["label"], "Mastercard •••• 4444");
    assert_eq!(review["card"], true);
    // Add Credit Card twice (a double click): one method.
    for _ in 0..2 {
        let r = call(&c, &s, "add_saved_method", &[("r", &sealed)]).await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    }
    let after = methods(&c, &s, "payer1").await;
    assert_eq!(after.len(), 3);
    let (mc, _) = after
        .iter()
        .find(|(_, l)| l.contains("4444"))
        .unwrap()
        .clone();
    assert_eq!(
        n(t, "SELECT COUNT(*) FROM saved_methods WHERE card_token LIKE '%5555555555554444%' OR card_last4 IS NULL AND method_kind = 'card'").await,
        0,
        "only a token and the last 4 are kept"
    );
    assert_eq!(
        n(
            t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'saved_method.add'"
        )
        .await,
        1
    );

    // A plan holds it: Delete is refused, naming the plan.
    let first = months_ahead(&s, 1, 10).iso();
    let method = format!("saved:{mc}");
    let plan = set_up(
        &c,
        &s,
        &recurring_form("100001", &method, "30.00", "monthly", &first),
    )
    .await;
    let mc_text = mc.to_string();
    let r = call(
        &c,
        &s,
        "delete_saved_method",
        &[("payer", "payer1"), ("method", &mc_text)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = r.text().await.unwrap();
    assert!(body.contains(&format!("plan {plan}")), "{body}");
    assert_eq!(methods(&c, &s, "payer1").await.len(), 3, "still there");

    // Another payer's method is not this payer's to delete.
    let r = call(
        &c,
        &s,
        "delete_saved_method",
        &[("payer", "payer105"), ("method", &mc_text)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Cancelled, the plan lets it go; deleted, the token is gone.
    let plan_text = plan.to_string();
    let r = call(
        &c,
        &s,
        "cancel_plan",
        &[("plan", &plan_text), ("payer", "payer1")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = call(
        &c,
        &s,
        "delete_saved_method",
        &[("payer", "payer1"), ("method", &mc_text)],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(methods(&c, &s, "payer1").await.len(), 2);
    assert_eq!(
        n(t, &format!("SELECT COUNT(*) FROM saved_methods WHERE id = {mc} AND card_token IS NULL AND deleted_at IS NOT NULL")).await,
        1
    );
    // Make Payment no longer offers it.
    let ctx: serde_json::Value = call(&c, &s, "load_pay_context", &[("account", "100001")])
        .await
        .json()
        .await
        .unwrap();
    assert!(!ctx.to_string().contains("4444"));
}

async fn a_recurring_plan_pays_each_date_exactly_once(t: &TestDb) {
    let (s, c) = start(t).await;
    let visa = methods(&c, &s, "payer1").await[0].0;
    let method = format!("saved:{visa}");
    let first = months_ahead(&s, 1, 10);
    let first_iso = first.iso();

    // Bad entries come back named, and nothing is kept.
    let mut bad = recurring_form("100001", &method, "30.001", "daily", "2020-01-01");
    bad.push(("form[end_date]", "2019-12-31"));
    let r = call(&c, &s, "setup_plan", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v.to_string().contains("2 decimal"), "{v}");
    for f in ["amount", "frequency", "first_date"] {
        assert!(
            v.to_string().contains(&format!("\"field\":\"{f}\"")),
            "{f}: {v}"
        );
    }
    // Another payer's method is refused at the method field.
    let r = call(
        &c,
        &s,
        "setup_plan",
        &recurring_form("100006", &method, "30.00", "monthly", &first_iso)
            .into_iter()
            .map(|(k, v)| {
                if k == "form[payer]" {
                    (k, "payer105")
                } else {
                    (k, v)
                }
            })
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(
        field_error(r, "method").await.as_deref(),
        Some("That is not one of this payer's saved methods.")
    );

    let form = recurring_form("100001", &method, "30.00", "monthly", &first_iso);
    let r = call(&c, &s, "setup_plan", &form).await;
    let sealed: String = r.json().await.unwrap();
    let review: serde_json::Value = call(&c, &s, "review_plan", &[("r", &sealed)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        review["description"],
        format!("Pays $30.00 monthly, from {first_iso}, until cancelled")
    );
    assert_eq!(review["first_runs"].as_array().unwrap().len(), 3);
    // Confirm twice (double click, second tab): one plan.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = call(
            &c,
            &s,
            "confirm_plan",
            &[("r", &sealed), ("payer", "payer1")],
        )
        .await;
        assert_eq!(r.status(), 200);
        ids.push(r.json::<i64>().await.unwrap());
    }
    assert_eq!(ids[0], ids[1]);
    let plan = ids[0];
    assert_eq!(n(t, "SELECT COUNT(*) FROM plans").await, 1);
    assert_eq!(
        n(
            t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'plan.create'"
        )
        .await,
        1
    );

    // Its first payment shows at once, Scheduled for its run date.
    let scheduled = format!(
        "SELECT COUNT(*) FROM payments WHERE plan_id = {plan} AND status = 'scheduled' AND channel = 'recurring'"
    );
    assert_eq!(n(t, &scheduled).await, 1);
    let found: serde_json::Value = call(
        &c,
        &s,
        "search_accounts",
        &[("by", "account"), ("q", "100001")],
    )
    .await
    .json()
    .await
    .unwrap();
    let row = found["payments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan"] == format!("recurring plan {plan}"))
        .expect("Payments Found names the plan");
    assert_eq!(row["status"], "Scheduled");
    let run1 = app::domain::calendar::run_date(first).iso();
    assert_eq!(row["scheduled_for"], run1);

    // A pass before the date changes nothing.
    let quiet = pass(&s, app::services::clock::today(&s.state.config.timezone)).await;
    assert_eq!((quiet.occurrences, quiet.started), (0, 0));

    // On its date it starts, and the next one is made ahead. Again the same
    // day: nothing more.
    let on = day(&run1);
    let p1 = pass(&s, on).await;
    assert_eq!((p1.started, p1.occurrences), (1, 1), "{p1:?}");
    let p2 = pass(&s, on).await;
    assert_eq!((p2.started, p2.occurrences), (0, 0), "{p2:?}");
    assert_eq!(plan_payments(t, plan, "status = 'pending'").await, 1);
    assert_eq!(n(t, &scheduled).await, 1, "the next one, ahead");
    assert_eq!(
        n(t, &format!("SELECT COUNT(*) FROM payment_status_history h JOIN payments p ON p.id = h.payment_id \
                       WHERE p.plan_id = {plan} AND h.reason = 'recurring plan {plan}, occurrence {first_iso}'")).await,
        1,
        "the payment's history names the plan and occurrence"
    );

    // Down for three months: each missed date is paid once, late, then the
    // next one is made ahead.
    let later = months_ahead(&s, 4, 20);
    let (a, b) = tokio::join!(pass(&s, later), pass(&s, later));
    assert_eq!(a.started + b.started, 3, "{a:?} {b:?}");
    assert_eq!(
        plan_payments(t, plan, "status = 'pending' AND ran_late = TRUE").await,
        3,
        "the three due in the gap ran late (the one made ahead among them)"
    );
    let occurrences = n(
        t,
        &format!("SELECT COUNT(*) FROM plan_occurrences WHERE plan_id = {plan}"),
    )
    .await;
    let payments = plan_payments(t, plan, "TRUE").await;
    assert_eq!(occurrences, payments, "one payment per occurrence");
    assert_eq!(occurrences, 5, "4 paid and 1 ahead");
    assert_eq!(
        n(
            t,
            &format!(
                "SELECT COUNT(DISTINCT occurrence_key) FROM plan_occurrences WHERE plan_id = {plan}"
            )
        )
        .await,
        5
    );
    // Each occurrence's audit row (written a page at a time) is in its
    // account's division, read as it was written.
    assert_eq!(
        n(
            t,
            &format!(
                "SELECT COUNT(*) FROM audit_log l JOIN plans p ON l.object = 'plan ' || CAST(p.id AS TEXT) \
                 JOIN accounts a ON a.id = p.account_id \
                 WHERE p.id = {plan} AND l.action = 'plan.occurrence' AND l.division_id = a.division_id"
            )
        )
        .await,
        5
    );
    // Ledger and balance agree.
    assert!(t.db.ledger_breaches().await.unwrap().is_empty());
}

async fn cancelling_one_occurrence_or_the_plan(t: &TestDb) {
    let (s, c) = start(t).await;
    let visa = methods(&c, &s, "payer1").await[0].0;
    let method = format!("saved:{visa}");
    let first = months_ahead(&s, 1, 10).iso();
    let plan = set_up(
        &c,
        &s,
        &recurring_form("100001", &method, "12.00", "weekly", &first),
    )
    .await;
    let row =
        t.db.payment_by_id(
            support::count(
                &t.db,
                &format!("SELECT id FROM payments WHERE plan_id = {plan}"),
            )
            .await,
        )
        .await
        .unwrap()
        .unwrap();
    // Cancel/Reverse on the Scheduled occurrence cancels it alone.
    let r = support::cancel_reverse(
        &c,
        &s,
        &row.reference,
        "one-occurrence-key-0001",
        "cancel",
        "",
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let runs = app::domain::calendar::run_date(day(&first));
    let p = pass(&s, runs).await;
    assert_eq!(p.started, 0, "the cancelled one does not run");
    assert_eq!(
        p.occurrences, 1,
        "the plan goes on: the next week's is made"
    );
    let plan_text = plan.to_string();
    // Cancel Recurring Payment: the plan ends and its Scheduled payment is
    // cancelled; a repeat says so and does nothing.
    let r = call(
        &c,
        &s,
        "cancel_plan",
        &[("plan", &plan_text), ("payer", "payer1")],
    )
    .await;
    assert_eq!(
        r.json::<String>().await.unwrap(),
        format!("Plan {plan} was cancelled.")
    );
    let r = call(
        &c,
        &s,
        "cancel_plan",
        &[("plan", &plan_text), ("payer", "payer1")],
    )
    .await;
    assert_eq!(
        r.json::<String>().await.unwrap(),
        format!("Plan {plan} had already ended.")
    );
    assert_eq!(plan_payments(t, plan, "status = 'scheduled'").await, 0);
    let later = pass(&s, months_ahead(&s, 3, 1)).await;
    assert_eq!((later.occurrences, later.started), (0, 0));
    assert_eq!(
        n(
            t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'plan.cancel'"
        )
        .await,
        1
    );
}

async fn bill_triggered_plans_pay_each_bill_once(t: &TestDb) {
    let (s, c) = start(t).await;
    let visa = methods(&c, &s, "payer1").await[0].0;
    let method = format!("saved:{visa}");
    let form = [
        ("form[account]", "100002"),
        ("form[payer]", "payer1"),
        ("form[kind]", "bill_triggered"),
        ("form[method]", method.as_str()),
        ("form[email]", "maria@example.com"),
        ("form[days_before]", "3"),
        ("form[bill_amount]", "full"),
        ("form[max_amount]", "200.00"),
    ];
    let plan = set_up(&c, &s, &form).await;
    let due = months_ahead(&s, 1, 20).iso();
    let bills = |rows: &str| {
        format!(
            "account_number,invoice_number,invoice_date,due_date,amount_due,minimum_due\n{rows}"
        )
    };
    let load = |text: String| {
        let db = t.db.clone();
        async move {
            let out = app::services::accounts_import::import_with(
                &db,
                text.as_bytes(),
                app::services::accounts_import::FileKind::Bills,
                app::db::accounts::ImportMode::AllOrNothing,
                "bills.csv",
                Some("test"),
                None,
            )
            .await
            .unwrap();
            assert!(out.errors.is_empty(), "{:?}", out.errors);
        }
    };
    let today = app::services::clock::today(&s.state.config.timezone);
    load(bills(&format!(
        "100002,INV-1,{},{due},150.00,20.00\n100002,INV-BIG,{},{due},250.00,20.00\n",
        today.iso(),
        today.iso()
    )))
    .await;
    let p = pass(&s, today).await;
    assert_eq!((p.occurrences, p.skipped), (2, 1), "{p:?}");
    let toward = format!(
        "SELECT COUNT(*) FROM payments WHERE plan_id = {plan} AND channel = 'triggered' AND status = 'scheduled' AND amount_cents = 15000"
    );
    assert_eq!(n(t, &toward).await, 1);
    // Over the cap: skipped, and the payer is told why.
    let notices = t.db.notices_for_plan(plan).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0]
            .body
            .as_deref()
            .unwrap()
            .contains("over the plan's limit of $200.00")
    );
    assert_eq!((pass(&s, today).await.occurrences), 0, "once");

    // A new version of INV-1 (it has a payment, so a version is added):
    // its payment replaces the older one's; never both.
    load(bills(&format!(
        "100002,INV-1,{},{due},120.00,20.00\n",
        today.iso()
    )))
    .await;
    let p = pass(&s, today).await;
    assert_eq!(p.occurrences, 1, "{p:?}");
    assert_eq!(plan_payments(t, plan, "status = 'scheduled'").await, 1);
    assert_eq!(
        plan_payments(t, plan, "status = 'scheduled' AND amount_cents = 12000").await,
        1
    );
    // It runs 3 days before the due date (or the banking day before).
    let runs = app::domain::plan::bill_run_date(day(&due), 3, today);
    let p = pass(&s, runs).await;
    assert_eq!(p.started, 1);
    assert_eq!(plan_payments(t, plan, "status = 'pending'").await, 1);

    // A bill made payable again on Bill Details is planned at Submit, with
    // no pass in between.
    load(bills(&format!(
        "100002,INV-2,{},{due},40.00,10.00\n",
        today.iso()
    )))
    .await;
    let bill = n(t, "SELECT id FROM bills WHERE invoice_number = 'INV-2'").await;
    let bill = bill.to_string();
    let edit = |status: &'static str, state: &'static str| {
        [
            ("form[id]", bill.clone()),
            ("form[status]", status.to_string()),
            ("form[state]", state.to_string()),
        ]
    };
    let on_it = format!(
        "SELECT COUNT(*) FROM plan_occurrences WHERE plan_id = {plan} AND occurrence_key = 'invoice:INV-2'"
    );
    let form = edit("unpaid", "inactive");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(call(&c, &s, "update_bill", &form).await.status(), 200);
    assert_eq!(n(t, &on_it).await, 0, "an inactive bill is not paid");
    let form = edit("unpaid", "active");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(call(&c, &s, "update_bill", &form).await.status(), 200);
    assert_eq!(n(t, &on_it).await, 1, "planned at Submit");
    assert_eq!(
        plan_payments(t, plan, "status = 'scheduled' AND amount_cents = 4000").await,
        1
    );
}

async fn declines_and_inactive_accounts_stop_plans(t: &TestDb) {
    let (s, c) = start(t).await;
    // A card the sandbox declines.
    let sealed = add_card(&c, &s, "payer1", "4000 0000 0000 0002").await;
    assert_eq!(
        call(&c, &s, "add_saved_method", &[("r", &sealed)])
            .await
            .status(),
        200
    );
    let declining = methods(&c, &s, "payer1")
        .await
        .into_iter()
        .find(|(_, l)| l.ends_with("0002"))
        .unwrap()
        .0;
    let method = format!("saved:{declining}");
    let first = months_ahead(&s, 1, 5);
    let plan = set_up(
        &c,
        &s,
        &recurring_form("100041", &method, "9.00", "weekly", &first.iso()),
    )
    .await;
    // Three weeks of declines: the payer is told each time, and the third
    // stops the plan.
    let mut on = first;
    for _ in 0..3 {
        pass(&s, app::domain::calendar::run_date(on)).await;
        on = app::domain::calendar::add_days(on, 7);
    }
    let p = t.db.plan(plan).await.unwrap().unwrap();
    assert_eq!(p.status, "cancelled");
    assert_eq!(
        p.end_reason.as_deref(),
        Some("Three payments in a row failed")
    );
    assert_eq!(plan_payments(t, plan, "status = 'declined'").await, 3);
    assert_eq!(
        n(t, &format!("SELECT COUNT(*) FROM notices WHERE plan_id = {plan} AND once_key LIKE 'plan:{plan}:failed:%'")).await,
        3
    );

    // An account made inactive: its plans are cancelled, and a payment made
    // ahead is never charged.
    let visa = methods(&c, &s, "payer1").await[0].0;
    let method = format!("saved:{visa}");
    let plan2 = set_up(
        &c,
        &s,
        &recurring_form("100002", &method, "9.00", "monthly", &first.iso()),
    )
    .await;
    support::execute(
        &t.db,
        "UPDATE accounts SET status = 'inactive' WHERE account_number = '100002'",
    )
    .await
    .unwrap();
    let p = pass(&s, app::domain::calendar::run_date(first)).await;
    assert_eq!(p.plans_cancelled, 1, "{p:?}");
    assert_eq!(t.db.plan(plan2).await.unwrap().unwrap().status, "cancelled");
    assert_eq!(
        plan_payments(t, plan2, "status IN ('pending', 'authorizing')").await,
        0,
        "never charged"
    );
}

on_both_backends!(
    saved_methods_are_added_once_and_kept_while_a_plan_uses_them,
    a_recurring_plan_pays_each_date_exactly_once,
    cancelling_one_occurrence_or_the_plan,
    bill_triggered_plans_pay_each_bill_once,
    declines_and_inactive_accounts_stop_plans,
);

/// The plans pass runs on one server at a time on PostgreSQL
/// (`db::single_runner`): a second asking while the first holds the lock
/// is told no, and asks again with success once the first is done,
/// however it ended. SQLite has one server: always yes.
async fn one_server_at_a_time_runs_the_plans_pass(t: &TestDb) {
    use app::db::single_runner::SCHEDULER_LOCK;
    let first = t.db.try_single_runner(SCHEDULER_LOCK).await.unwrap();
    assert!(first.is_some());
    let second = t.db.try_single_runner(SCHEDULER_LOCK).await.unwrap();
    match t.db {
        app::db::Db::Sqlite(_) => assert!(second.is_some()),
        app::db::Db::Postgres(_) => {
            assert!(second.is_none(), "held by the first");
            first.unwrap().release().await.unwrap();
            let again = t.db.try_single_runner(SCHEDULER_LOCK).await.unwrap();
            assert!(again.is_some(), "free once the first is done");
            // Dropped (a panic, a cancelled task): free as soon as the
            // pool has rolled the transaction back.
            drop(again);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                if t.db
                    .try_single_runner(SCHEDULER_LOCK)
                    .await
                    .unwrap()
                    .is_some()
                {
                    break;
                }
                assert!(std::time::Instant::now() < deadline, "never freed");
                tokio::task::yield_now().await;
            }
        }
    }
}

on_both_backends!(one_server_at_a_time_runs_the_plans_pass);
