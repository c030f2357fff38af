//! The video route: an interview issued after an agent's pass, and a retry
//! and a fail said in the applicant's language.

use carddesk_domain::application::{Checklist, ChecklistItem, Verdict, VerdictReason};
use carddesk_domain::{Role, StaffMember};

use super::phone::Phone;
use super::site::Site;
use super::{assert_headers, data, data_text};
use crate::common::resident_id;

pub(crate) async fn the_video_route_waits_for_an_agent_then_issues(site: &Site) {
    let mut phone = Phone::new(site, "en");
    let applied = phone
        .apply(&resident_id(9_101), "+8613912345678", "en")
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(applied.header("location"), "/apply/interview");

    let page = phone.get("/apply/interview").await;
    assert_headers(&page);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("accept=\"video/*\" capture="));
    assert_eq!(page.body.matches("data-received=\"no\"").count(), 4);
    let script = data(&page, "<script src").expect("the recorder's script");
    assert!(script.starts_with("/apply/static/record.js?v="), "{script}");
    let js = phone.get(&script).await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").starts_with("text/javascript"));
    assert!(js.body.contains("MediaRecorder.isTypeSupported"));

    // No CSRF token: refused before any file is read.
    let refused = phone.upload(None, &[("id_front", "image_64.jpg")]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let forged = phone
        .upload(Some("forged"), &[("id_front", "image_64.jpg")])
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!((site.media_rows().await, site.media_files()), (0, 0));

    // Not a photo: said clearly, nothing stored.
    let bad = phone
        .upload(Some(&page.csrf()), &[("id_front", "not_an_image.jpg")])
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let alert = bad.alert().expect("alert");
    assert!(
        alert.starts_with("ID document, front: we cannot accept this file"),
        "{alert}"
    );
    assert!(alert.contains("Nothing was stored"));
    assert_eq!((site.media_rows().await, site.media_files()), (0, 0));
    // Past the forms' 2 KiB and the server's 16 KiB: the upload's own
    // limit lets it reach the checks; past 25 MiB it is refused unread.
    let junk = phone
        .upload_bytes(&page.csrf(), "selfie", vec![0x42; 100 * 1024])
        .await;
    assert_eq!(junk.status, 422, "{}", junk.body);
    assert!(junk.alert().expect("alert").starts_with("A selfie:"));
    let huge = phone
        .upload_bytes(&page.csrf(), "video", vec![0; 25 * 1024 * 1024 + 1])
        .await;
    assert_eq!(huge.status, 413, "{}", huge.body);
    assert_eq!(data(&huge, "data-outcome").as_deref(), Some("too_large"));
    assert_eq!((site.media_rows().await, site.media_files()), (0, 0));
    let none = phone.upload(Some(&page.csrf()), &[]).await;
    assert_eq!(none.status, 422);
    assert_eq!(none.alert().as_deref(), Some("Choose at least one file."));

    let two = phone
        .upload(
            Some(&page.csrf()),
            &[("id_front", "image_64.jpg"), ("id_back", "image_64.png")],
        )
        .await;
    assert_eq!(two.status, 303, "{}", two.body);
    assert_eq!(two.header("location"), "/apply/interview");
    let page = phone.get("/apply/interview").await;
    assert_eq!(page.body.matches("data-received=\"yes\"").count(), 2);
    assert!(
        page.body
            .contains("data-kind=\"selfie\" data-received=\"no\"")
    );
    let rest = phone
        .upload(
            Some(&page.csrf()),
            &[
                ("selfie", "image_64.jpg"),
                ("video", "video_2s_mediarecorder.webm"),
            ],
        )
        .await;
    assert_eq!(rest.header("location"), "/apply/status", "{}", rest.body);
    assert_eq!(site.media_rows().await, 4);

    let waiting = phone.get("/apply/status").await;
    assert_eq!(data(&waiting, "data-step").as_deref(), Some("queued"));
    assert!(waiting.body.contains("Waiting for an agent"));
    assert!(
        waiting
            .body
            .contains("<meta http-equiv=\"refresh\" content=\"10\">")
    );
    assert!(!waiting.body.contains("action=\"/apply/card\""));
    let before = site.snapshot().await;
    phone.get("/apply/status").await;
    phone.get("/apply/interview").await;
    assert_eq!(site.snapshot().await, before, "a GET wrote");

    let agent = StaffMember {
        username: "li".to_owned(),
        role: Role::Agent,
    };
    let id = site.newest().await;
    let p = &site.processor;
    p.claim_interview(&agent, id, "console:test")
        .await
        .expect("claim");
    let reviewing = phone.get("/apply/status").await;
    assert_eq!(data(&reviewing, "data-step").as_deref(), Some("claimed"));
    let checklist = Checklist(ChecklistItem::ALL.into_iter().collect());
    p.decide_interview(&agent, id, &Verdict::Pass { checklist }, "console:test")
        .await
        .expect("decide")
        .expect("issued");

    let issued = phone.get("/apply/status").await;
    assert_eq!(data(&issued, "data-state").as_deref(), Some("issued"));
    assert!(!issued.body.contains("http-equiv=\"refresh\""));
    let shown = phone.post("/apply/card", &[("csrf", &issued.csrf())]).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(data_text(&shown, "card-number").starts_with("6217 99"));
    let again = phone.post("/apply/card", &[("csrf", &issued.csrf())]).await;
    assert_eq!(again.status, 409);
}

pub(crate) async fn a_retry_and_a_fail_say_why_in_the_applicants_language(site: &Site) {
    let mut phone = Phone::new(site, "en");
    let applied = phone
        .apply(&resident_id(9_103), "+8613912345678", "en")
        .await;
    assert_eq!(applied.header("location"), "/apply/interview");
    let all_four = [
        ("id_front", "image_64.jpg"),
        ("id_back", "image_64.png"),
        ("selfie", "image_64.jpg"),
        ("video", "video_2s_mediarecorder.webm"),
    ];
    let page = phone.get("/apply/interview").await;
    let sent = phone.upload(Some(&page.csrf()), &all_four).await;
    assert_eq!(sent.header("location"), "/apply/status", "{}", sent.body);

    let agent = StaffMember {
        username: "li".to_owned(),
        role: Role::Agent,
    };
    let id = site.newest().await;
    let p = &site.processor;
    p.claim_interview(&agent, id, "console:test")
        .await
        .expect("claim");
    let reasons = [VerdictReason::PhotoUnreadable].into_iter().collect();
    p.decide_interview(&agent, id, &Verdict::Retry { reasons }, "console:test")
        .await
        .expect("retry");
    let status = phone.get("/apply/status").await;
    assert_eq!(
        data(&status, "data-step").as_deref(),
        Some("awaiting_uploads")
    );
    assert!(
        status
            .body
            .contains("Our reviewer asks you to upload again:")
    );
    assert!(status.body.contains("<li>a photo cannot be read</li>"));
    assert!(status.body.contains("href=\"/apply/interview\""));
    let page = phone.get("/apply/interview").await;
    assert!(page.body.contains("id=\"retry\""));
    assert_eq!(page.body.matches("data-received=\"no\"").count(), 4);

    let sent = phone.upload(Some(&page.csrf()), &all_four).await;
    assert_eq!(sent.header("location"), "/apply/status");
    p.claim_interview(&agent, id, "console:test")
        .await
        .expect("claim");
    let reasons = [VerdictReason::FaceMismatch, VerdictReason::NotLive]
        .into_iter()
        .collect();
    p.decide_interview(&agent, id, &Verdict::Fail { reasons }, "console:test")
        .await
        .expect("fail");
    let failed = phone.get("/apply/status?lang=zh-CN").await;
    assert_eq!(data(&failed, "data-state").as_deref(), Some("rejected"));
    assert!(failed.body.contains("申请未通过"));
    assert!(failed.body.contains("<li>面部与证件照片不符</li>"));
    assert!(failed.body.contains("<li>未能确认为本人实时拍摄</li>"));
    assert!(!failed.body.contains("action=\"/apply/card\""));
    assert!(failed.body.contains("href=\"/apply\""), "apply again");
    let card = phone.post("/apply/card", &[("csrf", &page.csrf())]).await;
    assert_eq!(card.header("location"), "/apply/status", "nothing to show");
}
