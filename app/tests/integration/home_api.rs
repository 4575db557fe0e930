//! Home (`/`) on both backends: its figures against payments, a settlement
//! with an ACH return, a Pending ACH payment, payments on other days and
//! bills; the page drawn with its SVG chart and the same numbers in tables;
//! Reports holders only, and CSRs still sent to Payer Support.

use crate::support;
use crate::support::{ADMIN, CSR, TestDb, call};
use app::domain::home_view::{Figure, HomeView, Line};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, LOCATION};

fn line<'a>(lines: &'a [Line], code: &str) -> &'a Line {
    lines
        .iter()
        .find(|l| l.code == code)
        .unwrap_or_else(|| panic!("no line {code} in {lines:?}"))
}

fn amount(f: &Figure) -> (i64, i64) {
    (f.count, f.total.cents())
}

async fn execute(t: &TestDb, sql: &str) {
    support::execute(&t.db, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn home_adds_up_and_links_its_reports(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let tz = s.state.config.timezone.clone();
    let casey = support::staff(&t.db, CSR.0).await;

    // Today: a card and two ACH debits, settled; the sandbox bank returns
    // the account ending 0001 (R01) on the next run.
    support::pay(&s.state, &casey, "100003", "100.00", None).await;
    support::pay(&s.state, &casey, "100006", "60.00", Some("9870001")).await;
    support::pay(&s.state, &casey, "100006", "10.00", Some("9875555")).await;
    let stored = |r: String| {
        app::domain::payment::Reference::parse(&r)
            .unwrap()
            .as_str()
            .to_string()
    };
    let earlier = support::pay(&s.state, &casey, "100004", "40.00", None).await;
    let long_ago = support::pay(&s.state, &casey, "100004", "5.00", None).await;
    let (earlier, long_ago) = (stored(earlier), stored(long_ago));
    support::settle(&s).await;
    support::settle(&s).await;
    // Waiting for the next file.
    support::pay(&s.state, &casey, "100007", "25.00", Some("9875555")).await;

    // One payment three days back (noon there), one 45 days back: outside
    // every window.
    let (dates, bounds) = app::services::clock::recent_days(app::db::now_ms(), &tz, 30);
    let today = *dates.last().unwrap();
    let three_back = bounds[26] + 12 * 3_600_000;
    execute(
        t,
        &format!("UPDATE payments SET created_at = {three_back} WHERE reference = '{earlier}'"),
    )
    .await;
    execute(
        t,
        &format!(
            "UPDATE payments SET created_at = {} WHERE reference = '{long_ago}'",
            bounds[0] - 15 * 86_400_000
        ),
    )
    .await;

    // Bills: three count (due in 3, 10 and 20 days; what is still due of
    // the one in 10), the others are inactive, paid elsewhere, paid in
    // full toward the bill, overdue or too far out.
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    let account = support::count(
        &t.db,
        "SELECT id FROM accounts WHERE account_number = '100003'",
    )
    .await;
    for (invoice, due, cents, paid, status, active) in [
        ("H-1", day(3), 5_000, 0, "unpaid", "TRUE"),
        ("H-2", day(20), 7_000, 0, "unpaid", "TRUE"),
        ("H-3", day(20), 99_900, 0, "unpaid", "FALSE"),
        ("H-4", day(3), 88_800, 0, "externally_paid", "TRUE"),
        ("H-5", day(-1), 77_700, 0, "unpaid", "TRUE"),
        ("H-6", day(40), 66_600, 0, "unpaid", "TRUE"),
        ("H-7", day(10), 3_000, 1_000, "unpaid", "TRUE"),
        ("H-8", day(5), 4_000, 4_000, "unpaid", "TRUE"),
    ] {
        // What payments paid toward a bill is what its payments'
        // transactions keep in paid_cents (reports_api checks that side).
        execute(
            t,
            &format!(
                "INSERT INTO bills (account_id, invoice_number, version, invoice_date, due_date, amount_due_cents, \
                 minimum_due_cents, status, active, created_at, updated_at, paid_cents) \
                 VALUES ({account}, '{invoice}', 1, '{}', '{due}', {cents}, 0, '{status}', {active}, 0, 0, {paid})",
                day(-10)
            ),
        )
        .await;
    }

    // Refused without Reports (taken from casey, who has it as a CSR by
    // default), given to an administrator.
    {
        use app::domain::entitlements::Entitlement;
        use app::domain::staff::Role;
        let without: Vec<Entitlement> = Entitlement::default_for(Role::Csr)
            .iter()
            .filter(|e| *e != Entitlement::Reports)
            .collect();
        support::set_entitlements(&t.db, CSR.0, &without).await;
    }
    let csr = support::signed_in(&s, CSR).await;
    assert_eq!(
        call(&csr, &s, "load_home", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let admin = support::signed_in(&s, ADMIN).await;
    let r = call(&admin, &s, "load_home", &[]).await;
    assert_eq!(r.status(), 200);
    let h: HomeView = r.json().await.unwrap();

    let iso = today.to_string();
    assert_eq!(h.today, iso);
    let [today_p, week] = &h.periods[..] else {
        panic!("{:?}", h.periods)
    };
    assert_eq!(
        (today_p.name.as_str(), week.name.as_str()),
        ("Today", "This week")
    );
    assert_eq!(amount(&today_p.all), (4, 19_500));
    assert_eq!(
        amount(&line(&today_p.by_status, "processed").figure),
        (2, 11_000)
    );
    assert_eq!(
        amount(&line(&today_p.by_status, "failed").figure),
        (1, 6_000)
    );
    assert_eq!(
        amount(&line(&today_p.by_status, "pending").figure),
        (1, 2_500)
    );
    assert_eq!(amount(&line(&today_p.by_status, "declined").figure), (0, 0));
    assert!(
        today_p.by_status.iter().all(|l| l.code != "authorizing"),
        "nothing is being authorized"
    );
    assert_eq!(
        amount(&line(&today_p.by_method, "card").figure),
        (1, 10_000)
    );
    assert_eq!(amount(&line(&today_p.by_method, "ach").figure), (3, 9_500));
    assert_eq!(
        line(&today_p.by_status, "failed").figure.href,
        format!("/reports/payment-history?from={iso}&to={iso}&status=failed")
    );
    assert_eq!(
        line(&today_p.by_method, "ach").figure.href,
        format!("/reports/payment-history?from={iso}&to={iso}&method=ach")
    );

    // This week is Monday to today: the payment three days back is in it
    // from Thursday on.
    let monday_offset = i64::from(today.weekday().to_monday_zero_offset());
    let week_from = day(-monday_offset);
    assert_eq!(
        (week.from.as_str(), week.to.as_str()),
        (week_from.as_str(), iso.as_str())
    );
    if monday_offset >= 3 {
        assert_eq!(amount(&week.all), (5, 23_500));
        assert_eq!(amount(&line(&week.by_method, "card").figure), (2, 14_000));
    } else {
        assert_eq!(amount(&week.all), (4, 19_500));
    }

    // 30 days, oldest first; each bar's day on its own.
    assert_eq!(h.days.len(), 30);
    assert_eq!(h.days[29].date, iso);
    assert_eq!(amount(&h.days[29].figure), (4, 19_500));
    assert_eq!(h.days[26].date, day(-3));
    assert_eq!(amount(&h.days[26].figure), (1, 4_000));
    let rest: i64 = h.days.iter().map(|d| d.figure.count).sum();
    assert_eq!(rest, 5, "the payment 45 days back is in no bar");
    assert_eq!(
        h.days[26].figure.href,
        format!("/reports/payment-history?from={0}&to={0}", day(-3))
    );

    assert_eq!(amount(&h.pending_ach), (1, 2_500));
    assert_eq!(
        h.pending_ach.href,
        format!("/reports/payment-history?from={iso}&to={iso}&status=pending&method=ach")
    );

    assert_eq!(amount(&h.returns.all), (1, 6_000));
    assert_eq!(h.returns.by_code.len(), 1);
    assert_eq!(h.returns.by_code[0].label, "R01 Insufficient Funds");
    assert_eq!(h.returns.unmatched, 0);
    assert_eq!(
        h.returns.all.href,
        format!(
            "/reports/settlement?from={}&to={iso}&method=ach&kind=error",
            day(-29)
        )
    );

    let [near, far] = &h.bills_due[..] else {
        panic!("{:?}", h.bills_due)
    };
    assert_eq!((near.days, near.until.as_str()), (7, day(7).as_str()));
    assert_eq!(amount(&near.figure), (1, 5_000));
    assert_eq!(amount(&far.figure), (3, 14_000), "what is still due");
    assert_eq!(
        near.figure.href,
        format!("/reports/aging?date={iso}&bucket=current")
    );
    assert_eq!(
        h.reconciliation,
        format!("/reports/reconciliation?date={iso}")
    );

    // The page: Home, with the chart and the same numbers in its table.
    let page = admin
        .get(format!("{}/", s.base))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Home</h1>"), "{html}");
    assert!(html.contains("Home · Paydesk</title>"), "{html}");
    let nav = &html[html.find(r#"aria-label="Main""#).unwrap()..];
    let home_link = nav.find(">Home</a>").expect("Home in the navigation");
    assert!(
        home_link < nav.find(">Payer Support</a>").unwrap(),
        "Home comes first"
    );
    let svg = &html[html
        .find(r#"<svg id="chart-daily""#)
        .expect("the daily chart")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"chart-daily-title\">"));
    assert!(svg.contains(r#"viewBox="0 0 800 300""#));
    assert!(svg.contains(r#"data-cents="19500""#), "today's bar: {svg}");
    assert!(
        svg.contains(r#"data-cents="4000""#),
        "three days back: {svg}"
    );
    assert_eq!(svg.matches("<rect").count(), 30);
    let table = &html[html.find(r#"id="home-daily-table""#).unwrap()..];
    let row = &table[table.find(&format!(r#"data-date="{iso}""#)).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    let today_link = format!(r#"href="/reports/payment-history?from={iso}&amp;to={iso}""#);
    assert!(row.contains(&today_link), "{row}");
    assert!(
        row.contains(">4</a>") && row.contains(">$195.00</a>"),
        "{row}"
    );
    assert!(
        !svg.contains("<a "),
        "the chart is one image, with no links inside: the table's numbers are the links"
    );
    let pending = &html[html.find(r#"id="home-pending-ach""#).unwrap()..];
    assert!(pending[..pending.find("</article>").unwrap()].contains("1 payment · $25.00"));
    let returns = &html[html.find(r#"id="home-returns-table""#).unwrap()..];
    assert!(returns[..returns.find("</table>").unwrap()].contains("R01 Insufficient Funds"));
    assert!(html.contains(r#"<svg id="chart-week-status""#));

    // A CSR without Reports is still sent to Payer Support, with no Home link.
    let r = csr
        .get(format!("{}/", s.base))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(r.headers()[LOCATION], "/payer-support");
    let page = csr
        .get(format!("{}/payer-support", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(">Home</a>"), "no Home for a CSR");

    // Signing in without a `next` page lands each on their home.
    for (who, home) in [(ADMIN, "/"), (CSR, "/payer-support")] {
        let c = support::client();
        let r = call(
            &c,
            &s,
            "sign_in",
            &[("login", who.0), ("password", who.1), ("next", "")],
        )
        .await;
        assert_eq!(r.headers()[LOCATION], home, "{}", who.0);
    }
}

/// No payments, returns or bills: every figure is zero and the chart is an
/// empty scale, not an error.
async fn an_empty_home_is_all_zeros(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let admin = support::signed_in(&s, ADMIN).await;
    let r = call(&admin, &s, "load_home", &[]).await;
    assert_eq!(r.status(), 200);
    let h: HomeView = r.json().await.unwrap();
    assert!(h.days.iter().all(|d| d.figure.count == 0));
    assert_eq!(amount(&h.periods[0].all), (0, 0));
    assert_eq!(amount(&h.pending_ach), (0, 0));
    assert_eq!(
        h.pending_ach.href,
        format!(
            "/reports/payment-history?from={0}&to={0}&status=pending&method=ach",
            h.today
        )
    );
    assert!(h.returns.by_code.is_empty());
    assert_eq!(amount(&h.bills_due[1].figure), (0, 0));
    let html = admin
        .get(format!("{}/", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<svg id="chart-daily""#));
    assert!(html.contains("0 payments · $0.00"));
}

on_both_backends!(
    home_adds_up_and_links_its_reports,
    an_empty_home_is_all_zeros
);
