//! The customer's web pages over HTTP: the flow from the text message's link
//! to the unfrozen card, in both languages, and what guards it (CSRF, the
//! security headers, cookies, rate and size limits, one case per cookie,
//! failures that never say which credential was wrong).

mod pages_support;

use axum::Router;
use carddesk_domain::{CardStatus, FreezeReason};
use carddesk_processor::ProcessorConfig;
use carddesk_server::AppState;
use carddesk_server::pages::{self, PageLimits};
use chrono::Duration;
use pages_support::{Bank, PASSWORD, Phone, WRONG_PASSWORD, resident_id};

const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

fn assert_page_headers(page: &pages_support::Page) {
    assert_eq!(page.header("content-security-policy"), CSP);
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("x-frame-options"), "DENY");
}

/// Nothing the CSP would refuse: no inline style or script anywhere.
fn assert_no_inline_code(page: &pages_support::Page) {
    for needle in ["style=", "<style", "<script", "javascript:"] {
        assert!(
            !page.body.contains(needle),
            "the page holds {needle:?}:\n{}",
            page.body
        );
    }
    // No event-handler attribute (`onclick=`…) either.
    let handler = page.body.match_indices(" on").any(|(i, _)| {
        let rest = &page.body[i + 3..];
        let word = rest.chars().take_while(char::is_ascii_lowercase).count();
        word > 0 && rest[word..].starts_with('=')
    });
    assert!(!handler, "an event handler in:\n{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_unfreezes_their_card_in_english() {
    let bank = Bank::start().await;
    let person = bank.enrol(1, "en", FreezeReason::WrongPinLimit).await;
    let (case, code) = bank.instruct(person.card).await;
    let mut phone = Phone::new(&bank, Some("en-GB,en;q=0.9"));

    // The link renders a form and spends nothing, however often it is
    // fetched (link scanners prefetch).
    let link = phone.get(&format!("/u/{code}")).await;
    let again = phone.get(&format!("/u/{code}")).await;
    assert_eq!((link.status, again.status), (200, 200));
    assert_page_headers(&link);
    assert_no_inline_code(&link);
    assert!(link.body.contains("<html lang=\"en\">"));
    assert!(link.body.contains("Unfreeze your card"));
    assert!(link.body.contains("?lang=zh-CN"), "a switch to Chinese");
    let binding = link.set_cookie("cd_b").expect("the browser binding cookie");
    assert!(binding.contains("HttpOnly") && binding.contains("SameSite=Strict"));
    assert!(!binding.contains("Secure"), "served over http: {binding}");

    // Continue: the session goes into a cookie, never into the URL.
    let opened = phone
        .post(&format!("/u/{code}"), &[("csrf", &link.csrf())])
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    assert_eq!(opened.header("location"), "/u/card");
    let session = opened.set_cookie("cd_s").expect("the session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    assert!(session.contains("Path=/u"), "{session}");
    let token = phone.cookies["cd_s"].clone();
    assert_eq!(token.len(), 64);

    let card = phone.get("/u/card").await;
    assert_eq!(card.status, 200);
    assert_page_headers(&card);
    assert!(card.body.contains(&person.last_four), "{}", card.body);
    assert!(card.body.contains("Is this your card?"));
    assert!(card.body.contains("href=\"/u/details\""));
    assert!(!card.body.contains(token.as_str()), "no token in the page");

    let details = phone.get("/u/details").await;
    assert_eq!(details.status, 200);
    assert_no_inline_code(&details);
    assert!(details.body.contains("Resident ID card number"));
    assert!(details.body.contains("Transaction password"));
    assert!(details.body.contains("3 attempts left"));
    assert!(details.body.contains("Beijing time"));
    assert!(details.body.contains("type=\"password\""));

    let sent = phone
        .post(
            "/u/details",
            &[
                ("csrf", &details.csrf()),
                ("id_number", &person.id_number),
                ("transaction_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.header("location"), "/u/result");
    let result = phone.get("/u/result").await;
    assert_eq!(result.status, 200);
    assert_eq!(result.outcome().as_deref(), Some("unfrozen"));
    assert!(result.body.contains("Your card is unfrozen"));
    assert!(result.body.contains(&person.last_four));
    assert_eq!(bank.card_status(person.card).await, CardStatus::Active);
    // A reload shows the same, and the spent code opens nothing.
    assert_eq!(
        phone.get("/u/result").await.outcome().as_deref(),
        Some("unfrozen")
    );
    let mut other = Phone::new(&bank, Some("en"));
    let link = other.get(&format!("/u/{code}")).await;
    let reused = other
        .post(&format!("/u/{code}"), &[("csrf", &link.csrf())])
        .await;
    assert_eq!(reused.status, 409);
    assert_eq!(reused.outcome().as_deref(), Some("code_used"));

    let actions: Vec<String> = bank
        .processor
        .timeline(case)
        .await
        .expect("timeline")
        .into_iter()
        .map(|r| r.entry.action)
        .collect();
    assert!(actions.contains(&"card.unfrozen".to_owned()), "{actions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_speak_chinese_by_default_and_switch_on_request() {
    let bank = Bank::start().await;
    let person = bank.enrol(2, "zh-CN", FreezeReason::Dormant).await;
    let (_, code) = bank.instruct(person.card).await;

    // No Accept-Language: Chinese.
    let mut phone = Phone::new(&bank, None);
    let start = phone.get("/u").await;
    assert!(start.body.contains("<html lang=\"zh-CN\">"));
    assert!(start.body.contains("解冻您的银行卡"));
    assert!(start.body.contains("href=\"/u?lang=en\""));

    // Accept-Language picks English; `?lang=` overrides it and sticks.
    let mut phone = Phone::new(&bank, Some("en-US,en;q=0.9,zh-CN;q=0.8"));
    assert!(phone.get("/u").await.body.contains("Unfreeze your card"));
    let switched = phone.get(&format!("/u/{code}?lang=zh-CN")).await;
    assert!(switched.body.contains("<html lang=\"zh-CN\">"));
    assert!(switched.set_cookie("cd_lang").is_some());
    let card = phone.open(&code).await;
    assert!(card.body.contains("这是您的银行卡吗？"), "{}", card.body);
    assert!(card.body.contains(&person.last_four));
    assert!(card.body.contains("href=\"/u/card?lang=en\""));
    let details = phone.get("/u/details").await;
    assert!(details.body.contains("居民身份证号码"));
    assert!(details.body.contains("交易密码"));
    assert!(details.body.contains("剩余 3 次尝试机会"));
    assert!(details.body.contains("北京时间"));

    let failed = phone.upload(&person.id_number, WRONG_PASSWORD).await;
    assert_eq!(failed.status, 401);
    assert_eq!(
        failed.alert().as_deref(),
        Some("您输入的信息与我们的记录不符。您还可以尝试 2 次。")
    );

    let done = phone.upload(&person.id_number, PASSWORD).await;
    assert_eq!(done.status, 303);
    let result = phone.get("/u/result").await;
    assert!(result.body.contains("银行卡已解冻"), "{}", result.body);
    // Every page offers the other language.
    let english = phone.get("/u/result?lang=en").await;
    assert!(english.body.contains("Your card is unfrozen"));
    assert!(english.body.contains("href=\"/u/result?lang=zh-CN\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_attempt_shows_the_same_generic_failure_whichever_detail_was_wrong() {
    let bank = Bank::start().await;
    let person = bank.enrol(3, "en", FreezeReason::CustomerRequest).await;
    let (case, code) = bank.instruct(person.card).await;
    let mut phone = Phone::new(&bank, Some("en"));
    phone.open(&code).await;

    let wrong_password = phone.upload(&person.id_number, WRONG_PASSWORD).await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(
        wrong_password.alert().as_deref(),
        Some("The details you entered do not match our records. You have 2 attempts left.")
    );
    assert!(wrong_password.body.contains("2 attempts left"));
    let wrong_id = phone.upload(&resident_id(999), PASSWORD).await;
    assert_eq!(
        wrong_id.alert().as_deref(),
        Some("The details you entered do not match our records. You have 1 attempt left.")
    );
    assert_eq!(bank.failed_attempts(case).await, 2);

    // A malformed ID number is refused at the edge and does not count.
    let malformed = phone.upload("11010519850612001", PASSWORD).await;
    assert_eq!(malformed.status, 422);
    assert!(
        malformed
            .alert()
            .expect("an alert")
            .contains("18 characters"),
        "{}",
        malformed.body
    );
    assert_eq!(bank.failed_attempts(case).await, 2);

    let locked = phone.upload(&person.id_number, WRONG_PASSWORD).await;
    assert_eq!(locked.status, 423);
    assert_eq!(locked.outcome().as_deref(), Some("locked"));
    assert!(locked.body.contains("Request locked"));
    assert!(matches!(
        bank.card_status(person.card).await,
        CardStatus::Frozen { .. }
    ));
    assert_eq!(
        phone.get("/u/result").await.outcome().as_deref(),
        Some("locked")
    );
    // The form is gone, and even the right details change nothing now.
    let details = phone.get("/u/details").await;
    assert_eq!(details.status, 303);
    assert_eq!(details.header("location"), "/u/result");
    let after = phone
        .post(
            "/u/details",
            &[
                ("csrf", &wrong_id.csrf()),
                ("id_number", &person.id_number),
                ("transaction_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(after.status, 303);
    assert_eq!(after.header("location"), "/u/result");
    assert!(matches!(
        bank.card_status(person.card).await,
        CardStatus::Frozen { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_post_needs_the_csrf_token_of_its_own_browser_and_session() {
    let bank = Bank::start().await;
    let a = bank.enrol(4, "en", FreezeReason::WrongPinLimit).await;
    let b = bank.enrol(5, "en", FreezeReason::WrongPinLimit).await;
    let (case_a, code_a) = bank.instruct(a.card).await;
    let (_, code_b) = bank.instruct(b.card).await;
    let mut phone = Phone::new(&bank, Some("en"));
    let link = phone.get(&format!("/u/{code_a}")).await;

    // Without a token, with a wrong one: refused, the code not spent.
    let without = phone.post(&format!("/u/{code_a}"), &[]).await;
    assert_eq!(without.status, 403);
    assert_eq!(without.outcome().as_deref(), Some("csrf_refused"));
    assert_page_headers(&without);
    let wrong = phone
        .post(&format!("/u/{code_a}"), &[("csrf", &"0".repeat(64))])
        .await;
    assert_eq!(wrong.status, 403);
    // The right token without the browser cookie it is bound to (a forged
    // cross-site POST carries neither).
    let mut stranger = Phone::new(&bank, Some("en"));
    let forged = stranger
        .post(&format!("/u/{code_a}"), &[("csrf", &link.csrf())])
        .await;
    assert_eq!(forged.status, 403);
    let typed = phone
        .post("/u", &[("csrf", "nope"), ("code", &code_a)])
        .await;
    assert_eq!(typed.status, 403);

    // The code still opens its case.
    let card = phone.open(&code_a).await;
    assert!(card.body.contains(&a.last_four));

    // The token before the session no longer works once it exists; a token
    // from another session never does.
    let stale = phone
        .post(
            "/u/details",
            &[
                ("csrf", &link.csrf()),
                ("id_number", &a.id_number),
                ("transaction_password", WRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(stale.status, 403);
    let mut phone_b = Phone::new(&bank, Some("en"));
    phone_b.open(&code_b).await;
    let token_b = phone_b.get("/u/details").await.csrf();
    let crossed = phone
        .post(
            "/u/details",
            &[
                ("csrf", &token_b),
                ("id_number", &a.id_number),
                ("transaction_password", WRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(crossed.status, 403);
    assert_eq!(bank.failed_attempts(case_a).await, 0, "nothing counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_opens_its_own_case_only() {
    let bank = Bank::start().await;
    let a = bank.enrol(6, "en", FreezeReason::WrongPinLimit).await;
    let b = bank.enrol(7, "en", FreezeReason::WrongPinLimit).await;
    let (_, code_a) = bank.instruct(a.card).await;
    let (_, code_b) = bank.instruct(b.card).await;
    let mut phone_a = Phone::new(&bank, Some("en"));
    let mut phone_b = Phone::new(&bank, Some("en"));
    let card_a = phone_a.open(&code_a).await;
    let card_b = phone_b.open(&code_b).await;
    assert!(card_a.body.contains(&a.last_four) && !card_a.body.contains(&b.last_four));
    assert!(card_b.body.contains(&b.last_four) && !card_b.body.contains(&a.last_four));

    // B's credentials in A's session do not unfreeze B's card.
    let crossed = phone_a.upload(&b.id_number, PASSWORD).await;
    assert_eq!(crossed.status, 401);
    assert!(matches!(
        bank.card_status(b.card).await,
        CardStatus::Frozen { .. }
    ));

    // A made-up or altered session opens nothing.
    let mut forger = Phone::new(&bank, Some("en"));
    forger.cookies.insert("cd_s".to_owned(), "ab".repeat(32));
    for path in ["/u/card", "/u/details", "/u/result"] {
        let page = forger.get(path).await;
        assert_eq!(page.status, 401, "{path}");
        assert_eq!(page.outcome().as_deref(), Some("session_ended"));
    }
    // With no session at all, the same.
    let mut fresh = Phone::new(&bank, Some("en"));
    assert_eq!(fresh.get("/u/details").await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_codes_expiry_approval_and_unknown_codes() {
    let bank = Bank::start().await;
    let a = bank
        .enrol(8, "en", FreezeReason::SuspiciousTransaction)
        .await;
    let b = bank.enrol(9, "en", FreezeReason::WrongPinLimit).await;
    let (_, code_a) = bank.instruct(a.card).await;
    let mut phone = Phone::new(&bank, Some("en"));

    let start = phone.get("/u").await;
    assert_no_inline_code(&start);
    let malformed = phone
        .post("/u", &[("csrf", &start.csrf()), ("code", "12345")])
        .await;
    assert_eq!(malformed.status, 422);
    assert!(malformed.alert().expect("alert").contains("10 letters"));
    let unknown = phone
        .post("/u", &[("csrf", &start.csrf()), ("code", "ZZZZZ-ZZZZZ")])
        .await;
    assert_eq!(unknown.status, 404);
    assert!(malformed.body.contains("name=\"code\""), "the form again");
    assert!(unknown.alert().expect("alert").contains("could not find"));
    let link = phone.get("/u/not-a-code").await;
    assert_eq!(link.status, 404);

    // Typed in lower case, without the dash.
    let typed = phone
        .post(
            "/u",
            &[
                ("csrf", &start.csrf()),
                ("code", &code_a.replace('-', "").to_lowercase()),
            ],
        )
        .await;
    assert_eq!(typed.status, 303, "{}", typed.body);
    phone.get("/u/card").await;
    let verified = phone.upload(&a.id_number, PASSWORD).await;
    assert_eq!(verified.status, 303);
    let result = phone.get("/u/result").await;
    assert_eq!(result.outcome().as_deref(), Some("awaiting_approval"));
    assert!(result.body.contains("Details confirmed"));

    // A code past its lifetime.
    let (_, code_b) = bank.instruct(b.card).await;
    bank.clock.advance(Duration::minutes(16));
    let mut late = Phone::new(&bank, Some("en"));
    let link = late.get(&format!("/u/{code_b}")).await;
    let expired = late
        .post(&format!("/u/{code_b}"), &[("csrf", &link.csrf())])
        .await;
    assert_eq!(expired.status, 410);
    assert_eq!(expired.outcome().as_deref(), Some("expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let config = ProcessorConfig {
        link_base: "https://bank.example".to_owned(),
        ..ProcessorConfig::default()
    };
    let bank = Bank::start_with(config, None).await;
    let person = bank.enrol(10, "en", FreezeReason::WrongPinLimit).await;
    let (_, code) = bank.instruct(person.card).await;
    let mut phone = Phone::new(&bank, Some("en"));
    let link = phone.get(&format!("/u/{code}")).await;
    assert!(
        link.set_cookie("cd_b")
            .expect("binding")
            .contains("; Secure")
    );
    let opened = phone
        .post(&format!("/u/{code}"), &[("csrf", &link.csrf())])
        .await;
    let session = opened.set_cookie("cd_s").expect("session");
    assert!(session.contains("; Secure"), "{session}");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
}

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
