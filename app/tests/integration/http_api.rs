//! Server functions and pages over real HTTP, on both backends: sign-in,
//! lockout, sessions, the page guard, error statuses and cross-site refusal.

use crate::support;
use crate::support::{call, sign_in, sign_in_from};

use reqwest::header::{ACCEPT, LOCATION, ORIGIN, REFERER, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use support::{CSR, TestDb, TestServer};

const FORM: &str = "application/x-www-form-urlencoded";

async fn error_json(r: Response) -> serde_json::Value {
    r.json().await.unwrap()
}

async fn probes_answer(t: &TestDb) {
    let s = support::serve(t).await;
    let c = support::client();
    assert_eq!(
        c.get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = c.get(format!("{}/readyz", s.base)).send().await.unwrap();
    assert_eq!(
        (r.status(), r.text().await.unwrap().as_str()),
        (StatusCode::OK, "ready")
    );
}

async fn a_full_server_answers_busy_at_once_and_recovers(t: &TestDb) {
    let s = support::serve_with(t, &[("PAYDESK_MAX_IN_FLIGHT", "2")]).await;
    let c = support::client();
    let page = format!("{}/sign-in", s.base);
    assert_eq!(c.get(&page).send().await.unwrap().status(), 200);
    // Two requests being worked on: the server is full.
    let held = [s.state.admission.hold(), s.state.admission.hold()];
    assert!(held.iter().all(Option::is_some));
    let r = c.get(&page).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "1");
    assert!(
        r.headers().contains_key("x-request-id"),
        "logged like any other"
    );
    let text = r.text().await.unwrap();
    assert!(
        text.contains("The server is busy. Please try again in a few seconds."),
        "{text}"
    );
    // A server function too, with the error the console shows (a CSR's
    // retry of a payment is safe: its idempotency key stays with the form).
    let r = call(&c, &s, "current_user", &[]).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(error_json(r).await, serde_json::json!("Busy"));
    // The load balancer's probes still answer.
    for probe in ["healthz", "readyz"] {
        let r = c.get(format!("{}/{probe}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{probe}");
    }
    drop(held);
    let r = c.get(&page).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap();
    // The page's place comes back once the server has dropped its body,
    // just after the client read the last of it.
    for _ in 0..200 {
        if s.state.admission.available() == 2 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("a place was never given back");
}

async fn pages_need_a_signed_in_user(t: &TestDb) {
    let s = support::serve(t).await;
    let c = support::client();
    let r = c
        .get(format!("{}/payer-support?by=account&q=A-1", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[LOCATION],
        "/sign-in?next=/payer-support%3Fby%3Daccount%26q%3DA-1"
    );
    let r = call(
        &c,
        &s,
        "search_accounts",
        &[("by", "account"), ("q", "A-1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_json(r).await, serde_json::json!("Unauthenticated"));
    let r = c.get(format!("{}/sign-in", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let headers = r.headers().clone();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let html = r.text().await.unwrap();
    assert!(html.contains("Staff sign-in"));
    // Inline scripts run only with this response's nonce: no 'unsafe-inline'.
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap()
        .to_string();
    assert!(!script_src.contains("unsafe-inline"), "{script_src}");
    let nonce = script_src
        .split("'nonce-")
        .nth(1)
        .and_then(|n| n.split('\'').next())
        .expect("a nonce")
        .to_string();
    let scripts: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
        .collect();
    assert!(!scripts.is_empty());
    for tag in scripts {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "a script without the nonce: <script{tag}>"
        );
    }
    let again = c.get(format!("{}/sign-in", s.base)).send().await.unwrap();
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce),
        "a new nonce per page"
    );
    let api = call(&c, &s, "current_user", &[]).await;
    let api_csp = api.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        api_csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{api_csp}"
    );
}

async fn sign_in_sets_a_strict_cookie_and_opens_the_console(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let r = sign_in(&c, &s, "Casey", CSR.1).await;
    assert_eq!(r.status(), 200);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("paydesk_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http gets no Secure flag");
    assert_eq!(
        r.headers()[LOCATION],
        "/",
        "Home: CSRs have Reports by default"
    );
    let page = c
        .get(format!("{}/payer-support", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Payer Support") && html.contains("casey"),
        "the header names the user"
    );

    // Each sign-in gets a new session id.
    let other = support::client();
    let r2 = sign_in(&other, &s, "casey", CSR.1).await;
    assert_ne!(r2.headers()[SET_COOKIE].to_str().unwrap(), cookie);

    // Behind TLS the cookie is Secure.
    let r3 = c
        .post(format!("{}/api/sign_in", s.base))
        .header("x-forwarded-proto", "https")
        .form(&[("login", "casey"), ("password", CSR.1)])
        .send()
        .await
        .unwrap();
    assert!(
        r3.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
}

async fn bad_credentials_get_one_generic_message_and_five_lock_the_user(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let unknown = error_json(sign_in(&c, &s, "nobody", "whatever-password").await).await;
    for _ in 0..5 {
        let r = sign_in(&c, &s, "casey", "wrong-password!").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = error_json(r).await;
        assert_eq!(
            body["Invalid"]["errors"], unknown["Invalid"]["errors"],
            "same message for a wrong password and an unknown user"
        );
        assert!(body.to_string().contains("Sign-in failed"));
    }
    // Locked: even the right password is refused, with the same message.
    let r = sign_in(&c, &s, "casey", CSR.1).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.headers().get(SET_COOKIE).is_none());
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.lockout'"
        )
        .await,
        1
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sign_in_locked'"
        )
        .await,
        1
    );
    // Once the lock has passed, the right password works and clears the count.
    support::execute(&t.db, "UPDATE staff_users SET locked_until = 1")
        .await
        .unwrap();
    assert_eq!(sign_in(&c, &s, "casey", CSR.1).await.status(), 200);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT failed_attempts FROM staff_users WHERE login = 'casey'"
        )
        .await,
        0
    );
}

async fn empty_fields_are_named(t: &TestDb) {
    let s = support::serve(t).await;
    let body = error_json(sign_in(&support::client(), &s, "", "").await).await;
    let fields: Vec<&str> = body["Invalid"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["login", "password"]);
}

async fn malformed_requests_get_4xx_not_500(t: &TestDb) {
    let s = support::serve(t).await;
    let c = support::client();
    let r = call(&c, &s, "sign_in", &[("login", "casey")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a missing argument");
    let r = c
        .post(format!("{}/api/sign_in", s.base))
        .header("content-type", FORM)
        .body("%%%&&&=%ZZ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "an undecodable body");
    let r = c
        .post(format!("{}/api/no_such_function", s.base))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    // Too large: the server answers 413 from Content-Length and may close the
    // connection before the client has finished writing; both mean refused.
    match c
        .post(format!("{}/api/sign_in", s.base))
        .body(vec![b'a'; 2 * 1024 * 1024])
        .send()
        .await
    {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
}

async fn cross_site_posts_are_refused(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let form = [("login", "casey"), ("password", CSR.1)];
    let url = format!("{}/api/sign_in", s.base);
    let r = c
        .post(&url)
        .header(ORIGIN, "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let host = s.base.trim_start_matches("http://");
    let r = c
        .post(&url)
        .header(ORIGIN, format!("http://{host}"))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn sign_out_ends_the_session_on_the_server(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let cookie = sign_in(&c, &s, "casey", CSR.1).await.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(call(&c, &s, "current_user", &[]).await.status(), 200);
    let r = call(&c, &s, "sign_out", &[]).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // Replaying the old cookie gets nowhere: the session is gone server-side.
    let replay = support::client();
    let r = replay
        .post(format!("{}/api/current_user", s.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn an_idle_session_expires_and_says_so(t: &TestDb) {
    let (s, c) = support::csr_signed_in(t).await;
    support::idle_sessions(&t.db, 31).await;
    let r = c
        .get(format!("{}/payer-support", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[LOCATION],
        "/sign-in?next=/payer-support&expired=1"
    );
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "the dead cookie is dropped"
    );
}

async fn stay_signed_in_keeps_an_idle_session_and_says_its_window(t: &TestDb) {
    let (s, c) = support::csr_signed_in(t).await;
    // 29 minutes idle: the warning's "Stay signed in" comes just in time.
    support::idle_sessions(&t.db, 29).await;
    let r = call(&c, &s, "stay_signed_in", &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<i64>().await.unwrap(),
        30,
        "the idle window in minutes"
    );
    // Two more minutes would have ended it (31 > 30); it was renewed.
    support::idle_sessions(&t.db, 2).await;
    assert_eq!(call(&c, &s, "current_user", &[]).await.status(), 200);
}

async fn assets_never_touch_the_session(t: &TestDb) {
    let (s, c) = support::csr_signed_in(t).await;
    support::idle_sessions(&t.db, 31).await;
    // An asset fetched after the session went idle neither ends it nor
    // drops the cookie, so the next page can still say why it ended.
    let asset = c
        .get(format!("{}/favicon.svg", s.base))
        .send()
        .await
        .unwrap();
    assert!(asset.headers().get(SET_COOKIE).is_none());
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM sessions").await,
        1
    );
    let r = c
        .get(format!("{}/payer-support", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()[LOCATION],
        "/sign-in?next=/payer-support&expired=1"
    );
}

async fn forms_work_without_javascript(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let referer = format!("{}/sign-in?next=/payer-support%3Fq%3D1", s.base);
    let post = |password: &'static str| {
        c.post(format!("{}/api/sign_in", s.base))
            .header(ACCEPT, "text/html")
            .header(REFERER, &referer)
            .form(&[
                ("login", "casey"),
                ("password", password),
                ("next", "/payer-support?q=1"),
            ])
            .send()
    };
    // A failure goes back to the form, carrying the error for the page to show.
    let r = post("wrong-password!").await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let back = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        back.starts_with(&referer) && back.contains("__err="),
        "{back}"
    );
    let page = c.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Sign-in failed"),
        "the re-rendered form shows the message"
    );
    assert!(page.contains(r#"value="casey""#), "and keeps the login ID");
    // Success goes on to `next`.
    let r = post(CSR.1).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()[LOCATION], "/payer-support?q=1");
}

async fn payer_support_finds_accounts(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let c = support::client();
    sign_in(&c, &s, "casey", CSR.1).await;
    let found: serde_json::Value = call(
        &c,
        &s,
        "search_accounts",
        &[("by", "user"), ("q", "payer1")],
    )
    .await
    .json()
    .await
    .unwrap();
    let numbers: Vec<&str> = found["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["100001", "100002", "100041"]);
    let r = call(
        &c,
        &s,
        "search_accounts",
        &[("by", "account"), ("q", "not valid!")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(
        &c,
        &s,
        "search_accounts",
        &[("by", "telepathy"), ("q", "x")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Rendered on the server too, for the no-JavaScript page.
    let html = c
        .get(format!("{}/payer-support?by=account&q=100001", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Accounts Found") && html.contains("100001"));
}

async fn sign_ins_are_limited_per_address_too(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve_with(
        t,
        &[
            ("PAYDESK_SIGN_IN_IP_LIMIT", "3"),
            ("PAYDESK_TRUST_PROXY", "true"),
        ],
    )
    .await;
    let c = support::client();
    // Three failures for three different logins: no one user is locked...
    for login in ["pat", "sam", "casey"] {
        assert_eq!(
            sign_in_from(&c, &s, "203.0.113.7", login, "wrong-password!")
                .await
                .status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // ...but the address is, even with the right password, before any check.
    let r = sign_in_from(&c, &s, "203.0.113.7", CSR.0, CSR.1).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.sign_in_throttled'"
        )
        .await,
        1
    );
    // Another address is not affected, and an entry the client wrote in front
    // of the proxy's does not choose the address.
    assert_eq!(
        sign_in_from(&c, &s, "203.0.113.7, 198.51.100.9", CSR.0, CSR.1)
            .await
            .status(),
        200
    );
    let casey = t.db.staff_by_login("casey").await.unwrap().unwrap();
    assert_eq!(
        casey.failed_attempts, 0,
        "a successful sign-in resets casey's own counter"
    );
    // Without a trusted proxy the header is ignored: the peer is 127.0.0.1.
    let direct = support::serve_with(t, &[("PAYDESK_SIGN_IN_IP_LIMIT", "3")]).await;
    assert_eq!(
        sign_in_from(&c, &direct, "203.0.113.7", CSR.0, CSR.1)
            .await
            .status(),
        200
    );
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Anyone,
    /// A signed-in payer on the payer site: no staff session opens it.
    Payer,
    SignedIn,
    Entitled(Entitlement),
}

use Access::Entitled;
use app::domain::entitlements::Entitlement;

/// A server function's name, who may call it, and form fields that reach
/// its access check.
type MatrixRow = (
    &'static str,
    Access,
    &'static [(&'static str, &'static str)],
);

/// Who may call each server function, with arguments that get it past
/// decoding to its access check (and, where it is allowed, to a harmless
/// answer: a reference or login that does not exist, an empty form).
/// Every registered function must be here.
const MATRIX: &[MatrixRow] = &[
    (
        "sign_in",
        Access::Anyone,
        &[("login", "nobody"), ("password", "wrong-password!")],
    ),
    ("current_user", Access::SignedIn, &[]),
    ("stay_signed_in", Access::SignedIn, &[]),
    (
        "search_accounts",
        Access::SignedIn,
        &[("by", "account"), ("q", "100003")],
    ),
    (
        "suggest_accounts",
        Access::SignedIn,
        &[("by", "name"), ("q", "le")],
    ),
    (
        "payment_statuses",
        Access::SignedIn,
        &[("refs", "ABCD-EFGH")],
    ),
    (
        "create_account",
        Access::SignedIn,
        &[("form[account_number]", "")],
    ),
    ("load_account", Access::SignedIn, &[("number", "999999")]),
    (
        "update_account",
        Access::SignedIn,
        &[("form[account_number]", "999999")],
    ),
    (
        "adjust_balance",
        Entitled(Entitlement::BalanceAdjustments),
        &[("form[account_number]", "999999"), ("form[key]", "x")],
    ),
    (
        "load_pay_context",
        Entitled(Entitlement::OnBehalfPayments),
        &[("account", "100003")],
    ),
    (
        "confirm_payment",
        Entitled(Entitlement::OnBehalfPayments),
        &[("form[account]", "100003")],
    ),
    (
        "review_payment",
        Entitled(Entitlement::OnBehalfPayments),
        &[("r", "x")],
    ),
    (
        "send_payment_link",
        Entitled(Entitlement::OnBehalfPayments),
        &[("form[account]", "nope")],
    ),
    (
        "load_payment_links",
        Entitled(Entitlement::OnBehalfPayments),
        &[("account", "nope")],
    ),
    (
        "revoke_payment_link",
        Entitled(Entitlement::OnBehalfPayments),
        &[("account", "nope"), ("link", "1")],
    ),
    // The payer site: a link's token is the only credential; a staff
    // session adds nothing (payment_links_api).
    (
        "unlock_one_time",
        Entitled(Entitlement::OnBehalfPayments),
        &[("account", "nope")],
    ),
    (
        "p_one_time",
        Access::Anyone,
        &[("form[account]", "999999"), ("form[name]", "Nobody")],
    ),
    ("p_link_page", Access::Anyone, &[("token", "1.00")]),
    (
        "p_link_confirm",
        Access::Anyone,
        &[
            ("token", "1.00"),
            ("form[account]", "100003"),
            ("form[email]", ""),
            ("form[amount]", ""),
        ],
    ),
    (
        "p_link_review",
        Access::Anyone,
        &[("token", "1.00"), ("r", "x")],
    ),
    (
        "p_link_pay",
        Access::Anyone,
        &[("token", "1.00"), ("r", "x")],
    ),
    ("p_link_receipt", Access::Anyone, &[("token", "1.00")]),
    (
        "p_register",
        Access::Anyone,
        &[("form[account]", "999999"), ("form[name]", "Nobody")],
    ),
    (
        "p_sign_in",
        Access::Anyone,
        &[
            ("form[user_id]", "nobody"),
            ("form[password]", "wrong-password!"),
        ],
    ),
    ("p_sign_out", Access::Anyone, &[]),
    ("p_forgot", Access::Anyone, &[("form[user_id]", "nobody")]),
    ("p_reset_page", Access::Anyone, &[("token", "x")]),
    ("p_reset", Access::Anyone, &[("form[token]", "x")]),
    ("p_home", Access::Payer, &[]),
    ("p_pay_now", Access::Payer, &[("account", "999999")]),
    ("p_payments", Access::Payer, &[]),
    ("p_plans", Access::Payer, &[]),
    (
        "p_cancel_payment",
        Access::Payer,
        &[("reference", "ABCD-EFGH"), ("key", "matrix-key-0123456789")],
    ),
    (
        "p_change_password",
        Access::Payer,
        &[("form[current]", ""), ("form[new]", "")],
    ),
    ("p_profile", Access::Payer, &[]),
    (
        "p_change_email",
        Access::Payer,
        &[("form[email]", "x@example.com"), ("form[current]", "")],
    ),
    (
        "p_change_questions",
        Access::Payer,
        &[("form[question1]", ""), ("form[current]", "")],
    ),
    ("p_change_alerts", Access::Payer, &[("form[mobile]", "12")]),
    ("p_review_method", Access::Payer, &[("form[account]", "")]),
    ("p_method_review", Access::Payer, &[("r", "x")]),
    ("p_add_method", Access::Payer, &[("r", "x")]),
    ("p_delete_method", Access::Payer, &[("method", "999999")]),
    ("p_cancel_plan", Access::Payer, &[("plan", "999999")]),
    (
        "load_enrolled_user",
        Entitled(Entitlement::OnBehalfPayments),
        &[("user_id", "nobody")],
    ),
    (
        "set_payer_locked",
        Entitled(Entitlement::OnBehalfPayments),
        &[("user_id", "nobody"), ("locked", "true")],
    ),
    (
        "set_payer_email",
        Entitled(Entitlement::OnBehalfPayments),
        &[("user_id", "nobody"), ("email", "x@example.com")],
    ),
    (
        "reset_payer_password",
        Entitled(Entitlement::OnBehalfPayments),
        &[("user_id", "nobody")],
    ),
    (
        "load_biller_profile",
        Entitled(Entitlement::BillerProfile),
        &[],
    ),
    (
        "save_biller_profile",
        Entitled(Entitlement::BillerProfile),
        &[("form[biller_name]", "")],
    ),
    ("p_customer_service", Access::Anyone, &[]),
    ("load_categories", Entitled(Entitlement::Categories), &[]),
    (
        "save_category",
        Entitled(Entitlement::Categories),
        &[("form[description]", "")],
    ),
    (
        "delete_category",
        Entitled(Entitlement::Categories),
        &[("id", "999999"), ("version", "1")],
    ),
    ("load_fees", Entitled(Entitlement::Fees), &[]),
    ("load_divisions", Entitled(Entitlement::Divisions), &[]),
    ("my_divisions", Access::SignedIn, &[]),
    (
        "choose_division",
        Access::SignedIn,
        &[("division", ""), ("back", "/")],
    ),
    (
        "save_division",
        Entitled(Entitlement::Divisions),
        &[("form[name]", "")],
    ),
    (
        "save_division_ach",
        Entitled(Entitlement::Divisions),
        &[
            ("id", "999"),
            ("form[company_name]", ""),
            ("form[company_id]", ""),
        ],
    ),
    (
        "load_division_fees",
        Entitled(Entitlement::Fees),
        &[("division", "999")],
    ),
    (
        "save_division_fees",
        Entitled(Entitlement::Fees),
        &[
            ("division", "999"),
            ("version", "0"),
            ("form[card_flat]", ""),
        ],
    ),
    (
        "clear_division_fees",
        Entitled(Entitlement::Fees),
        &[("division", "999"), ("version", "0")],
    ),
    (
        "set_user_divisions",
        Entitled(Entitlement::UserAdmin),
        &[("login", "nobody-here")],
    ),
    (
        "save_fees",
        Entitled(Entitlement::Fees),
        &[("version", "0"), ("form[card_flat]", "")],
    ),
    (
        "make_payment",
        Entitled(Entitlement::OnBehalfPayments),
        &[("r", "x")],
    ),
    (
        "load_payment_detail",
        Access::SignedIn,
        &[("reference", "ABCD-EFGH")],
    ),
    // Which entitlement depends on the action chosen: checked in the service
    // (see the two-person approval test).
    (
        "cancel_reverse",
        Access::SignedIn,
        &[
            ("form[reference]", "ABCD-EFGH"),
            ("form[key]", "matrix-key-0123456789"),
        ],
    ),
    (
        "decide_refund",
        Entitled(Entitlement::ApproveRefunds),
        &[("approval", "999999"), ("decision", "approve")],
    ),
    ("load_approvals", Entitled(Entitlement::ApproveRefunds), &[]),
    ("load_payer", Access::SignedIn, &[("user_id", "nobody")]),
    (
        "load_setup",
        Entitled(Entitlement::OnBehalfPayments),
        &[("account", "100003")],
    ),
    (
        "setup_plan",
        Entitled(Entitlement::OnBehalfPayments),
        &[("form[account]", "100003")],
    ),
    (
        "review_plan",
        Entitled(Entitlement::OnBehalfPayments),
        &[("r", "x")],
    ),
    (
        "confirm_plan",
        Entitled(Entitlement::OnBehalfPayments),
        &[("r", "x"), ("payer", "nobody")],
    ),
    (
        "cancel_plan",
        Entitled(Entitlement::CancelVoid),
        &[("plan", "999999"), ("payer", "nobody")],
    ),
    (
        "review_saved_method",
        Entitled(Entitlement::OnBehalfPayments),
        &[("payer", "nobody"), ("form[account]", "")],
    ),
    (
        "load_saved_method_review",
        Entitled(Entitlement::OnBehalfPayments),
        &[("r", "x")],
    ),
    (
        "add_saved_method",
        Entitled(Entitlement::OnBehalfPayments),
        &[("r", "x")],
    ),
    (
        "delete_saved_method",
        Entitled(Entitlement::OnBehalfPayments),
        &[("payer", "nobody"), ("method", "999999")],
    ),
    ("load_settlements", Entitled(Entitlement::Settlement), &[]),
    ("run_settlement", Entitled(Entitlement::Settlement), &[]),
    (
        "load_audit",
        Entitled(Entitlement::AuditReport),
        &[("q[per]", "10")],
    ),
    (
        "load_report",
        Entitled(Entitlement::Reports),
        &[("q[kind]", "payment-history"), ("q[params]", "per=10")],
    ),
    ("load_home", Entitled(Entitlement::Reports), &[]),
    ("load_users", Entitled(Entitlement::UserAdmin), &[]),
    (
        "load_user",
        Entitled(Entitlement::UserAdmin),
        &[("login", "nobody-here")],
    ),
    (
        "add_user",
        Entitled(Entitlement::UserAdmin),
        &[
            ("form[login]", ""),
            ("form[email]", ""),
            ("form[role]", "csr"),
        ],
    ),
    (
        "set_user_active",
        Entitled(Entitlement::UserAdmin),
        &[("login", "nobody-here"), ("active", "false")],
    ),
    (
        "unlock_user",
        Entitled(Entitlement::UserAdmin),
        &[("login", "nobody-here")],
    ),
    (
        "temporary_password",
        Entitled(Entitlement::UserAdmin),
        &[("login", "nobody-here"), ("email", "x@example.com")],
    ),
    (
        "set_user_entitlements",
        Entitled(Entitlement::EntitlementAdmin),
        &[("login", "nobody-here")],
    ),
    (
        "load_role_entitlements",
        Entitled(Entitlement::EntitlementAdmin),
        &[("role", "csr")],
    ),
    (
        "set_role_entitlements",
        Entitled(Entitlement::EntitlementAdmin),
        &[("role", "nobody")],
    ),
    ("load_bill", Access::SignedIn, &[("id", "999999")]),
    (
        "update_bill",
        Access::SignedIn,
        &[
            ("form[id]", "999999"),
            ("form[status]", "unpaid"),
            ("form[state]", "active"),
        ],
    ),
    ("load_uploads", Entitled(Entitlement::Uploads), &[]),
    (
        "load_upload",
        Entitled(Entitlement::Uploads),
        &[("id", "999999")],
    ),
    (
        "commit_upload",
        Entitled(Entitlement::Uploads),
        &[("id", "999999")],
    ),
    (
        "abandon_upload",
        Entitled(Entitlement::Uploads),
        &[("id", "999999")],
    ),
    (
        "upload_progress",
        Entitled(Entitlement::Uploads),
        &[("token", "commit-999999")],
    ),
    (
        "change_password",
        Access::SignedIn,
        &[
            ("current", "not-my-password"),
            ("new", "x"),
            ("confirm", "y"),
        ],
    ),
    (
        "request_password_reset",
        Access::Anyone,
        &[("login", "nobody")],
    ),
    (
        "resend_password_reset_code",
        Access::Anyone,
        &[("login", "nobody")],
    ),
    (
        "reset_password",
        Access::Anyone,
        &[
            ("login", "nobody"),
            ("code", "12345678"),
            ("new", "a fresh new password"),
            ("confirm", "a fresh new password"),
        ],
    ),
    (
        "forgot_username",
        Access::Anyone,
        &[("email", "nobody@example.com")],
    ),
    // Last: it ends the sessions the rows above use.
    ("sign_out", Access::Anyone, &[]),
];

/// A CSR whose own entitlements are exactly `granted` (overrides of the role).
async fn csr_with(t: &TestDb, login: &str, granted: &[Entitlement]) {
    use app::domain::staff::Role;
    app::services::auth::add_user(
        &t.db,
        login,
        &format!("{login}@example.com"),
        Role::Csr,
        CSR.1,
        None,
    )
    .await
    .unwrap();
    support::set_entitlements(&t.db, login, granted).await;
}

async fn every_server_function_checks_who_is_asking(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    csr_with(t, "csr-none", &[]).await;
    csr_with(t, "csr-all", Entitlement::ALL).await;
    let s = support::serve(t).await;
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    for path in &registered {
        let name = path.trim_start_matches("/api/");
        assert!(
            MATRIX.iter().any(|(n, _, _)| *n == name),
            "{path} is not in the authorization matrix: add it"
        );
    }
    assert_eq!(
        registered.len(),
        MATRIX.len(),
        "the matrix names a function that is not registered"
    );
    let anonymous = support::client();
    let csr = support::client();
    assert_eq!(sign_in(&csr, &s, CSR.0, CSR.1).await.status(), 200);
    let csr_none = support::client();
    assert_eq!(
        sign_in(&csr_none, &s, "csr-none", CSR.1).await.status(),
        200
    );
    let csr_all = support::client();
    assert_eq!(sign_in(&csr_all, &s, "csr-all", CSR.1).await.status(), 200);
    let admin = support::client();
    assert_eq!(
        sign_in(&admin, &s, support::ADMIN.0, support::ADMIN.1)
            .await
            .status(),
        200
    );
    // A payer enrolled on the payer site (pat.payer on account 100003).
    support::enroll_payer(&s, "100003", "pat.payer").await;
    let payer = support::client();
    let r = call(
        &payer,
        &s,
        "p_sign_in",
        &[
            ("form[user_id]", "pat.payer"),
            ("form[password]", support::PAYER_PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let csr_default = Entitlement::default_for(app::domain::staff::Role::Csr);
    let denied = |st: StatusCode| st == StatusCode::UNAUTHORIZED || st == StatusCode::FORBIDDEN;
    for (name, access, args) in MATRIX {
        // Signing out is the one call that changes who the client is.
        if *name != "p_sign_out" {
            let as_payer = call(&payer, &s, name, args).await.status();
            assert!(as_payer.as_u16() < 500, "{name} as a payer: {as_payer}");
            match access {
                Access::Anyone | Access::Payer => {
                    assert!(!denied(as_payer), "{name} as a payer: {as_payer}")
                }
                // A payer session opens nothing in the console.
                _ => assert_eq!(as_payer, StatusCode::UNAUTHORIZED, "{name} as a payer"),
            }
        }
        let as_anonymous = call(&anonymous, &s, name, args).await.status();
        let as_csr = call(&csr, &s, name, args).await.status();
        let as_csr_none = call(&csr_none, &s, name, args).await.status();
        let as_csr_all = call(&csr_all, &s, name, args).await.status();
        let as_admin = call(&admin, &s, name, args).await.status();
        for st in [as_anonymous, as_csr, as_csr_none, as_csr_all, as_admin] {
            assert!(st.as_u16() < 500, "{name}: {st}");
        }
        match access {
            Access::Anyone => assert!(
                !denied(as_anonymous),
                "{name}: anyone may call it, got {as_anonymous}"
            ),
            // No staff session gives the payer's functions anything.
            Access::Payer => {
                for (who, st) in [
                    ("anonymous", as_anonymous),
                    ("csr", as_csr),
                    ("csr-all", as_csr_all),
                    ("admin", as_admin),
                ] {
                    assert_eq!(st, StatusCode::UNAUTHORIZED, "{name} as {who}");
                }
            }
            Access::SignedIn => {
                assert_eq!(
                    as_anonymous,
                    StatusCode::UNAUTHORIZED,
                    "{name} as anonymous"
                );
                for (who, st) in [
                    ("csr", as_csr),
                    ("csr-none", as_csr_none),
                    ("csr-all", as_csr_all),
                    ("admin", as_admin),
                ] {
                    assert!(!denied(st), "{name} as {who}: {st}");
                }
            }
            Entitled(e) => {
                assert_eq!(
                    as_anonymous,
                    StatusCode::UNAUTHORIZED,
                    "{name} as anonymous"
                );
                assert_eq!(
                    as_csr_none,
                    StatusCode::FORBIDDEN,
                    "{name} as a CSR without {e:?}"
                );
                assert!(
                    !denied(as_csr_all),
                    "{name} as a CSR granted {e:?}: {as_csr_all}"
                );
                assert!(!denied(as_admin), "{name} as an administrator: {as_admin}");
                assert_eq!(
                    !denied(as_csr),
                    csr_default.has(*e),
                    "{name} as a CSR with the role's defaults: {as_csr}"
                );
            }
        }
    }
}

async fn the_audit_report_filters_sorts_pages_and_exports_safely(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    // Eleven failed sign-ins, one of them by a login meant to be a formula.
    for i in 0..10 {
        assert_eq!(
            sign_in(&c, &s, &format!("nobody{i}"), "wrong-password!")
                .await
                .status(),
            422
        );
    }
    sign_in(&c, &s, "=HYPERLINK(\"http://evil\")", "wrong-password!").await;
    let admin = support::client();
    assert_eq!(
        sign_in(&admin, &s, support::ADMIN.0, support::ADMIN.1)
            .await
            .status(),
        200
    );
    let load = |args: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        let url = format!("{}/api/load_audit", s.base);
        async move {
            let r = admin
                .post(url)
                .header(ACCEPT, "application/json")
                .form(&args)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{:?}", r.text().await);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let failed = load(vec![
        ("q[action]", "auth.sign_in_failed".into()),
        ("q[per]", "10".into()),
    ])
    .await;
    assert_eq!(failed["total"], 11);
    assert_eq!(
        (
            failed["pages"].as_i64(),
            failed["rows"].as_array().unwrap().len()
        ),
        (Some(2), 10)
    );
    assert!(
        failed["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a[0] == "auth.sign_in" && a[1] == "Signed in"),
        "the Action filter offers each action by its label"
    );
    let page2 = load(vec![
        ("q[action]", "auth.sign_in_failed".into()),
        ("q[per]", "10".into()),
        ("q[page]", "2".into()),
    ])
    .await;
    assert_eq!(page2["rows"].as_array().unwrap().len(), 1);
    let by_user = load(vec![("q[user]", "ALEX".into())]).await;
    assert_eq!(
        by_user["total"], 1,
        "user filter ignores case: alex's sign-in"
    );
    let sorted = load(vec![
        ("q[action]", "auth.sign_in_failed".into()),
        ("q[sort]", "user".into()),
        ("q[dir]", "asc".into()),
    ])
    .await;
    let users: Vec<&str> = sorted["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user"].as_str().unwrap())
        .collect();
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(users, expected);
    let tomorrow_only = load(vec![("q[from]", "2999-01-01".into())]).await;
    assert_eq!(tomorrow_only["total"], 0);
    let bad = admin
        .post(format!("{}/api/load_audit", s.base))
        .header(ACCEPT, "application/json")
        .form(&[("q[from]", "2026-02-30")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The export has every matching row, not a page, and no live formula.
    let csv = admin
        .get(format!(
            "{}/reports/audit.csv?action=auth.sign_in_failed&per=10",
            s.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let body = csv.text().await.unwrap();
    assert_eq!(body.lines().count(), 12, "a header and 11 rows");
    assert!(
        body.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{body}"
    );
    assert!(!body.contains(",\"=HYPERLINK"));
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'report.audit_export'"
        )
        .await,
        1,
        "exports are audited"
    );
    let csr = support::client();
    assert_eq!(sign_in(&csr, &s, CSR.0, CSR.1).await.status(), 200);
    assert_eq!(
        csr.get(format!("{}/reports/audit.csv", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        support::client()
            .get(format!("{}/reports/audit.csv", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER,
        "to sign-in"
    );
}

async fn change_password(
    c: &Client,
    s: &TestServer,
    current: &str,
    new: &str,
    confirm: &str,
) -> Response {
    call(
        c,
        s,
        "change_password",
        &[("current", current), ("new", new), ("confirm", confirm)],
    )
    .await
}

async fn passwords_follow_the_policy_and_a_temporary_one_must_be_changed(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let c = support::client();
    let other = support::client();
    assert_eq!(sign_in(&c, &s, CSR.0, CSR.1).await.status(), 200);
    assert_eq!(sign_in(&other, &s, CSR.0, CSR.1).await.status(), 200);
    let field = |r: serde_json::Value, f: &str| -> Option<String> {
        r["Invalid"]["errors"]
            .as_array()?
            .iter()
            .find(|e| e["field"] == f)
            .and_then(|e| e["message"].as_str())
            .map(str::to_string)
    };
    let r = change_password(
        &c,
        &s,
        "wrong-password!",
        "a brand new secret",
        "a brand new secret",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field(error_json(r).await, "current").as_deref(),
        Some("That is not your current password.")
    );
    let r = error_json(change_password(&c, &s, CSR.1, "password1234", "password1234").await).await;
    assert_eq!(
        field(r, "new").as_deref(),
        Some("That password is too common. Choose another.")
    );
    let r =
        error_json(change_password(&c, &s, CSR.1, "casey is great 1", "casey is great 1").await)
            .await;
    assert_eq!(
        field(r, "new").as_deref(),
        Some("Do not use your login ID in your password.")
    );
    let r = error_json(
        change_password(&c, &s, CSR.1, "a brand new secret", "a brand new secreT").await,
    )
    .await;
    assert_eq!(
        field(r, "confirm").as_deref(),
        Some("The two new passwords are not the same.")
    );
    // Five changes; a password comes back only once four others followed it.
    let pw = [
        "first secret pass",
        "second secret pw",
        "third secret pw!",
        "fourth secret pw",
        "fifth secret pw!",
    ];
    let mut current = CSR.1.to_string();
    for next in pw {
        assert_eq!(
            change_password(&c, &s, &current, next, next).await.status(),
            200
        );
        current = next.to_string();
        let again = error_json(change_password(&c, &s, &current, &current, &current).await).await;
        assert_eq!(
            field(again, "new").as_deref(),
            Some("Choose a password different from your last 4.")
        );
    }
    let r = error_json(change_password(&c, &s, &current, pw[1], pw[1]).await).await;
    assert_eq!(
        field(r, "new").as_deref(),
        Some("Choose a password different from your last 4.")
    );
    assert_eq!(
        change_password(&c, &s, &current, pw[0], pw[0])
            .await
            .status(),
        200,
        "the first is five back now"
    );
    assert_eq!(
        call(&other, &s, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    assert_eq!(
        call(&c, &s, "current_user", &[]).await.status(),
        200,
        "this one goes on"
    );

    // A temporary password: pages lead to Change Password, functions refuse.
    support::execute(
        &t.db,
        "UPDATE staff_users SET must_change_password = TRUE WHERE login = 'casey'",
    )
    .await
    .unwrap();
    let r = c
        .get(format!("{}/payer-support", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/account/password?required=1");
    assert_eq!(
        c.get(format!("{}/account/password?required=1", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        call(&c, &s, "search_accounts", &[("by", "account"), ("q", "1")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let me: serde_json::Value = call(&c, &s, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["must_change_password"], true);
    assert_eq!(
        change_password(
            &c,
            &s,
            pw[0],
            "my very own password",
            "my very own password"
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        c.get(format!("{}/payer-support", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // An expired password (older than PAYDESK_PASSWORD_MAX_AGE_DAYS) too.
    support::execute(
        &t.db,
        "UPDATE staff_users SET password_changed_at = 0 WHERE login = 'casey'",
    )
    .await
    .unwrap();
    assert_eq!(
        call(&c, &s, "search_accounts", &[("by", "account"), ("q", "1")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_changed'"
        )
        .await,
        7
    );
}

/// What must not change when requests are refused: row counts of the
/// tables that hold money and people, and the sum of the balances.
async fn fingerprint(t: &TestDb) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "payments",
        "journal",
        "accounts",
        "bills",
        "refund_approvals",
        "staff_users",
        "uploads",
        "saved_methods",
        "payers",
    ] {
        out.push(support::count(&t.db, &format!("SELECT COUNT(*) FROM {table}")).await);
    }
    out.push(
        support::count(
            &t.db,
            "SELECT CAST(COALESCE(SUM(balance_cents), 0) AS BIGINT) FROM accounts",
        )
        .await,
    );
    out
}

/// Every server function, called by an administrator (who may call them
/// all) with missing fields, wrong types, huge and odd strings, negative and
/// enormous amounts, unknown fields and bodies that are not a form: none
/// answers 5xx, the server keeps answering, and no data changes.
async fn malformed_arguments_never_get_a_500_or_change_data(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let admin = support::client();
    assert_eq!(
        sign_in(&admin, &s, support::ADMIN.0, support::ADMIN.1)
            .await
            .status(),
        200
    );
    let before = fingerprint(t).await;
    let huge = "x".repeat(200_000);
    let emoji = "😀".repeat(2_000);
    let odd: [&str; 12] = [
        "",
        "-1",
        "-99999999999999999999",
        "99999999999999999999999",
        "1e309",
        "NaN",
        "abc",
        "\u{0}",
        "%ZZ",
        "[object Object]",
        &huge,
        &emoji,
    ];
    let (mut refused, mut sent) = (0, 0);
    for (name, _, args) in MATRIX {
        // sign_out would end the session the rest of the calls use.
        if *name == "sign_out" {
            continue;
        }
        let mut shapes: Vec<Vec<(String, String)>> = vec![Vec::new()];
        for value in odd {
            shapes.push(
                args.iter()
                    .map(|(k, _)| (k.to_string(), value.to_string()))
                    .collect(),
            );
            // One field odd at a time, the others as the matrix has them.
            for i in 0..args.len() {
                shapes.push(
                    args.iter()
                        .enumerate()
                        .map(|(j, (k, v))| {
                            (k.to_string(), if i == j { value } else { v }.to_string())
                        })
                        .collect(),
                );
            }
        }
        // A struct where a value belongs, a value where a struct belongs, unknown fields.
        shapes.push(
            args.iter()
                .map(|(k, v)| (format!("{k}[nested]"), v.to_string()))
                .collect(),
        );
        shapes.push(
            args.iter()
                .map(|(k, _)| {
                    (
                        k.split('[').next().unwrap_or(k).to_string(),
                        "flat".to_string(),
                    )
                })
                .collect(),
        );
        shapes.push(
            args.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain([("surprise".to_string(), "field".to_string())])
                .collect(),
        );
        for form in shapes {
            let r = admin
                .post(format!("{}/api/{name}", s.base))
                .header(ACCEPT, "application/json")
                .form(&form)
                .send()
                .await
                .unwrap();
            let st = r.status();
            if st.as_u16() >= 500 {
                let body: String = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                panic!(
                    "{name} with {:?}: {st} {body}",
                    form.iter()
                        .map(|(k, v)| (k, v.chars().take(30).collect::<String>()))
                        .collect::<Vec<_>>()
                );
            }
            refused += usize::from(st.is_client_error());
            sent += 1;
        }
        for (content_type, body) in [
            ("application/json", b"{\"id\": [1, 2]}".to_vec()),
            (FORM, vec![0xff, 0xfe, 0x00, b'=', 0x80]),
            (FORM, b"a=1&a=2&a[=3".to_vec()),
        ] {
            let st = admin
                .post(format!("{}/api/{name}", s.base))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap()
                .status();
            assert!(st.as_u16() < 500, "{name} with a {content_type} body: {st}");
        }
    }
    assert!(
        refused * 4 > sent * 3,
        "most of these are refused: {refused} of {sent}"
    );
    assert_eq!(fingerprint(t).await, before, "no data changed");
    assert_eq!(
        call(&admin, &s, "current_user", &[]).await.status(),
        200,
        "the server still answers, and the session still works"
    );
}

on_both_backends!(
    malformed_arguments_never_get_a_500_or_change_data,
    passwords_follow_the_policy_and_a_temporary_one_must_be_changed,
    the_audit_report_filters_sorts_pages_and_exports_safely,
    every_server_function_checks_who_is_asking,
    sign_ins_are_limited_per_address_too,
    probes_answer,
    a_full_server_answers_busy_at_once_and_recovers,
    pages_need_a_signed_in_user,
    sign_in_sets_a_strict_cookie_and_opens_the_console,
    bad_credentials_get_one_generic_message_and_five_lock_the_user,
    empty_fields_are_named,
    malformed_requests_get_4xx_not_500,
    cross_site_posts_are_refused,
    sign_out_ends_the_session_on_the_server,
    an_idle_session_expires_and_says_so,
    stay_signed_in_keeps_an_idle_session_and_says_its_window,
    assets_never_touch_the_session,
    forms_work_without_javascript,
    payer_support_finds_accounts,
);
