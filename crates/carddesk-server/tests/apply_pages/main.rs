//! The applicant's pages over HTTP (issue 8): both routes from the form to
//! the card shown once, on SQLite and PostgreSQL, and what guards them
//! (CSRF, the headers and cookies, GETs that never write, uploads checked
//! by content, failures that never say which credential was wrong).

#[path = "../common/mod.rs"]
mod common;
#[path = "../pages_support/mod.rs"]
mod pages_support;

mod phone;
mod refusals;
mod site;
mod two_card;
mod video;

use pages_support::Page;
use refusals::withdrawing_refusals_and_chinese;
use site::site;
use two_card::the_two_card_route_issues_a_card_shown_once;
use video::{
    a_retry_and_a_fail_say_why_in_the_applicants_language,
    the_video_route_waits_for_an_agent_then_issues,
};

/// A `data-…` attribute's value in a page.
pub(crate) fn data(page: &Page, name: &str) -> Option<String> {
    let marker = format!("{name}=\"");
    let start = page.body.find(&marker)? + marker.len();
    let end = page.body[start..].find('"')?;
    Some(page.body[start..start + end].to_owned())
}

/// The headers of every application page.
pub(crate) fn assert_headers(page: &Page) {
    assert_eq!(
        page.header("content-security-policy"),
        "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert!(page.header("permissions-policy").contains("camera=(self)"));
    // No inline code the CSP would refuse: scripts come from files only.
    for needle in ["style=", "<style", "<script>", "javascript:", " onclick="] {
        assert!(!page.body.contains(needle), "{needle:?} in:\n{}", page.body);
    }
}

/// Whether `digits` stand in the page as a number of their own, not as
/// part of a longer run of letters and digits (a token, an id): a
/// three-digit security code turns up inside a random token now and then.
pub(crate) fn shows_number(page: &Page, digits: &str) -> bool {
    let body = page.body.as_bytes();
    page.body.match_indices(digits).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| body[i]);
        let after = body.get(at + digits.len()).copied();
        !before.is_some_and(|b| b.is_ascii_alphanumeric())
            && !after.is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

/// The text of the element with this id.
pub(crate) fn data_text(page: &Page, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = page.body.find(&marker).expect("the element") + marker.len();
    let end = page.body[start..].find('<').expect("its end");
    page.body[start..start + end].trim().to_owned()
}

macro_rules! on_both_databases {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $sqlite(pool: sqlx::SqlitePool) {
                let (store, keys, raw) = common::sqlite(pool).await;
                let site = site(store, keys, raw).await;
                $scenario(&site).await;
                site.stop().await;
            }

            #[sqlx::test(migrations = false)]
            async fn $postgres(pool: sqlx::PgPool) {
                let (store, keys, raw) = common::postgres(pool).await;
                let site = site(store, keys, raw).await;
                $scenario(&site).await;
                site.stop().await;
            }
        )*
    };
}

on_both_databases! {
    the_two_card_route_issues_a_card_shown_once => sqlite_two_card_route, postgres_two_card_route;
    the_video_route_waits_for_an_agent_then_issues => sqlite_video_route, postgres_video_route;
    withdrawing_refusals_and_chinese => sqlite_withdraw_and_refusals, postgres_withdraw_and_refusals;
    a_retry_and_a_fail_say_why_in_the_applicants_language => sqlite_retry_and_fail, postgres_retry_and_fail;
}
