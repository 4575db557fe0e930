//! Any text as an amount: refused, or exact. What is accepted prints back
//! to a form that parses to the same cents (nothing rounded on the way).
#![no_main]

use app::domain::money::Money;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(m) = Money::parse(text) {
            assert_eq!(Money::parse(&m.plain()), Ok(m), "{text:?} -> {}", m.plain());
            assert_eq!(Money::parse(&m.to_string()), Ok(m), "{text:?} -> {m}");
        }
    }
});
