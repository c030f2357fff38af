//! What the application pages show around their content, rendering with
//! the request's cookies, and the ends and refusals an applicant may be
//! told outside a form.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use carddesk_processor::ProcessorError;

use super::super::CSS_HREF;
use super::super::i18n::Texts;
use super::texts::ApplyTexts;
use super::{APPLY_CSS_HREF, ApplyCtx};

/// What every application page shows around its content.
#[derive(Debug)]
pub(super) struct Chrome {
    pub(super) t: &'static Texts,
    pub(super) a: &'static ApplyTexts,
    pub(super) switch: &'static Texts,
    pub(super) switch_href: String,
    pub(super) css: &'static str,
    pub(super) apply_css: &'static str,
    pub(super) title: String,
    /// The step of three the page is (apply, confirm it's you, the
    /// card), 0 for none.
    pub(super) step: u8,
    pub(super) step_label: String,
    /// Seconds after which the page reloads itself (`<meta refresh>`).
    pub(super) refresh: Option<u32>,
}

impl Chrome {
    pub(super) fn new(ctx: &ApplyCtx, here: &str, title: &str, step: Option<u8>) -> Self {
        let other = ctx.lang.other();
        Self {
            t: ctx.lang.texts(),
            a: ApplyTexts::of(ctx.lang),
            switch: other.texts(),
            switch_href: format!("{here}?lang={}", other.tag()),
            css: CSS_HREF.as_str(),
            apply_css: APPLY_CSS_HREF.as_str(),
            title: title.to_owned(),
            step: step.unwrap_or(0),
            step_label: step.map(|n| ctx.lang.step(n)).unwrap_or_default(),
            refresh: None,
        }
    }
}

/// A page that only tells something, with a way on.
#[derive(Template, Debug)]
#[template(path = "apply_message.html")]
pub(super) struct MessageView {
    pub(super) c: Chrome,
    pub(super) outcome: &'static str,
    pub(super) tone: &'static str,
    pub(super) body: String,
    pub(super) link_href: &'static str,
    pub(super) link_label: &'static str,
}

/// Renders a view into an answer with the request's cookies.
pub(super) fn render(ctx: &ApplyCtx, status: StatusCode, view: &impl Template) -> Response {
    match view.render() {
        Ok(html) => with_cookies(ctx, (status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "application page template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub(super) fn with_cookies(ctx: &ApplyCtx, mut response: Response) -> Response {
    for value in ctx.set_cookies() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `303 See Other` to `to`, with the request's cookies.
pub(super) fn go(ctx: &ApplyCtx, to: &str) -> Response {
    with_cookies(ctx, Redirect::to(to).into_response())
}

/// The ends a page may come to outside its own form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    SessionEnded,
    CsrfRefused,
    RateLimited,
    BadRequest,
    TooLarge,
    Internal,
    Unavailable,
}

/// A message page for `end`; `here` is the GET address the language
/// switch reloads.
pub(super) fn end(ctx: &ApplyCtx, here: &str, what: End) -> Response {
    let t = ctx.lang.texts();
    let a = ApplyTexts::of(ctx.lang);
    let (status, outcome, title, body) = match what {
        End::SessionEnded => (
            StatusCode::UNAUTHORIZED,
            "session_ended",
            a.session_title,
            a.session_body,
        ),
        End::CsrfRefused => (
            StatusCode::FORBIDDEN,
            "csrf_refused",
            t.csrf_title,
            t.csrf_body,
        ),
        End::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            t.rate_title,
            t.rate_body,
        ),
        End::BadRequest => (
            StatusCode::BAD_REQUEST,
            "bad_request",
            t.bad_request_title,
            t.bad_request_body,
        ),
        End::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            t.bad_request_title,
            a.too_large,
        ),
        End::Internal => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            t.internal_title,
            t.internal_body,
        ),
        End::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            t.unavailable_title,
            t.unavailable_body,
        ),
    };
    let (link_href, link_label) = match what {
        End::SessionEnded => ("/apply", a.start_again),
        _ => ("/apply/status", a.see_status),
    };
    let view = MessageView {
        c: Chrome::new(ctx, here, title, None),
        outcome,
        tone: if matches!(what, End::RateLimited | End::Unavailable) {
            "info"
        } else {
            "error"
        },
        body: body.to_owned(),
        link_href,
        link_label,
    };
    let mut response = render(ctx, status, &view);
    if what == End::Unavailable {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(crate::pages::views::RETRY_AFTER_SECONDS),
        );
    }
    response
}

/// What a processor refusal shows outside the forms that show it inline:
/// the session's end, or where the application now stands.
pub(super) fn refusal(ctx: &ApplyCtx, here: &str, e: ProcessorError) -> Response {
    match e {
        ProcessorError::Unauthenticated | ProcessorError::NotFound(_) => {
            end(ctx, here, End::SessionEnded)
        }
        // The application moved on (or out of time, or out of attempts):
        // the status page says where it stands.
        ProcessorError::Application(_)
        | ProcessorError::Locked
        | ProcessorError::Expired
        | ProcessorError::NotCompleted
        | ProcessorError::AlreadyShown => go(ctx, "/apply/status"),
        ProcessorError::InvalidInput(_) => end(ctx, here, End::BadRequest),
        other if other.code() == "unavailable" => {
            tracing::warn!(error = %other, "application page: the service is unavailable");
            end(ctx, here, End::Unavailable)
        }
        other => {
            // The detail goes to the log only.
            tracing::error!(code = other.code(), error = %other, "application page failed");
            end(ctx, here, End::Internal)
        }
    }
}

pub(super) fn rate_limited(ctx: &ApplyCtx, here: &str, wait: std::time::Duration) -> Response {
    let mut response = end(ctx, here, End::RateLimited);
    let seconds = wait.as_secs().max(1).to_string();
    if let Ok(v) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

pub(super) fn bad_form(ctx: &ApplyCtx, here: &str, rejection: &FormRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        end(ctx, here, End::TooLarge)
    } else {
        end(ctx, here, End::BadRequest)
    }
}
