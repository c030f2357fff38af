//! Withdrawing, the form's refusals, and the pages in Chinese.

use chrono::Duration;

use super::data;
use super::phone::Phone;
use super::site::Site;
use crate::common::{self, resident_id};

pub(crate) async fn withdrawing_refusals_and_chinese(site: &Site) {
    let mut phone = Phone::new(site, "zh-CN");
    let form = phone.get("/apply").await;
    assert!(form.body.contains("<html lang=\"zh-CN\">"));
    assert!(form.body.contains("申请虚拟卡"));
    let id = resident_id(9_102);

    // What the page checks itself, in Chinese, and the ID number is not
    // written back into the page.
    let unticked = phone
        .post(
            "/apply",
            &[
                ("csrf", &form.csrf()),
                ("name", "王芳"),
                ("id_number", &id),
                ("phone", "13912345678"),
            ],
        )
        .await;
    assert_eq!(unticked.status, 422);
    assert_eq!(
        unticked.alert().as_deref(),
        Some("请勾选同意条款及视频录制后再提交。")
    );
    assert!(!unticked.body.contains(&id));
    assert!(unticked.body.contains("value=\"王芳\""));
    let bad_id = phone
        .apply(&common::malformed_id(9_102), "13912345678", "zh-CN")
        .await;
    assert_eq!(bad_id.status, 422);
    assert!(bad_id.alert().expect("alert").contains("18 位"));
    let bad_phone = phone.apply(&id, "12", "zh-CN").await;
    assert_eq!(bad_phone.status, 422);
    assert!(bad_phone.alert().expect("alert").contains("手机号码"));
    assert_eq!(site.raw.count("FROM applications").await, 0);

    let applied = phone.apply(&id, "13912345678", "zh-CN").await;
    assert_eq!(applied.header("location"), "/apply/interview");
    // One open application per person, whichever browser.
    let mut other = Phone::new(site, "zh-CN");
    let twice = other.apply(&id, "13912345678", "zh-CN").await;
    assert_eq!(twice.status, 409);
    assert!(twice.alert().expect("alert").contains("正在办理"));
    // The form offers the way back to the open application.
    assert!(
        phone
            .get("/apply")
            .await
            .body
            .contains("href=\"/apply/interview\"")
    );

    let status = phone.get("/apply/status").await;
    assert_eq!(
        data(&status, "data-step").as_deref(),
        Some("awaiting_uploads")
    );
    let refused = phone.post("/apply/withdraw", &[]).await;
    assert_eq!(refused.status, 403);
    let withdrawn = phone
        .post("/apply/withdraw", &[("csrf", &status.csrf())])
        .await;
    assert_eq!(withdrawn.header("location"), "/apply/status");
    let status = phone.get("/apply/status").await;
    assert_eq!(data(&status, "data-state").as_deref(), Some("withdrawn"));
    assert!(status.body.contains("申请已撤回"));
    assert!(status.body.contains("href=\"/apply/status?lang=en\""));
    // Then free to apply again.
    let again = other.apply(&id, "13912345678", "zh-CN").await;
    assert_eq!(again.header("location"), "/apply/interview");

    // Past its lifetime it shows as expired before the schedule says so,
    // and offers no step.
    site.clock.advance(Duration::hours(25));
    let before = site.snapshot().await;
    let late = other.get("/apply/status").await;
    assert_eq!(data(&late, "data-state").as_deref(), Some("expired"));
    assert!(late.body.contains("申请已过期"));
    assert!(!late.body.contains("action=\"/apply/withdraw\""));
    let interview = other.get("/apply/interview").await;
    assert_eq!(interview.header("location"), "/apply/status");
    assert_eq!(site.snapshot().await, before, "a GET wrote");

    // No session: said so, for every page that needs one.
    let mut stranger = Phone::new(site, "en");
    let ended = stranger.get("/apply/status").await;
    assert_eq!(ended.status, 401);
    assert!(ended.body.contains("Your session has ended"));
}
