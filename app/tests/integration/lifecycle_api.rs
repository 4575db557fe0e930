//! After Pending, over HTTP on both backends: Cancel/Reverse (void, full
//! reversal, partial refunds, ACH refunds), settlement with its NACHA file,
//! ACH returns, and the races between them.

use crate::support;
use crate::support::balance;
use crate::support::call;

use app::db::settlement::ReturnOutcome;
use app::domain::nacha;
use reqwest::{Client, StatusCode};
use support::{ADMIN, CSR, TestDb, TestServer};

async fn signed_in(t: &TestDb, who: (&str, &str)) -> (TestServer, Client) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let c = support::client();
    assert_eq!(
        call(&c, &s, "sign_in", &[("login", who.0), ("password", who.1)])
            .await
            .status(),
        200
    );
    (s, c)
}

async fn status_of(t: &TestDb, reference: &str) -> (String, i64) {
    let r = app::domain::payment::Reference::parse(reference).unwrap();
    let p =
        t.db.payment_by_reference(r.as_str())
            .await
            .unwrap()
            .unwrap();
    (p.status, p.refunded_cents)
}

use support::cancel_reverse as act;

fn key(n: u32) -> String {
    format!("test-key-{n:08}-abcdef")
}

async fn card_refunds_add_up_and_never_exceed_the_payment(t: &TestDb) {
    let (s, c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let before = balance(t, "100003").await;
    let reference = support::pay(&s.state, &casey, "100003", "100.00", None).await;
    assert_eq!(balance(t, "100003").await, before - 10_000);

    // Two partial refunds while it is Pending, one after it is Processed.
    assert_eq!(
        act(&c, &s, &reference, &key(1), "partial_refund", "20.00")
            .await
            .status(),
        200
    );
    assert_eq!(
        act(&c, &s, &reference, &key(1), "partial_refund", "20.00")
            .await
            .status(),
        200,
        "a repeat answers the same"
    );
    assert_eq!(
        status_of(t, &reference).await,
        ("pending".into(), 2_000),
        "and refunds nothing more"
    );
    support::settle(&s).await;
    assert_eq!(
        act(&c, &s, &reference, &key(2), "partial_refund", "30.50")
            .await
            .status(),
        200
    );
    assert_eq!(status_of(t, &reference).await, ("processed".into(), 5_050));

    // Above what is left: a clear message on the amount field, nothing moves.
    let r = act(&c, &s, &reference, &key(3), "partial_refund", "49.51").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("At most $49.50 can still be refunded.")
    );
    let r = act(&c, &s, &reference, &key(4), "partial_refund", "1.005").await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "more than 2 decimals is refused, not rounded"
    );

    // Full Reversal takes exactly what is left; then nothing more is offered.
    assert_eq!(
        act(&c, &s, &reference, &key(5), "full_reversal", "")
            .await
            .status(),
        200
    );
    assert_eq!(status_of(t, &reference).await, ("processed".into(), 10_000));
    assert_eq!(
        act(&c, &s, &reference, &key(6), "partial_refund", "0.01")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        balance(t, "100003").await,
        before,
        "every cent is owed again"
    );
    let detail: serde_json::Value =
        call(&c, &s, "load_payment_detail", &[("reference", &reference)])
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(
        detail["actions"].as_array().unwrap().len(),
        3,
        "the repeat is not a fourth"
    );
    assert!(
        detail["cancel_reverse"].is_null(),
        "nothing left to reverse"
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM notices WHERE kind = 'refund'").await,
        3,
        "the payer hears of each, once"
    );
    support::no_breaches(t).await;
}

async fn a_pending_card_reversal_voids_it_and_settlement_captures_nothing(t: &TestDb) {
    let (s, c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let reference = support::pay(&s.state, &casey, "100004", "42.00", None).await;
    assert_eq!(
        act(&c, &s, &reference, &key(1), "void", "").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a card is not voided"
    );
    assert_eq!(
        act(&c, &s, &reference, &key(2), "full_reversal", "")
            .await
            .status(),
        200
    );
    assert_eq!(status_of(t, &reference).await, ("cancelled".into(), 4_200));
    assert_eq!(support::settle(&s).await.card_payments(), 0);
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM journal WHERE kind = 'capture'").await,
        0
    );
    support::no_breaches(t).await;
}

async fn ach_is_voided_or_sent_in_a_valid_nacha_file(t: &TestDb) {
    let (s, c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let before = balance(t, "100005").await;
    let voided = support::pay(&s.state, &casey, "100005", "15.00", Some("000111222333")).await;
    let sent = support::pay(&s.state, &casey, "100005", "25.00", Some("000444555666")).await;
    let business = support::pay(&s.state, &casey, "100041", "35.00", Some("000777888999")).await;
    assert_eq!(
        act(&c, &s, &voided, &key(1), "void", "").await.status(),
        200
    );
    assert_eq!(status_of(t, &voided).await.0, "cancelled");
    assert_eq!(balance(t, "100005").await, before - 2_500);

    // Two settlement runs at once (two app servers, say): one file, once.
    let (a, b) = tokio::join!(support::settle(&s), support::settle(&s));
    let runs: Vec<_> = [a.run, b.run].into_iter().flatten().collect();
    assert_eq!(runs.len(), 1, "the second run found nothing left");
    let file = runs[0].file.clone().expect("an ACH file");
    assert_eq!(
        (
            file.entry_count,
            file.debit_total_cents,
            file.credit_total_cents
        ),
        (2, 6_000, 0)
    );
    let text = std::fs::read_to_string(s.data_dir.path().join("ach").join(&file.file_name))
        .expect("the file on disk");
    let parsed = nacha::parse_file(&text).expect("a valid NACHA file");
    assert!(text.lines().all(|l| l.len() == 94) && text.lines().count() % 10 == 0);
    let secs: Vec<&str> = parsed.batches.iter().map(|b| b.sec.as_str()).collect();
    assert_eq!(
        secs,
        ["PPD", "CCD"],
        "consumer and business debits in their own batches"
    );
    assert!(
        text.contains("000444555666"),
        "the real account number goes to the bank"
    );
    assert!(
        !text.contains("000111222333"),
        "the voided debit is not sent"
    );
    for r in [&sent, &business] {
        assert_eq!(status_of(t, r).await.0, "processed");
    }
    assert_eq!(
        act(&c, &s, &sent, &key(2), "void", "").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "too late to void"
    );

    // A Processed ACH payment is refunded by an ACH credit in the next file.
    assert_eq!(
        act(&c, &s, &sent, &key(3), "ach_refund", "5.00")
            .await
            .status(),
        200
    );
    let next = support::settle(&s)
        .await
        .run
        .expect("a run")
        .file
        .expect("a credit file");
    assert_eq!(
        (
            next.entry_count,
            next.debit_total_cents,
            next.credit_total_cents
        ),
        (1, 0, 500)
    );
    assert!(
        support::settle(&s).await.run.is_none(),
        "nothing is sent twice"
    );
    support::no_breaches(t).await;
}

async fn an_ach_debit_that_cannot_be_decrypted_stays_pending_and_out_of_the_file(t: &TestDb) {
    let (s, _c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let sealed_by_another_key =
        support::pay(&s.state, &casey, "100008", "12.00", Some("000555000555")).await;
    let fine = support::pay(&s.state, &casey, "100008", "13.00", Some("000666000666")).await;
    let stored = app::domain::payment::Reference::parse(&sealed_by_another_key)
        .unwrap()
        .as_str()
        .to_string();
    // As if the key file had been replaced: this one no longer opens.
    let sql = format!(
        "UPDATE payments SET bank_account_enc = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE reference = '{stored}'"
    );
    assert_eq!(support::execute(&t.db, &sql).await.unwrap(), 1);

    let run = support::settle(&s).await.run.expect("a run");
    assert_eq!(run.skipped, vec![stored.clone()], "named, for the operator");
    let file = run.file.expect("an ACH file");
    assert_eq!(
        (file.entry_count, file.debit_total_cents),
        (1, 1_300),
        "only the debit that opens is sent"
    );
    assert_eq!(status_of(t, &fine).await.0, "processed");
    assert_eq!(
        status_of(t, &sealed_by_another_key).await.0,
        "pending",
        "back to Pending for a later run"
    );
    let settled_at = format!(
        "SELECT COUNT(*) FROM payments WHERE reference = '{stored}' AND settled_at IS NULL"
    );
    assert_eq!(support::count(&t.db, &settled_at).await, 1);
    let history = format!(
        "SELECT COUNT(*) FROM payment_status_history h JOIN payments p ON p.id = h.payment_id \
         WHERE p.reference = '{stored}' AND h.to_status = 'processed'"
    );
    assert_eq!(
        support::count(&t.db, &history).await,
        0,
        "no history of a move that did not happen"
    );
    support::no_breaches(t).await;

    // The next run tries it again, and still leaves it be.
    let again = support::settle(&s).await;
    assert!(
        again.run.as_ref().is_none_or(|r| r.file.is_none()),
        "nothing to send"
    );
    assert_eq!(status_of(t, &sealed_by_another_key).await.0, "pending");
    support::no_breaches(t).await;
}

async fn returns_fail_the_payment_and_restore_the_balance(t: &TestDb) {
    let (s, _c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let before = balance(t, "100006").await;
    // The sandbox bank returns accounts ending 0001 (R01) on the next run.
    let returned = support::pay(&s.state, &casey, "100006", "60.00", Some("9870001")).await;
    let kept = support::pay(&s.state, &casey, "100006", "10.00", Some("9875555")).await;
    let first = support::settle(&s).await;
    assert!(first.returns.is_empty());
    let second = support::settle(&s).await;
    assert!(
        matches!(&second.returns[..], [ReturnOutcome::Failed { code, .. }] if code == "R01"),
        "{:?}",
        second.returns
    );
    assert_eq!(status_of(t, &returned).await.0, "failed");
    assert_eq!(status_of(t, &kept).await.0, "processed");
    assert_eq!(
        balance(t, "100006").await,
        before - 1_000,
        "the returned amount is owed again"
    );
    assert!(
        support::settle(&s).await.returns.is_empty(),
        "returned once"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM notices WHERE kind = 'returned'"
        )
        .await,
        1
    );

    // The same return file read again changes nothing; an unknown trace is reported.
    let dir = s.data_dir.path().join("ach").join("returns");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let text = std::fs::read_to_string(dir.join(&name)).unwrap();
    let again = app::services::settlement::import_returns_text(&t.db, &text, "again", "test")
        .await
        .unwrap();
    assert!(
        matches!(&again[..], [ReturnOutcome::AlreadyRecorded { .. }]),
        "{again:?}"
    );
    let o = &s.state.config.ach;
    let stranger = nacha::Entry {
        transaction_code: 27,
        routing: "021000021".into(),
        account_number: "1".into(),
        amount_cents: 1,
        individual_id: "X".into(),
        name: "Nobody".into(),
        trace_number: "999999999999999".into(),
    };
    let dates = nacha::FileDates {
        created_date: "261125".into(),
        created_time: "1200".into(),
        effective_date: "261126".into(),
        file_id_modifier: 'A',
    };
    let unknown = nacha::write_returns(o, &dates, &[(stranger, "R03")]);
    let out = app::services::settlement::import_returns_text(&t.db, &unknown, "unknown", "test")
        .await
        .unwrap();
    assert!(
        matches!(&out[..], [ReturnOutcome::Unmatched { code, .. }] if code == "R03"),
        "{out:?}"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM ach_returns WHERE outcome = 'unmatched'"
        )
        .await,
        1,
        "kept, not dropped"
    );
    let broken = text.replacen("799R01", "799R01 ", 1);
    assert!(
        app::services::settlement::import_returns_text(&t.db, &broken, "broken", "test")
            .await
            .is_err()
    );
    support::no_breaches(t).await;
}

async fn a_void_racing_settlement_loses_or_wins_cleanly(t: &TestDb) {
    let (s, c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    for n in 0..4 {
        let reference =
            support::pay(&s.state, &casey, "100007", "9.00", Some("000123123123")).await;
        let k = key(100 + n);
        let (voided, settled) =
            tokio::join!(act(&c, &s, &reference, &k, "void", ""), support::settle(&s));
        let status = status_of(t, &reference).await.0;
        match voided.status().as_u16() {
            200 => assert_eq!(status, "cancelled"),
            409 | 422 => {
                assert_eq!(status, "processed");
                assert!(settled.run.and_then(|r| r.file).is_some());
            }
            other => panic!("unexpected {other}"),
        }
    }
    support::no_breaches(t).await;
}

async fn settlement_is_for_administrators(t: &TestDb) {
    let (s, c) = signed_in(t, CSR).await;
    assert_eq!(
        call(&c, &s, "run_settlement", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&c, &s, "load_settlements", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let casey = support::staff(&t.db, CSR.0).await;
    support::pay(&s.state, &casey, "100008", "11.00", Some("000999888777")).await;
    let admin = support::client();
    assert_eq!(
        call(
            &admin,
            &s,
            "sign_in",
            &[("login", ADMIN.0), ("password", ADMIN.1)]
        )
        .await
        .status(),
        200
    );
    let r = call(&admin, &s, "run_settlement", &[]).await;
    assert_eq!(r.status(), 200);
    let runs: serde_json::Value = call(&admin, &s, "load_settlements", &[])
        .await
        .json()
        .await
        .unwrap();
    let download = runs[0]["file"]["download"]
        .as_str()
        .expect("a file to download")
        .to_string();
    assert_eq!(runs[0]["file"]["batches"][0]["sec"], "PPD");
    assert_eq!(
        c.get(format!("{}{download}", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let file = admin
        .get(format!("{}{download}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert!(nacha::parse_file(&file.text().await.unwrap()).is_ok());
    assert_eq!(
        admin
            .get(format!("{}/settlements/files/999", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

async fn a_scheduled_payment_moves_nothing_until_its_date_and_can_be_cancelled(t: &TestDb) {
    let (s, c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let before = balance(t, "100009").await;
    let later = support::next_month(&s.state);
    let kept = support::pay_on(&s.state, &casey, "100009", "30.00", None, Some(&later)).await;
    let cancelled = support::pay_on(
        &s.state,
        &casey,
        "100009",
        "40.00",
        Some("000123456789"),
        Some(&later),
    )
    .await;
    assert_eq!(status_of(t, &kept).await.0, "scheduled");
    assert_eq!(status_of(t, &cancelled).await.0, "scheduled");
    assert_eq!(
        balance(t, "100009").await,
        before,
        "no money moves before the date"
    );
    assert!(support::settle(&s).await.started.is_empty());
    assert_eq!(status_of(t, &kept).await.0, "scheduled", "not yet due");

    // C4: Cancel → Cancelled; nothing was held, nothing moves.
    assert_eq!(
        act(&c, &s, &cancelled, &key(1), "full_reversal", "")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        act(&c, &s, &cancelled, &key(2), "cancel", "")
            .await
            .status(),
        200
    );
    assert_eq!(status_of(t, &cancelled).await.0, "cancelled");
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM notices WHERE kind = 'cancelled'"
        )
        .await,
        1
    );

    // Its date comes: the settlement run authorizes it and captures it.
    let stored = app::domain::payment::Reference::parse(&kept).unwrap();
    support::execute(
        &t.db,
        &format!(
            "UPDATE payments SET scheduled_for = '2000-01-01' WHERE reference = '{}'",
            stored.as_str()
        ),
    )
    .await
    .unwrap();
    let out = support::settle(&s).await;
    assert_eq!(out.started.len(), 1);
    assert_eq!(out.card_payments(), 1);
    assert_eq!(status_of(t, &kept).await.0, "processed");
    assert_eq!(balance(t, "100009").await, before - 3_000);
    assert!(support::settle(&s).await.started.is_empty(), "started once");
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM notices WHERE kind = 'receipt'").await,
        1,
        "the receipt goes out when it is taken"
    );

    // A date in the past is refused next to the field.
    let form = [
        ("form[account]", "100009"),
        ("form[email]", "p@example.com"),
        ("form[amount]", "5.00"),
        ("form[method]", "card"),
        ("form[card_name]", "Pat"),
        ("form[card_number]", "4242424242424242"),
        ("form[card_expiry]", "12/39"),
        ("form[card_cvv]", "123"),
        ("form[card_zip]", "02139"),
        ("form[pay_date]", "2000-01-01"),
    ];
    let r = call(&c, &s, "confirm_payment", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The payment date cannot be in the past.")
    );
    support::no_breaches(t).await;
}

/// A refund form sent ten times at once (a double click, retries, a second
/// tab): one refund, and every answer is a success, not "too much".
async fn identical_refunds_at_once_refund_once(t: &TestDb) {
    let (s, c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let reference = support::pay(&s.state, &casey, "100010", "100.00", None).await;
    let k = key(77);
    let sends = (0..10).map(|_| act(&c, &s, &reference, &k, "partial_refund", "60.00"));
    let statuses: Vec<StatusCode> = futures::future::join_all(sends)
        .await
        .into_iter()
        .map(|r| r.status())
        .collect();
    assert!(
        statuses.iter().all(|st| *st == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(status_of(t, &reference).await, ("pending".into(), 6_000));
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payment_actions").await,
        1
    );
    support::no_breaches(t).await;
}

/// Contention: 50 payments taken at once on one account, then 50 refunds
/// and voids at once on them with a settlement racing through. Every request
/// gets an answer (nothing deadlocks or times out), none is a 5xx, each
/// accepted action is recorded once, and every ledger invariant holds.
async fn fifty_payments_refunds_and_voids_at_once_on_one_account_keep_the_books(t: &TestDb) {
    let (s, c) = signed_in(t, CSR).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let before = balance(t, "100020").await;
    let pays = (0..50).map(|i| {
        support::pay(
            &s.state,
            &casey,
            "100020",
            "3.00",
            (i % 2 == 1).then_some("000111222333"),
        )
    });
    let references = futures::future::join_all(pays).await;
    assert_eq!(balance(t, "100020").await, before - 50 * 300);
    support::no_breaches(t).await;

    let keys: Vec<String> = (0..references.len())
        .map(|i| key(1_000 + i as u32))
        .collect();
    let actions = references.iter().zip(&keys).enumerate().map(|(i, (r, k))| {
        let (action, amount) = if i % 2 == 0 {
            ("partial_refund", "1.00")
        } else {
            ("void", "")
        };
        act(&c, &s, r, k, action, amount)
    });
    let (answers, _) = tokio::join!(futures::future::join_all(actions), support::settle(&s));
    let mut accepted = 0;
    for (i, r) in answers.into_iter().enumerate() {
        let st = r.status();
        // A void can lose to settlement (the payment went into a file): a 4xx.
        assert!(
            st == StatusCode::OK || (i % 2 == 1 && st.is_client_error()),
            "action {i}: {st} {:?}",
            r.text().await
        );
        accepted += usize::from(st == StatusCode::OK);
    }
    assert!(accepted >= 25, "every refund went through: {accepted}");
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payment_actions").await as usize,
        accepted,
        "each accepted action once"
    );
    // What is still taken: nothing of a voided (cancelled) payment, the rest
    // of a refunded one.
    let taken = support::count(
        &t.db,
        "SELECT CAST(COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 0 ELSE amount_cents - refunded_cents END), 0) AS BIGINT) FROM payments",
    )
    .await;
    assert!(taken < 50 * 300, "refunds and voids gave money back");
    assert_eq!(
        balance(t, "100020").await,
        before - taken,
        "the balance moved by exactly what was given back"
    );
    support::no_breaches(t).await;
}

on_both_backends!(
    fifty_payments_refunds_and_voids_at_once_on_one_account_keep_the_books,
    identical_refunds_at_once_refund_once,
    a_scheduled_payment_moves_nothing_until_its_date_and_can_be_cancelled,
    card_refunds_add_up_and_never_exceed_the_payment,
    a_pending_card_reversal_voids_it_and_settlement_captures_nothing,
    ach_is_voided_or_sent_in_a_valid_nacha_file,
    an_ach_debit_that_cannot_be_decrypted_stays_pending_and_out_of_the_file,
    returns_fail_the_payment_and_restore_the_balance,
    a_void_racing_settlement_loses_or_wins_cleanly,
    settlement_is_for_administrators,
);
