//! The payer site's Profile over HTTP on both backends: Register Now signs
//! the payer in for the optional save-a-method step; the email and the
//! challenge questions change only with the current password (a wrong
//! one counts toward the lockout); Alerts decide which notices go by
//! email and by text; saved methods are added once per review and kept
//! while a plan uses them; a payer cancels their own plan only.

use crate::support;
use crate::support::{call, json, signed_in_payer};

use reqwest::{Client, StatusCode};
use support::{CSR, TestDb, TestServer};

async fn setup(t: &TestDb) -> (TestServer, Client) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    // With the server's keys: the demo's saved card is a token they open.
    app::services::demo::load(&t.db, false, Some(&s.state.payments()))
        .await
        .unwrap();
    let csr = support::signed_in(&s, CSR).await;
    (s, csr)
}

/// Waits until `sql` counts at least one row (notices go out after the
/// request, in the background).
async fn until(t: &TestDb, sql: &str) {
    for _ in 0..400 {
        if support::count(&t.db, sql).await > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("never true: {sql}");
}

async fn register_signs_in_and_the_profile_changes_with_the_password(t: &TestDb) {
    let (s, _csr) = setup(t).await;
    let a = t.db.account_by_number("100003").await.unwrap().unwrap();
    let name = a.last_name.or(a.company_name).unwrap();
    let pw = support::PAYER_PASSWORD;
    let payer = support::client();
    let r = call(
        &payer,
        &s,
        "p_register",
        &[
            ("form[account]", "100003"),
            ("form[name]", &name),
            ("form[email]", "pat@example.com"),
            ("form[user_id]", "pat.payer"),
            ("form[password]", pw),
            ("form[confirm]", pw),
            ("form[question1]", "What was the name of your first pet?"),
            ("form[answer1]", "Rex"),
            ("form[question2]", "In what city were you born?"),
            ("form[answer2]", "Hilo"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // Registered is signed in: the next step saves a method.
    let profile = json(call(&payer, &s, "p_profile", &[]).await).await;
    assert_eq!(profile["user_id"], "pat.payer");
    assert_eq!(profile["email"], "pat@example.com");
    assert_eq!(profile["alerts"]["email"], true);
    assert_eq!(profile["alerts"]["text"], false);

    // Email: a wrong current password is refused next to the field and
    // counted as a failed sign-in; the right one changes it, audited.
    let wrong = call(
        &payer,
        &s,
        "p_change_email",
        &[
            ("form[email]", "new@example.com"),
            ("form[current]", "not it at all!"),
        ],
    )
    .await;
    assert!(
        support::field_error(wrong, "current")
            .await
            .expect("a message beside the field")
            .contains("not your current password")
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payers WHERE failed_attempts = 1"
        )
        .await,
        1
    );
    let r = call(
        &payer,
        &s,
        "p_change_email",
        &[("form[email]", "new@example.com"), ("form[current]", pw)],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        json(call(&payer, &s, "p_profile", &[]).await).await["email"],
        "new@example.com"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'payer.email_changed' \
             AND actor_login = 'payer pat.payer' AND object = 'pat.payer' AND before_json LIKE '%pat@example.com%' \
             AND after_json LIKE '%new@example.com%' AND actor_id IS NULL"
        )
        .await,
        1
    );
    // The right password ended the run of failures.
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payers WHERE failed_attempts > 0"
        )
        .await,
        0
    );

    // Challenge questions: both, new answers stored as argon2id hashes.
    let same = call(
        &payer,
        &s,
        "p_change_questions",
        &[
            ("form[question1]", "What street did you grow up on?"),
            ("form[answer1]", "Elm"),
            ("form[question2]", "What street did you grow up on?"),
            ("form[answer2]", "Oak"),
            ("form[current]", pw),
        ],
    )
    .await;
    assert!(
        support::field_error(same, "question2")
            .await
            .expect("a message beside the field")
            .contains("two different")
    );
    let r = call(
        &payer,
        &s,
        "p_change_questions",
        &[
            ("form[question1]", "What street did you grow up on?"),
            ("form[answer1]", "Elm"),
            ("form[question2]", "What was the make of your first car?"),
            ("form[answer2]", "Volvo"),
            ("form[current]", pw),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let profile = json(call(&payer, &s, "p_profile", &[]).await).await;
    assert_eq!(profile["questions"][0], "What street did you grow up on?");
    assert_eq!(
        profile["questions"][1],
        "What was the make of your first car?"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payers WHERE user_id = 'pat.payer' AND question1 = 'What street did you grow up on?' \
             AND answer1_hash LIKE '$argon2id$%' AND answer2_hash LIKE '$argon2id$%'"
        )
        .await,
        1
    );

    // Alerts: texts need a number; then email off, texts on.
    let r = call(
        &payer,
        &s,
        "p_change_alerts",
        &[("form[text_alerts]", "on"), ("form[mobile]", "")],
    )
    .await;
    assert!(
        support::field_error(r, "mobile")
            .await
            .expect("a message beside the field")
            .contains("mobile number")
    );
    let r = call(
        &payer,
        &s,
        "p_change_alerts",
        &[
            ("form[text_alerts]", "on"),
            ("form[mobile]", "(555) 201-0147"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let profile = json(call(&payer, &s, "p_profile", &[]).await).await;
    assert_eq!(profile["alerts"]["email"], false);
    assert_eq!(profile["alerts"]["text"], true);
    assert_eq!(profile["alerts"]["mobile"], "+15552010147");
    for event in ["email_changed", "questions_changed", "alerts_changed"] {
        assert_eq!(
            support::count(
                &t.db,
                &format!("SELECT COUNT(*) FROM payer_activity WHERE event = '{event}'")
            )
            .await,
            1,
            "{event}"
        );
    }
    // A staff session changes nothing here.
    let csr = support::signed_in(&s, CSR).await;
    assert_eq!(
        call(&csr, &s, "p_change_alerts", &[("form[email_alerts]", "on")])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Alerts decide the channels: email off skips the notices (not the
/// receipt, which goes where its payment said), texts go to the mobile
/// number, each once.
async fn alerts_send_notices_by_text_and_skip_email(t: &TestDb) {
    let (s, csr) = setup(t).await;
    support::enroll_payer(&s, "100003", "pat.payer").await;
    let payer = signed_in_payer(&s, "pat.payer", support::PAYER_PASSWORD).await;
    let r = call(
        &payer,
        &s,
        "p_change_alerts",
        &[
            ("form[text_alerts]", "on"),
            ("form[mobile]", "555-201-0147"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // The payments below give the payer's own address (`pay_on` types
    // payer@example.com): email alerts off applies to what is theirs.
    let r = call(
        &payer,
        &s,
        "p_change_email",
        &[
            ("form[email]", "payer@example.com"),
            ("form[current]", support::PAYER_PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let later =
        app::domain::calendar::add_days(app::services::clock::today("America/New_York"), 10).iso();
    let who = support::staff(&t.db, CSR.0).await;
    let reference = support::pay_on(&s.state, &who, "100003", "12.00", None, Some(&later)).await;
    let r = support::cancel_reverse(
        &csr,
        &s,
        &reference,
        "profile-key-00000001-abc",
        "cancel",
        "",
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // The service call above queued the receipt without sending it; the
    // worker's pass sends every notice due.
    let st = &s.state;
    for id in t.db.due_notices(i64::MAX, 50).await.unwrap() {
        app::services::notices::deliver(&st.db, &st.mailer, &st.texts, &st.config, id).await;
    }
    until(
        t,
        "SELECT COUNT(*) FROM notices WHERE kind = 'cancelled' AND channel = 'email' AND status = 'skipped'",
    )
    .await;
    until(
        t,
        "SELECT COUNT(*) FROM notices WHERE kind = 'cancelled' AND channel = 'text' AND status = 'sent' \
         AND to_email = '+15552010147'",
    )
    .await;
    // The receipt still went by email, and by text too.
    until(t, "SELECT COUNT(*) FROM notices WHERE kind = 'receipt' AND channel = 'email' AND status = 'sent'").await;
    until(t, "SELECT COUNT(*) FROM notices WHERE kind = 'receipt' AND channel = 'text' AND status = 'sent'").await;
    // Each once, however often a notice is delivered again.
    for id in 1..=10 {
        app::services::notices::deliver(&st.db, &st.mailer, &st.texts, &st.config, id).await;
    }
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM notices WHERE channel = 'text'").await,
        2
    );
    let texts: Vec<String> = std::fs::read_dir(s.data_dir.path().join("outbox-texts"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|m| m.starts_with("To: +15552010147")));
    // Alerts on Enrolled User Information show both channels and the skip.
    let user = json(call(&csr, &s, "load_enrolled_user", &[("user_id", "pat.payer")]).await).await;
    let lines = user["alerts"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l["channel"] == "Text" && l["address"] == "+15552010147"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["status"] == "Not sent (email alerts off)"),
        "{lines:?}"
    );
}

/// payer1's saved methods on Profile: (id, label).
async fn methods(c: &Client, s: &TestServer) -> Vec<(i64, String)> {
    json(call(c, s, "p_profile", &[]).await).await["methods"]
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

async fn a_payer_adds_and_deletes_methods_and_cancels_own_plans(t: &TestDb) {
    let (s, csr) = setup(t).await;
    let (demo_user, demo_password) = app::services::demo::DEMO_PAYER;
    let payer = signed_in_payer(&s, demo_user, demo_password).await;
    support::enroll_payer(&s, "100003", "other.payer").await;
    let other = signed_in_payer(&s, "other.payer", support::PAYER_PASSWORD).await;
    let before = methods(&payer, &s).await;

    let r = call(
        &payer,
        &s,
        "p_review_method",
        &[
            ("form[account]", ""),
            ("form[method]", "card"),
            ("form[card_name]", "Maria Lopez"),
            ("form[card_number]", "5555555555554444"),
            ("form[card_expiry]", "12/39"),
            ("form[card_cvv]", "123"),
            ("form[card_zip]", "02139"),
        ],
    )
    .await;
    let sealed: String = json(r).await.as_str().unwrap().to_string();
    // Only this payer opens the review: not another payer, not staff.
    assert_eq!(
        call(&other, &s, "p_method_review", &[("r", &sealed)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&csr, &s, "p_method_review", &[("r", &sealed)])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let review = json(call(&payer, &s, "p_method_review", &[("r", &sealed)]).await).await;
    assert!(
        review["label"].as_str().unwrap().ends_with("4444"),
        "{review}"
    );
    // Add pressed three times at once, and once more: one method.
    let add = [("r", sealed.as_str())];
    let presses = (0..3).map(|_| call(&payer, &s, "p_add_method", &add));
    for r in futures::future::join_all(presses).await {
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        call(&payer, &s, "p_add_method", &[("r", &sealed)])
            .await
            .status(),
        200
    );
    let after = methods(&payer, &s).await;
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    let (new_id, _) = after.last().unwrap().clone();
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'saved_method.add' AND actor_login = 'payer payer1'"
        )
        .await,
        1
    );

    // A CSR sets up a plan on it; the payer can't delete the method while
    // the plan pays with it, and another payer can't cancel the plan.
    let first =
        app::domain::calendar::add_days(app::services::clock::today("America/New_York"), 20).iso();
    let method = new_id.to_string();
    let saved = format!("saved:{new_id}");
    let r = call(
        &csr,
        &s,
        "setup_plan",
        &[
            ("form[account]", "100001"),
            ("form[payer]", "payer1"),
            ("form[kind]", "recurring"),
            ("form[method]", &saved),
            ("form[email]", "maria@example.com"),
            ("form[amount_rule]", "fixed"),
            ("form[amount]", "40.00"),
            ("form[frequency]", "monthly"),
            ("form[first_date]", &first),
        ],
    )
    .await;
    let plan_review: String = json(r).await.as_str().unwrap().to_string();
    let plan: i64 = json(
        call(
            &csr,
            &s,
            "confirm_plan",
            &[("r", &plan_review), ("payer", "payer1")],
        )
        .await,
    )
    .await
    .as_i64()
    .unwrap();
    let held = call(&payer, &s, "p_delete_method", &[("method", &method)]).await;
    assert_eq!(held.status(), StatusCode::CONFLICT);
    assert!(held.text().await.unwrap().contains(&format!("plan {plan}")));
    let plan_arg = plan.to_string();
    assert_eq!(
        call(&other, &s, "p_cancel_plan", &[("plan", &plan_arg)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&other, &s, "p_delete_method", &[("method", &method)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // The payer cancels it (twice: the second finds it ended), then
    // deletes the method.
    for _ in 0..2 {
        assert_eq!(
            call(&payer, &s, "p_cancel_plan", &[("plan", &plan_arg)])
                .await
                .status(),
            200
        );
    }
    assert_eq!(
        support::count(
            &t.db,
            &format!(
                "SELECT COUNT(*) FROM plans WHERE id = {plan} AND status = 'cancelled' \
                 AND end_reason = 'Cancelled by payer payer1'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        call(&payer, &s, "p_delete_method", &[("method", &method)])
            .await
            .status(),
        200
    );
    assert_eq!(methods(&payer, &s).await, before);
    assert_eq!(
        support::count(
            &t.db,
            &format!("SELECT COUNT(*) FROM saved_methods WHERE id = {new_id} AND deleted_at IS NOT NULL AND card_token IS NULL")
        )
        .await,
        1
    );
    // Enrolled User Information's Activity tells the plan's story: set up
    // by the CSR, cancelled by the payer (and why it ended).
    let user = json(call(&csr, &s, "load_enrolled_user", &[("user_id", "payer1")]).await).await;
    let lines: Vec<(String, String)> = user["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["event"].as_str().unwrap().to_string(),
                l["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has =
        |event: &str, detail: &str| lines.iter().any(|(e, d)| e == event && d.contains(detail));
    assert!(
        has(
            "Automatic payment set up",
            &format!("plan {plan}, by {}", CSR.0)
        ),
        "{lines:?}"
    );
    assert!(
        has("Automatic payment ended", "Cancelled by payer payer1"),
        "{lines:?}"
    );
    assert!(has("Payment method added", ""), "{lines:?}");
    assert!(has("Payment method deleted", ""), "{lines:?}");
}

on_both_backends!(
    register_signs_in_and_the_profile_changes_with_the_password,
    alerts_send_notices_by_text_and_skip_email,
    a_payer_adds_and_deletes_methods_and_cancels_own_plans,
);
