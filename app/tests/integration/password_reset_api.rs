//! Forgot Your Password?, Forgot Your Username? and temporary password
//! expiry, over real HTTP on both backends.

use crate::support;
use crate::support::{call, sign_in};

use reqwest::header::{ACCEPT, LOCATION};
use reqwest::{Client, Response, StatusCode};
use support::{ADMIN, CSR, TestDb, TestServer};

const NEW_PASSWORD: &str = "a whole new secret 7";

/// The same call from `ip`, as a trusted proxy reports it.
async fn call_from(
    c: &Client,
    s: &TestServer,
    ip: &str,
    name: &str,
    form: &[(&str, &str)],
) -> Response {
    c.post(format!("{}/api/{name}", s.base))
        .header(ACCEPT, "application/json")
        .header("x-forwarded-for", ip)
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn request_code(c: &Client, s: &TestServer, login: &str) -> Response {
    call(c, s, "request_password_reset", &[("login", login)]).await
}

async fn resend(c: &Client, s: &TestServer, login: &str) -> Response {
    call(c, s, "resend_password_reset_code", &[("login", login)]).await
}

async fn reset(c: &Client, s: &TestServer, login: &str, code: &str, new: &str) -> Response {
    call(
        c,
        s,
        "reset_password",
        &[
            ("login", login),
            ("code", code),
            ("new", new),
            ("confirm", new),
        ],
    )
    .await
}

/// The message next to `field` in a 422 answer.
async fn field_message(r: Response, field: &str) -> Option<String> {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    body["Invalid"]["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .map(str::to_string)
}

/// The security code in the `nth` code email to `to`.
async fn code_from_mail(s: &TestServer, to: &str, nth: usize) -> String {
    let outbox = s.data_dir.path().join("outbox");
    let mail = support::wait_for_mail(&outbox, "Security code: ", nth).await;
    assert!(mail.contains(&format!("To: {to}")), "{mail}");
    let at = mail.find("Security code: ").unwrap() + "Security code: ".len();
    let code: String = mail[at..].chars().take(8).collect();
    assert!(
        code.len() == 8 && code.chars().all(|c| c.is_ascii_digit()),
        "{code:?}"
    );
    code
}

async fn audit_count(t: &TestDb, action: &str) -> i64 {
    support::count(
        &t.db,
        &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"),
    )
    .await
}

async fn the_whole_reset_flow_works_from_the_emailed_code(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    // casey is signed in elsewhere, has a temporary password and is locked out.
    let elsewhere = support::client();
    assert_eq!(sign_in(&elsewhere, &s, CSR.0, CSR.1).await.status(), 200);
    support::execute(
        &t.db,
        "UPDATE staff_users SET must_change_password = TRUE, failed_attempts = 5, \
         locked_until = 99999999999999 WHERE login = 'casey'",
    )
    .await
    .unwrap();

    let c = support::client();
    let r = request_code(&c, &s, "Casey").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()[LOCATION],
        "/forgot-password/code?login=casey",
        "on to Security Code Sent!"
    );
    let code = code_from_mail(&s, "casey@example.com", 1).await;

    // Hashed at rest: the code is nowhere in the database in clear.
    let hash_like = support::count(
        &t.db,
        &format!(
            "SELECT COUNT(*) FROM password_reset_codes WHERE code_hash LIKE '$argon2id$%' \
             AND code_hash NOT LIKE '%{code}%'"
        ),
    )
    .await;
    assert_eq!(hash_like, 1, "one code, stored as an argon2id hash");
    for (table, column) in [
        (
            "audit_log",
            "COALESCE(object, '') || COALESCE(after_json, '')",
        ),
        ("self_service_limits", "bucket"),
    ] {
        assert_eq!(
            support::count(
                &t.db,
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%{code}%'")
            )
            .await,
            0,
            "{table}"
        );
    }

    // The password rules hold, and a refused password keeps the code live.
    let r = reset(&c, &s, "casey", &code, "password1234").await;
    assert_eq!(
        field_message(r, "new").await.as_deref(),
        Some("That password is too common. Choose another.")
    );
    let r = reset(&c, &s, "casey", &code, "casey rules the world").await;
    assert_eq!(
        field_message(r, "new").await.as_deref(),
        Some("Do not use your login ID in your password.")
    );
    let r = call(
        &c,
        &s,
        "reset_password",
        &[
            ("login", "casey"),
            ("code", &code),
            ("new", NEW_PASSWORD),
            ("confirm", "something else entirely"),
        ],
    )
    .await;
    assert_eq!(
        field_message(r, "confirm").await.as_deref(),
        Some("The two new passwords are not the same.")
    );

    let spaced = format!("{} {}", &code[..4], &code[4..]);
    let r = reset(&c, &s, "casey", &spaced, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[LOCATION], "/sign-in?password_reset=1");

    // Every session ended; the flag and the lockout are cleared.
    assert_eq!(
        call(&elsewhere, &s, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let row = t.db.staff_by_login("casey").await.unwrap().unwrap();
    assert!(!row.must_change_password);
    assert_eq!((row.failed_attempts, row.locked_until), (0, None));
    assert_eq!(
        sign_in(&c, &s, CSR.0, CSR.1).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old password is gone"
    );
    assert_eq!(sign_in(&c, &s, CSR.0, NEW_PASSWORD).await.status(), 200);

    // Single use: the same code again is refused, and says why.
    let r = reset(
        &support::client(),
        &s,
        "casey",
        &code,
        "yet another secret 9",
    )
    .await;
    assert_eq!(
        field_message(r, "code").await.as_deref(),
        Some(app::services::password_reset::CODE_USED)
    );

    // The history holds: the password just set can't be set again, and the
    // refused try leaves the code live for a better one.
    assert_eq!(request_code(&c, &s, "casey").await.status(), 200);
    let code = code_from_mail(&s, "casey@example.com", 2).await;
    let r = reset(&c, &s, "casey", &code, NEW_PASSWORD).await;
    assert_eq!(
        field_message(r, "new").await.as_deref(),
        Some("Choose a password different from your last 4.")
    );
    assert_eq!(
        reset(&c, &s, "casey", &code, "another fine secret 8")
            .await
            .status(),
        200
    );
    assert_eq!(audit_count(t, "auth.password_reset_requested").await, 2);
    assert_eq!(audit_count(t, "auth.password_reset_code_sent").await, 2);
    assert_eq!(audit_count(t, "auth.password_reset").await, 2);
    assert_eq!(audit_count(t, "auth.password_reset_code_failed").await, 1);
}

/// Status, headers (but the date) and body, for comparing answers.
async fn answer(r: Response) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let status = r.status().as_u16();
    let mut headers: Vec<(String, String)> = r
        .headers()
        .iter()
        // Every response has its own date and request id.
        .filter(|(k, _)| k.as_str() != "date" && k.as_str() != "x-request-id")
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
        .collect();
    headers.sort();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

async fn form_post(c: &Client, s: &TestServer, name: &str, form: &[(&str, &str)]) -> Response {
    c.post(format!("{}/api/{name}", s.base))
        .header(ACCEPT, "text/html")
        .header("referer", format!("{}/forgot-password", s.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn answers_do_not_tell_whether_an_account_exists(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    // The same login ID typed while casey exists, and after casey is gone:
    // the answers are byte for byte the same, with and without JavaScript.
    let known_json = answer(request_code(&c, &s, "casey").await).await;
    let known_form =
        answer(form_post(&c, &s, "request_password_reset", &[("login", "casey")]).await).await;
    code_from_mail(&s, "casey@example.com", 2).await;
    support::execute(
        &t.db,
        "UPDATE staff_users SET login = 'casey-gone' WHERE login = 'casey'",
    )
    .await
    .unwrap();
    let unknown_json = answer(request_code(&c, &s, "casey").await).await;
    let unknown_form =
        answer(form_post(&c, &s, "request_password_reset", &[("login", "casey")]).await).await;
    assert_eq!(known_json, unknown_json);
    assert_eq!(known_form, unknown_form);
    assert!(
        (300..400).contains(&known_form.0),
        "without JavaScript: a redirect"
    );
    // An inactive user gets the same answer as anyone (and no email).
    support::execute(
        &t.db,
        "UPDATE staff_users SET active = FALSE WHERE login = 'alex'",
    )
    .await
    .unwrap();
    let sent = audit_count(t, "auth.password_reset_code_sent").await;
    let inactive = answer(resend(&c, &s, "alex").await).await;
    let nobody = answer(resend(&c, &s, "alez").await).await;
    assert_eq!(
        (inactive.0, &inactive.2),
        (nobody.0, &nobody.2),
        "same status and body"
    );
    // Whether to mail is decided (and audited, with the code) before the
    // answer; the mail itself goes out after it.
    assert_eq!(
        audit_count(t, "auth.password_reset_code_sent").await,
        sent,
        "no code (so no email) for an inactive or unknown user"
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM password_reset_codes c JOIN staff_users u ON u.id = c.user_id \
             WHERE u.login = 'alex'"
        )
        .await,
        0
    );

    // A wrong code: the same answer for a login with a live code and one
    // without (the "used"/"expired" messages need the right code).
    support::execute(
        &t.db,
        "UPDATE staff_users SET login = 'casey', active = TRUE WHERE login = 'casey-gone'",
    )
    .await
    .unwrap();
    let wrong_known = answer(reset(&c, &s, "casey", "00000000", NEW_PASSWORD).await).await;
    support::execute(
        &t.db,
        "UPDATE staff_users SET login = 'casey-gone' WHERE login = 'casey'",
    )
    .await
    .unwrap();
    let wrong_unknown = answer(reset(&c, &s, "casey", "00000000", NEW_PASSWORD).await).await;
    assert_eq!(wrong_known, wrong_unknown);

    // Forgot Your Username?: one answer for any address.
    // (casey-gone is active and has casey@example.com.)
    let known =
        answer(call(&c, &s, "forgot_username", &[("email", "casey@example.com")]).await).await;
    let unknown = answer(
        call(
            &c,
            &s,
            "forgot_username",
            &[("email", "nobody@example.org")],
        )
        .await,
    )
    .await;
    assert_eq!(known, unknown);
}

/// Times `n` calls of `request_password_reset`, in milliseconds.
async fn time_requests(c: &Client, s: &TestServer, logins: &[&str]) -> u128 {
    let started = std::time::Instant::now();
    for login in logins {
        assert_eq!(request_code(c, s, login).await.status(), StatusCode::OK);
    }
    started.elapsed().as_millis()
}

async fn unknown_logins_take_about_as_long(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve_with(t, &[("PAYDESK_SIGN_IN_IP_LIMIT", "1000")]).await;
    let c = support::client();
    // Warm up (the decoy hash is made on first use).
    time_requests(&c, &s, &["warm-up"]).await;
    let known = time_requests(&c, &s, &["casey", "alex", "casey", "alex"]).await;
    let unknown = time_requests(&c, &s, &["pat", "sam", "kim", "lee"]).await;
    eprintln!("4 requests: known logins {known} ms, unknown logins {unknown} ms");
    // Both run one argon2 hash; without the decoy an unknown login answers
    // many times faster.
    assert!(
        unknown * 3 > known && known * 3 > unknown,
        "known {known} ms, unknown {unknown} ms"
    );
}

async fn codes_expire_resend_replaces_and_five_wrong_kill_a_code(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve_with(t, &[("PAYDESK_SIGN_IN_IP_LIMIT", "100")]).await;
    let c = support::client();
    assert_eq!(request_code(&c, &s, "casey").await.status(), 200);
    let first = code_from_mail(&s, "casey@example.com", 1).await;

    // Fifteen minutes later (aged in the database) it has expired.
    support::execute(
        &t.db,
        "UPDATE password_reset_codes SET expires_at = expires_at - 900001",
    )
    .await
    .unwrap();
    let r = reset(&c, &s, "casey", &first, NEW_PASSWORD).await;
    assert_eq!(
        field_message(r, "code").await.as_deref(),
        Some(app::services::password_reset::CODE_EXPIRED)
    );

    // Resend Code: a new code, and the old one no longer works.
    let r = resend(&c, &s, "casey").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()[LOCATION],
        "/forgot-password/code?login=casey&resent=1"
    );
    let second = code_from_mail(&s, "casey@example.com", 2).await;
    assert_ne!(first, second);
    let r = reset(&c, &s, "casey", &first, NEW_PASSWORD).await;
    assert_eq!(
        field_message(r, "code").await.as_deref(),
        Some(app::services::password_reset::CODE_NOT_RIGHT)
    );

    // That was one wrong try; four more kill the code, and then even the
    // right one is refused, saying why.
    let wrong = if second == "12345678" {
        "87654321"
    } else {
        "12345678"
    };
    for _ in 0..4 {
        let r = reset(&c, &s, "casey", wrong, NEW_PASSWORD).await;
        assert_eq!(
            field_message(r, "code").await.as_deref(),
            Some(app::services::password_reset::CODE_NOT_RIGHT)
        );
    }
    let r = reset(&c, &s, "casey", &second, NEW_PASSWORD).await;
    assert_eq!(
        field_message(r, "code").await.as_deref(),
        Some(app::services::password_reset::CODE_WORN_OUT)
    );
    assert_eq!(audit_count(t, "auth.password_reset_code_failed").await, 7);

    // A fresh code works.
    assert_eq!(resend(&c, &s, "casey").await.status(), 200);
    let third = code_from_mail(&s, "casey@example.com", 3).await;
    assert_eq!(
        reset(&c, &s, "casey", &third, NEW_PASSWORD).await.status(),
        200
    );
    assert_eq!(sign_in(&c, &s, CSR.0, NEW_PASSWORD).await.status(), 200);
}

async fn parallel_wrong_codes_get_no_more_than_five_tries(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve_with(
        t,
        &[
            ("PAYDESK_SIGN_IN_IP_LIMIT", "100"),
            // Room for every guess at the argon2 gate: this test is about the
            // tries a code allows, not about a busy server.
            ("PAYDESK_HASH_CONCURRENCY", "16"),
        ],
    )
    .await;
    let c = support::client();
    assert_eq!(request_code(&c, &s, "casey").await.status(), 200);
    let code = code_from_mail(&s, "casey@example.com", 1).await;
    let wrong = if code == "12345678" {
        "87654321"
    } else {
        "12345678"
    };
    let guesses: Vec<_> = (0..12)
        .map(|_| {
            let (c, base) = (c.clone(), s.base.clone());
            tokio::spawn(async move {
                c.post(format!("{base}/api/reset_password"))
                    .header(ACCEPT, "application/json")
                    .form(&[
                        ("login", "casey"),
                        ("code", wrong),
                        ("new", NEW_PASSWORD),
                        ("confirm", NEW_PASSWORD),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for g in guesses {
        assert_eq!(g.await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        support::count(&t.db, "SELECT failures FROM password_reset_codes").await,
        5,
        "each try is claimed before the check"
    );
    let r = reset(&c, &s, "casey", &code, NEW_PASSWORD).await;
    assert_eq!(
        field_message(r, "code").await.as_deref(),
        Some(app::services::password_reset::CODE_WORN_OUT)
    );
}

async fn self_service_is_rate_limited(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve_with(t, &[("PAYDESK_SIGN_IN_IP_LIMIT", "100")]).await;
    let c = support::client();
    // Five codes an hour for a login ID, known or not; then 429, audited.
    for login in ["casey", "ghost"] {
        for _ in 0..5 {
            assert_eq!(request_code(&c, &s, login).await.status(), 200);
        }
        assert_eq!(
            resend(&c, &s, login).await.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{login}"
        );
    }
    assert_eq!(audit_count(t, "auth.password_reset_throttled").await, 2);
    // Three login ID emails an hour for an address.
    for _ in 0..3 {
        assert_eq!(
            call(&c, &s, "forgot_username", &[("email", "alex@example.com")])
                .await
                .status(),
            200
        );
    }
    assert_eq!(
        call(&c, &s, "forgot_username", &[("email", "Alex@Example.com")])
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(audit_count(t, "auth.username_throttled").await, 1);

    // Per client address: every self-service call counts, IPv6 per /64.
    let s = support::serve_with(
        t,
        &[
            ("PAYDESK_SIGN_IN_IP_LIMIT", "3"),
            ("PAYDESK_TRUST_PROXY", "true"),
        ],
    )
    .await;
    let from = "2001:db8:5:6::1";
    assert_eq!(
        call_from(&c, &s, from, "request_password_reset", &[("login", "pat")])
            .await
            .status(),
        200
    );
    assert_eq!(
        call_from(
            &c,
            &s,
            "2001:db8:5:6::beef",
            "forgot_username",
            &[("email", "x@example.com")]
        )
        .await
        .status(),
        200
    );
    let r = call_from(
        &c,
        &s,
        "2001:db8:5:6:ffff::2",
        "reset_password",
        &[
            ("login", "pat"),
            ("code", "12345678"),
            ("new", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        call_from(&c, &s, from, "request_password_reset", &[("login", "sam")])
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the fourth from the same /64"
    );
    assert_eq!(
        call_from(
            &c,
            &s,
            "2001:db8:5:7::1",
            "request_password_reset",
            &[("login", "sam")]
        )
        .await
        .status(),
        200,
        "another network is not affected"
    );
}

async fn anonymous_input_is_bounded(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let rows = |t: &TestDb| {
        let db = t.db.clone();
        async move {
            support::count(&db, "SELECT COUNT(*) FROM audit_log").await
                + support::count(&db, "SELECT COUNT(*) FROM self_service_limits").await
        }
    };
    let before = rows(t).await;
    // An overlong login ID or address is refused before any work.
    let huge = "a".repeat(900_000);
    let r = request_code(&c, &s, &huge).await;
    assert_eq!(
        field_message(r, "login").await.as_deref(),
        Some("A login ID has 3 to 64 characters.")
    );
    let r = call(
        &c,
        &s,
        "forgot_username",
        &[("email", &format!("{huge}@example.com"))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = reset(&c, &s, &huge, "12345678", NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rows(t).await, before, "nothing stored");
    // The longest address there can be is cut to 64 characters in the log.
    let long = format!("{}@{}.example.com", "b".repeat(64), "c".repeat(60));
    assert_eq!(
        call(&c, &s, "forgot_username", &[("email", &long)])
            .await
            .status(),
        200
    );
    assert!(
        support::count(
            &t.db,
            "SELECT CAST(MAX(LENGTH(object)) AS BIGINT) FROM audit_log WHERE action = 'auth.username_requested'"
        )
        .await
            <= 65
    );
}

async fn forgot_username_emails_the_login(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let r = call(
        &c,
        &s,
        "forgot_username",
        &[("email", " ALEX@Example.COM ")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[LOCATION], "/forgot-username?sent=1");
    let outbox = s.data_dir.path().join("outbox");
    let mail = support::wait_for_mail(&outbox, "Login ID: ", 1).await;
    assert!(mail.contains("To: alex@example.com"), "{mail}");
    assert!(mail.contains(&format!("Login ID: {}", ADMIN.0)), "{mail}");
    assert!(!mail.contains("casey"), "only the owner's login: {mail}");
    assert_eq!(audit_count(t, "auth.username_sent").await, 1);
    // An inactive user's address gets nothing.
    support::execute(
        &t.db,
        "UPDATE staff_users SET active = FALSE WHERE login = 'casey'",
    )
    .await
    .unwrap();
    let r = call(&c, &s, "forgot_username", &[("email", "casey@example.com")]).await;
    assert_eq!(r.status(), 200);
    // The mail is decided and audited before the answer (it goes out after).
    assert_eq!(
        audit_count(t, "auth.username_sent").await,
        1,
        "still only alex's"
    );
    assert_eq!(audit_count(t, "auth.username_requested").await, 1);
}

async fn temporary_passwords_expire_after_24_hours(t: &TestDb) {
    use app::domain::staff::Role;
    support::add_staff(&t.db).await;
    app::services::auth::add_user_with(
        &t.db,
        "newbie",
        "newbie@example.com",
        Role::Csr,
        "temporary-pass-1",
        true,
        Some("alex"),
    )
    .await
    .unwrap();
    let s = support::serve(t).await;
    let c = support::client();
    let unknown: serde_json::Value = sign_in(&c, &s, "nobody", "temporary-pass-1")
        .await
        .json()
        .await
        .unwrap();
    // 23 hours old: it still works (for Change Password).
    support::execute(
        &t.db,
        "UPDATE staff_users SET password_changed_at = password_changed_at - 82800000",
    )
    .await
    .unwrap();
    assert_eq!(
        sign_in(&c, &s, "newbie", "temporary-pass-1").await.status(),
        200
    );
    // Past 24 hours: refused with the message any failed sign-in gets.
    support::execute(
        &t.db,
        "UPDATE staff_users SET password_changed_at = password_changed_at - 3600001",
    )
    .await
    .unwrap();
    let c = support::client();
    let r = sign_in(&c, &s, "newbie", "temporary-pass-1").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["Invalid"]["errors"], unknown["Invalid"]["errors"]);
    assert_eq!(audit_count(t, "auth.sign_in_temporary_expired").await, 1);
    // A password of one's own of the same age is not affected.
    assert_eq!(sign_in(&c, &s, CSR.0, CSR.1).await.status(), 200);
    // Forgot Your Password? gets the user back in, with a password of their own.
    assert_eq!(request_code(&c, &s, "newbie").await.status(), 200);
    let code = code_from_mail(&s, "newbie@example.com", 1).await;
    assert_eq!(
        reset(&c, &s, "newbie", &code, NEW_PASSWORD).await.status(),
        200
    );
    let row = t.db.staff_by_login("newbie").await.unwrap().unwrap();
    assert!(!row.must_change_password);
    assert_eq!(sign_in(&c, &s, "newbie", NEW_PASSWORD).await.status(), 200);
}

async fn pages_work_signed_out_and_without_javascript(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let page = |path: &'static str| {
        let c = c.clone();
        let url = format!("{}{path}", s.base);
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path} is public");
            r.text().await.unwrap()
        }
    };
    let html = page("/sign-in").await;
    assert!(
        html.contains(r#"href="/forgot-password""#) && html.contains(r#"href="/forgot-username""#)
    );
    let html = page("/forgot-password").await;
    assert!(
        html.contains(r#"<label for="f-login">Login ID</label>"#),
        "{html}"
    );
    let html = page("/forgot-password/code?login=casey%22%3E%3Cb%3Ex").await;
    assert!(html.contains("Security Code Sent!") && html.contains("Resend Code"));
    assert!(html.contains(r#"<label for="f-code">Security code</label>"#));
    assert!(
        html.contains(r#"value="caseybx""#),
        "only login-ID characters are kept"
    );
    let html = page("/forgot-username?sent=1").await;
    assert!(html.contains("Username Sent!"));

    // Without JavaScript: the form posts, and a wrong code comes back to the
    // page with its message next to the field.
    let referer = format!("{}/forgot-password/code?login=casey", s.base);
    let r = c
        .post(format!("{}/api/reset_password", s.base))
        .header(ACCEPT, "text/html")
        .header("referer", &referer)
        .form(&[
            ("login", "casey"),
            ("code", "12345678"),
            ("new", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let back = r.headers()[LOCATION].to_str().unwrap().to_string();
    let html = c.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains(app::services::password_reset::CODE_NOT_RIGHT),
        "{html}"
    );
}

on_both_backends!(
    pages_work_signed_out_and_without_javascript,
    the_whole_reset_flow_works_from_the_emailed_code,
    answers_do_not_tell_whether_an_account_exists,
    unknown_logins_take_about_as_long,
    codes_expire_resend_replaces_and_five_wrong_kill_a_code,
    parallel_wrong_codes_get_no_more_than_five_tries,
    self_service_is_rate_limited,
    anonymous_input_is_bounded,
    forgot_username_emails_the_login,
    temporary_passwords_expire_after_24_hours,
);
