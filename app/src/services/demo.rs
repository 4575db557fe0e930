//! The documented demo dataset (docs/demo-data.md): staff sign-ins and
//! accounts to try every screen with. It is generated, not random, so the
//! docs and the tests can name its accounts.

use super::payments::Payments;
use crate::db::Db;
use crate::db::accounts::ImportOutcome;
use crate::domain::payment::PaymentForm;
use crate::domain::staff::{Role, StaffUser};
use crate::error::AppError;

pub const DEMO_ADMIN: (&str, &str) = ("admin", "paydesk-admin-demo");
pub const DEMO_CSR: (&str, &str) = ("csr", "paydesk-csr-demo-1");
/// The demo's enrolled payer signs in on the payer site (`/p`) with this.
pub const DEMO_PAYER: (&str, &str) = ("payer1", "paydesk-payer-demo");

const FIRST: &[&str] = &[
    "Maria", "James", "Aisha", "Chen", "Olivia", "Diego", "Priya", "Noah", "Fatima", "Liam",
    "Sofia", "Ethan", "Amara", "Lucas", "Hana", "Mateo", "Grace", "Omar", "Ines", "Jonah",
];
const LAST: &[&str] = &[
    "Garcia", "Smith", "Okafor", "Wang", "Johnson", "Ramirez", "Patel", "Brown", "Haddad",
    "Murphy", "Rossi", "Miller", "Mensah", "Silva", "Tanaka", "Lopez", "Kim", "Farouk", "Costa",
    "Adler",
];
const BUSINESSES: &[&str] = &[
    "Riverside Bakery LLC",
    "Northgate Dental Group",
    "Blue Fern Landscaping",
    "Harbor Street Laundromat",
    "Summit Youth Soccer Club",
    "Oak & Iron Hardware",
    "Maple Court HOA",
    "Lakeview Veterinary Clinic",
    "Copperline Brewing Co",
    "Sunrise Child Care Center",
];

/// The universal file behind the demo: 50 accounts (40 people, 10
/// businesses) with positive, zero and credit balances and one inactive.
pub fn universal_file() -> String {
    let mut csv = String::from(
        "account_number,account_type,first_name,last_name,company_name,email,balance,status,user_id\n",
    );
    for i in 0..50usize {
        let number = format!("{}", 100_001 + i);
        // Balances cycle through owing, paid up and in credit.
        let cents: i64 = match i % 5 {
            0 => 0,
            1 => -2_550,
            _ => 4_000 + (i as i64 * 7_919) % 45_000,
        };
        let balance = format!(
            "{}{}.{:02}",
            if cents < 0 { "-" } else { "" },
            cents.abs() / 100,
            cents.abs() % 100
        );
        let status = if i == 13 { "inactive" } else { "active" };
        // payer1 pays three accounts; a few others pay one each.
        let user_id = match i {
            0 | 1 | 40 => "payer1".to_string(),
            5 | 9 | 17 | 42 => format!("payer{}", i + 100),
            _ => String::new(),
        };
        if i < 40 {
            let (f, l) = (FIRST[i % FIRST.len()], LAST[(i * 7) % LAST.len()]);
            let email = format!("{}.{}@example.com", f.to_lowercase(), l.to_lowercase());
            csv.push_str(&format!(
                "{number},I,{f},{l},,{email},{balance},{status},{user_id}\n"
            ));
        } else {
            let name = BUSINESSES[i - 40];
            let email = format!("billing{}@example.com", i);
            csv.push_str(&format!(
                "{number},B,,,\"{name}\",{email},{balance},{status},{user_id}\n"
            ));
        }
    }
    csv
}

#[derive(Debug)]
pub struct DemoOutcome {
    pub loaded: bool,
    pub accounts: ImportOutcome,
    pub payments: usize,
}

/// Past payments, taken through the real payment service as the demo CSR:
/// (account, amount, card number). The first ones are then settled, so the
/// demo shows Processed, Pending and Declined payments.
const DEMO_PAYMENTS: &[(&str, &str, &str)] = &[
    ("100001", "45.00", "4242424242424242"),
    ("100003", "120.00", "5555555555554444"),
    ("100041", "310.75", "378282246310005"),
    ("100005", "60.00", "4242424242424242"),
    ("100002", "25.50", "4242424242424242"),
    ("100004", "80.00", "5555555555554444"),
    ("100001", "19.99", "4000000000000002"),
];
const SETTLED_FIRST: usize = 4;

/// payer1, enrolled by the demo's file without a password (as any
/// imported enrollment), gets [`DEMO_PAYER`]'s, so the payer site can be
/// tried at once.
async fn set_demo_payer_password(db: &Db) -> Result<(), AppError> {
    use crate::db::payer_accounts::Activity;
    use crate::domain::payer_account::PayerEvent;
    let Some(p) = db.payer_by_user_id(DEMO_PAYER.0).await? else {
        return Ok(());
    };
    if p.password_hash.is_some() {
        return Ok(());
    }
    let hash = super::auth::hash_blocking(DEMO_PAYER.1).await?;
    let line = Activity::new(crate::db::now_ms(), PayerEvent::PasswordChanged, None);
    db.set_payer_password(p.id, None, &hash, false, None, &line, None)
        .await?;
    Ok(())
}

/// The demo CSR as a signed-in user, with a CSR's default entitlements:
/// who takes the demo's payments (and the bench's and a test's, as the
/// console would). None before the demo is loaded.
pub async fn demo_csr(db: &Db) -> Result<Option<StaffUser>, AppError> {
    let Some(csr) = db.staff_by_login(DEMO_CSR.0).await? else {
        return Ok(None);
    };
    Ok(Some(StaffUser {
        id: csr.id,
        login: csr.login,
        email: csr.email,
        role: Role::Csr,
        must_change_password: false,
        entitlements: crate::domain::entitlements::Entitlement::default_for(Role::Csr),
        divisions: Default::default(),
        viewing: None,
    }))
}

/// Loads the demo staff and accounts. With `if_empty`, a database that
/// already has staff users is left alone, so `make run` can call it always.
pub async fn load(
    db: &Db,
    if_empty: bool,
    payments: Option<&Payments<'_>>,
) -> Result<DemoOutcome, AppError> {
    if if_empty && db.count_staff().await? > 0 {
        return Ok(DemoOutcome {
            loaded: false,
            accounts: ImportOutcome::default(),
            payments: 0,
        });
    }
    for (who, role, email) in [
        (DEMO_ADMIN, Role::Admin, "admin@paydesk.example"),
        (DEMO_CSR, Role::Csr, "csr@paydesk.example"),
    ] {
        match super::auth::add_user(db, who.0, email, role, who.1, Some("demo")).await {
            Ok(_) => {}
            // Loading the demo twice keeps the users that exist.
            Err(AppError::Invalid(f))
                if f.message_for("login").is_some_and(|m| m.contains("taken")) => {}
            Err(e) => return Err(e),
        }
    }
    let file = universal_file();
    let accounts = super::accounts_import::import(db, file.as_bytes(), "demo", Some("demo"))
        .await
        .map_err(AppError::from)?;
    set_demo_payer_password(db).await?;
    let mut taken = 0;
    if let Some(p) = payments {
        save_demo_methods(db, p).await?;
        let csr = demo_csr(db)
            .await?
            .ok_or_else(|| AppError::Internal(super::incident_id()))?;
        for (i, (account, amount, card)) in DEMO_PAYMENTS.iter().enumerate() {
            if i == SETTLED_FIRST {
                super::settlement::settle(
                    db,
                    p.config,
                    p.keys,
                    crate::db::now_ms() + 1,
                    "settlement",
                )
                .await?;
            }
            let form = PaymentForm {
                account: account.to_string(),
                email: format!("payer.{account}@example.com"),
                amount: amount.to_string(),
                method: "card".into(),
                card_name: "Demo Payer".into(),
                card_number: card.to_string(),
                card_expiry: "12/35".into(),
                card_cvv: if card.starts_with('3') { "1234" } else { "123" }.into(),
                card_zip: "02139".into(),
                ..Default::default()
            };
            let sealed = p.review(&csr, &form).await?;
            match p.submit(&csr, &sealed, None).await {
                Ok(_) | Err(AppError::Declined(_)) => taken += 1,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(DemoOutcome {
        loaded: true,
        accounts,
        payments: taken,
    })
}

/// payer1 (accounts 100001, 100002, 100041) saved a Visa and a checking
/// account, so Make Payment offers them first.
async fn save_demo_methods(db: &Db, p: &Payments<'_>) -> Result<(), AppError> {
    use crate::db::payments::MethodColumns;
    use crate::db::saved_methods::SavedMethodRow;
    use crate::domain::card::{CardNumber, Expiry};
    let Some(payer_id) = db.payer_id("payer1").await? else {
        return Ok(());
    };
    let number = CardNumber::parse("4242424242424242")
        .map_err(|_| AppError::Internal(super::incident_id()))?;
    let card = p.processor.tokenize_card(
        &number,
        Expiry {
            year: 2030,
            month: 12,
        },
    );
    let now = crate::db::now_ms();
    db.insert_saved_method(
        &SavedMethodRow {
            payer_id,
            method_kind: "card".into(),
            label: crate::domain::payment::method_label_card(card.brand, &card.last4),
            method: MethodColumns {
                card_token: Some(card.token),
                card_brand: Some(card.brand.label().into()),
                card_last4: Some(card.last4),
                card_expiry: Some(card.expiry.to_string()),
                cardholder: Some("Maria Garcia".into()),
                billing_zip: Some("02139".into()),
                ..Default::default()
            },
            ..Default::default()
        },
        now,
    )
    .await?;
    db.insert_saved_method(
        &SavedMethodRow {
            payer_id,
            method_kind: "ach".into(),
            label: "Checking •••• 6789".into(),
            method: MethodColumns {
                bank_holder: Some("Maria Garcia".into()),
                bank_routing: Some("021000021".into()),
                bank_account_enc: Some(
                    p.keys
                        .seal(super::keyring::PURPOSE_BANK_ACCOUNT, b"000123456789"),
                ),
                bank_last4: Some("6789".into()),
                bank_kind: Some("checking".into()),
                ..Default::default()
            },
            ..Default::default()
        },
        now,
    )
    .await?;
    Ok(())
}
