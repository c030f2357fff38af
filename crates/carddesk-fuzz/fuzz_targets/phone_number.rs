//! A phone number as typed: never a panic; what parses is E.164 and
//! parses again from that form to the same number.
#![no_main]

use carddesk_domain::customer::PhoneNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(phone) = PhoneNumber::parse(input) {
        let e164 = phone.as_str();
        assert!(e164.starts_with('+'), "{e164} is E.164");
        let again = PhoneNumber::parse(e164).expect("E.164 parses again");
        assert_eq!(again.as_str(), e164);
    }
});
