//! Email to payers: receipts and lifecycle notices (cancelled, refunded,
//! returned). Queued in the transaction of what they report, sent after it
//! commits, retried with backoff; sending never blocks or undoes a payment.
//! The default transport writes `.eml` files to `PAYDESK_DATA_DIR/outbox`,
//! 0600 in a 0700 folder: they include staff's temporary passwords.

use super::clock;
use super::texts::TextSender;
use crate::config::{Config, MailConfig};
use crate::db::notices::NoticeRow;
use crate::db::{Db, now_ms};
use crate::domain::category_payment::PaymentLine;
use crate::domain::lifecycle::ReturnLabel;
use crate::domain::money::Money;
use crate::domain::payment::Reference;
use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// Waits between attempts; after the last one the notice is marked failed.
const BACKOFF_SECS: &[i64] = &[60, 300, 1_800, 7_200, 21_600];
/// A `sending` claim older than this belongs to a worker that died.
const STALE_CLAIM_MS: i64 = 5 * 60_000;

#[derive(Clone)]
pub enum Mailer {
    /// A folder of `.eml` files (lettre's file transport leaves them 0644).
    Outbox(std::path::PathBuf),
    Smtp(Arc<AsyncSmtpTransport<Tokio1Executor>>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Outbox(dir) => write!(f, "Mailer::Outbox({})", dir.display()),
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
        }
    }
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        match &config.mail.smtp {
            None => {
                let dir = config.data_dir.join("outbox");
                super::private_files::ensure_private_dir(&dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Ok(Mailer::Outbox(dir))
            }
            Some(smtp) => {
                let builder = if smtp.starttls {
                    AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                        .map_err(|e| format!("SMTP {}: {e}", smtp.host))?
                } else {
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                };
                let mut builder = builder
                    .port(smtp.port)
                    .timeout(Some(Duration::from_secs(20)));
                if let (Some(u), Some(p)) = (&smtp.user, &smtp.password) {
                    builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
                }
                Ok(Mailer::Smtp(Arc::new(builder.build())))
            }
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Mailer::Outbox(dir) => {
                let path = dir.join(format!("{}.eml", super::lifecycle::new_key()));
                super::private_files::write_private_atomically_async(&path, message.formatted())
                    .await
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            }
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// What a notice says, by kind.
struct NoticeText {
    subject: String,
    body: String,
}

/// The facts every notice can name.
struct Facts<'a> {
    biller: &'a str,
    reference: &'a str,
    amount: Money,
    /// The convenience fee paid on top of the amount (zero: none).
    fee: Money,
    account: &'a str,
    method: &'a str,
    when: &'a str,
    /// The category lines paid (the receipt lists them).
    lines: &'a [PaymentLine],
}

impl Facts<'_> {
    /// What the payer paid: the amount and its fee, if any.
    fn paid(&self) -> Money {
        Money::from_cents(self.amount.cents() + self.fee.cents())
    }
}

fn receipt_text(f: &Facts) -> NoticeText {
    // With a fee: its line and the total charged, under the amount.
    let fee = if f.fee.is_positive() {
        format!(
            "Fee Amount:       {}\nTotal:            {}\n",
            f.fee,
            f.paid()
        )
    } else {
        String::new()
    };
    // With category lines: each, under the amount they add up to.
    let lines: String = f
        .lines
        .iter()
        .map(|l| {
            format!(
                "  {} ({})  {} x {}  {}\n",
                l.description, l.charge_code, l.quantity, l.unit, l.total
            )
        })
        .collect();
    let lines = if lines.is_empty() {
        lines
    } else {
        format!("Paid for:\n{lines}")
    };
    NoticeText {
        subject: format!("Payment receipt {} from {}", f.reference, f.biller),
        body: format!(
            "Thanks for the payment!\n\n\
             {biller} received your payment.\n\n\
             Reference Number: {reference}\n\
             Amount:           {amount}\n\
             {lines}\
             {fee}\
             Account:          {account}\n\
             Payment method:   {method}\n\
             Date:             {when}\n\
             Status:           Pending\n\n\
             Keep the Reference Number for your records. If you have a question \
             about this payment, contact {biller} and give them this number.\n",
            biller = f.biller,
            reference = f.reference,
            amount = f.amount,
            account = f.account,
            method = f.method,
            when = f.when,
        ),
    }
}

fn lifecycle_text(
    f: &Facts,
    kind: &str,
    action_amount: Option<Money>,
    returned: Option<&str>,
) -> NoticeText {
    let paid = f.paid();
    let (subject, what) = match kind {
        "cancelled" => (
            format!("Payment {} cancelled", f.reference),
            format!(
                "Your payment of {} was cancelled. No money will be taken for it.",
                paid
            ),
        ),
        "refund" => (
            format!("Refund of payment {}", f.reference),
            format!(
                "{} of your payment of {} was refunded to {}. A card refund shows up within a few business days; \
                 a bank refund arrives as a separate ACH credit.",
                action_amount.unwrap_or(paid),
                paid,
                f.method
            ),
        ),
        _ => (
            format!("Payment {} was returned by your bank", f.reference),
            format!(
                "Your bank returned your payment of {} ({}). The amount is due again on your account.",
                paid,
                returned.unwrap_or("Returned")
            ),
        ),
    };
    NoticeText {
        subject: format!("{subject} ({})", f.biller),
        body: format!(
            "{what}\n\n\
             Reference Number: {reference}\n\
             Account:          {account}\n\
             Payment method:   {method}\n\
             Paid on:          {when}\n\n\
             If you have a question, contact {biller} and give them the Reference Number.\n",
            reference = f.reference,
            account = f.account,
            method = f.method,
            when = f.when,
            biller = f.biller,
        ),
    }
}

fn message(mail: &MailConfig, to: &str, text: NoticeText) -> Result<Message, String> {
    let from: Mailbox = mail
        .from
        .parse()
        .map_err(|e| format!("PAYDESK_MAIL_FROM: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("payer address: {e}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(text.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(text.body)
        .map_err(|e| e.to_string())
}

/// Sends a temporary password to a staff user, now. It is not queued: the
/// password never touches the database in the clear, and if sending fails
/// the administrator is told and generates another.
pub async fn send_temporary_password(
    mailer: &Mailer,
    config: &Config,
    to: &str,
    login: &str,
    password: &str,
) -> Result<(), String> {
    let text = NoticeText {
        subject: format!(
            "Your Paydesk temporary password ({})",
            config.mail.biller_name
        ),
        body: format!(
            "An administrator set a temporary password for your Paydesk sign-in.\n\n\
             Login ID:           {login}\n\
             Temporary password: {password}\n\n\
             It works once: when you sign in, you will choose your own password.\n\
             If you did not expect this, tell your administrator.\n"
        ),
    };
    mailer.send(message(&config.mail, to, text)?).await
}

/// Sends one plain-text email now, not queued: what the caller must know
/// went out, or keep out of the database (Forgot Password's security code,
/// Forgot Username's login ID, a payment link).
pub async fn send_mail_now(
    mailer: &Mailer,
    mail: &MailConfig,
    to: &str,
    subject: String,
    body: String,
) -> Result<(), String> {
    mailer
        .send(message(mail, to, NoticeText { subject, body })?)
        .await
}

/// Why a notice was kept unsent (Alerts shows it).
pub const EMAIL_ALERTS_OFF: &str = "The payer turned email alerts off";

/// Tries to send one notice now, if it is due and unclaimed. An email
/// about an enrolled payer's payments or plans follows their Profile's
/// Alerts: a text twin is queued when they want texts, and the email is
/// skipped when they turned email alerts off. A receipt still goes to the
/// address its payment form gave.
pub async fn deliver(
    db: &Db,
    mailer: &Mailer,
    texts: &TextSender,
    config: &Config,
    notice_id: i64,
) {
    let now = now_ms();
    match db.claim_notice(notice_id, now, now - STALE_CLAIM_MS).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(notice = notice_id, error = %e, "cannot claim notice");
            return;
        }
    }
    // Read once: the attempt count decides the backoff if sending fails.
    let notice = match db.notice(notice_id).await {
        Ok(Some(n)) => n,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(notice = notice_id, error = %e, "cannot read notice");
            return;
        }
    };
    if notice.channel == "email" {
        match follow_preferences(db, &notice).await {
            Ok(choice) => {
                if let Some(twin) = choice.text_twin {
                    Box::pin(deliver(db, mailer, texts, config, twin)).await;
                }
                if !choice.email {
                    if let Err(e) = db.notice_skipped(notice_id, EMAIL_ALERTS_OFF).await {
                        tracing::warn!(notice = notice_id, error = %e, "cannot record a skipped notice");
                    }
                    return;
                }
            }
            // Tried again later, when the preferences can be read (the
            // payer may have turned this email off, or want its text).
            Err(e) => {
                let error = format!("cannot read alert preferences: {e}");
                tracing::warn!(notice = notice_id, %error);
                let retry_at = Some(now_ms() + BACKOFF_SECS[0] * 1000);
                if let Err(e) = db.notice_failed(notice_id, &error, retry_at).await {
                    tracing::warn!(notice = notice_id, error = %e, "cannot record the notice's outcome");
                }
                return;
            }
        }
    }
    let attempts = notice.attempts as usize;
    let result = async {
        let text = compose(db, config, &notice).await?;
        match notice.channel.as_str() {
            "text" => texts.send(&notice.to_email, &text.subject).await,
            _ => {
                mailer
                    .send(message(&config.mail, &notice.to_email, text)?)
                    .await
            }
        }
    }
    .await;
    let outcome = match result {
        Ok(_) => db.notice_sent(notice_id, now_ms()).await,
        Err(error) => {
            let retry_at = BACKOFF_SECS.get(attempts).map(|s| now_ms() + s * 1000);
            tracing::warn!(notice = notice_id, attempt = attempts + 1, error = %error, "notice not sent");
            db.notice_failed(notice_id, &error, retry_at).await
        }
    };
    if let Err(e) = outcome {
        tracing::warn!(notice = notice_id, error = %e, "cannot record the notice's outcome");
    }
}

/// What the enrolled payer's Alerts make of an email notice.
struct Choice {
    email: bool,
    /// The text twin, when this call queued it.
    text_twin: Option<i64>,
}

/// Email alerts off stop only what is the payer's own: a notice of their
/// plan, or one addressed to their email (not a receipt, and not a notice
/// to an address someone else gave on a payment).
async fn follow_preferences(db: &Db, notice: &NoticeRow) -> Result<Choice, crate::db::DbError> {
    let Some(payer) = db.notice_payer(notice).await? else {
        return Ok(Choice {
            email: true,
            text_twin: None,
        });
    };
    let prefs = &payer.prefs;
    let text_twin = match (&prefs.mobile, prefs.alert_text) {
        (Some(mobile), true) => db.queue_text_twin(notice.id, mobile, now_ms()).await?,
        _ => None,
    };
    let theirs = payer.by_plan
        || payer
            .email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&notice.to_email));
    Ok(Choice {
        email: prefs.alert_email || notice.kind == "receipt" || !theirs,
        text_twin,
    })
}

/// A notice's subject and body, from its payment (or its own text).
async fn compose(db: &Db, config: &Config, notice: &NoticeRow) -> Result<NoticeText, String> {
    if let (None, Some(subject), Some(body)) = (notice.payment_id, &notice.subject, &notice.body) {
        // A notice about a plan: its text was written when it was queued.
        return Ok(NoticeText {
            subject: subject.clone(),
            body: body.clone(),
        });
    }
    let payment_id = notice
        .payment_id
        .ok_or("notice without a payment or text")?;
    let p = db
        .payment_by_id(payment_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("payment vanished")?;
    let reference = Reference::shown(&p.reference);
    let when = clock::display(p.created_at, &config.timezone);
    let profile = super::biller_profile::current(db, config)
        .await
        .map_err(|e| e.to_string())?;
    let lines = match notice.kind.as_str() {
        "receipt" => db.payment_lines(p.id).await.map_err(|e| e.to_string())?,
        _ => Vec::new(),
    };
    let facts = Facts {
        lines: &lines,
        biller: &profile.biller_name,
        reference: &reference,
        amount: Money::from_cents(p.amount_cents),
        fee: Money::from_cents(p.fee_cents),
        account: &p.account_number,
        method: &p.method_label,
        when: &when,
    };
    let mut text = match notice.kind.as_str() {
        "receipt" => receipt_text(&facts),
        kind => {
            let action_amount = match notice.action_id {
                Some(id) => db
                    .payment_action(id)
                    .await
                    .map_err(|e| e.to_string())?
                    // What went back: the amount and any fee with it.
                    .map(|a| Money::from_cents(a.amount_cents + a.fee_cents)),
                None => None,
            };
            let returned = p.return_code.as_deref().map(|c| ReturnLabel(c).to_string());
            lifecycle_text(&facts, kind, action_amount, returned.as_deref())
        }
    };
    text.body.push_str(&customer_service_footer(&profile));
    Ok(text)
}

/// The Profile's Customer Service, at the end of a payment's notice.
fn customer_service_footer(p: &crate::domain::biller_profile::BillerProfile) -> String {
    format!("\nCustomer Service\n{}\n", p.customer_service().join("\n"))
}

/// Sends what a request just queued for this payment (a receipt, a refund
/// notice), without waiting for the worker's next tick.
pub async fn deliver_for_payment(
    db: &Db,
    mailer: &Mailer,
    texts: &TextSender,
    config: &Config,
    payment_id: i64,
) {
    match db.queued_notices_for_payment(payment_id).await {
        Ok(ids) => {
            for id in ids {
                deliver(db, mailer, texts, config, id).await;
            }
        }
        Err(e) => tracing::warn!(payment = payment_id, error = %e, "cannot read queued notices"),
    }
}

/// Sends due notices every few seconds: retries, and any whose first send
/// was cut short by a restart.
pub fn spawn_worker(db: Db, mailer: Mailer, texts: TextSender, config: Arc<Config>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            let now = now_ms();
            if let Err(e) = db.requeue_stale_notices(now - STALE_CLAIM_MS).await {
                tracing::warn!(error = %e, "cannot requeue stale notices");
            }
            match db.due_notices(now, 50).await {
                Ok(ids) => {
                    for id in ids {
                        deliver(&db, &mailer, &texts, &config, id).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot read the notice queue"),
            }
        }
    });
}
