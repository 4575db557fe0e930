//! Settings come from the environment (and an optional `.env`, loaded by the
//! binary). A bad value stops start-up with one line naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub session_idle_minutes: i64,
    pub secure_cookies: SecureCookies,
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
        let val = |var: &'static str, default: &str| get(var).filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_string());
        let bad = |var: &'static str, value: String, problem: &'static str| ConfigError { var, value, problem };

        let database_url = val("DATABASE_URL", DEFAULT_DATABASE_URL);
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres:") || database_url.starts_with("postgresql:")) {
            return Err(bad("DATABASE_URL", redact_url(&database_url), "must start with sqlite:// or postgres://"));
        }
        let addr = val("LEPTOS_SITE_ADDR", "127.0.0.1:3000");
        let site_addr = addr.parse().map_err(|_| bad("LEPTOS_SITE_ADDR", addr.clone(), "must be an address like 127.0.0.1:3000"))?;
        let data_dir = PathBuf::from(val("PAYDESK_DATA_DIR", "./data"));
        let idle = val("PAYDESK_SESSION_IDLE_MINUTES", "30");
        let session_idle_minutes = idle
            .parse::<i64>()
            .ok()
            .filter(|m| (1..=1440).contains(m))
            .ok_or_else(|| bad("PAYDESK_SESSION_IDLE_MINUTES", idle.clone(), "must be a whole number of minutes from 1 to 1440"))?;
        let secure = val("PAYDESK_SECURE_COOKIES", "auto");
        let secure_cookies = match secure.as_str() {
            "auto" => SecureCookies::Auto,
            "always" => SecureCookies::Always,
            "never" => SecureCookies::Never,
            _ => return Err(bad("PAYDESK_SECURE_COOKIES", secure, "must be auto, always or never")),
        };
        Ok(Config { database_url, site_addr, data_dir, session_idle_minutes, secure_cookies })
    }

    pub fn session_idle_ms(&self) -> i64 {
        self.session_idle_minutes * 60_000
    }
}

/// Hides a password in a database URL before it reaches a message or log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_run_on_sqlite() {
        let c = with(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.session_idle_ms(), 30 * 60_000);
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let e = with(&[("PAYDESK_SESSION_IDLE_MINUTES", "soon")]).unwrap_err();
        assert_eq!(e.var, "PAYDESK_SESSION_IDLE_MINUTES");
        assert!(e.to_string().starts_with("PAYDESK_SESSION_IDLE_MINUTES: must be"));
        assert_eq!(with(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var, "DATABASE_URL");
        assert_eq!(with(&[("LEPTOS_SITE_ADDR", "localhost")]).unwrap_err().var, "LEPTOS_SITE_ADDR");
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@db:5432/p"), "postgres://***@db:5432/p");
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
