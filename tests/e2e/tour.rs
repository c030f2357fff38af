//! A tour of every screen of both windows, in one language: axe-core on
//! each, and a photograph of each, named `<language>-<screen>.png` (which
//! a recording run copies to `docs/screenshots/`). The agent works with the mouse; the customer
//! on the phone fails once and then unfreezes the card.

use fantoccini::Client;
use fantoccini::key::Key;

use super::agent::timeline_shows;
use super::axe;
use super::caller::Caller;
use super::console::Windows;
use super::page::{
    SCREEN_CHANGE, chord, click, js, type_keys, wait_attribute, wait_for, wait_until,
};
use super::phone::Photos;

/// Switches the window `client` drives to `locale` and waits until it shows it.
pub async fn speak(client: &Client, locale: &str) {
    click(client, &format!("button[data-locale=\"{locale}\"]")).await;
    wait_until(
        client,
        &format!("the window speaks {locale}"),
        &format!("return document.documentElement.lang === {};", js(locale)),
        SCREEN_CHANGE,
    )
    .await;
}

/// The sign-in screen, checked and photographed (the session is signed out).
pub async fn sign_in_screen(client: &Client, photos: &Photos, language: &str) {
    wait_for(client, "[data-testid=sign-in-username]", SCREEN_CHANGE).await;
    wait_for(
        client,
        "[data-testid=\"demo-staff-agent.li\"]",
        SCREEN_CHANGE,
    )
    .await;
    axe::check(client, &format!("sign-in ({language})")).await;
    photos.take(client, "sign-in").await;
}

/// The agent's screens and the phone's, for `caller`, from the signed-in desk.
pub async fn desk_and_phone(
    client: &Client,
    windows: &Windows,
    caller: &Caller,
    photos: &Photos,
    language: &str,
) {
    // The demo's first-run tour, shown once per member of staff: checked,
    // photographed, and put away so it covers nothing on the next screens.
    if client
        .find(fantoccini::Locator::Css("[data-testid=demo-tour]"))
        .await
        .is_ok()
    {
        axe::check(client, &format!("desk with the demo tour ({language})")).await;
        photos.take(client, "first-sign-in").await;
        click(client, "[data-testid=demo-tour-close]").await;
        wait_until(
            client,
            "the demo tour closes",
            "return document.querySelector('[data-testid=demo-tour]') === null;",
            SCREEN_CHANGE,
        )
        .await;
    }
    click(client, "[data-testid=search-input]").await;
    type_keys(client, &caller.phone_last_four).await;
    let hit = format!(
        "[data-testid=search-result][data-customer-id=\"{}\"]",
        caller.customer_id
    );
    wait_for(client, &hit, SCREEN_CHANGE).await;
    axe::check(client, &format!("desk with search results ({language})")).await;
    photos.take(client, "search").await;

    click(client, &hit).await;
    wait_attribute(
        client,
        &format!("[data-testid=card-{}]", caller.card_id),
        "aria-pressed",
        "true",
    )
    .await;
    wait_for(client, "[data-testid=unfreeze-preview]", SCREEN_CHANGE).await;
    wait_until(
        client,
        "the card's history is read",
        "return document.querySelector('section.history')?.getAttribute('aria-busy') === 'false';",
        SCREEN_CHANGE,
    )
    .await;
    axe::check(
        client,
        &format!("customer view with the unfreeze panel ({language})"),
    )
    .await;
    photos.take(client, "customer").await;

    click(client, "[data-testid=send-unfreeze]").await;
    wait_attribute(
        client,
        "[data-testid=case-state]",
        "data-value",
        "instructed",
    )
    .await;
    timeline_shows(client, "case.instructed", "success").await;
    wait_for(client, "[data-testid=voice-player]", SCREEN_CHANGE).await;
    // The prompt the agent plays into the call: real audio of some seconds
    // (the code is spoken twice), decoded by the window's media stack.
    wait_until(
        client,
        "the voice prompt loads as audio of several seconds",
        "const a = document.querySelector('[data-testid=voice-player]'); \
         return a !== null && a.error === null && a.readyState >= 1 && a.duration > 5;",
        SCREEN_CHANGE,
    )
    .await;
    axe::check(client, &format!("case timeline ({language})")).await;
    photos.take(client, "case").await;

    click(client, "[data-testid=help-button]").await;
    wait_for(client, "[data-testid=help-panel]", SCREEN_CHANGE).await;
    axe::check(client, &format!("help panel ({language})")).await;
    photos.take(client, "help").await;
    chord(client, &[], Key::Escape).await;
    wait_until(
        client,
        "Escape closes the help panel",
        "return document.querySelector('[data-testid=help-panel]') === null;",
        SCREEN_CHANGE,
    )
    .await;

    let case_id = super::page::attribute(client, "[data-testid=case-view]", "data-case-id")
        .await
        .expect("the case view names its case");
    windows.to_phone(client).await;
    speak(client, language).await;
    // Back from the last case's outcome, if the phone still shows it.
    if client
        .find(fantoccini::Locator::Css("[data-testid=phone-back]"))
        .await
        .is_ok()
    {
        click(client, "[data-testid=phone-back]").await;
    }
    let message =
        format!("[data-testid=phone-message][data-case-id=\"{case_id}\"][data-channel=text]");
    wait_for(client, &message, SCREEN_CHANGE).await;
    axe::check(client, &format!("phone inbox ({language})")).await;
    photos.take(client, "phone-inbox").await;
    click(client, &format!("{message} [data-testid=phone-start]")).await;
    wait_for(client, "[data-testid=phone-code]", SCREEN_CHANGE).await;
    axe::check(client, &format!("phone: the code ({language})")).await;
    click(client, "[data-testid=phone-open-code]").await;
    wait_for(client, "[data-testid=phone-fill-wrong]", SCREEN_CHANGE).await;
    axe::check(client, &format!("phone: what is asked ({language})")).await;
    click(client, "[data-testid=phone-fill-wrong]").await;
    click(client, "[data-testid=phone-submit]").await;
    wait_attribute(
        client,
        "[data-testid=phone-result]",
        "data-outcome",
        "mismatch",
    )
    .await;
    axe::check(client, &format!("phone: a failed attempt ({language})")).await;
    photos.take(client, "phone-mismatch").await;
    click(client, "[data-testid=phone-fill-right]").await;
    click(client, "[data-testid=phone-submit]").await;
    wait_attribute(
        client,
        "[data-testid=phone-result]",
        "data-outcome",
        "unfrozen",
    )
    .await;
    axe::check(client, &format!("phone: unfrozen ({language})")).await;
    photos.take(client, "phone-unfrozen").await;

    windows.to_main(client).await;
    timeline_shows(client, "card.unfrozen", "success").await;
    wait_attribute(
        client,
        &format!("[data-testid=card-status-{}]", caller.card_id),
        "data-value",
        "active",
    )
    .await;
    axe::check(client, &format!("desk after the unfreeze ({language})")).await;
    photos.take(client, "unfrozen").await;
}
