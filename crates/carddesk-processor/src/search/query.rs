//! What an agent typed, parsed into the ways it can find a caller. The
//! rules are here, not in a transport, so both consoles agree on them.
//!
//! Errors never echo the input: it may be a full card or ID number with a
//! slip of the finger.

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_wire::MatchKind;

use crate::{ProcessorError, Result};

/// The most characters a search may have.
pub const MAX_QUERY_CHARS: usize = 64;

/// The issuing countries tried for a passport number typed without one
/// (the bank's usual foreign customers, and China's own passports). Any
/// other country is typed before the number: `FRA 12AB34567`.
pub const PASSPORT_COUNTRIES: [&str; 24] = [
    "CHN", "HKG", "MAC", "TWN", "USA", "GBR", "CAN", "AUS", "NZL", "JPN", "KOR", "SGP", "MYS",
    "THA", "VNM", "PHL", "IDN", "IND", "RUS", "DEU", "FRA", "ITA", "ESP", "NLD",
];

/// One way the input can find a caller, before any keyed hash is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wanted {
    /// Any of these documents (one resident ID, or a passport number under
    /// the countries it may be from).
    Documents(Vec<IdDocument>),
    /// A full card number.
    Card(CardNumber),
    /// A full phone number.
    Phone(PhoneNumber),
    /// The phone's last four digits.
    PhoneLastFour(String),
    /// A card's last four digits.
    CardLastFour(String),
    /// The ID number's last four characters.
    IdLastFour(String),
    /// The start of a name, spaces collapsed.
    NamePrefix(String),
}

impl Wanted {
    /// How a customer found this way matched.
    pub(crate) fn kind(&self) -> MatchKind {
        match self {
            Wanted::Documents(_) => MatchKind::IdNumber,
            Wanted::Card(_) => MatchKind::CardNumber,
            Wanted::Phone(_) => MatchKind::Phone,
            Wanted::PhoneLastFour(_) => MatchKind::PhoneLastFour,
            Wanted::CardLastFour(_) => MatchKind::CardLastFour,
            Wanted::IdLastFour(_) => MatchKind::IdLastFour,
            Wanted::NamePrefix(_) => MatchKind::NamePrefix,
        }
    }
}

fn invalid(message: &str) -> ProcessorError {
    ProcessorError::InvalidInput(message.to_owned())
}

const WHAT: &str = "search by phone number, name, a card or ID number, \
                    or the last four digits of a phone, card or ID number";

/// Parses a search. Spaces and dashes inside numbers are ignored.
pub(crate) fn parse(query: &str) -> Result<Vec<Wanted>> {
    let q = query.trim();
    if q.is_empty() {
        return Err(invalid(&format!("type something to {WHAT}")));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(invalid("a search has at most 64 characters"));
    }
    if q.chars().any(char::is_control) {
        return Err(invalid("a search cannot contain control characters"));
    }
    let compact: String = q.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if let Some(digits) = compact.strip_prefix('+')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return PhoneNumber::parse(&compact)
            .map(|p| vec![Wanted::Phone(p)])
            .map_err(|e| invalid(&e.to_string()));
    }
    if !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit()) {
        return digits(&compact);
    }
    let upper = compact.to_ascii_uppercase();
    if let Some(wanted) = id_ending_in_x(&upper)? {
        return Ok(wanted);
    }
    if q.chars().any(|c| c.is_ascii_digit()) {
        return passport(q);
    }
    name(q)
}

/// Only digits: the last four of something, or a full number.
fn digits(d: &str) -> Result<Vec<Wanted>> {
    if d.len() < 4 {
        return Err(invalid(
            "type at least four digits: the last four of a phone, card or ID number",
        ));
    }
    if d.len() == 4 {
        return Ok(vec![
            Wanted::PhoneLastFour(d.to_owned()),
            Wanted::CardLastFour(d.to_owned()),
            Wanted::IdLastFour(d.to_owned()),
        ]);
    }
    let mut wanted = Vec::new();
    if d.len() == 18
        && let Ok(id) = IdDocument::resident_id(d)
    {
        wanted.push(Wanted::Documents(vec![id]));
    }
    // An 18-digit card number is possible too; both are tried.
    if let Ok(pan) = CardNumber::parse(d) {
        wanted.push(Wanted::Card(pan));
    }
    if d.len() == 11
        && d.starts_with('1')
        && let Ok(phone) = PhoneNumber::parse(d)
    {
        wanted.push(Wanted::Phone(phone));
    }
    if wanted.is_empty() {
        return Err(invalid(
            "these digits are not a phone number (11 digits, starting with 1), a card number \
             (13 to 19 digits with a valid check digit), a resident ID number (18 characters \
             with a valid check character) or the last four digits of one",
        ));
    }
    Ok(wanted)
}

/// A resident ID number ending in X, whole or its last four (`123X`).
fn id_ending_in_x(upper: &str) -> Result<Option<Vec<Wanted>>> {
    let Some(head) = upper.strip_suffix('X') else {
        return Ok(None);
    };
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    match head.len() {
        3 => Ok(Some(vec![Wanted::IdLastFour(upper.to_owned())])),
        17 => IdDocument::resident_id(upper)
            .map(|id| Some(vec![Wanted::Documents(vec![id])]))
            .map_err(|e| invalid(&e.to_string())),
        _ => Err(invalid(
            "an ID number ending in X has 18 characters; its last four are three digits and X",
        )),
    }
}

/// Letters with digits: a passport number, with or without its issuing
/// country before it (`GBR P00000135`, `GBR:P00000135`, `P00000135`).
fn passport(q: &str) -> Result<Vec<Wanted>> {
    let refuse = || {
        invalid(
            "letters mixed with digits are read as a passport number: 5 to 20 letters and \
             digits, optionally after its three-letter country (GBR P1234567)",
        )
    };
    let parts: Vec<&str> = q
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '/'))
        .filter(|p| !p.is_empty())
        .collect();
    let is_number = |n: &str| {
        (5..=20).contains(&n.len())
            && n.bytes().all(|b| b.is_ascii_alphanumeric())
            && n.bytes().any(|b| b.is_ascii_digit())
    };
    let mut documents = Vec::new();
    match parts.as_slice() {
        [country, number] if country.len() == 3 && is_number(number) => {
            documents.push(IdDocument::passport(country, number).map_err(|_| refuse())?);
        }
        [number] if is_number(number) => {
            for country in PASSPORT_COUNTRIES {
                documents.push(IdDocument::passport(country, number).map_err(|_| refuse())?);
            }
            // The country may have been typed against the number.
            if let (Some(country), Some(rest)) = (number.get(..3), number.get(3..))
                && country.bytes().all(|b| b.is_ascii_alphabetic())
                && is_number(rest)
                && let Ok(doc) = IdDocument::passport(country, rest)
            {
                documents.push(doc);
            }
        }
        _ => return Err(refuse()),
    }
    Ok(vec![Wanted::Documents(documents)])
}

/// Chinese characters (CJK unified ideographs and their extensions): a
/// single one is a surname, worth a search on its own.
fn is_han(c: char) -> bool {
    matches!(u32::from(c),
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// A name's start: any text with a letter and no digit, taken literally.
fn name(q: &str) -> Result<Vec<Wanted>> {
    if !q.chars().any(char::is_alphabetic) {
        return Err(invalid(&format!("type a name, or {WHAT}")));
    }
    let prefix = q.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = prefix.chars();
    if let (Some(only), None) = (chars.next(), chars.next())
        && !is_han(only)
    {
        return Err(invalid(
            "type at least two letters of a name (one Chinese character is enough)",
        ));
    }
    Ok(vec![Wanted::NamePrefix(prefix)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(q: &str) -> Vec<MatchKind> {
        parse(q).expect("parses").iter().map(Wanted::kind).collect()
    }

    #[test]
    fn numbers_by_length_and_check_digits() {
        use MatchKind::*;
        assert_eq!(kinds(" 1234 "), [PhoneLastFour, CardLastFour, IdLastFour]);
        assert_eq!(kinds("123x"), [IdLastFour]);
        assert_eq!(kinds("139-1234-5678"), [Phone]);
        assert_eq!(kinds("+86 139 1234 5678"), [Phone]);
        assert_eq!(kinds("6228 4800 0000 0007"), [CardNumber]);
        assert_eq!(kinds("11010519491231002X"), [IdNumber]);
        assert_eq!(kinds("110105198506120018"), [IdNumber]);
        assert_eq!(kinds("GBR P00000135"), [IdNumber]);
        assert_eq!(kinds("王"), [NamePrefix]);
        assert_eq!(kinds("zh"), [NamePrefix]);
    }

    #[test]
    fn nothing_to_find_is_refused_without_echoing() {
        for q in [
            "",
            "   ",
            "1",
            "123",
            "12345",
            "6228480000000008",
            "110105198506120019",
            "11010519491231003X",
            "a",
            "É",
            "%",
            "王1",
            "+",
            "+0123",
            "GB P1",
        ] {
            let e = parse(q).expect_err(q);
            assert_eq!(e.code(), "invalid_input", "{q}");
            if q.len() > 4 {
                assert!(!e.to_string().contains(q.trim()), "{q}: {e}");
            }
        }
        assert!(parse(&"a".repeat(65)).is_err());
        assert!(parse("zh\u{0}").is_err());
    }

    #[test]
    fn passports_with_and_without_country() {
        let parsed = parse("gbr:p00000135").expect("parses");
        let [Wanted::Documents(docs)] = parsed.as_slice() else {
            panic!("one document term");
        };
        assert_eq!(
            docs,
            &[IdDocument::passport("GBR", "P00000135").expect("valid")]
        );
        let parsed = parse("GBRP00000135").expect("parses");
        let [Wanted::Documents(docs)] = parsed.as_slice() else {
            panic!("one document term");
        };
        assert!(docs.contains(&IdDocument::passport("CHN", "GBRP00000135").expect("valid")));
        assert!(docs.contains(&IdDocument::passport("GBR", "P00000135").expect("valid")));
    }

    #[test]
    fn names_keep_their_characters() {
        assert_eq!(
            parse("  Wang_  %Li ").expect("parses"),
            [Wanted::NamePrefix("Wang_ %Li".to_owned())]
        );
    }
}
