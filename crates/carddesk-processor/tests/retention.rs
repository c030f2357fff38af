//! How long interview uploads are kept (issue 8): an application that
//! ended without a card keeps them 30 days; then the rows go (audited) and
//! a sealed file goes once no row of any application names its content
//! and it was not written in the last hour. An issued card's uploads (its
//! identification record) are kept; files no row names are left alone;
//! past days' submission counters are forgotten. On both databases.

mod applicant;
mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration as StdDuration, SystemTime};

use applicant::*;
use carddesk_domain::application::{ApplicationId, Verdict};
use carddesk_processor::applications::{RECENT, RetentionReport};
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

/// A file as a crash, or another installation sharing the directory,
/// could leave it, last written `ago`.
fn stray(dir: &Path, name: &str, ago: StdDuration) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path).expect("stray file");
    written_ago(&path, ago);
    path
}

fn written_ago(path: &Path, ago: StdDuration) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    file.set_modified(SystemTime::now() - ago).expect("mtime");
}

async fn uploads_of(desk: &Desk, id: ApplicationId) -> usize {
    desk.store.application_media(id).await.expect("media").len()
}

async fn forgotten_entries(desk: &Desk, id: ApplicationId) -> Vec<String> {
    let mut actions = audit_actions(desk, id).await;
    actions.retain(|a| a == "application.media_forgotten");
    actions
}

async fn uploads_are_kept_while_they_must_be_then_forgotten(store: Arc<dyn Store>, db: TestDb) {
    let (desk, media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let dir = media.path();
    // Three applicants upload the same four files: one sealed file each,
    // named by its content, shared by all three applications.
    let withdrawn = withdrawn_with_uploads(&desk, 720).await;
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
    let other = stray(dir, "0badc0de.sealed", RECENT * 24);

    // Within a day nothing ended long enough ago; a file no row names (a
    // stray, or another installation's) is left alone.
    let report = p.forget_past_retention().await.expect("forget");
    assert_eq!(report, RetentionReport::default());
    assert!(other.exists());

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

    // A third applicant uploads one file of the same content just now,
    // and gives up: when their application's uploads go, the file another
    // upload wrote within the hour is kept.
    let recent = first_card(&desk, 723).await;
    p.upload_interview_media(
        &recent.session,
        MediaKind::Selfie,
        &fixture("image_64.jpg"),
        ADDRESS,
    )
    .await
    .expect("upload");
    p.withdraw_application(&recent.session, ADDRESS)
        .await
        .expect("withdraw");

    // 31 more: the expired one's and the third's go; the files stay: the
    // issued card's rows name them, and one was written within the hour.
    desk.advance(Duration::days(31));
    let report = p.forget_past_retention().await.expect("forget");
    assert_eq!(
        (report.applications, report.uploads, report.files),
        (2, 5, 0)
    );
    assert_eq!(
        files_in(dir).len(),
        4,
        "the three shared files and the other one"
    );

    // Years on, the issued card's record is still kept, with its files.
    desk.advance(Duration::days(10 * 365));
    for file in files_in(dir) {
        written_ago(&file, RECENT * 2);
    }
    let report = p.forget_past_retention().await.expect("forget");
    assert_eq!(report.applications, 0);
    assert_eq!(uploads_of(&desk, issued.application_id).await, 4);
    assert_eq!(files_in(dir).len(), 4);
    assert!(
        forgotten_entries(&desk, issued.application_id)
            .await
            .is_empty()
    );
    assert!(
        p.store().verify_audit_chain().await.is_ok(),
        "the audit chain holds"
    );
}

/// When the last row naming a content goes, its file goes, unless it was
/// written within the hour.
async fn a_file_goes_with_the_last_row_naming_it(store: Arc<dyn Store>, db: TestDb) {
    let (desk, media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let dir = media.path();
    withdrawn_with_uploads(&desk, 740).await;
    for file in files_in(dir) {
        written_ago(&file, RECENT * 2);
    }
    desk.advance(Duration::days(31));
    let report = p.forget_past_retention().await.expect("forget");
    assert_eq!(
        (report.applications, report.uploads, report.files),
        (1, 4, 3)
    );
    assert!(files_in(dir).is_empty());

    // The same content uploaded again just now (its files written within
    // the hour, as by an upload not yet committed): its rows go, the files
    // stay.
    withdrawn_with_uploads(&desk, 741).await;
    desk.advance(Duration::days(31));
    let report = p.forget_past_retention().await.expect("forget");
    assert_eq!(
        (report.applications, report.uploads, report.files),
        (1, 4, 0)
    );
    assert_eq!(files_in(dir).len(), 3);
}

on_both_databases! {
    uploads_are_kept_while_they_must_be_then_forgotten => sqlite_retention, postgres_retention;
    a_file_goes_with_the_last_row_naming_it => sqlite_last_row, postgres_last_row;
}
