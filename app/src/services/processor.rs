//! The payment processor. Today that is a sandbox inside the server with
//! documented test numbers (docs/sandbox.md); the interface is what a real
//! gateway adapter would implement: tokenize at Confirm, authorize at Make
//! Payment with an idempotency key, so a retried call never charges twice.

use super::keyring::{Keyring, PURPOSE_CARD_TOKEN};
use crate::domain::card::{CardBrand, CardNumber, Expiry};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What the sandbox's card tokens start with; the rest is sealed with the
/// server's key (so `paydesk keys rotate` re-seals them too).
pub const SANDBOX_TOKEN_PREFIX: &str = "tok_sbx_";

/// What the processor gives back for a card: all we ever keep of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardToken {
    pub token: String,
    pub brand: CardBrand,
    pub last4: String,
    pub expiry: Expiry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    Approved { processor_ref: String },
    Declined { reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessorError {
    #[error("the card token is not valid")]
    BadToken,
}

/// What the sandbox will answer for a card, decided by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum SandboxOutcome {
    Approve,
    Decline,
    InsufficientFunds,
}

#[derive(Serialize, Deserialize)]
struct SandboxToken {
    brand: CardBrand,
    last4: String,
    expiry: Expiry,
    outcome: SandboxOutcome,
}

#[derive(Clone, Debug)]
pub struct SandboxProcessor {
    keys: Keyring,
}

impl SandboxProcessor {
    pub fn new(keys: Keyring) -> Self {
        SandboxProcessor { keys }
    }

    /// Exchanges a card for a token. The token carries the brand, last 4,
    /// expiry and the sandbox's verdict, sealed; never the number or CVV.
    pub fn tokenize_card(&self, number: &CardNumber, expiry: Expiry) -> CardToken {
        let outcome = match number.expose() {
            "4000000000000002" => SandboxOutcome::Decline,
            "4000000000009995" => SandboxOutcome::InsufficientFunds,
            _ => SandboxOutcome::Approve,
        };
        let inner = SandboxToken {
            brand: number.brand(),
            last4: number.last4().to_string(),
            expiry,
            outcome,
        };
        let json = serde_json::to_vec(&inner).unwrap_or_default();
        CardToken {
            token: format!(
                "{SANDBOX_TOKEN_PREFIX}{}",
                self.keys.seal(PURPOSE_CARD_TOKEN, &json)
            ),
            brand: number.brand(),
            last4: number.last4().to_string(),
            expiry,
        }
    }

    /// Authorizes `amount_cents` on a card token. The same idempotency key
    /// always yields the same authorization reference.
    pub fn authorize_card(
        &self,
        token: &str,
        _amount_cents: i64,
        idempotency_key: &str,
    ) -> Result<Authorization, ProcessorError> {
        let sealed = token
            .strip_prefix(SANDBOX_TOKEN_PREFIX)
            .ok_or(ProcessorError::BadToken)?;
        let json = self
            .keys
            .open(PURPOSE_CARD_TOKEN, sealed)
            .ok_or(ProcessorError::BadToken)?;
        let inner: SandboxToken =
            serde_json::from_slice(&json).map_err(|_| ProcessorError::BadToken)?;
        Ok(match inner.outcome {
            SandboxOutcome::Approve => Authorization::Approved {
                processor_ref: processor_ref("auth", idempotency_key),
            },
            SandboxOutcome::Decline => Authorization::Declined {
                reason: "Card declined".into(),
            },
            SandboxOutcome::InsufficientFunds => Authorization::Declined {
                reason: "Insufficient funds".into(),
            },
        })
    }

    /// Voids an authorization or refunds a capture. The sandbox always
    /// agrees; the same idempotency key always yields the same reference.
    pub fn reverse_card(&self, idempotency_key: &str) -> String {
        processor_ref("refund", idempotency_key)
    }

    /// Accepts an ACH debit: any valid routing number and account number.
    pub fn accept_ach(&self, idempotency_key: &str) -> Authorization {
        Authorization::Approved {
            processor_ref: processor_ref("ach", idempotency_key),
        }
    }
}

fn processor_ref(kind: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{kind}:{key}").as_bytes());
    format!("sbx_{kind}_{}", hex::encode(&digest[..10]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox() -> SandboxProcessor {
        SandboxProcessor::new(Keyring::from_bytes(&[3u8; 32]).unwrap())
    }

    fn card(n: &str) -> CardNumber {
        CardNumber::parse(n).unwrap()
    }

    const EXP: Expiry = Expiry {
        year: 2030,
        month: 12,
    };

    #[test]
    fn test_numbers_decide_the_outcome() {
        let p = sandbox();
        for n in [
            "4242 4242 4242 4242",
            "5555 5555 5555 4444",
            "3782 822463 10005",
        ] {
            let t = p.tokenize_card(&card(n), EXP);
            assert!(
                matches!(
                    p.authorize_card(&t.token, 100, "k1"),
                    Ok(Authorization::Approved { .. })
                ),
                "{n}"
            );
        }
        let t = p.tokenize_card(&card("4000 0000 0000 0002"), EXP);
        assert_eq!(
            p.authorize_card(&t.token, 100, "k").unwrap(),
            Authorization::Declined {
                reason: "Card declined".into()
            }
        );
        let t = p.tokenize_card(&card("4000 0000 0000 9995"), EXP);
        assert_eq!(
            p.authorize_card(&t.token, 100, "k").unwrap(),
            Authorization::Declined {
                reason: "Insufficient funds".into()
            }
        );
    }

    #[test]
    fn tokens_hide_the_number_and_retries_are_idempotent() {
        let p = sandbox();
        let t = p.tokenize_card(&card("4242424242424242"), EXP);
        assert!(!t.token.contains("4242424242424242"));
        assert_eq!((t.brand, t.last4.as_str()), (CardBrand::Visa, "4242"));
        let a = p.authorize_card(&t.token, 100, "same-key").unwrap();
        assert_eq!(a, p.authorize_card(&t.token, 100, "same-key").unwrap());
        assert_ne!(a, p.authorize_card(&t.token, 100, "other-key").unwrap());
        assert!(p.authorize_card("tok_sbx_garbage", 100, "k").is_err());
    }
}
