//! How long interview uploads are kept (issue 8): an application that
//! ended without a card keeps them 30 days, an issued card 5 years; then
//! the rows go (audited) and a sealed file goes once no row of any
//! application names its content. Files no row names are swept after an
//! hour; past days' submission counters are forgotten. On both databases.

mod applicant;
mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration as StdDuration, SystemTime};

use applicant::*;
use carddesk_domain::application::{ApplicationId, Verdict};
use carddesk_processor::applications::{ORPHAN_GRACE, RetentionReport};
use carddesk_store::{MediaKind, Store};
use chrono::Duration;
use common::*;

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("media directory")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// A file as a crash could leave it, last written `ago`.
fn stray(dir: &Path, name: &str, ago: StdDuration) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).expect("stray file");
    file.set_modified(SystemTime::now() - ago).expect("mtime");
    path
}

async fn uploads_of(desk: &Desk, id: ApplicationId) -> usize {
    desk.store.application_media(id).await.expect("media").len()
}

async fn forgotten_entries(desk: &Desk, id: ApplicationId) -> Vec<String> {
    desk.store
        .audit_entries(Some(&format!("application:{}", id.0)), 0, 1_000)
        .await
        .expect("audit")
        .into_iter()
        .map(|r| r.entry.action)
        .filter(|a| a == "application.media_forgotten")
        .collect()
}

async fn uploads_are_kept_while_they_must_be_then_forgotten(store: Arc<dyn Store>, db: TestDb) {
    let (desk, media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let dir = media.path();
    // Three applicants upload the same four files: one sealed file each,
    // named by its content, shared by all three applications.
    let withdrawn = first_card(&desk, 720).await;
    upload_all(&desk, &withdrawn).await;
    p.withdraw_application(&withdrawn.session, ADDRESS)
        .await
        .expect("withdraw");
    let issued = first_card(&desk, 721).await;
    upload_all(&desk, &issued).await;
    let li = agent("li");
    p.claim_interview(&li, issued.application_id, CONSOLE)
        .await
        .expect("claim");
    p.decide_interview(
        &li,
        issued.application_id,
        &Verdict::Pass {
            checklist: every_item(),
        },
        CONSOLE,
    )
    .await
    .expect("pass");
    let expiring = first_card(&desk, 722).await;
    upload_all(&desk, &expiring).await;
    let shared = files_in(dir);
    assert_eq!(shared.len(), 3, "jpeg, png and webm, once each");
    let old_stray = stray(dir, "0badc0de.sealed", ORPHAN_GRACE * 2);
    let old_part = stray(dir, "0badc0de.sealed.42.part", ORPHAN_GRACE * 2);
    let fresh_stray = stray(dir, "f7e5h.sealed", StdDuration::from_secs(5));

    // Within a day nothing ended long enough ago; the strays old enough go.
    let report = p.forget_past_retention().await.expect("forget");
    assert_eq!(
        report,
        RetentionReport {
            applications: 0,
            uploads: 0,
            files: 2,
            counters: 0
        }
    );
    assert!(!old_stray.exists() && !old_part.exists());
    assert!(
        fresh_stray.exists(),
        "a file this fresh may be an upload whose row is not in yet"
    );

    // 31 days on: the withdrawn one's rows go, audited; its files stay,
    // named by the issued and the (now expired) application's rows. The
    // counters of days past go: 3 people and 1 address.
    desk.advance(Duration::days(31));
    assert_eq!(p.expire_due_applications(100).await.expect("expire"), 1);
    let (first, second) = tokio::join!(p.forget_past_retention(), p.forget_past_retention());
    let (first, second) = (first.expect("forget"), second.expect("forget"));
    assert_eq!(
        first.applications + second.applications,
        1,
        "two passes at once forget one application once: {first:?} {second:?}"
    );
    assert_eq!(first.uploads + second.uploads, 4);
    assert_eq!(first.files + second.files, 0);
    assert_eq!(first.counters + second.counters, 4);
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM application_quota").await,
        0
    );
    assert_eq!(uploads_of(&desk, withdrawn.application_id).await, 0);
    assert_eq!(
        forgotten_entries(&desk, withdrawn.application_id)
            .await
            .len(),
        1
    );
    assert_eq!(uploads_of(&desk, issued.application_id).await, 4);
    assert_eq!(uploads_of(&desk, expiring.application_id).await, 4);
    let boss = supervisor("zhang");
    let photo = p
        .interview_media(&boss, issued.application_id, MediaKind::Selfie, CONSOLE)
        .await
        .expect("the issued card's selfie is still there");
    assert_eq!(photo.bytes, fixture("image_64.jpg"));
    assert!(
        p.interview_media(&boss, withdrawn.application_id, MediaKind::Selfie, CONSOLE)
            .await
            .is_err(),
        "the withdrawn one's is not"
    );

    // 31 more: the expired one's go too; the issued card's keep the files.
    desk.advance(Duration::days(31));
    let report = p.forget_past_retention().await.expect("forget");
    assert_eq!(
        (report.applications, report.uploads, report.files),
        (1, 4, 0)
    );
    assert_eq!(
        files_in(dir).len(),
        4,
        "the three shared files and the fresh stray"
    );

    // Five years after issuing, the card's record goes, and with it the
    // last row naming the files: they go.
    desk.advance(Duration::days(5 * 365));
    let report = p.forget_past_retention().await.expect("forget");
    assert_eq!(
        (report.applications, report.uploads, report.files),
        (1, 4, 3)
    );
    assert_eq!(files_in(dir), vec![fresh_stray]);
    assert_eq!(
        forgotten_entries(&desk, issued.application_id).await.len(),
        1
    );
    assert!(
        p.store().verify_audit_chain().await.is_ok(),
        "the audit chain holds"
    );
}

on_both_databases! {
    uploads_are_kept_while_they_must_be_then_forgotten => sqlite_retention, postgres_retention;
}
