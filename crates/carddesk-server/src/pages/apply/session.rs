//! What stands between an applicant's browser and the processor: the
//! application's cookies (under `/apply`, apart from the unfreeze pages'),
//! the CSRF token, the rate limits and the security headers.
//!
//! The CSRF token and the headers are the unfreeze pages' own
//! (`pages::guard`); the differences are the cookie names and path, a CSP
//! that lets in our one script (`script-src 'self'`, for recording the
//! video) and a Permissions-Policy that lets our pages use the camera.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use carddesk_processor::{Keyring, Purpose};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::super::PageLimits;
use super::super::guard::{self, csrf_token};
use super::super::i18n::Lang;
use crate::AppState;
use crate::limits::{Buckets, RateLimiter};

/// The browser-binding cookie of the application pages.
pub const BROWSER_COOKIE: &str = "cd_ab";
/// The applicant's session cookie: the processor's application session
/// token (a name apart from the unfreeze session's `cd_s`).
pub const SESSION_COOKIE: &str = "cd_as";
/// The language a `?lang=` chose on these pages.
pub const LANG_COOKIE: &str = "cd_al";
/// Every application page, and so every cookie, lives under this path.
pub const COOKIE_PATH: &str = "/apply";
/// How long the session cookie lives: an application's lifetime (24 h by
/// default); past it the processor refuses the session anyway.
const SESSION_MAX_AGE: u32 = 24 * 60 * 60;

/// The pages' CSP with our own script allowed (the video recorder): no
/// inline script or style, nothing from elsewhere, forms post only to us.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The camera and microphone for our own pages (the interview's video),
/// nothing else.
const PERMISSIONS: &str = "camera=(self), microphone=(self), geolocation=(), payment=()";

/// The application pages' rate limits, apart from the unfreeze pages'.
#[derive(Debug)]
pub struct ApplyGuards {
    /// POSTs per client address.
    pub address: RateLimiter,
    /// Credential attempts (card proofs, codes) per application session.
    pub session: RateLimiter,
}

impl ApplyGuards {
    /// Guards with the pages' limits, their buckets in `buckets`.
    pub fn new(limits: PageLimits, buckets: &Buckets) -> Self {
        Self {
            address: RateLimiter::new(
                "apply:addr",
                limits.address_burst,
                limits.address_per_minute,
                buckets,
            ),
            session: RateLimiter::new(
                "apply:session",
                limits.case_burst,
                limits.case_per_minute,
                buckets,
            ),
        }
    }
}

/// The unfreeze pages' headers, with this CSP and Permissions-Policy.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = guard::security_headers(req, next).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS),
    );
    response
}

/// What every application page handler knows about the request.
#[derive(Debug)]
pub struct ApplyCtx {
    /// The language of the answer.
    pub lang: Lang,
    /// A language `?lang=` asked for, to keep in a cookie.
    pub chosen_lang: Option<Lang>,
    /// The browser-binding value (from the cookie, or fresh).
    pub browser: String,
    /// Whether `browser` is fresh and must be set.
    pub browser_is_new: bool,
    /// The application's session token, if the cookie holds a well-formed
    /// one.
    pub session: Option<SecretString>,
    /// Whether cookies get `Secure` (the public URL is https).
    pub secure: bool,
    /// The client's address, for the audit log and the rate limit.
    pub origin: String,
    /// The rate limits.
    pub guards: Arc<ApplyGuards>,
}

impl FromRequestParts<AppState> for ApplyCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let cookies = cookies(&parts.headers);
        let chosen_lang = parts.uri.query().and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix("lang="))
                .and_then(Lang::from_tag)
        });
        let lang = chosen_lang
            .or_else(|| cookies.lang.as_deref().and_then(Lang::from_tag))
            .or_else(|| {
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or(Lang::Zh);
        let (browser, browser_is_new) = match cookies.browser {
            Some(b) => (b, false),
            None => (random_hex(16), true),
        };
        let guards = parts
            .extensions
            .get::<Arc<ApplyGuards>>()
            .cloned()
            .unwrap_or_else(|| Arc::new(ApplyGuards::new(PageLimits::default(), &Buckets::Memory)));
        Ok(Self {
            lang,
            chosen_lang,
            browser,
            browser_is_new,
            session: cookies.session.map(SecretString::from),
            secure: state
                .processor
                .config()
                .link_base
                .to_ascii_lowercase()
                .starts_with("https://"),
            origin: crate::extract::client_addr(&parts.extensions),
            guards,
        })
    }
}

impl ApplyCtx {
    /// The CSRF token for forms on this page (the unfreeze pages' token,
    /// bound to this browser cookie and this session).
    pub fn csrf(&self, keys: &Keyring) -> String {
        csrf_token(keys, &self.browser, self.session.as_ref())
    }

    /// Whether a POST's token is the one this browser and session were
    /// given. A fresh browser cookie means the POST came without one: no.
    pub fn csrf_ok(&self, keys: &Keyring, given: &str) -> bool {
        !self.browser_is_new
            && bool::from(self.csrf(keys).as_bytes().ct_eq(given.trim().as_bytes()))
    }

    /// The bucket key of this session's credential attempts: a digest, so
    /// the token itself is never a key in a shared store.
    pub fn session_key(&self, keys: &Keyring) -> Option<String> {
        self.session.as_ref().map(|token| {
            let digest = keys.digest(Purpose::Session, token.expose_secret().as_bytes());
            format!("application:{}", hex::encode(digest))
        })
    }

    /// The cookies to set on the answer: the browser binding when fresh,
    /// the chosen language.
    pub fn set_cookies(&self) -> Vec<HeaderValue> {
        let mut out = Vec::new();
        if self.browser_is_new {
            out.extend(cookie(BROWSER_COOKIE, &self.browser, None, self.secure));
        }
        if let Some(lang) = self.chosen_lang {
            out.extend(cookie(
                LANG_COOKIE,
                lang.tag(),
                Some(365 * 24 * 3600),
                self.secure,
            ));
        }
        out
    }

    /// The session cookie for a token the processor just gave.
    pub fn session_cookie(&self, token: &SecretString) -> Option<HeaderValue> {
        cookie(
            SESSION_COOKIE,
            token.expose_secret(),
            Some(SESSION_MAX_AGE),
            self.secure,
        )
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, under `/apply`, Secure
/// when served over https.
fn cookie(name: &str, value: &str, max_age: Option<u32>, secure: bool) -> Option<HeaderValue> {
    let mut text = format!("{name}={value}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).ok()
}

#[derive(Debug, Default)]
struct Cookies {
    browser: Option<String>,
    session: Option<String>,
    lang: Option<String>,
}

/// Our cookies, each kept only when it has the shape we give it.
fn cookies(headers: &HeaderMap) -> Cookies {
    let mut out = Cookies::default();
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            match name {
                BROWSER_COOKIE if is_hex(value, 32) => out.browser = Some(value.to_owned()),
                SESSION_COOKIE if is_hex(value, 64) => out.session = Some(value.to_owned()),
                LANG_COOKIE if value.len() <= 8 => out.lang = Some(value.to_owned()),
                _ => {}
            }
        }
    }
    out
}

fn is_hex(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill(buf.as_mut_slice());
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_well_formed_cookies_count() {
        let mut headers = HeaderMap::new();
        let session = "a".repeat(64);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!(
                "cd_s={session}; cd_ab=zz; cd_as=0123; cd_al=en; cd_b={}",
                "b".repeat(32)
            ))
            .expect("header"),
        );
        let c = cookies(&headers);
        assert!(
            c.browser.is_none(),
            "the unfreeze pages' binding is not ours"
        );
        assert!(c.session.is_none(), "nor their session");
        assert_eq!(c.lang.as_deref(), Some("en"));
    }

    #[test]
    fn cookies_live_under_apply() {
        let c = cookie(SESSION_COOKIE, "x", Some(60), true).expect("cookie");
        let text = c.to_str().expect("ASCII");
        assert!(text.contains("Path=/apply; HttpOnly; SameSite=Strict"));
        assert!(text.ends_with("; Secure"));
    }
}
