//! Email receipts. Queued in the payment's transaction, sent after it
//! commits, retried with backoff; sending never blocks or undoes a payment.
//! The default transport writes `.eml` files to `PAYDESK_DATA_DIR/outbox`.

use super::clock;
use crate::config::{Config, MailConfig};
use crate::db::{now_ms, Db};
use crate::domain::money::Money;
use crate::domain::payment::Reference;
use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// Waits between attempts; after the last one the receipt is marked failed.
const BACKOFF_SECS: &[i64] = &[60, 300, 1_800, 7_200, 21_600];
/// A `sending` claim older than this belongs to a worker that died.
const STALE_CLAIM_MS: i64 = 5 * 60_000;

#[derive(Clone)]
pub enum Mailer {
    Outbox(Arc<AsyncFileTransport<Tokio1Executor>>, std::path::PathBuf),
    Smtp(Arc<AsyncSmtpTransport<Tokio1Executor>>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Outbox(_, dir) => write!(f, "Mailer::Outbox({})", dir.display()),
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
        }
    }
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        match &config.mail.smtp {
            None => {
                let dir = config.data_dir.join("outbox");
                std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Ok(Mailer::Outbox(Arc::new(AsyncFileTransport::new(&dir)), dir))
            }
            Some(smtp) => {
                let builder = if smtp.starttls {
                    AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host).map_err(|e| format!("SMTP {}: {e}", smtp.host))?
                } else {
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
                };
                let mut builder = builder.port(smtp.port).timeout(Some(Duration::from_secs(20)));
                if let (Some(u), Some(p)) = (&smtp.user, &smtp.password) {
                    builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
                }
                Ok(Mailer::Smtp(Arc::new(builder.build())))
            }
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Mailer::Outbox(t, _) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

fn message(mail: &MailConfig, to: &str, reference: &str, amount: Money, account: &str, method: &str, when: &str) -> Result<Message, String> {
    let from: Mailbox = mail.from.parse().map_err(|e| format!("PAYDESK_MAIL_FROM: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("receipt address: {e}"))?;
    let body = format!(
        "Thanks for the payment!\n\n\
         {biller} received your payment.\n\n\
         Reference Number: {reference}\n\
         Amount:           {amount}\n\
         Account:          {account}\n\
         Payment method:   {method}\n\
         Date:             {when}\n\
         Status:           Pending\n\n\
         Keep the Reference Number for your records. If you have a question \
         about this payment, contact {biller} and give them this number.\n",
        biller = mail.biller_name,
    );
    Message::builder()
        .from(from)
        .to(to)
        .subject(format!("Payment receipt {reference} from {}", mail.biller_name))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())
}

/// Tries to send one payment's receipt now, if it is due and unclaimed.
pub async fn deliver(db: &Db, mailer: &Mailer, config: &Config, payment_id: i64) {
    let now = now_ms();
    match db.claim_receipt(payment_id, now, now - STALE_CLAIM_MS).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(payment = payment_id, error = %e, "cannot claim receipt");
            return;
        }
    }
    // Read once: the attempt count decides the backoff if sending fails.
    let receipt = match db.receipt(payment_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(payment = payment_id, error = %e, "cannot read receipt");
            return;
        }
    };
    let attempts = receipt.attempts as usize;
    let result = async {
        let p = db.payment_by_id(payment_id).await.map_err(|e| e.to_string())?.ok_or("payment vanished")?;
        let reference = Reference::parse(&p.reference).map(|r| r.to_string()).unwrap_or(p.reference.clone());
        let when = clock::display(p.created_at, &config.timezone);
        let msg = message(&config.mail, &receipt.to_email, &reference, Money::from_cents(p.amount_cents), &p.account_number, &p.method_label, &when)?;
        mailer.send(msg).await
    }
    .await;
    let outcome = match result {
        Ok(_) => db.receipt_sent(payment_id, now_ms()).await,
        Err(error) => {
            let retry_at = BACKOFF_SECS.get(attempts).map(|s| now_ms() + s * 1000);
            tracing::warn!(payment = payment_id, attempt = attempts + 1, error = %error, "receipt not sent");
            db.receipt_failed(payment_id, &error, retry_at).await
        }
    };
    if let Err(e) = outcome {
        tracing::warn!(payment = payment_id, error = %e, "cannot record the receipt's outcome");
    }
}

/// Sends due receipts every few seconds: retries, and any whose first send
/// was cut short by a restart.
pub fn spawn_worker(db: Db, mailer: Mailer, config: Arc<Config>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            let now = now_ms();
            if let Err(e) = db.requeue_stale_receipts(now - STALE_CLAIM_MS).await {
                tracing::warn!(error = %e, "cannot requeue stale receipts");
            }
            match db.due_receipts(now, 50).await {
                Ok(ids) => {
                    for id in ids {
                        deliver(&db, &mailer, &config, id).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot read the receipt queue"),
            }
        }
    });
}
