//! The flow from the text message's link to the unfrozen card, in both
//! languages; codes typed in, past their lifetime, unknown, and a case that
//! waits for approval.

use carddesk_domain::{CardStatus, FreezeReason};
use chrono::Duration;

use super::pages_support::{Bank, PASSWORD, Phone, WRONG_PASSWORD};
use super::{assert_no_inline_code, assert_page_headers};

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
