//! The customer's web pages over HTTP: the flow from the text message's link
//! to the unfrozen card, in both languages, and what guards it (CSRF, the
//! security headers, cookies, rate and size limits, one case per cookie,
//! failures that never say which credential was wrong). This file holds the
//! checks on every page the topic modules share.

#[path = "../pages_support/mod.rs"]
mod pages_support;

mod flow;
mod guards;
mod limits;

const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

fn assert_page_headers(page: &pages_support::Page) {
    assert_eq!(page.header("content-security-policy"), CSP);
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("x-frame-options"), "DENY");
}

/// Nothing the CSP would refuse: no inline style or script anywhere.
fn assert_no_inline_code(page: &pages_support::Page) {
    for needle in ["style=", "<style", "<script", "javascript:"] {
        assert!(
            !page.body.contains(needle),
            "the page holds {needle:?}:\n{}",
            page.body
        );
    }
    // No event-handler attribute (`onclick=`…) either.
    let handler = page.body.match_indices(" on").any(|(i, _)| {
        let rest = &page.body[i + 3..];
        let word = rest.chars().take_while(char::is_ascii_lowercase).count();
        word > 0 && rest[word..].starts_with('=')
    });
    assert!(!handler, "an event handler in:\n{}", page.body);
}
