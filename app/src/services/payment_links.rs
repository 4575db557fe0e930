//! One-time payment links (docs/payment-links.md). A CSR sends one from
//! Accounts Found to a payer who never enrolled; the payer opens it on the
//! payer site and pays that account without typing any identifier.
//!
//! A link is signed (HMAC-SHA256 under a key derived for links), carries a
//! random secret stored only as its SHA-256, expires after
//! `PAYDESK_PAYMENT_LINK_HOURS`, and pays once: the payment claims the link
//! in its own transaction (`Db::insert_link_payment`). Sent, opened, paid
//! and revoked are audited. The payer site's calls are rate-limited per
//! address, in the database, so the limit holds across servers.

use super::auth::{throttle_key, token_hash, window_start};
use super::clock;
use super::keyring::{Keyring, PURPOSE_PAYMENT_LINK};
use super::notices::{Mailer, send_mail_now};
use super::payments::{Payments, Submitted, Taker, account, inactive, link_spent};
use super::texts::TextSender;
use crate::config::Config;
use crate::db::audit::AuditEntry;
use crate::db::payment_links::{LinkRow, NewLink};
use crate::db::{Db, now_ms};
use crate::domain::account::AccountStatus;
use crate::domain::audit_action::AuditAction;
use crate::domain::money::Money;
use crate::domain::payer_support::display_name;
use crate::domain::payment::{PaymentForm, Reference};
use crate::domain::payment_link::{
    LinkChannel, LinkPage, LinkReceipt, LinkState, LinkToken, LinkView, ONE_TIME_FAILURES,
    ONE_TIME_LOCK_MINUTES, ONE_TIME_MINUTES, OneTimeForm, SECRET_LEN, SendLinkForm, TAG_LEN,
    check_one_time, check_send_form, identifier_matches,
};
use crate::domain::payment_view::ReviewView;
use crate::domain::staff::StaffUser;
use crate::error::AppError;
use rand::RngCore;

/// The links the account page lists.
const LINKS_SHOWN: i64 = 20;
/// The payer site's rate window.
const RATE_WINDOW_MS: i64 = 60_000;

pub struct PaymentLinks<'a> {
    pub db: &'a Db,
    pub config: &'a Config,
    pub keys: &'a Keyring,
    pub mailer: &'a Mailer,
    pub texts: &'a TextSender,
    pub payments: Payments<'a>,
}

/// What Send Link did, for the CSR's message.
#[derive(Debug, Clone)]
pub struct LinkSent {
    pub id: i64,
    pub channel: LinkChannel,
    pub address: String,
}

/// What is stored of a link's secret: its SHA-256, as for session tokens.
fn secret_hash(secret: &[u8]) -> String {
    token_hash(&hex::encode(secret))
}

/// Any token that is not a live link's: one answer, whatever was wrong,
/// so a guess learns nothing about which links exist.
fn not_a_link() -> AppError {
    AppError::NotFound(
        "This payment link is not valid. Check that the whole link was copied, or ask for a new one."
            .into(),
    )
}

impl PaymentLinks<'_> {
    /// The biller's name as its Profile says.
    async fn biller_name(&self) -> Result<String, AppError> {
        Ok(super::biller_profile::current(self.db, self.config)
            .await?
            .biller_name)
    }

    fn sign(&self, id: i64, secret: &[u8; SECRET_LEN]) -> Result<[u8; TAG_LEN], AppError> {
        let mac = self
            .keys
            .mac(PURPOSE_PAYMENT_LINK, &LinkToken::signed_text(id, secret))
            .ok_or_else(|| AppError::Internal(super::incident_id()))?;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&mac[..TAG_LEN]);
        Ok(tag)
    }

    /// The payer's address for a link.
    pub fn url(&self, token: &LinkToken) -> String {
        format!(
            "{}{}",
            self.config.public_url,
            crate::routes::payer_link(&token.to_string())
        )
    }

    /// Stores a new link with a fresh secret (only its hash is kept) and
    /// its audit row; returns the signed token.
    async fn issue(
        &self,
        link: &NewLink<'_>,
        audit: &AuditEntry<'_>,
    ) -> Result<LinkToken, AppError> {
        let mut secret = [0u8; SECRET_LEN];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let id = self
            .db
            .insert_payment_link(link, &secret_hash(&secret), audit)
            .await?;
        Ok(LinkToken {
            id,
            secret,
            tag: self.sign(id, &secret)?,
        })
    }

    /// One Time Payment (payer site): the account number and the last or
    /// business name. A match opens that account's payment page for
    /// `ONE_TIME_MINUTES` (a link of the site's own, paid like any link)
    /// and returns its token. Every try counts against the account number
    /// typed until one matches, and `ONE_TIME_FAILURES` misses in a row
    /// lock it for `ONE_TIME_LOCK_MINUTES`; the answers are the same
    /// whether or not the account exists.
    pub async fn one_time(&self, form: &OneTimeForm, ip: Option<&str>) -> Result<String, AppError> {
        self.throttle(ip).await?;
        let key = check_one_time(form).map_err(AppError::Invalid)?;
        let a = self.match_identifiers(&key, &form.name, ip).await?;
        self.open_for_payer(a.id, &a.account_number, ip).await
    }

    /// The account whose number is `key` and whose last or business name
    /// is `name`, if it is active: One Time Payment's match, also Register
    /// Now's. Every try counts against the account number typed until one
    /// matches, and `ONE_TIME_FAILURES` misses in a row lock it for
    /// `ONE_TIME_LOCK_MINUTES`; the answers (field errors on `account` and
    /// `name`, a message on `form`) are the same whether or not the
    /// account exists.
    pub(crate) async fn match_identifiers(
        &self,
        key: &str,
        name: &str,
        ip: Option<&str>,
    ) -> Result<crate::db::accounts::AccountRow, AppError> {
        let now = now_ms();
        let kept = |message: &str| {
            let mut f = crate::error::FieldErrors::new()
                .keep("account", key)
                .keep("name", name);
            f.add("form", message);
            AppError::Invalid(f)
        };
        let locked = || {
            kept(&format!(
                "For your security, this account is locked for {ONE_TIME_LOCK_MINUTES} minutes \
                 after {ONE_TIME_FAILURES} tries that did not match. Try again later, or call us to unlock it."
            ))
        };
        // Counted before it is matched, so tries sent at once cannot
        // outrun the count: past the limit, nothing is matched.
        let (tries, lock) = self.db.one_time_try(key, now).await?;
        if lock.is_some_and(|until| until > now) || tries > ONE_TIME_FAILURES {
            return Err(locked());
        }
        let account = self.db.account_by_number(key).await?;
        let matched = account.as_ref().is_some_and(|a| {
            a.status == AccountStatus::Active.code()
                && identifier_matches(name, a.last_name.as_deref(), a.company_name.as_deref())
        });
        let (true, Some(a)) = (matched, account.as_ref()) else {
            if tries == ONE_TIME_FAILURES {
                let until = now + ONE_TIME_LOCK_MINUTES * 60_000;
                let after = format!("until {}", clock::display(until, &self.config.timezone));
                let audit = account.as_ref().map(|a| AuditEntry {
                    actor_login: Some("payer"),
                    object: Some(&a.account_number),
                    after: Some(&after),
                    ip,
                    account: Some(a.id),
                    ..AuditEntry::new(now, AuditAction::OneTimeLocked)
                });
                self.db.lock_one_time(key, until, audit.as_ref()).await?;
                return Err(locked());
            }
            return Err(kept(
                "We could not find an account with that number and name. Check both as they appear on your bill.",
            ));
        };
        self.db.clear_one_time(key).await?;
        Ok(a.clone())
    }

    /// The payer site's own payment page for an account (One Time Payment
    /// after a match, a signed-in payer's Pay Now): a link of channel
    /// `web` that works for `ONE_TIME_MINUTES`. Returns its token.
    pub(crate) async fn open_for_payer(
        &self,
        account_id: i64,
        account_number: &str,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let now = now_ms();
        let token = self
            .issue(
                &NewLink {
                    account_id,
                    channel: LinkChannel::Web.code(),
                    address: "",
                    created_by: None,
                    created_at: now,
                    expires_at: now + ONE_TIME_MINUTES * 60_000,
                },
                &AuditEntry {
                    actor_login: Some("payer"),
                    object: Some(account_number),
                    ip,
                    account: Some(account_id),
                    ..AuditEntry::new(now, AuditAction::OneTimeStarted)
                },
            )
            .await?;
        Ok(token.to_string())
    }

    /// Unlock Account (Accounts Found): ends One Time Payment's lock on an account.
    pub async fn unlock_one_time(
        &self,
        staff: &StaffUser,
        account_number: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let a = account(self.db, &staff.divisions, account_number).await?;
        let key = account_number.trim();
        let unlocked = self
            .db
            .unlock_one_time(
                key,
                &AuditEntry {
                    actor_id: Some(staff.id),
                    actor_login: Some(&staff.login),
                    object: Some(key),
                    ip,
                    account: Some(a.id),
                    ..AuditEntry::new(now_ms(), AuditAction::OneTimeUnlocked)
                },
            )
            .await?;
        if !unlocked {
            return Err(AppError::Conflict(format!(
                "One Time Payment for account {key} is not locked."
            )));
        }
        Ok(())
    }

    /// Send Link: checks the form, stores the link and sends it now. If
    /// sending fails the link is revoked at once and the CSR is told, so
    /// no link exists that the payer never got.
    pub async fn send(
        &self,
        staff: &StaffUser,
        form: &SendLinkForm,
        ip: Option<&str>,
    ) -> Result<LinkSent, AppError> {
        let a = account(self.db, &staff.divisions, &form.account).await?;
        if a.status != AccountStatus::Active.code() {
            return Err(inactive());
        }
        let to = check_send_form(form).map_err(AppError::Invalid)?;
        let now = now_ms();
        let expires_at = now + self.config.payment_link_hours * 3_600_000;
        let after = format!(
            "{} {}, expires {}",
            to.channel.code(),
            to.address,
            clock::display(expires_at, &self.config.timezone)
        );
        let token = self
            .issue(
                &NewLink {
                    account_id: a.id,
                    channel: to.channel.code(),
                    address: &to.address,
                    created_by: Some(staff.id),
                    created_at: now,
                    expires_at,
                },
                &AuditEntry {
                    actor_id: Some(staff.id),
                    actor_login: Some(&staff.login),
                    object: Some(&a.account_number),
                    after: Some(&after),
                    ip,
                    account: Some(a.id),
                    ..AuditEntry::new(now, AuditAction::PaymentLinkSent)
                },
            )
            .await?;
        let id = token.id;
        let url = self.url(&token);
        let biller = &self.biller_name().await?;
        let expires = clock::display(expires_at, &self.config.timezone);
        let sent = match to.channel {
            LinkChannel::Email => {
                send_mail_now(
                    self.mailer,
                    &self.config.mail,
                    &to.address,
                    format!("Pay your {biller} bill online"),
                    format!(
                        "{biller} sent you a link to pay account {account} online.\n\n\
                         {url}\n\n\
                         The link works once, until {expires}. It needs no sign-in: keep it to yourself.\n\
                         If you did not ask for it, you can ignore this message.\n",
                        account = a.account_number,
                    ),
                )
                .await
            }
            LinkChannel::Text => {
                self.texts
                    .send(
                        &to.address,
                        &format!("{biller}: pay account {} online until {expires}: {url}", a.account_number),
                    )
                    .await
            }
            // check_send_form refuses it: the site's own links are never sent.
            LinkChannel::Web => Err("One Time Payment's pages are not sent".to_string()),
        };
        if let Err(error) = sent {
            let incident = super::incident_id();
            tracing::error!(incident = %incident, link = id, error = %error, "payment link not sent");
            let note = format!("not sent (incident {incident})");
            self.db
                .revoke_payment_link(
                    id,
                    None,
                    &AuditEntry {
                        object: Some(&a.account_number),
                        after: Some(&note),
                        account: Some(a.id),
                        ..AuditEntry::new(now_ms(), AuditAction::PaymentLinkRevoked)
                    },
                )
                .await?;
            return Err(AppError::Conflict(format!(
                "The link could not be sent (incident {incident}), so it was cancelled. Check the address and try again."
            )));
        }
        Ok(LinkSent {
            id,
            channel: to.channel,
            address: to.address,
        })
    }

    /// The account page's list of links, newest first.
    pub async fn for_account(
        &self,
        staff: &StaffUser,
        account_number: &str,
    ) -> Result<Vec<LinkView>, AppError> {
        let a = account(self.db, &staff.divisions, account_number).await?;
        let now = now_ms();
        let tz = &self.config.timezone;
        self.db
            .payment_links_for_account(a.id, LINKS_SHOWN)
            .await?
            .into_iter()
            .map(|l| {
                Ok(LinkView {
                    id: l.id,
                    channel: LinkChannel::decode(&l.channel)?,
                    state: state_of(&l, now),
                    sent_at: clock::display(l.created_at, tz),
                    expires_at: clock::display(l.expires_at, tz),
                    reference: paid_reference(&l),
                    address: l.address,
                    sent_by: l.sent_by,
                })
            })
            .collect()
    }

    /// Revoke, from the account page: a link no payment holds stops working.
    pub async fn revoke(
        &self,
        staff: &StaffUser,
        account_number: &str,
        id: i64,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        account(self.db, &staff.divisions, account_number).await?;
        let link = self
            .db
            .payment_link(id)
            .await?
            .filter(|l| l.account_number == account_number.trim())
            .ok_or_else(|| AppError::NotFound("That payment link is not this account's.".into()))?;
        let revoked = self
            .db
            .revoke_payment_link(
                link.id,
                Some(staff.id),
                &AuditEntry {
                    actor_id: Some(staff.id),
                    actor_login: Some(&staff.login),
                    object: Some(&link.account_number),
                    after: Some(&format!("link {}", link.id)),
                    ip,
                    account: Some(link.account_id),
                    ..AuditEntry::new(now_ms(), AuditAction::PaymentLinkRevoked)
                },
            )
            .await?;
        if !revoked {
            return Err(AppError::Conflict(
                "That link was already used to pay, or already revoked.".into(),
            ));
        }
        Ok(())
    }

    /// Counts one call of the payer site from `ip`; past the limit, 429.
    /// The payer site's rate limit per address (in the database, so it
    /// holds across servers).
    pub(crate) async fn throttle(&self, ip: Option<&str>) -> Result<(), AppError> {
        let now = now_ms();
        let bucket = format!("link:{}", throttle_key(ip.unwrap_or("unknown")));
        let n = self
            .db
            .claim_self_service(&bucket, window_start(now, RATE_WINDOW_MS))
            .await?;
        if n > self.config.payer_rate_per_minute {
            return Err(AppError::RateLimited);
        }
        Ok(())
    }

    /// The link a token names, if the token is one the server signed and
    /// its secret matches the stored hash.
    async fn find(&self, token: &str) -> Result<LinkRow, AppError> {
        let t = LinkToken::parse(token.trim()).ok_or_else(not_a_link)?;
        let signed = LinkToken::signed_text(t.id, &t.secret);
        if !self.keys.verify_mac(PURPOSE_PAYMENT_LINK, &signed, &t.tag) {
            return Err(not_a_link());
        }
        // Only a token the server signed gets this far; the stored hash
        // ties it to the one row (a copy of the database signs nothing).
        let row = self.db.payment_link(t.id).await?.ok_or_else(not_a_link)?;
        if secret_hash(&t.secret) != row.secret_hash {
            return Err(not_a_link());
        }
        Ok(row)
    }

    /// A live link, or why it is not: the payer page's answer to Confirm and Pay.
    async fn usable(&self, token: &str) -> Result<LinkRow, AppError> {
        let row = self.find(token).await?;
        if !state_of(&row, now_ms()).usable() {
            return Err(link_spent());
        }
        Ok(row)
    }

    /// The payer page: the account and what the link can still do. The
    /// first opening of a live link is noted and audited.
    pub async fn page(&self, token: &str, ip: Option<&str>) -> Result<LinkPage, AppError> {
        self.throttle(ip).await?;
        let row = self.find(token).await?;
        let now = now_ms();
        let mut state = state_of(&row, now);
        if state.usable() && row.opened_at.is_none() {
            state = LinkState::Opened;
            self.db
                .mark_link_opened(
                    row.id,
                    &AuditEntry {
                        actor_login: Some(&format!("payment link {}", row.id)),
                        object: Some(&row.account_number),
                        ip,
                        account: Some(row.account_id),
                        ..AuditEntry::new(now, AuditAction::PaymentLinkOpened)
                    },
                )
                .await?;
        }
        let mut page = LinkPage {
            biller: self.biller_name().await?,
            state,
            one_time: row.channel == LinkChannel::Web.code(),
            name: String::new(),
            balance: Money::from_cents(0),
            email: None,
            max_payment: self.config.max_payment,
            today: clock::today(&self.config.timezone),
            expires_at: clock::display(row.expires_at, &self.config.timezone),
            reference: paid_reference(&row),
            account_number: String::new(),
            fees: Default::default(),
        };
        // Only a live link shows the account: one revoked for going to the
        // wrong address, or used, or expired, tells its holder nothing more
        // than that (the payer who paid has the receipt).
        if state.usable() {
            let a = self
                .db
                .account_by_number(&row.account_number)
                .await?
                .ok_or_else(not_a_link)?;
            page.name = display_name(
                a.first_name.as_deref(),
                a.last_name.as_deref(),
                a.company_name.as_deref(),
            );
            page.balance = Money::from_cents(a.balance_cents);
            page.email = a.email;
            page.account_number = row.account_number;
            page.fees = super::fees::for_division(self.db, a.division_id).await?;
        }
        Ok(page)
    }

    /// Confirm on the payer page: the sealed review, for the link's account.
    pub async fn confirm(
        &self,
        token: &str,
        form: &PaymentForm,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        self.throttle(ip).await?;
        let row = self.usable(token).await?;
        self.payments.review_as(taker(&row), form).await
    }

    pub async fn review(&self, token: &str, sealed: &str) -> Result<ReviewView, AppError> {
        let row = self.find(token).await?;
        self.payments.show_review_as(taker(&row), sealed).await
    }

    /// Pay: once, however often it is pressed. A repeat of the same review
    /// answers with its payment even after the link is used.
    pub async fn pay(
        &self,
        token: &str,
        sealed: &str,
        ip: Option<&str>,
    ) -> Result<Submitted, AppError> {
        self.throttle(ip).await?;
        let row = self.find(token).await?;
        self.payments.submit_as(taker(&row), sealed, ip).await
    }

    /// The receipt of the payment made through the link.
    pub async fn receipt(&self, token: &str, ip: Option<&str>) -> Result<LinkReceipt, AppError> {
        self.throttle(ip).await?;
        let row = self.find(token).await?;
        let id = row.payment_id.filter(|_| row.paid()).ok_or_else(|| {
            AppError::NotFound("No payment has been made with this link yet.".into())
        })?;
        let p = self
            .db
            .payment_by_id(id)
            .await?
            .ok_or_else(|| AppError::Internal(super::incident_id()))?;
        Ok(LinkReceipt {
            biller: self.biller_name().await?,
            reference: Reference::shown(&p.reference),
            account_number: p.account_number,
            amount: Money::from_cents(p.amount_cents),
            method: p.method_label,
            paid_at: clock::display(p.created_at, &self.config.timezone),
            email: p.receipt_email,
            scheduled_for: p.scheduled_for,
            status: crate::domain::payment::PaymentStatus::decode(&p.status)?
                .label()
                .to_string(),
        })
    }
}

/// A link's payments are taken by the link, for its account.
fn taker(row: &LinkRow) -> Taker<'_> {
    Taker::Link {
        id: row.id,
        account: &row.account_number,
        may_schedule: row.channel == LinkChannel::Web.code(),
    }
}

/// The Reference Number of the payment that used the link.
fn paid_reference(l: &LinkRow) -> Option<String> {
    l.paid()
        .then(|| l.payment_reference.as_deref().map(Reference::shown))
        .flatten()
}

fn state_of(l: &LinkRow, now: i64) -> LinkState {
    LinkState::of(
        now,
        l.expires_at,
        l.opened_at.is_some(),
        l.revoked_at.is_some(),
        l.paid(),
    )
}
