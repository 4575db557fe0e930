//! The reports over HTTP on both engines: Payment History's summary ties
//! out with the payments table and drills into its rows; filters, sorting
//! and paging; exports of every row (CSV checked cell by cell, Excel as a
//! real workbook); Aging's buckets; Enrollment and Activity from the
//! payers; malformed queries answered 4xx with a message; who may run them;
//! and a day that is 25 hours long.

use crate::support::{self, ADMIN, CSR, TestDb, TestServer};
use app::services::clock;
use reqwest::Client;
use serde_json::Value;

pub(crate) async fn setup(t: &TestDb, settings: &[(&str, &str)]) -> (TestServer, Client) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve_with(t, settings).await;
    let admin = support::signed_in(&s, ADMIN).await;
    (s, admin)
}

pub(crate) fn today(s: &TestServer) -> String {
    let t = clock::today(&s.state.config.timezone);
    format!("{:04}-{:02}-{:02}", t.year, t.month, t.day)
}

/// `load_report` with `params`; the status and the JSON answer.
pub(crate) async fn report(
    c: &Client,
    s: &TestServer,
    kind: &str,
    params: &[(&str, &str)],
) -> (u16, Value) {
    let map: std::collections::BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let form: Vec<(String, String)> = vec![
        ("q[kind]".into(), kind.into()),
        (
            "q[params]".into(),
            app::domain::report::to_query_string(&map),
        ),
    ];
    let r = c
        .post(format!("{}/api/load_report", s.base))
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn summary_row<'a>(page: &'a Value, label: &str) -> &'a Vec<Value> {
    page["summaries"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0]["text"] == label)
        .unwrap_or_else(|| panic!("no summary row {label}: {page}"))
        .as_array()
        .unwrap()
}

fn column(page: &Value, i: usize) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[i]["text"].as_str().unwrap().to_string())
        .collect()
}

async fn get(c: &Client, s: &TestServer, path: &str) -> (u16, Vec<u8>) {
    let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

/// A text download (an export) that must succeed: its body.
pub(crate) async fn get_text(c: &Client, s: &TestServer, path: &str) -> String {
    let (status, body) = get(c, s, path).await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(status, 200, "{path}: {text}");
    text
}

async fn payment_history_ties_out_drills_filters_and_exports(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let csr = support::staff(&t.db, CSR.0).await;
    let mut refs = Vec::new();
    for (account, amount) in [("100001", "10.00"), ("100002", "25.50"), ("100003", "7.25")] {
        refs.push(support::pay(&s.state, &csr, account, amount, None).await);
    }
    refs.push(support::pay(&s.state, &csr, "100004", "40.00", Some("123456789")).await);
    let scheduled = support::pay_on(
        &s.state,
        &csr,
        "100005",
        "5.00",
        None,
        Some(&support::next_month(&s.state)),
    )
    .await;
    support::settle(&s).await;
    let casey = support::signed_in(&s, CSR).await;
    let key = "test-key-00000007-abcdef";
    let r = support::cancel_reverse(&casey, &s, &refs[1], key, "partial_refund", "5.50").await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // A payer name meant to be a formula in a spreadsheet.
    support::execute(
        &t.db,
        "UPDATE accounts SET first_name = '=HYPERLINK(\"http://x\")' WHERE account_number = '100003'",
    )
    .await
    .unwrap();

    let day = today(&s);
    let range = [("from", day.as_str()), ("to", day.as_str())];
    let (st, page) = report(&admin, &s, "payment-history", &range).await;
    assert_eq!(st, 200, "{page}");
    let expected_total = support::count(
        &t.db,
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM payments WHERE status <> 'authorizing'",
    )
    .await;
    assert_eq!(expected_total, 1000 + 2550 + 725 + 4000 + 500);
    let footer = page["summaries"][0]["footer"].as_array().unwrap();
    assert_eq!(footer[1]["text"], "5");
    assert_eq!(footer[2]["text"], "$87.75");
    // One division: no Key column, on the page or in its rows.
    let columns = page["columns"].as_array().unwrap();
    assert_eq!(
        columns.last().unwrap()["label"],
        "Entered By",
        "{columns:?}"
    );
    assert!(
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.as_array().unwrap().len() == columns.len())
    );
    assert_eq!(summary_row(&page, "Processed**")[1]["text"], "1");
    assert_eq!(summary_row(&page, "Processed**")[3]["text"], "$5.50");
    assert_eq!(
        summary_row(&page, "Processed")[1]["text"],
        "3",
        "two cards captured, and the ACH debit sent in the file"
    );
    assert_eq!(summary_row(&page, "Pending")[1]["text"], "0");
    assert_eq!(summary_row(&page, "Scheduled")[1]["text"], "1");
    assert_eq!(page["total"], 5);

    // The Processed** row drills into exactly the refunded payment.
    let drill = summary_row(&page, "Processed**")[1]["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(drill.contains("status=refunded"), "{drill}");
    let (_, refunded) = report(
        &admin,
        &s,
        "payment-history",
        &[range[0], range[1], ("status", "refunded")],
    )
    .await;
    assert_eq!(column(&refunded, 0), vec![refs[1].clone()]);
    assert_eq!(column(&refunded, 9), vec!["Processed**"]);
    let (_, sched) = report(
        &admin,
        &s,
        "payment-history",
        &[range[0], range[1], ("status", "scheduled")],
    )
    .await;
    assert_eq!(column(&sched, 0), vec![scheduled]);

    // Filters, sorting and paging.
    let (_, ach) = report(
        &admin,
        &s,
        "payment-history",
        &[range[0], range[1], ("method", "ach")],
    )
    .await;
    assert_eq!(column(&ach, 1), vec!["100004"]);
    assert_eq!(
        ach["summaries"][0]["footer"][1]["text"], "1",
        "the summary follows the filters"
    );
    let (_, asc) = report(
        &admin,
        &s,
        "payment-history",
        &[range[0], range[1], ("sort", "amount"), ("dir", "asc")],
    )
    .await;
    assert_eq!(
        column(&asc, 6),
        vec!["$5.00", "$7.25", "$10.00", "$25.50", "$40.00"]
    );
    let (_, by_ref) = report(
        &admin,
        &s,
        "payment-history",
        &[range[0], range[1], ("reference", &refs[2][2..7])],
    )
    .await;
    assert_eq!(column(&by_ref, 0), vec![refs[2].clone()]);
    let (_, p2) = report(
        &admin,
        &s,
        "payment-history",
        &[range[0], range[1], ("per", "10"), ("page", "2")],
    )
    .await;
    assert_eq!(p2["page"], 1, "past the last page shows the last");

    // CSV: what it is, then every row, exact amounts, no formulas.
    let (st, body) = get(
        &admin,
        &s,
        &format!("/reports/payment-history.csv?from={day}&to={day}&sort=amount&dir=asc"),
    )
    .await;
    assert_eq!(st, 200);
    let text = String::from_utf8(body).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&lines[0][1], "Payment History");
    assert_eq!(&lines[1][1], day.as_str());
    assert_eq!(&lines[3][1], ADMIN.0, "who ran it");
    assert_eq!(&lines[6][0], "Transaction ID");
    let rows = &lines[7..];
    assert_eq!(rows.len(), 5, "every row: {text}");
    let amounts: Vec<&str> = rows.iter().map(|r| &r[6]).collect();
    assert_eq!(amounts, vec!["5.00", "7.25", "10.00", "25.50", "40.00"]);
    let formula = rows.iter().find(|r| &r[1] == "100003").unwrap();
    assert!(formula[3].starts_with("'="), "{:?}", &formula[3]);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'report.export'"
        )
        .await,
        1,
        "the export is audited"
    );
    // A typed filter is a bound text value (SQLite's exports bind it
    // through the C API themselves, db::sqlite_rows).
    let (_, one) = get(
        &admin,
        &s,
        &format!("/reports/payment-history.csv?from={day}&to={day}&account=100003"),
    )
    .await;
    let one = String::from_utf8(one).unwrap();
    let accounts: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(one.as_bytes())
        .records()
        .skip(7)
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    assert_eq!(accounts, vec!["100003"], "{one}");

    // Excel: a real workbook, with the same rows.
    let (st, body) = get(
        &admin,
        &s,
        &format!("/reports/payment-history.xlsx?from={day}&to={day}"),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(&body[..2], b"PK", "a zip");
    assert!(body.len() > 1000);

    // A CSR has Reports by default; the Audit Report stays with administrators.
    assert_eq!(report(&casey, &s, "payment-history", &range).await.0, 200);
    assert_eq!(get(&casey, &s, "/reports/audit.csv").await.0, 403);
    assert_eq!(
        get(&support::client(), &s, "/reports/payment-history.csv")
            .await
            .0,
        303,
        "signed out: to sign-in, no rows"
    );
    // Formats a report does not offer are not there.
    assert_eq!(get(&admin, &s, "/reports/payment-history.txt").await.0, 404);
}

async fn malformed_report_queries_get_4xx_and_a_message(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("from", "2026-02-30")], "from"),
        (&[("from", "2026-11-30"), ("to", "2026-11-01")], "to"),
        (&[("sort", "card_number")], "sort"),
        (&[("per", "1000000")], "per"),
        (&[("page", "-1")], "page"),
        (&[("status", "stolen")], "status"),
        (&[("password", "x")], "query"),
    ];
    for (params, field) in cases {
        let (st, body) = report(&admin, &s, "payment-history", params).await;
        assert!((400..500).contains(&st), "{params:?}: {st}");
        let errors = body["Invalid"]["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == *field && !e["message"].as_str().unwrap().is_empty()),
            "{params:?}: {body}"
        );
        // The export says the same, as text.
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let (st, text) = get(
            &admin,
            &s,
            &format!("/reports/payment-history.csv?{}", query.join("&")),
        )
        .await;
        assert!((400..500).contains(&st), "export {params:?}: {st}");
        assert!(
            String::from_utf8_lossy(&text).contains(field),
            "{}",
            String::from_utf8_lossy(&text)
        );
    }
    let (st, _) = report(&admin, &s, "no-such-report", &[]).await;
    assert!((400..500).contains(&st));
}

async fn aging_buckets_what_is_still_due(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    // As of 2026-06-30: due dates 5 days ahead, and 15, 51, 76 and 180 days past.
    for (account, invoice, due, cents) in [
        ("100001", "A-CUR", "2026-07-05", 1000),
        ("100002", "A-15", "2026-06-15", 2000),
        ("100003", "A-51", "2026-05-10", 3000),
        ("100004", "A-76", "2026-04-15", 4000),
        ("100005", "A-180", "2026-01-01", 5000),
    ] {
        support::execute(
            &t.db,
            &format!(
                "INSERT INTO bills (account_id, invoice_number, invoice_date, due_date, amount_due_cents, minimum_due_cents, created_at, updated_at) \
                 SELECT id, '{invoice}', '2026-01-01', '{due}', {cents}, 0, 0, 0 FROM accounts WHERE account_number = '{account}'"
            ),
        )
        .await
        .unwrap();
    }
    // Not aged: issued after the date, paid in full elsewhere, or inactive.
    support::execute(&t.db, "INSERT INTO bills (account_id, invoice_number, invoice_date, due_date, amount_due_cents, minimum_due_cents, created_at, updated_at) SELECT id, 'LATER', '2026-07-01', '2026-07-30', 900, 0, 0, 0 FROM accounts WHERE account_number = '100006'").await.unwrap();
    support::execute(&t.db, "INSERT INTO bills (account_id, invoice_number, invoice_date, due_date, amount_due_cents, minimum_due_cents, status, created_at, updated_at) SELECT id, 'EXT', '2026-01-01', '2026-02-01', 900, 0, 'externally_paid', 0, 0 FROM accounts WHERE account_number = '100006'").await.unwrap();
    // A-51 is half paid by a payment toward it.
    let csr = support::staff(&t.db, CSR.0).await;
    let bill = support::count(&t.db, "SELECT id FROM bills WHERE invoice_number = 'A-51'").await;
    let form = app::domain::payment::PaymentForm {
        account: "100003".into(),
        email: "payer@example.com".into(),
        amount: "15.00".into(),
        method: "card".into(),
        card_name: "Pat Payer".into(),
        card_number: "4242424242424242".into(),
        card_expiry: "12/39".into(),
        card_cvv: "123".into(),
        card_zip: "02139".into(),
        bill: bill.to_string(),
        ..Default::default()
    };
    let payments = s.state.payments();
    let sealed = payments.review(&csr, &form).await.unwrap();
    let reference = payments
        .submit(&csr, &sealed, None)
        .await
        .unwrap()
        .reference
        .to_string();

    let (st, page) = report(&admin, &s, "aging", &[("date", "2026-06-30")]).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["total"], 5, "the count comes from the summary");
    assert_eq!(
        column(&page, 2),
        vec!["A-180", "A-76", "A-51", "A-15", "A-CUR"],
        "most days past due first"
    );
    let cells = |label: &str| {
        let r = summary_row(&page, label);
        (
            r[1]["text"].as_str().unwrap().to_string(),
            r[2]["text"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(cells("Current"), ("1".into(), "$10.00".into()));
    assert_eq!(cells("1–30 days"), ("1".into(), "$20.00".into()));
    assert_eq!(
        cells("31–60 days"),
        ("1".into(), "$15.00".into()),
        "less what was paid"
    );
    assert_eq!(cells("61–90 days"), ("1".into(), "$40.00".into()));
    assert_eq!(cells("Over 90 days"), ("1".into(), "$50.00".into()));
    let (_, old) = report(
        &admin,
        &s,
        "aging",
        &[("date", "2026-06-30"), ("bucket", "over-90")],
    )
    .await;
    assert_eq!(column(&old, 2), vec!["A-180"]);
    assert_eq!(column(&old, 4), vec!["180"], "days past due");
    let (_, mid) = report(
        &admin,
        &s,
        "aging",
        &[("date", "2026-06-30"), ("bucket", "31-60")],
    )
    .await;
    assert_eq!(column(&mid, 7), vec!["$15.00"], "paid toward it");

    // What was paid moves with the payment: a partial refund gives some
    // back, a full reversal all of it; the bill's figure always equals its
    // payments.
    let csr_web = support::signed_in(&s, CSR).await;
    for (key, action, amount, still_due, why) in [
        (
            "test-key-00000001-abcdef",
            "partial_refund",
            "5.00",
            "$20.00",
            "$15.00 paid less $5.00 refunded",
        ),
        (
            "test-key-00000002-abcdef",
            "full_reversal",
            "",
            "$30.00",
            "a reversed payment pays nothing",
        ),
    ] {
        let done = support::cancel_reverse(&csr_web, &s, &reference, key, action, amount).await;
        assert_eq!(done.status(), 200, "{action}");
        let (_, mid) = report(
            &admin,
            &s,
            "aging",
            &[("date", "2026-06-30"), ("bucket", "31-60")],
        )
        .await;
        assert_eq!(column(&mid, 8), vec![still_due], "{why}");
        assert!(t.db.ledger_breaches().await.unwrap().is_empty());
    }
}

async fn enrollment_and_activity_come_from_the_payers(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let pairs = support::count(&t.db, "SELECT COUNT(*) FROM account_payers").await;
    assert!(pairs > 3);
    let (st, page) = report(&admin, &s, "enrollment", &[]).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["total"], pairs);
    let (_, payer1) = report(
        &admin,
        &s,
        "enrollment",
        &[("user_id", "payer1"), ("sort", "account")],
    )
    .await;
    let users = column(&payer1, 0);
    assert!(users.iter().all(|u| u.contains("payer1")), "{users:?}");
    let accounts: Vec<String> = column(&payer1, 1)
        .into_iter()
        .zip(&users)
        .filter(|(_, u)| *u == "payer1")
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        accounts,
        vec!["100001", "100002", "100041"],
        "one row per account they pay"
    );
    assert!(column(&payer1, 3).iter().all(|v| v == "N"));
    assert!(page["notes"][0].as_str().unwrap().contains("N"));
    let day = today(&s);
    let (st, act) = report(
        &admin,
        &s,
        "activity",
        &[("from", &day), ("to", &day), ("event", "enrolled")],
    )
    .await;
    assert_eq!(st, 200, "{act}");
    assert_eq!(act["total"], pairs, "each enrollment happened today");
    let (_, none) = report(
        &admin,
        &s,
        "activity",
        &[("from", "2020-01-01"), ("to", "2020-01-31")],
    )
    .await;
    assert_eq!(none["total"], 0);
}

/// 2026-11-01 in New York is 25 hours long (clocks go back at 2:00). A
/// payment at 00:30 and one at 23:30 that day both fall on it, and neither
/// on the days around it.
async fn a_day_is_the_billers_day_across_a_dst_change(t: &TestDb) {
    let (s, admin) = setup(t, &[("PAYDESK_TIMEZONE", "America/New_York")]).await;
    let csr = support::staff(&t.db, CSR.0).await;
    let early = support::pay(&s.state, &csr, "100001", "1.00", None).await;
    let late = support::pay(&s.state, &csr, "100002", "2.00", None).await;
    let before = support::pay(&s.state, &csr, "100003", "3.00", None).await;
    // 00:30 EDT = 04:30Z; 23:30 EST = 04:30Z the next day; 23:59 EDT the day before.
    for (r, at) in [
        (&early, "2026-11-01T04:30:00Z"),
        (&late, "2026-11-02T04:30:00Z"),
        (&before, "2026-11-01T03:59:00Z"),
    ] {
        let ms = at.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let stored = r.replace('-', "");
        support::execute(
            &t.db,
            &format!("UPDATE payments SET created_at = {ms} WHERE reference = '{stored}'"),
        )
        .await
        .unwrap();
    }
    let on = |d: &'static str| {
        let admin = admin.clone();
        let s = &s;
        async move {
            let (st, p) = report(
                &admin,
                s,
                "payment-history",
                &[("from", d), ("to", d), ("sort", "reference")],
            )
            .await;
            assert_eq!(st, 200, "{p}");
            let mut refs = column(&p, 0);
            refs.sort();
            refs
        }
    };
    let mut both = vec![early.clone(), late.clone()];
    both.sort();
    assert_eq!(on("2026-11-01").await, both);
    assert_eq!(on("2026-10-31").await, vec![before]);
    assert!(on("2026-11-02").await.is_empty());
}

/// Today's cycle: two card payments and an ACH debit settled, one card
/// refunded after capture and a second run the same day. The Reconciliation
/// report balances, each count drills into its rows, the ACH rows carry the
/// file's effective date, and TXT and XML exports hold the rows; the
/// Settlement report splits the same payments by method.
async fn reconciliation_and_settlement_tie_out_and_drill_down(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let csr = support::staff(&t.db, CSR.0).await;
    let card = support::pay(&s.state, &csr, "100001", "30.00", None).await;
    support::pay(&s.state, &csr, "100002", "12.00", None).await;
    support::pay(&s.state, &csr, "100003", "45.00", Some("123456789")).await;
    support::settle(&s).await;
    let casey = support::signed_in(&s, CSR).await;
    let r = support::cancel_reverse(
        &casey,
        &s,
        &card,
        "test-key-00000009-abcdef",
        "partial_refund",
        "10.00",
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // A run with nothing to settle makes no run: one more payment does.
    support::pay(&s.state, &csr, "100004", "5.00", None).await;
    support::settle(&s).await;

    let day = today(&s);
    let (st, page) = report(&admin, &s, "reconciliation", &[("date", &day)]).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["verdict"]["ok"], true, "{}", page["verdict"]);
    let card_table = &page["summaries"][0];
    assert_eq!(
        card_table["rows"][0][1]["text"], "3",
        "three captures: {card_table}"
    );
    assert_eq!(card_table["rows"][0][2]["text"], "$47.00");
    assert_eq!(
        card_table["rows"][1][1]["text"], "1",
        "the refund after capture"
    );
    assert_eq!(card_table["footer"][2]["text"], "$37.00");
    let ach_table = &page["summaries"][1];
    assert_eq!(ach_table["rows"][0][2]["text"], "$45.00");
    assert_eq!(
        page["summaries"][2]["footer"][1]["text"], "$82.00",
        "the deposit"
    );

    let drill = card_table["rows"][0][1]["href"].as_str().unwrap();
    assert!(
        drill.contains("method=card") && drill.contains("kind=processed"),
        "{drill}"
    );
    let (_, rows) = report(
        &admin,
        &s,
        "reconciliation",
        &[("date", &day), ("method", "card"), ("kind", "processed")],
    )
    .await;
    assert_eq!(rows["total"], 3);
    let (_, ach) = report(
        &admin,
        &s,
        "reconciliation",
        &[("date", &day), ("method", "ach")],
    )
    .await;
    assert_eq!(ach["total"], 1);
    let effective = &column(&ach, 7)[0];
    let next_weekday =
        app::services::clock::ach_effective_date(app::db::now_ms(), &s.state.config.timezone).iso();
    assert_eq!(effective, &next_weekday);

    let (st, txt) = get(
        &admin,
        &s,
        &format!("/reports/reconciliation.txt?date={day}"),
    )
    .await;
    assert_eq!(st, 200);
    let txt = String::from_utf8(txt).unwrap();
    assert!(txt.starts_with("Report: Reconciliation\r\n"), "{txt}");
    assert_eq!(
        txt.lines().filter(|l| l.contains("Reversal")).count(),
        1,
        "{txt}"
    );
    let (st, xml) = get(
        &admin,
        &s,
        &format!("/reports/reconciliation.xml?date={day}&method=card"),
    )
    .await;
    assert_eq!(st, 200);
    let xml = String::from_utf8(xml).unwrap();
    assert_eq!(xml.matches("<row>").count(), 4, "{xml}");
    assert!(xml.contains("<amount>10.00</amount>"), "{xml}");

    let (st, set) = report(&admin, &s, "settlement", &[("from", &day), ("to", &day)]).await;
    assert_eq!(st, 200, "{set}");
    assert_eq!(set["summaries"][0]["caption"], "ACH Transactions");
    assert_eq!(set["summaries"][0]["rows"][0][1]["text"], "1");
    assert_eq!(
        set["summaries"][1]["rows"][0][1]["text"], "3",
        "card debits"
    );
    assert_eq!(
        set["summaries"][1]["rows"][1][1]["text"], "1",
        "card credits"
    );
    let figure = |section: usize, row: usize| -> i64 {
        set["summaries"][section]["rows"][row][1]["text"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let debits_and_credits = figure(0, 0) + figure(0, 1) + figure(1, 0) + figure(1, 1);
    assert_eq!(
        set["total"], debits_and_credits,
        "the count is the summary's"
    );
    assert_eq!(
        set["rows"].as_array().unwrap().len() as i64,
        debits_and_credits,
        "every row on the first page, read a page's worth from each cell"
    );
    let (_, one) = report(
        &admin,
        &s,
        "settlement",
        &[
            ("from", &day),
            ("to", &day),
            ("per", "10"),
            ("account", "1"),
        ],
    )
    .await;
    assert_eq!(
        one["total"].as_i64().unwrap(),
        one["rows"].as_array().unwrap().len() as i64,
        "a typed filter counts its own rows"
    );
    let (_, cleared) = report(
        &admin,
        &s,
        "settlement",
        &[
            ("from", &day),
            ("to", &day),
            ("method", "card"),
            ("kind", "cleared"),
        ],
    )
    .await;
    assert_eq!(cleared["total"], 3);
    let (_, none) = report(&admin, &s, "reconciliation", &[("date", "2020-01-01")]).await;
    assert!(
        none["notes"][0]
            .as_str()
            .unwrap()
            .contains("No settlement ran")
    );
}

on_both_backends!(
    reconciliation_and_settlement_tie_out_and_drill_down,
    payment_history_ties_out_drills_filters_and_exports,
    malformed_report_queries_get_4xx_and_a_message,
    aging_buckets_what_is_still_due,
    enrollment_and_activity_come_from_the_payers,
    a_day_is_the_billers_day_across_a_dst_change,
);
