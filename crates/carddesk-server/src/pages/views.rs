//! What the pages show: the templates' views, rendering with the
//! session's cookies, and the outcomes and refusals a customer may be told.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use carddesk_processor::ProcessorError;

// The customer API limits with the same buckets.
use super::CSS_HREF;
use super::guard::Ctx;
use super::i18n::{Lang, Texts};

/// What every page shows around its content.
#[derive(Debug)]
pub(super) struct Chrome {
    pub(super) t: &'static Texts,
    pub(super) switch: &'static Texts,
    pub(super) switch_href: String,
    pub(super) css: &'static str,
    pub(super) title: String,
    /// The step of three the page is, 0 for none.
    pub(super) step: u8,
    pub(super) step_label: String,
}

impl Chrome {
    pub(super) fn new(ctx: &Ctx, here: &str, title: &str, step: Option<u8>) -> Self {
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
pub(super) struct Alert {
    pub(super) tone: &'static str,
    pub(super) text: String,
}

impl Alert {
    pub(super) fn error(text: impl Into<String>) -> Self {
        Self {
            tone: "error",
            text: text.into(),
        }
    }
}

#[derive(Debug)]
pub(super) struct Link {
    pub(super) href: &'static str,
    pub(super) label: &'static str,
}

#[derive(Template, Debug)]
#[template(path = "start.html")]
pub(super) struct StartView {
    pub(super) c: Chrome,
    pub(super) csrf: String,
    pub(super) alert: Option<Alert>,
}

#[derive(Template, Debug)]
#[template(path = "open.html")]
pub(super) struct OpenView {
    pub(super) c: Chrome,
    pub(super) csrf: String,
    pub(super) action: String,
}

#[derive(Template, Debug)]
#[template(path = "card.html")]
pub(super) struct CardView {
    pub(super) c: Chrome,
    pub(super) last_four: String,
}

#[derive(Template, Debug)]
#[template(path = "details.html")]
pub(super) struct DetailsView {
    pub(super) c: Chrome,
    pub(super) csrf: String,
    pub(super) alert: Option<Alert>,
    pub(super) intro: String,
    pub(super) ask_id: bool,
    pub(super) passport: bool,
    pub(super) ask_password: bool,
    pub(super) attempts: String,
    pub(super) valid_until: String,
}

#[derive(Template, Debug)]
#[template(path = "result.html")]
pub(super) struct ResultView {
    pub(super) c: Chrome,
    pub(super) outcome: &'static str,
    pub(super) tone: &'static str,
    pub(super) body: String,
    pub(super) link: Option<Link>,
}

/// Renders a view into an answer with the request's cookies.
pub(super) fn render(ctx: &Ctx, status: StatusCode, view: &impl Template) -> Response {
    match view.render() {
        Ok(html) => with_cookies(ctx, (status, Html(html)).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub(super) fn with_cookies(ctx: &Ctx, mut response: Response) -> Response {
    for value in ctx.set_cookies() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The outcome pages, each with its words, tone and way on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
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
    Unavailable,
}

/// Seconds a page asks the browser to wait when the service is briefly
/// unavailable (the database reconnects within a few).
pub(super) const RETRY_AFTER_SECONDS: &str = "5";

impl Outcome {
    pub(super) fn status(self) -> StatusCode {
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
            Outcome::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub(super) fn name(self) -> &'static str {
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
            Outcome::Unavailable => "unavailable",
        }
    }

    pub(super) fn tone(self) -> &'static str {
        match self {
            Outcome::Unfrozen => "success",
            Outcome::AwaitingApproval => "pending",
            Outcome::NotMine => "warn",
            Outcome::SessionEnded | Outcome::RateLimited | Outcome::Unavailable => "info",
            _ => "error",
        }
    }

    pub(super) fn words(self, lang: Lang, last_four: Option<&str>) -> (&'static str, String) {
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
            Outcome::Unavailable => (t.unavailable_title, t.unavailable_body),
        };
        (title, body.to_owned())
    }

    pub(super) fn link(self, lang: Lang) -> Option<Link> {
        let t = lang.texts();
        match self {
            Outcome::SessionEnded
            | Outcome::CsrfRefused
            | Outcome::BadRequest
            | Outcome::Internal
            | Outcome::Unavailable
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
pub(super) fn outcome(ctx: &Ctx, here: &str, what: Outcome, last_four: Option<&str>) -> Response {
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
pub(super) fn refusal(ctx: &Ctx, here: &str, e: ProcessorError) -> Response {
    let what = match e {
        ProcessorError::Locked => Outcome::Locked,
        ProcessorError::Expired => Outcome::Expired,
        ProcessorError::CodeUsed => Outcome::CodeUsed,
        ProcessorError::CaseClosed => Outcome::Closed,
        ProcessorError::NotFound(_) | ProcessorError::Unauthenticated => Outcome::SessionEnded,
        ProcessorError::InvalidInput(_) => Outcome::BadRequest,
        other if other.code() == "unavailable" => {
            tracing::warn!(error = %other, "customer page: the service is unavailable");
            Outcome::Unavailable
        }
        other => {
            // The detail goes to the log only.
            tracing::error!(code = other.code(), error = %other, "customer page failed");
            Outcome::Internal
        }
    };
    let mut response = outcome(ctx, here, what, None);
    if what == Outcome::Unavailable {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    response
}
