//! User Admin, entitlements and two-person approval over real HTTP, on both
//! backends.

use crate::support;
use crate::support::{call, field_error, signed_in as signed_in_as};
use app::domain::audit_action::AuditAction;

use app::domain::entitlements::Entitlement;
use reqwest::header::ACCEPT;
use reqwest::{Client, StatusCode};
use support::{ADMIN, CSR, TestDb, TestServer};

/// The temporary password in the newest email to `to`.
async fn temporary_password_for(s: &TestServer, to: &str, nth: usize) -> String {
    let mail =
        support::wait_for_mail(&s.data_dir.path().join("outbox"), &format!("To: {to}"), nth).await;
    let line = mail
        .lines()
        .find(|l| l.starts_with("Temporary password:"))
        .expect("the password line");
    line.trim_start_matches("Temporary password:")
        .trim()
        .to_string()
}

async fn administrators_add_deactivate_unlock_and_reset_users(t: &TestDb) {
    support::add_staff(&t.db).await;
    let s = support::serve(t).await;
    let admin = signed_in_as(&s, ADMIN).await;

    // Add user: every field is checked, and a bad one adds nobody.
    let bad = call(
        &admin,
        &s,
        "add_user",
        &[
            ("form[login]", "x"),
            ("form[email]", "not-an-email"),
            ("form[role]", "root"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM staff_users").await,
        2
    );
    let r = call(
        &admin,
        &s,
        "add_user",
        &[
            ("form[login]", "Robin"),
            ("form[email]", "robin@example.com"),
            ("form[role]", "csr"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let taken = call(
        &admin,
        &s,
        "add_user",
        &[
            ("form[login]", "robin"),
            ("form[email]", "r2@example.com"),
            ("form[role]", "csr"),
        ],
    )
    .await;
    assert_eq!(
        field_error(taken, "login").await.as_deref(),
        Some("The login ID robin is taken.")
    );
    let temporary = temporary_password_for(&s, "robin@example.com", 1).await;
    assert!(
        t.db.staff_by_login("robin")
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .starts_with("$argon2id$"),
        "stored hashed"
    );

    // The temporary password works once: only Change Password until then.
    let robin = signed_in_as(&s, ("robin", &temporary)).await;
    assert_eq!(
        call(
            &robin,
            &s,
            "search_accounts",
            &[("by", "account"), ("q", "1")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let own = "a fresh secret phrase";
    let r = call(
        &robin,
        &s,
        "change_password",
        &[("current", &temporary), ("new", own), ("confirm", own)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        call(
            &robin,
            &s,
            "search_accounts",
            &[("by", "account"), ("q", "1")]
        )
        .await
        .status(),
        200
    );
    let again = support::client();
    let r = call(
        &again,
        &s,
        "sign_in",
        &[("login", "robin"), ("password", &temporary)],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the temporary password is gone"
    );

    // A CSR can't reach User Admin, by function or by page.
    assert_eq!(
        call(&robin, &s, "load_users", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        robin
            .get(format!("{}/admin/users", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin
            .get(format!("{}/admin/users", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Deactivate ends robin's open session at once; robin stays in the list.
    let r = call(
        &admin,
        &s,
        "set_user_active",
        &[("login", "robin"), ("active", "false")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        call(&robin, &s, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = call(
        &support::client(),
        &s,
        "sign_in",
        &[("login", "robin"), ("password", own)],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an inactive user can't sign in"
    );
    let users: serde_json::Value = call(&admin, &s, "load_users", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "robin")
        .cloned()
        .unwrap();
    assert_eq!(row["active"], false);
    assert_eq!(
        call(
            &admin,
            &s,
            "set_user_active",
            &[("login", "robin"), ("active", "true")]
        )
        .await
        .status(),
        200
    );
    signed_in_as(&s, ("robin", own)).await;

    // Never yourself, never the last active administrator.
    let r = call(
        &admin,
        &s,
        "set_user_active",
        &[("login", "alex"), ("active", "false")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("You can't deactivate yourself.")
    );
    call(
        &admin,
        &s,
        "add_user",
        &[
            ("form[login]", "morgan"),
            ("form[email]", "morgan@example.com"),
            ("form[role]", "admin"),
        ],
    )
    .await;
    support::execute(
        &t.db,
        "UPDATE staff_users SET must_change_password = FALSE WHERE login = 'morgan'",
    )
    .await
    .unwrap();
    let morgan_pw = temporary_password_for(&s, "morgan@example.com", 1).await;
    let morgan = signed_in_as(&s, ("morgan", &morgan_pw)).await;
    assert_eq!(
        call(
            &morgan,
            &s,
            "set_user_active",
            &[("login", "alex"), ("active", "false")]
        )
        .await
        .status(),
        200
    );
    let r = call(
        &morgan,
        &s,
        "set_user_active",
        &[("login", "morgan"), ("active", "false")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        t.db.deactivate_staff(
            support::staff(&t.db, "morgan").await.id,
            &app::db::audit::AuditEntry::new(app::db::now_ms(), AuditAction::UserDeactivate)
        )
        .await
        .unwrap(),
        app::db::user_admin::Deactivation::LastAdministrator,
        "the database refuses it too"
    );
    assert_eq!(
        call(
            &morgan,
            &s,
            "set_user_active",
            &[("login", "alex"), ("active", "true")]
        )
        .await
        .status(),
        200
    );

    // Five failures lock robin; an administrator unlocks.
    for _ in 0..5 {
        call(
            &support::client(),
            &s,
            "sign_in",
            &[("login", "robin"), ("password", "wrong-password!")],
        )
        .await;
    }
    let r = call(
        &support::client(),
        &s,
        "sign_in",
        &[("login", "robin"), ("password", own)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "locked");
    let detail: serde_json::Value = call(&morgan, &s, "load_user", &[("login", "robin")])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        detail["user"]["locked_until"].is_string(),
        "marked locked: {detail}"
    );
    assert_eq!(
        call(&morgan, &s, "unlock_user", &[("login", "robin")])
            .await
            .status(),
        200
    );
    signed_in_as(&s, ("robin", own)).await;
    assert_eq!(
        call(&morgan, &s, "unlock_user", &[("login", "robin")])
            .await
            .status(),
        StatusCode::CONFLICT,
        "not locked now"
    );

    // Generate Temporary Password: only to the confirmed address; it ends
    // robin's sessions and must be changed again.
    let robin = signed_in_as(&s, ("robin", own)).await;
    let r = call(
        &morgan,
        &s,
        "temporary_password",
        &[("login", "robin"), ("email", "someone@else.example")],
    )
    .await;
    assert_eq!(
        field_error(r, "email").await.as_deref(),
        Some("That is not robin's email address.")
    );
    assert_eq!(
        call(
            &morgan,
            &s,
            "temporary_password",
            &[("login", "robin"), ("email", "ROBIN@example.com")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        call(&robin, &s, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let second = temporary_password_for(&s, "robin@example.com", 2).await;
    assert_ne!(second, temporary);
    let robin = signed_in_as(&s, ("robin", &second)).await;
    let me: serde_json::Value = call(&robin, &s, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["must_change_password"], true);

    for action in [
        AuditAction::UserAdd,
        AuditAction::UserDeactivate,
        AuditAction::UserActivate,
        AuditAction::UserUnlock,
        AuditAction::UserTemporaryPassword,
    ] {
        let n = support::count(
            &t.db,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{}'",
                action.code()
            ),
        )
        .await;
        assert!(n >= 1, "{action} is audited");
    }
}

async fn entitlements_follow_the_role_and_overrides(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let admin = signed_in_as(&s, ADMIN).await;
    let csr = signed_in_as(&s, CSR).await;
    let can = |c: Client| {
        let s_base = s.base.clone();
        async move {
            let me: serde_json::Value = c
                .post(format!("{s_base}/api/current_user"))
                .header(ACCEPT, "application/json")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            me["entitlements"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        can(csr.clone()).await,
        ["OnBehalfPayments", "CancelVoid", "Refunds", "Reports"]
    );

    // Per-user changes: casey may not cancel, void, refund or run reports,
    // and may read the Audit Report; the role is unchanged.
    let r = call(
        &admin,
        &s,
        "set_user_entitlements",
        &[
            ("login", "casey"),
            ("granted[payments_on_behalf]", "on"),
            ("granted[reports_audit]", "on"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert_eq!(
        can(csr.clone()).await,
        ["OnBehalfPayments", "AuditReport"],
        "taken away at once, and granted"
    );
    assert_eq!(
        call(&csr, &s, "load_audit", &[("q[per]", "10")])
            .await
            .status(),
        200
    );
    let detail: serde_json::Value = call(&admin, &s, "load_user", &[("login", "casey")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["role_entitlements"].as_array().unwrap().len(), 4);
    let r = call(&admin, &s, "set_user_entitlements", &[("login", "alex")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "not your own");

    // The role changes; casey's overrides still win until Apply to current users.
    let role = [
        ("role", "csr"),
        ("granted[payments_on_behalf]", "on"),
        ("granted[payments_cancel_void]", "on"),
    ];
    assert_eq!(
        call(&admin, &s, "set_role_entitlements", &role)
            .await
            .status(),
        200
    );
    assert_eq!(can(csr.clone()).await, ["OnBehalfPayments", "AuditReport"]);
    let view: serde_json::Value = call(&admin, &s, "load_role_entitlements", &[("role", "csr")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            view["users"].as_i64(),
            view["users_with_overrides"].as_i64()
        ),
        (Some(2), Some(1)),
        "casey and the demo CSR"
    );
    let mut apply = role.to_vec();
    apply.push(("apply", "1"));
    assert_eq!(
        call(&admin, &s, "set_role_entitlements", &apply)
            .await
            .status(),
        200
    );
    assert_eq!(can(csr.clone()).await, ["OnBehalfPayments", "CancelVoid"]);
    assert_eq!(
        call(&csr, &s, "load_audit", &[("q[per]", "10")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Administrators keep administration, whatever is ticked.
    let r = call(
        &admin,
        &s,
        "set_role_entitlements",
        &[("role", "admin"), ("granted[reports]", "on")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(can(admin.clone()).await.len(), Entitlement::ALL.len());

    // Without Refunds, Cancel/Reverse refuses a refund (and offers none).
    let casey = support::staff(&t.db, CSR.0).await;
    let reference = support::pay(&s.state, &casey, "100005", "30.00", None).await;
    let detail: serde_json::Value = call(
        &csr,
        &s,
        "load_payment_detail",
        &[("reference", &reference)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        detail["cancel_reverse"].is_null(),
        "a pending card payment offers only refunds: {}",
        detail["cancel_reverse"]
    );
    let r = refund(
        &csr,
        &s,
        &reference,
        "no-refunds-key-0001",
        "partial_refund",
        "5.00",
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payment_actions").await,
        0
    );
    assert!(support::count(&t.db, "SELECT COUNT(*) FROM audit_log WHERE action IN ('user.entitlements', 'role.entitlements', 'role.entitlements_applied')").await >= 3);
}

use support::cancel_reverse as refund;

async fn large_refunds_wait_for_a_second_person(t: &TestDb) {
    support::add_staff(&t.db).await;
    app::services::demo::load(&t.db, false, None).await.unwrap();
    let s = support::serve(t).await;
    let csr = signed_in_as(&s, CSR).await;
    let admin = signed_in_as(&s, ADMIN).await;
    let casey = support::staff(&t.db, CSR.0).await;
    let account = "100008";
    let reference = support::pay(&s.state, &casey, account, "1500.00", None).await;
    let balance = || async {
        t.db.account_by_number(account)
            .await
            .unwrap()
            .unwrap()
            .balance_cents
    };
    let before = balance().await;

    // At the threshold it goes through; above it, it waits and nothing moves.
    assert_eq!(
        refund(
            &csr,
            &s,
            &reference,
            "approval-key-000001",
            "partial_refund",
            "500.00"
        )
        .await
        .status(),
        200
    );
    let r = refund(
        &csr,
        &s,
        &reference,
        "approval-key-000002",
        "partial_refund",
        "600.01",
    )
    .await;
    assert_eq!(r.status(), 200);
    let said = r.text().await.unwrap();
    assert!(said.contains("awaiting approval"), "{said}");
    assert_eq!(
        refund(
            &csr,
            &s,
            &reference,
            "approval-key-000002",
            "partial_refund",
            "600.01"
        )
        .await
        .status(),
        200,
        "a repeat is the same request"
    );
    let r = refund(
        &csr,
        &s,
        &reference,
        "approval-key-000003",
        "full_reversal",
        "",
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "one request waits at a time"
    );
    assert_eq!(balance().await, before + 50_000);
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM refund_approvals WHERE status = 'awaiting'"
        )
        .await,
        1
    );
    let id = support::count(&t.db, "SELECT id FROM refund_approvals")
        .await
        .to_string();

    // The CSR has no approval entitlement; an administrator who asked for
    // a refund can't approve it either.
    assert_eq!(
        call(
            &csr,
            &s,
            "decide_refund",
            &[("approval", &id), ("decision", "approve")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let detail: serde_json::Value = call(
        &admin,
        &s,
        "load_payment_detail",
        &[("reference", &reference)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(detail["awaiting_approval"]["can_decide"], true);
    assert_eq!(detail["awaiting_approval"]["requested_by"], "casey");
    let pending: serde_json::Value = call(&admin, &s, "load_approvals", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending.as_array().unwrap().len(), 1);

    // Approved twice at once: one refund.
    let approve = [("approval", id.as_str()), ("decision", "approve")];
    let (a, b) = tokio::join!(
        call(&admin, &s, "decide_refund", &approve),
        call(&admin, &s, "decide_refund", &approve)
    );
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    assert_eq!(balance().await, before + 110_001);
    assert_eq!(
        support::count(&t.db, "SELECT COUNT(*) FROM payment_actions").await,
        2
    );
    assert_eq!(
        support::count(
            &t.db,
            "SELECT COUNT(*) FROM refund_approvals WHERE status = 'approved'"
        )
        .await,
        1
    );
    assert_eq!(
        call(
            &admin,
            &s,
            "decide_refund",
            &[("approval", &id), ("decision", "reject")]
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(t.db.ledger_breaches().await.unwrap(), Vec::<String>::new());

    // The administrator's own large request: another person must decide.
    let reference2 = support::pay(&s.state, &casey, "100009", "700.00", None).await;
    assert_eq!(
        refund(
            &admin,
            &s,
            &reference2,
            "approval-key-000004",
            "full_reversal",
            ""
        )
        .await
        .status(),
        200
    );
    let id2 = support::count(&t.db, "SELECT MAX(id) FROM refund_approvals")
        .await
        .to_string();
    let r = call(
        &admin,
        &s,
        "decide_refund",
        &[("approval", &id2), ("decision", "approve")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("someone else must approve it")
    );
    let alex = support::staff(&t.db, ADMIN.0).await.id;
    let self_approval = support::execute(
        &t.db,
        &format!("UPDATE refund_approvals SET status = 'approved', decided_by = {alex}, decided_at = 1 WHERE id = {id2}"),
    )
    .await;
    assert!(
        self_approval.is_err(),
        "the database refuses a self-approval too"
    );
    // A CSR granted approval rejects it; nothing moves.
    let u = support::staff(&t.db, CSR.0).await;
    let entry = app::db::audit::AuditEntry::new(
        app::db::now_ms(),
        app::domain::audit_action::AuditAction::UserEntitlements,
    );
    t.db.set_user_overrides(
        u.id,
        &[(Entitlement::ApproveRefunds, true)].into_iter().collect(),
        &entry,
    )
    .await
    .unwrap();
    assert_eq!(
        call(
            &csr,
            &s,
            "decide_refund",
            &[("approval", &id2), ("decision", "reject")]
        )
        .await
        .status(),
        200
    );
    let (status, refunded) = {
        let r = app::domain::payment::Reference::parse(&reference2).unwrap();
        let p =
            t.db.payment_by_reference(r.as_str())
                .await
                .unwrap()
                .unwrap();
        (p.status, p.refunded_cents)
    };
    assert_eq!((status.as_str(), refunded), ("pending", 0));
    for action in [
        "payment.refund_requested",
        "payment.refund_approved",
        "payment.refund_rejected",
    ] {
        assert_eq!(
            support::count(
                &t.db,
                &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")
            )
            .await,
            if action == "payment.refund_requested" {
                2
            } else {
                1
            },
            "{action}"
        );
    }
}

on_both_backends!(
    administrators_add_deactivate_unlock_and_reset_users,
    entitlements_follow_the_role_and_overrides,
    large_refunds_wait_for_a_second_person,
);
