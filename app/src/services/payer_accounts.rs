//! Enrolled payers on the payer site (docs/payer-site.md): Register Now,
//! sign-in with its own cookie and sessions, the four-failure lockout,
//! Change Password, the payer's dashboard; and what the console manages
//! of an enrolled payer (Enrolled User Information: the email, Lock and
//! Unlock, Change Password's temporary password, the Activity log).
//!
//! The payer site never reads a staff session and the console never reads
//! a payer's: each kind of session opens only its own side.

use super::auth::{
    PASSWORD_MAX_CHARS, TEMPORARY_PASSWORD_MS, TOUCH_EVERY_MS, new_token, token_hash,
};
use super::clock;
use super::notices::{Mailer, send_mail_now};
use super::passwords::HashGate;
use super::payment_links::PaymentLinks;
use crate::config::Config;
use crate::db::audit::AuditEntry;
use crate::db::payer_accounts::{Activity, Enrolled, NewEnrollment, PayerRow};
use crate::db::{Db, DbError, now_ms};
use crate::domain::account::AccountStatus;
use crate::domain::audit_action::AuditAction;
use crate::domain::money::Money;
use crate::domain::payer_account::{
    ALERT_CHANNELS, ALERT_KINDS, ALERT_STATES, ActivityLine, AlertLine, EnrolledUser, LOCK_AFTER,
    LOCK_MINUTES, PayerAccount, PayerEvent, PayerHome, RegisterForm, SIGN_IN_FAILED,
    TemporaryPassword, USER_ID_MAX, check_new_password, check_register, label_of,
};
use crate::domain::payer_support::display_name;
use crate::domain::staff::StaffUser;
use crate::domain::time::Timestamp;
use crate::error::{AppError, FieldErrors};

const ALREADY_REGISTERED: &str =
    "This account is already registered. Sign in with its User ID, or call us for help.";

/// A staff Lock lasts until Unlock: a time no lockout reaches (9999-12-31).
pub const LOCKED_BY_STAFF: i64 = 253_402_300_799_000;
/// Activity lines (and Alerts) Enrolled User Information shows.
const ACTIVITY_SHOWN: i64 = 200;
/// Bills shown per account on the payer's dashboard.
const BILLS_SHOWN: i64 = 50;

/// A signed-in payer, as resolved for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerSession {
    pub payer_id: i64,
    pub user_id: String,
    /// A temporary password: only Change Password works until it is changed.
    pub must_change_password: bool,
}

pub struct PayerAccounts<'a> {
    pub db: &'a Db,
    pub config: &'a Config,
    pub gate: &'a HashGate,
    pub mailer: &'a Mailer,
    pub links: PaymentLinks<'a>,
}

/// When a lock set now by the fourth failure ends.
pub(crate) fn lock_until(now: i64) -> i64 {
    now + LOCK_MINUTES * 60_000
}

fn sign_in_failed(user_id: &str) -> AppError {
    let mut errs = FieldErrors::new().keep("user_id", user_id);
    errs.add("form", SIGN_IN_FAILED);
    AppError::Invalid(errs)
}

/// Where a payer's mail goes: their own email, or else the first of their
/// accounts' (an enrollment imported by the universal file has none).
pub(crate) async fn address_on_record(
    db: &Db,
    payer: &PayerRow,
) -> Result<Option<String>, DbError> {
    if let Some(e) = &payer.email {
        return Ok(Some(e.clone()));
    }
    Ok(db
        .accounts_for_user_id(&payer.user_id)
        .await?
        .into_iter()
        .find_map(|a| a.email))
}

fn no_such_payer(user_id: &str) -> AppError {
    AppError::NotFound(format!("No payer is enrolled with User ID {user_id}."))
}

impl PayerAccounts<'_> {
    /// Register Now. The account number and name are matched as One Time
    /// Payment matches them (the same count of tries and the same lock, so
    /// Register Now is no way around it); an account that already has an
    /// enrolled payer is not enrolled again. Only once the account matched
    /// is a taken User ID named: nobody learns which User IDs exist
    /// without first naming an account and the name on it. The payer is
    /// signed in (the session's token is returned), to save a payment
    /// method next or Skip to Login.
    pub async fn register(
        &self,
        form: &RegisterForm,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let keep_typed = |e: AppError| match e {
            AppError::Invalid(f) => AppError::Invalid(
                f.keep("email", &form.email)
                    .keep("user_id", &form.user_id)
                    .keep("question1", &form.question1)
                    .keep("question2", &form.question2),
            ),
            other => other,
        };
        self.links.throttle(ip).await?;
        let checked = check_register(form).map_err(AppError::Invalid)?;
        let account = self
            .links
            .match_identifiers(&checked.account, &checked.name, ip)
            .await
            .map_err(keep_typed)?;
        // Checked first to spare the hashing; decided in `enroll_payer`.
        if self.db.account_enrolled(account.id).await? {
            return Err(keep_typed(AppError::field("form", ALREADY_REGISTERED)));
        }
        let permit = self.gate.enter().await?;
        let password_hash = permit.hash(&checked.password).await?;
        let a1 = permit.hash(&checked.challenges[0].1).await?;
        let a2 = permit.hash(&checked.challenges[1].1).await?;
        drop(permit);
        let token = new_token();
        let session_hash = token_hash(&token);
        let new = NewEnrollment {
            user_id: checked.user_id.as_str(),
            email: &checked.email,
            password_hash: &password_hash,
            questions: [
                (checked.challenges[0].0.as_str(), a1.as_str()),
                (checked.challenges[1].0.as_str(), a2.as_str()),
            ],
            account_id: account.id,
            session_hash: &session_hash,
        };
        match self
            .db
            .enroll_payer(&new, &Activity::new(now_ms(), PayerEvent::Enrolled, ip))
            .await
        {
            Ok(Enrolled::Done(_)) => Ok(token),
            Ok(Enrolled::UserIdTaken) => Err(keep_typed(AppError::field(
                "user_id",
                "That User ID is taken. Choose another.",
            ))),
            // Two registrations of one account at once: the second finds
            // the account enrolled, and writes nothing.
            Ok(Enrolled::AccountTaken) => {
                Err(keep_typed(AppError::field("form", ALREADY_REGISTERED)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sign In. The one answer for every failure; four wrong passwords in
    /// a row lock the payer for 30 minutes. Each attempt is counted before
    /// the password is checked (one guarded statement), so attempts sent at
    /// once cannot outrun the count. Returns the session's token.
    pub async fn sign_in(
        &self,
        user_id: &str,
        password: &str,
        ip: Option<&str>,
    ) -> Result<(String, PayerSession), AppError> {
        self.links.throttle(ip).await?;
        let typed = user_id.trim();
        let mut errs = FieldErrors::new().keep("user_id", typed);
        if typed.is_empty() {
            errs.add("user_id", "Enter your User ID.");
        } else if typed.chars().count() > USER_ID_MAX {
            errs.add("user_id", "A User ID has at most 64 characters.");
        }
        if password.is_empty() {
            errs.add("password", "Enter your password.");
        } else if password.chars().count() > PASSWORD_MAX_CHARS {
            errs.add("password", "That password is too long.");
        }
        errs.into_result()?;
        let permit = self.gate.enter().await?;
        let Some(row) = self.db.payer_by_user_id(typed).await? else {
            permit.burn_time(password).await;
            return Err(sign_in_failed(typed));
        };
        let now = now_ms();
        let line = |event| Activity::new(now, event, ip);
        let claim = self
            .db
            .claim_payer_attempt(row.id, now, LOCK_AFTER, lock_until(now))
            .await?;
        // Checked whatever the claim said, so a locked payer (or one with no
        // password yet) takes as long to refuse as anyone.
        let password_ok = match &row.password_hash {
            Some(h) => permit.verify(password, h).await,
            None => {
                permit.burn_time(password).await;
                false
            }
        };
        drop(permit);
        let Some(claim) = claim else {
            self.db
                .payer_activity_line(row.id, &line(PayerEvent::SignInFailed))
                .await?;
            return Err(sign_in_failed(typed));
        };
        if !password_ok {
            self.db
                .payer_activity_line(row.id, &line(PayerEvent::SignInFailed))
                .await?;
            if claim.lock.is_some() {
                self.db
                    .payer_activity_line(row.id, &line(PayerEvent::LockedOut))
                    .await?;
            }
            return Err(sign_in_failed(typed));
        }
        if row.must_change_password
            && row.password_changed_at.is_some_and(|at| {
                Timestamp::from_millis(at)
                    .older_than(TEMPORARY_PASSWORD_MS, Timestamp::from_millis(now))
            })
        {
            self.db
                .payer_activity_line(row.id, &line(PayerEvent::SignInFailed))
                .await?;
            return Err(sign_in_failed(typed));
        }
        let token = new_token();
        if !self
            .db
            .open_payer_session(
                &token_hash(&token),
                row.id,
                claim,
                &line(PayerEvent::SignedIn),
            )
            .await?
        {
            return Err(sign_in_failed(typed));
        }
        Ok((
            token,
            PayerSession {
                payer_id: row.id,
                user_id: row.user_id,
                must_change_password: row.must_change_password,
            },
        ))
    }

    /// The payer behind a session cookie, ending a session that sat idle
    /// or outlived its lifetime (the staff's limits).
    pub async fn check_session(&self, token: &str) -> Result<Option<PayerSession>, DbError> {
        let hash = token_hash(token);
        let Some(row) = self.db.payer_session(&hash).await? else {
            return Ok(None);
        };
        let now = now_ms();
        if row.last_seen_at < now - self.config.session_idle_ms()
            || row.created_at < now - self.config.session_max_ms()
        {
            self.db.end_payer_session(&hash, None).await?;
            return Ok(None);
        }
        if row.last_seen_at < now - TOUCH_EVERY_MS {
            self.db.touch_payer_session(&hash, now).await?;
        }
        Ok(Some(PayerSession {
            payer_id: row.payer_id,
            user_id: row.user_id,
            must_change_password: row.must_change_password,
        }))
    }

    pub async fn sign_out(&self, token: &str, ip: Option<&str>) -> Result<(), AppError> {
        self.db
            .end_payer_session(
                &token_hash(token),
                Some(&Activity::new(now_ms(), PayerEvent::SignedOut, ip)),
            )
            .await?;
        Ok(())
    }

    /// The payer's own Change Password (required after a temporary one).
    /// A wrong current password counts toward the lockout like a failed
    /// sign-in; the attempt that locks ends every session. Returns the new
    /// session's token: every other session ends.
    pub async fn change_password(
        &self,
        session: &PayerSession,
        current: &str,
        new: &str,
        confirm: &str,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let mut errs = FieldErrors::new();
        super::auth::check_current(current, &mut errs);
        check_new_password(&session.user_id, new, confirm, &mut errs, "new");
        if current == new && !new.is_empty() {
            errs.add("new", "Choose a password different from the current one.");
        }
        errs.into_result()?;
        let row = self.verify_current(session, current, ip).await?;
        let permit = self.gate.enter().await?;
        let hash = permit.hash(new).await?;
        drop(permit);
        let token = new_token();
        if !self
            .db
            .set_payer_password(
                row.id,
                row.password_hash.as_deref(),
                &hash,
                false,
                Some(&token_hash(&token)),
                &Activity::new(now_ms(), PayerEvent::PasswordChanged, ip),
                None,
            )
            .await?
        {
            return Err(AppError::Conflict(
                "Your password was just changed in another window. Sign in again.".into(),
            ));
        }
        Ok(token)
    }

    /// The signed-in payer's current password, asked again before a
    /// change to their sign-in (password, email, challenge questions). A
    /// wrong one counts toward the lockout like a failed sign-in; the
    /// attempt that locks ends every session.
    pub(crate) async fn verify_current(
        &self,
        session: &PayerSession,
        current: &str,
        ip: Option<&str>,
    ) -> Result<PayerRow, AppError> {
        let row = self.payer(&session.user_id).await?;
        let now = now_ms();
        let claim = self
            .db
            .claim_payer_attempt(row.id, now, LOCK_AFTER, lock_until(now))
            .await?;
        let permit = self.gate.enter().await?;
        let current_ok = match &row.password_hash {
            Some(h) => permit.verify(current, h).await,
            None => false,
        };
        drop(permit);
        let locked_out = || async {
            self.db
                .end_payer_sessions(row.id, &Activity::new(now, PayerEvent::LockedOut, ip))
                .await?;
            Err::<PayerRow, AppError>(AppError::Unauthenticated)
        };
        match claim {
            // A right password ends the run of failures, unless a lock was
            // set meanwhile by other attempts.
            Some(c) if current_ok => {
                if !self.db.clear_payer_attempts(row.id, c, now).await? {
                    return locked_out().await;
                }
                Ok(row)
            }
            Some(c) if c.lock.is_none() => {
                self.db
                    .payer_activity_line(row.id, &Activity::new(now, PayerEvent::SignInFailed, ip))
                    .await?;
                Err(AppError::field(
                    "current",
                    "That is not your current password.",
                ))
            }
            // This attempt locked the payer, or they already were.
            _ => locked_out().await,
        }
    }

    pub(crate) async fn payer(&self, user_id: &str) -> Result<PayerRow, AppError> {
        self.db
            .payer_by_user_id(user_id.trim())
            .await?
            .ok_or_else(|| no_such_payer(user_id.trim()))
    }

    /// The payer as a staff user reaches them: one who pays no account of
    /// the user's divisions is answered as one who doesn't exist.
    async fn staff_payer(&self, staff: &StaffUser, user_id: &str) -> Result<PayerRow, AppError> {
        if !super::divisions::reaches_payer(self.db, &staff.divisions, user_id).await? {
            return Err(no_such_payer(user_id.trim()));
        }
        self.payer(user_id).await
    }

    /// The payer's dashboard: their accounts, balances and active bills.
    pub async fn home(&self, session: &PayerSession) -> Result<PayerHome, AppError> {
        let rows = self.db.accounts_for_user_id(&session.user_id).await?;
        let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
        let bills = self
            .db
            .active_bills_for_accounts(&ids, BILLS_SHOWN * ids.len().max(1) as i64)
            .await?
            .into_iter()
            .map(super::bills::summary)
            .collect::<Result<Vec<_>, _>>()?;
        let accounts = rows
            .into_iter()
            .map(|a| PayerAccount {
                name: display_name(
                    a.first_name.as_deref(),
                    a.last_name.as_deref(),
                    a.company_name.as_deref(),
                ),
                balance: Money::from_cents(a.balance_cents),
                active: a.status == AccountStatus::Active.code(),
                bills: bills
                    .iter()
                    .filter(|b| b.account_number == a.account_number)
                    .take(BILLS_SHOWN as usize)
                    .cloned()
                    .collect(),
                number: a.account_number,
            })
            .collect();
        Ok(PayerHome {
            user_id: session.user_id.clone(),
            accounts,
        })
    }

    /// Pay Now on one of the payer's own accounts: the payment page of a
    /// link of the site's own (as One Time Payment opens), with nothing to
    /// type. Another payer's account is "not found", like any other.
    pub async fn pay_now(
        &self,
        session: &PayerSession,
        account_number: &str,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let rows = self.db.accounts_for_user_id(&session.user_id).await?;
        let a = rows
            .into_iter()
            .find(|a| a.account_number == account_number.trim())
            .ok_or_else(|| AppError::NotFound("There is no such account.".into()))?;
        if a.status != AccountStatus::Active.code() {
            return Err(super::payments::inactive());
        }
        self.links.open_for_payer(a.id, &a.account_number, ip).await
    }

    /// Enrolled User Information (console): the payer's sign-in, email and
    /// Activity log.
    pub async fn enrolled_user(
        &self,
        staff: &StaffUser,
        user_id: &str,
    ) -> Result<EnrolledUser, AppError> {
        let row = self.staff_payer(staff, user_id).await?;
        let tz = &self.config.timezone;
        let now = now_ms();
        let locked_until = row.locked_until.filter(|&t| t > now);
        let activity = self
            .db
            .payer_activity(row.id, ACTIVITY_SHOWN)
            .await?
            .into_iter()
            .map(|a| ActivityLine {
                at: clock::display(a.at, tz),
                event: PayerEvent::from_code(&a.event)
                    .map_or_else(|| a.event.clone(), |e| e.label().to_string()),
                detail: {
                    let who = match (a.staff_login, a.ip) {
                        (Some(login), _) => format!("by {login}"),
                        (None, Some(ip)) => format!("from {ip}"),
                        (None, None) => String::new(),
                    };
                    match a.note {
                        Some(note) if who.is_empty() => note,
                        Some(note) => format!("{note}, {who}"),
                        None => who,
                    }
                },
            })
            .collect();
        let alerts = self
            .db
            .payer_alerts(row.id, ACTIVITY_SHOWN)
            .await?
            .into_iter()
            .map(|a| AlertLine {
                at: clock::display(a.at, tz),
                kind: label_of(ALERT_KINDS, &a.kind),
                channel: label_of(ALERT_CHANNELS, &a.channel),
                address: a.address,
                status: label_of(ALERT_STATES, &a.status),
            })
            .collect();
        Ok(EnrolledUser {
            alerts,
            user_id: row.user_id,
            email: row.email,
            enrolled_on: clock::display(row.created_at, tz),
            locked: locked_until.is_some(),
            locked_note: locked_until.map(|t| {
                if t >= LOCKED_BY_STAFF {
                    "until unlocked".to_string()
                } else {
                    format!("until {}", clock::display(t, tz))
                }
            }),
            has_password: row.password_hash.is_some(),
            must_change_password: row.must_change_password,
            activity,
        })
    }

    /// The Unlock/Lock toggle: Lock holds until Unlock (and ends the
    /// payer's sessions); Unlock also ends a lockout by failed sign-ins.
    pub async fn set_locked(
        &self,
        staff: &StaffUser,
        user_id: &str,
        locked: bool,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let row = self.staff_payer(staff, user_id).await?;
        let now = now_ms();
        let (event, action) = if locked {
            (PayerEvent::Locked, AuditAction::PayerLocked)
        } else {
            (PayerEvent::Unlocked, AuditAction::PayerUnlocked)
        };
        self.db
            .set_payer_lock(
                row.id,
                locked.then_some(LOCKED_BY_STAFF),
                &Activity {
                    staff_id: Some(staff.id),
                    ..Activity::new(now, event, ip)
                },
                &AuditEntry::by_staff(staff, action, &row.user_id, ip),
            )
            .await?;
        Ok(())
    }

    /// The email on record, from Enrolled User Information's pop-up.
    pub async fn set_email(
        &self,
        staff: &StaffUser,
        user_id: &str,
        email: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let row = self.staff_payer(staff, user_id).await?;
        let email = crate::domain::email::Email::parse(email.trim()).map_err(|e| {
            let mut f = FieldErrors::new().keep("email", email);
            f.add("email", e.to_string());
            AppError::Invalid(f)
        })?;
        let before = row.email.clone().unwrap_or_default();
        self.db
            .set_payer_email(
                row.id,
                email.as_str(),
                &Activity {
                    staff_id: Some(staff.id),
                    ..Activity::new(now_ms(), PayerEvent::EmailChanged, ip)
                },
                &AuditEntry {
                    before: Some(&before),
                    after: Some(email.as_str()),
                    ..AuditEntry::by_staff(staff, AuditAction::PayerEmailChanged, &row.user_id, ip)
                },
            )
            .await?;
        Ok(())
    }

    /// Change Password (console): a temporary password, emailed to the
    /// address on record and returned to be shown for a few seconds. The
    /// payer must change it at the next sign-in; it stops working after
    /// 24 hours (as staff's). Ends the payer's sessions. Also how an
    /// enrollment imported without a password gets its first one.
    pub async fn reset_password(
        &self,
        staff: &StaffUser,
        user_id: &str,
        ip: Option<&str>,
    ) -> Result<TemporaryPassword, AppError> {
        let row = self.staff_payer(staff, user_id).await?;
        let to = address_on_record(self.db, &row).await?;
        let temporary = super::user_admin::new_temporary_password();
        let hash = super::auth::hash_blocking(&temporary).await?;
        let now = now_ms();
        if !self
            .db
            .set_payer_password(
                row.id,
                row.password_hash.as_deref(),
                &hash,
                true,
                None,
                &Activity {
                    staff_id: Some(staff.id),
                    ..Activity::new(now, PayerEvent::PasswordReset, ip)
                },
                Some(&AuditEntry::by_staff(
                    staff,
                    AuditAction::PayerPasswordReset,
                    &row.user_id,
                    ip,
                )),
            )
            .await?
        {
            return Err(AppError::Conflict(
                "The payer's password changed just now. Try again.".into(),
            ));
        }
        let emailed = match &to {
            Some(address) => {
                let biller = &self.config.mail.biller_name;
                let sent = send_mail_now(
                    self.mailer,
                    &self.config.mail,
                    address,
                    format!("Your {biller} temporary password"),
                    format!(
                        "A temporary password was set for User ID {user}:\n\n{temporary}\n\n\
                         Sign in at {site}{path} within 24 hours; you will be asked to choose a new password.\n\
                         If you did not ask for this, call us.\n",
                        user = row.user_id,
                        site = self.config.public_url,
                        path = crate::routes::PAYER_SIGN_IN,
                    ),
                )
                .await;
                match sent {
                    Ok(()) => Some(address.clone()),
                    Err(error) => {
                        tracing::error!(payer = row.id, error = %error, "temporary password not emailed");
                        None
                    }
                }
            }
            None => None,
        };
        Ok(TemporaryPassword {
            password: temporary,
            emailed_to: emailed,
        })
    }
}
