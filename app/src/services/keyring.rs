//! The server's secret key, kept in `PAYDESK_DATA_DIR/secret.key` (created on
//! first start, mode 0600). It encrypts bank account numbers at rest and
//! seals what the server hands the browser to hold (a payment review), with
//! AES-256-GCM. Each use has its own purpose label, so a blob sealed for one
//! use never opens as another. Stored NACHA files go further and use a key
//! of their own, derived from this one with HKDF-SHA256 for "ach-file"
//! ([`Keyring::derive`]).
//!
//! The server refuses to start when the key file can be read by group or
//! others: a key anyone on the machine can copy protects nothing.
//!
//! Several servers on one database must share the key: `PAYDESK_KEY_FILE`
//! names a file made once and copied to each (or `PAYDESK_KEY` holds it,
//! base64; docs/deploy.md). Such a file is never created here: a server
//! that made its own would encrypt what no other server can read.
//!
//! Everything sealed starts with its key's id, so a keyring can hold the
//! key that seals and others that only open, and `paydesk keys rotate`
//! (services::key_rotation) can find and re-seal what an older key sealed.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use rand::RngCore;
use std::path::Path;
use std::sync::Arc;

const KEY_FILE: &str = "secret.key";
const NONCE_LEN: usize = 12;

/// One AES-256 key and its id: the first 4 bytes of an HMAC of the key
/// (hex), written in front of everything it seals, so a ciphertext names
/// the key that opens it and a rotation can tell what it has left to do.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
    raw: [u8; 32],
}

impl Key {
    fn new(raw: [u8; 32]) -> Key {
        use hmac::Mac;
        // HMAC accepts a key of any length, so this never fails.
        let id = hmac::Hmac::<sha2::Sha256>::new_from_slice(&raw)
            .map(|mut mac| {
                mac.update(b"paydesk key id");
                hex::encode(&mac.finalize().into_bytes()[..4])
            })
            .unwrap_or_default();
        Key {
            id,
            cipher: Aes256Gcm::new(&raw.into()),
            raw,
        }
    }

    /// This key's own key for `purpose` (HKDF-SHA256, the purpose as the
    /// info): what one seals the other cannot open.
    fn derive(&self, purpose: &str) -> Key {
        let mut sub = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit (255 * 32), so expand cannot fail.
        let _ = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"paydesk key derivation"), &self.raw[..])
            .expand(purpose.as_bytes(), &mut sub);
        Key::new(sub)
    }
}

/// The key that seals (the first) and the keys that only open: the one
/// being retired during a rotation, or the next one before every server
/// has it (`PAYDESK_READ_KEY_FILES`, docs/deploy.md).
#[derive(Clone)]
pub struct Keyring {
    keys: Arc<Vec<Key>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("cannot use the key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the key file {0} is damaged (it must hold 32 bytes)")]
    Damaged(String),
    #[error("the key file {0} can be read by group or others; run `chmod 600 {0}`")]
    TooOpen(String),
    #[error(
        "PAYDESK_KEY_FILE {0} does not exist; make it once (`paydesk keys new {0}`, or 32 random bytes, mode 600) and copy the same file to every server"
    )]
    Missing(String),
    #[error(
        "PAYDESK_READ_KEY_FILES names {0}, which does not exist; it must be a copy of the key that sealed the values (the old key), never a new one"
    )]
    MissingReadKey(String),
    #[error(
        "keys rotate re-seals with PAYDESK_KEY_FILE (or PAYDESK_KEY): set it to the new key, and PAYDESK_READ_KEY_FILES to the old one (docs/deploy.md)"
    )]
    NewKeyNotNamed,
}

pub const PURPOSE_BANK_ACCOUNT: &str = "bank-account";
pub const PURPOSE_REVIEW: &str = "payment-review";
pub const PURPOSE_CARD_TOKEN: &str = "sandbox-card-token";
/// Stored NACHA files: sealed with their own derived key (see [`Keyring::derive`]).
pub const PURPOSE_ACH_FILE: &str = "ach-file";
/// Payment links' signatures ([`Keyring::mac`]).
pub const PURPOSE_PAYMENT_LINK: &str = "payment-link";

impl Keyring {
    /// The configured keys: the sealing key from `PAYDESK_KEY` or
    /// `PAYDESK_KEY_FILE` (which must exist), else `secret.key` in the data
    /// folder (made the first time); then each `PAYDESK_READ_KEY_FILES`
    /// key, which opens but never seals.
    pub fn for_config(config: &crate::config::Config) -> Result<Keyring, KeyringError> {
        let ring = match (&config.key_env, &config.key_file) {
            (Some(key), _) => Self::from_array(key.bytes()),
            (None, Some(path)) => Self::load(path, false)?,
            (None, None) => Self::load_or_create(&config.data_dir)?,
        };
        config.read_key_files.iter().try_fold(ring, |ring, path| {
            let old = Self::load(path, false).map_err(|e| match e {
                KeyringError::Missing(p) => KeyringError::MissingReadKey(p),
                other => other,
            })?;
            Ok(ring.and_open_with(&old))
        })
    }

    /// Loads the key from `data_dir`, creating the folder and a new random
    /// key the first time.
    pub fn load_or_create(data_dir: &Path) -> Result<Keyring, KeyringError> {
        Self::load(&data_dir.join(KEY_FILE), true)
    }

    /// Loads the key at `path`; with `create`, makes it (and its folder)
    /// the first time.
    fn load(path: &Path, create: bool) -> Result<Keyring, KeyringError> {
        let shown = || path.display().to_string();
        let io = |source| KeyringError::Io {
            path: shown(),
            source,
        };
        let key = match std::fs::metadata(path) {
            Ok(meta) if super::private_files::open_to_others(&meta) => {
                return Err(KeyringError::TooOpen(shown()));
            }
            Ok(_) => std::fs::read(path).map_err(io)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                if let Some(dir) = path.parent() {
                    super::private_files::ensure_private_dir(dir).map_err(io)?;
                }
                let key = Self::new_key();
                write_private(path, &key).map_err(io)?;
                key.to_vec()
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyringError::Missing(shown()));
            }
            Err(e) => return Err(io(e)),
        };
        Self::from_bytes(&key).ok_or_else(|| KeyringError::Damaged(shown()))
    }

    /// 32 random bytes: a new key.
    fn new_key() -> [u8; 32] {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        key
    }

    /// `paydesk keys new PATH`: writes a new key at `path` (mode 0600) for
    /// `PAYDESK_KEY_FILE`; refuses to overwrite one.
    pub fn write_new(path: &Path) -> Result<(), KeyringError> {
        // create_private opens with create_new: an existing key is refused
        // by the open itself, never truncated.
        write_private(path, &Self::new_key()).map_err(|source| KeyringError::Io {
            path: path.display().to_string(),
            source: if source.kind() == std::io::ErrorKind::AlreadyExists {
                std::io::Error::new(
                    source.kind(),
                    "a key is already there; a key is never overwritten",
                )
            } else {
                source
            },
        })
    }

    pub fn from_bytes(key: &[u8]) -> Option<Keyring> {
        let key: [u8; 32] = key.try_into().ok()?;
        Some(Self::from_array(key))
    }

    fn from_array(key: [u8; 32]) -> Keyring {
        Keyring {
            keys: Arc::new(vec![Key::new(key)]),
        }
    }

    /// This keyring, also opening what `other`'s keys sealed (never sealing
    /// with them). A key it has already is not added twice.
    pub fn and_open_with(&self, other: &Keyring) -> Keyring {
        let mut keys: Vec<Key> = self.keys.to_vec();
        for k in other.keys.iter() {
            if !keys.iter().any(|have| have.id == k.id) {
                keys.push(k.clone());
            }
        }
        Keyring {
            keys: Arc::new(keys),
        }
    }

    /// The sealing key, which every keyring has.
    fn current(&self) -> &Key {
        &self.keys[0]
    }

    /// The id of the sealing key, as it starts what it seals.
    pub fn key_id(&self) -> &str {
        &self.current().id
    }

    /// What everything the sealing key seals starts with (its id and a
    /// '.'): a value that does not, a rotation has still to re-seal.
    pub fn sealed_prefix(&self) -> String {
        format!("{}.", self.key_id())
    }

    /// A keyring whose keys are derived, one for one, from these for
    /// `purpose` (HKDF-SHA256, the purpose as the info): what it seals
    /// cannot be opened with the main keys, nor the other way round.
    pub fn derive(&self, purpose: &str) -> Keyring {
        Keyring {
            keys: Arc::new(self.keys.iter().map(|k| k.derive(purpose)).collect()),
        }
    }

    /// Encrypts `plain` for `purpose`; the result is URL- and column-safe text.
    pub fn seal(&self, purpose: &str, plain: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail; an empty result
        // would only fail to open later, never leak.
        let sealed = self
            .current()
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: purpose.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        self.sealed_prefix() + &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
    }

    /// Opens what `seal` made for the same purpose, with the key its id
    /// names (a ciphertext from before key ids: with each key in turn);
    /// anything else is `None`.
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        let sealed = sealed.trim();
        // Base64url has no '.', so the first one ends the id.
        let (id, body) = match sealed.split_once('.') {
            Some((id, body)) => (Some(id), body),
            None => (None, sealed),
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).ok()?;
        self.keys
            .iter()
            .filter(|k| id.is_none_or(|id| id == k.id))
            .find_map(|k| {
                k.cipher
                    .decrypt(
                        &nonce,
                        Payload {
                            msg: body,
                            aad: purpose.as_bytes(),
                        },
                    )
                    .ok()
            })
    }

    /// HMAC-SHA256 of `msg` under this key's own key for `purpose` (a
    /// derived key, so a MAC never equals anything else made with it):
    /// what signs a payment link's token. (HMAC takes a key of any length,
    /// so it is never `None` in practice.)
    pub fn mac(&self, purpose: &str, msg: &[u8]) -> Option<[u8; 32]> {
        use hmac::Mac;
        let key = self.current().derive(purpose);
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key.raw[..]).ok()?;
        mac.update(msg);
        Some(mac.finalize().into_bytes().into())
    }

    /// Whether `tag` is the first bytes of [`Keyring::mac`] of `msg` under
    /// any of these keys (a link sent before a rotation still works while
    /// the old key opens), compared in constant time (a guess learns
    /// nothing from the timing).
    pub fn verify_mac(&self, purpose: &str, msg: &[u8], tag: &[u8]) -> bool {
        use hmac::Mac;
        self.keys.iter().any(|key| {
            let key = key.derive(purpose);
            hmac::Hmac::<sha2::Sha256>::new_from_slice(&key.raw[..]).is_ok_and(|mut mac| {
                mac.update(msg);
                mac.verify_truncated_left(tag).is_ok()
            })
        })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    super::private_files::create_private(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_only_for_their_purpose_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let k = Keyring::load_or_create(dir.path()).unwrap();
        let again = Keyring::load_or_create(dir.path()).unwrap();
        let sealed = k.seal(PURPOSE_BANK_ACCOUNT, b"000123456789");
        assert!(!sealed.contains("123456789"));
        assert_eq!(
            again.open(PURPOSE_BANK_ACCOUNT, &sealed).as_deref(),
            Some(&b"000123456789"[..])
        );
        assert_eq!(k.open(PURPOSE_REVIEW, &sealed), None, "another purpose");
        assert_eq!(
            Keyring::from_bytes(&[7u8; 32])
                .unwrap()
                .open(PURPOSE_BANK_ACCOUNT, &sealed),
            None,
            "another key"
        );
        let mut tampered = sealed.clone();
        tampered.replace_range(20..21, if &sealed[20..21] == "A" { "B" } else { "A" });
        assert_eq!(k.open(PURPOSE_BANK_ACCOUNT, &tampered), None);
        assert_ne!(
            k.seal(PURPOSE_BANK_ACCOUNT, b"x"),
            k.seal(PURPOSE_BANK_ACCOUNT, b"x"),
            "fresh nonce each time"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o700, "the data folder is private too");
        }
    }

    #[test]
    fn derived_keys_keep_to_their_purpose() {
        let k = Keyring::from_bytes(&[3u8; 32]).unwrap();
        let ach = k.derive(PURPOSE_ACH_FILE);
        let sealed = ach.seal(PURPOSE_ACH_FILE, b"101 NACHA");
        assert_eq!(
            k.derive(PURPOSE_ACH_FILE)
                .open(PURPOSE_ACH_FILE, &sealed)
                .as_deref(),
            Some(&b"101 NACHA"[..]),
            "the same derivation opens it"
        );
        assert_eq!(
            k.open(PURPOSE_ACH_FILE, &sealed),
            None,
            "the main key does not"
        );
        assert_eq!(
            k.derive(PURPOSE_BANK_ACCOUNT)
                .open(PURPOSE_ACH_FILE, &sealed),
            None
        );
    }

    #[test]
    fn a_shared_key_file_is_used_as_given_and_never_made() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared.key");
        let e = Keyring::load(&shared, false).unwrap_err();
        assert!(matches!(e, KeyringError::Missing(_)), "{e}");
        assert!(!shared.exists(), "a missing shared key is not made");
        Keyring::write_new(&shared).unwrap();
        assert!(Keyring::write_new(&shared).is_err(), "never overwritten");
        // Two servers reading the one file open each other's ciphertexts.
        let a = Keyring::load(&shared, false).unwrap();
        let b = Keyring::load(&shared, false).unwrap();
        let sealed = a.seal(PURPOSE_BANK_ACCOUNT, b"000123456789");
        assert_eq!(
            b.open(PURPOSE_BANK_ACCOUNT, &sealed).as_deref(),
            Some(&b"000123456789"[..])
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&shared).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        Keyring::load_or_create(dir.path()).unwrap();
        let path = dir.path().join("secret.key");
        for mode in [0o644, 0o640, 0o604] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let e = Keyring::load_or_create(dir.path()).unwrap_err();
            assert!(matches!(e, KeyringError::TooOpen(_)), "{mode:o}");
            let text = e.to_string();
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains("chmod 600"), "{text}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(
            Keyring::load_or_create(dir.path()).is_ok(),
            "read-only by the owner is fine"
        );
    }

    #[test]
    fn a_second_key_opens_what_it_sealed_and_never_seals() {
        let old = Keyring::from_bytes(&[1u8; 32]).unwrap();
        let new = Keyring::from_bytes(&[2u8; 32]).unwrap();
        assert_ne!(old.key_id(), new.key_id());
        assert_eq!(old.key_id().len(), 8);
        let by_old = old.seal(PURPOSE_BANK_ACCOUNT, b"000123456789");
        assert!(
            by_old.starts_with(&format!("{}.", old.key_id())),
            "{by_old}"
        );
        assert_eq!(new.open(PURPOSE_BANK_ACCOUNT, &by_old), None);

        let both = new.and_open_with(&old);
        assert_eq!(both.key_id(), new.key_id(), "the first key seals");
        assert_eq!(
            both.open(PURPOSE_BANK_ACCOUNT, &by_old).as_deref(),
            Some(&b"000123456789"[..])
        );
        assert!(!by_old.starts_with(&both.sealed_prefix()));
        let by_both = both.seal(PURPOSE_BANK_ACCOUNT, b"000123456789");
        assert!(by_both.starts_with(&both.sealed_prefix()));
        assert_eq!(old.open(PURPOSE_BANK_ACCOUNT, &by_both), None);
        assert_eq!(
            both.and_open_with(&old).and_open_with(&new).keys.len(),
            2,
            "a key already held is not added twice"
        );

        // Derived keys follow: a stored NACHA file sealed under the old key
        // opens with the rotated keyring's derivation.
        let file = old.derive(PURPOSE_ACH_FILE).seal(PURPOSE_ACH_FILE, b"101");
        assert_eq!(
            both.derive(PURPOSE_ACH_FILE)
                .open(PURPOSE_ACH_FILE, &file)
                .as_deref(),
            Some(&b"101"[..])
        );
        // A payment link signed before the rotation still verifies.
        let tag = old.mac(PURPOSE_PAYMENT_LINK, b"link").unwrap();
        assert!(both.verify_mac(PURPOSE_PAYMENT_LINK, b"link", &tag[..16]));
        assert!(!new.verify_mac(PURPOSE_PAYMENT_LINK, b"link", &tag[..16]));
    }

    #[test]
    fn a_ciphertext_without_a_key_id_still_opens() {
        // What versions before key ids stored: base64url(nonce ‖ sealed).
        let k = Keyring::from_bytes(&[4u8; 32]).unwrap();
        let sealed = k.seal(PURPOSE_BANK_ACCOUNT, b"000123456789");
        let (_, legacy) = sealed.split_once('.').unwrap();
        let ring = Keyring::from_bytes(&[5u8; 32]).unwrap().and_open_with(&k);
        assert_eq!(
            ring.open(PURPOSE_BANK_ACCOUNT, legacy).as_deref(),
            Some(&b"000123456789"[..])
        );
        assert!(!legacy.starts_with(&ring.sealed_prefix()));
        // Tried with every key, a wrong one still opens nothing.
        assert_eq!(
            Keyring::from_bytes(&[6u8; 32])
                .unwrap()
                .open(PURPOSE_BANK_ACCOUNT, legacy),
            None
        );
        // A wrong id is not tried with the other keys.
        assert_eq!(
            ring.open(PURPOSE_BANK_ACCOUNT, &format!("00000000.{legacy}")),
            None
        );
    }
}
