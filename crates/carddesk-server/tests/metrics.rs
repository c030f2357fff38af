//! Prometheus metrics (issue 7, operations): after a flow, `/metrics`
//! reports the requests by route template and status with latency
//! histograms, the cases entering each state, the failed verification,
//! the deliveries by channel and outcome, the hashing queue and the
//! database pool; never a path with an id or a code in it. (That a client
//! forwarded by a trusted proxy is not shown them is in shared_limits.rs.)

mod common;

use carddesk_domain::{FreezeReason, Role};
use carddesk_processor::delivery::{Adapters, DeliveryConfig, DeliveryWorker};
use common::{TestApp, frozen};

async fn metrics_after_a_flow(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(31, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let (case, code) = app.instructed(&agent, person.card(0)).await;
    let worker = DeliveryWorker::new(
        app.processor.clone(),
        Adapters::local(),
        DeliveryConfig::default(),
    )
    .expect("worker");
    worker
        .deliver_due(app.processor.now())
        .await
        .expect("deliver");
    let opened = app
        .post(
            "/api/customer/unfreeze-requests",
            None,
            &serde_json::json!({ "code": code }),
        )
        .await
        .ok();
    let session = opened["session_token"]
        .as_str()
        .expect("session")
        .to_owned();
    app.post_empty("/api/customer/challenge", Some(&session))
        .await
        .ok();
    let verify = "/api/customer/verification";
    app.post(verify, Some(&session), &person.wrong_password())
        .await
        .error(401, "verification_failed");
    app.post(verify, Some(&session), &person.right()).await.ok();

    let scraped = app.get("/metrics", None).await;
    assert_eq!(scraped.status, 200);
    let text = scraped.text();
    for line in [
        r#"carddesk_http_requests_total{method="POST",route="/api/customer/verification",status="401"} 1"#,
        r#"carddesk_http_requests_total{method="POST",route="/api/customer/verification",status="200"} 1"#,
        r#"carddesk_cases_entered_total{state="marked"} 1"#,
        r#"carddesk_cases_entered_total{state="unfrozen"} 1"#,
        "carddesk_verifications_failed_total 1",
        r#"carddesk_deliveries_total{channel="text",outcome="sent"} 1"#,
        r#"carddesk_hashing_in_line{budget="customer"} 0"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from:\n{text}"
        );
    }
    assert!(text.contains(r#"carddesk_http_request_duration_seconds_bucket{le="#)
        || text.contains(r#"carddesk_http_request_duration_seconds_bucket{method="POST",route="/api/customer/verification",le="#),
        "{text}");
    assert!(
        text.contains(r#"carddesk_db_connections{state="open"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/agent/cases/{case}/package""#),
        "routes by template: {text}"
    );
    assert!(
        !text.contains(&format!("/cases/{case}/")),
        "no path with an id in it"
    );
    assert!(!text.contains(&session), "no session token");
}

on_both_databases! {
    metrics_after_a_flow => sqlite_metrics_after_a_flow, postgres_metrics_after_a_flow;
}
