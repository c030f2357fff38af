//! The applicant's pages for a virtual card (job 2), server-rendered
//! (askama) like the unfreeze pages, in Chinese and English, with no
//! JavaScript needed but for recording the interview's video in the
//! browser (`/apply/static/record.js`; the file picker works without it).
//!
//! | page | what it does |
//! |---|---|
//! | `GET /apply`, `POST /apply` | the application form; the POST submits it to the transit service, puts the session into an HttpOnly, SameSite=Strict cookie (`cd_as`, under `/apply`) and goes on to the route's page |
//! | `GET /apply/two-card`, `POST /apply/two-card` | a secondary application: the existing card's number and transaction password |
//! | `GET /apply/code`, `POST /apply/code` | the code texted to the phone on file for that card; a right one issues the card |
//! | `GET /apply/interview`, `POST /apply/interview` | a first card: the ID photos, the selfie and the video (`multipart/form-data`), what is still missing |
//! | `GET /apply/status` | where the application stands (refreshing itself while an agent has it); the issued card, masked |
//! | `POST /apply/card` | the card's full number, expiry and security code, shown once |
//! | `POST /apply/withdraw` | withdraw the application |
//!
//! Every POST is rate-limited per client address and carries a CSRF token
//! bound to the browser and its session (the card and code steps are also
//! limited per session); every GET only reads. A failed check says only
//! that the details do not match and how many attempts are left.

mod form;
mod interview;
mod session;
mod status;
mod texts;
mod two_card;
mod views;

use std::sync::{Arc, LazyLock};

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router, middleware};
use carddesk_domain::application::{ApplicationState, AuthRoute, InterviewStep, TwoCardStep};
use carddesk_processor::applications::ApplicationStatus;
use sha2::{Digest, Sha256};

use super::i18n::Lang;
use super::views::Alert;
use super::{MAX_FORM, PageLimits};
use crate::AppState;
use crate::limits::Buckets;
use session::{ApplyCtx, ApplyGuards};
use views::{Chrome, End, bad_form, end, go, rate_limited, refusal, render};

/// The recorder: our one script, served from `/apply/static/record.js`.
const RECORD_JS: &str = include_str!("../../../static/record.js");
/// The few styles the form controls the unfreeze pages lack need.
const APPLY_CSS: &str = include_str!("../../../static/apply.css");

/// An asset's address, versioned by its content so it can be cached.
fn versioned(path: &str, content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!("{path}?v={}", &hex::encode(digest)[..12])
}

static RECORD_JS_SRC: LazyLock<String> =
    LazyLock::new(|| versioned("/apply/static/record.js", RECORD_JS));
static APPLY_CSS_HREF: LazyLock<String> =
    LazyLock::new(|| versioned("/apply/static/apply.css", APPLY_CSS));

/// The application pages' routes with the given limits, their buckets in
/// `buckets`.
pub fn routes_with(limits: PageLimits, buckets: &Buckets) -> Router<AppState> {
    Router::new()
        .route("/apply", get(form::form_page).post(form::form_submit))
        .route("/apply/", get(|| async { Redirect::to("/apply") }))
        .route(
            "/apply/two-card",
            get(two_card::card_page).post(two_card::card_submit),
        )
        .route(
            "/apply/code",
            get(two_card::code_page).post(two_card::code_submit),
        )
        .route(
            "/apply/interview",
            // The uploads' own limit; every other form stays small.
            post(interview::upload)
                .layer(DefaultBodyLimit::max(crate::applicant::MAX_UPLOAD))
                .get(interview::interview_page),
        )
        .route("/apply/status", get(status::status_page))
        .route("/apply/card", post(status::reveal))
        .route("/apply/withdraw", post(status::withdraw))
        .route("/apply/static/record.js", get(record_js))
        .route("/apply/static/apply.css", get(apply_css))
        .layer(Extension(Arc::new(ApplyGuards::new(limits, buckets))))
        .layer(DefaultBodyLimit::max(MAX_FORM))
        .layer(middleware::from_fn(session::security_headers))
}

/// The checks every POST passes first: the client address's rate limit,
/// then the CSRF token. `Some` is the refusal to answer with.
pub(super) async fn post_refusal(
    s: &AppState,
    ctx: &ApplyCtx,
    here: &str,
    csrf: &str,
) -> Option<Response> {
    if let Err(wait) = ctx
        .guards
        .address
        .take(&format!("addr:{}", ctx.origin))
        .await
    {
        return Some(rate_limited(ctx, here, wait));
    }
    if !ctx.csrf_ok(s.processor.keys(), csrf) {
        tracing::warn!(origin = %ctx.origin, "application page POST without a valid CSRF token");
        return Some(end(ctx, here, End::CsrfRefused));
    }
    None
}

/// A credential step's own limit, per session (after [`post_refusal`]).
pub(super) async fn attempt_limit(s: &AppState, ctx: &ApplyCtx, here: &str) -> Option<Response> {
    let key = ctx.session_key(s.processor.keys())?;
    match ctx.guards.session.take(&key).await {
        Ok(()) => None,
        Err(wait) => Some(rate_limited(ctx, here, wait)),
    }
}

/// The page an application's next step is on.
pub(super) fn next_page(st: &ApplicationStatus) -> &'static str {
    let a = &st.application;
    match (a.state, a.route) {
        (ApplicationState::Routed, Some(AuthRoute::TwoCard)) => match a.two_card {
            TwoCardStep::AwaitingCard => "/apply/two-card",
            TwoCardStep::AwaitingCode { .. } => "/apply/code",
        },
        (ApplicationState::Routed, Some(AuthRoute::VideoInterview))
            if a.interview == InterviewStep::AwaitingUploads =>
        {
            "/apply/interview"
        }
        _ => "/apply/status",
    }
}

/// The session's application as it stands, or the page that says why
/// there is none. Only reads.
pub(super) async fn current(
    s: &AppState,
    ctx: &ApplyCtx,
    here: &str,
) -> Result<ApplicationStatus, Response> {
    let Some(token) = &ctx.session else {
        return Err(end(ctx, here, End::SessionEnded));
    };
    let mut st = s
        .processor
        .application_status(token)
        .await
        .map_err(|e| refusal(ctx, here, e))?;
    // Past its lifetime an application is over, though the schedule (every
    // minute) may not have recorded it yet: it is shown so, and no page
    // offers a step the processor would refuse.
    if st.application.is_expired_at(s.processor.now()) {
        st.application.state = ApplicationState::Expired;
    }
    Ok(st)
}

/// The attempts an application has left, in words.
pub(super) fn attempts(s: &AppState, lang: Lang, st: &ApplicationStatus) -> String {
    let max = s.processor.config().applications.max_attempts;
    lang.attempts_left(max.saturating_sub(st.application.failed_attempts))
}

/// An error alert.
pub(super) fn alert(text: impl Into<String>) -> Option<Alert> {
    Some(Alert::error(text))
}

async fn record_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        RECORD_JS,
    )
        .into_response()
}

async fn apply_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        APPLY_CSS,
    )
        .into_response()
}
