//! From the processor's types to the wire's: what crosses to a console,
//! card and ID numbers masked, errors in the common `{code, message}`.

use carddesk_domain::case::UnfreezeCase;
use carddesk_domain::{Card, CardStatus, CardTransition, Customer, UnfreezePolicy};
use carddesk_store::{AuditRecord, CaseRecord, OutboxChannel};
use carddesk_wire as wire;

use crate::{Event, LocalInstruction, ProcessorError};

/// A processor error as a desk error. Failures of the machinery are
/// logged here and reach the caller only as a generic message.
pub fn desk_error(e: ProcessorError) -> wire::DeskError {
    let code = wire::ErrorCode::parse(e.code());
    if let ProcessorError::Store(store) = &e
        && store.is_unavailable()
    {
        tracing::warn!(error = %e, "the database is not answering");
        return wire::DeskError::new(
            code,
            "the bank's database is not answering; please try again shortly",
        );
    }
    if code == wire::ErrorCode::Internal {
        tracing::error!(error = %e, "desk call failed");
        return wire::DeskError::new(code, "something went wrong on our side; please try again");
    }
    wire::DeskError::new(code, e.to_string())
}

/// A card, masked, with its policy rule when frozen.
pub fn card(card: &Card, policy: &UnfreezePolicy) -> wire::CardDto {
    let (reason, since) = match card.status {
        CardStatus::Frozen { reason, since } => (Some(reason), Some(since)),
        _ => (None, None),
    };
    wire::CardDto {
        id: card.id.0,
        masked_number: card.masked_number(),
        product: card.product.clone(),
        status: card.status.kind().into(),
        freeze_reason: reason.map(Into::into),
        frozen_since: since,
        remote_unfreeze: reason.map(|r| {
            let rule = policy.rule(r);
            wire::RemoteUnfreezeDto {
                allowed: rule.remote_unfreeze,
                credentials: rule.credentials.iter().map(|&c| c.into()).collect(),
                supervisor_approval: rule.supervisor_approval,
            }
        }),
    }
}

/// A customer and their cards.
pub fn customer(customer: &Customer, cards: &[Card], policy: &UnfreezePolicy) -> wire::CustomerDto {
    wire::CustomerDto {
        id: customer.id.0,
        name: customer.name.clone(),
        document_kind: customer.document_kind.as_str().to_owned(),
        document_masked: customer.document_masked.clone(),
        phone_masked: customer.phone.masked(),
        language: customer.language.clone(),
        cards: cards.iter().map(|c| card(c, policy)).collect(),
    }
}

/// A case with whoever holds it.
pub fn case(record: &CaseRecord, max_attempts: u32) -> wire::CaseDto {
    case_held_by(&record.case, super::access::holder_of(record), max_attempts)
}

/// A case, given who holds it.
pub fn case_held_by(c: &UnfreezeCase, holder: &str, max_attempts: u32) -> wire::CaseDto {
    wire::CaseDto {
        id: c.id.0,
        card_id: c.card_id.0,
        customer_id: c.customer_id.0,
        reason: c.reason.into(),
        state: c.state.into(),
        failed_attempts: c.failed_attempts,
        attempts_left: max_attempts.saturating_sub(c.failed_attempts),
        needs_approval: c.needs_approval,
        credentials: c.credentials.iter().map(|&c| c.into()).collect(),
        opened_by: c.opened_by.clone(),
        assigned_to: holder.to_owned(),
        opened_at: c.opened_at,
        updated_at: c.updated_at,
        expires_at: c.expires_at,
    }
}

/// One change of a card's status.
pub fn transition(t: &CardTransition) -> wire::TransitionDto {
    wire::TransitionDto {
        from: t.from.into(),
        to: t.to.into(),
        reason: t.reason.map(Into::into),
        channel: t.channel.as_str().to_owned(),
        actor: t.actor.clone(),
        at: t.at,
    }
}

/// An audit entry.
pub fn audit(r: &AuditRecord) -> wire::AuditDto {
    wire::AuditDto {
        seq: r.seq,
        at: r.entry.at,
        actor: r.entry.actor.clone(),
        action: r.entry.action.clone(),
        object: r.entry.object.clone(),
        origin: r.entry.origin.clone(),
        outcome: match r.entry.outcome {
            carddesk_store::Outcome::Success => wire::Outcome::Success,
            carddesk_store::Outcome::Failure => wire::Outcome::Failure,
            carddesk_store::Outcome::Refused => wire::Outcome::Refused,
        },
        detail: r.entry.detail.clone(),
    }
}

/// A live event.
pub fn event(e: &Event) -> wire::DeskEvent {
    match *e {
        Event::CaseChanged { case_id, state } => wire::DeskEvent::Case {
            case_id: case_id.0,
            state: state.into(),
        },
        Event::AttemptFailed { case_id, remaining } => wire::DeskEvent::Attempt {
            case_id: case_id.0,
            remaining,
        },
        Event::CardChanged { card_id, status } => wire::DeskEvent::Card {
            card_id: card_id.0,
            status: status.into(),
        },
        Event::InstructionQueued {
            case_id, outbox_id, ..
        } => wire::DeskEvent::Instruction {
            case_id: case_id.0,
            outbox_id,
        },
        Event::ApplicationChanged {
            application_id,
            state,
            step,
        } => match wire::InterviewStep::parse(step) {
            Some(step) => wire::DeskEvent::Application {
                application_id: application_id.0,
                state: state.into(),
                step,
            },
            None => wire::DeskEvent::Resync,
        },
        Event::Missed => wire::DeskEvent::Resync,
    }
}

/// The store's kind of an upload the wire names.
pub fn media_kind(kind: wire::UploadKind) -> carddesk_store::MediaKind {
    match kind {
        wire::UploadKind::IdFront => carddesk_store::MediaKind::IdFront,
        wire::UploadKind::IdBack => carddesk_store::MediaKind::IdBack,
        wire::UploadKind::Selfie => carddesk_store::MediaKind::Selfie,
        wire::UploadKind::Video => carddesk_store::MediaKind::Video,
    }
}

/// The wire's name of the store's kind of upload.
pub fn upload_kind(kind: carddesk_store::MediaKind) -> wire::UploadKind {
    match kind {
        carddesk_store::MediaKind::IdFront => wire::UploadKind::IdFront,
        carddesk_store::MediaKind::IdBack => wire::UploadKind::IdBack,
        carddesk_store::MediaKind::Selfie => wire::UploadKind::Selfie,
        carddesk_store::MediaKind::Video => wire::UploadKind::Video,
    }
}

/// How a virtual card came to be.
pub fn virtual_card(v: &carddesk_store::VirtualCardRecord) -> wire::VirtualCardDto {
    wire::VirtualCardDto {
        card_id: v.card_id.0,
        application_id: v.application_id.0,
        route: v.route.into(),
        decided_by: v.decided_by.clone(),
        issued_at: v.issued_at,
        expiry_month: v.expiry_month,
        expiry_year: v.expiry_year,
    }
}

/// A queued instruction of the local outbox, opened.
pub fn local_instruction(m: &LocalInstruction) -> wire::LocalInstructionDto {
    wire::LocalInstructionDto {
        id: m.id,
        case_id: m.case_id.0,
        channel: match m.channel {
            OutboxChannel::Text => wire::OutboxChannel::Text,
            OutboxChannel::Voice => wire::OutboxChannel::Voice,
        },
        recipient_masked: carddesk_domain::mask::phone(&m.recipient),
        language: m.language.clone(),
        body: m.body.clone(),
    }
}
