//! The Luhn check (ISO/IEC 7812-1) and card numbers (PANs).

use carddesk_domain::card::{CardNumber, CardNumberError};
use carddesk_domain::luhn;
use proptest::prelude::*;

/// Published test numbers (card schemes' and payment processors' test PANs),
/// plus the classic textbook example 79927398713.
const VALID: &[&str] = &[
    "4111111111111111", // Visa
    "4012888888881881", // Visa
    "4222222222222",    // Visa, 13 digits
    "5500005555555559", // Mastercard
    "5555555555554444", // Mastercard
    "2223003122003222", // Mastercard, 2-series
    "378282246310005",  // American Express
    "371449635398431",  // American Express
    "6011111111111117", // Discover
    "3530111333300000", // JCB
    "6200000000000005", // UnionPay
    "79927398713",      // the classic example
];

#[test]
fn published_numbers_are_valid() {
    for n in VALID {
        assert!(luhn::is_valid(n), "{n}");
    }
}

#[test]
fn check_digit_of_the_classic_example() {
    assert_eq!(luhn::check_digit("7992739871"), Some(3));
}

#[test]
fn check_digit_completes_every_published_number() {
    for n in VALID {
        let (payload, last) = n.split_at(n.len() - 1);
        assert_eq!(
            luhn::check_digit(payload).map(|d| d.to_string()),
            Some(last.to_owned()),
            "{n}"
        );
    }
}

#[test]
fn any_single_changed_digit_is_invalid() {
    for n in VALID {
        for pos in 0..n.len() {
            for d in b'0'..=b'9' {
                let mut changed = n.as_bytes().to_vec();
                if changed[pos] == d {
                    continue;
                }
                changed[pos] = d;
                let changed = String::from_utf8(changed).unwrap();
                assert!(!luhn::is_valid(&changed), "{changed} (from {n})");
            }
        }
    }
}

#[test]
fn transposed_adjacent_digits_are_invalid() {
    // Luhn catches every adjacent transposition except 09 <-> 90.
    let mut tried = 0;
    for n in VALID {
        let b = n.as_bytes();
        for i in 0..b.len() - 1 {
            let pair = (b[i], b[i + 1]);
            if pair.0 == pair.1 || matches!(pair, (b'0', b'9') | (b'9', b'0')) {
                continue;
            }
            let mut swapped = b.to_vec();
            swapped.swap(i, i + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            assert!(!luhn::is_valid(&swapped), "{swapped} (from {n})");
            tried += 1;
        }
    }
    assert!(tried > 50, "only {tried} transpositions tried");
}

#[test]
fn the_09_transposition_is_the_known_blind_spot() {
    // 0 and 9 contribute the same whether doubled or not, so swapping them
    // keeps the sum: proof the checker really computes Luhn, not a lookalike.
    assert!(luhn::is_valid("0919"));
    assert!(luhn::is_valid("9019"));
}

#[test]
fn is_valid_refuses_what_is_not_a_digit_string() {
    for bad in [
        "",
        "0",
        "7",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "411111111111111a",
        "٤١١١",
    ] {
        assert!(!luhn::is_valid(bad), "{bad:?}");
    }
}

#[test]
fn check_digit_refuses_what_is_not_a_digit_string() {
    assert_eq!(luhn::check_digit(""), None);
    assert_eq!(luhn::check_digit("12a4"), None);
    assert_eq!(luhn::check_digit(" 123"), None);
    assert_eq!(luhn::check_digit("0"), Some(0));
}

proptest! {
    #[test]
    fn check_digit_makes_a_valid_number_and_no_other_digit_does(payload in "[0-9]{1,24}") {
        let d = luhn::check_digit(&payload).unwrap();
        prop_assert!(d <= 9);
        for other in 0u8..=9 {
            let n = format!("{payload}{other}");
            prop_assert_eq!(luhn::is_valid(&n), other == d, "{}", n);
        }
    }
}

// Card numbers.

fn check(input: &str, expected: Result<&str, CardNumberError>) {
    let got = CardNumber::parse(input).map(|n| n.expose().to_owned());
    assert_eq!(got, expected.map(str::to_owned), "{input:?}");
}

#[test]
fn card_numbers_of_13_to_19_digits_parse() {
    for n in VALID.iter().filter(|n| n.len() >= 13) {
        check(n, Ok(n));
    }
    check("6228481234567890128", Ok("6228481234567890128")); // 19 digits
}

#[test]
fn spaces_and_dashes_are_ignored() {
    check("4111 1111 1111 1111", Ok("4111111111111111"));
    check("4111-1111-1111-1111", Ok("4111111111111111"));
    check(" 3782 822463 10005 ", Ok("378282246310005"));
}

#[test]
fn bad_lengths_are_refused_even_with_a_good_check_digit() {
    check("79927398713", Err(CardNumberError::Format)); // 11 digits
    check("123456789015", Err(CardNumberError::Format)); // 12 digits, Luhn-valid
    check("41111111111111111115", Err(CardNumberError::Format)); // 20 digits, Luhn-valid
    check("", Err(CardNumberError::Format));
    check("    ", Err(CardNumberError::Format));
}

#[test]
fn letters_and_other_separators_are_refused() {
    check("4111111111111111a", Err(CardNumberError::Format));
    check("411111111111111O", Err(CardNumberError::Format));
    check("4111.1111.1111.1111", Err(CardNumberError::Format));
    check("4111_1111_1111_1111", Err(CardNumberError::Format));
    check("+4111111111111111", Err(CardNumberError::Format));
}

#[test]
fn a_wrong_check_digit_is_refused() {
    check("4111111111111112", Err(CardNumberError::CheckDigit));
    check("5500005555555550", Err(CardNumberError::CheckDigit));
    check("5500 0055 5555 5595", Err(CardNumberError::CheckDigit)); // transposed
}

#[test]
fn bin_and_last_four() {
    let n = CardNumber::parse("6228481234567890128").unwrap();
    assert_eq!(n.bin(), "622848");
    assert_eq!(n.last_four(), "0128");
    let n = CardNumber::parse("4222222222222").unwrap();
    assert_eq!((n.bin(), n.last_four()), ("422222", "2222"));
}

#[test]
fn debug_and_display_show_at_most_bin_and_last_four() {
    let n = CardNumber::parse("5500-0055-5555-5559").unwrap();
    assert_eq!(n.to_string(), "550000******5559");
    assert_eq!(format!("{n:?}"), "CardNumber(550000******5559)");
    assert_eq!(n.masked(), "550000******5559");

    for pan in ["6228481234567890128", "378282246310005", "4222222222222"] {
        let n = CardNumber::parse(pan).unwrap();
        for shown in [n.to_string(), format!("{n:?}"), format!("{n:#?}")] {
            let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(
                digits,
                format!("{}{}", &pan[..6], &pan[pan.len() - 4..]),
                "{shown}"
            );
        }
    }
}
