//! A card number as typed: never a panic; what parses passes the Luhn
//! check and never prints in full.
#![no_main]

use carddesk_domain::card::CardNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(number) = CardNumber::parse(input) {
        let digits = number.expose();
        assert!(
            carddesk_domain::luhn::is_valid(digits),
            "{digits} passed without its Luhn digit"
        );
        assert!(
            !format!("{number:?}").contains(digits),
            "Debug never shows the whole number"
        );
    }
});
