//! An unfreeze code as typed or read out: never a panic; what normalises
//! is ten characters of the code alphabet and normalises to itself.
#![no_main]

use carddesk_processor::instructions::normalize_code;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Some(code) = normalize_code(input) {
        assert_eq!(code.len(), 10, "{code:?}");
        assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
    }
});
