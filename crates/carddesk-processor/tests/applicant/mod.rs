#![allow(dead_code)] // Each test file uses its own part of these helpers.

//! What the application tests share: a processor with its own media
//! directory, a form, the texts an applicant's phones received.

use std::sync::Arc;

use carddesk_domain::application::{ApplicationId, AuthRoute, Checklist, ChecklistItem};
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_processor::applications::{ApplicationForm, Submitted};
use carddesk_processor::{ManualClock, Processor, ProcessorConfig};
use carddesk_store::{MediaKind, OutboxSubject, Store};

use crate::common::{Desk, RawDb, TestDb, phone, resident_id, start};

/// A client address.
pub const ADDRESS: &str = "203.0.113.9";

/// A desk whose uploads go to a directory of the test's own.
pub async fn desk_with_media(store: Arc<dyn Store>, db: &TestDb) -> (Desk, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("media directory");
    let mut config = ProcessorConfig::default();
    config.media.dir = dir.path().to_owned();
    let clock = Arc::new(ManualClock::new(start()));
    let processor = Processor::new(store.clone(), db.keys.clone(), config, clock.clone())
        .await
        .expect("processor starts");
    let desk = Desk {
        processor,
        store,
        keys: db.keys.clone(),
        clock,
    };
    (desk, dir)
}

/// A complete, valid form for the person with this resident ID.
pub fn form(id_number: &str, phone: &str) -> ApplicationForm {
    ApplicationForm {
        name: "Wang Fang".to_owned(),
        document: IdDocument::resident_id(id_number).expect("valid ID"),
        phone: PhoneNumber::parse(phone).expect("valid phone"),
        product: "virtual_debit".to_owned(),
        language: "en".to_owned(),
        consent_terms: true,
        consent_recording: true,
    }
}

/// The texts queued for an application: (recipient, body), oldest first.
pub async fn texts(desk: &Desk, id: ApplicationId) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in desk.store.outbox(None, 10_000).await.expect("outbox") {
        let ours = matches!(
            m.message.subject,
            OutboxSubject::ApplicationCode(a) | OutboxSubject::ApplicationNotice(a) if a == id
        );
        if ours {
            let body = desk
                .keys
                .open(
                    carddesk_processor::Purpose::Instruction,
                    &m.message.body_sealed,
                )
                .expect("open");
            out.push((
                m.message.recipient,
                String::from_utf8(body.to_vec()).expect("utf-8"),
            ));
        }
    }
    out
}

/// The six-digit code in the latest code text.
pub async fn code_sent(desk: &Desk, id: ApplicationId) -> String {
    let texts = texts(desk, id).await;
    let (_, body) = texts
        .iter()
        .rfind(|(_, b)| b.contains("code is") || b.contains("验证码"))
        .expect("a code text");
    body.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .expect("six digits")
        .to_owned()
}

/// One number out of the database.
pub async fn count(raw: &RawDb, sql: &str) -> i64 {
    match raw {
        RawDb::Sqlite(pool) => sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await
            .expect("count"),
        RawDb::Postgres(pool) => sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await
            .expect("count"),
    }
}

/// A file of the media crate's fixtures.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../carddesk-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every checklist item ticked.
pub fn every_item() -> Checklist {
    Checklist(ChecklistItem::ALL.into_iter().collect())
}

/// A first-card application (routed to the interview) by person `seed`.
pub async fn first_card(desk: &Desk, seed: u32) -> Submitted {
    let s = desk
        .processor
        .submit_application(form(&resident_id(seed), &phone(seed)), ADDRESS)
        .await
        .expect("submit");
    assert_eq!(s.route, AuthRoute::VideoInterview);
    s
}

/// Uploads the four files an interview needs.
pub async fn upload_all(desk: &Desk, s: &Submitted) {
    let p = &desk.processor;
    let files = [
        (MediaKind::IdFront, fixture("image_64.jpg")),
        (MediaKind::IdBack, fixture("image_64.png")),
        (MediaKind::Selfie, fixture("image_64.jpg")),
        (MediaKind::Video, fixture("video_2s_mediarecorder.webm")),
    ];
    for (i, (kind, bytes)) in files.iter().enumerate() {
        let missing = p
            .upload_interview_media(&s.session, *kind, bytes, ADDRESS)
            .await
            .expect("upload");
        assert_eq!(missing.len(), 3 - i, "{kind:?}");
    }
}

/// The actions of an application's audit entries, oldest first.
pub async fn audit_actions(
    desk: &Desk,
    id: carddesk_domain::application::ApplicationId,
) -> Vec<String> {
    desk.store
        .audit_entries(Some(&format!("application:{}", id.0)), 0, 1_000)
        .await
        .expect("audit")
        .into_iter()
        .map(|r| r.entry.action)
        .collect()
}

/// A first-card application by person `seed` with its four uploads, then
/// withdrawn by the applicant.
pub async fn withdrawn_with_uploads(desk: &Desk, seed: u32) -> Submitted {
    let s = first_card(desk, seed).await;
    upload_all(desk, &s).await;
    desk.processor
        .withdraw_application(&s.session, ADDRESS)
        .await
        .expect("withdraw");
    s
}
