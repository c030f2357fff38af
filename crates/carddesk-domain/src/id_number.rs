//! Chinese resident identity numbers (GB 11643-1999) and their
//! ISO 7064 MOD 11-2 check character.

use std::fmt;

use chrono::NaiveDate;
use thiserror::Error;

use crate::mask;

/// Why a resident ID number was refused. The messages name the rule broken,
/// never the number itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResidentIdError {
    /// Not exactly 18 characters.
    #[error("a resident ID number has 18 characters")]
    Length,
    /// A character other than a digit (or a final X).
    #[error("a resident ID number is 17 digits and a final digit or X")]
    Character,
    /// The first two digits name no province-level region.
    #[error("the region code of the resident ID number is not valid")]
    Region,
    /// Digits 7 to 14 are not a real date of birth.
    #[error("the date of birth in the resident ID number is not valid")]
    BirthDate,
    /// The last character is not the MOD 11-2 check character of the rest.
    #[error("the check character of the resident ID number does not match")]
    CheckCharacter,
}

/// A well-formed 18-character resident ID number, upper-cased.
///
/// It is personal data: `Debug` and `Display` show only the masked form, and
/// the clear text is reached through [`ResidentIdNumber::expose`] alone.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentIdNumber(String);

impl ResidentIdNumber {
    /// Parses what a person typed: surrounding spaces are ignored and a
    /// lowercase `x` is accepted for the check character.
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let s = input.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(ResidentIdError::Length);
        }
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(ResidentIdError::Character);
        }
        if !is_province_code(&s[..2]) {
            return Err(ResidentIdError::Region);
        }
        let birth = NaiveDate::parse_from_str(&s[6..14], "%Y%m%d")
            .map_err(|_| ResidentIdError::BirthDate)?;
        // GB 11643-1999 sets no lower bound; 1800 keeps out absurd years
        // while accepting the 18xx dates of published examples
        // (440524188001010014).
        if birth < NaiveDate::from_ymd_opt(1800, 1, 1).unwrap_or(NaiveDate::MIN) {
            return Err(ResidentIdError::BirthDate);
        }
        if check_character(&s[..17]) != Some(char::from(bytes[17])) {
            return Err(ResidentIdError::CheckCharacter);
        }
        Ok(Self(s))
    }

    /// The number in clear, for hashing and encryption only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The date of birth the number encodes.
    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or(NaiveDate::MIN)
    }

    /// The masked form: the first three and the last four characters.
    pub fn masked(&self) -> String {
        mask::id_number(&self.0)
    }
}

impl fmt::Debug for ResidentIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentIdNumber({})", self.masked())
    }
}

impl fmt::Display for ResidentIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The ISO 7064 MOD 11-2 check character for the first 17 digits of a
/// resident ID number, or `None` when `first17` is not 17 ASCII digits.
pub fn check_character(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Province-level codes of GB/T 2260, plus 83 for residents of Taiwan and the
/// 81/82 codes of the Hong Kong and Macao residence permits.
const PROVINCE_CODES: [&str; 35] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83",
];

fn is_province_code(code: &str) -> bool {
    PROVINCE_CODES.contains(&code)
}
