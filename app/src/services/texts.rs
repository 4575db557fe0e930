//! Text messages to payers (Send Payment Link by text). The default
//! transport writes each message to `PAYDESK_DATA_DIR/outbox-texts` as a
//! `.txt` file, 0600 in a 0700 folder, as email's outbox does: a link is a
//! credential to pay an account.
//!
//! In production the biller would send through Twilio's Programmable
//! Messaging API (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
//! with `To`, `MessagingServiceSid` and `Body`): a `TextSender::Twilio`
//! variant beside `Outbox`, chosen by configuration. It is not built here,
//! since this machine has no network to test it against.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum TextSender {
    /// A folder of `.txt` files: the number on the first line, the message after.
    Outbox(PathBuf),
}

impl TextSender {
    pub fn from_config(config: &crate::config::Config) -> Result<TextSender, String> {
        let dir = config.data_dir.join("outbox-texts");
        super::private_files::ensure_private_dir(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(TextSender::Outbox(dir))
    }

    /// Sends `body` to `to` (an E.164 number, `+1` and ten digits).
    pub async fn send(&self, to: &str, body: &str) -> Result<(), String> {
        match self {
            TextSender::Outbox(dir) => {
                let path = dir.join(format!("{}.txt", super::lifecycle::new_key()));
                super::private_files::write_private_atomically_async(
                    &path,
                    format!("To: {to}\n\n{body}\n").into_bytes(),
                )
                .await
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
            }
        }
    }
}
