//! The video-interview queue through both desks (issue 8): an applicant's
//! uploads reach the queue, an agent claims and reviews them, a pass
//! issues the card and the customer's view shows how it came to be; only
//! the reviewer and supervisors see the uploads; an override needs a
//! supervisor other than the reviewer; the two-card route's card shows
//! too.
//!
//! This file holds the scenarios' list and the fixtures they share; the
//! scenarios are in `review.rs` and `overrides.rs`.

mod overrides;
mod review;

use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_processor::applications::{ApplicationForm, Submitted};
use carddesk_store::MediaKind;
use carddesk_wire::{ChecklistItem, VerdictKind, VerdictRequest};

use super::harness::{Bench, PHONE_ORIGIN};
use crate::common;
use crate::conformance;
use overrides::{an_override_declined_by_another_supervisor, failures_overrides_and_who_may_look};
use review::an_interview_reviewed_and_passed;

conformance! {
    an_override_declined_by_another_supervisor => decline_local_sqlite, decline_http_postgres;
    an_interview_reviewed_and_passed => interview_local_sqlite, interview_http_postgres;
    failures_overrides_and_who_may_look => interview_rules_local_sqlite, interview_rules_http_postgres;
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../carddesk-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn form(id_number: &str) -> ApplicationForm {
    ApplicationForm {
        name: "Zhao Lei".to_owned(),
        document: IdDocument::resident_id(id_number).expect("valid ID"),
        phone: PhoneNumber::parse(&common::phone(321)).expect("phone"),
        product: "virtual_debit".to_owned(),
        language: "en".to_owned(),
        consent_terms: true,
        consent_recording: true,
    }
}

/// A first-card applicant who has uploaded everything.
async fn queued(b: &Bench, seed: u32) -> Submitted {
    let p = &b.app.processor;
    let s = p
        .submit_application(form(&common::resident_id(seed)), PHONE_ORIGIN)
        .await
        .expect("submit");
    for (kind, file) in [
        (MediaKind::IdFront, "image_64.jpg"),
        (MediaKind::IdBack, "image_64.png"),
        (MediaKind::Selfie, "image_64.jpg"),
        (MediaKind::Video, "video_2s_mediarecorder.webm"),
    ] {
        p.upload_interview_media(&s.session, kind, &fixture(file), PHONE_ORIGIN)
            .await
            .expect("upload");
    }
    s
}

fn pass(items: &[ChecklistItem]) -> VerdictRequest {
    VerdictRequest {
        verdict: VerdictKind::Pass,
        checklist: items.to_vec(),
        reasons: vec![],
    }
}

const EVERY_ITEM: [ChecklistItem; 5] = [
    ChecklistItem::FaceMatchesId,
    ChecklistItem::Liveness,
    ChecklistItem::DocumentGenuine,
    ChecklistItem::ConsentGiven,
    ChecklistItem::QuestionsAnswered,
];
