//! Any text as a NACHA return file: parsed or refused with a reason, never
//! a panic (fixed-width slicing is where panics hide).
#![no_main]

use app::domain::nacha::parse_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_file(text);
    }
});
