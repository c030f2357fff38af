//! What stands between a phone browser and the processor: cookies, the CSRF
//! token, the rate limits and the security headers every page carries.

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

pub(super) use super::cookies::cookies;
pub use super::cookies::{CookieSet, UNFREEZE_COOKIES, cookie};
use super::i18n::Lang;
use crate::AppState;
use crate::limits::{Buckets, RateLimiter};

/// The browser-binding cookie: a random value the CSRF token is bound to
/// before (and after) the customer has a session.
pub const BROWSER_COOKIE: &str = "cd_b";
/// The customer session cookie: the processor's session token.
pub const SESSION_COOKIE: &str = "cd_s";
/// The language a `?lang=` chose.
pub const LANG_COOKIE: &str = "cd_lang";
/// Every page, and so every cookie, lives under this path.
pub const COOKIE_PATH: &str = "/u";
/// How long the session cookie lives: past the code's lifetime (15 min by
/// default) the processor refuses it anyway.
pub(super) const SESSION_MAX_AGE: u32 = 60 * 60;

/// The rate limits one family of pages keeps (in the request's
/// extensions), and its cookies.
pub trait PageGuards: std::fmt::Debug + Send + Sync + 'static {
    /// The family's cookies.
    const COOKIES: CookieSet;
    /// Guards with the default limits in memory, for a router built
    /// without its own (tests).
    fn fallback() -> Self;
}

/// The Content-Security-Policy of every page: nothing but our own
/// stylesheet loads, forms post only to us, no one frames us.
pub const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; \
                       frame-ancestors 'none'; base-uri 'none'";

/// Limits on the POSTs, per client address and per case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageLimits {
    /// POSTs a client address may make in a burst.
    pub address_burst: u32,
    /// POSTs per minute a client address gets back after a burst.
    pub address_per_minute: u32,
    /// Credential uploads a case may take in a burst (the processor's
    /// three attempts are counted apart; this also bounds uploads refused
    /// at the edge).
    pub case_burst: u32,
    /// Credential uploads per minute a case gets back after a burst.
    pub case_per_minute: u32,
}

impl Default for PageLimits {
    /// Generous enough for customers behind one carrier NAT, tight enough
    /// to make guessing codes pointless (50-bit codes, 15 minutes).
    fn default() -> Self {
        Self {
            address_burst: 30,
            address_per_minute: 20,
            case_burst: 6,
            case_per_minute: 3,
        }
    }
}

/// The pages' shared guards, one set per router.
#[derive(Debug)]
pub struct Guards {
    /// POSTs per client address.
    pub address: RateLimiter,
    /// Credential uploads per case.
    pub case: RateLimiter,
}

impl PageGuards for Guards {
    const COOKIES: CookieSet = UNFREEZE_COOKIES;

    fn fallback() -> Self {
        Self::new(PageLimits::default(), &Buckets::Memory)
    }
}

impl Guards {
    /// Guards with these limits, their buckets in `buckets`.
    pub fn new(limits: PageLimits, buckets: &Buckets) -> Self {
        Self {
            address: RateLimiter::new(
                "pages:addr",
                limits.address_burst,
                limits.address_per_minute,
                buckets,
            ),
            case: RateLimiter::new(
                "pages:case",
                limits.case_burst,
                limits.case_per_minute,
                buckets,
            ),
        }
    }
}

/// HSTS for the pages when browsers reach them over HTTPS: a year, every
/// subdomain, so a later visit never goes out in clear text first.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds the security headers to every page answer.
pub async fn security_headers(req: Request, next: Next) -> Response {
    // Over plain HTTP a browser ignores HSTS anyway; sending it then from a
    // test or a local demo would pin localhost to HTTPS.
    let https = req.extensions().get::<crate::Https>().is_some_and(|h| h.0);
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    if https {
        set(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// What every page handler knows about the request, for the family of
/// pages whose guards are `G`.
#[derive(Debug)]
pub struct PageCtx<G> {
    /// The language of the answer.
    pub lang: Lang,
    /// A language `?lang=` asked for, to keep in a cookie.
    pub chosen_lang: Option<Lang>,
    /// The browser-binding value (from the cookie, or fresh).
    pub browser: String,
    /// Whether `browser` is fresh and must be set.
    pub browser_is_new: bool,
    /// The session token, if the cookie holds a well-formed one.
    pub session: Option<SecretString>,
    /// Whether cookies get `Secure` (the public URL is https).
    pub secure: bool,
    /// The client's address, for the audit log and the rate limit.
    pub origin: String,
    /// The guards.
    pub guards: Arc<G>,
}

/// The unfreeze pages' context.
pub type Ctx = PageCtx<Guards>;

impl<G: PageGuards> FromRequestParts<AppState> for PageCtx<G> {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let cookies = cookies(&parts.headers, &G::COOKIES);
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
            .get::<Arc<G>>()
            .cloned()
            .unwrap_or_else(|| Arc::new(G::fallback()));
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

impl<G: PageGuards> PageCtx<G> {
    /// The CSRF token for forms on this page.
    pub fn csrf(&self, keys: &Keyring) -> String {
        csrf_token(keys, &self.browser, self.session.as_ref())
    }

    /// Whether a POST's token is the one this browser and session were
    /// given. A fresh browser cookie means the POST came without one: no.
    pub fn csrf_ok(&self, keys: &Keyring, given: &str) -> bool {
        !self.browser_is_new
            && bool::from(self.csrf(keys).as_bytes().ct_eq(given.trim().as_bytes()))
    }

    /// The cookies to set on the answer: the browser binding when fresh,
    /// the chosen language.
    pub fn set_cookies(&self) -> Vec<HeaderValue> {
        let mut out = Vec::new();
        let set = &G::COOKIES;
        if self.browser_is_new {
            out.extend(cookie(set, set.browser, &self.browser, None, self.secure));
        }
        if let Some(lang) = self.chosen_lang {
            out.extend(cookie(
                set,
                set.lang,
                lang.tag(),
                Some(365 * 24 * 3600),
                self.secure,
            ));
        }
        out
    }

    /// The session cookie for a token the processor just gave.
    pub fn session_cookie(&self, token: &SecretString) -> Option<HeaderValue> {
        let set = &G::COOKIES;
        cookie(
            set,
            set.session,
            token.expose_secret(),
            Some(set.session_max_age),
            self.secure,
        )
    }
}

/// The CSRF token bound to a browser and (once it has one) its session:
/// a keyed hash, so a value planted in a cookie by someone else cannot be
/// paired with a token without the server's key.
///
/// The key is the processor's session-token key: a digest under it of a
/// text that cannot be a session token (those are 64 hex digits), so the
/// two uses never produce the same input. Every instance sharing the master
/// key accepts every other's tokens.
pub fn csrf_token(keys: &Keyring, browser: &str, session: Option<&SecretString>) -> String {
    let mut input = Vec::with_capacity(128);
    input.extend_from_slice(b"carddesk/pages/csrf/v1\0");
    input.extend_from_slice(browser.as_bytes());
    input.push(0);
    if let Some(s) = session {
        input.extend_from_slice(s.expose_secret().as_bytes());
    }
    hex::encode(keys.digest(Purpose::Session, &input))
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
    fn csrf_tokens_are_bound_to_browser_and_session() {
        let keys = Keyring::generate();
        let s1 = SecretString::from("a".repeat(64));
        let s2 = SecretString::from("b".repeat(64));
        let base = csrf_token(&keys, "x", Some(&s1));
        assert_eq!(base, csrf_token(&keys, "x", Some(&s1)));
        assert_ne!(base, csrf_token(&keys, "y", Some(&s1)));
        assert_ne!(base, csrf_token(&keys, "x", Some(&s2)));
        assert_ne!(base, csrf_token(&keys, "x", None));
        assert_ne!(base, csrf_token(&Keyring::generate(), "x", Some(&s1)));
    }

    #[test]
    fn only_well_formed_cookies_count() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("cd_b=zz; cd_s=0123; other=1; cd_lang=en"),
        );
        let c = cookies(&headers, &UNFREEZE_COOKIES);
        assert!(c.browser.is_none() && c.session.is_none());
        assert_eq!(c.lang.as_deref(), Some("en"));
    }
}
