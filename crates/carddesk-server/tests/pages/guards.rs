//! What guards the pages: a failure that never says which detail was
//! wrong, CSRF tokens bound to their browser and session, one case per
//! cookie, and `Secure` cookies behind an HTTPS public URL.

use carddesk_domain::{CardStatus, FreezeReason};
use carddesk_processor::ProcessorConfig;

use super::assert_page_headers;
use super::pages_support::{Bank, PASSWORD, Phone, WRONG_PASSWORD, resident_id};

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
