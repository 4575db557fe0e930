//! File Transfers over real HTTP, on both backends: upload (multipart, as a
//! browser without JavaScript sends it), preview, commit or abandon, the
//! errors, the same-content warning and the size limit.

use crate::support;
use crate::support::{call, signed_in};
use app::domain::audit_action::AuditAction;

use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Client, Response, StatusCode};
use support::{ADMIN, CSR, TestDb, TestServer};

/// Posts the upload form as a browser does: a universal file.
async fn upload(c: &Client, s: &TestServer, file_name: &str, content: &[u8]) -> Response {
    upload_kind(c, s, "accounts", file_name, content).await
}

pub(crate) async fn upload_kind(
    c: &Client,
    s: &TestServer,
    kind: &str,
    file_name: &str,
    content: &[u8],
) -> Response {
    let boundary = "----paydesk-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    c.post(format!("{}/uploads", s.base))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// An upload page's refused rows: (line, column, reason).
pub(crate) fn refused(preview: &serde_json::Value) -> Vec<(i64, String, String)> {
    preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The upload id an upload redirected to.
pub(crate) fn upload_id(r: &Response) -> String {
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.headers());
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    to.strip_prefix("/uploads/")
        .unwrap_or_else(|| panic!("redirected to {to}"))
        .to_string()
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
    let preview: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    let summary = &preview["summary"];
    assert_eq!(
        (summary["status"].as_str(), summary["rows"].as_i64()),
        (Some("Previewed"), Some(5))
    );
    assert_eq!(
        (
            summary["created"].as_i64(),
            summary["updated"].as_i64(),
            summary["rejected"].as_i64()
        ),
        (Some(2), Some(0), Some(3))
    );
    let errors: Vec<(i64, String)> = refused(&preview)
        .into_iter()
        .map(|(line, column, _)| (line, column))
        .collect();
    assert!(errors.contains(&(3, "last_name".into())), "{errors:?}");
    assert!(errors.contains(&(4, "email".into())) && errors.contains(&(4, "balance".into())));
    assert!(
        errors.contains(&(5, "account_number".into())),
        "a repeated account is named with its line"
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM accounts").await,
        before,
        "a preview applies nothing"
    );

    // Commit twice at once: the valid rows once, Limited errors.
    let commit = [("id", id.as_str())];
    let (a, b) = tokio::join!(
        call(&admin, &s, "commit_upload", &commit),
        call(&admin, &s, "commit_upload", &commit)
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM accounts").await,
        before + 2
    );
    assert_eq!(
        t.db.account_by_number("300004")
            .await
            .unwrap()
            .unwrap()
            .balance_cents,
        2000
    );
    let done: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["summary"]["status"], "LimitedErrors");
    assert_eq!(
        call(&admin, &s, "abandon_upload", &[("id", &id)])
            .await
            .status(),
        StatusCode::CONFLICT,
        "too late"
    );
    assert_eq!(t.db.ledger_breaches().await.unwrap(), Vec::<String>::new());

    // The errors download, formula-safe.
    let csv = admin
        .get(format!("{}/uploads/{id}/errors.csv", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    assert_eq!(body.lines().count(), 1 + errors.len());

    // The same content again: warned, and abandoning applies nothing.
    let again = upload_id(&upload(&admin, &s, "accounts-again.csv", GOOD_AND_BAD.as_bytes()).await);
    let preview: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &again)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["same_as"]["file_name"], "accounts.csv");
    assert_eq!(preview["summary"]["updated"], 2, "the accounts exist now");
    assert_eq!(
        call(&admin, &s, "abandon_upload", &[("id", &again)])
            .await
            .status(),
        200
    );
    assert_eq!(
        call(&admin, &s, "commit_upload", &[("id", &again)])
            .await
            .status(),
        StatusCode::CONFLICT
    );

    // A file that cannot be used at all is Unprocessed, with the reason.
    let bad = upload_id(&upload(&admin, &s, "bad.csv", b"acct,name\n1,x\n").await);
    let r: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &bad)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["summary"]["status"], "Unprocessed");
    assert_eq!(r["errors"][0]["line"], 1);
    let empty = upload_id(&upload(&admin, &s, "empty.csv", b"").await);
    let r: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &empty)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            r["summary"]["status"].as_str(),
            r["errors"][0]["reason"].as_str()
        ),
        (Some("Unprocessed"), Some("the file is empty"))
    );
    let latin1 = upload_id(
        &upload(
            &admin,
            &s,
            "latin1.csv",
            b"account_number,first_name,last_name\n300009,Jos\xe9,Ruiz\n",
        )
        .await,
    );
    let r: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &latin1)])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        r["errors"][0]["reason"].as_str().unwrap().contains("UTF-8"),
        "{r}"
    );

    let list: serde_json::Value = call(&admin, &s, "load_uploads", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 5);
    for action in [
        AuditAction::UploadPreview,
        AuditAction::UploadCommit,
        AuditAction::UploadAbandon,
        AuditAction::UploadAccounts,
    ] {
        assert!(
            support::count(
                &t.db,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{}'",
                    action.code()
                )
            )
            .await
                >= 1,
            "{action}"
        );
    }
}

async fn uploads_need_the_entitlement_and_a_size_limit(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve_with(t, &[("PAYDESK_UPLOAD_MAX_MB", "1")]).await;
    let csr = signed_in(&s, CSR).await;
    assert_eq!(
        upload(&csr, &s, "a.csv", b"account_number\n1\n")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&support::client(), &s, "a.csv", b"account_number\n1\n")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let page = csr.get(format!("{}/uploads", s.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);

    let admin = signed_in(&s, ADMIN).await;
    let big = format!(
        "account_number,first_name,last_name\n{}",
        "400001,Ann,Lee\n".repeat(80_000)
    );
    assert!(big.len() > 1024 * 1024);
    let r = upload(&admin, &s, "big.csv", big.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        to.starts_with("/uploads?error=The%20file%20is%20larger%20than%201.0%20MB"),
        "{to}"
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM uploads").await,
        0
    );
    let left: Vec<_> = std::fs::read_dir(s.data_dir.path().join("uploads"))
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing is left on disk: {left:?}");
}

const BILLS: &str = "account_number,invoice_number,invoice_date,due_date,amount_due,minimum_due,description\n\
    100003,INV-1,2026-11-01,2026-11-30,120.50,25.00,November water\n\
    100003,INV-2,2026-10-01,2026-10-31,80.00,80.00,\n\
    999999,INV-3,2026-11-01,2026-11-30,10.00,1.00,no such account\n\
    100004,INV-4,2026-11-01,2026-10-30,10.00,20.00,\n";

async fn bill_files_load_bills_that_csrs_see_and_edit(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let admin = signed_in(&s, ADMIN).await;
    let id = upload_id(&upload_kind(&admin, &s, "bills", "bills.csv", BILLS.as_bytes()).await);
    let preview: serde_json::Value = call(&admin, &s, "load_upload", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            preview["summary"]["created"].as_i64(),
            preview["summary"]["rejected"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let errors: Vec<(i64, String)> = refused(&preview)
        .into_iter()
        .map(|(line, column, _)| (line, column))
        .collect();
    assert!(
        errors.contains(&(4, "account_number".into())),
        "an unknown account: {errors:?}"
    );
    assert!(
        errors.contains(&(5, "minimum_due".into())) && errors.contains(&(5, "due_date".into()))
    );
    assert_eq!(
        call(&admin, &s, "commit_upload", &[("id", &id)])
            .await
            .status(),
        200
    );

    // Bills Found on Payer Support, newest invoice first.
    let csr = signed_in(&s, CSR).await;
    let found: serde_json::Value = call(
        &csr,
        &s,
        "search_accounts",
        &[("by", "account"), ("q", "100003")],
    )
    .await
    .json()
    .await
    .unwrap();
    let bills = found["bills"].as_array().unwrap();
    assert_eq!(
        bills
            .iter()
            .map(|b| b["invoice_number"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["INV-1", "INV-2"]
    );
    assert_eq!(
        (
            bills[0]["amount_due"].as_i64(),
            bills[0]["status"].as_str(),
            bills[0]["active"].as_bool()
        ),
        (Some(12_050), Some("Unpaid"), Some(true))
    );
    let bill = bills[0]["id"].as_i64().unwrap().to_string();
    let by_invoice: serde_json::Value = call(
        &csr,
        &s,
        "search_accounts",
        &[("by", "invoice"), ("q", "INV-2")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        by_invoice["accounts"][0]["account_number"], "100003",
        "Payer Support finds the account by invoice number"
    );
    assert_eq!(by_invoice["accounts"].as_array().unwrap().len(), 1);

    // Bill Details: a CSR sets State, Status and Do Not Call; audited.
    let form = [
        ("form[id]", bill.as_str()),
        ("form[status]", "in_mail"),
        ("form[state]", "inactive"),
        ("form[do_not_call]", "on"),
    ];
    assert_eq!(call(&csr, &s, "update_bill", &form).await.status(), 200);
    let b: serde_json::Value = call(&csr, &s, "load_bill", &[("id", &bill)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            b["status"].as_str(),
            b["active"].as_bool(),
            b["do_not_call"].as_bool()
        ),
        (Some("InMail"), Some(false), Some(true))
    );
    let bad = call(
        &csr,
        &s,
        "update_bill",
        &[
            ("form[id]", bill.as_str()),
            ("form[status]", "paid"),
            ("form[state]", "active"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'bill.update'"
        )
        .await,
        1
    );

    // Uploaded again: updated in place while nothing was paid toward it...
    let again = "account_number,invoice_number,invoice_date,due_date,amount_due,minimum_due\n100003,INV-1,2026-11-01,2026-12-15,130.00,30.00\n";
    let id = upload_id(&upload_kind(&admin, &s, "bills", "again.csv", again.as_bytes()).await);
    assert_eq!(
        call(&admin, &s, "commit_upload", &[("id", &id)])
            .await
            .status(),
        200
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM bills WHERE invoice_number = 'INV-1'"
        )
        .await,
        1
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT amount_due_cents FROM bills WHERE invoice_number = 'INV-1'"
        )
        .await,
        13_000
    );
    // ...and as a new version once a payment was made toward it.
    let casey = support::staff(&t.db, CSR.0).await;
    let reference = support::pay(&s.state, &casey, "100003", "10.00", None).await;
    let stored = app::domain::payment::Reference::parse(&reference).unwrap();
    support::execute(
        &t.db,
        &format!(
            "UPDATE payments SET bill_id = {bill} WHERE reference = '{}'",
            stored.as_str()
        ),
    )
    .await
    .unwrap();
    let id = upload_id(
        &upload_kind(
            &admin,
            &s,
            "bills",
            "third.csv",
            again.replace("130.00", "140.00").as_bytes(),
        )
        .await,
    );
    assert_eq!(
        call(&admin, &s, "commit_upload", &[("id", &id)])
            .await
            .status(),
        200
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM bills WHERE invoice_number = 'INV-1'"
        )
        .await,
        2
    );
    assert_eq!(support::count(&t.db, "SELECT COUNT(*) FROM bills WHERE invoice_number = 'INV-1' AND version = 1 AND status = 'inactive' AND NOT active").await, 1);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT amount_due_cents FROM bills WHERE invoice_number = 'INV-1' AND version = 2"
        )
        .await,
        14_000
    );
}

on_both_backends!(
    bill_files_load_bills_that_csrs_see_and_edit,
    a_file_is_previewed_then_its_valid_rows_are_committed_once,
    uploads_need_the_entitlement_and_a_size_limit,
);

/// Several servers on one PostgreSQL database (docs/uploads.md): a file
/// previewed on one server is committed on another, which copies it from
/// the database and checks it first; a damaged copy is refused and the
/// upload stays Previewed; each server drops its copies once the upload
/// has ended. (SQLite is one server: nothing to share.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_previewed_on_one_server_is_committed_on_another() {
    let Some(t) = support::postgres().await else {
        return;
    };
    support::add_staff(&t.db).await;
    let (a, b) = (support::serve(&t).await, support::serve(&t).await);
    let (on_a, on_b) = (signed_in(&a, ADMIN).await, signed_in(&b, ADMIN).await);
    let chunks = |id: &str| format!("SELECT COUNT(*) FROM upload_chunks WHERE upload_id = {id}");

    let id = upload_id(&upload(&on_a, &a, "accounts.csv", GOOD_AND_BAD.as_bytes()).await);
    assert_eq!(
        support::count(&t.db, &chunks(&id)).await,
        1,
        "kept for the others"
    );
    let on_disk =
        |s: &TestServer, id: &str| s.data_dir.path().join("uploads").join(format!("{id}.csv"));
    assert!(on_disk(&a, &id).exists() && !on_disk(&b, &id).exists());

    // A damaged copy: refused, nothing applied, still Previewed.
    let damaged = upload_id(&upload(&on_a, &a, "again.csv", GOOD_AND_BAD.as_bytes()).await);
    let tamper =
        format!("UPDATE upload_chunks SET bytes = bytes || bytes WHERE upload_id = {damaged}");
    let app::db::Db::Postgres(pool) = &t.db else {
        unreachable!("support::postgres is PostgreSQL")
    };
    sqlx::query(&tamper).execute(pool).await.unwrap();
    let r = call(&on_b, &b, "commit_upload", &[("id", &damaged)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("did not reach this server whole")
    );
    let state: serde_json::Value = call(&on_b, &b, "load_upload", &[("id", &damaged)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["summary"]["status"], "Previewed");
    assert!(!on_disk(&b, &damaged).exists(), "no partial copy is left");

    // Committed on B: the valid rows once, from the copy B made.
    let before = support::count(&t.db, "SELECT COUNT(*) FROM accounts").await;
    let r = call(&on_b, &b, "commit_upload", &[("id", &id)]).await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM accounts").await,
        before + 2
    );
    assert_eq!(
        support::count(&t.db, &chunks(&id)).await,
        0,
        "no longer kept"
    );
    assert!(!on_disk(&b, &id).exists());

    // A's copy goes at A's next Commit or Abandon (or start).
    assert!(on_disk(&a, &id).exists());
    let r = call(&on_a, &a, "abandon_upload", &[("id", &damaged)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!on_disk(&a, &id).exists() && !on_disk(&a, &damaged).exists());
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM upload_chunks").await,
        0
    );
    assert_eq!(t.db.ledger_breaches().await.unwrap(), Vec::<String>::new());
}

/// A progress bar's polls may reach any server (docs/uploads.md,
/// "Progress"): on PostgreSQL a step running on one server is seen from
/// another while it runs, and not once it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_steps_progress_is_seen_from_another_server() {
    let Some(t) = support::postgres().await else {
        return;
    };
    support::add_staff(&t.db).await;
    let (a, b) = (support::serve(&t).await, support::serve(&t).await);
    let admin = support::staff(&t.db, ADMIN.0).await;
    let on_b = signed_in(&b, ADMIN).await;
    let poll = || async {
        call(&on_b, &b, "upload_progress", &[("token", "e2e-step-1")])
            .await
            .json::<Option<(u64, u64)>>()
            .await
            .unwrap()
    };
    let step = a.state.progress.track(admin.id, "e2e-step-1");
    step.progress.begin(1_000);
    let mut reader = app::services::progress::Counted {
        inner: &[7u8; 400][..],
        progress: Some(step.progress.clone()),
    };
    std::io::copy(&mut reader, &mut std::io::sink()).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while poll().await != Some((400, 1_000)) {
        assert!(std::time::Instant::now() < deadline, "never seen from B");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A CSR (no File Transfers) asking for the same step is refused.
    let csr = signed_in(&b, CSR).await;
    let theirs = call(&csr, &b, "upload_progress", &[("token", "e2e-step-1")]).await;
    assert_ne!(theirs.status(), StatusCode::OK, "a CSR has no uploads");

    drop(reader);
    drop(step);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while poll().await.is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "still shown after its end"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM upload_progress").await,
        0
    );
}
