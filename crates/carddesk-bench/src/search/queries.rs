//! What agents type into the search box, drawn from the seeded bank: the
//! seed is deterministic, so a customer's index gives back their name,
//! phone and ID number, and a card's index its full number, without
//! reading a secret back from the database.
//!
//! The console sends a search once typing pauses (150 ms), and only what
//! can find someone is a query (one to three digits are refused before the
//! store), so the figures are for the final query of each kind.

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::PhoneNumber;
use carddesk_processor::{Keyring, Purpose};
use carddesk_seed::people;
use carddesk_store::SearchTerm;
use rand::Rng;

/// The kinds of query an agent types, in the order of the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A phone's last four digits (`5678`).
    PhoneLastFour,
    /// A card's last four digits.
    CardLastFour,
    /// A resident ID's last four characters (`123X` when it ends in X).
    IdLastFour,
    /// A surname: one Chinese character (`王`).
    Cjk1,
    /// A whole two-character name (`王伟`).
    Cjk2,
    /// Three Chinese characters: the bank's names have two, so this finds
    /// nobody, as a three-character name not in the bank would.
    Cjk3,
    /// The first three letters of a Latin name, lower case (`gra`).
    Latin,
    /// A full mobile number, 11 digits (`13900012345`).
    Phone,
    /// A full card number, 16 digits.
    Card,
    /// A full resident ID number, 18 characters.
    Id,
}

impl Kind {
    pub(crate) const ALL: [Kind; 10] = [
        Kind::PhoneLastFour,
        Kind::CardLastFour,
        Kind::IdLastFour,
        Kind::Cjk1,
        Kind::Cjk2,
        Kind::Cjk3,
        Kind::Latin,
        Kind::Phone,
        Kind::Card,
        Kind::Id,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::PhoneLastFour => "phone last 4",
            Kind::CardLastFour => "card last 4",
            Kind::IdLastFour => "ID last 4",
            Kind::Cjk1 => "name 1 CJK",
            Kind::Cjk2 => "name 2 CJK",
            Kind::Cjk3 => "name 3 CJK",
            Kind::Latin => "Latin prefix",
            Kind::Phone => "full phone",
            Kind::Card => "full card",
            Kind::Id => "full ID",
        }
    }

    /// Whether this kind searches by name (and may walk the name index).
    pub(crate) fn is_name(self) -> bool {
        matches!(self, Kind::Cjk1 | Kind::Cjk2 | Kind::Cjk3 | Kind::Latin)
    }

    /// A query of this kind for a random customer or card of a bank of
    /// `customers` customers and `cards` cards.
    pub(crate) fn sample(self, rng: &mut impl Rng, customers: u64, cards: u64) -> String {
        match self {
            Kind::PhoneLastFour => {
                let phone = chinese(rng, customers).phone;
                phone.as_str()[phone.as_str().len() - 4..].to_owned()
            }
            Kind::CardLastFour => card(rng, cards).last_four().to_owned(),
            Kind::IdLastFour => {
                let id = resident_id(&chinese(rng, customers));
                id[id.len() - 4..].to_owned()
            }
            Kind::Cjk1 => chinese(rng, customers).name.chars().take(1).collect(),
            Kind::Cjk2 => chinese(rng, customers).name,
            Kind::Cjk3 => {
                let mut name = chinese(rng, customers).name;
                name.push('明');
                name
            }
            Kind::Latin => {
                let tens = (customers / 10).max(1);
                let index = (rng.gen_range(0..tens) * 10 + 9).min(customers - 1);
                let p = people::person(index, 0, 0, chrono::Utc::now());
                p.name.chars().take(3).collect::<String>().to_lowercase()
            }
            Kind::Phone => chinese(rng, customers).phone.as_str()["+86".len()..].to_owned(),
            Kind::Card => card(rng, cards).expose().to_owned(),
            Kind::Id => resident_id(&chinese(rng, customers)),
        }
    }
}

/// A random customer with a resident ID and a Chinese name: every index
/// but those ending in 9, which hold a passport and a Latin name.
fn chinese(rng: &mut impl Rng, customers: u64) -> people::Person {
    loop {
        let index = rng.gen_range(0..customers);
        if index % 10 != 9 {
            return people::person(index, 0, 0, chrono::Utc::now());
        }
    }
}

/// The resident ID number as the customer reads it out.
fn resident_id(p: &people::Person) -> String {
    p.document
        .canonical()
        .trim_start_matches("resident_id:")
        .to_owned()
}

/// A random card of the bank: card id `i + 1` has the seed's number `i`.
fn card(rng: &mut impl Rng, cards: u64) -> CardNumber {
    people::card_number(rng.gen_range(0..cards))
}

/// The store's terms for `query`, built as the processor parses the
/// shapes [`Kind::sample`] gives (four digits are all three last-four
/// kinds; 18 characters are an ID number, and a card number too when
/// they pass the Luhn check): what the baseline's SQL is written from and
/// what the plans are asked for.
pub(crate) fn terms(keys: &Keyring, query: &str) -> Vec<SearchTerm> {
    let digits = query.bytes().all(|b| b.is_ascii_digit());
    let pan = |n: &CardNumber| {
        SearchTerm::PanDigest(keys.digest(Purpose::CardNumber, n.expose().as_bytes()))
    };
    match query.len() {
        4 if digits => vec![
            SearchTerm::PhoneLastFour(query.to_owned()),
            SearchTerm::CardLastFour(query.to_owned()),
            SearchTerm::IdLastFour(query.to_owned()),
        ],
        4 if query.ends_with('X') && query.as_bytes()[..3].iter().all(|b| b.is_ascii_digit()) => {
            vec![SearchTerm::IdLastFour(query.to_owned())]
        }
        11 if digits => match PhoneNumber::parse(query) {
            Ok(phone) => vec![SearchTerm::Phone(phone.as_str().to_owned())],
            Err(_) => Vec::new(),
        },
        16 if digits => CardNumber::parse(query)
            .map(|n| pan(&n))
            .into_iter()
            .collect(),
        18 if query.as_bytes()[..17].iter().all(|b| b.is_ascii_digit()) => {
            let canonical = format!("resident_id:{query}");
            let mut terms = vec![SearchTerm::IdDigests(vec![
                keys.digest(Purpose::IdDocument, canonical.as_bytes()),
            ])];
            if let Ok(n) = CardNumber::parse(query) {
                terms.push(pan(&n));
            }
            terms
        }
        _ => vec![SearchTerm::NamePrefix(query.to_owned())],
    }
}
