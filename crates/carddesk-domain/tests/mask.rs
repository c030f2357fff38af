//! What an agent may see of a number.

use carddesk_domain::{Card, CardId, CardStatus, CustomerId, mask};
use proptest::prelude::*;

fn check(masked: String, expected: &str) {
    assert_eq!(masked, expected);
}

#[test]
fn card_numbers_keep_bin_and_last_four() {
    check(mask::card_number("4111111111111111"), "411111******1111");
    check(
        mask::card_number("6228481234567890128"),
        "622848*********0128",
    );
    check(mask::card_number("378282246310005"), "378282*****0005");
    check(mask::card_number("4222222222222"), "422222***2222");
}

#[test]
fn short_card_numbers_keep_only_the_last_four() {
    check(mask::card_number("123456789012"), "********9012");
    check(mask::card_number("12345"), "*2345");
    check(mask::card_number("1234"), "****");
    check(mask::card_number(""), "");
}

#[test]
fn card_parts_rebuild_the_masked_form() {
    check(mask::card_parts("622848", "1234", 16), "622848******1234");
    check(
        mask::card_parts("622848", "0128", 19),
        "622848*********0128",
    );
    check(mask::card_parts("422222", "2222", 13), "422222***2222");
}

#[test]
fn card_parts_match_the_mask_of_the_full_number() {
    for pan in [
        "4111111111111111",
        "6228481234567890128",
        "378282246310005",
        "4222222222222",
    ] {
        let parts = mask::card_parts(&pan[..6], &pan[pan.len() - 4..], pan.len());
        assert_eq!(parts, mask::card_number(pan), "{pan}");
    }
}

#[test]
fn a_card_shows_its_masked_number() {
    let card = Card {
        id: CardId(1),
        customer_id: CustomerId(1),
        bin: "622848".to_owned(),
        last_four: "0128".to_owned(),
        pan_length: 19,
        product: "Great Wall Debit".to_owned(),
        status: CardStatus::Active,
    };
    check(card.masked_number(), "622848*********0128");
}

#[test]
fn id_numbers_keep_first_three_and_last_four() {
    check(mask::id_number("11010519491231002X"), "110***********002X");
    check(mask::id_number("G12345678X"), "G12***678X");
    // Short ones (most passports) show only the last two.
    check(mask::id_number("E12345678"), "*******78");
    check(mask::id_number("AB"), "**");
}

#[test]
fn phones_keep_the_last_four() {
    check(mask::phone("+8613800138000"), "**********8000");
    check(mask::phone("+442079460958"), "*********0958");
    check(mask::phone("123"), "***");
}

proptest! {
    #[test]
    fn a_masked_card_number_reveals_at_most_bin_and_last_four(pan in "[0-9]{13,19}") {
        let masked = mask::card_number(&pan);
        prop_assert_eq!(masked.chars().count(), pan.len());
        let revealed = masked.chars().filter(char::is_ascii_digit).count();
        prop_assert!(revealed <= 10, "{} reveals {}", masked, revealed);
        for (i, (m, p)) in masked.chars().zip(pan.chars()).enumerate() {
            if i < 6 || i >= pan.len() - 4 {
                prop_assert_eq!(m, p);
            } else {
                prop_assert_eq!(m, '*');
            }
        }
    }

    #[test]
    fn a_masked_id_number_reveals_at_most_seven(id in "[0-9A-Z]{0,25}") {
        let masked = mask::id_number(&id);
        prop_assert_eq!(masked.chars().count(), id.len());
        let revealed = masked.chars().filter(|c| *c != '*').count();
        prop_assert!(revealed <= 7);
        prop_assert!(id.is_empty() || masked != id, "{} is not masked at all", id);
    }

    #[test]
    fn a_masked_phone_reveals_at_most_four(phone in "\\+[0-9]{7,15}") {
        let masked = mask::phone(&phone);
        prop_assert_eq!(masked.chars().count(), phone.len());
        prop_assert!(masked.chars().filter(|c| *c != '*').count() <= 4);
        prop_assert!(masked.ends_with(&phone[phone.len() - 4..]));
    }
}
