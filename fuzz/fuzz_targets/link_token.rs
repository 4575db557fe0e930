//! Any text as a payment link's token: refused, or read exactly. A token
//! has one spelling, so what is accepted prints back to the very input.
#![no_main]

use app::domain::payment_link::{LinkToken, TOKEN_MAX_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(t) = LinkToken::parse(text) {
            assert!(t.id > 0, "{text:?}");
            assert!(text.len() <= TOKEN_MAX_LEN);
            assert_eq!(t.to_string(), text);
            assert_eq!(LinkToken::parse(&t.to_string()), Some(t));
        }
    }
});
