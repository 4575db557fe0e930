//! File Transfers over real HTTP, on both backends: upload (multipart, as a
//! browser without JavaScript sends it), preview, commit or abandon, the
//! errors, the same-content warning and the size limit.

use crate::support;

use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use reqwest::{Client, Response, StatusCode};
use support::{TestDb, TestServer, ADMIN, CSR};

async fn call(c: &Client, s: &TestServer, name: &str, form: &[(&str, &str)]) -> Response {
    c.post(format!("{}/api/{name}", s.base)).header(ACCEPT, "application/json").form(form).send().await.unwrap()
}

async fn signed_in(s: &TestServer, who: (&str, &str)) -> Client {
    let c = support::client();
    assert_eq!(call(&c, s, "sign_in", &[("login", who.0), ("password", who.1)]).await.status(), 200);
    c
}

/// Posts the upload form as a browser does.
async fn upload(c: &Client, s: &TestServer, file_name: &str, content: &[u8]) -> Response {
    let boundary = "----paydesk-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\naccounts\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    c.post(format!("{}/uploads", s.base))
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The upload id an upload redirected to.
fn upload_id(r: &Response) -> String {
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.headers());
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    to.strip_prefix("/uploads/").unwrap_or_else(|| panic!("redirected to {to}")).to_string()
}

const GOOD_AND_BAD: &str = "account_number,account_type,first_name,last_name,company_name,email,balance,status\n\
    300001,I,Ann,Lee,,ann@example.com,10.00,active\n\
    300002,I,Bo,,,bo@example.com,5.00,active\n\
    300003,B,,,Acme,not-an-email,1.005,active\n\
    300001,I,Ann,Again,,,,active\n\
    300004,B,,,Beta Co,,20.00,\n";

async fn a_file_is_previewed_then_its_valid_rows_are_committed_once(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let admin = signed_in(&s, ADMIN).await;
    let before = support::count(&t.db, "SELECT COUNT(*) FROM accounts").await;

    let id = upload_id(&upload(&admin, &s, "accounts.csv", GOOD_AND_BAD.as_bytes()).await);
    let preview: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &id)]).await.json().await.unwrap();
    let summary = &preview["summary"];
    assert_eq!((summary["status"].as_str(), summary["rows"].as_i64()), (Some("Previewed"), Some(5)));
    assert_eq!((summary["created"].as_i64(), summary["updated"].as_i64(), summary["rejected"].as_i64()), (Some(2), Some(0), Some(3)));
    let errors: Vec<(i64, String)> = preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap().to_string()))
        .collect();
    assert!(errors.contains(&(3, "last_name".into())), "{errors:?}");
    assert!(errors.contains(&(4, "email".into())) && errors.contains(&(4, "balance".into())));
    assert!(errors.contains(&(5, "account_number".into())), "a repeated account is named with its line");
    assert_eq!(support::count(&t.db, "SELECT COUNT(*) FROM accounts").await, before, "a preview applies nothing");

    // Commit twice at once: the valid rows once, Limited errors.
    let commit = [("id", id.as_str())];
    let (a, b) = tokio::join!(call(&admin, &s, "commit_upload", &commit), call(&admin, &s, "commit_upload", &commit));
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    assert_eq!(support::count(&t.db, "SELECT COUNT(*) FROM accounts").await, before + 2);
    assert_eq!(t.db.account_by_number("300004").await.unwrap().unwrap().balance_cents, 2000);
    let done: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &id)]).await.json().await.unwrap();
    assert_eq!(done["summary"]["status"], "LimitedErrors");
    assert_eq!(call(&admin, &s, "abandon_upload", &[("id", &id)]).await.status(), StatusCode::CONFLICT, "too late");
    assert_eq!(t.db.ledger_breaches().await.unwrap(), Vec::<String>::new());

    // The errors download, formula-safe.
    let csv = admin.get(format!("{}/uploads/{id}/errors.csv", s.base)).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    assert_eq!(body.lines().count(), 1 + errors.len());

    // The same content again: warned, and abandoning applies nothing.
    let again = upload_id(&upload(&admin, &s, "accounts-again.csv", GOOD_AND_BAD.as_bytes()).await);
    let preview: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &again)]).await.json().await.unwrap();
    assert_eq!(preview["same_as"]["file_name"], "accounts.csv");
    assert_eq!(preview["summary"]["updated"], 2, "the accounts exist now");
    assert_eq!(call(&admin, &s, "abandon_upload", &[("id", &again)]).await.status(), 200);
    assert_eq!(call(&admin, &s, "commit_upload", &[("id", &again)]).await.status(), StatusCode::CONFLICT);

    // A file that cannot be used at all is Unprocessed, with the reason.
    let bad = upload_id(&upload(&admin, &s, "bad.csv", b"acct,name\n1,x\n").await);
    let r: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &bad)]).await.json().await.unwrap();
    assert_eq!(r["summary"]["status"], "Unprocessed");
    assert_eq!(r["errors"][0]["line"], 1);
    let empty = upload_id(&upload(&admin, &s, "empty.csv", b"").await);
    let r: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &empty)]).await.json().await.unwrap();
    assert_eq!((r["summary"]["status"].as_str(), r["errors"][0]["reason"].as_str()), (Some("Unprocessed"), Some("the file is empty")));
    let latin1 = upload_id(&upload(&admin, &s, "latin1.csv", b"account_number,first_name,last_name\n300009,Jos\xe9,Ruiz\n").await);
    let r: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &latin1)]).await.json().await.unwrap();
    assert!(r["errors"][0]["reason"].as_str().unwrap().contains("UTF-8"), "{r}");

    let list: serde_json::Value = call(&admin, &s, "load_uploads", &[]).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 5);
    for action in ["upload.preview", "upload.commit", "upload.abandon", "upload.accounts"] {
        assert!(support::count(&t.db, &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")).await >= 1, "{action}");
    }
}

async fn uploads_need_the_entitlement_and_a_size_limit(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve_with(t, &[("PAYDESK_UPLOAD_MAX_MB", "1")]).await;
    let csr = signed_in(&s, CSR).await;
    assert_eq!(upload(&csr, &s, "a.csv", b"account_number\n1\n").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(upload(&support::client(), &s, "a.csv", b"account_number\n1\n").await.status(), StatusCode::UNAUTHORIZED);
    let page = csr.get(format!("{}/uploads", s.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);

    let admin = signed_in(&s, ADMIN).await;
    let big = format!("account_number,first_name,last_name\n{}", "400001,Ann,Lee\n".repeat(80_000));
    assert!(big.len() > 1024 * 1024);
    let r = upload(&admin, &s, "big.csv", big.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(to.starts_with("/uploads?error=The%20file%20is%20larger%20than%201.0%20MB"), "{to}");
    assert_eq!(support::count(&t.db, "SELECT COUNT(*) FROM uploads").await, 0);
    let left: Vec<_> = std::fs::read_dir(s.data_dir.path().join("uploads")).map(|d| d.collect()).unwrap_or_default();
    assert!(left.is_empty(), "nothing is left on disk: {left:?}");
}

on_both_backends!(
    a_file_is_previewed_then_its_valid_rows_are_committed_once,
    uploads_need_the_entitlement_and_a_size_limit,
);
