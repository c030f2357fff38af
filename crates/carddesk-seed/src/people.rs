//! Deterministic made-up people and cards: the same index always gives the
//! same name, ID number, phone, card numbers and passwords, so a demo can
//! be replayed and a benchmark rebuilt.

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardStatus, FreezeReason, id_number, luhn};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use secrecy::SecretString;

/// The demo bank's issuer number (BIN). Made up.
pub const BIN: &str = "623058";

const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: [&str; 16] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
];
const ENGLISH: [&str; 8] = [
    "Alice Chen",
    "Ben Walker",
    "Clara Li",
    "David Osei",
    "Emma Brown",
    "Farid Khan",
    "Grace Wong",
    "Henry Zhao",
];
const REGIONS: [&str; 5] = ["110105", "310104", "440305", "510107", "330106"];
const PRODUCTS: [&str; 3] = ["Great Wall Debit", "Everyday Credit", "Travel Platinum"];

/// A made-up customer with everything they would know about themselves.
#[derive(Debug)]
pub struct Person {
    /// Full name.
    pub name: String,
    /// Their identity document (a resident ID; every tenth a passport).
    pub document: IdDocument,
    /// Phone.
    pub phone: PhoneNumber,
    /// `zh-CN` or `en`.
    pub language: &'static str,
    /// Their cards.
    pub cards: Vec<PersonCard>,
}

/// A made-up card and its transaction password.
#[derive(Debug)]
pub struct PersonCard {
    /// Full number.
    pub number: CardNumber,
    /// Transaction password (six digits).
    pub password: SecretString,
    /// Product name.
    pub product: &'static str,
    /// Status.
    pub status: CardStatus,
}

/// The statuses a demo bank's cards cycle through, so every status and
/// every freeze reason is present.
pub fn demo_status(card_index: u64, now: DateTime<Utc>) -> CardStatus {
    let since = now - Duration::days(1 + (card_index % 40) as i64);
    match card_index % 12 {
        0..=3 => CardStatus::Active,
        4 => CardStatus::Frozen {
            reason: FreezeReason::WrongPinLimit,
            since,
        },
        5 => CardStatus::Frozen {
            reason: FreezeReason::CustomerRequest,
            since,
        },
        6 => CardStatus::Frozen {
            reason: FreezeReason::Dormant,
            since,
        },
        7 => CardStatus::Frozen {
            reason: FreezeReason::SuspiciousTransaction,
            since,
        },
        8 => CardStatus::Frozen {
            reason: FreezeReason::RiskReview,
            since,
        },
        9 => CardStatus::Frozen {
            reason: FreezeReason::CourtOrder,
            since,
        },
        10 => [CardStatus::Lost, CardStatus::Stolen][(card_index / 12 % 2) as usize],
        _ => CardStatus::Closed,
    }
}

/// A card number unique to `card_index`: the BIN, nine account digits and
/// the Luhn check digit.
pub fn card_number(card_index: u64) -> CardNumber {
    let payload = format!("{BIN}{:09}", card_index % 1_000_000_000);
    let check = luhn::check_digit(&payload).unwrap_or_default();
    CardNumber::parse(&format!("{payload}{check}")).unwrap_or_else(|_| {
        unreachable!("a BIN, nine digits and a Luhn check digit make a valid number")
    })
}

/// A resident ID number unique to `index` (below 36.5 million): the region,
/// a birth date and a sequence number all follow from it.
pub fn resident_id(index: u64) -> IdDocument {
    let region = REGIONS[(index % 5) as usize];
    let rest = index / 5;
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default()
        + Duration::days((rest / 1_000) as i64 % 20_000);
    let first17 = format!("{region}{}{:03}", birth.format("%Y%m%d"), rest % 1_000);
    let check = id_number::check_character(&first17).unwrap_or('0');
    IdDocument::resident_id(&format!("{first17}{check}"))
        .unwrap_or_else(|_| unreachable!("built to the standard"))
}

/// Person number `index` of a bank, holding cards `first_card..first_card+n`.
pub fn person(index: u64, first_card: u64, n_cards: u64, now: DateTime<Utc>) -> Person {
    let mut rng = ChaCha8Rng::seed_from_u64(index);
    let english = index % 10 == 9;
    let name = if english {
        ENGLISH[(index / 10 % ENGLISH.len() as u64) as usize].to_owned()
    } else {
        format!(
            "{}{}",
            SURNAMES[rng.gen_range(0..SURNAMES.len())],
            GIVEN[rng.gen_range(0..GIVEN.len())]
        )
    };
    let document = if english {
        IdDocument::passport("GBR", &format!("P{:08}", index))
            .unwrap_or_else(|_| resident_id(index))
    } else {
        resident_id(index)
    };
    let phone = PhoneNumber::parse(&format!("+86139{:08}", index % 100_000_000))
        .unwrap_or_else(|_| unreachable!("a +86 number with 11 digits"));
    let cards = (first_card..first_card + n_cards)
        .map(|c| PersonCard {
            number: card_number(c),
            password: SecretString::from(format!("{:06}", rng.gen_range(0..1_000_000))),
            product: PRODUCTS[(c % 3) as usize],
            status: demo_status(c, now),
        })
        .collect();
    Person {
        name,
        document,
        phone,
        language: if english { "en" } else { "zh-CN" },
        cards,
    }
}
