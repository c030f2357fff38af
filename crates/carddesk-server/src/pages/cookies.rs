//! The cookies of a family of pages (the unfreeze pages under `/u`, the
//! application pages under `/apply`): their names, path and lifetimes,
//! how they are set and how they are read back.

use axum::http::header::{self, HeaderMap, HeaderValue};

use super::guard::{BROWSER_COOKIE, COOKIE_PATH, LANG_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE};

/// The cookies one family of pages keeps, and where: the unfreeze pages
/// and the application pages each have their own, under their own path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieSet {
    /// The browser-binding cookie the CSRF token is bound to.
    pub browser: &'static str,
    /// The session cookie.
    pub session: &'static str,
    /// The language a `?lang=` chose.
    pub lang: &'static str,
    /// The path every cookie is scoped to.
    pub path: &'static str,
    /// How long the session cookie lives, in seconds.
    pub session_max_age: u32,
}

/// The unfreeze pages' cookies.
pub const UNFREEZE_COOKIES: CookieSet = CookieSet {
    browser: BROWSER_COOKIE,
    session: SESSION_COOKIE,
    lang: LANG_COOKIE,
    path: COOKIE_PATH,
    session_max_age: SESSION_MAX_AGE,
};

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, under the family's
/// path, Secure when served over https.
pub fn cookie(
    set: &CookieSet,
    name: &str,
    value: &str,
    max_age: Option<u32>,
    secure: bool,
) -> Option<HeaderValue> {
    let mut text = format!(
        "{name}={value}; Path={}; HttpOnly; SameSite=Strict",
        set.path
    );
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).ok()
}

#[derive(Debug, Default)]
pub(super) struct Cookies {
    pub(super) browser: Option<String>,
    pub(super) session: Option<String>,
    pub(super) lang: Option<String>,
}

/// The family's cookies, each kept only when it has the shape we give it.
pub(super) fn cookies(headers: &HeaderMap, set: &CookieSet) -> Cookies {
    let mut out = Cookies::default();
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            if name == set.browser && is_hex(value, 32) {
                out.browser = Some(value.to_owned());
            } else if name == set.session && is_hex(value, 64) {
                out.session = Some(value.to_owned());
            } else if name == set.lang && value.len() <= 8 {
                out.lang = Some(value.to_owned());
            }
        }
    }
    out
}

fn is_hex(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}
