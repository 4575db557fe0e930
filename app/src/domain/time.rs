//! A point in time as the database stores it: milliseconds since the Unix
//! epoch, UTC, in a BIGINT on both engines (so both compare and index it
//! the same way). A type of its own, so a timestamp is never mixed up with
//! a count, an amount or a duration.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(transparent))]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// The clock, now. Server only: the browser build has no system clock
    /// (`SystemTime::now` panics in WebAssembly).
    #[cfg(feature = "ssr")]
    pub fn now() -> Timestamp {
        Timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    /// `ms` milliseconds later (earlier when negative).
    pub const fn plus_ms(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }

    /// How many milliseconds after `earlier` this is (negative if before).
    pub const fn ms_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// True when more than `ms` milliseconds passed from `self` to `now`.
    pub const fn older_than(self, ms: i64, now: Timestamp) -> bool {
        now.ms_since(self) > ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_in_milliseconds_and_saturates() {
        let t = Timestamp::from_millis(1_000);
        assert_eq!(t.plus_ms(500).millis(), 1_500);
        assert_eq!(t.plus_ms(500).ms_since(t), 500);
        assert_eq!(t.ms_since(t.plus_ms(500)), -500);
        assert!(t.older_than(499, t.plus_ms(500)));
        assert!(!t.older_than(500, t.plus_ms(500)));
        assert_eq!(
            Timestamp::from_millis(i64::MAX).plus_ms(1).millis(),
            i64::MAX
        );
    }

    #[test]
    fn it_crosses_the_wire_as_a_plain_number() {
        let t = Timestamp::from_millis(1_764_633_600_000);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1764633600000");
    }
}
