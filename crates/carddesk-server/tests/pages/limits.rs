//! The limits on posts: per address and per case, and on the size and
//! kind of a body; the stylesheet served as a plain static file.

use axum::Router;
use carddesk_domain::FreezeReason;
use carddesk_processor::ProcessorConfig;
use carddesk_server::AppState;
use carddesk_server::pages::{self, PageLimits};

use super::assert_page_headers;
use super::pages_support::{Bank, PASSWORD, Phone};

fn tightly_limited(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes_with(
            PageLimits {
                address_burst: 3,
                address_per_minute: 1,
                case_burst: 1,
                case_per_minute: 1,
            },
            &carddesk_server::limits::Buckets::Memory,
        ))
        .with_state(state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_are_rate_limited_per_address_and_per_case() {
    let bank = Bank::start_with(ProcessorConfig::default(), Some(tightly_limited)).await;
    let person = bank.enrol(11, "en", FreezeReason::WrongPinLimit).await;
    let (case, code) = bank.instruct(person.card).await;
    let mut phone = Phone::new(&bank, Some("en"));

    // Per case: the third upload within the burst is refused before the
    // processor sees it. (Two POSTs of the address's three go on that.)
    phone.open(&code).await;
    let first = phone.upload("bad", PASSWORD).await;
    assert_eq!(first.status, 422);
    let second = phone.upload("bad", PASSWORD).await;
    assert_eq!(second.status, 429, "{}", second.body);
    assert_eq!(second.outcome().as_deref(), Some("rate_limited"));
    assert!(
        second
            .header("retry-after")
            .parse::<u64>()
            .expect("seconds")
            >= 1
    );
    assert_eq!(bank.failed_attempts(case).await, 0);

    // Per address: the burst is spent, any POST is refused.
    let start = phone.get("/u").await;
    let refused = phone
        .post("/u", &[("csrf", &start.csrf()), ("code", "ZZZZZ-ZZZZZ")])
        .await;
    assert_eq!(refused.status, 429);
    assert_page_headers(&refused);
    // GETs are not limited.
    assert_eq!(phone.get("/u/details").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_unreadable_bodies_are_refused() {
    let bank = Bank::start().await;
    let person = bank.enrol(12, "en", FreezeReason::WrongPinLimit).await;
    let (case, code) = bank.instruct(person.card).await;
    let mut phone = Phone::new(&bank, Some("en"));
    phone.open(&code).await;
    let csrf = phone.get("/u/details").await.csrf();

    let huge = format!("csrf={csrf}&id_number={}", "1".repeat(8 * 1024));
    let too_large = phone
        .post_raw("/u/details", "application/x-www-form-urlencoded", huge)
        .await;
    assert_eq!(too_large.status, 413);
    assert_page_headers(&too_large);
    let json = phone
        .post_raw(
            "/u/details",
            "application/json",
            format!("{{\"csrf\":\"{csrf}\"}}"),
        )
        .await;
    assert_eq!(json.status, 400);
    assert_eq!(json.outcome().as_deref(), Some("bad_request"));
    assert_eq!(bank.failed_attempts(case).await, 0);

    // The stylesheet is a plain static file.
    let css = phone.get("/u/static/pages.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.body.contains(".btn-primary"));
}
