//! Settings come from the environment (and an optional `.env`, loaded by the
//! binary). A bad value stops start-up with one line naming the variable.

use crate::domain::biller_profile::{BANK_NAME_MAX, COMPANY_NAME_MAX};
use crate::domain::money::Money;
use crate::domain::payment::check_amount;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `PAYDESK_KEY_FILE`: the encryption key every server of the biller
    /// shares (else `secret.key` in the data folder, made on first start).
    pub key_file: Option<PathBuf>,
    /// `PAYDESK_KEY`: the same key given in the environment (base64 of 32
    /// bytes) instead of a file; one of the two, never both.
    pub key_env: Option<EnvKey>,
    /// `PAYDESK_READ_KEY_FILES`: keys (comma-separated files) that open
    /// what they sealed but never seal: the retired key while `paydesk keys
    /// rotate` re-seals, or the next key before every server has it.
    pub read_key_files: Vec<PathBuf>,
    pub session_idle_minutes: i64,
    /// A session ends this long after sign-in, however active it is.
    pub session_max_hours: i64,
    /// How many password hashes (argon2, 19 MiB each) may run at once;
    /// more wait briefly, then are answered "busy".
    pub hash_concurrency: usize,
    pub secure_cookies: SecureCookies,
    /// The most one payment may be.
    pub max_payment: Money,
    /// Daily settlement cutoff (hour, minute) in `timezone`.
    pub settlement_cutoff: (i8, i8),
    /// An IANA zone name, e.g. America/New_York.
    pub timezone: String,
    /// Demo setting: also settle every this often (`PAYDESK_SETTLE_EVERY=60s`).
    pub settle_every: Option<std::time::Duration>,
    pub mail: MailConfig,
    /// Days a password lasts before it must be changed; 0: forever.
    pub password_max_age_days: i64,
    /// The largest file File Transfers accepts, in bytes.
    pub upload_max_bytes: u64,
    /// A refund above this waits for a second person's approval.
    pub refund_approval_threshold: crate::domain::money::Money,
    /// Failed sign-ins allowed per client address per 15 minutes.
    pub sign_in_ip_limit: i64,
    /// Behind a reverse proxy or load balancer: the client address is the
    /// last one in `X-Forwarded-For` (the one the proxy added).
    pub trust_proxy: bool,
    /// Who the NACHA files say they come from (`PAYDESK_ACH_*`) until an
    /// administrator saves the Profile's ACH settings: a first-run default
    /// (services::biller_profile::current).
    pub ach: crate::domain::nacha::Originator,
    /// A payment still being authorized this long after its request began
    /// lost that request (a crash, a killed process): it is finished then,
    /// and checked for this often (`PAYDESK_RECOVER_AFTER`, default 60s).
    /// Long enough that a slow processor answer on another server is not
    /// taken for a dead one.
    pub recover_after: std::time::Duration,
    /// Where `/metrics` (Prometheus) is served, on a listener of its own so
    /// the public site never answers it (`PAYDESK_METRICS_ADDR`; unset: off).
    pub metrics_addr: Option<SocketAddr>,
    /// How long a payment link works (`PAYDESK_PAYMENT_LINK_HOURS`, 72).
    pub payment_link_hours: i64,
    /// The site's address as payers reach it, for the links sent to them
    /// (`PAYDESK_PUBLIC_URL`; by default `http://` and the listen address).
    pub public_url: String,
    /// Requests a minute one address may make of the payer site's server
    /// functions (`PAYDESK_PAYER_RATE_PER_MINUTE`, 60).
    pub payer_rate_per_minute: i64,
    /// The most requests this server works on at once
    /// (`PAYDESK_MAX_IN_FLIGHT`, [`DEFAULT_MAX_IN_FLIGHT`]); beyond it a
    /// request is answered 503 at once (`web::admission`).
    pub max_in_flight: usize,
}

/// Enough for a few hundred CSRs at their usual pace (one request every few
/// seconds each, answered in milliseconds), few enough that a server
/// falling behind holds a bounded amount of memory (see docs/deploy.md).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 128;

/// Where receipts go: files in the outbox (the default), or an SMTP server.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub from: String,
    pub biller_name: String,
    pub smtp: Option<SmtpConfig>,
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub starttls: bool,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmtpConfig {{ host: {:?}, port: {}, starttls: {}, user: {:?}, password: *** }}",
            self.host, self.port, self.starttls, self.user
        )
    }
}

/// A key read from `PAYDESK_KEY`; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvKey([u8; 32]);

impl EnvKey {
    pub fn bytes(&self) -> [u8; 32] {
        self.0
    }

    /// Base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
    fn parse(text: &str) -> Option<EnvKey> {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let text = text.trim().trim_end_matches('=');
        let bytes = STANDARD_NO_PAD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text))
            .ok()?;
        Some(EnvKey(bytes.try_into().ok()?))
    }
}

impl std::fmt::Debug for EnvKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnvKey(…)")
    }
}

/// Whether the session cookie carries `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureCookies {
    /// Only when the request came over https (directly or per `X-Forwarded-Proto`).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem} (got {value:?})")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub problem: &'static str,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/paydesk.db";

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads every setting through `get`, so tests can supply their own.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let val = |var: &'static str, default: &str| {
            get(var)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        let bad = |var: &'static str, value: String, problem: &'static str| ConfigError {
            var,
            value,
            problem,
        };

        let database_url = val("DATABASE_URL", DEFAULT_DATABASE_URL);
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("postgresql:"))
        {
            return Err(bad(
                "DATABASE_URL",
                redact_url(&database_url),
                "must start with sqlite:// or postgres://",
            ));
        }
        let addr = val("LEPTOS_SITE_ADDR", "127.0.0.1:3000");
        let site_addr = addr.parse().map_err(|_| {
            bad(
                "LEPTOS_SITE_ADDR",
                addr.clone(),
                "must be an address like 127.0.0.1:3000",
            )
        })?;
        let data_dir = PathBuf::from(val("PAYDESK_DATA_DIR", "./data"));
        let key_file = get("PAYDESK_KEY_FILE")
            .filter(|v| !v.trim().is_empty())
            .map(PathBuf::from);
        let key_env = match get("PAYDESK_KEY").filter(|v| !v.trim().is_empty()) {
            None => None,
            // The value is a secret: an error names the variable, never it.
            Some(_) if key_file.is_some() => {
                return Err(bad(
                    "PAYDESK_KEY",
                    "(hidden)".into(),
                    "set PAYDESK_KEY or PAYDESK_KEY_FILE, not both",
                ));
            }
            Some(text) => Some(EnvKey::parse(&text).ok_or_else(|| {
                bad(
                    "PAYDESK_KEY",
                    "(hidden)".into(),
                    "must be 32 bytes in base64 (`head -c 32 /dev/urandom | base64`)",
                )
            })?),
        };
        let read_key_files = get("PAYDESK_READ_KEY_FILES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect();
        let session_idle_minutes = whole::<i64>(
            &val,
            "PAYDESK_SESSION_IDLE_MINUTES",
            "30",
            1..=1440,
            "must be a whole number of minutes from 1 to 1440",
        )?;
        let session_max_hours = whole::<i64>(
            &val,
            "PAYDESK_SESSION_MAX_HOURS",
            "12",
            1..=720,
            "must be a whole number of hours from 1 to 720",
        )?;
        let cores = crate::services::passwords::cores().to_string();
        let hash_concurrency = whole::<usize>(
            &val,
            "PAYDESK_HASH_CONCURRENCY",
            &cores,
            1..=256,
            "must be a whole number from 1 to 256",
        )?;
        let secure = val("PAYDESK_SECURE_COOKIES", "auto");
        let secure_cookies = match secure.as_str() {
            "auto" => SecureCookies::Auto,
            "always" => SecureCookies::Always,
            "never" => SecureCookies::Never,
            _ => {
                return Err(bad(
                    "PAYDESK_SECURE_COOKIES",
                    secure,
                    "must be auto, always or never",
                ));
            }
        };
        let max = val("PAYDESK_MAX_PAYMENT", "99999.99");
        let max_payment = check_amount(&max, Money::from_cents(i64::MAX)).map_err(|_| {
            bad(
                "PAYDESK_MAX_PAYMENT",
                max.clone(),
                "must be an amount greater than 0 with at most 2 decimals",
            )
        })?;
        let cutoff = val("PAYDESK_SETTLEMENT_CUTOFF", "17:00");
        let settlement_cutoff = parse_hhmm(&cutoff).ok_or_else(|| {
            bad(
                "PAYDESK_SETTLEMENT_CUTOFF",
                cutoff.clone(),
                "must be a time of day like 17:00",
            )
        })?;
        let timezone = val("PAYDESK_TIMEZONE", "America/New_York");
        if jiff::tz::TimeZone::get(&timezone).is_err() {
            return Err(bad(
                "PAYDESK_TIMEZONE",
                timezone,
                "must be an IANA time zone like America/New_York",
            ));
        }
        let settle_every = match get("PAYDESK_SETTLE_EVERY").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => Some(parse_duration(&v).ok_or_else(|| {
                bad(
                    "PAYDESK_SETTLE_EVERY",
                    v.clone(),
                    "must be a duration like 60s or 5m (at least 5s)",
                )
            })?),
        };
        let smtp = match get("PAYDESK_SMTP_HOST").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(host) => {
                let port_s = val("PAYDESK_SMTP_PORT", "587");
                let port = port_s.parse().map_err(|_| {
                    bad("PAYDESK_SMTP_PORT", port_s.clone(), "must be a port number")
                })?;
                let tls = val("PAYDESK_SMTP_STARTTLS", "true");
                let starttls = match tls.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("PAYDESK_SMTP_STARTTLS", tls, "must be true or false")),
                };
                Some(SmtpConfig {
                    host,
                    port,
                    starttls,
                    user: get("PAYDESK_SMTP_USER").filter(|v| !v.is_empty()),
                    password: get("PAYDESK_SMTP_PASSWORD").filter(|v| !v.is_empty()),
                })
            }
        };
        let mail = MailConfig {
            from: val(
                "PAYDESK_MAIL_FROM",
                "Paydesk Receipts <receipts@paydesk.example>",
            ),
            biller_name: val("PAYDESK_BILLER_NAME", "Paydesk Demo Utilities"),
            smtp,
        };
        if mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(bad(
                "PAYDESK_MAIL_FROM",
                mail.from,
                "must be an address like Receipts <receipts@example.com>",
            ));
        }
        let routing = |var: &'static str, default: &str| {
            let v = val(var, default);
            crate::domain::bank::check_routing(&v).map_err(|_| {
                bad(
                    var,
                    v.clone(),
                    "must be a 9-digit routing number with a valid check digit",
                )
            })
        };
        let odfi_routing = routing("PAYDESK_ACH_ODFI_ROUTING", "091000019")?;
        let immediate_destination = routing("PAYDESK_ACH_DESTINATION", &odfi_routing)?;
        let company_id = val("PAYDESK_ACH_COMPANY_ID", "1234567890");
        if company_id.len() != 10 || !company_id.is_ascii() {
            return Err(bad(
                "PAYDESK_ACH_COMPANY_ID",
                company_id,
                "must be 10 characters, usually 1 and the 9-digit EIN",
            ));
        }
        let ach = crate::domain::nacha::Originator {
            immediate_destination,
            immediate_destination_name: val("PAYDESK_ACH_DESTINATION_NAME", "Demo ODFI Bank"),
            immediate_origin: val("PAYDESK_ACH_ORIGIN", &company_id),
            immediate_origin_name: val(
                "PAYDESK_ACH_ORIGIN_NAME",
                &nacha_cut(&mail.biller_name, BANK_NAME_MAX),
            ),
            company_name: val(
                "PAYDESK_ACH_COMPANY_NAME",
                &nacha_cut(&mail.biller_name, COMPANY_NAME_MAX),
            ),
            company_id,
            odfi_routing,
        };
        if ach.immediate_origin.len() != 10 || !ach.immediate_origin.is_ascii() {
            return Err(bad(
                "PAYDESK_ACH_ORIGIN",
                ach.immediate_origin,
                "must be 10 characters",
            ));
        }
        for (var, v, max) in [
            (
                "PAYDESK_ACH_COMPANY_NAME",
                &ach.company_name,
                COMPANY_NAME_MAX,
            ),
            (
                "PAYDESK_ACH_ORIGIN_NAME",
                &ach.immediate_origin_name,
                BANK_NAME_MAX,
            ),
            (
                "PAYDESK_ACH_DESTINATION_NAME",
                &ach.immediate_destination_name,
                BANK_NAME_MAX,
            ),
        ] {
            if v.chars().count() > max {
                return Err(bad(
                    var,
                    v.clone(),
                    "is longer than a NACHA file has room for",
                ));
            }
        }
        let sign_in_ip_limit = whole::<i64>(
            &val,
            "PAYDESK_SIGN_IN_IP_LIMIT",
            "20",
            1..=1_000_000,
            "must be a whole number from 1 to 1000000",
        )?;
        let proxy = val("PAYDESK_TRUST_PROXY", "false");
        let trust_proxy = match proxy.as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(bad("PAYDESK_TRUST_PROXY", proxy, "must be true or false")),
        };
        let password_max_age_days = whole::<i64>(
            &val,
            "PAYDESK_PASSWORD_MAX_AGE_DAYS",
            "90",
            0..=3650,
            "must be a whole number of days from 0 (never) to 3650",
        )?;
        let upload_max_bytes = whole::<u64>(
            &val,
            "PAYDESK_UPLOAD_MAX_MB",
            "100",
            1..=4096,
            "must be a whole number of megabytes from 1 to 4096",
        )? * 1024
            * 1024;
        let threshold = val("PAYDESK_REFUND_APPROVAL_THRESHOLD", "500.00");
        let refund_approval_threshold = crate::domain::money::Money::parse(&threshold)
            .ok()
            .filter(|m| m.cents() >= 0)
            .ok_or_else(|| {
                bad(
                    "PAYDESK_REFUND_APPROVAL_THRESHOLD",
                    threshold.clone(),
                    "must be an amount like 500.00",
                )
            })?;
        let recover = val("PAYDESK_RECOVER_AFTER", "60s");
        let recover_after = parse_duration(&recover).ok_or_else(|| {
            bad(
                "PAYDESK_RECOVER_AFTER",
                recover.clone(),
                "must be a duration like 60s or 5m (at least 5s)",
            )
        })?;
        let metrics_addr = match get("PAYDESK_METRICS_ADDR").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => {
                let addr: SocketAddr = v.trim().parse().map_err(|_| {
                    bad(
                        "PAYDESK_METRICS_ADDR",
                        v.clone(),
                        "must be an address like 127.0.0.1:9464",
                    )
                })?;
                if addr == site_addr {
                    return Err(bad(
                        "PAYDESK_METRICS_ADDR",
                        v,
                        "must differ from LEPTOS_SITE_ADDR: metrics get a listener of their own",
                    ));
                }
                Some(addr)
            }
        };
        let payment_link_hours = whole::<i64>(
            &val,
            "PAYDESK_PAYMENT_LINK_HOURS",
            "72",
            1..=720,
            "must be a whole number of hours from 1 to 720",
        )?;
        let public_url = val("PAYDESK_PUBLIC_URL", &format!("http://{site_addr}"))
            .trim()
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
            || public_url.contains(char::is_whitespace)
            || public_url.len() > 200
        {
            return Err(bad(
                "PAYDESK_PUBLIC_URL",
                public_url,
                "must be the site's address, like https://pay.example.com",
            ));
        }
        let payer_rate_per_minute = whole::<i64>(
            &val,
            "PAYDESK_PAYER_RATE_PER_MINUTE",
            "60",
            1..=1_000_000,
            "must be a whole number from 1 to 1000000",
        )?;
        let max_in_flight = whole::<usize>(
            &val,
            "PAYDESK_MAX_IN_FLIGHT",
            &DEFAULT_MAX_IN_FLIGHT.to_string(),
            1..=100_000,
            "must be a whole number from 1 to 100000",
        )?;
        Ok(Config {
            max_in_flight,
            payment_link_hours,
            public_url,
            payer_rate_per_minute,
            metrics_addr,
            recover_after,
            password_max_age_days,
            refund_approval_threshold,
            upload_max_bytes,
            sign_in_ip_limit,
            trust_proxy,
            ach,
            database_url,
            site_addr,
            data_dir,
            key_file,
            key_env,
            read_key_files,
            session_idle_minutes,
            session_max_hours,
            hash_concurrency,
            secure_cookies,
            max_payment,
            settlement_cutoff,
            timezone,
            settle_every,
            mail,
        })
    }

    pub fn session_idle_ms(&self) -> i64 {
        self.session_idle_minutes * 60_000
    }

    pub fn session_max_ms(&self) -> i64 {
        self.session_max_hours * 3_600_000
    }

    pub fn password_max_age_ms(&self) -> i64 {
        self.password_max_age_days * 86_400_000
    }
}

/// A whole-number setting `var` (`default` when unset or blank), refused
/// with `problem` unless it lies in `range`.
fn whole<T: std::str::FromStr + PartialOrd>(
    val: &impl Fn(&'static str, &str) -> String,
    var: &'static str,
    default: &str,
    range: std::ops::RangeInclusive<T>,
    problem: &'static str,
) -> Result<T, ConfigError> {
    let raw = val(var, default);
    match raw.parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ConfigError {
            var,
            value: raw,
            problem,
        }),
    }
}

fn parse_hhmm(s: &str) -> Option<(i8, i8)> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m) && s.trim().len() <= 5).then_some((h, m))
}

fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    (secs >= 5).then(|| std::time::Duration::from_secs(secs))
}

/// Hides a password in a database URL before it reaches a message or log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

/// The biller's name as a NACHA name field's default: what fits in `max`
/// characters, without a trailing space (the Profile's check would refuse
/// a longer one at the first Save Changes).
fn nacha_cut(name: &str, max: usize) -> String {
    name.chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_run_on_sqlite() {
        let c = with(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.session_idle_ms(), 30 * 60_000);
        assert_eq!(c.session_max_ms(), 12 * 3_600_000);
        assert!(c.hash_concurrency >= 1);
    }

    #[test]
    fn session_lifetime_and_hash_concurrency_are_checked() {
        assert_eq!(
            with(&[("PAYDESK_SESSION_MAX_HOURS", "8")])
                .unwrap()
                .session_max_ms(),
            8 * 3_600_000
        );
        for bad in ["0", "721", "12h", "-1"] {
            assert_eq!(
                with(&[("PAYDESK_SESSION_MAX_HOURS", bad)]).unwrap_err().var,
                "PAYDESK_SESSION_MAX_HOURS"
            );
        }
        assert_eq!(
            with(&[("PAYDESK_HASH_CONCURRENCY", "3")])
                .unwrap()
                .hash_concurrency,
            3
        );
        assert_eq!(
            with(&[("PAYDESK_HASH_CONCURRENCY", "0")]).unwrap_err().var,
            "PAYDESK_HASH_CONCURRENCY"
        );
    }

    #[test]
    fn the_bound_on_requests_at_once_is_checked() {
        assert_eq!(with(&[]).unwrap().max_in_flight, DEFAULT_MAX_IN_FLIGHT);
        assert_eq!(
            with(&[("PAYDESK_MAX_IN_FLIGHT", "16")])
                .unwrap()
                .max_in_flight,
            16
        );
        for bad in ["0", "many", "-3", "100001"] {
            assert_eq!(
                with(&[("PAYDESK_MAX_IN_FLIGHT", bad)]).unwrap_err().var,
                "PAYDESK_MAX_IN_FLIGHT"
            );
        }
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let e = with(&[("PAYDESK_SESSION_IDLE_MINUTES", "soon")]).unwrap_err();
        assert_eq!(e.var, "PAYDESK_SESSION_IDLE_MINUTES");
        assert!(
            e.to_string()
                .starts_with("PAYDESK_SESSION_IDLE_MINUTES: must be")
        );
        assert_eq!(
            with(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var,
            "DATABASE_URL"
        );
        assert_eq!(
            with(&[("LEPTOS_SITE_ADDR", "localhost")]).unwrap_err().var,
            "LEPTOS_SITE_ADDR"
        );
        assert_eq!(
            with(&[("PAYDESK_MAX_PAYMENT", "1.005")]).unwrap_err().var,
            "PAYDESK_MAX_PAYMENT"
        );
        assert_eq!(
            with(&[("PAYDESK_SETTLEMENT_CUTOFF", "25:00")])
                .unwrap_err()
                .var,
            "PAYDESK_SETTLEMENT_CUTOFF"
        );
        assert_eq!(
            with(&[("PAYDESK_TIMEZONE", "Mars/Olympus")])
                .unwrap_err()
                .var,
            "PAYDESK_TIMEZONE"
        );
        assert_eq!(
            with(&[("PAYDESK_SETTLE_EVERY", "1s")]).unwrap_err().var,
            "PAYDESK_SETTLE_EVERY"
        );
        assert_eq!(
            with(&[("PAYDESK_SMTP_HOST", "mail"), ("PAYDESK_SMTP_PORT", "x")])
                .unwrap_err()
                .var,
            "PAYDESK_SMTP_PORT"
        );
        assert_eq!(
            with(&[("PAYDESK_ACH_ODFI_ROUTING", "091000018")])
                .unwrap_err()
                .var,
            "PAYDESK_ACH_ODFI_ROUTING"
        );
        assert_eq!(
            with(&[("PAYDESK_ACH_COMPANY_ID", "12345")])
                .unwrap_err()
                .var,
            "PAYDESK_ACH_COMPANY_ID"
        );
        assert_eq!(
            with(&[("PAYDESK_ACH_COMPANY_NAME", "Lakeside Water and Light")])
                .unwrap_err()
                .var,
            "PAYDESK_ACH_COMPANY_NAME"
        );
        assert_eq!(
            with(&[("PAYDESK_KEY_FILE", "/etc/paydesk/paydesk.key")])
                .unwrap()
                .key_file,
            Some(std::path::PathBuf::from("/etc/paydesk/paydesk.key"))
        );
        assert_eq!(with(&[]).unwrap().key_file, None);
        let key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
        let c = with(&[("PAYDESK_KEY", key)]).unwrap();
        assert_eq!(c.key_env.map(|k| k.bytes()[31]), Some(32));
        // The same key unpadded, and with the URL-safe alphabet.
        let bytes = |v: &str| {
            with(&[("PAYDESK_KEY", v)])
                .unwrap()
                .key_env
                .map(|k| k.bytes())
        };
        let odd = "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/8=";
        assert!(bytes(odd).is_some());
        assert_eq!(bytes(odd.trim_end_matches('=')), bytes(odd));
        assert_eq!(bytes(&odd.replace('+', "-").replace('/', "_")), bytes(odd));
        assert_eq!(bytes(key.trim_end_matches('=')), bytes(key));
        for wrong in ["AQID", "not base64!"] {
            let e = with(&[("PAYDESK_KEY", wrong)]).unwrap_err();
            assert_eq!(e.var, "PAYDESK_KEY");
            assert!(!e.to_string().contains(wrong), "never echoed: {e}");
        }
        let e = with(&[("PAYDESK_KEY", key), ("PAYDESK_KEY_FILE", "/k")]).unwrap_err();
        assert!(e.problem.contains("not both"), "{e}");
        assert!(!e.to_string().contains(key), "{e}");
        assert_eq!(
            with(&[("PAYDESK_READ_KEY_FILES", "/a.key, /b.key,")])
                .unwrap()
                .read_key_files,
            vec![PathBuf::from("/a.key"), PathBuf::from("/b.key")]
        );
        // Unset, the biller's name is cut to fit, without a trailing space.
        let c = with(&[("PAYDESK_BILLER_NAME", "Paydesk Demo Utilities")]).unwrap();
        assert_eq!(c.ach.company_name, "Paydesk Demo Uti");
        assert_eq!(
            super::nacha_cut("Town of Lakeside Water", 16),
            "Town of Lakeside"
        );
        assert_eq!(
            with(&[("PAYDESK_SIGN_IN_IP_LIMIT", "0")]).unwrap_err().var,
            "PAYDESK_SIGN_IN_IP_LIMIT"
        );
        assert_eq!(
            with(&[("PAYDESK_TRUST_PROXY", "yes")]).unwrap_err().var,
            "PAYDESK_TRUST_PROXY"
        );
        assert_eq!(
            with(&[("PAYDESK_PASSWORD_MAX_AGE_DAYS", "-1")])
                .unwrap_err()
                .var,
            "PAYDESK_PASSWORD_MAX_AGE_DAYS"
        );
        assert_eq!(
            with(&[("PAYDESK_PASSWORD_MAX_AGE_DAYS", "0")])
                .unwrap()
                .password_max_age_ms(),
            0,
            "0 means never"
        );
        assert_eq!(with(&[]).unwrap().refund_approval_threshold.cents(), 50_000);
        assert_eq!(
            with(&[("PAYDESK_UPLOAD_MAX_MB", "2")])
                .unwrap()
                .upload_max_bytes,
            2 * 1024 * 1024
        );
        assert_eq!(
            with(&[("PAYDESK_UPLOAD_MAX_MB", "0")]).unwrap_err().var,
            "PAYDESK_UPLOAD_MAX_MB"
        );
        assert_eq!(
            with(&[("PAYDESK_REFUND_APPROVAL_THRESHOLD", "12.345")])
                .unwrap_err()
                .var,
            "PAYDESK_REFUND_APPROVAL_THRESHOLD"
        );
    }

    #[test]
    fn payment_settings() {
        let c = with(&[
            ("PAYDESK_MAX_PAYMENT", "500"),
            ("PAYDESK_SETTLE_EVERY", "60s"),
            ("PAYDESK_SETTLEMENT_CUTOFF", "9:30"),
        ])
        .unwrap();
        assert_eq!(c.max_payment, Money::from_cents(50_000));
        assert_eq!(c.settle_every, Some(std::time::Duration::from_secs(60)));
        assert_eq!(c.settlement_cutoff, (9, 30));
        assert_eq!(with(&[]).unwrap().max_payment, Money::from_cents(9_999_999));
        let smtp = with(&[
            ("PAYDESK_SMTP_HOST", "mail.example.com"),
            ("PAYDESK_SMTP_PASSWORD", "hunter2"),
        ])
        .unwrap()
        .mail
        .smtp
        .unwrap();
        assert!(!format!("{smtp:?}").contains("hunter2"));
    }

    #[test]
    fn metrics_are_off_unless_given_an_address_of_their_own() {
        assert_eq!(with(&[]).unwrap().metrics_addr, None);
        assert_eq!(
            with(&[("PAYDESK_METRICS_ADDR", "127.0.0.1:9464")])
                .unwrap()
                .metrics_addr,
            Some("127.0.0.1:9464".parse().unwrap())
        );
        for bad in ["9464", "localhost:9464", "127.0.0.1", "127.0.0.1:3000"] {
            let e = with(&[("PAYDESK_METRICS_ADDR", bad)]).unwrap_err();
            assert_eq!(e.var, "PAYDESK_METRICS_ADDR", "{bad}");
            assert!(e.to_string().contains("must"), "{e}");
        }
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@db:5432/p"),
            "postgres://***@db:5432/p"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
