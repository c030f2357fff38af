//! The video-interview route (issue 8): uploads checked by content and
//! sealed at rest, the queue, the claim, the verdicts, the override's
//! maker-checker, and who may see the uploads; on both databases.

mod applicant;
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use applicant::*;
use carddesk_domain::application::{
    ApplicationState, AuthRoute, ChecklistItem, Verdict, VerdictReason,
};
use carddesk_store::{MediaKind, Store};
use common::*;

async fn an_interview_passed_issues_a_first_card(store: Arc<dyn Store>, db: TestDb) {
    let (desk, media_dir) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let s = first_card(&desk, 700).await;
    upload_all(&desk, &s).await;
    // Sealed at rest: no upload's bytes are in a file as they came.
    let video = fixture("video_2s_mediarecorder.webm");
    for entry in std::fs::read_dir(media_dir.path()).expect("dir") {
        let sealed = std::fs::read(entry.expect("entry").path()).expect("read");
        assert!(
            !contains(&sealed, &video[..64]),
            "a sealed file holds no clear bytes"
        );
    }
    let li = agent("li");
    let queue = p.interview_queue(&li, 50, CONSOLE).await.expect("queue");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].step, "queued");
    assert_eq!(queue[0].media.len(), 4);
    assert!(!queue[0].late);

    p.claim_interview(&li, s.application_id, CONSOLE)
        .await
        .expect("claim");
    let wang = agent("wang");
    assert_eq!(
        err(p.claim_interview(&wang, s.application_id, CONSOLE).await).code(),
        "forbidden"
    );
    // Only the reviewer (and supervisors) may open the uploads.
    assert_eq!(
        err(p
            .interview_media(&wang, s.application_id, MediaKind::Video, CONSOLE)
            .await)
        .code(),
        "forbidden"
    );
    let view = p
        .interview_media(&li, s.application_id, MediaKind::Video, CONSOLE)
        .await
        .expect("view");
    assert_eq!(view.mime, "video/webm");
    assert_eq!(view.bytes, video);
    p.interview_media(
        &supervisor("zhang"),
        s.application_id,
        MediaKind::IdFront,
        CONSOLE,
    )
    .await
    .expect("a supervisor may look");
    let actions = audit_actions(&desk, s.application_id).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "interview.media_viewed")
            .count(),
        3,
        "views and the refusal"
    );

    let issued = p
        .decide_interview(
            &li,
            s.application_id,
            &Verdict::Pass {
                checklist: every_item(),
            },
            CONSOLE,
        )
        .await
        .expect("decide")
        .expect("issued");
    assert_eq!(issued.route, AuthRoute::VideoInterview);
    assert_eq!(issued.decided_by, "agent:li");
    let record = desk
        .store
        .application(s.application_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(record.application.state, ApplicationState::Issued);
    let customer = record
        .application
        .customer_id
        .expect("a customer made at issue");
    let cards = desk.store.cards_of_customer(customer).await.expect("cards");
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].id, issued.card_id);
    assert!(
        p.interview_queue(&li, 50, CONSOLE)
            .await
            .expect("queue")
            .is_empty()
    );
}

async fn a_fail_or_a_retry_tells_the_applicant_why(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let li = agent("li");
    let s = first_card(&desk, 710).await;
    upload_all(&desk, &s).await;
    p.claim_interview(&li, s.application_id, CONSOLE)
        .await
        .expect("claim");
    let reasons: BTreeSet<_> = [VerdictReason::PhotoUnreadable].into();
    assert!(
        p.decide_interview(&li, s.application_id, &Verdict::Retry { reasons }, CONSOLE)
            .await
            .expect("retry")
            .is_none()
    );
    let status = p.application_status(&s.session).await.expect("status");
    assert_eq!(
        status.missing_uploads.len(),
        4,
        "the retry asks for every upload again"
    );
    assert_eq!(status.verdict_reasons, ["photo_unreadable"]);
    assert!(
        texts(&desk, s.application_id).await[0]
            .1
            .contains("a photo cannot be read")
    );

    upload_all(&desk, &s).await;
    p.claim_interview(&li, s.application_id, CONSOLE)
        .await
        .expect("claim again");
    let empty = Verdict::Fail {
        reasons: BTreeSet::new(),
    };
    assert_eq!(
        err(p
            .decide_interview(&li, s.application_id, &empty, CONSOLE)
            .await)
        .code(),
        "invalid_input"
    );
    let reasons: BTreeSet<_> = [
        VerdictReason::FaceMismatch,
        VerdictReason::SomeoneElsePresent,
    ]
    .into();
    p.decide_interview(&li, s.application_id, &Verdict::Fail { reasons }, CONSOLE)
        .await
        .expect("fail");
    let record = desk
        .store
        .application(s.application_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(record.application.state, ApplicationState::Rejected);
    let told = &texts(&desk, s.application_id).await[1].1;
    assert!(told.contains("the face does not match the ID photo") && told.contains("someone else"));
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM virtual_cards").await,
        0
    );
}

async fn an_override_needs_another_supervisor(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let zhang = supervisor("zhang");
    let s = first_card(&desk, 720).await;
    upload_all(&desk, &s).await;
    p.claim_interview(&zhang, s.application_id, CONSOLE)
        .await
        .expect("claim");
    let mut partial = every_item();
    partial.0.remove(&ChecklistItem::Liveness);
    assert!(
        p.decide_interview(
            &zhang,
            s.application_id,
            &Verdict::Pass { checklist: partial },
            CONSOLE
        )
        .await
        .expect("pass with an item unticked")
        .is_none()
    );
    let actions = desk
        .store
        .audit_entries(Some(&format!("application:{}", s.application_id.0)), 0, 100)
        .await
        .expect("audit");
    let verdict = actions
        .iter()
        .rfind(|r| r.entry.action == "interview.verdict")
        .expect("verdict");
    assert_eq!(
        verdict.entry.detail, "pass with unticked: liveness",
        "what the approver must weigh"
    );
    assert_eq!(
        err(p
            .approve_interview_override(&zhang, s.application_id, CONSOLE)
            .await)
        .code(),
        "maker_checker"
    );
    assert_eq!(
        err(p
            .approve_interview_override(&agent("li"), s.application_id, CONSOLE)
            .await)
        .code(),
        "forbidden"
    );
    let issued = p
        .approve_interview_override(&supervisor("liu"), s.application_id, CONSOLE)
        .await
        .expect("approved");
    assert_eq!(issued.decided_by, "supervisor:liu");
}

async fn bad_uploads_are_refused_and_store_nothing(store: Arc<dyn Store>, db: TestDb) {
    let (desk, media_dir) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let s = first_card(&desk, 730).await;
    let video = fixture("video_2s_mediarecorder.webm");
    let mp4 = fixture("video_2s_h264.mp4");
    let too_large = {
        let mut big = fixture("image_64.jpg");
        big.resize(6 * 1024 * 1024, 0);
        big
    };
    for (kind, bytes, code) in [
        (
            MediaKind::IdFront,
            fixture("not_an_image.jpg"),
            "invalid_upload",
        ),
        (MediaKind::Selfie, video.clone(), "invalid_upload"),
        (MediaKind::Video, fixture("image_64.png"), "invalid_upload"),
        (
            MediaKind::Video,
            mp4[..mp4.len() / 2].to_vec(),
            "invalid_upload",
        ),
        (
            MediaKind::Video,
            fixture("video_70s_mediarecorder.webm"),
            "invalid_upload",
        ),
        (
            MediaKind::Video,
            fixture("video_0_3s_h264.mp4"),
            "invalid_upload",
        ),
        (MediaKind::IdBack, too_large, "invalid_upload"),
        (MediaKind::IdBack, Vec::new(), "invalid_upload"),
    ] {
        let refused = err(p
            .upload_interview_media(&s.session, kind, &bytes, ADDRESS)
            .await);
        assert_eq!(refused.code(), code, "{kind:?}");
        assert!(!refused.to_string().is_empty());
    }
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM application_media").await,
        0
    );
    assert_eq!(
        std::fs::read_dir(media_dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "no file kept"
    );
    // A two-card applicant has no interview to upload to.
    let person = desk
        .enrol(731, "en", &[carddesk_domain::CardStatus::Active])
        .await;
    let two = p
        .submit_application(form(&person.id_number, &phone(1)), ADDRESS)
        .await
        .expect("submit");
    assert_eq!(
        err(p
            .upload_interview_media(&two.session, MediaKind::Video, &video, ADDRESS)
            .await)
        .code(),
        "illegal_state"
    );
}

/// The queue reads every interview's uploads in one statement: each entry
/// still gets exactly its own current ones (a retry's new uploads, not the
/// retired ones), and an applicant still uploading is not in it.
async fn the_queue_lists_each_interview_with_its_own_uploads(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let li = agent("li");
    let first = first_card(&desk, 730).await;
    upload_all(&desk, &first).await;
    let uploading = first_card(&desk, 731).await;
    p.upload_interview_media(
        &uploading.session,
        MediaKind::Selfie,
        &fixture("image_64.jpg"),
        ADDRESS,
    )
    .await
    .expect("one upload");
    let retried = first_card(&desk, 732).await;
    upload_all(&desk, &retried).await;
    p.claim_interview(&li, retried.application_id, CONSOLE)
        .await
        .expect("claim");
    let reasons: BTreeSet<_> = [VerdictReason::PhotoUnreadable].into();
    p.decide_interview(
        &li,
        retried.application_id,
        &Verdict::Retry { reasons },
        CONSOLE,
    )
    .await
    .expect("retry");
    desk.advance(chrono::Duration::minutes(1));
    upload_all(&desk, &retried).await;

    let queue = p.interview_queue(&li, 50, CONSOLE).await.expect("queue");
    let ids: Vec<_> = queue.iter().map(|i| i.application_id).collect();
    assert_eq!(ids, [first.application_id, retried.application_id]);
    for interview in &queue {
        assert_eq!(interview.media.len(), 4, "{:?}", interview.application_id);
        assert!(
            interview
                .media
                .iter()
                .all(|m| m.application_id == interview.application_id)
        );
    }
    let newest = queue[0].media.iter().map(|m| m.uploaded_at).max();
    assert!(
        queue[1].media.iter().all(|m| Some(m.uploaded_at) > newest),
        "the retry's new uploads, not the retired ones"
    );
}

on_both_databases! {
    the_queue_lists_each_interview_with_its_own_uploads => sqlite_queue_uploads, postgres_queue_uploads;
    an_interview_passed_issues_a_first_card => sqlite_pass, postgres_pass;
    a_fail_or_a_retry_tells_the_applicant_why => sqlite_fail_retry, postgres_fail_retry;
    an_override_needs_another_supervisor => sqlite_override, postgres_override;
    bad_uploads_are_refused_and_store_nothing => sqlite_bad_uploads, postgres_bad_uploads;
}
