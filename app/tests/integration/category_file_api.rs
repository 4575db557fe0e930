//! The category file over HTTP on both backends (issue 16, help center D4;
//! docs/category-file.md): uploaded on File Transfers, previewed with each
//! refused row's line, column and reason, committed as "Accounts Updated";
//! Make Payment then offers the payer its own lines, one of them in place
//! of the all-payers line with its charge code; Manage Category neither
//! lists nor edits them; a row with only the account clears them; and the
//! file needs the Manage Category entitlement, to upload and to commit.

use crate::reports_api::setup;
use crate::support;
use crate::support::{call, json};
use crate::uploads_api::{upload_id, upload_kind};

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use support::{CSR, TestDb};

/// Two lines for 100003 (its own permit in place of everyone's, and a
/// boat slip), then four rows that are refused.
const FILE: &str = "account_number,charge_code,description,amount,quantity,impact_balance,amount_editable,show_quantity,required\n\
    100003,PERMIT,Resident parking permit,10.00,1,no,no,no,yes\n\
    100003,slip-12,Boat slip 12,250.00,,,,,\n\
    999999,SLIP,Boat slip,1.00,,,,,\n\
    100004,FEE,Late fee,1.005,,,,,\n\
    100003,SLIP-12,Boat slip again,9.00,,,,,\n\
    100004,DOCK,Dock,5.00,1,perhaps,,,\n";

/// Make Payment's lines for an account: (charge code, amount in cents).
pub(crate) async fn offered(
    c: &reqwest::Client,
    s: &support::TestServer,
    account: &str,
) -> Vec<(String, i64)> {
    let ctx = json(call(c, s, "load_pay_context", &[("account", account)]).await).await;
    let mut lines: Vec<(String, i64)> = ctx["categories"]
        .as_array()
        .unwrap_or_else(|| panic!("{ctx}"))
        .iter()
        .map(|c| {
            (
                c["charge_code"].as_str().unwrap().to_string(),
                c["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    lines.sort();
    lines
}

async fn own_lines(t: &TestDb) -> i64 {
    support::count(
        &t.db,
        "SELECT COUNT(*) FROM categories WHERE account_id IS NOT NULL",
    )
    .await
}

async fn a_category_file_gives_one_payer_its_own_lines(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    let csr = support::signed_in(&s, CSR).await;
    let r = call(
        &admin,
        &s,
        "save_category",
        &[
            ("form[description]", "Parking permit"),
            ("form[charge_code]", "PERMIT"),
            ("form[amount]", "25.00"),
            ("form[quantity]", "1"),
            ("form[required]", "on"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let everyones_permit = json(r).await.as_i64().unwrap().to_string();

    let id = upload_id(&upload_kind(&admin, &s, "categories", "lines.csv", FILE.as_bytes()).await);
    let preview = json(call(&admin, &s, "load_upload", &[("id", &id)]).await).await;
    let summary = &preview["summary"];
    assert_eq!(
        (
            summary["kind"].as_str(),
            summary["rows"].as_i64(),
            summary["created"].as_i64(),
            summary["updated"].as_i64(),
            summary["rejected"].as_i64()
        ),
        (Some("Category file"), Some(6), Some(2), Some(1), Some(4)),
        "two lines for one account; four rows refused"
    );
    let errors: Vec<(i64, String)> = crate::uploads_api::refused(&preview)
        .into_iter()
        .map(|(line, column, _)| (line, column))
        .collect();
    assert_eq!(
        errors,
        [
            (4, "account_number".to_string()),
            (5, "amount".to_string()),
            (6, "charge_code".to_string()),
            (7, "impact_balance".to_string()),
        ],
        "no such account, three decimals, a repeated line, an option not yes or no"
    );
    assert_eq!(own_lines(t).await, 0, "a preview applies nothing");

    let r = call(&admin, &s, "commit_upload", &[("id", &id)]).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let done = json(call(&admin, &s, "load_upload", &[("id", &id)]).await).await;
    assert_eq!(
        (
            done["summary"]["status"].as_str(),
            done["summary"]["updated"].as_i64()
        ),
        (Some("LimitedErrors"), Some(1))
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'upload.categories'"
        )
        .await,
        1
    );

    // 100003 pays its own permit ($10.00, in place of everyone's) and may
    // pay its boat slip; 100001 is offered everyone's permit only.
    assert_eq!(
        offered(&csr, &s, "100003").await,
        [
            ("PERMIT".to_string(), 1_000),
            ("SLIP-12".to_string(), 25_000)
        ]
    );
    assert_eq!(
        offered(&csr, &s, "100001").await,
        [("PERMIT".to_string(), 2_500)]
    );
    // The account's page lists its own lines.
    let detail = json(call(&csr, &s, "load_account", &[("number", "100003")]).await).await;
    assert_eq!(detail["own_categories"].as_array().unwrap().len(), 2);

    // A form naming everyone's permit for 100003 is refused: that line is
    // not this account's to pay.
    let mut form = support::card_form("100003", "25.00", "4242424242424242");
    form.extend([
        ("form[lines][0][category_id]", everyones_permit.as_str()),
        ("form[lines][0][checked]", "true"),
    ]);
    let r = call(&csr, &s, "confirm_payment", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Manage Category keeps the lines for all payers only: it neither
    // lists nor edits nor deletes a payer's.
    let list = json(call(&admin, &s, "load_categories", &[]).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let slip: i64 = support::count(
        &t.db,
        "SELECT id FROM categories WHERE charge_code = 'SLIP-12'",
    )
    .await;
    let slip = slip.to_string();
    let r = call(
        &admin,
        &s,
        "delete_category",
        &[("id", slip.as_str()), ("version", "1")],
    )
    .await;
    assert_ne!(r.status(), StatusCode::OK);
    assert_eq!(own_lines(t).await, 2);

    // A row with only the account clears its lines.
    let clear = "account_number,charge_code,description,amount\n100003,,,\n";
    let id = upload_id(&upload_kind(&admin, &s, "categories", "clear.csv", clear.as_bytes()).await);
    let r = call(&admin, &s, "commit_upload", &[("id", &id)]).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(own_lines(t).await, 0);
    assert_eq!(
        offered(&csr, &s, "100003").await,
        [("PERMIT".to_string(), 2_500)]
    );
}

async fn a_category_file_needs_manage_category(t: &TestDb) {
    let (s, admin) = setup(t, &[]).await;
    // Previewed while the administrator holds Manage Category...
    let previewed =
        upload_id(&upload_kind(&admin, &s, "categories", "lines.csv", FILE.as_bytes()).await);
    // ...which is then taken from the Administrator role (entitlements are
    // read afresh on every request).
    support::execute(
        &t.db,
        "DELETE FROM role_entitlements WHERE role = 'admin' AND entitlement = 'categories'",
    )
    .await
    .unwrap();
    let r = call(&admin, &s, "commit_upload", &[("id", &previewed)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let still = json(call(&admin, &s, "load_upload", &[("id", &previewed)]).await).await;
    assert_eq!(still["summary"]["status"], "Previewed");
    assert_eq!(own_lines(t).await, 0, "nothing was applied");

    let r = upload_kind(&admin, &s, "categories", "lines.csv", FILE.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        to.contains("needs%20the%20Manage%20Category%20entitlement"),
        "{to}"
    );
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM uploads").await,
        1,
        "nothing more is recorded"
    );
    // A universal file is still this administrator's to upload.
    let universal =
        "account_number,account_type,first_name,last_name,status\n300001,I,Ann,Lee,active\n";
    upload_id(&upload_kind(&admin, &s, "accounts", "a.csv", universal.as_bytes()).await);
}

on_both_backends!(
    a_category_file_gives_one_payer_its_own_lines,
    a_category_file_needs_manage_category,
);
