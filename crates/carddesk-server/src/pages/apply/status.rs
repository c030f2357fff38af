//! Where the application stands (`GET /apply/status`, which only reads
//! and, while an agent has the interview, reloads itself with `<meta
//! refresh>`), the issued card's details shown once (`POST /apply/card`)
//! and the withdrawal (`POST /apply/withdraw`).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use carddesk_domain::application::{ApplicationState, AuthRoute, InterviewStep, VirtualProduct};
use carddesk_processor::ProcessorError;
use carddesk_processor::applications::ApplicationStatus;
use secrecy::ExposeSecret;

use super::super::CsrfForm;
use super::super::views::Alert;
use super::interview::reasons;
use super::texts::{self, ApplyTexts};
use super::{
    ApplyCtx, Chrome, End, alert, bad_form, current, end, go, next_page, post_refusal, refusal,
    render,
};
use crate::AppState;

const HERE: &str = "/apply/status";

/// How often a page waiting for an agent reloads itself, in seconds.
const WAITING_REFRESH: u32 = 10;

/// The issued card, masked.
#[derive(Debug)]
pub(super) struct CardSummary {
    pub(super) masked: String,
    pub(super) expiry: String,
}

#[derive(Template, Debug)]
#[template(path = "apply_status.html")]
pub(super) struct StatusView {
    pub(super) c: Chrome,
    pub(super) csrf: String,
    pub(super) alert: Option<Alert>,
    /// The application's state and its route's step, for tests and styles.
    pub(super) state: &'static str,
    pub(super) step: &'static str,
    pub(super) tone: &'static str,
    pub(super) body: String,
    pub(super) reasons_intro: &'static str,
    pub(super) reasons: Vec<&'static str>,
    /// The page the next step is on, when the applicant has one to take.
    pub(super) next: Option<&'static str>,
    pub(super) card: Option<CardSummary>,
    pub(super) can_reveal: bool,
    pub(super) revealed: bool,
    pub(super) can_withdraw: bool,
    pub(super) apply_again: bool,
}

#[derive(Template, Debug)]
#[template(path = "apply_card.html")]
pub(super) struct CardView {
    pub(super) c: Chrome,
    pub(super) number: String,
    pub(super) expiry: String,
    pub(super) security_code: String,
}

fn status_view(
    s: &AppState,
    ctx: &ApplyCtx,
    st: &ApplicationStatus,
    alert: Option<Alert>,
) -> StatusView {
    let a = ApplyTexts::of(ctx.lang);
    let app = &st.application;
    let mut refresh = None;
    let mut reasons_intro = "";
    let mut listed = Vec::new();
    let (title, tone, body) = match app.state {
        ApplicationState::Routed if app.route == Some(AuthRoute::TwoCard) => {
            (a.status_title, "info", a.routed_two_card.to_owned())
        }
        ApplicationState::Routed => match app.interview {
            InterviewStep::AwaitingUploads => {
                listed = reasons(ctx, st);
                if !listed.is_empty() {
                    reasons_intro = a.retry_intro;
                }
                (a.status_title, "info", a.routed_interview.to_owned())
            }
            InterviewStep::Queued { .. } => {
                refresh = Some(WAITING_REFRESH);
                (a.queued_title, "pending", a.queued_body.to_owned())
            }
            InterviewStep::Claimed { .. } | InterviewStep::AwaitingOverride { .. } => {
                refresh = Some(WAITING_REFRESH);
                (a.reviewing_title, "pending", a.reviewing_body.to_owned())
            }
        },
        ApplicationState::Submitted | ApplicationState::Authenticated => {
            refresh = Some(WAITING_REFRESH / 2);
            (a.issuing_title, "pending", String::new())
        }
        ApplicationState::Issued => {
            let body = st.card.as_ref().map_or_else(String::new, |card| {
                let product = VirtualProduct::find(&card.product)
                    .map_or(card.product.as_str(), |p| texts::product_name(ctx.lang, p));
                texts::issued_body(ctx.lang, &card.masked_number, product)
            });
            (a.issued_title, "success", body)
        }
        ApplicationState::Rejected => {
            listed = reasons(ctx, st);
            let body = if listed.is_empty() {
                a.rejected_stopped
            } else {
                reasons_intro = a.rejected_reasons;
                ""
            };
            (a.rejected_title, "error", body.to_owned())
        }
        ApplicationState::Expired => (a.expired_title, "info", a.expired_body.to_owned()),
        ApplicationState::Withdrawn => (a.withdrawn_title, "info", a.withdrawn_body.to_owned()),
    };
    let mut c = Chrome::new(ctx, HERE, title, Some(3));
    c.refresh = refresh;
    let next = Some(next_page(st)).filter(|p| *p != HERE);
    StatusView {
        c,
        csrf: ctx.csrf(s.processor.keys()),
        alert,
        state: app.state.as_str(),
        step: match app.route {
            Some(AuthRoute::TwoCard) => app.two_card.as_str(),
            _ => app.interview.as_str(),
        },
        tone,
        body,
        reasons_intro,
        reasons: listed,
        next,
        card: st.card.as_ref().map(|card| CardSummary {
            masked: card.masked_number.clone(),
            expiry: texts::valid_through(ctx.lang, card.expiry_month, card.expiry_year),
        }),
        can_reveal: st.card.is_some() && !st.revealed,
        revealed: st.card.is_some() && st.revealed,
        can_withdraw: matches!(
            app.state,
            ApplicationState::Submitted | ApplicationState::Routed
        ),
        apply_again: matches!(
            app.state,
            ApplicationState::Rejected | ApplicationState::Expired | ApplicationState::Withdrawn
        ),
    }
}

/// `GET /apply/status`: read fresh each time, so a reload shows an
/// agent's decision as soon as it is made.
pub(super) async fn status_page(State(s): State<AppState>, ctx: ApplyCtx) -> Response {
    match current(&s, &ctx, HERE).await {
        Ok(st) => render(&ctx, StatusCode::OK, &status_view(&s, &ctx, &st, None)),
        Err(response) => response,
    }
}

/// `POST /apply/card`: the card's full number, expiry and security code,
/// this once (the processor refuses a second time, or a racing twin).
pub(super) async fn reveal(
    State(s): State<AppState>,
    ctx: ApplyCtx,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(rejection) => return bad_form(&ctx, HERE, &rejection),
    };
    if let Some(response) = post_refusal(&s, &ctx, HERE, &form.csrf).await {
        return response;
    }
    let Some(token) = ctx.session.clone() else {
        return end(&ctx, HERE, End::SessionEnded);
    };
    match s.processor.reveal_card(&token, &ctx.origin).await {
        Ok(shown) => {
            let a = ApplyTexts::of(ctx.lang);
            let digits = shown.number.expose_secret();
            let view = CardView {
                c: Chrome::new(&ctx, HERE, a.card_title, Some(3)),
                number: grouped(digits),
                expiry: format!(
                    "{:02}/{:02}",
                    shown.card.expiry_month,
                    shown.card.expiry_year.rem_euclid(100)
                ),
                security_code: shown.security_code.expose_secret().to_owned(),
            };
            let mut response = render(&ctx, StatusCode::OK, &view);
            // Never kept by the browser or anything between.
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(ProcessorError::AlreadyShown) => match current(&s, &ctx, HERE).await {
            Ok(st) => {
                let text = ApplyTexts::of(ctx.lang).already_shown;
                let view = status_view(&s, &ctx, &st, alert(text));
                render(&ctx, StatusCode::CONFLICT, &view)
            }
            Err(response) => response,
        },
        // Nothing issued (yet): the status says where it stands.
        Err(ProcessorError::NotFound("card")) => go(&ctx, HERE),
        Err(e) => refusal(&ctx, HERE, e),
    }
}

/// `POST /apply/withdraw`: the applicant gives up this application.
pub(super) async fn withdraw(
    State(s): State<AppState>,
    ctx: ApplyCtx,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(rejection) => return bad_form(&ctx, HERE, &rejection),
    };
    if let Some(response) = post_refusal(&s, &ctx, HERE, &form.csrf).await {
        return response;
    }
    let Some(token) = ctx.session.clone() else {
        return end(&ctx, HERE, End::SessionEnded);
    };
    match s.processor.withdraw_application(&token, &ctx.origin).await {
        Ok(()) => go(&ctx, HERE),
        Err(e) => refusal(&ctx, HERE, e),
    }
}

/// A card number in groups of four, as printed on a card.
fn grouped(digits: &str) -> String {
    digits
        .as_bytes()
        .chunks(4)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_by_four() {
        assert_eq!(super::grouped("6217991234567890"), "6217 9912 3456 7890");
        assert_eq!(super::grouped("621799123456789"), "6217 9912 3456 789");
    }
}
