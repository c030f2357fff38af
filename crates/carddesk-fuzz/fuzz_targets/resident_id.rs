//! A resident ID number as typed: never a panic; what parses parses again
//! from its canonical form to the same document, and never prints whole.
#![no_main]

use carddesk_domain::customer::IdDocument;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(document) = IdDocument::resident_id(input) {
        let canonical = document.canonical();
        let number = canonical.trim_start_matches("resident_id:");
        let again = IdDocument::resident_id(number).expect("the canonical number parses again");
        assert_eq!(again.canonical(), canonical);
        assert!(
            !format!("{document:?}").contains(number),
            "Debug never shows the whole number"
        );
    }
});
