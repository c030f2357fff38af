//! The customer's side of the offline walk, on the demo's phone window:
//! the text arrives with the code, the customer opens it, gets a wrong
//! password refused (told only that the details do not match and how many
//! attempts are left) and then unfreezes the card. After each step the
//! agent's window is checked to show it live.

use fantoccini::Client;

use carddesk_console::phone::inbox::extract_code;

use super::agent::{never_reloaded, timeline_shows};
use super::caller::Caller;
use super::console::{Home, Windows};
use super::page::{
    SCREEN_CHANGE, attribute, click, screenshot, settle, text, wait_attribute, wait_for,
};

/// Where the photographs taken on the way go.
#[derive(Debug, Clone)]
pub struct Photos {
    /// The test's own folder.
    pub home: Home,
    /// Put before each photograph's name (`en`, `zh-CN`), if not empty.
    pub prefix: String,
}

impl Photos {
    /// Photographs kept in the test's folder only.
    pub fn test_only(home: Home) -> Self {
        Self {
            home,
            prefix: String::new(),
        }
    }

    /// Photographs the current window as `name`.
    pub async fn take(&self, client: &Client, name: &str) {
        let name = if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}-{name}", self.prefix)
        };
        settle(client).await;
        screenshot(client, &self.home.shot(&name)).await;
    }
}

/// The customer unfreezes `caller`'s card for case `case_id`, one wrong
/// attempt first; the agent's window follows every step.
pub async fn customer_unfreezes(
    client: &Client,
    windows: &Windows,
    caller: &Caller,
    case_id: i64,
    photos: &Photos,
) {
    windows.to_phone(client).await;
    let text_message =
        format!("[data-testid=phone-message][data-case-id=\"{case_id}\"][data-channel=text]");
    wait_for(client, &text_message, SCREEN_CHANGE).await;
    wait_for(
        client,
        &format!("[data-testid=phone-message][data-case-id=\"{case_id}\"][data-channel=voice]"),
        SCREEN_CHANGE,
    )
    .await;
    let body = text(client, &format!("{text_message} .body")).await;
    let code = extract_code(&body)
        .unwrap_or_else(|| panic!("the text the phone received carries a code: {body:?}"));
    photos.take(client, "phone-inbox").await;

    click(client, &format!("{text_message} [data-testid=phone-start]")).await;
    wait_for(client, "[data-testid=phone-code]", SCREEN_CHANGE).await;
    assert_eq!(
        attribute(client, "[data-testid=phone-code]", "value")
            .await
            .as_deref(),
        Some(code.as_str()),
        "the code of the text is the one to open"
    );
    click(client, "[data-testid=phone-open-code]").await;
    wait_for(client, "[data-testid=phone-fill-wrong]", SCREEN_CHANGE).await;
    assert!(
        text(client, "[data-testid=phone-attempts]")
            .await
            .contains('3'),
        "a fresh case allows three attempts"
    );

    windows.to_main(client).await;
    timeline_shows(client, "case.requested", "success").await;
    timeline_shows(client, "case.challenged", "success").await;
    wait_attribute(
        client,
        "[data-testid=case-state]",
        "data-value",
        "challenged",
    )
    .await;

    windows.to_phone(client).await;
    click(client, "[data-testid=phone-fill-wrong]").await;
    assert_eq!(
        attribute(client, "[data-testid=phone-id-number]", "value")
            .await
            .as_deref(),
        Some(caller.id_number.as_str()),
        "the wrong attempt has the right ID number: only the password is wrong"
    );
    click(client, "[data-testid=phone-submit]").await;
    wait_attribute(
        client,
        "[data-testid=phone-result]",
        "data-outcome",
        "mismatch",
    )
    .await;
    let failure = text(client, "[data-testid=phone-result]").await;
    assert!(
        failure.contains('2'),
        "the failure says 2 attempts are left: {failure:?}"
    );
    let lower = failure.to_lowercase();
    for named in ["password", "id number", "passport", "密码", "身份证"] {
        assert!(
            !lower.contains(named),
            "the failure must not say which detail was wrong ({named}): {failure:?}"
        );
    }
    photos.take(client, "phone-mismatch").await;

    windows.to_main(client).await;
    timeline_shows(client, "case.verification", "failure").await;
    wait_for(client, "[data-testid=attempts-left]", SCREEN_CHANGE).await;
    super::page::wait_until(
        client,
        "the agent sees 2 attempts left",
        "return document.querySelector('[data-testid=attempts-left]')?.textContent.includes('2') === true;",
        SCREEN_CHANGE,
    )
    .await;

    windows.to_phone(client).await;
    click(client, "[data-testid=phone-fill-right]").await;
    click(client, "[data-testid=phone-submit]").await;
    wait_attribute(
        client,
        "[data-testid=phone-result]",
        "data-outcome",
        "unfrozen",
    )
    .await;
    photos.take(client, "phone-unfrozen").await;

    windows.to_main(client).await;
    timeline_shows(client, "case.verified", "success").await;
    timeline_shows(client, "card.unfrozen", "success").await;
    wait_attribute(client, "[data-testid=case-state]", "data-value", "unfrozen").await;
    wait_attribute(
        client,
        &format!("[data-testid=card-status-{}]", caller.card_id),
        "data-value",
        "active",
    )
    .await;
    // The search result the agent opened the caller from shows it as well.
    wait_attribute(
        client,
        &format!("[data-testid=search-card-status-{}]", caller.card_id),
        "data-value",
        "active",
    )
    .await;
    assert!(
        never_reloaded(client).await,
        "the agent's window changed live, without a reload"
    );
    photos.take(client, "desk-unfrozen").await;
}
