//! What the applicant API takes and answers, with the bounds the OpenAPI
//! document states, and the parsing at the edge.

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_processor::applications::{ApplicationForm, IssuedCard};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};

/// The card products on offer.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// Great Wall Virtual Debit.
    VirtualDebit,
    /// Great Wall Virtual Credit.
    VirtualCredit,
}

/// The languages texts and pages come in.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
pub enum Language {
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

/// An identity document kind.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A PRC resident identity card (18 characters, the last a check digit).
    ResidentId,
    /// A passport, with its issuing country.
    Passport,
}

/// An online application (patent step 1).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// Full name, 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Which document `id_number` is.
    pub document_kind: DocumentKind,
    /// The document's number (a resident ID has 18 characters, the last a
    /// check digit; a passport 5 to 20 letters and digits).
    #[schema(value_type = String, min_length = 5, max_length = 20, pattern = "^[0-9A-Za-z]{5,20}$")]
    pub id_number: SecretString,
    /// For a passport: the issuing country, ISO 3166 alpha-3.
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Za-z]{3}$")]
    pub passport_country: Option<String>,
    /// A mainland mobile number (11 digits) or +country and 7 to 15 digits.
    #[schema(min_length = 7, max_length = 20, pattern = "^\\+?[0-9 -]{7,19}$")]
    pub phone: String,
    /// The product applied for.
    pub product: Product,
    /// The language of texts.
    pub language: Language,
    /// Consent to the terms (must be true).
    #[schema(schema_with = consent_to_terms)]
    pub consent_terms: bool,
    /// Consent to the interview being recorded (must be true).
    #[schema(schema_with = consent_to_recording)]
    pub consent_recording: bool,
}

/// A consent: a boolean the document allows only as `true`, so a generated
/// client cannot send an application without it (the edge refuses one
/// anyway, naming the field).
fn must_be_true(description: &str) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Boolean))
        .enum_values(Some([true]))
        .description(Some(description))
        .build()
}

fn consent_to_terms() -> utoipa::openapi::schema::Object {
    must_be_true("Consent to the terms (must be true).")
}

fn consent_to_recording() -> utoipa::openapi::schema::Object {
    must_be_true("Consent to the interview being recorded (must be true).")
}

/// What is wrong with an application's fields, found at the edge: which
/// field, and what the JSON API says of it. The pages say it in the
/// applicant's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormProblem {
    /// The identity document: its number too long or malformed, or the
    /// issuing country missing (a passport) or extra (a resident ID).
    Document(String),
    /// The phone number.
    Phone(String),
}

impl FormProblem {
    /// What the JSON API answers.
    pub fn message(&self) -> &str {
        match self {
            FormProblem::Document(m) | FormProblem::Phone(m) => m,
        }
    }
}

impl From<FormProblem> for ApiError {
    fn from(p: FormProblem) -> Self {
        ApiError::invalid(p.message().to_owned())
    }
}

impl ApplyBody {
    /// Parses the form at the edge: a malformed ID or phone is refused
    /// before anything is counted or stored.
    pub fn into_form(self) -> ApiResult<ApplicationForm> {
        Ok(self.parse()?)
    }

    /// [`ApplyBody::into_form`], saying which field was wrong: the one
    /// parsing the JSON API and the pages share.
    pub fn parse(self) -> Result<ApplicationForm, FormProblem> {
        let number = self.id_number.expose_secret();
        let document_problem = |m: &str| FormProblem::Document(m.to_owned());
        if number.len() > 20 {
            return Err(document_problem("an ID number has at most 20 characters"));
        }
        let document = match (self.document_kind, self.passport_country) {
            (DocumentKind::ResidentId, None) => IdDocument::resident_id(number),
            (DocumentKind::Passport, Some(country)) => IdDocument::passport(&country, number),
            (DocumentKind::ResidentId, Some(_)) => {
                return Err(document_problem("a resident ID has no issuing country"));
            }
            (DocumentKind::Passport, None) => {
                return Err(document_problem("a passport needs its issuing country"));
            }
        }
        .map_err(|e| FormProblem::Document(e.to_string()))?;
        if self.phone.len() > 20 {
            return Err(FormProblem::Phone(
                "a phone number has at most 20 characters".to_owned(),
            ));
        }
        let phone =
            PhoneNumber::parse(&self.phone).map_err(|e| FormProblem::Phone(e.to_string()))?;
        Ok(ApplicationForm {
            name: self.name,
            document,
            phone,
            product: match self.product {
                Product::VirtualDebit => "virtual_debit",
                Product::VirtualCredit => "virtual_credit",
            }
            .to_owned(),
            language: match self.language {
                Language::ZhCn => "zh-CN",
                Language::En => "en",
            }
            .to_owned(),
            consent_terms: self.consent_terms,
            consent_recording: self.consent_recording,
        })
    }
}

/// A submitted application, routed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Applied {
    /// The application.
    pub application_id: i64,
    /// The authentication page to go to.
    pub route: carddesk_wire::AuthRoute,
    /// The applicant's session for the next steps (a bearer token).
    pub session_token: String,
}

/// The existing card, on the two-card route.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardProof {
    /// The card's number, 13 to 19 digits (spaces and dashes ignored).
    #[schema(value_type = String, min_length = 13, max_length = 23, pattern = "^[0-9 -]{13,23}$")]
    pub card_number: SecretString,
    /// Its transaction password, 1 to 64 characters.
    #[schema(value_type = String, min_length = 1, max_length = 64, format = Password)]
    pub transaction_password: SecretString,
}

impl CardProof {
    /// The card number parsed, the password bounded.
    pub fn parse(self) -> ApiResult<(CardNumber, SecretString)> {
        let digits = self.card_number.expose_secret();
        if digits.len() > 23 {
            return Err(ApiError::invalid("a card number has 13 to 19 digits"));
        }
        let number = CardNumber::parse(digits).map_err(|e| ApiError::invalid(e.to_string()))?;
        let password = self.transaction_password.expose_secret();
        if password.is_empty()
            || password.chars().count() > 64
            || password.chars().any(char::is_control)
        {
            return Err(ApiError::invalid(
                "a transaction password has 1 to 64 characters, without control characters",
            ));
        }
        Ok((number, self.transaction_password))
    }
}

/// Where the code went.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CodeSentDto {
    /// The phone on file for the card, masked.
    pub phone_masked: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// The code the phone on file received.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// Six digits.
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: String,
}

/// A card issued, masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedDto {
    /// The number masked (BIN and last four).
    pub masked_number: String,
    /// Expiry month, 1 to 12.
    #[schema(minimum = 1, maximum = 12)]
    pub expiry_month: u32,
    /// Expiry year.
    pub expiry_year: i32,
    /// The route that authenticated the applicant.
    pub route: carddesk_wire::AuthRoute,
    /// When.
    pub issued_at: DateTime<Utc>,
}

impl From<&IssuedCard> for IssuedDto {
    fn from(c: &IssuedCard) -> Self {
        Self {
            masked_number: c.masked_number.clone(),
            expiry_month: c.expiry_month,
            expiry_year: c.expiry_year,
            route: c.route.into(),
            issued_at: c.issued_at,
        }
    }
}

/// The card in clear, shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RevealedDto {
    /// The full number.
    pub number: String,
    /// The security code (three digits).
    pub security_code: String,
    /// Expiry month.
    pub expiry_month: u32,
    /// Expiry year.
    pub expiry_year: i32,
}

/// Where the application stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusDto {
    /// The application.
    pub application_id: i64,
    /// Its state.
    pub state: carddesk_wire::ApplicationState,
    /// Its route.
    pub route: Option<carddesk_wire::AuthRoute>,
    /// The interview's step (video route).
    pub interview_step: carddesk_wire::InterviewStep,
    /// The last verdict's reasons, for a retry or a fail.
    pub verdict_reasons: Vec<carddesk_wire::VerdictReason>,
    /// Uploads still missing (video route).
    pub missing_uploads: Vec<carddesk_wire::UploadKind>,
    /// The card, once issued.
    pub card: Option<IssuedDto>,
    /// Whether the card's details were shown already.
    pub revealed: bool,
}

/// The uploads still missing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadedDto {
    /// Kinds still to upload; empty: the interview is in the queue.
    pub missing: Vec<carddesk_wire::UploadKind>,
}
