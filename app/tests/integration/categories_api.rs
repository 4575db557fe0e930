//! Manage Category over HTTP on both backends: administrators only, every
//! field checked, charge codes unique, each change audited before and
//! after, and an edit or delete made on an older copy refused.

use crate::support;
use crate::support::{call, field_error, json};

use reqwest::StatusCode;
use support::{ADMIN, CSR, TestDb};

fn line<'a>(description: &'a str, code: &'a str, amount: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("form[description]", description),
        ("form[charge_code]", code),
        ("form[amount]", amount),
        ("form[quantity]", "3"),
        ("form[show_quantity]", "on"),
        ("form[required]", "on"),
    ]
}

async fn administrators_manage_category_lines(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let admin = support::signed_in(&s, ADMIN).await;
    let csr = support::signed_in(&s, CSR).await;

    // A CSR has no Manage Category by default.
    assert_eq!(
        call(&csr, &s, "load_categories", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            &csr,
            &s,
            "save_category",
            &line("Dog license", "DOG", "15.00")
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );

    // Every field checked, named beside it; more than 2 decimals refused.
    let bad = call(
        &admin,
        &s,
        "save_category",
        &line(" ", "dog license", "15.005"),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        support::error_fields(bad).await,
        ["description", "charge_code", "amount"]
    );

    let r = call(
        &admin,
        &s,
        "save_category",
        &line("Dog license", "dog-lic", "15.00"),
    )
    .await;
    let id: i64 = json(r).await.as_i64().expect("the new line's id");
    let list = json(call(&admin, &s, "load_categories", &[]).await).await;
    assert_eq!(list[0]["charge_code"], "DOG-LIC");
    assert_eq!(list[0]["amount"], 1_500);
    assert_eq!(list[0]["options"]["show_quantity"], true);
    assert_eq!(list[0]["options"]["impact_balance"], false);
    let version = list[0]["version"].as_i64().unwrap().to_string();

    // A second line may not take the same charge code.
    let r = call(
        &admin,
        &s,
        "save_category",
        &line("Cat license", "DOG-LIC", "10.00"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_error(r, "charge_code").await.as_deref(),
        Some("Another line has that charge code.")
    );

    // Edit: the line as it was read; a second edit on that same copy is
    // refused, not applied over the first.
    let id_s = id.to_string();
    let mut edit = line("Dog license (yearly)", "DOG-LIC", "18.50");
    edit.extend([("id", id_s.as_str()), ("version", version.as_str())]);
    json(call(&admin, &s, "save_category", &edit).await).await;
    let stale = call(&admin, &s, "save_category", &edit).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let list = json(call(&admin, &s, "load_categories", &[]).await).await;
    assert_eq!(list[0]["description"], "Dog license (yearly)");
    assert_eq!(list[0]["amount"], 1_850);

    // Delete on the old copy is refused too; on the current one it goes.
    let old = [("id", id_s.as_str()), ("version", version.as_str())];
    assert_eq!(
        call(&admin, &s, "delete_category", &old).await.status(),
        StatusCode::CONFLICT
    );
    let current = list[0]["version"].as_i64().unwrap().to_string();
    let r = call(
        &admin,
        &s,
        "delete_category",
        &[("id", id_s.as_str()), ("version", current.as_str())],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        json(call(&admin, &s, "load_categories", &[]).await).await,
        serde_json::json!([])
    );

    // Audited: added, changed (before and after), deleted; by whom.
    for (action, n) in [
        ("category.added", 1),
        ("category.edited", 1),
        ("category.deleted", 1),
    ] {
        assert_eq!(
            support::count(
                &t.db,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND actor_login = 'alex' \
                     AND object = 'category {id}'"
                )
            )
            .await,
            n,
            "{action}"
        );
    }
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'category.edited' \
             AND before_json LIKE '%\"15.00\"%' AND after_json LIKE '%\"18.50\"%'"
        )
        .await,
        1
    );
}

on_both_backends!(administrators_manage_category_lines);
