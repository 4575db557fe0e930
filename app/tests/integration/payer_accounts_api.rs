//! Enrolled payers over HTTP on both backends: Register Now, the payer
//! site's own sign-in and session, the four-failure lockout (also with
//! attempts sent at once), Enrolled User Information's Unlock/Lock, email
//! and Change Password (the temporary password, emailed, that must be
//! changed), an imported enrollment's first password, and the wall between
//! payer and staff sessions and between two payers.

use crate::support;
use crate::support::{call, json, signed_in_payer};

use reqwest::{Client, StatusCode};
use support::{CSR, TestDb, TestServer};

const PASSWORD: &str = "Blue kettle 2026!";

async fn setup(t: &TestDb) -> (TestServer, Client) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let csr = support::signed_in(&s, CSR).await;
    (s, csr)
}

async fn last_name(t: &TestDb, account: &str) -> String {
    let a = t.db.account_by_number(account).await.unwrap().unwrap();
    a.last_name.or(a.company_name).unwrap()
}

fn register_form<'a>(
    account: &'a str,
    name: &'a str,
    user: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("form[account]", account),
        ("form[name]", name),
        ("form[email]", "registered@example.com"),
        ("form[user_id]", user),
        ("form[password]", PASSWORD),
        ("form[confirm]", PASSWORD),
        ("form[question1]", "What was the name of your first pet?"),
        ("form[answer1]", "Rex"),
        ("form[question2]", "In what city were you born?"),
        ("form[answer2]", "Hilo"),
    ]
}

async fn register(t: &TestDb, s: &TestServer, account: &str, user: &str) {
    let name = last_name(t, account).await;
    let r = call(
        &support::client(),
        s,
        "p_register",
        &register_form(account, &name, user),
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
}

async fn payer_sign_in(
    c: &Client,
    s: &TestServer,
    user: &str,
    password: &str,
) -> reqwest::Response {
    call(
        c,
        s,
        "p_sign_in",
        &[("form[user_id]", user), ("form[password]", password)],
    )
    .await
}

async fn register_sign_in_and_see_only_your_accounts(t: &TestDb) {
    let (s, csr) = setup(t).await;
    // The wrong name: the One Time Payment answer, and nothing stored.
    let r = call(
        &support::client(),
        &s,
        "p_register",
        &register_form("100003", "Nobody", "pat.payer"),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("could not find an account")
    );
    register(t, &s, "100003", "pat.payer").await;
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payer_activity WHERE event = 'enrolled'"
        )
        .await,
        1
    );
    // The account is enrolled now; the User ID is taken.
    let name = last_name(t, "100003").await;
    let again = call(
        &support::client(),
        &s,
        "p_register",
        &register_form("100003", &name, "other.id"),
    )
    .await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("already registered"));
    let name4 = last_name(t, "100004").await;
    let taken = call(
        &support::client(),
        &s,
        "p_register",
        &register_form("100004", &name4, "pat.payer"),
    )
    .await;
    assert_eq!(taken.status(), 422);
    assert!(
        taken
            .text()
            .await
            .unwrap()
            .contains("That User ID is taken")
    );
    // Passwords and answers are stored only as argon2id hashes.
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payers WHERE user_id = 'pat.payer' AND password_hash LIKE '$argon2id$%' \
             AND answer1_hash LIKE '$argon2id$%' AND answer2_hash LIKE '$argon2id$%'"
        )
        .await,
        1
    );

    let payer = signed_in_payer(&s, "pat.payer", PASSWORD).await;
    let home = json(call(&payer, &s, "p_home", &[]).await).await;
    let accounts = home["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["number"], "100003");

    // A payer session opens nothing in the console, a staff session
    // nothing on the payer side.
    assert_eq!(
        call(&payer, &s, "load_payer", &[("user_id", "pat.payer")])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(
            &payer,
            &s,
            "search_accounts",
            &[("by", "account"), ("q", "100001")]
        )
        .await
        .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&csr, &s, "p_home", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&csr, &s, "p_pay_now", &[("account", "100003")])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Pay Now: the payer's own account opens its payment page; another
    // payer's is not found, like an account that does not exist.
    let token: String = json(call(&payer, &s, "p_pay_now", &[("account", "100003")]).await)
        .await
        .as_str()
        .unwrap()
        .to_string();
    let page = json(call(&support::client(), &s, "p_link_page", &[("token", &token)]).await).await;
    assert_eq!(page["account_number"], "100003");
    for other in ["100001", "999999"] {
        let r = call(&payer, &s, "p_pay_now", &[("account", other)]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{other}");
    }

    // Alerts: what was sent to the payer (here, a payment link a CSR sent).
    support::send_link_by_email(&csr, &s, "100003", "pat@example.com", 1).await;
    let user = json(call(&csr, &s, "load_enrolled_user", &[("user_id", "pat.payer")]).await).await;
    let alerts = user["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "Payment link");
    assert_eq!(alerts[0]["channel"], "Email");
    assert_eq!(alerts[0]["address"], "pat@example.com");
    // And Activity names the link sent, by whom and where.
    let sent = user["activity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["event"] == "Payment link sent")
        .expect("the link is in Activity");
    assert_eq!(
        sent["detail"],
        format!("email to pat@example.com, by {}", CSR.0)
    );
    // Another payer's alerts are not theirs.
    let other = json(call(&csr, &s, "load_enrolled_user", &[("user_id", "payer1")]).await).await;
    assert_eq!(other["alerts"].as_array().unwrap().len(), 0);

    // Automatic Payments: their own plans and methods only; the demo's
    // payer1 signs in with the documented password and sees three accounts.
    let plans = json(call(&payer, &s, "p_plans", &[]).await).await;
    assert_eq!(plans["user_id"], "pat.payer");
    assert_eq!(plans["accounts"].as_array().unwrap().len(), 1);
    let demo = signed_in_payer(&s, "payer1", app::services::demo::DEMO_PAYER.1).await;
    let plans = json(call(&demo, &s, "p_plans", &[]).await).await;
    assert_eq!(plans["accounts"].as_array().unwrap().len(), 3);

    // Sign Out ends the session on the server.
    assert_eq!(call(&payer, &s, "p_sign_out", &[]).await.status(), 200);
    assert_eq!(
        call(&payer, &s, "p_home", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Left: only the session Register Now opened, in the registering
    // browser.
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payer_sessions s JOIN payers p ON p.id = s.payer_id WHERE p.user_id = 'pat.payer'"
        )
        .await,
        1
    );
}

async fn four_failures_lock_and_a_csr_unlocks_and_resets(t: &TestDb) {
    let (s, csr) = setup(t).await;
    register(t, &s, "100003", "pat.payer").await;
    let c = support::client();
    let mut answers = Vec::new();
    for _ in 0..4 {
        let r = payer_sign_in(&c, &s, "pat.payer", "wrong password 1").await;
        assert_eq!(r.status(), 422);
        answers.push(r.text().await.unwrap());
    }
    // Locked: the right password is refused with the very same answer,
    // and so is a User ID that does not exist.
    let r = payer_sign_in(&c, &s, "pat.payer", PASSWORD).await;
    assert_eq!(r.status(), 422);
    answers.push(r.text().await.unwrap());
    let r = payer_sign_in(&c, &s, "no.such.payer", PASSWORD).await;
    answers.push(
        r.text()
            .await
            .unwrap()
            .replace("no.such.payer", "pat.payer"),
    );
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");

    let user = json(call(&csr, &s, "load_enrolled_user", &[("user_id", "pat.payer")]).await).await;
    assert_eq!(user["locked"], true);
    let events: Vec<String> = user["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["event"].as_str().unwrap().to_string())
        .collect();
    assert!(
        events.iter().any(|e| e.starts_with("Locked out")),
        "{events:?}"
    );
    assert_eq!(events.iter().filter(|e| *e == "Failed sign-in").count(), 5);

    // Unlock, then Change Password: a temporary password, emailed.
    assert_eq!(
        call(
            &csr,
            &s,
            "set_payer_locked",
            &[("user_id", "pat.payer"), ("locked", "false")]
        )
        .await
        .status(),
        200
    );
    let reset = json(
        call(
            &csr,
            &s,
            "reset_payer_password",
            &[("user_id", "pat.payer")],
        )
        .await,
    )
    .await;
    let temporary = reset["password"].as_str().unwrap().to_string();
    assert_eq!(reset["emailed_to"], "registered@example.com");
    let mail = support::wait_for_mail(
        &s.data_dir.path().join("outbox"),
        "registered@example.com",
        1,
    )
    .await;
    assert!(
        mail.contains(&temporary),
        "the temporary password is emailed"
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM audit_log WHERE action IN ('payer.unlocked', 'payer.password_reset')").await,
        2
    );

    // The old password no longer works; the temporary one signs in to
    // Change Password only.
    assert_eq!(
        payer_sign_in(&support::client(), &s, "pat.payer", PASSWORD)
            .await
            .status(),
        422
    );
    let payer = signed_in_payer(&s, "pat.payer", &temporary).await;
    assert_eq!(
        call(&payer, &s, "p_home", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let new = "Green teapot 2027!";
    let r = call(
        &payer,
        &s,
        "p_change_password",
        &[
            ("form[current]", temporary.as_str()),
            ("form[new]", new),
            ("form[confirm]", new),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        call(&payer, &s, "p_home", &[]).await.status(),
        200,
        "the new session works"
    );
    assert_eq!(
        payer_sign_in(&support::client(), &s, "pat.payer", new)
            .await
            .status(),
        200
    );

    // Lock holds until Unlock and ends the payer's sessions.
    assert_eq!(
        call(
            &csr,
            &s,
            "set_payer_locked",
            &[("user_id", "pat.payer"), ("locked", "true")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        call(&payer, &s, "p_home", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        payer_sign_in(&support::client(), &s, "pat.payer", new)
            .await
            .status(),
        422
    );
    let user = json(call(&csr, &s, "load_enrolled_user", &[("user_id", "pat.payer")]).await).await;
    assert_eq!(user["locked_note"], "until unlocked");

    // Email: checked, changed, audited with before and after.
    let r = call(
        &csr,
        &s,
        "set_payer_email",
        &[("user_id", "pat.payer"), ("email", "nope")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = call(
        &csr,
        &s,
        "set_payer_email",
        &[("user_id", "pat.payer"), ("email", "new@example.com")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let user = json(call(&csr, &s, "load_enrolled_user", &[("user_id", "pat.payer")]).await).await;
    assert_eq!(user["email"], "new@example.com");
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'payer.email_changed' \
             AND before_json = 'registered@example.com' AND after_json = 'new@example.com'"
        )
        .await,
        1
    );
}

async fn sign_ins_sent_at_once_cannot_outrun_the_lockout(t: &TestDb) {
    let (s, _) = setup(t).await;
    register(t, &s, "100003", "pat.payer").await;
    let tries = (0..10).map(|_| {
        let s = &s;
        async move {
            payer_sign_in(&support::client(), s, "pat.payer", "wrong password 1")
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(tries).await;
    // 503: the hashing gate was full (a loaded machine); nothing was counted.
    assert!(
        statuses.iter().all(|st| *st == 422 || *st == 503),
        "{statuses:?}"
    );
    let counted = "SELECT COUNT(*) FROM payers WHERE user_id = 'pat.payer' AND failed_attempts = 4 AND locked_until IS NOT NULL";
    if statuses.iter().filter(|st| **st == 422).count() >= 4 {
        // However many arrived at once, four were counted and locked it.
        assert_eq!(support::count(&t.db, counted).await, 1, "{statuses:?}");
    }
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payers WHERE user_id = 'pat.payer' AND failed_attempts <= 4"
        )
        .await,
        1,
        "never more than four counted"
    );
    // Tried one after another, the fourth failure locks it in any case.
    for _ in 0..4 {
        payer_sign_in(&support::client(), &s, "pat.payer", "wrong password 1").await;
    }
    assert_eq!(support::count(&t.db, counted).await, 1);
    assert_eq!(
        payer_sign_in(&support::client(), &s, "pat.payer", PASSWORD)
            .await
            .status(),
        422
    );
}

async fn an_imported_enrollment_signs_in_only_after_a_reset(t: &TestDb) {
    let (s, csr) = setup(t).await;
    // payer105 came from the demo's universal file: no password at all.
    let r = payer_sign_in(&support::client(), &s, "payer105", "").await;
    assert_eq!(r.status(), 422);
    let r = payer_sign_in(&support::client(), &s, "payer105", PASSWORD).await;
    assert_eq!(r.status(), 422);
    let user = json(call(&csr, &s, "load_enrolled_user", &[("user_id", "payer105")]).await).await;
    assert_eq!(user["has_password"], false);
    let reset =
        json(call(&csr, &s, "reset_payer_password", &[("user_id", "payer105")]).await).await;
    // No payer email: the account's is the address on record.
    assert!(
        reset["emailed_to"]
            .as_str()
            .unwrap()
            .ends_with("@example.com"),
        "{reset}"
    );
    let temporary = reset["password"].as_str().unwrap();
    let payer = signed_in_payer(&s, "payer105", temporary).await;
    assert_eq!(
        call(&payer, &s, "p_home", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    // A temporary password stops working after 24 hours.
    support::execute(
        &t.db,
        "UPDATE payers SET password_changed_at = 0 WHERE user_id = 'payer105'",
    )
    .await
    .unwrap();
    assert_eq!(
        payer_sign_in(&support::client(), &s, "payer105", temporary)
            .await
            .status(),
        422
    );
    // A User ID with no enrollment is "not found" to the console.
    assert_eq!(
        call(&csr, &s, "load_enrolled_user", &[("user_id", "nobody")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_payer_schedules_a_payment_and_cancels_it_once(t: &TestDb) {
    let (s, csr) = setup(t).await;
    register(t, &s, "100003", "pat.payer").await;
    support::enroll_payer(&s, "100004", "other.payer").await;
    let payer = signed_in_payer(&s, "pat.payer", PASSWORD).await;
    let token: String = json(call(&payer, &s, "p_pay_now", &[("account", "100003")]).await)
        .await
        .as_str()
        .unwrap()
        .to_string();
    let later =
        app::domain::calendar::add_days(app::services::clock::today("America/New_York"), 10).iso();
    let mut form = vec![("token", token.as_str())];
    form.extend(support::card_form("100003", "25.00", "4242424242424242"));
    form.push(("form[pay_date]", &later));
    let sealed: String = json(call(&payer, &s, "p_link_confirm", &form).await)
        .await
        .as_str()
        .unwrap()
        .to_string();
    let r = call(
        &payer,
        &s,
        "p_link_pay",
        &[("token", &token), ("r", &sealed)],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payments WHERE status = 'scheduled' AND channel = 'link'"
        )
        .await,
        1
    );

    // Payment Activity lists it with a key for its Cancel.
    let activity = json(call(&payer, &s, "p_payments", &[]).await).await;
    let reference = activity["payments"][0]["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let key = activity["keys"][0]
        .as_str()
        .expect("a Scheduled payment has a key")
        .to_string();
    // Another payer can't cancel it (not found), nor can a staff session.
    let other = signed_in_payer(&s, "other.payer", support::PAYER_PASSWORD).await;
    let args = [("reference", reference.as_str()), ("key", key.as_str())];
    assert_eq!(
        call(&other, &s, "p_cancel_payment", &args).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&csr, &s, "p_cancel_payment", &args).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        json(call(&other, &s, "p_payments", &[]).await).await["payments"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Cancel pressed three times at once and once more: one cancel.
    let presses = (0..3).map(|_| call(&payer, &s, "p_cancel_payment", &args));
    for r in futures::future::join_all(presses).await {
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        call(&payer, &s, "p_cancel_payment", &args).await.status(),
        200
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payment_actions WHERE kind = 'cancel'"
        )
        .await,
        1
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payments WHERE status = 'cancelled'"
        )
        .await,
        1
    );
    let activity = json(call(&payer, &s, "p_payments", &[]).await).await;
    assert_eq!(activity["payments"][0]["status"], "Cancelled");
    assert!(activity["keys"][0].is_null(), "nothing left to cancel");
    // An emailed link still pays today only.
    let emailed = support::send_link_by_email(&csr, &s, "100003", "pat@example.com", 1).await;
    let mut form = vec![("token", emailed.as_str())];
    form.extend(support::card_form("100003", "25.00", "4242424242424242"));
    form.push(("form[pay_date]", &later));
    let r = call(&support::client(), &s, "p_link_confirm", &form).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("A payment link pays today.")
    );
}

/// The reset link in the newest mail containing `needle`.
async fn reset_token(s: &TestServer, needle: &str, nth: usize) -> String {
    let mail = support::wait_for_mail(&s.data_dir.path().join("outbox"), needle, nth).await;
    support::after_in_message(&mail, "/p/reset/", |c| {
        c.is_ascii_alphanumeric() || c == '-' || c == '_'
    })
}

async fn forgot_password_emails_a_link_that_works_once(t: &TestDb) {
    let (s, _) = setup(t).await;
    register(t, &s, "100003", "pat.payer").await;
    let anon = support::client();
    // The same answer for a User ID that exists and one that does not.
    let a = call(&anon, &s, "p_forgot", &[("form[user_id]", "pat.payer")]).await;
    let b = call(&anon, &s, "p_forgot", &[("form[user_id]", "no.such.payer")]).await;
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    assert_eq!(a.text().await.unwrap(), b.text().await.unwrap());
    let token = reset_token(&s, "User ID pat.payer", 1).await;
    assert!(token.len() >= 40, "{token}");
    assert_eq!(
        support::count(
            &t.db,
            &format!("SELECT COUNT(*) FROM payers WHERE reset_hash = '{token}'")
        )
        .await,
        0,
        "only the secret's hash is stored"
    );
    let page = json(call(&anon, &s, "p_reset_page", &[("token", &token)]).await).await;
    assert_eq!(page["user_id"], "pat.payer");
    assert_eq!(page["questions"].as_array().unwrap().len(), 2);

    let new = "Green teapot 2027!";
    let reset = |a1: &'static str| {
        let (anon, s, token) = (anon.clone(), &s, token.clone());
        async move {
            call(
                &anon,
                s,
                "p_reset",
                &[
                    ("form[token]", token.as_str()),
                    ("form[answer1]", a1),
                    ("form[answer2]", "Hilo"),
                    ("form[new]", new),
                    ("form[confirm]", new),
                ],
            )
            .await
        }
    };
    // Answers are case-sensitive; a wrong one counts as a failed sign-in.
    let r = reset("rex").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not the ones you chose"));
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payers WHERE user_id = 'pat.payer' AND failed_attempts = 1"
        )
        .await,
        1
    );
    assert_eq!(reset("Rex").await.status(), 200);
    assert_eq!(
        payer_sign_in(&support::client(), &s, "pat.payer", PASSWORD)
            .await
            .status(),
        422
    );
    assert_eq!(
        payer_sign_in(&support::client(), &s, "pat.payer", new)
            .await
            .status(),
        200
    );
    // The link worked once.
    assert_eq!(
        call(&anon, &s, "p_reset_page", &[("token", &token)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(reset("Rex").await.status(), StatusCode::NOT_FOUND);

    // An enrollment imported with no password and no questions gets its
    // first password this way, through its account's email.
    assert_eq!(
        call(&anon, &s, "p_forgot", &[("form[user_id]", "payer105")])
            .await
            .status(),
        200
    );
    let token = reset_token(&s, "User ID payer105", 1).await;
    let page = json(call(&anon, &s, "p_reset_page", &[("token", &token)]).await).await;
    assert_eq!(page["questions"].as_array().unwrap().len(), 0);
    let r = call(
        &anon,
        &s,
        "p_reset",
        &[
            ("form[token]", token.as_str()),
            ("form[new]", new),
            ("form[confirm]", new),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        payer_sign_in(&support::client(), &s, "payer105", new)
            .await
            .status(),
        200
    );
}

async fn registration_is_one_per_account_and_no_file_hands_it_accounts(t: &TestDb) {
    let (s, csr) = setup(t).await;
    // Two registrations of one account at once: one wins, the other writes nothing.
    let name = last_name(t, "100003").await;
    let (a, b) = (support::client(), support::client());
    let (fa, fb) = (
        register_form("100003", &name, "first.one"),
        register_form("100003", &name, "second.one"),
    );
    let (ra, rb) = tokio::join!(
        call(&a, &s, "p_register", &fa),
        call(&b, &s, "p_register", &fb)
    );
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 422]);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM payers WHERE user_id IN ('first.one', 'second.one')"
        )
        .await,
        1
    );
    let enrolled = support::count(
        &t.db,
        "SELECT COUNT(*) FROM account_payers ap JOIN accounts a ON a.id = ap.account_id WHERE a.account_number = '100003'",
    )
    .await;
    assert_eq!(enrolled, 1);

    // A later accounts file naming a registered User ID links nothing to it.
    let winner = if ra.status() == 200 {
        "first.one"
    } else {
        "second.one"
    };
    let file = format!(
        "account_number,account_type,first_name,last_name,company_name,email,balance,status,user_id\n\
         900001,I,Eve,Taker,,eve@example.com,10.00,active,{winner}\n"
    );
    app::services::accounts_import::import(&t.db, file.as_bytes(), "takeover.csv", Some("alex"))
        .await
        .unwrap();
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM account_payers ap JOIN accounts a ON a.id = ap.account_id WHERE a.account_number = '900001'",
        )
        .await,
        0,
        "the file's account is imported, not linked to the registered payer"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE account_number = '900001'"
        )
        .await,
        1
    );

    // Edit Email cancels a reset link already sent to the old address.
    assert_eq!(
        call(
            &support::client(),
            &s,
            "p_forgot",
            &[("form[user_id]", winner)]
        )
        .await
        .status(),
        200
    );
    let token = reset_token(&s, &format!("User ID {winner}"), 1).await;
    let r = call(
        &csr,
        &s,
        "set_payer_email",
        &[("user_id", winner), ("email", "new@example.com")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        call(&support::client(), &s, "p_reset_page", &[("token", &token)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

on_both_backends!(
    registration_is_one_per_account_and_no_file_hands_it_accounts,
    forgot_password_emails_a_link_that_works_once,
    a_payer_schedules_a_payment_and_cancels_it_once,
    register_sign_in_and_see_only_your_accounts,
    four_failures_lock_and_a_csr_unlocks_and_resets,
    sign_ins_sent_at_once_cannot_outrun_the_lockout,
    an_imported_enrollment_signs_in_only_after_a_reset,
);
