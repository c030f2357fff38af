//! A passport's country and number as typed (split at the first `|`):
//! never a panic.
#![no_main]

use carddesk_domain::customer::IdDocument;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let (country, number) = input.split_once('|').unwrap_or(("CN", input));
    if let Ok(document) = IdDocument::passport(country, number) {
        let _ = document.canonical();
        let _ = document.masked();
    }
});
