//! The customer's side of the demo, through the processor in-process: the
//! same calls the server's customer API makes, with the same parsing of
//! what the customer types. The rules (one use per code, attempts, which
//! credential failed never said) are the processor's.

use carddesk_domain::customer::IdDocument;
use carddesk_domain::{CardId, CustomerId};
use carddesk_processor::delivery::{speech, voice};
use carddesk_processor::desk::convert::{desk_error, local_instruction};
use carddesk_processor::{CredentialUpload, Processor, ProcessorError, VerifyOutcome};
use carddesk_seed::demo_facts;
use carddesk_wire::{Credential, DeskError, DeskResult, ErrorCode, OutboxChannel};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::inbox::{PhoneCustomer, PhoneMessage, extract_code};

/// What the audit log names as the demo phone's origin.
const ORIGIN: &str = "demo-phone";
/// The most messages the phone reads from the outbox.
const INBOX_LIMIT: u32 = 10_000;

/// A code opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opened {
    /// The case it opens.
    pub case_id: i64,
    /// The card's last four digits, for the customer to confirm.
    pub card_last_four: String,
}

/// The authentication request: what the customer must provide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneChallenge {
    /// The case.
    pub case_id: i64,
    /// The credentials asked for, in order.
    pub credentials: Vec<Credential>,
    /// `resident_id` or `passport`.
    pub document_kind: &'static str,
    /// Attempts left.
    pub attempts_left: u32,
    /// The card's last four digits.
    pub card_last_four: String,
    /// When the session stops working.
    pub expires_at: Option<DateTime<Utc>>,
}

/// How a verification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// `unfrozen` or `awaiting_approval`.
    pub outcome: &'static str,
}

/// A customer session that opens no case, as the server says it: sign in
/// (open the code) first.
fn customer_error(e: ProcessorError) -> DeskError {
    match e {
        ProcessorError::NotFound("session") => {
            DeskError::new(ErrorCode::Unauthenticated, "open your unfreeze code first")
        }
        other => desk_error(other),
    }
}

/// What the customer of `case` knows about themselves, if they are a demo
/// customer.
async fn facts_of(
    processor: &Processor,
    case: i64,
) -> DeskResult<Option<carddesk_seed::DemoFacts>> {
    let case = processor
        .case(carddesk_domain::case::CaseId(case))
        .await
        .map_err(desk_error)?;
    Ok(demo_facts(
        CustomerId(case.customer_id.0),
        CardId(case.card_id.0),
    ))
}

/// The local outbox, newest first, each message with its code and its
/// customer's facts.
pub async fn inbox(processor: &Processor) -> DeskResult<Vec<PhoneMessage>> {
    let messages = processor
        .local_outbox(INBOX_LIMIT)
        .await
        .map_err(desk_error)?;
    let mut inbox = Vec::with_capacity(messages.len());
    let mut known: Option<(i64, Option<PhoneCustomer>)> = None;
    for message in messages.iter().rev().map(local_instruction) {
        // Texts and voice prompts of one case come together: look its
        // customer up once.
        let customer = match &known {
            Some((case, customer)) if *case == message.case_id => customer.clone(),
            _ => {
                let customer = facts_of(processor, message.case_id)
                    .await?
                    .as_ref()
                    .map(PhoneCustomer::from);
                known = Some((message.case_id, customer.clone()));
                customer
            }
        };
        inbox.push(PhoneMessage {
            id: message.id,
            case_id: Some(message.case_id),
            application_id: None,
            channel: message.channel,
            code: extract_code(&message.body),
            language: message.language,
            body: message.body,
            customer,
        });
    }
    // The texts to applicants (the virtual-card route): their words only;
    // the two-card code is six digits the demonstrator types on the page.
    for text in processor
        .local_applicant_texts(INBOX_LIMIT)
        .await
        .map_err(desk_error)?
    {
        inbox.push(PhoneMessage {
            id: text.id,
            case_id: None,
            application_id: Some(text.application_id.0),
            channel: OutboxChannel::Text,
            code: None,
            language: text.language,
            body: text.body,
            customer: None,
        });
    }
    // Newest first, whichever kind.
    inbox.sort_by_key(|m| std::cmp::Reverse(m.id));
    Ok(inbox)
}

/// A voice prompt of the outbox as WAV, from this platform's speech engine.
pub async fn voice_audio(processor: &Processor, message: i64) -> DeskResult<Vec<u8>> {
    let found = processor
        .local_outbox(INBOX_LIMIT)
        .await
        .map_err(desk_error)?
        .into_iter()
        .map(|m| local_instruction(&m))
        .find(|m| m.id == message && m.channel == OutboxChannel::Voice)
        .ok_or_else(|| DeskError::new(ErrorCode::NotFound, "voice prompt not found"))?;
    let engine = speech::platform_engine();
    let (_, audio) = voice::render(
        engine.as_ref(),
        &found.language,
        &SecretString::from(found.body),
    )
    .await
    .map_err(|e| {
        tracing::error!(engine = engine.name(), error = %e, "the speech engine failed");
        DeskError::new(
            ErrorCode::Unavailable,
            format!(
                "the speech engine ({}) could not speak the prompt",
                engine.name()
            ),
        )
    })?;
    Ok(audio.to_vec())
}

/// The one-time code of text message `message` of the outbox, for its
/// customer page.
pub async fn text_code(processor: &Processor, message: i64) -> DeskResult<String> {
    processor
        .local_outbox(INBOX_LIMIT)
        .await
        .map_err(desk_error)?
        .iter()
        .map(local_instruction)
        .find(|m| m.id == message && m.channel == OutboxChannel::Text)
        .and_then(|m| extract_code(&m.body))
        .ok_or_else(|| DeskError::new(ErrorCode::NotFound, "text message not found"))
}

/// Opens a code, as the customer's phone would.
pub async fn open_code(processor: &Processor, code: &str) -> DeskResult<(SecretString, Opened)> {
    if code.len() > 32 {
        return Err(DeskError::invalid(
            "an unfreeze code has 10 letters and digits",
        ));
    }
    let session = processor
        .request_unfreeze(code, ORIGIN)
        .await
        .map_err(customer_error)?;
    Ok((
        session.token,
        Opened {
            case_id: session.case_id.0,
            card_last_four: session.card_last_four,
        },
    ))
}

/// What the processor asks of the customer.
pub async fn challenge(
    processor: &Processor,
    session: &SecretString,
) -> DeskResult<PhoneChallenge> {
    let c = processor
        .challenge(session, ORIGIN)
        .await
        .map_err(customer_error)?;
    Ok(PhoneChallenge {
        case_id: c.case_id.0,
        credentials: c.credentials.iter().map(|&c| c.into()).collect(),
        document_kind: c.document_kind.as_str(),
        attempts_left: c.attempts_left,
        card_last_four: c.card_last_four,
        expires_at: c.expires_at,
    })
}

/// Parses what the customer typed, as the server's customer API does: a
/// malformed ID number or password is refused here, before it counts as an
/// attempt. A passport's issuing country is the demo customer's own (the
/// phone asks only for the number).
pub fn credentials(
    id_number: Option<SecretString>,
    transaction_password: Option<SecretString>,
    passport_country: Option<&str>,
) -> DeskResult<CredentialUpload> {
    let id_document = match (id_number, passport_country) {
        (Some(number), None) => Some(
            IdDocument::resident_id(number.expose_secret())
                .map_err(|e| DeskError::invalid(e.to_string()))?,
        ),
        (Some(number), Some(country)) => Some(
            IdDocument::passport(country, number.expose_secret())
                .map_err(|e| DeskError::invalid(e.to_string()))?,
        ),
        (None, _) => None,
    };
    if let Some(p) = &transaction_password
        && (p.expose_secret().is_empty()
            || p.expose_secret().len() > 64
            || p.expose_secret().chars().any(char::is_control))
    {
        return Err(DeskError::invalid(
            "a transaction password has 1 to 64 characters, without control characters",
        ));
    }
    Ok(CredentialUpload {
        id_document,
        transaction_password,
    })
}

/// Uploads the customer's credentials.
pub async fn verify(
    processor: &Processor,
    session: &SecretString,
    case: i64,
    id_number: Option<SecretString>,
    transaction_password: Option<SecretString>,
) -> DeskResult<Verified> {
    let country = match facts_of(processor, case).await? {
        Some(carddesk_seed::DemoFacts {
            document: IdDocument::Passport { country, .. },
            ..
        }) => Some(country),
        _ => None,
    };
    let upload = credentials(id_number, transaction_password, country.as_deref())?;
    let outcome = processor
        .verify(session, upload, ORIGIN)
        .await
        .map_err(customer_error)?;
    Ok(Verified {
        outcome: match outcome {
            VerifyOutcome::Unfrozen => "unfrozen",
            VerifyOutcome::AwaitingApproval => "awaiting_approval",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> Option<SecretString> {
        Some(SecretString::from(s))
    }

    /// A text to an applicant reaches the demo phone, marked as one (no
    /// case, no demo customer's facts), beside the unfreeze instructions.
    #[tokio::test]
    async fn texts_to_applicants_reach_the_phone() {
        use std::sync::Arc;

        use carddesk_domain::application::{Verdict, VerdictReason};
        let dir = tempfile::tempdir().expect("directory");
        let keys = Arc::new(carddesk_processor::Keyring::generate());
        let url = format!("sqlite:{}", dir.path().join("demo.db").display());
        let store = carddesk_store::open(&url, keys.audit_key())
            .await
            .expect("store");
        let mut config = carddesk_processor::ProcessorConfig::default();
        config.media.dir = dir.path().join("media");
        let clock = Arc::new(carddesk_processor::SystemClock);
        let processor = Processor::new(store, keys, config, clock)
            .await
            .expect("processor");
        carddesk_seed::interviews::queue_demo_interviews(&processor)
            .await
            .expect("interviews");
        let agent = carddesk_seed::demo_agent();
        let queue = processor
            .interview_queue(&agent, 10, ORIGIN)
            .await
            .expect("queue");
        let id = queue[0].application_id;
        processor
            .claim_interview(&agent, id, ORIGIN)
            .await
            .expect("claim");
        let retry = Verdict::Retry {
            reasons: [VerdictReason::PhotoUnreadable].into(),
        };
        processor
            .decide_interview(&agent, id, &retry, ORIGIN)
            .await
            .expect("retry");
        let inbox = inbox(&processor).await.expect("inbox");
        let text = inbox
            .iter()
            .find(|m| m.application_id == Some(id.0))
            .expect("the applicant's text");
        assert_eq!((text.case_id, text.channel), (None, OutboxChannel::Text));
        assert!(text.customer.is_none() && text.code.is_none());
        assert!(text.body.contains("照片无法看清") || text.body.contains("a photo cannot be read"));
    }

    #[test]
    fn malformed_credentials_are_refused_before_they_count() {
        let bad_id = credentials(secret("11010519491231002"), secret("123456"), None)
            .expect_err("17 digits");
        assert_eq!(bad_id.code, ErrorCode::InvalidInput);
        let bad_password = credentials(None, secret("12\n34"), None).expect_err("control");
        assert_eq!(bad_password.code, ErrorCode::InvalidInput);
        assert!(!bad_password.message.contains("12"));
        let empty = credentials(None, secret(""), None).expect_err("empty");
        assert_eq!(empty.code, ErrorCode::InvalidInput);
    }

    #[test]
    fn a_passport_number_takes_the_demo_customers_country() {
        let upload =
            credentials(secret("p00000009"), secret("123456"), Some("GBR")).expect("a passport");
        assert_eq!(
            upload.id_document.map(|d| d.canonical()).as_deref(),
            Some("passport:GBR:P00000009")
        );
        let resident = carddesk_seed::people::resident_id(7);
        let upload = credentials(
            Some(SecretString::from(super::super::inbox::document_number(
                &resident,
            ))),
            None,
            None,
        )
        .expect("a resident ID");
        assert_eq!(upload.id_document, Some(resident));
    }
}
