//! What stands between an applicant's browser and the processor: the
//! application's cookies (under `/apply`, apart from the unfreeze pages'),
//! the CSRF token, the rate limits and the security headers.
//!
//! The CSRF token and the headers are the unfreeze pages' own
//! (`pages::guard`); the differences are the cookie names and path, a CSP
//! that lets in our one script (`script-src 'self'`, for recording the
//! video) and a Permissions-Policy that lets our pages use the camera.

use axum::extract::Request;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use carddesk_processor::{Keyring, Purpose};
use secrecy::ExposeSecret;

use super::super::PageLimits;
use super::super::guard::{self, CookieSet, PageCtx, PageGuards};
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
/// default); past it the processor takes no step of it and shows no card.
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

/// The application pages' cookies.
pub const APPLY_COOKIES: CookieSet = CookieSet {
    browser: BROWSER_COOKIE,
    session: SESSION_COOKIE,
    lang: LANG_COOKIE,
    path: COOKIE_PATH,
    session_max_age: SESSION_MAX_AGE,
};

impl PageGuards for ApplyGuards {
    const COOKIES: CookieSet = APPLY_COOKIES;

    fn fallback() -> Self {
        Self::new(PageLimits::default(), &Buckets::Memory)
    }
}

/// What every application page handler knows about the request: the
/// unfreeze pages' context with this family's cookies and guards.
pub type ApplyCtx = PageCtx<ApplyGuards>;

impl PageCtx<ApplyGuards> {
    /// The bucket key of this session's credential attempts: a digest, so
    /// the token itself is never a key in a shared store.
    pub fn session_key(&self, keys: &Keyring) -> Option<String> {
        self.session.as_ref().map(|token| {
            let digest = keys.digest(Purpose::Session, token.expose_secret().as_bytes());
            format!("application:{}", hex::encode(digest))
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header::HeaderMap;

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
        let c = guard::cookies(&headers, &APPLY_COOKIES);
        assert!(
            c.browser.is_none(),
            "the unfreeze pages' binding is not ours"
        );
        assert!(c.session.is_none(), "nor their session");
        assert_eq!(c.lang.as_deref(), Some("en"));
    }

    #[test]
    fn cookies_live_under_apply() {
        let c = guard::cookie(&APPLY_COOKIES, SESSION_COOKIE, "x", Some(60), true).expect("cookie");
        let text = c.to_str().expect("ASCII");
        assert!(text.contains("Path=/apply; HttpOnly; SameSite=Strict"));
        assert!(text.ends_with("; Secure"));
    }
}
