//! Accessibility checks in the real window: axe-core (the UI's own
//! devDependency, `ui/node_modules/axe-core/axe.min.js`) injected through
//! WebDriver, run on the page as it stands, failing on any serious or
//! critical violation with what and where.

use std::sync::OnceLock;

use fantoccini::Client;

use super::page::{script, settle};

/// axe-core's source, read once.
fn source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ui/node_modules/axe-core/axe.min.js"
        );
        std::fs::read_to_string(path).unwrap_or_else(|error| {
            panic!("axe-core is missing ({path}: {error}): run `npm install` in ui/")
        })
    })
}

/// Runs axe-core on what `client`'s window shows now (`screen` names it in
/// the failure) and fails on serious or critical violations.
pub async fn check(client: &Client, screen: &str) {
    settle(client).await;
    // Injected once per page; the scripts run outside the page's CSP.
    let injected = script(
        client,
        &format!(
            "if (typeof window.axe === 'undefined') {{ {} }} return typeof window.axe;",
            source()
        ),
    )
    .await;
    assert_eq!(
        injected, "object",
        "axe-core could not be injected on {screen}"
    );
    let answer = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.axe.run(document, { resultTypes: ['violations'] }).then(
               (r) => done(r.violations
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .map((v) => `${v.impact} ${v.id}: ${v.help}\\n` + v.nodes
                   .map((n) => `    at ${n.target.join(' ')}: ${(n.failureSummary || '').replace(/\\s+/g, ' ')}`)
                   .join('\\n'))),
               (e) => done([`axe-core failed: ${e}`]));",
            Vec::new(),
        )
        .await
        .unwrap_or_else(|error| panic!("axe-core could not run on {screen}: {error}"));
    let violations: Vec<String> = serde_json::from_value(answer.clone())
        .unwrap_or_else(|_| panic!("axe-core's answer on {screen}: {answer}"));
    assert!(
        violations.is_empty(),
        "{} serious or critical accessibility violations on {screen}:\n{}",
        violations.len(),
        violations.join("\n")
    );
    eprintln!("axe-core: {screen} passes");
}
