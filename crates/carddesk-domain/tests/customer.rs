//! Identity documents and phone numbers, parsed at the edge.

use carddesk_domain::customer::DocumentKind;
use carddesk_domain::{IdDocument, IdDocumentError, PhoneNumber};

// Passports.

fn passport(country: &str, number: &str) -> Result<(String, String), IdDocumentError> {
    IdDocument::passport(country, number).map(|doc| match doc {
        IdDocument::Passport { country, number } => (country, number),
        other => panic!("a passport parsed as {other:?}"),
    })
}

fn check_passport(country: &str, number: &str, expected: Result<(&str, &str), IdDocumentError>) {
    let expected = expected.map(|(c, n)| (c.to_owned(), n.to_owned()));
    assert_eq!(
        passport(country, number),
        expected,
        "{country:?} {number:?}"
    );
}

#[test]
fn passports_are_trimmed_and_upper_cased() {
    check_passport("CHN", "E12345678", Ok(("CHN", "E12345678")));
    check_passport(" chn ", " e12345678 ", Ok(("CHN", "E12345678")));
    check_passport("gbr", "123456789", Ok(("GBR", "123456789")));
    check_passport("USA", "A1234", Ok(("USA", "A1234"))); // 5, the shortest
    check_passport(
        "DEU",
        "C01X00T47C01X00T47AB",
        Ok(("DEU", "C01X00T47C01X00T47AB")),
    ); // 20
}

#[test]
fn the_country_is_three_letters() {
    for country in ["", "CN", "CHNA", "C1N", "CH ", "ÇHN", "C-N"] {
        check_passport(country, "E12345678", Err(IdDocumentError::PassportCountry));
    }
}

#[test]
fn the_number_is_5_to_20_letters_and_digits() {
    for number in [
        "",
        "E123",
        "C01X00T47C01X00T47ABC",
        "E1234 5678",
        "E1234-5678",
        "E12345678!",
        "Е12345678", // a Cyrillic Е
    ] {
        check_passport("CHN", number, Err(IdDocumentError::PassportNumber));
    }
}

// Canonical text and masking.

#[test]
fn canonical_text_is_stable_across_typing() {
    let a = IdDocument::resident_id("11010519491231002X").unwrap();
    let b = IdDocument::resident_id(" 11010519491231002x ").unwrap();
    assert_eq!(a.canonical(), "resident_id:11010519491231002X");
    assert_eq!(a.canonical(), b.canonical());
    assert_eq!(a, b);

    let p = IdDocument::passport("CHN", "E12345678").unwrap();
    let q = IdDocument::passport("chn", " e12345678").unwrap();
    assert_eq!(p.canonical(), "passport:CHN:E12345678");
    assert_eq!(p.canonical(), q.canonical());
}

#[test]
fn canonical_text_differs_between_kinds_and_documents() {
    let docs = [
        IdDocument::resident_id("11010519491231002X").unwrap(),
        // A passport whose number is the same characters.
        IdDocument::passport("CHN", "11010519491231002X").unwrap(),
        IdDocument::passport("HKG", "11010519491231002X").unwrap(),
        IdDocument::resident_id("440524188001010014").unwrap(),
        IdDocument::passport("CHN", "E12345678").unwrap(),
    ];
    for (i, a) in docs.iter().enumerate() {
        for b in &docs[i + 1..] {
            assert_ne!(a.canonical(), b.canonical());
        }
    }
    assert_eq!(docs[0].kind(), DocumentKind::ResidentId);
    assert_eq!(docs[1].kind(), DocumentKind::Passport);
}

#[test]
fn resident_id_errors_come_through() {
    assert!(matches!(
        IdDocument::resident_id("11010519491231002Y"),
        Err(IdDocumentError::ResidentId(_))
    ));
}

#[test]
fn debug_is_masked() {
    let id = IdDocument::resident_id("11010519491231002X").unwrap();
    assert_eq!(
        format!("{id:?}"),
        "IdDocument::ResidentId(110***********002X)"
    );
    assert_eq!(id.masked(), "110***********002X");

    let p = IdDocument::passport("CHN", "E12345678").unwrap();
    assert_eq!(format!("{p:?}"), "IdDocument::Passport(*******78)");

    let long = IdDocument::passport("GBR", "C01X00T47C01X00T47AB").unwrap();
    for shown in [format!("{long:?}"), format!("{long:#?}"), long.masked()] {
        assert!(!shown.contains("C01X00T47C01X00T47AB"), "{shown}");
        assert!(shown.contains("C01") && shown.contains("47AB"), "{shown}");
    }
}

#[test]
fn document_kind_names_round_trip() {
    for (kind, name) in [
        (DocumentKind::ResidentId, "resident_id"),
        (DocumentKind::Passport, "passport"),
    ] {
        assert_eq!(kind.as_str(), name);
        assert_eq!(DocumentKind::parse(name), Some(kind));
    }
    assert_eq!(DocumentKind::parse("Passport"), None);
}

// Phone numbers.

fn check_phone(input: &str, expected: Option<&str>) {
    let got = PhoneNumber::parse(input)
        .ok()
        .map(|p| p.as_str().to_owned());
    assert_eq!(got.as_deref(), expected, "{input:?}");
}

#[test]
fn mainland_mobiles_become_e164() {
    check_phone("13800138000", Some("+8613800138000"));
    check_phone("138 0013 8000", Some("+8613800138000"));
    check_phone("138-0013-8000", Some("+8613800138000"));
    check_phone("19912345678", Some("+8619912345678"));
}

#[test]
fn e164_numbers_are_kept() {
    check_phone("+8613800138000", Some("+8613800138000"));
    check_phone("+44 20 7946 0958", Some("+442079460958"));
    check_phone("+1-202-555-0143", Some("+12025550143"));
    check_phone("+1234567", Some("+1234567")); // 7 digits, the shortest
    check_phone("+123456789012345", Some("+123456789012345")); // 15, the longest
}

#[test]
fn other_phone_numbers_are_refused() {
    for bad in [
        "",
        "+",
        "1380013800",        // 10 digits
        "138001380000",      // 12 digits
        "23800138000",       // 11 digits, not starting with 1
        "02079460958",       // a national number without its country
        "+123456",           // 6 digits
        "+1234567890123456", // 16 digits
        "+0123456789",       // no country code starts with 0
        "+86 138 0013 800O", // a letter O
        "++8613800138000",
        "(+86)13800138000",
    ] {
        check_phone(bad, None);
    }
}

#[test]
fn phones_mask_to_the_last_four() {
    let p = PhoneNumber::parse("13800138000").unwrap();
    assert_eq!(p.masked(), "**********8000");
}

#[test]
fn phone_debug_shows_only_the_last_four_digits() {
    let phone = carddesk_domain::customer::PhoneNumber::parse("13800138000").expect("valid");
    let shown = format!("{phone:?}");
    assert!(!shown.contains("1380013"), "{shown}");
    assert!(shown.contains("8000"), "{shown}");
}
