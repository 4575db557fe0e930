//! Staff sign-in, sessions and sign-out.

use super::passwords;
use crate::db::audit::AuditEntry;
use crate::db::{Db, DbError, now_ms};
use crate::domain::staff::{LoginId, Role, StaffUser};
use crate::error::{AppError, FieldErrors};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Failures in a row before the user is locked out.
pub const LOCK_AFTER: i64 = 5;
pub const LOCK_MS: i64 = 30 * 60_000;
/// The one message for every failed sign-in, whatever the cause, so it
/// reveals nothing about which login IDs exist or are locked.
pub const SIGN_IN_FAILED: &str = "Sign-in failed. Check your login ID and password. \
    After 5 failed attempts in a row, sign-in is locked for 30 minutes.";
/// A temporary password (User Admin's Add user or Generate Temporary
/// Password) stops working this long after it was set (issue 12, finding 11).
pub const TEMPORARY_PASSWORD_MS: i64 = 24 * 3_600_000;
/// Failed sign-ins from one address are counted in windows this long.
pub const IP_WINDOW_MS: i64 = 15 * 60_000;
/// Writing `last_seen_at` on every request would turn each status poll into
/// a write; a minute's slack on a 30-minute timeout is harmless.
const TOUCH_EVERY_MS: i64 = 60_000;

pub struct SignedIn {
    /// The cookie value. Only its hash is stored.
    pub token: String,
    pub user: StaffUser,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    Valid(StaffUser),
    /// There was a session, and it timed out (the sign-in page says so).
    Expired,
    Missing,
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn failed(login: &str) -> AppError {
    let mut errs = FieldErrors::new().keep("login", login);
    errs.add("form", SIGN_IN_FAILED);
    AppError::Invalid(errs)
}

/// Signs a staff user in. `ip_limit` is the most failed sign-ins one
/// address may make per [`IP_WINDOW_MS`], on top of the per-user lockout.
pub async fn sign_in(
    db: &Db,
    login: &str,
    password: &str,
    ip: Option<&str>,
    ip_limit: i64,
) -> Result<SignedIn, AppError> {
    let mut errs = FieldErrors::new().keep("login", login.trim());
    if login.trim().is_empty() {
        errs.add("login", "Enter your login ID.");
    }
    if password.is_empty() {
        errs.add("password", "Enter your password.");
    }
    errs.into_result()?;

    let now = now_ms();
    let typed = login.trim();
    let entry = |action| AuditEntry {
        at: now,
        actor_login: Some(typed),
        action,
        object: Some(typed),
        ip,
        ..Default::default()
    };
    // Checked before any password hashing, so a flood from one address
    // costs the server one indexed read per attempt.
    let window = now - now.rem_euclid(IP_WINDOW_MS);
    if let Some(ip) = ip {
        if db.ip_failures(ip, window).await? >= ip_limit {
            db.audit(&entry("auth.sign_in_throttled")).await?;
            return Err(AppError::RateLimited);
        }
    }
    let result = async {
        let row = match LoginId::parse(typed) {
            Ok(id) => db.staff_by_login(id.as_str()).await?,
            Err(_) => None,
        };
        let Some(row) = row else {
            passwords::burn_time(password).await;
            db.audit(&entry("auth.sign_in_failed")).await?;
            return Err(failed(typed));
        };
        let user_entry = |action| AuditEntry {
            actor_id: Some(row.id),
            actor_login: Some(&row.login),
            object: Some(&row.login),
            ..entry(action)
        };
        // Verified before the lock and active checks, so a locked or deactivated
        // user takes as long to refuse as anyone else (timing reveals nothing).
        let password_ok =
            passwords::verify_blocking(password.to_string(), row.password_hash.clone()).await;

        if row.locked_until.is_some_and(|until| until > now) {
            db.audit(&user_entry("auth.sign_in_locked")).await?;
            return Err(failed(typed));
        }
        if !row.active {
            db.audit(&user_entry("auth.sign_in_inactive")).await?;
            return Err(failed(typed));
        }
        if !password_ok {
            db.record_failed_sign_in(
                row.id,
                LOCK_AFTER,
                now + LOCK_MS,
                &user_entry("auth.sign_in_failed"),
            )
            .await?;
            return Err(failed(typed));
        }
        // Checked only once the password is right (a wrong one counts as
        // any failure); the answer is the same as for any failed sign-in.
        if row.must_change_password && now - row.password_changed_at > TEMPORARY_PASSWORD_MS {
            db.audit(&user_entry("auth.sign_in_temporary_expired"))
                .await?;
            return Err(failed(typed));
        }
        let role = Role::from_code(&row.role).ok_or_else(|| {
            tracing::error!(user = row.id, role = %row.role, "staff user has an unknown role");
            AppError::Internal(super::incident_id())
        })?;
        let token = new_token();
        db.start_session(&token_hash(&token), row.id, &user_entry("auth.sign_in"))
            .await?;
        let entitlements = db.entitlements_of(row.id, role).await?;
        Ok(SignedIn {
            token,
            user: StaffUser {
                id: row.id,
                login: row.login,
                email: row.email,
                role,
                must_change_password: false,
                entitlements,
            },
        })
    }
    .await;
    if let (Err(AppError::Invalid(_)), Some(ip)) = (&result, ip) {
        db.count_ip_failure(ip, window).await?;
    }
    result
}

/// Resolves a session cookie, ending the session if it sat idle too long.
/// A password older than `max_age_ms` (0: never) must be changed.
pub async fn check_session(
    db: &Db,
    token: &str,
    idle_ms: i64,
    max_age_ms: i64,
    ip: Option<&str>,
) -> Result<SessionCheck, DbError> {
    let hash = token_hash(token);
    let Some(row) = db.session_user(&hash).await? else {
        return Ok(SessionCheck::Missing);
    };
    let now = now_ms();
    let entry = |action| AuditEntry {
        at: now,
        actor_id: Some(row.user_id),
        actor_login: Some(&row.login),
        action,
        object: Some(&row.login),
        ip,
        ..Default::default()
    };
    if now - row.last_seen_at > idle_ms {
        db.end_session(&hash, &entry("auth.timeout")).await?;
        return Ok(SessionCheck::Expired);
    }
    let role = Role::from_code(&row.role);
    let (true, Some(role)) = (row.active, role) else {
        db.end_session(&hash, &entry("auth.session_revoked"))
            .await?;
        return Ok(SessionCheck::Missing);
    };
    if now - row.last_seen_at > TOUCH_EVERY_MS {
        db.touch_session(&hash, now).await?;
    }
    let expired = max_age_ms > 0 && now - row.password_changed_at > max_age_ms;
    let must_change_password = row.must_change_password || expired;
    let entitlements = db.entitlements_of(row.user_id, role).await?;
    Ok(SessionCheck::Valid(StaffUser {
        id: row.user_id,
        login: row.login,
        email: row.email,
        role,
        must_change_password,
        entitlements,
    }))
}

pub async fn sign_out(
    db: &Db,
    token: &str,
    user: &StaffUser,
    ip: Option<&str>,
) -> Result<(), AppError> {
    db.end_session(&token_hash(token), &own_entry(user, "auth.sign_out", ip))
        .await?;
    Ok(())
}

/// Adds a staff user with a password of their own (the CLI's `user add`,
/// the demo data).
pub async fn add_user(
    db: &Db,
    login: &str,
    email: &str,
    role: Role,
    password: &str,
    by: Option<&str>,
) -> Result<i64, AppError> {
    add_user_with(db, login, email, role, password, false, by).await
}

/// Adds a staff user; a `temporary` password must be changed at first sign-in.
pub async fn add_user_with(
    db: &Db,
    login: &str,
    email: &str,
    role: Role,
    password: &str,
    temporary: bool,
    by: Option<&str>,
) -> Result<i64, AppError> {
    let mut errs = FieldErrors::new().keep("login", login).keep("email", email);
    let login = LoginId::parse(login)
        .map_err(|e| errs.add("login", e.to_string()))
        .ok();
    let email = crate::domain::email::Email::parse(email)
        .map_err(|e| errs.add("email", e.to_string()))
        .ok();
    if let Err(e) = crate::domain::staff::check_new_password(password) {
        errs.add("password", e);
    }
    let (Some(login), Some(email), true) = (login, email, errs.is_empty()) else {
        return Err(AppError::Invalid(errs));
    };
    let hash = hash_blocking(password).await?;
    let new = crate::db::users::NewStaff {
        login: login.as_str(),
        email: email.as_str(),
        role: role.code(),
        password_hash: &hash,
        must_change_password: temporary,
    };
    match db.insert_staff(&new, now_ms(), by).await {
        Ok(id) => Ok(id),
        Err(e) if e.is_unique_violation() => Err(AppError::field(
            "login",
            format!("The login ID {login} is taken."),
        )),
        Err(e) => Err(e.into()),
    }
}

/// An audit row for something a user did to their own account, now.
fn own_entry<'a>(user: &'a StaffUser, action: &'a str, ip: Option<&'a str>) -> AuditEntry<'a> {
    AuditEntry {
        at: now_ms(),
        actor_id: Some(user.id),
        actor_login: Some(&user.login),
        action,
        object: Some(&user.login),
        ip,
        ..Default::default()
    }
}

/// Hashes off the async executor (argon2 is slow on purpose).
pub(crate) async fn hash_blocking(password: &str) -> Result<String, AppError> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || passwords::hash(&pw))
        .await
        .map_err(|_| AppError::Internal(super::incident_id()))?
        .map_err(|_| AppError::Internal(super::incident_id()))
}

/// How many passwords may not be used again: the current one and the three
/// before it.
pub const PASSWORD_HISTORY: i64 = 4;

/// Change Password. Checks the current password and the policy (length,
/// the common-password list, none of the last four), then sets it, clears a
/// must-change flag and ends the user's other sessions, in one transaction.
pub async fn change_password(
    db: &Db,
    user: &StaffUser,
    token: &str,
    current: &str,
    new: &str,
    confirm: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let mut errs = FieldErrors::new();
    if current.is_empty() {
        errs.add("current", "Enter your current password.");
    }
    if let Err(e) = crate::domain::staff::check_new_password(new) {
        errs.add("new", e);
    } else if new.to_lowercase().contains(&user.login.to_lowercase()) {
        errs.add("new", "Do not use your login ID in your password.");
    }
    if new != confirm {
        errs.add("confirm", "The two new passwords are not the same.");
    }
    errs.into_result()?;
    let row = db
        .staff_by_login(&user.login)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !passwords::verify_blocking(current.to_string(), row.password_hash.clone()).await {
        db.audit(&own_entry(user, "user.password_change_failed", ip))
            .await?;
        return Err(AppError::field(
            "current",
            "That is not your current password.",
        ));
    }
    let mut recent = vec![row.password_hash.clone()];
    recent.extend(
        db.recent_password_hashes(row.id, PASSWORD_HISTORY - 1)
            .await?,
    );
    for old in recent {
        if passwords::verify_blocking(new.to_string(), old).await {
            return Err(AppError::field(
                "new",
                "Choose a password different from your last 4.",
            ));
        }
    }
    let hash = hash_blocking(new).await?;
    let entry = own_entry(user, "user.password_changed", ip);
    db.set_password(
        row.id,
        &row.password_hash,
        &hash,
        &token_hash(token),
        &entry,
    )
    .await?;
    Ok(())
}
