//! The customer's web pages, served for a phone browser: server-rendered
//! (askama), no JavaScript, in Chinese and English.
//!
//! The flow, under `/u`:
//!
//! | page | what it does |
//! |---|---|
//! | `GET /u/{code}` | the link in the text message: a form that spends the code on POST only, so link scanners that prefetch it do not burn it |
//! | `GET /u` | enter the code by hand |
//! | `POST /u`, `POST /u/{code}` | open the code: the session token goes into an HttpOnly, SameSite=Strict cookie (Secure when the public URL is https), never into a URL |
//! | `GET /u/card` | confirm the card's last four digits |
//! | `GET /u/details`, `POST /u/details` | what is asked (ID number, transaction password); upload it |
//! | `GET /u/result` | unfrozen, awaiting approval, locked, expired, closed |
//!
//! Every POST carries a CSRF token bound to the browser and its session;
//! every answer carries a strict Content-Security-Policy and `no-store`;
//! POSTs are rate-limited per client address and per case; no page takes a
//! case from the URL, so a cookie opens its own case only. A failure says
//! only that the details do not match and how many attempts are left.

mod apply;
mod cookies;
mod details;
mod guard;
mod i18n;
mod opening;
mod views;

use std::sync::{Arc, LazyLock};

use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router, middleware};
use secrecy::SecretString;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use guard::PageLimits;
// The customer API limits with the same buckets.
use guard::{Ctx, Guards};

use crate::AppState;
use details::{card_page, details_page, details_submit, not_mine_page, result_page};
use opening::{link_page, link_submit, start_page, start_submit};
use views::{Outcome, outcome};

/// The largest form a page accepts, in bytes: a code, or an ID number and
/// a password, with the CSRF token.
pub const MAX_FORM: usize = 2 * 1024;

/// The stylesheet, served from `/u/static/`.
const CSS: &str = include_str!("../../static/pages.css");

/// The stylesheet's address, versioned by its content so it can be cached.
static CSS_HREF: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    format!("/u/static/pages.css?v={}", &hex::encode(digest)[..12])
});

/// The pages' routes with the given limits, their buckets in `buckets`.
pub fn routes_with(limits: PageLimits, buckets: &crate::limits::Buckets) -> Router<AppState> {
    Router::new()
        .route("/u", get(start_page).post(start_submit))
        .route("/u/", get(|| async { Redirect::to("/u") }))
        .route("/u/card", get(card_page))
        .route("/u/not-mine", get(not_mine_page))
        .route("/u/details", get(details_page).post(details_submit))
        .route("/u/result", get(result_page))
        .route("/u/static/pages.css", get(stylesheet))
        .route("/u/{code}", get(link_page).post(link_submit))
        .layer(Extension(Arc::new(Guards::new(limits, buckets))))
        .layer(DefaultBodyLimit::max(MAX_FORM))
        .layer(middleware::from_fn(guard::security_headers))
        .merge(apply::routes_with(limits, buckets))
}

// ---------------------------------------------------------------- views

#[derive(Debug, Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: Option<SecretString>,
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct DetailsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id_number: Option<SecretString>,
    #[serde(default)]
    passport_country: Option<String>,
    #[serde(default)]
    transaction_password: Option<SecretString>,
}

/// The checks every POST passes first: the client address's rate limit,
/// then the CSRF token. `Some` is the refusal to answer with.
async fn post_refusal(s: &AppState, ctx: &Ctx, here: &str, csrf: &str) -> Option<Response> {
    if let Err(wait) = ctx
        .guards
        .address
        .take(&format!("addr:{}", ctx.origin))
        .await
    {
        return Some(rate_limited(ctx, here, wait));
    }
    if !ctx.csrf_ok(s.processor.keys(), csrf) {
        tracing::warn!(origin = %ctx.origin, "customer page POST without a valid CSRF token");
        return Some(outcome(ctx, here, Outcome::CsrfRefused, None));
    }
    None
}

fn rate_limited(ctx: &Ctx, here: &str, wait: std::time::Duration) -> Response {
    let mut response = outcome(ctx, here, Outcome::RateLimited, None);
    let seconds = wait.as_secs().max(1).to_string();
    if let Ok(v) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

fn bad_form(ctx: &Ctx, here: &str, rejection: &FormRejection) -> Response {
    let mut response = outcome(ctx, here, Outcome::BadRequest, None);
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    }
    response
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        CSS,
    )
        .into_response()
}
