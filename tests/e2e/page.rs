//! What a test does with the page in front of it: wait for what the user
//! would see (never a blind sleep), read it, click it, type on the
//! keyboard through WebDriver key actions, and photograph it.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

/// How long one expected change on screen may take.
pub const SCREEN_CHANGE: Duration = Duration::from_secs(20);
/// How long the first screen may take: on a fresh demo the shell seeds the
/// bank first (every card's password through Argon2id), and commands wait.
pub const FIRST_START: Duration = Duration::from_secs(90);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);

/// Waits until the page has an element `css`, and returns it.
pub async fn wait_for(client: &Client, css: &str, within: Duration) -> Element {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            return element;
        }
        if Instant::now() >= deadline {
            panic!(
                "the page never showed {css} within {within:?}; page source:\n{}",
                client.source().await.unwrap_or_default()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until `condition`, a script body answering a boolean, holds;
/// `what` says in words what the user waits to see.
pub async fn wait_until(client: &Client, what: &str, condition: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let last = match client.execute(condition, Vec::new()).await {
            Ok(serde_json::Value::Bool(true)) => return,
            Ok(other) => other.to_string(),
            Err(error) => error.to_string(),
        };
        if Instant::now() >= deadline {
            panic!(
                "{what}: not within {within:?} (the check `{condition}` last gave {last}); page source:\n{}",
                client.source().await.unwrap_or_default()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until the element `css` shows and has `name` = `value`.
pub async fn wait_attribute(client: &Client, css: &str, name: &str, value: &str) {
    let condition = format!(
        "const e = document.querySelector({}); return e !== null && e.getAttribute({}) === {};",
        js(css),
        js(name),
        js(value)
    );
    wait_until(
        client,
        &format!("{css} shows {name}={value:?}"),
        &condition,
        SCREEN_CHANGE,
    )
    .await;
}

/// A string as a JavaScript literal.
pub fn js(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// The text the element `css` shows.
pub async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("the page should have {css}: {error}"))
        .text()
        .await
        .unwrap_or_else(|error| panic!("the text of {css} should be readable: {error}"))
}

/// The attribute `name` of the element `css`.
pub async fn attribute(client: &Client, css: &str, name: &str) -> Option<String> {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("the page should have {css}: {error}"))
        .attr(name)
        .await
        .unwrap_or_else(|error| panic!("the attribute {name} of {css} should be readable: {error}"))
}

/// Clicks the element `css` once it shows and is enabled.
pub async fn click(client: &Client, css: &str) {
    wait_until(
        client,
        &format!("{css} can be clicked"),
        &format!(
            "const e = document.querySelector({}); return e !== null && !e.disabled;",
            js(css)
        ),
        SCREEN_CHANGE,
    )
    .await;
    wait_for(client, css, SCREEN_CHANGE)
        .await
        .click()
        .await
        .unwrap_or_else(|error| panic!("{css} cannot be clicked: {error}"));
}

/// Runs `body` in the page and returns its answer.
pub async fn script(client: &Client, body: &str) -> serde_json::Value {
    client
        .execute(body, Vec::new())
        .await
        .unwrap_or_else(|error| panic!("the script {body:?} failed: {error}"))
}

/// Runs `body` in the page and returns its answer as a string.
pub async fn script_text(client: &Client, body: &str) -> String {
    match script(client, body).await {
        serde_json::Value::String(answer) => answer,
        other => panic!("the script {body:?} answered {other}, not a string"),
    }
}

/// Types `text` on the keyboard into whatever has the focus.
pub async fn type_keys(client: &Client, text: &str) {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for character in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: character })
            .then(KeyAction::Up { value: character });
    }
    perform(client, actions, text).await;
}

/// Presses `key` with the `held` modifiers down.
pub async fn chord(client: &Client, held: &[Key], key: impl Into<char> + Copy) {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for modifier in held {
        actions = actions.then(KeyAction::Down {
            value: (*modifier).into(),
        });
    }
    actions = actions
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    for modifier in held.iter().rev() {
        actions = actions.then(KeyAction::Up {
            value: (*modifier).into(),
        });
    }
    perform(client, actions, &format!("{held:?}+{:?}", key.into())).await;
}

async fn perform(client: &Client, actions: KeyActions, what: &str) {
    client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|error| panic!("the keys {what:?} cannot be typed: {error}"));
    let _ = client.release_actions().await;
}

/// The `data-testid` of the focused element (empty when none has one).
pub async fn focused_testid(client: &Client) -> String {
    script_text(
        client,
        "return document.activeElement?.getAttribute('data-testid') ?? '';",
    )
    .await
}

/// Saves what the current window shows to `path`.
pub async fn screenshot(client: &Client, path: &Path) {
    let png = client
        .screenshot()
        .await
        .expect("the console can be photographed");
    std::fs::write(path, png)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    eprintln!("screenshot: {}", path.display());
}

/// Waits until the next two frames are painted, so a screenshot shows
/// the change just waited for rather than the frame before it.
pub async fn settle(client: &Client) {
    let _ = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            Vec::new(),
        )
        .await;
}
