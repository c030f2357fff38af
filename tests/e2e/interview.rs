//! The video-interview walk: from the signed-in desk an agent opens the
//! interview queue, claims the demo's first applicant, sees the ID photos,
//! the selfie and the video load from the uploads' bytes, ticks every
//! checklist item and passes (the card is issued, the applicant told);
//! then, by the keyboard (Alt+C, Alt+2, Ctrl+Enter), claims the second and
//! fails them with a reason (rejected, the applicant told why). The first applicant's new virtual card then shows
//! in the customer view, with how it was issued and by whom.

use std::process::Command;

use fantoccini::Client;
use fantoccini::key::Key;

use super::axe;
use super::console::Home;
use super::driver::on_path;
use super::page::{
    SCREEN_CHANGE, chord, click, focused_testid, js, script, text, type_keys, wait_for, wait_until,
};
use super::phone::Photos;

/// The demo's two first-card applicants waiting in the queue.
pub const PASSED: &str = "Liu Yang";
/// The one failed.
pub const FAILED: &str = "Emma Clark";

/// The five checklist items, as the review panel names their boxes.
const CHECKLIST: [&str; 5] = [
    "face_matches_id",
    "liveness",
    "document_genuine",
    "consent_given",
    "questions_answered",
];

/// The queue's row of `name`.
fn row(name: &str) -> String {
    format!("[data-testid=interview-row][data-name={}]", js(name))
}

/// Opens the queue and waits for both demo applicants.
pub async fn open_queue(client: &Client) {
    click(client, "[data-testid=nav-interviews]").await;
    wait_for(client, "[data-testid=interviews-screen]", SCREEN_CHANGE).await;
    wait_for(client, &row(PASSED), SCREEN_CHANGE).await;
    wait_for(client, &row(FAILED), SCREEN_CHANGE).await;
}

/// Claims `name`'s interview and waits for its review panel.
async fn claim(client: &Client, name: &str) {
    click(client, &row(name)).await;
    assert_eq!(
        text(client, "[data-testid=interview-detail-name]").await,
        name,
        "the selected interview is shown beside the queue"
    );
    click(client, "[data-testid=interview-claim]").await;
    review_of(client, name).await;
}

/// Waits for the review panel of `name`, the keyboard on its title.
async fn review_of(client: &Client, name: &str) {
    wait_until(
        client,
        &format!("the review panel of {name}"),
        &format!(
            "const e = document.querySelector('[data-testid=review-name]'); \
             return e !== null && e.textContent.includes({}) && document.activeElement === e;",
            js(name)
        ),
        SCREEN_CHANGE,
    )
    .await;
}

/// The queue and one review, checked and photographed in `language`
/// (the tour): claims the first applicant's interview, or goes back to its
/// review when this agent claimed it in an earlier language.
pub async fn screens(client: &Client, photos: &Photos, language: &str) {
    open_queue(client).await;
    click(client, &row(PASSED)).await;
    wait_for(client, "[data-testid=interview-detail-name]", SCREEN_CHANGE).await;
    axe::check(client, &format!("the interview queue ({language})")).await;
    photos.take(client, "interviews").await;
    let claim = client
        .find(fantoccini::Locator::Css("[data-testid=interview-claim]"))
        .await
        .is_ok();
    click(
        client,
        if claim {
            "[data-testid=interview-claim]"
        } else {
            "[data-testid=interview-continue]"
        },
    )
    .await;
    review_of(client, PASSED).await;
    media_loaded(client).await;
    face_advice_given(client).await;
    axe::check(client, &format!("the interview review ({language})")).await;
    photos.take(client, "interview-review").await;
    click(client, "[data-testid=nav-desk]").await;
    wait_for(client, "[data-testid=search-input]", SCREEN_CHANGE).await;
}

/// Waits until the three photos are decoded and the video's metadata read.
async fn media_loaded(client: &Client) {
    wait_until(
        client,
        "the ID front and back and the selfie show, decoded from their bytes",
        "const photos = ['id_front', 'id_back', 'selfie'].map(k => document.querySelector(`[data-testid=media-photo-${k}]`)); \
         return photos.every(p => p !== null && p.src.startsWith('blob:') && p.complete && p.naturalWidth > 0);",
        SCREEN_CHANGE,
    )
    .await;
    wait_until(
        client,
        "the video player has read the interview's video",
        "const v = document.querySelector('[data-testid=media-video]'); \
         return v !== null && v.controls && v.src.startsWith('blob:') && v.error === null && v.readyState >= 1;",
        SCREEN_CHANGE,
    )
    .await;
}

/// Waits for the face model's advice: its worker started in WebKitGTK,
/// fetched its weights from the console's assets under the CSP, decoded the
/// ID front and the selfie and ran the nets (no backend failure, no hang).
pub async fn face_advice_given(client: &Client) {
    wait_until(
        client,
        "the face model advises on the ID front and the selfie",
        "const a = document.querySelector('[data-testid=face-advice]'); \
         if (a !== null && a.dataset.status === 'failed') return 'failed: ' + a.querySelector('p[title]')?.title; \
         return a !== null && a.dataset.status === 'ready' \
           && document.querySelector('[data-testid=face-advice-result]') !== null;",
        FACE_MODEL,
    )
    .await;
}

/// The face model's first run loads 6.7 MB of weights and may run on the
/// CPU (no GPU under Xvfb).
const FACE_MODEL: std::time::Duration = std::time::Duration::from_secs(120);

/// Records the verdict chosen with the button and waits for the answer
/// showing `outcome`; returns the answer's text.
async fn record(client: &Client, outcome: &str) -> String {
    click(client, "[data-testid=verdict-submit]").await;
    answer(client, outcome).await
}

/// Waits for the answer showing `outcome`, the keyboard on it; returns its text.
async fn answer(client: &Client, outcome: &str) -> String {
    let css = format!("[data-testid=verdict-answer][data-outcome={outcome}]");
    wait_for(client, &css, SCREEN_CHANGE).await;
    assert_eq!(
        focused_testid(client).await,
        "verdict-answer",
        "the answer takes the focus"
    );
    text(client, &css).await
}

/// Photographs the whole screen with ImageMagick's `import`, as it is
/// under Xvfb (the WebDriver photograph shows the window's page only).
fn photograph_screen(home: &Home, name: &str) {
    if on_path("import").is_none() {
        eprintln!("no ImageMagick `import`: the screen itself is not photographed");
        return;
    }
    let path = home.shot(name);
    let taken = Command::new("import")
        .args(["-window", "root"])
        .arg(&path)
        .status()
        .is_ok_and(|status| status.success());
    if taken {
        eprintln!("screen: {}", path.display());
    }
}

/// The walk, in English, from the signed-in desk.
pub async fn pass_then_fail(client: &Client, home: &Home) {
    open_queue(client).await;
    axe::check(client, "the interview queue").await;
    let before = script(
        client,
        "return document.querySelectorAll('[data-testid=interview-row]').length;",
    )
    .await;

    claim(client, PASSED).await;
    media_loaded(client).await;
    face_advice_given(client).await;
    for item in CHECKLIST {
        click(client, &format!("[data-testid=checklist-{item}]")).await;
    }
    click(client, "[data-testid=verdict-choice-pass]").await;
    assert_eq!(
        script(
            client,
            "return document.querySelector('[data-testid=verdict-pass]').checked \
             && document.querySelector('[data-testid=override-warning]') === null;"
        )
        .await,
        serde_json::Value::Bool(true),
        "Pass is chosen with every item ticked: no override is asked for"
    );
    let photos = Photos {
        home: home.clone(),
        prefix: "interview".to_owned(),
    };
    axe::check(client, "the interview review panel").await;
    photos.take(client, "review").await;
    photograph_screen(home, "screen-interview-review");

    let issued = record(client, "issued").await;
    for part in [
        "Card issued.",
        "via video interview",
        "decided by you",
        "told by text message",
    ] {
        assert!(
            issued.contains(part),
            "the answer to the pass says {part:?}: {issued:?}"
        );
    }
    wait_until(
        client,
        "the passed interview leaves the queue, live",
        &format!(
            "return document.querySelector({}) === null \
             && document.querySelectorAll('[data-testid=interview-row]').length === {before} - 1;",
            js(&row(PASSED))
        ),
        SCREEN_CHANGE,
    )
    .await;

    // The second by the keyboard: Next, Alt+C, Alt+2, a reason, Ctrl+Enter.
    click(client, "[data-testid=review-next]").await;
    wait_until(
        client,
        "Next puts the keyboard on the next waiting applicant",
        &format!(
            "return document.activeElement?.getAttribute('data-name') === {};",
            js(FAILED)
        ),
        SCREEN_CHANGE,
    )
    .await;
    chord(client, &[Key::Alt], 'c').await;
    review_of(client, FAILED).await;
    media_loaded(client).await;
    chord(client, &[Key::Alt], '2').await;
    wait_until(
        client,
        "Alt+2 chooses Fail and asks for reasons",
        "return document.querySelector('[data-testid=verdict-fail]').checked \
         && document.activeElement === document.querySelector('[data-testid=verdict-fail]') \
         && document.querySelector('[data-testid=verdict-reasons]') !== null;",
        SCREEN_CHANGE,
    )
    .await;
    click(client, "[data-testid=reason-someone_else_present]").await;
    chord(client, &[Key::Control], Key::Enter).await;
    let rejected = answer(client, "rejected").await;
    axe::check(client, "the answer to a fail").await;
    for part in [
        "Application rejected.",
        "The applicant is told by text message, with the reasons.",
    ] {
        assert!(
            rejected.contains(part),
            "the answer to the fail says {part:?}: {rejected:?}"
        );
    }
}

/// Back at the calls, the passed applicant is a customer whose card says
/// it was issued through the video interview, decided by `reviewer`.
pub async fn customer_shows_the_card(client: &Client, reviewer: &str) {
    click(client, "[data-testid=nav-desk]").await;
    click(client, "[data-testid=search-input]").await;
    type_keys(client, PASSED).await;
    let hit = "[...document.querySelectorAll('[data-testid=search-result]')].find(e => e.textContent.includes('Liu Yang'))";
    wait_until(
        client,
        "the new customer is found by name",
        &format!("return {hit} !== undefined;"),
        SCREEN_CHANGE,
    )
    .await;
    script(client, &format!("{hit}.click(); return true;")).await;
    wait_for(client, "[data-testid^=card-virtual-]", SCREEN_CHANGE).await;
    let line = text(client, "[data-testid^=card-virtual-]").await;
    assert!(
        line.starts_with("Virtual card, issued ")
            && line.contains("via video interview")
            && line.ends_with(&format!("decided by {reviewer}")),
        "the customer view says how the card came to be: {line:?}"
    );
}
