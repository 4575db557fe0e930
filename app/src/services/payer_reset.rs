//! The payer site's Forgot Password: the User ID, then a link emailed to
//! the address on record (the payer's, else their account's), then, on
//! the link's page, the two challenge answers and a new password. The
//! link works once, for `RESET_MINUTES`; only its SHA-256 is stored. The
//! first answer is the same whether or not the User ID exists, and the
//! lookup and the mail happen after it, so its time says nothing either.
//! Wrong answers count toward the sign-in lockout. An enrollment imported
//! without a password (and so without questions) gets its first password
//! this way, through the email on its account.

use super::auth::{PASSWORD_MAX_CHARS, new_token, token_hash};
use super::notices::Mailer;
use super::payer_accounts::{LOCKED_BY_STAFF, PayerAccounts};
use crate::config::MailConfig;
use crate::db::payer_accounts::Activity;
use crate::db::{Db, now_ms};
use crate::domain::payer_account::{
    LOCK_AFTER, PayerEvent, ResetForm, ResetPage, USER_ID_MAX, check_new_password,
};
use crate::error::{AppError, FieldErrors};

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 30;
/// A new link is made at most this often per payer.
pub const RESEND_AFTER_MINUTES: i64 = 5;

fn not_a_reset() -> AppError {
    AppError::NotFound(
        "This link has expired or was already used. Ask for a new one from Forgot Password.".into(),
    )
}

/// Makes the link and mails it, if `user_id` is an enrolled payer with an
/// address on record; runs after the request has been answered.
async fn send_reset(
    db: &Db,
    mailer: &Mailer,
    mail: &MailConfig,
    public_url: &str,
    user_id: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let Some(payer) = db.payer_by_user_id(user_id).await? else {
        return Ok(());
    };
    let Some(to) = super::payer_accounts::address_on_record(db, &payer).await? else {
        return Ok(());
    };
    let now = now_ms();
    // One link per few minutes: more requests (from anywhere) neither flood
    // the payer's mailbox nor keep replacing the link they were just sent.
    if db
        .payer_reset_expiry(payer.id)
        .await?
        .is_some_and(|until| until > now + (RESET_MINUTES - RESEND_AFTER_MINUTES) * 60_000)
    {
        return Ok(());
    }
    let token = new_token();
    db.set_payer_reset(
        payer.id,
        &token_hash(&token),
        now + RESET_MINUTES * 60_000,
        &Activity::new(now, PayerEvent::ResetRequested, ip),
    )
    .await?;
    let biller = &mail.biller_name;
    super::notices::send_mail_now(
        mailer,
        mail,
        &to,
        format!("Reset your {biller} password"),
        format!(
            "Someone asked to reset the password for User ID {user}.\n\n\
             {public_url}{path}\n\n\
             The link works once, for {RESET_MINUTES} minutes.\n\
             If you did not ask for this, ignore this email: your password has not changed.\n",
            user = payer.user_id,
            path = crate::routes::payer_reset_link(&token),
        ),
    )
    .await
    .map_err(|e| {
        tracing::warn!(error = %e, "payer reset link not sent");
        AppError::Internal(super::incident_id())
    })
}

impl PayerAccounts<'_> {
    /// Forgot Password, step 1: always the same answer.
    pub async fn forgot(&self, user_id: &str, ip: Option<&str>) -> Result<(), AppError> {
        self.links.throttle(ip).await?;
        let typed = user_id.trim().to_string();
        if typed.is_empty() || typed.chars().count() > USER_ID_MAX {
            let mut f = FieldErrors::new().keep("user_id", &typed);
            f.add("user_id", "Enter your User ID (at most 64 characters).");
            return Err(AppError::Invalid(f));
        }
        let (db, mailer, mail) = (
            self.db.clone(),
            self.mailer.clone(),
            self.config.mail.clone(),
        );
        let public_url = self.config.public_url.clone();
        let ip = ip.map(str::to_string);
        tokio::spawn(async move {
            if let Err(e) =
                send_reset(&db, &mailer, &mail, &public_url, &typed, ip.as_deref()).await
            {
                tracing::warn!(error = %e, "Forgot Password could not be completed");
            }
        });
        Ok(())
    }

    /// The reset link's page: the payer's challenge questions (none for an
    /// enrollment imported without them).
    pub async fn reset_page(&self, token: &str, ip: Option<&str>) -> Result<ResetPage, AppError> {
        self.links.throttle(ip).await?;
        let row = self
            .db
            .payer_by_reset(&token_hash(token.trim()), now_ms())
            .await?
            .ok_or_else(not_a_reset)?;
        Ok(ResetPage {
            user_id: row.user_id,
            questions: [row.question1, row.question2]
                .into_iter()
                .flatten()
                .collect(),
        })
    }

    /// Forgot Password, last step: the answers (case-sensitive) and the
    /// new password. Wrong answers count as failed sign-ins.
    pub async fn reset(&self, form: &ResetForm, ip: Option<&str>) -> Result<(), AppError> {
        self.links.throttle(ip).await?;
        let hash = token_hash(form.token.trim());
        let now = now_ms();
        let row = self
            .db
            .payer_by_reset(&hash, now)
            .await?
            .ok_or_else(not_a_reset)?;
        let mut errs = FieldErrors::new();
        check_new_password(&row.user_id, &form.new, &form.confirm, &mut errs, "new");
        let asked = [
            (
                row.answer1_hash.as_deref(),
                form.answer1.as_str(),
                "answer1",
            ),
            (
                row.answer2_hash.as_deref(),
                form.answer2.as_str(),
                "answer2",
            ),
        ];
        for (stored, typed, field) in asked {
            if stored.is_some() && (typed.is_empty() || typed.chars().count() > PASSWORD_MAX_CHARS)
            {
                errs.add(
                    field,
                    "Enter the answer you chose (answers are case-sensitive).",
                );
            }
        }
        errs.into_result()?;
        let locked = || {
            AppError::field(
                "form",
                "For your security, your account is locked for 30 minutes after 4 failed attempts. Try again later.",
            )
        };
        let permit = self.gate.enter().await?;
        if row.locked_until.is_some_and(|t| t > now) {
            return Err(locked());
        }
        if asked.iter().any(|(stored, ..)| stored.is_some()) {
            let claim = self
                .db
                .claim_payer_attempt(
                    row.id,
                    now,
                    LOCK_AFTER,
                    super::payer_accounts::lock_until(now),
                )
                .await?;
            let mut right = true;
            for (stored, typed, _) in asked {
                if let Some(h) = stored {
                    right &= permit.verify(typed.trim(), h).await;
                }
            }
            match claim {
                Some(c) if right => {
                    if !self.db.clear_payer_attempts(row.id, c, now).await? {
                        return Err(locked());
                    }
                }
                Some(c) => {
                    let line = |e| Activity::new(now, e, ip);
                    self.db
                        .payer_activity_line(row.id, &line(PayerEvent::SignInFailed))
                        .await?;
                    if c.lock.is_some() {
                        self.db
                            .payer_activity_line(row.id, &line(PayerEvent::LockedOut))
                            .await?;
                    }
                    return Err(AppError::field(
                        "answer1",
                        "Those answers are not the ones you chose. After 4 failed attempts in a row, \
                         your account is locked for 30 minutes.",
                    ));
                }
                None => return Err(locked()),
            }
        }
        let new_hash = permit.hash(&form.new).await?;
        drop(permit);
        if !self
            .db
            .finish_payer_reset(
                row.id,
                &hash,
                &new_hash,
                LOCKED_BY_STAFF,
                &Activity::new(now_ms(), PayerEvent::PasswordChanged, ip),
            )
            .await?
        {
            return Err(not_a_reset());
        }
        Ok(())
    }
}
