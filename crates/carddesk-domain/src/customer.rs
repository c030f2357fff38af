//! Customers and the identity documents they prove themselves with.

use std::fmt;

use thiserror::Error;

pub use crate::id_number::{ResidentIdError, ResidentIdNumber};
use crate::mask;

/// A customer's identifier in the bank's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerId(pub i64);

/// A customer as an agent sees one: the identity document only masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Identifier.
    pub id: CustomerId,
    /// Full name as on the document.
    pub name: String,
    /// Which kind of document the customer registered with.
    pub document_kind: DocumentKind,
    /// The document number, masked.
    pub document_masked: String,
    /// The phone number reserved for instructions.
    pub phone: PhoneNumber,
    /// The language instructions are written in (`zh-CN`, `en`).
    pub language: String,
}

/// The kinds of identity document the bank accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A PRC resident identity card.
    ResidentId,
    /// A passport.
    Passport,
}

impl DocumentKind {
    /// The name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::ResidentId => "resident_id",
            DocumentKind::Passport => "passport",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "resident_id" => Some(DocumentKind::ResidentId),
            "passport" => Some(DocumentKind::Passport),
            _ => None,
        }
    }
}

/// Why an identity document was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdDocumentError {
    /// The resident ID number is malformed.
    #[error(transparent)]
    ResidentId(#[from] ResidentIdError),
    /// The passport number is not 5 to 20 letters and digits.
    #[error("a passport number has 5 to 20 letters and digits")]
    PassportNumber,
    /// The issuing country is not a three-letter ISO 3166 code.
    #[error("the passport's issuing country is a three-letter code such as CHN or GBR")]
    PassportCountry,
}

/// An identity document, parsed at the edge.
///
/// It is personal data: `Debug` shows only the masked form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum IdDocument {
    /// A PRC resident identity card.
    ResidentId(ResidentIdNumber),
    /// A passport: issuing country (ISO 3166 alpha-3) and number.
    Passport {
        /// Issuing country, upper case.
        country: String,
        /// Number, upper case.
        number: String,
    },
}

impl IdDocument {
    /// Parses a resident ID number.
    pub fn resident_id(input: &str) -> Result<Self, IdDocumentError> {
        Ok(IdDocument::ResidentId(ResidentIdNumber::parse(input)?))
    }

    /// Parses a passport's issuing country and number.
    pub fn passport(country: &str, number: &str) -> Result<Self, IdDocumentError> {
        let country = country.trim().to_ascii_uppercase();
        if country.len() != 3 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(IdDocumentError::PassportCountry);
        }
        let number = number.trim().to_ascii_uppercase();
        if !(5..=20).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(IdDocumentError::PassportNumber);
        }
        Ok(IdDocument::Passport { country, number })
    }

    /// The kind of document.
    pub fn kind(&self) -> DocumentKind {
        match self {
            IdDocument::ResidentId(_) => DocumentKind::ResidentId,
            IdDocument::Passport { .. } => DocumentKind::Passport,
        }
    }

    /// The one canonical text that keyed hashes and encryption are taken
    /// over, so the same document always gives the same digest.
    pub fn canonical(&self) -> String {
        match self {
            IdDocument::ResidentId(n) => format!("resident_id:{}", n.expose()),
            IdDocument::Passport { country, number } => format!("passport:{country}:{number}"),
        }
    }

    /// The masked number for display.
    pub fn masked(&self) -> String {
        match self {
            IdDocument::ResidentId(n) => n.masked(),
            IdDocument::Passport { number, .. } => mask::id_number(number),
        }
    }
}

impl fmt::Debug for IdDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdDocument::{:?}({})", self.kind(), self.masked())
    }
}

/// A phone number in E.164 form (`+8613800138000`). Personal data: `Debug`
/// shows only the last four digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

/// A phone number that is not a mainland mobile number or an E.164 number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "a phone number is a mainland mobile number (11 digits, starting with 1) or +country and 7 to 15 digits"
)]
pub struct PhoneNumberError;

impl PhoneNumber {
    /// Parses an E.164 number or an 11-digit mainland mobile number; spaces
    /// and dashes are ignored.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let s: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if let Some(digits) = s.strip_prefix('+') {
            if (7..=15).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0')
            {
                return Ok(Self(s));
            }
        } else if s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self(format!("+86{s}")));
        }
        Err(PhoneNumberError)
    }

    /// The E.164 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, for display.
    pub fn masked(&self) -> String {
        mask::phone(&self.0)
    }
}
