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

mod guard;
mod i18n;

use std::sync::{Arc, LazyLock};

use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Router, middleware};
use carddesk_domain::customer::{DocumentKind, IdDocument};
use carddesk_domain::{CaseState, Credential};
use carddesk_processor::{Challenge, ProcessorError, Purpose, instructions};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use guard::PageLimits;
// The customer API limits with the same buckets.
use guard::{Ctx, Guards};
use i18n::{Lang, Texts};

use crate::AppState;
use crate::customer::Upload;

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
}

// ---------------------------------------------------------------- views

/// What every page shows around its content.
#[derive(Debug)]
struct Chrome {
    t: &'static Texts,
    switch: &'static Texts,
    switch_href: String,
    css: &'static str,
    title: String,
    /// The step of three the page is, 0 for none.
    step: u8,
    step_label: String,
}

impl Chrome {
    fn new(ctx: &Ctx, here: &str, title: &str, step: Option<u8>) -> Self {
        let other = ctx.lang.other();
        Self {
            t: ctx.lang.texts(),
            switch: other.texts(),
            switch_href: format!("{here}?lang={}", other.tag()),
            css: CSS_HREF.as_str(),
            title: title.to_owned(),
            step: step.unwrap_or(0),
            step_label: step.map(|n| ctx.lang.step(n)).unwrap_or_default(),
        }
    }
}

#[derive(Debug)]
struct Alert {
    tone: &'static str,
    text: String,
}

impl Alert {
    fn error(text: impl Into<String>) -> Self {
        Self {
            tone: "error",
            text: text.into(),
        }
    }
}

#[derive(Debug)]
struct Link {
    href: &'static str,
    label: &'static str,
}

#[derive(Template, Debug)]
#[template(path = "start.html")]
struct StartView {
    c: Chrome,
    csrf: String,
    alert: Option<Alert>,
}

#[derive(Template, Debug)]
#[template(path = "open.html")]
struct OpenView {
    c: Chrome,
    csrf: String,
    action: String,
}

#[derive(Template, Debug)]
#[template(path = "card.html")]
struct CardView {
    c: Chrome,
    last_four: String,
}

#[derive(Template, Debug)]
#[template(path = "details.html")]
struct DetailsView {
    c: Chrome,
    csrf: String,
    alert: Option<Alert>,
    intro: String,
    ask_id: bool,
    passport: bool,
    ask_password: bool,
    attempts: String,
    valid_until: String,
}

#[derive(Template, Debug)]
#[template(path = "result.html")]
struct ResultView {
    c: Chrome,
    outcome: &'static str,
    tone: &'static str,
    body: String,
    link: Option<Link>,
}

/// Renders a view into an answer with the request's cookies.
fn render(ctx: &Ctx, status: StatusCode, view: &impl Template) -> Response {
    match view.render() {
        Ok(html) => with_cookies(ctx, (status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn with_cookies(ctx: &Ctx, mut response: Response) -> Response {
    for value in ctx.set_cookies() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The outcome pages, each with its words, tone and way on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Unfrozen,
    AwaitingApproval,
    Locked,
    Expired,
    CodeUsed,
    Closed,
    NotMine,
    SessionEnded,
    CsrfRefused,
    RateLimited,
    BadRequest,
    Internal,
}

impl Outcome {
    fn status(self) -> StatusCode {
        match self {
            Outcome::Unfrozen | Outcome::AwaitingApproval | Outcome::NotMine => StatusCode::OK,
            Outcome::Locked => StatusCode::LOCKED,
            Outcome::Expired => StatusCode::GONE,
            Outcome::CodeUsed | Outcome::Closed => StatusCode::CONFLICT,
            Outcome::SessionEnded => StatusCode::UNAUTHORIZED,
            Outcome::CsrfRefused => StatusCode::FORBIDDEN,
            Outcome::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Outcome::BadRequest => StatusCode::BAD_REQUEST,
            Outcome::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Outcome::Unfrozen => "unfrozen",
            Outcome::AwaitingApproval => "awaiting_approval",
            Outcome::Locked => "locked",
            Outcome::Expired => "expired",
            Outcome::CodeUsed => "code_used",
            Outcome::Closed => "case_closed",
            Outcome::NotMine => "not_mine",
            Outcome::SessionEnded => "session_ended",
            Outcome::CsrfRefused => "csrf_refused",
            Outcome::RateLimited => "rate_limited",
            Outcome::BadRequest => "bad_request",
            Outcome::Internal => "internal",
        }
    }

    fn tone(self) -> &'static str {
        match self {
            Outcome::Unfrozen => "success",
            Outcome::AwaitingApproval => "pending",
            Outcome::NotMine => "warn",
            Outcome::SessionEnded | Outcome::RateLimited => "info",
            _ => "error",
        }
    }

    fn words(self, lang: Lang, last_four: Option<&str>) -> (&'static str, String) {
        let t = lang.texts();
        let (title, body) = match self {
            Outcome::Unfrozen => {
                return (
                    t.unfrozen_title,
                    lang.unfrozen_body(last_four.unwrap_or("····")),
                );
            }
            Outcome::AwaitingApproval => (t.approval_title, t.approval_body),
            Outcome::Locked => (t.locked_title, t.locked_body),
            Outcome::Expired => (t.expired_title, t.expired_body),
            Outcome::CodeUsed => (t.used_title, t.used_body),
            Outcome::Closed => (t.closed_title, t.closed_body),
            Outcome::NotMine => (t.not_mine_title, t.not_mine_body),
            Outcome::SessionEnded => (t.session_title, t.session_body),
            Outcome::CsrfRefused => (t.csrf_title, t.csrf_body),
            Outcome::RateLimited => (t.rate_title, t.rate_body),
            Outcome::BadRequest => (t.bad_request_title, t.bad_request_body),
            Outcome::Internal => (t.internal_title, t.internal_body),
        };
        (title, body.to_owned())
    }

    fn link(self, lang: Lang) -> Option<Link> {
        let t = lang.texts();
        match self {
            Outcome::SessionEnded
            | Outcome::CsrfRefused
            | Outcome::BadRequest
            | Outcome::Internal
            | Outcome::RateLimited => Some(Link {
                href: "/u",
                label: t.start_again,
            }),
            Outcome::NotMine => Some(Link {
                href: "/u/card",
                label: t.back,
            }),
            _ => None,
        }
    }
}

/// An outcome page. `here` is the GET address the language switch reloads.
fn outcome(ctx: &Ctx, here: &str, what: Outcome, last_four: Option<&str>) -> Response {
    let (title, body) = what.words(ctx.lang, last_four);
    let step = matches!(what, Outcome::Unfrozen | Outcome::AwaitingApproval).then_some(3);
    let view = ResultView {
        c: Chrome::new(ctx, here, title, step),
        outcome: what.name(),
        tone: what.tone(),
        body,
        link: what.link(ctx.lang),
    };
    render(ctx, what.status(), &view)
}

/// What a processor refusal shows, outside the forms that show it inline.
fn refusal(ctx: &Ctx, here: &str, e: ProcessorError) -> Response {
    let what = match e {
        ProcessorError::Locked => Outcome::Locked,
        ProcessorError::Expired => Outcome::Expired,
        ProcessorError::CodeUsed => Outcome::CodeUsed,
        ProcessorError::CaseClosed => Outcome::Closed,
        ProcessorError::NotFound(_) | ProcessorError::Unauthenticated => Outcome::SessionEnded,
        ProcessorError::InvalidInput(_) => Outcome::BadRequest,
        other => {
            // The detail goes to the log only.
            tracing::error!(code = other.code(), error = %other, "customer page failed");
            Outcome::Internal
        }
    };
    outcome(ctx, here, what, None)
}

// ---------------------------------------------------------------- handlers

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

fn start_view(s: &AppState, ctx: &Ctx, alert: Option<Alert>) -> StartView {
    StartView {
        c: Chrome::new(ctx, "/u", ctx.lang.texts().start_title, None),
        csrf: ctx.csrf(s.processor.keys()),
        alert,
    }
}

/// `GET /u`: enter the code.
async fn start_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    render(&ctx, StatusCode::OK, &start_view(&s, &ctx, None))
}

/// `POST /u`: open the typed code.
async fn start_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(rejection) => return bad_form(&ctx, "/u", &rejection),
    };
    if let Some(response) = post_refusal(&s, &ctx, "/u", &form.csrf).await {
        return response;
    }
    let code = form.code.as_ref().map(|c| c.expose_secret().trim());
    match code.and_then(instructions::normalize_code) {
        Some(code) => open_code(&s, &ctx, &code, "/u").await,
        None => {
            let alert = Alert::error(ctx.lang.texts().bad_code);
            render(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &start_view(&s, &ctx, Some(alert)),
            )
        }
    }
}

/// `GET /u/{code}`: the text message's link. It spends nothing: a form
/// asks the customer to continue, and the POST opens the code.
async fn link_page(
    State(s): State<AppState>,
    ctx: Ctx,
    code: Result<Path<String>, PathRejection>,
) -> Response {
    let Some(code) = code
        .ok()
        .and_then(|Path(c)| instructions::normalize_code(&c))
    else {
        let alert = Alert::error(ctx.lang.texts().bad_code);
        return render(
            &ctx,
            StatusCode::NOT_FOUND,
            &start_view(&s, &ctx, Some(alert)),
        );
    };
    let here = format!("/u/{code}");
    let view = OpenView {
        c: Chrome::new(&ctx, &here, ctx.lang.texts().start_title, None),
        csrf: ctx.csrf(s.processor.keys()),
        action: here.clone(),
    };
    render(&ctx, StatusCode::OK, &view)
}

/// `POST /u/{code}`: open the link's code.
async fn link_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    code: Result<Path<String>, PathRejection>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let Some(code) = code
        .ok()
        .and_then(|Path(c)| instructions::normalize_code(&c))
    else {
        return outcome(&ctx, "/u", Outcome::BadRequest, None);
    };
    let here = format!("/u/{code}");
    let Form(form) = match form {
        Ok(f) => f,
        Err(rejection) => return bad_form(&ctx, &here, &rejection),
    };
    if let Some(response) = post_refusal(&s, &ctx, &here, &form.csrf).await {
        return response;
    }
    open_code(&s, &ctx, &code, &here).await
}

/// Spends the code: the session goes into its cookie and the customer on
/// to confirm the card.
///
/// The challenge is asked here too, in the POST: it moves the case from
/// requested to challenged (a write and its audit entry), and a GET must
/// not write (issue 7, finding 11). The pages' GETs then only read the
/// challenge back; if asking fails here, `/u/card` shows why.
async fn open_code(s: &AppState, ctx: &Ctx, code: &str, here: &str) -> Response {
    match s.processor.request_unfreeze(code, &ctx.origin).await {
        Ok(session) => {
            let _ = s.processor.challenge(&session.token, &ctx.origin).await;
            let mut response = with_cookies(ctx, Redirect::to("/u/card").into_response());
            if let Some(cookie) = ctx.session_cookie(&session.token) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(ProcessorError::NotFound(_)) => render(
            ctx,
            StatusCode::NOT_FOUND,
            &start_view(s, ctx, Some(Alert::error(ctx.lang.texts().unknown_code))),
        ),
        Err(ProcessorError::InvalidInput(_)) => render(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &start_view(s, ctx, Some(Alert::error(ctx.lang.texts().bad_code))),
        ),
        Err(e) => refusal(ctx, here, e),
    }
}

/// The session's challenge, or the page that says why there is none.
async fn challenge(s: &AppState, ctx: &Ctx, here: &str) -> Result<Challenge, Response> {
    let Some(token) = &ctx.session else {
        return Err(outcome(ctx, here, Outcome::SessionEnded, None));
    };
    s.processor
        .challenge(token, &ctx.origin)
        .await
        .map_err(|e| session_refusal(ctx, here, e))
}

/// A refusal within a session: a case past the challenge (verified,
/// unfrozen, locked, cancelled) shows where it stands.
fn session_refusal(ctx: &Ctx, here: &str, e: ProcessorError) -> Response {
    match e {
        ProcessorError::CaseClosed => with_cookies(ctx, Redirect::to("/u/result").into_response()),
        other => refusal(ctx, here, other),
    }
}

/// `GET /u/card`: is this your card? The challenge (asked by the POST
/// that opened the code; read back unchanged while the case is challenged)
/// tells the last four digits under the processor's rules: an expired or
/// closed case shows why instead.
async fn card_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    let c = match challenge(&s, &ctx, "/u/card").await {
        Ok(c) => c,
        Err(response) => return response,
    };
    let view = CardView {
        c: Chrome::new(&ctx, "/u/card", ctx.lang.texts().card_title, Some(1)),
        last_four: c.card_last_four,
    };
    render(&ctx, StatusCode::OK, &view)
}

/// `GET /u/not-mine`: stop here.
async fn not_mine_page(ctx: Ctx) -> Response {
    outcome(&ctx, "/u/not-mine", Outcome::NotMine, None)
}

/// `GET /u/details`: what is asked.
async fn details_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    details(&s, &ctx, None, StatusCode::OK).await
}

async fn details(s: &AppState, ctx: &Ctx, alert: Option<Alert>, status: StatusCode) -> Response {
    let c = match challenge(s, ctx, "/u/details").await {
        Ok(c) => c,
        Err(response) => return response,
    };
    let view = DetailsView {
        c: Chrome::new(ctx, "/u/details", ctx.lang.texts().details_title, Some(2)),
        csrf: ctx.csrf(s.processor.keys()),
        alert,
        intro: ctx.lang.details_intro(&c.card_last_four),
        ask_id: c.credentials.contains(&Credential::IdNumber),
        passport: c.document_kind == DocumentKind::Passport,
        ask_password: c.credentials.contains(&Credential::TransactionPassword),
        attempts: ctx.lang.attempts_left(c.attempts_left),
        valid_until: c
            .expires_at
            .map(|at| ctx.lang.valid_until(at))
            .unwrap_or_default(),
    };
    render(ctx, status, &view)
}

/// Trims a field and drops it when empty.
fn filled(value: Option<SecretString>) -> Option<SecretString> {
    value
        .map(|v| v.expose_secret().trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

/// `POST /u/details`: upload the credentials.
async fn details_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    form: Result<Form<DetailsForm>, FormRejection>,
) -> Response {
    const HERE: &str = "/u/details";
    let Form(form) = match form {
        Ok(f) => f,
        Err(rejection) => return bad_form(&ctx, HERE, &rejection),
    };
    if let Some(response) = post_refusal(&s, &ctx, HERE, &form.csrf).await {
        return response;
    }
    let Some(token) = ctx.session.clone() else {
        return outcome(&ctx, HERE, Outcome::SessionEnded, None);
    };
    // One session opens one case (its code is spent once), so the
    // session's digest keys the case's bucket.
    let case_key = hex::encode(
        s.processor
            .keys()
            .digest(Purpose::Session, token.expose_secret().as_bytes()),
    );
    if let Err(wait) = ctx.guards.case.take(&format!("case:{case_key}")).await {
        return rate_limited(&ctx, HERE, wait);
    }

    let t = ctx.lang.texts();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let id_number = filled(form.id_number);
    let passport_country = form
        .passport_country
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let transaction_password = filled(form.transaction_password);
    if id_number.is_none() && transaction_password.is_none() {
        return details(
            &s,
            &ctx,
            Some(Alert::error(t.missing_detail)),
            unprocessable,
        )
        .await;
    }
    // Format errors are said per field: they tell nothing about what the
    // bank holds, and they do not count as attempts.
    if let Some(number) = &id_number {
        let parsed = match &passport_country {
            None => IdDocument::resident_id(number.expose_secret()).map(|_| ()),
            Some(country) => IdDocument::passport(country, number.expose_secret()).map(|_| ()),
        };
        if parsed.is_err() {
            let text = if passport_country.is_some() {
                t.bad_passport
            } else {
                t.bad_resident_id
            };
            return details(&s, &ctx, Some(Alert::error(text)), unprocessable).await;
        }
    }
    let upload = Upload {
        id_number,
        passport_country,
        transaction_password,
    };
    let credentials = match upload.into_credentials() {
        Ok(c) => c,
        Err(_) => {
            return details(&s, &ctx, Some(Alert::error(t.bad_password)), unprocessable).await;
        }
    };
    match s.processor.verify(&token, credentials, &ctx.origin).await {
        Ok(_) => with_cookies(&ctx, Redirect::to("/u/result").into_response()),
        Err(ProcessorError::VerificationFailed { remaining }) => {
            let alert = Alert::error(ctx.lang.verification_failed(remaining));
            details(&s, &ctx, Some(alert), StatusCode::UNAUTHORIZED).await
        }
        Err(ProcessorError::InvalidInput(_)) => {
            details(
                &s,
                &ctx,
                Some(Alert::error(t.missing_detail)),
                unprocessable,
            )
            .await
        }
        Err(e) => session_refusal(&ctx, HERE, e),
    }
}

/// `GET /u/result`: where the session's case stands, read fresh (so a
/// reload shows the same, and an approval given since shows as done).
async fn result_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    const HERE: &str = "/u/result";
    let Some(token) = &ctx.session else {
        return outcome(&ctx, HERE, Outcome::SessionEnded, None);
    };
    let store = s.processor.store();
    let digest = s
        .processor
        .keys()
        .digest(Purpose::Session, token.expose_secret().as_bytes());
    let record = match store.case_by_session_digest(&digest).await {
        Ok(Some(r)) => r,
        Ok(None) => return outcome(&ctx, HERE, Outcome::SessionEnded, None),
        Err(e) => return refusal(&ctx, HERE, e.into()),
    };
    let case = record.case;
    let what = match case.state {
        CaseState::Unfrozen => Outcome::Unfrozen,
        CaseState::Verified | CaseState::Approved => Outcome::AwaitingApproval,
        CaseState::Locked => Outcome::Locked,
        CaseState::Expired => Outcome::Expired,
        CaseState::Requested | CaseState::Challenged => {
            return with_cookies(&ctx, Redirect::to("/u/details").into_response());
        }
        _ => Outcome::Closed,
    };
    let last_four = match what {
        Outcome::Unfrozen => match store.card(case.card_id).await {
            Ok(card) => card.map(|c| c.last_four),
            Err(e) => return refusal(&ctx, HERE, e.into()),
        },
        _ => None,
    };
    outcome(&ctx, HERE, what, last_four.as_deref())
}
