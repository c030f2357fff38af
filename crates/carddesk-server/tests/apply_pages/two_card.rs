//! The two-card route, from the form to the card shown once.

use chrono::Duration;

use super::phone::Phone;
use super::site::Site;
use super::{assert_headers, data, data_text, shows_number};
use crate::common::{PASSWORD, WRONG_PASSWORD};

pub(crate) async fn the_two_card_route_issues_a_card_shown_once(site: &Site) {
    let person = site.customer(81).await;
    let mut phone = Phone::new(site, "en-GB,en;q=0.9");

    let form = phone.get("/apply").await;
    assert_headers(&form);
    assert!(form.body.contains("<html lang=\"en\">"));
    assert!(form.body.contains("Apply for a virtual card"));
    assert!(
        form.body
            .contains(carddesk_processor::applications::CONSENT_VERSION)
    );
    assert!(form.body.contains("Great Wall Virtual Credit"));
    let binding = form.set_cookie("cd_ab").expect("the browser binding");
    assert!(
        binding.contains("Path=/apply; HttpOnly; SameSite=Strict"),
        "{binding}"
    );

    // Without the CSRF token: refused, nothing written.
    let before = site.snapshot().await;
    let refused = phone.post("/apply", &[("name", "Wang Fang")]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(site.snapshot().await, before);

    // The typed phone is not the one on file: the code goes to the latter.
    let applied = phone.apply(&person.id_number, "+8613900000001", "en").await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(applied.header("location"), "/apply/two-card");
    let session = applied.set_cookie("cd_as").expect("the session cookie");
    assert!(
        session.contains("Path=/apply; HttpOnly; SameSite=Strict"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http: {session}");

    let card = phone.get("/apply/two-card").await;
    assert_eq!(card.status, 200, "{}", card.body);
    assert!(card.body.contains("3 attempts left"));
    let number = &person.cards[0].number;
    let wrong = phone
        .post(
            "/apply/two-card",
            &[
                ("csrf", &card.csrf()),
                ("card_number", number),
                ("transaction_password", WRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(
        wrong.alert().as_deref(),
        Some("The details you entered do not match our records. You have 2 attempts left.")
    );
    let proven = phone
        .post(
            "/apply/two-card",
            &[
                ("csrf", &card.csrf()),
                ("card_number", number),
                ("transaction_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(proven.status, 303, "{}", proven.body);
    assert_eq!(proven.header("location"), "/apply/code");
    let (to, _) = site.last_text().await;
    assert_eq!(to, person.phone, "the phone on file for the card");
    // The page says where the code went, masked: the last four of the
    // phone on file, never the whole number.
    let sent = phone.get("/apply/code").await;
    let last_four = &person.phone[person.phone.len() - 4..];
    let line = sent
        .body
        .lines()
        .find(|l| l.contains("data-testid=\"code-sent-to\""))
        .unwrap_or_else(|| panic!("no 'sent to' line: {}", sent.body));
    assert!(
        line.contains("Sent to:") && line.contains(last_four),
        "{line}"
    );
    assert!(
        !sent.body.contains(&person.phone),
        "the whole number is not shown"
    );

    // A code that ran out sends the applicant back to the card, at no cost.
    site.clock.advance(Duration::minutes(11));
    let code_page = phone.get("/apply/code").await;
    assert_eq!(code_page.status, 200, "{}", code_page.body);
    let stale = site.code().await;
    let expired = phone
        .post(
            "/apply/code",
            &[("csrf", &code_page.csrf()), ("code", &stale)],
        )
        .await;
    assert_eq!(expired.status, 410, "{}", expired.body);
    assert!(expired.alert().expect("alert").contains("expired"));
    assert!(expired.body.contains("2 attempts left"));
    let proven = phone
        .post(
            "/apply/two-card",
            &[
                ("csrf", &card.csrf()),
                ("card_number", number),
                ("transaction_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(proven.header("location"), "/apply/code");
    let code = site.code().await;
    assert_ne!(code, stale);
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let failed = phone
        .post(
            "/apply/code",
            &[("csrf", &card.csrf()), ("code", wrong_code)],
        )
        .await;
    assert_eq!(failed.status, 401);
    assert_eq!(
        failed.alert().as_deref(),
        Some("The details you entered do not match our records. You have 1 attempt left.")
    );

    // GETs never write.
    let before = site.snapshot().await;
    for path in [
        "/apply",
        "/apply/two-card",
        "/apply/code",
        "/apply/interview",
        "/apply/status",
    ] {
        let page = phone.get(path).await;
        assert!(matches!(page.status, 200 | 303), "{path}: {}", page.status);
    }
    assert_eq!(site.snapshot().await, before, "a GET wrote");

    let issued = phone
        .post("/apply/code", &[("csrf", &card.csrf()), ("code", &code)])
        .await;
    assert_eq!(issued.status, 303, "{}", issued.body);
    assert_eq!(issued.header("location"), "/apply/status");
    let status = phone.get("/apply/status").await;
    assert_headers(&status);
    assert_eq!(data(&status, "data-state").as_deref(), Some("issued"));
    assert!(status.body.contains("Your virtual card is ready"));
    assert!(
        status
            .body
            .contains("Show my card details (shown only once)")
    );

    // Without the token, the reveal is refused and nothing is shown.
    let refused = phone.post("/apply/card", &[("csrf", "forged")]).await;
    assert_eq!(refused.status, 403);
    let shown = phone.post("/apply/card", &[("csrf", &status.csrf())]).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_headers(&shown);
    assert!(shown.body.contains("will not be shown again"));
    let shown_number = data_text(&shown, "card-number");
    let pan: String = shown_number.replace(' ', "");
    assert_eq!(pan.len(), 16);
    assert!(pan.starts_with("621799"), "{pan}");
    assert!(
        carddesk_domain::card::CardNumber::parse(&pan).is_ok(),
        "Luhn"
    );
    let cvc = data_text(&shown, "card-security-code");
    assert!(
        cvc.len() == 3 && cvc.bytes().all(|b| b.is_ascii_digit()),
        "{cvc}"
    );
    assert!(
        status.body.contains(&pan[12..]),
        "the masked number's last four"
    );

    let again = phone.post("/apply/card", &[("csrf", &status.csrf())]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.alert().expect("alert").contains("shown once"));
    // Nothing of the card again: not its elements, not its number, not its
    // code as a number of its own (the first page shows it so, which is
    // what makes this check able to fail).
    assert!(shows_number(&shown, &cvc), "the check finds the code");
    for id in ["card-number", "card-security-code"] {
        assert!(!again.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(
        !again.body.contains(&pan) && !again.body.contains(&shown_number),
        "{}",
        again.body
    );
    assert!(!shows_number(&again, &cvc), "{}", again.body);
    let later = phone.get("/apply/status").await;
    assert!(!later.body.contains("action=\"/apply/card\""));
    assert!(later.body.contains("id=\"already-shown\""));
}
