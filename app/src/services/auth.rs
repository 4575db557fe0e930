//! Staff sign-in, sessions and sign-out.

use super::passwords::{self, HashGate, HashPermit};
use crate::db::audit::AuditEntry;
use crate::db::{Db, DbError, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::division::DivisionScope;
use crate::domain::staff::{LoginId, LoginIdError, Role, StaffUser};
use crate::domain::time::Timestamp;
use crate::error::{AppError, FieldErrors};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::net::IpAddr;

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
/// Writing `last_seen_at` on every request would turn each page's data
/// calls into writes; a minute's slack on a 30-minute timeout is harmless.
pub(crate) const TOUCH_EVERY_MS: i64 = 60_000;
/// The most characters of a typed login ID the audit log keeps. A real
/// login ID is never longer (`LoginId::MAX_LEN`); anything typed by an
/// anonymous client is cut here, so no request can grow the log by more
/// than a small, fixed amount.
pub const AUDIT_TYPED_MAX: usize = 64;
/// A password longer than this is refused before it is hashed (the policy
/// allows 64 characters; this leaves room for older ones).
pub const PASSWORD_MAX_CHARS: usize = 1024;

pub struct SignedIn {
    /// The cookie value. Only its hash is stored.
    pub token: String,
    pub user: StaffUser,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    Valid(StaffUser),
    /// There was a session, and it timed out or outlived its lifetime (the
    /// sign-in page says so).
    Expired,
    Missing,
}

/// How long sessions last (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends a session this long without activity.
    pub idle_ms: i64,
    /// Ends a session this long after it opened, however active.
    pub lifetime_ms: i64,
    /// A password older than this must be changed (0: never).
    pub password_max_age_ms: i64,
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A session (or reset link) secret: 32 random bytes, URL-safe.
pub(crate) fn new_token() -> String {
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

/// What the audit log keeps of something an anonymous client typed: at
/// most [`AUDIT_TYPED_MAX`] characters, and a "…" when it was cut.
pub fn clip_for_audit(typed: &str) -> Cow<'_, str> {
    match typed.char_indices().nth(AUDIT_TYPED_MAX) {
        Some((i, _)) => Cow::Owned(format!("{}…", &typed[..i])),
        None => Cow::Borrowed(typed),
    }
}

/// The start of the `len`-long counting window that holds `now` (windows
/// are aligned to the epoch, so every server agrees on them).
pub fn window_start(now: i64, len: i64) -> i64 {
    now - now.rem_euclid(len)
}

/// Whom the per-address sign-in limit counts: an IPv4 address, or an IPv6
/// client's /64 (one subscriber usually holds a whole /64, so counting
/// single IPv6 addresses would give each attacker billions of limits).
pub fn throttle_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        // Addresses come parsed (`web::session::client_ip`); anything else
        // is still kept short.
        Err(_) => clip_for_audit(ip).into_owned(),
    }
}

/// Signs a staff user in. `ip_limit` is the most failed sign-ins one
/// address may make per [`IP_WINDOW_MS`], on top of the per-user lockout.
///
/// Both limits are claimed before the password is hashed (one guarded
/// statement each, see `db::throttle`), so parallel guesses cannot pass
/// them on a stale count; the hash itself waits for a slot of `gate`.
pub async fn sign_in(
    db: &Db,
    gate: &HashGate,
    login: &str,
    password: &str,
    ip: Option<&str>,
    ip_limit: i64,
) -> Result<SignedIn, AppError> {
    let typed = login.trim();
    let mut errs = FieldErrors::new().keep("login", &clip_for_audit(typed));
    // Refused before any work: no login ID is this long, and nothing of it
    // is stored.
    if typed.is_empty() {
        errs.add("login", "Enter your login ID.");
    } else if typed.chars().count() > LoginId::MAX_LEN {
        errs.add("login", LoginIdError::Length.to_string());
    }
    if password.is_empty() {
        errs.add("password", "Enter your password.");
    } else if password.chars().count() > PASSWORD_MAX_CHARS {
        errs.add("password", "That password is too long.");
    }
    errs.into_result()?;

    let now = now_ms();
    let kept = clip_for_audit(typed);
    // A template: every row written from it names its own action.
    let base = AuditEntry {
        actor_login: Some(&kept),
        object: Some(&kept),
        ip,
        ..AuditEntry::new(now, AuditAction::SignInFailed)
    };
    // Claimed before any password hashing, so a flood from one address
    // costs the server one indexed write per attempt.
    let window = window_start(now, IP_WINDOW_MS);
    let ip_key = ip.map(throttle_key);
    if let Some(key) = &ip_key
        && db.claim_ip_attempt(key, window, ip_limit).await?.is_none()
    {
        db.audit(&AuditEntry {
            action: AuditAction::SignInThrottled,
            ..base.clone()
        })
        .await?;
        return Err(AppError::RateLimited);
    }
    let result = match gate.enter().await {
        Ok(permit) => check_password(db, &permit, typed, password, &base).await,
        Err(busy) => Err(busy),
    };
    // Only a refused password counts against the address; a success, or an
    // attempt the server was too busy (or broken) to check, gives it back.
    if let (false, Some(key)) = (matches!(result, Err(AppError::Invalid(_))), &ip_key) {
        db.release_ip_attempt(key, window).await?;
    }
    result
}

async fn check_password(
    db: &Db,
    permit: &HashPermit,
    typed: &str,
    password: &str,
    base: &AuditEntry<'_>,
) -> Result<SignedIn, AppError> {
    let now = base.at;
    let entry = |action| AuditEntry {
        action,
        ..base.clone()
    };
    let row = match LoginId::parse(typed) {
        Ok(id) => db.staff_by_login(id.as_str()).await?,
        Err(_) => None,
    };
    let Some(row) = row else {
        permit.burn_time(password).await;
        db.audit(&entry(AuditAction::SignInFailed)).await?;
        return Err(failed(typed));
    };
    let user_entry = |action| AuditEntry {
        actor_id: Some(row.id),
        actor_login: Some(&row.login),
        object: Some(&row.login),
        ..entry(action)
    };
    let claim = db
        .claim_user_attempt(row.id, now, LOCK_AFTER, now + LOCK_MS)
        .await?;
    // Verified whatever the claim said, so a locked or deactivated user
    // takes as long to refuse as anyone else (timing reveals nothing).
    let password_ok = permit.verify(password, &row.password_hash).await;
    let Some(claim) = claim else {
        db.audit(&user_entry(AuditAction::SignInLocked)).await?;
        return Err(failed(typed));
    };
    if !row.active {
        db.audit(&user_entry(AuditAction::SignInInactive)).await?;
        return Err(failed(typed));
    }
    if !password_ok {
        db.audit(&user_entry(AuditAction::SignInFailed)).await?;
        if claim.lock.is_some() {
            db.audit(&user_entry(AuditAction::Lockout)).await?;
        }
        return Err(failed(typed));
    }
    // Checked only once the password is right (a wrong one counts as any
    // failure); the answer is the same as for any failed sign-in.
    if row.must_change_password
        && row
            .password_changed_at
            .older_than(TEMPORARY_PASSWORD_MS, Timestamp::from_millis(now))
    {
        db.audit(&user_entry(AuditAction::SignInTemporaryExpired))
            .await?;
        return Err(failed(typed));
    }
    let role = Role::from_code(&row.role).ok_or_else(|| {
        tracing::error!(user = row.id, role = %row.role, "staff user has an unknown role");
        AppError::Internal(super::incident_id())
    })?;
    let token = new_token();
    // The guard holds here too: a lock set by other attempts while this
    // password was being checked keeps the session closed.
    if !db
        .open_session(
            &token_hash(&token),
            row.id,
            claim,
            &user_entry(AuditAction::SignIn),
        )
        .await?
    {
        db.audit(&user_entry(AuditAction::SignInLocked)).await?;
        return Err(failed(typed));
    }
    let entitlements = db.entitlements_of(row.id, role).await?;
    let divisions = DivisionScope::limited_to(db.staff_divisions(row.id).await?);
    Ok(SignedIn {
        token,
        user: StaffUser {
            id: row.id,
            login: row.login,
            email: row.email,
            role,
            must_change_password: false,
            entitlements,
            divisions,
            viewing: None,
        },
    })
}

/// Resolves a session cookie, ending the session if it sat idle too long
/// or outlived its lifetime. Only `activity` (a request the user made, not
/// a page polling a status) keeps a session from going idle.
pub async fn check_session(
    db: &Db,
    token: &str,
    policy: &SessionPolicy,
    activity: bool,
    ip: Option<&str>,
) -> Result<SessionCheck, DbError> {
    let hash = token_hash(token);
    let Some(found) = db.session_user(&hash).await? else {
        return Ok(SessionCheck::Missing);
    };
    let row = found.row;
    let now = Timestamp::now();
    let entry = |action| AuditEntry {
        actor_id: Some(row.user_id),
        actor_login: Some(&row.login),
        object: Some(&row.login),
        ip,
        ..AuditEntry::new(now.millis(), action)
    };
    if row.last_seen_at.older_than(policy.idle_ms, now) {
        db.end_session(&hash, &entry(AuditAction::Timeout)).await?;
        return Ok(SessionCheck::Expired);
    }
    if row.created_at.older_than(policy.lifetime_ms, now) {
        db.end_session(&hash, &entry(AuditAction::SessionLifetimeEnded))
            .await?;
        return Ok(SessionCheck::Expired);
    }
    let role = Role::from_code(&row.role);
    let (true, Some(role)) = (row.active, role) else {
        db.end_session(&hash, &entry(AuditAction::SessionRevoked))
            .await?;
        return Ok(SessionCheck::Missing);
    };
    if activity && row.last_seen_at.older_than(TOUCH_EVERY_MS, now) {
        db.touch_session(&hash, now.millis()).await?;
    }
    let max_age_ms = policy.password_max_age_ms;
    let expired = max_age_ms > 0 && row.password_changed_at.older_than(max_age_ms, now);
    let must_change_password = row.must_change_password || expired;
    // Both read with the session, in the same statement.
    let entitlements = found.entitlements;
    let divisions = DivisionScope::limited_to(found.divisions);
    Ok(SessionCheck::Valid(StaffUser {
        id: row.user_id,
        login: row.login,
        email: row.email,
        role,
        must_change_password,
        entitlements,
        viewing: row.division_id.filter(|d| divisions.allows(*d)),
        divisions,
    }))
}

pub async fn sign_out(
    db: &Db,
    token: &str,
    user: &StaffUser,
    ip: Option<&str>,
) -> Result<(), AppError> {
    db.end_session(
        &token_hash(token),
        &own_entry(user, AuditAction::SignOut, ip),
    )
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
fn own_entry<'a>(user: &'a StaffUser, action: AuditAction, ip: Option<&'a str>) -> AuditEntry<'a> {
    AuditEntry::by_staff(user, action, &user.login, ip)
}

/// Hashes off the async executor (argon2 is slow on purpose), in a slot of
/// the shared gate. Only signed-in administrators and the CLI get here, so
/// it may wait longer than an anonymous sign-in.
pub(crate) async fn hash_blocking(password: &str) -> Result<String, AppError> {
    let permit = passwords::shared_gate()
        .enter_within(std::time::Duration::from_secs(30))
        .await?;
    permit.hash(password).await
}

/// How many passwords may not be used again: the current one and the three
/// before it.
pub const PASSWORD_HISTORY: i64 = 4;

/// What a password found in the history is told.
pub const REUSED_PASSWORD: &str = "Choose a password different from your last 4.";

/// Change Password's current password, before any hashing (the staff's
/// and the payer site's).
pub fn check_current(current: &str, errs: &mut FieldErrors) {
    if current.is_empty() {
        errs.add("current", "Enter your current password.");
    } else if current.chars().count() > PASSWORD_MAX_CHARS {
        errs.add("current", "That is not your current password.");
    }
}

/// The new-password rules shared by Change Password and Forgot Your
/// Password?: the policy, not the login ID, and typed the same twice.
pub fn check_new_for(login: &str, new: &str, confirm: &str, errs: &mut FieldErrors) {
    if let Err(e) = crate::domain::staff::check_new_password(new) {
        errs.add("new", e);
    } else if new.to_lowercase().contains(&login.to_lowercase()) {
        errs.add("new", "Do not use your login ID in your password.");
    }
    if new != confirm {
        errs.add("confirm", "The two new passwords are not the same.");
    }
}

/// True when `new` is the current password (`current_hash`) or one of the
/// [`PASSWORD_HISTORY`]` - 1` before it.
pub async fn reuses_recent(
    db: &Db,
    permit: &HashPermit,
    user_id: i64,
    current_hash: &str,
    new: &str,
) -> Result<bool, AppError> {
    let mut recent = vec![current_hash.to_string()];
    recent.extend(
        db.recent_password_hashes(user_id, PASSWORD_HISTORY - 1)
            .await?,
    );
    for old in recent {
        if permit.verify(new, &old).await {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Change Password. Checks the current password and the policy (length,
/// the common-password list, none of the last four), then sets it, clears a
/// must-change flag, ends every session of the user and opens a new one,
/// in one transaction. Returns the new session's token: the session id
/// rotates, so one seen before the change opens nothing after it.
///
/// Wrong current passwords count with failed sign-ins (the same claim
/// before hashing, the same lock): the attempt that locks the user, or any
/// attempt while locked, ends all their sessions, so a borrowed or stolen
/// session cannot be used to guess the password.
pub async fn change_password(
    db: &Db,
    gate: &HashGate,
    user: &StaffUser,
    current: &str,
    new: &str,
    confirm: &str,
    ip: Option<&str>,
) -> Result<String, AppError> {
    let mut errs = FieldErrors::new();
    check_current(current, &mut errs);
    check_new_for(&user.login, new, confirm, &mut errs);
    errs.into_result()?;
    let permit = gate.enter().await?;
    let row = db
        .staff_by_login(&user.login)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let now = now_ms();
    let claim = db
        .claim_user_attempt(row.id, now, LOCK_AFTER, now + LOCK_MS)
        .await?;
    let current_ok = permit.verify(current, &row.password_hash).await;
    let claim = match claim {
        Some(c) if current_ok => c,
        Some(c) if c.lock.is_none() => {
            db.audit(&own_entry(user, AuditAction::PasswordChangeFailed, ip))
                .await?;
            return Err(AppError::field(
                "current",
                "That is not your current password.",
            ));
        }
        // This attempt locked the user, or they already were.
        _ => return Err(end_sessions_for_guessing(db, user, ip).await),
    };
    if !db.clear_attempts(row.id, claim, now).await? {
        return Err(end_sessions_for_guessing(db, user, ip).await);
    }
    if reuses_recent(db, &permit, row.id, &row.password_hash, new).await? {
        return Err(AppError::field("new", REUSED_PASSWORD));
    }
    let hash = permit.hash(new).await?;
    drop(permit);
    let token = new_token();
    let entry = own_entry(user, AuditAction::PasswordChanged, ip);
    if !db
        .set_password(
            row.id,
            &row.password_hash,
            &hash,
            &token_hash(&token),
            &entry,
        )
        .await?
    {
        return Err(AppError::Conflict(
            "Your password was just changed in another session. Sign in again.".into(),
        ));
    }
    Ok(token)
}

/// Change Password's attempt limit was reached: every session of the user
/// ends (audited), and they must sign in again once the lock has passed.
async fn end_sessions_for_guessing(db: &Db, user: &StaffUser, ip: Option<&str>) -> AppError {
    match db
        .end_user_sessions(
            user.id,
            &own_entry(user, AuditAction::PasswordChangeLocked, ip),
        )
        .await
    {
        Ok(_) => AppError::Unauthenticated,
        Err(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64_and_ipv4_per_address() {
        assert_eq!(throttle_key("203.0.113.7"), "203.0.113.7");
        assert_ne!(throttle_key("203.0.113.7"), throttle_key("203.0.113.8"));
        let a = throttle_key("2001:db8:1:2::1");
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(throttle_key("2001:db8:1:2:ffff:ffff:ffff:ffff"), a);
        assert_eq!(throttle_key("2001:0db8:0001:0002:0:0:0:9"), a);
        assert_ne!(throttle_key("2001:db8:1:3::1"), a);
        assert_eq!(
            throttle_key("::ffff:203.0.113.7"),
            "203.0.113.7",
            "an IPv4 client seen through IPv6 is still one address"
        );
        assert!(throttle_key(&"x".repeat(10_000)).chars().count() <= AUDIT_TYPED_MAX + 1);
    }

    #[test]
    fn typed_logins_are_cut_for_the_audit() {
        assert_eq!(clip_for_audit("casey"), "casey");
        let long = "é".repeat(100_000);
        let cut = clip_for_audit(&long);
        assert_eq!(cut.chars().count(), AUDIT_TYPED_MAX + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(clip_for_audit(&"a".repeat(64)).len(), 64);
    }
}
