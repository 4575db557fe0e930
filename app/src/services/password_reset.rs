//! Staff self-service from the sign-in page: **Forgot Your Password?** (a
//! one-time security code by email, then Create New Password) and **Forgot
//! Your Username?** (the login ID by email).
//!
//! Both answer the same whatever is typed, so nobody can learn which login
//! IDs or addresses exist: an unknown login ID, an inactive user and a real
//! one get the same answer, and about the same time (an argon2 run on each
//! path; the email goes out in the background, after the answer). Every
//! request is counted per client address and per login ID or email address
//! before any work, and audited.

use super::auth::{
    IP_WINDOW_MS, REUSED_PASSWORD, check_new_for, clip_for_audit, reuses_recent, throttle_key,
    window_start,
};
use super::notices::{Mailer, send_mail_now};
use super::passwords::{HashGate, HashPermit};
use crate::config::{Config, MailConfig};
use crate::db::audit::AuditEntry;
use crate::db::password_reset::ResetWrite;
use crate::db::users::StaffRow;
use crate::db::{Db, now_ms};
use crate::domain::audit_action::AuditAction;
use crate::domain::email::Email;
use crate::domain::staff::LoginId;
use crate::error::{AppError, FieldErrors};

/// How long a security code works.
pub const CODE_TTL_MS: i64 = 15 * 60_000;
/// Wrong codes that kill the live code (a new one must be requested).
pub const CODE_MAX_FAILURES: i64 = 5;
/// Digits in a security code: 10^8 codes, 5 tries each, a few codes an hour.
pub const CODE_DIGITS: usize = 8;
/// Codes (requests and Resend Code) one login ID may be sent per hour.
pub const CODES_PER_LOGIN: i64 = 5;
/// Login ID emails one address may be sent per hour.
pub const USERNAMES_PER_EMAIL: i64 = 3;
/// The per-login and per-email windows.
pub const SUBJECT_WINDOW_MS: i64 = 60 * 60_000;

pub const CODE_NOT_RIGHT: &str = "That code is not right. Check the email, or use Resend Code.";
pub const CODE_USED: &str =
    "This code has already been used. Use Resend Code if you still need to reset your password.";
pub const CODE_EXPIRED: &str =
    "This code has expired (codes last 15 minutes). Use Resend Code to get a new one.";
pub const CODE_WORN_OUT: &str =
    "Too many wrong codes were entered. Use Resend Code to get a new one.";

/// Why a request sends a code: the first time, or Resend Code (which
/// replaces the code sent before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRequest {
    First,
    Resend,
}

pub struct SelfService<'a> {
    pub db: &'a Db,
    /// The server's argon2 gate: codes are hashed like passwords, and an
    /// anonymous flood gets a quick 503 instead of a queue.
    pub gate: &'a HashGate,
    pub mailer: &'a Mailer,
    pub config: &'a Config,
}

/// A random code of [`CODE_DIGITS`] digits, from the OS generator.
fn new_code() -> String {
    use rand::Rng;
    let n: u32 = rand::rngs::OsRng.gen_range(0..100_000_000);
    format!("{n:08}")
}

fn field(keep: &[(&str, &str)], name: &str, message: impl Into<String>) -> AppError {
    let mut errs = keep
        .iter()
        .fold(FieldErrors::new(), |e, (k, v)| e.keep(k, v));
    errs.add(name, message);
    AppError::Invalid(errs)
}

/// Sends in the background, after the answer: the answer's time must not
/// depend on whether there was anyone to mail, and a slow mail server must
/// not hold the request. A failure is logged; the user can Resend Code.
fn mail_soon(mailer: &Mailer, mail: &MailConfig, to: String, subject: String, body: String) {
    let (mailer, mail) = (mailer.clone(), mail.clone());
    tokio::spawn(async move {
        if let Err(e) = send_mail_now(&mailer, &mail, &to, subject, body).await {
            tracing::warn!(error = %e, "self-service email not sent");
        }
    });
}

impl SelfService<'_> {
    /// A place at the argon2 gate for one hash or verify.
    async fn permit(&self) -> Result<HashPermit, AppError> {
        self.gate.enter().await
    }

    /// Claims one request from `ip` (shared by every self-service call)
    /// and, with `subject`, one for that login ID or email address, before
    /// any other work. Past a limit: audited, and 429.
    async fn claim(
        &self,
        ip: Option<&str>,
        subject: Option<(String, i64)>,
        throttled: &AuditEntry<'_>,
    ) -> Result<(), AppError> {
        let now = throttled.at;
        let mut over = false;
        if let Some(ip) = ip {
            let n = self
                .db
                .claim_self_service(
                    &format!("ip:{}", throttle_key(ip)),
                    window_start(now, IP_WINDOW_MS),
                )
                .await?;
            over = n > self.config.sign_in_ip_limit;
        }
        if let (false, Some((bucket, limit))) = (over, subject) {
            let n = self
                .db
                .claim_self_service(&bucket, window_start(now, SUBJECT_WINDOW_MS))
                .await?;
            over = n > limit;
        }
        if over {
            self.db.audit(throttled).await?;
            return Err(AppError::RateLimited);
        }
        Ok(())
    }

    /// Forgot Your Password? step 1 (and Resend Code): emails a new security
    /// code to an active user with this login ID, replacing any earlier
    /// code. Answers the same for any well-formed login ID.
    pub async fn request_code(
        &self,
        login: &str,
        kind: CodeRequest,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let typed = login.trim();
        // Refused before any work; says only what any login ID looks like.
        let id = LoginId::parse(typed)
            .map_err(|e| field(&[("login", typed)], "login", e.to_string()))?;
        let login = id.as_str();
        let now = now_ms();
        let entry = |action| AuditEntry {
            actor_login: Some(login),
            object: Some(login),
            ip,
            ..AuditEntry::new(now, action)
        };
        self.claim(
            ip,
            Some((format!("reset-login:{login}"), CODES_PER_LOGIN)),
            &entry(AuditAction::PasswordResetThrottled),
        )
        .await?;
        let requested = match kind {
            CodeRequest::First => AuditAction::PasswordResetRequested,
            CodeRequest::Resend => AuditAction::PasswordResetResend,
        };
        let row = self.db.staff_by_login(login).await?;
        match row.filter(|r| r.active) {
            Some(user) => {
                let code = new_code();
                let hash = self.permit().await?.hash(&code).await?;
                let as_user = |action| AuditEntry {
                    actor_id: Some(user.id),
                    ..entry(action)
                };
                self.db
                    .replace_reset_code(
                        user.id,
                        &hash,
                        now + CODE_TTL_MS,
                        &[
                            as_user(requested),
                            as_user(AuditAction::PasswordResetCodeSent),
                        ],
                    )
                    .await?;
                let biller = &self.config.mail.biller_name;
                mail_soon(
                    self.mailer,
                    &self.config.mail,
                    user.email,
                    format!("Your Paydesk security code ({biller})"),
                    format!(
                        "Someone asked to reset the Paydesk password for login ID {login}.\n\n\
                         Security code: {code}\n\n\
                         Enter it on the Forgot Your Password? page with your new password. \
                         It works once and expires in 15 minutes.\n\
                         If you did not ask for this, ignore this email: your password has not changed.\n"
                    ),
                );
            }
            None => {
                // The same argon2 work as hashing a code, so the answer takes
                // as long for a login ID that has no one to mail.
                self.permit().await?.burn_time(login).await;
                self.db.audit(&entry(requested)).await?;
            }
        }
        Ok(())
    }

    /// Forgot Your Password? step 3, Create New Password: with the code
    /// from the email, sets the new password (the usual rules and history),
    /// ends every session of the user, clears a must-change flag and clears
    /// the lockout (see [`crate::db::Db::reset_password_with_code`]).
    pub async fn reset_password(
        &self,
        login: &str,
        code: &str,
        new: &str,
        confirm: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let typed = login.trim();
        let keep = [("login", typed)];
        let mut errs = FieldErrors::new().keep("login", typed);
        let id = LoginId::parse(typed)
            .map_err(|e| errs.add("login", e.to_string()))
            .ok();
        // People copy codes with spaces around or inside them.
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.is_empty() {
            errs.add("code", "Enter the security code from the email.");
        } else if code.chars().count() != CODE_DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
            errs.add("code", "The security code is the 8 digits in the email.");
        }
        check_new_for(
            id.as_ref().map_or("", |id| id.as_str()),
            new,
            confirm,
            &mut errs,
        );
        let (Some(id), true) = (id, errs.is_empty()) else {
            return Err(AppError::Invalid(errs));
        };
        let login = id.as_str();
        let now = now_ms();
        let entry = |action| AuditEntry {
            actor_login: Some(login),
            object: Some(login),
            ip,
            ..AuditEntry::new(now, action)
        };
        self.claim(ip, None, &entry(AuditAction::PasswordResetThrottled))
            .await?;

        // One place at the argon2 gate for the whole request, taken before
        // a try is claimed: a busy answer never uses up one of the code's
        // tries, and the request never waits twice.
        let permit = self.permit().await?;
        let user: Option<StaffRow> = self.db.staff_by_login(login).await?.filter(|r| r.active);
        let stored = match &user {
            Some(u) => self.db.reset_code(u.id).await?,
            None => None,
        };
        // A try is claimed before the (slow) check, so parallel guesses
        // cannot get more than CODE_MAX_FAILURES codes checked.
        let claimed = match (&user, &stored) {
            (Some(u), Some(s)) => {
                self.db
                    .claim_reset_try(u.id, &s.code_hash, now, CODE_MAX_FAILURES)
                    .await?
            }
            _ => false,
        };
        // Checked against the stored hash whatever its state, and the same
        // argon2 work when there is none: only someone holding the right code
        // learns that it is used or expired, so these messages reveal nothing
        // about which login IDs exist.
        let matched = match &stored {
            Some(s) => permit.verify(&code, &s.code_hash).await,
            None => {
                permit.burn_time(&code).await;
                false
            }
        };
        let failed = |reason: &'static str| AuditEntry {
            actor_id: user.as_ref().map(|u| u.id),
            after: Some(reason),
            ..entry(AuditAction::PasswordResetCodeFailed)
        };
        let (Some(user), Some(stored), true) = (&user, &stored, matched) else {
            let reason = if stored.is_some() {
                r#"{"reason":"wrong"}"#
            } else {
                r#"{"reason":"no_code"}"#
            };
            self.db.audit(&failed(reason)).await?;
            return Err(field(&keep, "code", CODE_NOT_RIGHT));
        };
        if claimed {
            self.db.refund_reset_try(user.id, &stored.code_hash).await?;
        } else {
            // The right code, but no longer live: say why.
            let (message, reason) = if stored.used_at.is_some() {
                (CODE_USED, r#"{"reason":"used"}"#)
            } else if stored.expires_at <= now {
                (CODE_EXPIRED, r#"{"reason":"expired"}"#)
            } else {
                (CODE_WORN_OUT, r#"{"reason":"too_many_wrong"}"#)
            };
            self.db.audit(&failed(reason)).await?;
            return Err(field(&keep, "code", message));
        }
        // The history, as Change Password has it. The code stays live for
        // another try.
        if reuses_recent(self.db, &permit, user.id, &user.password_hash, new).await? {
            return Err(field(&keep, "new", REUSED_PASSWORD));
        }
        let hash = permit.hash(new).await?;
        drop(permit);
        let write = ResetWrite {
            user_id: user.id,
            code_hash: &stored.code_hash,
            old_password_hash: &user.password_hash,
            new_password_hash: &hash,
            max_failures: CODE_MAX_FAILURES,
        };
        let done = self
            .db
            .reset_password_with_code(
                &write,
                &AuditEntry {
                    actor_id: Some(user.id),
                    ..entry(AuditAction::PasswordReset)
                },
            )
            .await?;
        if !done {
            // Another request with the same code got there first.
            return Err(field(&keep, "code", CODE_USED));
        }
        Ok(())
    }

    /// Forgot Your Username?: emails the login ID of every active staff
    /// user with this address to it. Answers the same for any well-formed
    /// address.
    pub async fn send_login_id(&self, email: &str, ip: Option<&str>) -> Result<(), AppError> {
        let typed = email.trim();
        let addr =
            Email::parse(typed).map_err(|e| field(&[("email", typed)], "email", e.to_string()))?;
        let now = now_ms();
        // An address is at most 254 characters, but the log keeps less.
        let shown = clip_for_audit(addr.as_str());
        let entry = |action| AuditEntry {
            object: Some(&shown),
            ip,
            ..AuditEntry::new(now, action)
        };
        self.claim(
            ip,
            Some((
                format!("username-email:{}", addr.as_str().to_lowercase()),
                USERNAMES_PER_EMAIL,
            )),
            &entry(AuditAction::UsernameThrottled),
        )
        .await?;
        let users = self.db.active_logins_by_email(addr.as_str()).await?;
        let Some(first) = users.first() else {
            self.db
                .audit(&entry(AuditAction::UsernameRequested))
                .await?;
            return Ok(());
        };
        let logins: Vec<&str> = users.iter().map(|u| u.login.as_str()).collect();
        let listed = logins.join(", ");
        self.db
            .audit(&AuditEntry {
                actor_id: Some(first.id),
                actor_login: Some(&first.login),
                after: Some(&listed),
                ..entry(AuditAction::UsernameSent)
            })
            .await?;
        let biller = &self.config.mail.biller_name;
        let lines: String = logins.iter().map(|l| format!("Login ID: {l}\n")).collect();
        mail_soon(
            self.mailer,
            &self.config.mail,
            first.email.clone(),
            format!("Your Paydesk login ID ({biller})"),
            format!(
                "Someone asked for the Paydesk login ID of this email address.\n\n\
                 {lines}\n\
                 Sign in with it, or use Forgot Your Password? if you need a new password.\n\
                 If you did not ask for this, you can ignore this email.\n"
            ),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_random_digits() {
        let a = new_code();
        assert_eq!(a.len(), CODE_DIGITS);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
        let distinct: std::collections::HashSet<String> = (0..50).map(|_| new_code()).collect();
        assert!(distinct.len() > 45, "codes repeat: {distinct:?}");
    }
}
