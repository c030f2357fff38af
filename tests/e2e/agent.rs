//! The agent's side of a walk: sign in, find the caller, open them and send
//! the unfreeze instructions in one go, with the mouse or with the keyboard
//! alone, counting the agent's actions and timing them from "customer on
//! the line" (the agent goes to the search) to "instructions sent" (the
//! case shows `instructed`).

use std::time::{Duration, Instant};

use fantoccini::Client;
use fantoccini::key::Key;

use super::caller::Caller;
use super::page::{
    SCREEN_CHANGE, attribute, chord, click, focused_testid, js, script, text, type_keys,
    wait_attribute, wait_for, wait_until,
};

/// How the agent works the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hands {
    /// Clicks, and types into what they clicked.
    Mouse,
    /// The keyboard alone: `/`, typing, arrows, Enter, Ctrl+Enter.
    Keyboard,
}

/// What getting from the call to the sent instructions took.
#[derive(Debug, Clone)]
pub struct TimeToDone {
    /// How the agent worked.
    pub hands: Hands,
    /// Each action the agent took, in order.
    pub actions: Vec<String>,
    /// From the first action to the case showing `instructed`.
    pub elapsed: Duration,
    /// The case the instructions opened.
    pub case_id: i64,
}

/// Signs a demo agent in with the one-click button of the offline demo.
pub async fn sign_in_demo(client: &Client, username: &str, display_name: &str) {
    click(client, &format!("[data-testid=\"demo-staff-{username}\"]")).await;
    signed_in(client, display_name).await;
}

/// Signs in by typing: the username field has the focus when the screen
/// opens, Tab moves to the password, Enter submits.
pub async fn sign_in_typed(client: &Client, username: &str, password: &str, display_name: &str) {
    wait_until(
        client,
        "the sign-in screen puts the cursor in the username",
        "return document.activeElement?.getAttribute('data-testid') === 'sign-in-username';",
        SCREEN_CHANGE,
    )
    .await;
    type_keys(client, username).await;
    chord(client, &[], Key::Tab).await;
    assert_eq!(
        focused_testid(client).await,
        "sign-in-password",
        "Tab moves to the password"
    );
    type_keys(client, password).await;
    chord(client, &[], Key::Enter).await;
    signed_in(client, display_name).await;
}

async fn signed_in(client: &Client, display_name: &str) {
    wait_for(client, "[data-testid=staff-name]", SCREEN_CHANGE).await;
    assert_eq!(text(client, "[data-testid=staff-name]").await, display_name);
    wait_for(client, "[data-testid=search-input]", SCREEN_CHANGE).await;
    // A reload would drop this mark: the checks after it prove the screen
    // changed live.
    script(client, "window.__carddeskNoReload = true; return true;").await;
}

/// Whether the page was never reloaded since sign-in.
pub async fn never_reloaded(client: &Client) -> bool {
    script(client, "return window.__carddeskNoReload === true;").await
        == serde_json::Value::Bool(true)
}

/// From "customer on the line" to "instructions sent" for `caller`.
pub async fn find_and_send(client: &Client, hands: Hands, caller: &Caller) -> TimeToDone {
    let mut actions = Vec::new();
    if hands == Hands::Keyboard {
        // Between calls the cursor is anywhere but the search: Tab moves it
        // off (the desk puts it there on sign-in), so `/` has to bring it back.
        chord(client, &[], Key::Tab).await;
        assert_ne!(focused_testid(client).await, "search-input");
    }
    let started = Instant::now();
    match hands {
        Hands::Mouse => {
            click(client, "[data-testid=search-input]").await;
            actions.push("click the search".to_owned());
        }
        Hands::Keyboard => {
            type_keys(client, "/").await;
            actions.push("press /".to_owned());
        }
    }
    wait_until(
        client,
        "the search has the cursor",
        "return document.activeElement?.getAttribute('data-testid') === 'search-input';",
        SCREEN_CHANGE,
    )
    .await;
    type_keys(client, &caller.phone_last_four).await;
    actions.push(format!("type {}", caller.phone_last_four));
    let hit = format!(
        "[data-testid=search-result][data-customer-id=\"{}\"]",
        caller.customer_id
    );
    wait_for(client, &hit, SCREEN_CHANGE).await;
    assert_eq!(
        attribute(client, "[data-testid=search-input]", "value")
            .await
            .as_deref(),
        Some(caller.phone_last_four.as_str()),
        "the search shows what was typed, nothing more"
    );
    match hands {
        Hands::Mouse => {
            click(client, &hit).await;
            actions.push("click the caller".to_owned());
        }
        Hands::Keyboard => {
            let position = script(
                client,
                &format!(
                    "return [...document.querySelectorAll('[data-testid=search-result]')].findIndex(e => e.matches({}));",
                    js(&hit)
                ),
            )
            .await
            .as_u64()
            .expect("the caller is among the results");
            for _ in 0..position {
                chord(client, &[], Key::Down).await;
                actions.push("press ↓".to_owned());
            }
            wait_attribute(client, &hit, "aria-selected", "true").await;
            chord(client, &[], Key::Enter).await;
            actions.push("press Enter".to_owned());
        }
    }
    let card = format!("[data-testid=card-{}]", caller.card_id);
    wait_attribute(client, &card, "aria-pressed", "true").await;
    assert_eq!(
        text(client, "[data-testid=customer-name]").await,
        caller.name
    );
    wait_for(client, "[data-testid=unfreeze-preview]", SCREEN_CHANGE).await;
    // One action sends both: text and voice are chosen by default.
    assert_eq!(
        script(
            client,
            "return ['send-text', 'send-voice'].map(id => document.querySelector(`[data-testid=${id}]`)?.checked);",
        )
        .await,
        serde_json::json!([true, true]),
        "text and voice are both chosen before sending"
    );
    match hands {
        Hands::Mouse => {
            click(client, "[data-testid=send-unfreeze]").await;
            actions.push("click Send".to_owned());
        }
        Hands::Keyboard => {
            chord(client, &[Key::Control], Key::Enter).await;
            actions.push("press Ctrl+Enter".to_owned());
        }
    }
    wait_attribute(
        client,
        "[data-testid=case-state]",
        "data-value",
        "instructed",
    )
    .await;
    let elapsed = started.elapsed();
    let case_id = attribute(client, "[data-testid=case-view]", "data-case-id")
        .await
        .and_then(|id| id.parse().ok())
        .expect("the case view names its case");
    TimeToDone {
        hands,
        actions,
        elapsed,
        case_id,
    }
}

/// Waits until the timeline shows an entry `action` with `outcome`.
pub async fn timeline_shows(client: &Client, action: &str, outcome: &str) {
    wait_for(
        client,
        &format!(
            "[data-testid=timeline-entry][data-action=\"{action}\"][data-outcome=\"{outcome}\"]"
        ),
        SCREEN_CHANGE,
    )
    .await;
}
