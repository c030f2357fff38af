//! Resident ID numbers (GB 11643-1999) and their ISO 7064 MOD 11-2 check
//! character.
//!
//! The check character: multiply the first 17 digits by the weights
//! `7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2` (2^(17-i) mod 11), add, take the sum
//! mod 11, and look it up in `1 0 X 9 8 7 6 5 4 3 2`.

use carddesk_domain::customer::{ResidentIdError, ResidentIdNumber};
use carddesk_domain::id_number::check_character;
use chrono::NaiveDate;
use proptest::prelude::*;

/// Valid numbers, each with its check worked out by hand.
const VALID: &[&str] = &[
    // The standard's own example (GB 11643-1999, annex):
    // 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 -> X.
    "11010519491231002X",
    // The commonly cited Guangdong example, born 1 January 1880:
    // 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195; 195 mod 11 = 8 -> 4.
    "440524188001010014",
    // Shanghai, 1987-05-06:
    // 21+9+0+5+0+16+2+9+48+21+0+45+0+30+16+0+2 = 224; 224 mod 11 = 4 -> 8.
    "310104198705062018",
    // Jilin, 1966-11-11:
    // 14+18+0+5+0+16+2+9+36+18+7+9+10+5+40+28+2 = 219; 219 mod 11 = 10 -> 2.
    "220104196611115712",
    // Guangxi, 2004-09-09:
    // 28+45+0+5+0+8+4+0+0+12+0+81+0+45+64+32+18 = 342; 342 mod 11 = 1 -> 0.
    "450102200409098890",
    // Shenzhen, 1975-01-01:
    // 28+36+0+15+0+0+2+9+42+15+0+9+0+5+24+0+2 = 187; 187 mod 11 = 0 -> 1.
    "440300197501013011",
    // Beijing, born on a leap day, 2000-02-29:
    // 7+9+0+5+0+32+4+0+0+0+0+18+20+45+0+0+6 = 146; 146 mod 11 = 3 -> 9.
    "110108200002290039",
    // Jiangsu, 1980-07-14:
    // 21+18+0+25+64+8+2+9+48+0+0+63+10+20+16+20+12 = 336; 336 mod 11 = 6 -> 6.
    "320582198007142566",
    // A Hong Kong residence permit (region 81), 1990-01-01:
    // 56+9+0+0+0+0+2+9+54+0+0+9+0+5+0+0+2 = 146; 146 mod 11 = 3 -> 9.
    "810000199001010019",
];

/// ISO 7064 MOD 11-2 in its recursive form, written independently of the
/// crate's weight table: p = 2 * (p + digit) mod 11 over the digits, then
/// the check value is (12 - p) mod 11, with 10 written X.
fn iso7064_mod11_2(first17: &str) -> char {
    let p = first17
        .bytes()
        .fold(0u32, |p, b| (p + u32::from(b - b'0')) * 2 % 11);
    match (12 - p) % 11 {
        10 => 'X',
        v => char::from_digit(v, 10).unwrap(),
    }
}

/// `first17` completed with its correct check character.
fn with_check(first17: &str) -> String {
    format!("{first17}{}", iso7064_mod11_2(first17))
}

fn check(input: &str, expected: Result<&str, ResidentIdError>) {
    let got = ResidentIdNumber::parse(input);
    match expected {
        Ok(number) => assert_eq!(
            got.map(|n| n.expose().to_owned()),
            Ok(number.to_owned()),
            "{input:?}"
        ),
        Err(e) => assert_eq!(got, Err(e), "{input:?}"),
    }
}

#[test]
fn the_published_and_hand_computed_examples_are_valid() {
    for n in VALID {
        check(n, Ok(n));
        assert_eq!(check_character(&n[..17]), n.chars().last(), "{n}");
        assert_eq!(iso7064_mod11_2(&n[..17]), n.chars().last().unwrap(), "{n}");
    }
}

#[test]
fn the_birth_date_is_read_back() {
    let n = ResidentIdNumber::parse("11010519491231002X").unwrap();
    assert_eq!(
        n.birth_date(),
        NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
    );
    let n = ResidentIdNumber::parse("110108200002290039").unwrap();
    assert_eq!(
        n.birth_date(),
        NaiveDate::from_ymd_opt(2000, 2, 29).unwrap()
    );
}

#[test]
fn every_wrong_check_character_is_refused() {
    for n in VALID {
        for c in "0123456789X".chars().filter(|c| !n.ends_with(*c)) {
            check(
                &format!("{}{c}", &n[..17]),
                Err(ResidentIdError::CheckCharacter),
            );
        }
    }
}

#[test]
fn a_single_changed_digit_is_caught() {
    // MOD 11-2 detects every single-digit error. Keep the region and the
    // date valid by changing only the sequence digits (15 to 17).
    let n = "11010519491231002X";
    for pos in 14..17 {
        for d in '0'..='9' {
            let mut changed: Vec<char> = n.chars().collect();
            if changed[pos] == d {
                continue;
            }
            changed[pos] = d;
            let changed: String = changed.into_iter().collect();
            check(&changed, Err(ResidentIdError::CheckCharacter));
        }
    }
}

#[test]
fn lengths_other_than_18_are_refused() {
    check("11010519491231002", Err(ResidentIdError::Length));
    check("11010519491231002X0", Err(ResidentIdError::Length));
    check("110105194912310", Err(ResidentIdError::Length)); // an old 15-digit number
    check("", Err(ResidentIdError::Length));
    check("   ", Err(ResidentIdError::Length));
}

#[test]
fn letters_and_symbols_inside_are_refused() {
    check("1101051949123100XX", Err(ResidentIdError::Character));
    check("X10105194912310021", Err(ResidentIdError::Character));
    check("11010519491231A02X", Err(ResidentIdError::Character));
    check("110105-19491231-02", Err(ResidentIdError::Character));
    check("110105 19491231002", Err(ResidentIdError::Character));
    check("11010519491231002Y", Err(ResidentIdError::Character));
    // Full-width digits are not ASCII digits, whatever their count.
    check("１１0105194912310021", Err(ResidentIdError::Character));
}

#[test]
fn unknown_regions_are_refused() {
    for region in [
        "00", "99", "10", "20", "24", "30", "47", "66", "72", "80", "84",
    ] {
        let n = with_check(&format!("{region}010519491231002"));
        check(&n, Err(ResidentIdError::Region));
    }
}

#[test]
fn impossible_dates_are_refused() {
    for date in [
        "19990230", "19900229", "19001301", "19490001", "19491200", "19491232",
    ] {
        let n = with_check(&format!("110105{date}002"));
        check(&n, Err(ResidentIdError::BirthDate));
    }
    // Years before 1800 are not believable; 1800 and later are (the
    // standard sets no bound, and a published example is from 1880).
    check(
        &with_check("11010517991231002"),
        Err(ResidentIdError::BirthDate),
    );
    check(
        &with_check("11010500010101002"),
        Err(ResidentIdError::BirthDate),
    );
    check(
        &with_check("11010518000101002"),
        Ok(&with_check("11010518000101002")),
    );
    // 1900 was not a leap year; 2000 was.
    check(
        &with_check("11010519000229002"),
        Err(ResidentIdError::BirthDate),
    );
    check(
        &with_check("11010520000229002"),
        Ok(&with_check("11010520000229002")),
    );
}

#[test]
fn lowercase_x_is_accepted_and_upper_cased() {
    check("11010519491231002x", Ok("11010519491231002X"));
}

#[test]
fn surrounding_spaces_are_trimmed() {
    check("  11010519491231002X ", Ok("11010519491231002X"));
    check("\t440524188001010014\n", Ok("440524188001010014"));
}

#[test]
fn debug_and_display_never_show_the_full_number() {
    for n in VALID {
        let id = ResidentIdNumber::parse(n).unwrap();
        let shown = [format!("{id}"), format!("{id:?}"), format!("{id:#?}")];
        for s in &shown {
            assert!(!s.contains(n), "{s} shows {n}");
            assert!(!s.contains(&n[3..14]), "{s} shows the birth date");
            let revealed = s
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == 'X')
                .count();
            assert!(revealed <= 7, "{s} reveals {revealed} characters");
        }
    }
    let id = ResidentIdNumber::parse("11010519491231002X").unwrap();
    assert_eq!(id.to_string(), "110***********002X");
    assert_eq!(format!("{id:?}"), "ResidentIdNumber(110***********002X)");
}

#[test]
fn error_messages_never_contain_the_number() {
    for bad in [
        "11010519491231002Y",
        "11010519491231002",
        "110105199902300023",
    ] {
        let e = ResidentIdNumber::parse(bad).unwrap_err();
        assert!(!e.to_string().contains(&bad[..10]), "{e}");
    }
}

#[test]
fn check_character_refuses_what_is_not_17_digits() {
    assert_eq!(check_character("1101051949123100"), None);
    assert_eq!(check_character("110105194912310021"), None);
    assert_eq!(check_character("1101051949123100A"), None);
    assert_eq!(check_character(""), None);
}

proptest! {
    #[test]
    fn check_character_agrees_with_iso7064(first17 in "[0-9]{17}") {
        prop_assert_eq!(check_character(&first17), Some(iso7064_mod11_2(&first17)));
    }

    #[test]
    fn a_well_formed_number_parses_to_itself(
        region in prop::sample::select(vec!["11", "31", "44", "65", "81"]),
        district in "[0-9]{4}",
        date in (1800i32..=2024, 1u32..=12, 1u32..=28),
        sequence in "[0-9]{3}",
    ) {
        let (y, m, d) = date;
        let n = with_check(&format!("{region}{district}{y:04}{m:02}{d:02}{sequence}"));
        let parsed = ResidentIdNumber::parse(&n.to_lowercase()).unwrap();
        prop_assert_eq!(parsed.expose(), n.as_str());
        prop_assert_eq!(parsed.birth_date(), NaiveDate::from_ymd_opt(y, m, d).unwrap());
    }
}
