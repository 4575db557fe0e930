//! Metrics, the access log's request ids and incident ids, over HTTP on both
//! engines. The metrics recorder is process-wide and these tests run beside
//! others that also count, so they assert what is present and what moved
//! (at least by this test's own doing), never a counter's exact value.

use crate::support;
use crate::support::{ADMIN, CSR, TestDb, TestServer, call};

use reqwest::StatusCode;

const METRICS_ON: (&str, &str) = ("PAYDESK_METRICS_ADDR", "127.0.0.1:0");

async fn scrape(s: &TestServer) -> String {
    let base = s.metrics.as_ref().expect("metrics are on");
    let r = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    r.text().await.unwrap()
}

/// The sum of the samples of `name` whose labels include all of `labels`
/// (`None`: no such sample).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (metric, label_text) = match series.split_once('{') {
            Some((m, rest)) => (m, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        if metric != name {
            continue;
        }
        let has = |(k, v): &(&str, &str)| {
            label_text
                .split(',')
                .any(|pair| pair == format!("{k}=\"{v}\""))
        };
        if labels.iter().all(has) {
            *found.get_or_insert(0.0) += value.parse::<f64>().unwrap();
        }
    }
    found
}

fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    sample(text, name, labels).unwrap_or(0.0)
}

/// What a client gets for /metrics from the public site: never the metrics.
async fn site_does_not_serve_metrics(s: &TestServer, c: &reqwest::Client) {
    let r = c.get(format!("{}/metrics", s.base)).send().await.unwrap();
    assert_ne!(r.status(), StatusCode::OK, "the site has no /metrics");
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("paydesk_http_requests_total") && !body.contains("# TYPE"),
        "{body}"
    );
}

async fn metrics_are_served_on_their_own_address(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve_with(t, &[METRICS_ON]).await;
    let c = support::signed_in(&s, CSR).await;
    let page = c
        .get(format!("{}/payer-support?by=account&q=100003", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let missing = c
        .get(format!("{}/no-such-page/100003", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // A receipt that could not be sent waits in the outbox as failed.
    let casey = support::staff(&t.db, CSR.0).await;
    support::pay(&s.state, &casey, "100003", "12.00", None).await;
    support::execute(&t.db, "UPDATE notices SET status = 'failed'")
        .await
        .unwrap();

    let text = scrape(&s).await;
    let requests = "paydesk_http_requests_total";
    for (method, route, status) in [
        ("POST", "/api/sign_in", "200"),
        ("GET", "/payer-support", "200"),
        ("GET", "other", "404"),
    ] {
        assert!(
            value(
                &text,
                requests,
                &[("method", method), ("route", route), ("status", status)]
            ) >= 1.0,
            "{method} {route} {status} counted:\n{text}"
        );
    }
    assert!(
        !text.contains("no-such-page") && !text.contains("100003"),
        "raw paths and queries never become labels"
    );
    let duration = "paydesk_http_request_duration_seconds";
    assert!(text.contains("# TYPE paydesk_http_request_duration_seconds histogram"));
    assert!(
        value(
            &text,
            &format!("{duration}_bucket"),
            &[("route", "/payer-support"), ("le", "+Inf")]
        ) >= 1.0
    );
    assert!(
        value(
            &text,
            &format!("{duration}_count"),
            &[("route", "/api/sign_in")]
        ) >= 1.0
    );
    // Gauges are read at each scrape, from the database scraped (scrapes
    // never interleave, so another test's database cannot show through).
    let pool = t.db.pool_stats();
    assert_eq!(
        sample(&text, "paydesk_db_pool_max_connections", &[]),
        Some(pool.max as f64)
    );
    let open = sample(&text, "paydesk_db_pool_connections", &[]).expect("pool size");
    let idle = sample(&text, "paydesk_db_pool_idle_connections", &[]).expect("idle");
    let busy = sample(&text, "paydesk_db_pool_in_use_connections", &[]).expect("in use");
    assert!(open >= 1.0 && idle + busy == open, "{open} {idle} {busy}");
    assert_eq!(
        sample(&text, "paydesk_outbox_notices", &[("status", "failed")]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "paydesk_outbox_notices", &[("status", "queued")]),
        Some(0.0)
    );

    // The metrics listener answers /metrics only; the site never does.
    let base = s.metrics.as_ref().unwrap();
    assert_eq!(
        reqwest::get(format!("{base}/")).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    site_does_not_serve_metrics(&s, &c).await;
    site_does_not_serve_metrics(&s, &support::client()).await;
}

async fn metrics_are_off_unless_configured(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    assert_eq!(s.state.config.metrics_addr, None);
    assert!(
        app::web::prometheus::bind(&s.state.config)
            .await
            .unwrap()
            .is_none(),
        "nothing listens for metrics"
    );
    assert!(s.metrics.is_none());
    site_does_not_serve_metrics(&s, &support::signed_in(&s, CSR).await).await;
    site_does_not_serve_metrics(&s, &support::client()).await;
}

fn request_id(r: &reqwest::Response) -> String {
    let id = r
        .headers()
        .get("x-request-id")
        .unwrap_or_else(|| panic!("{} has no X-Request-Id", r.url()))
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{id}"
    );
    id
}

async fn every_answer_has_a_request_id_and_an_incident_is_its_request(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let mut ids = std::collections::HashSet::new();
    let answers = [
        c.get(format!("{}/healthz", s.base)).send().await.unwrap(),
        c.get(format!("{}/sign-in", s.base)).send().await.unwrap(),
        // The sign-in guard's redirect, a 404, a refused cross-site post and
        // a failed sign-in: answers from every layer carry one.
        c.get(format!("{}/payer-support", s.base))
            .send()
            .await
            .unwrap(),
        c.get(format!("{}/pkg/nothing.js", s.base))
            .send()
            .await
            .unwrap(),
        c.post(format!("{}/api/sign_out", s.base))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap(),
        support::sign_in(&c, &s, CSR.0, "wrong-password-1").await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [200, 200, 303, 404, 403, 422]);
    for r in &answers {
        assert!(ids.insert(request_id(r)), "ids are not reused");
    }
    // The client cannot choose its id.
    let r = c
        .get(format!("{}/healthz", s.base))
        .header("x-request-id", "aaaaaaaaaaaaaaaa")
        .send()
        .await
        .unwrap();
    assert_ne!(request_id(&r), "aaaaaaaaaaaaaaaa");

    // A database failure: the incident id shown is the request's id, in the
    // request's own task and in work it hands to a task of its own
    // (`finish_detached`, as Run settlement now does).
    let admin = support::signed_in(&s, ADMIN).await;
    for (table, server_fn) in [
        ("settlement_runs", "load_settlements"),
        ("payments", "run_settlement"),
    ] {
        let rename = format!("ALTER TABLE {table} RENAME TO {table}_gone");
        support::execute(&t.db, &rename).await.unwrap();
        let r = call(&admin, &s, server_fn, &[]).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "{server_fn}");
        let id = request_id(&r);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body, serde_json::json!({ "Internal": id }), "{server_fn}");
    }
}

async fn payments_and_settlement_runs_move_their_counters(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve_with(t, &[METRICS_ON]).await;
    let before = scrape(&s).await;
    let casey = support::staff(&t.db, CSR.0).await;
    support::pay(&s.state, &casey, "100004", "10.00", None).await;
    support::pay_on(
        &s.state,
        &casey,
        "100005",
        "11.00",
        None,
        Some(&support::next_month(&s.state)),
    )
    .await;
    // A declined card, through the service the way Make Payment calls it.
    let payments = s.state.payments();
    let form = app::domain::payment::PaymentForm {
        account: "100006".into(),
        email: "payer@example.com".into(),
        amount: "9.00".into(),
        method: "card".into(),
        card_name: "Pat Payer".into(),
        card_number: "4000000000000002".into(),
        card_expiry: "12/39".into(),
        card_cvv: "123".into(),
        card_zip: "02139".into(),
        ..Default::default()
    };
    let sealed = payments.review(&casey, &form).await.unwrap();
    assert!(matches!(
        payments.submit(&casey, &sealed, None).await,
        Err(app::error::AppError::Declined(_))
    ));

    // Settlement: a run that settles the card, one with nothing left, and
    // one that fails.
    let admin = support::signed_in(&s, ADMIN).await;
    for expected in [StatusCode::OK, StatusCode::OK] {
        assert_eq!(
            call(&admin, &s, "run_settlement", &[]).await.status(),
            expected
        );
    }
    support::execute(&t.db, "ALTER TABLE payments RENAME TO payments_gone")
        .await
        .unwrap();
    assert_eq!(
        call(&admin, &s, "run_settlement", &[]).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );

    let after = scrape(&s).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    for outcome in ["approved", "scheduled", "declined"] {
        assert!(
            moved("paydesk_payments_total", &[("outcome", outcome)]) >= 1.0,
            "{outcome}:\n{after}"
        );
    }
    for outcome in ["settled", "nothing", "failed"] {
        assert!(
            moved("paydesk_settlement_runs_total", &[("outcome", outcome)]) >= 1.0,
            "{outcome}:\n{after}"
        );
    }
    assert!(moved("paydesk_settlement_run_duration_seconds_count", &[]) >= 3.0);
    assert!(after.contains("# TYPE paydesk_settlement_run_duration_seconds histogram"));
}

async fn requests_refused_as_busy_are_counted(t: &TestDb) {
    let s = support::serve_with(t, &[METRICS_ON, ("PAYDESK_MAX_IN_FLIGHT", "1")]).await;
    let name = "paydesk_http_refused_busy_total";
    let before = value(&scrape(&s).await, name, &[]);
    let full = s.state.admission.hold();
    assert!(full.is_some());
    let c = support::client();
    for _ in 0..3 {
        let r = c.get(format!("{}/sign-in", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    let after = scrape(&s).await;
    assert!(value(&after, name, &[]) - before >= 3.0, "{after}");
    assert!(
        value(
            &after,
            "paydesk_http_requests_total",
            &[("status", "503"), ("route", "/sign-in")]
        ) >= 3.0,
        "{after}"
    );
}

on_both_backends!(
    requests_refused_as_busy_are_counted,
    metrics_are_served_on_their_own_address,
    metrics_are_off_unless_configured,
    every_answer_has_a_request_id_and_an_incident_is_its_request,
    payments_and_settlement_runs_move_their_counters,
);
