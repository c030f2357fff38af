//! Two-card authentication (a secondary application): the existing card's
//! number and transaction password, then the code texted to the phone on
//! file for that card. A failure says only that the details do not match
//! and how many attempts are left, never which.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::Response;
use carddesk_domain::application::TwoCardStep;
use carddesk_domain::card::CardNumber;
use carddesk_processor::ProcessorError;
use carddesk_processor::applications::ApplicationStatus;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::super::views::Alert;
use super::texts::ApplyTexts;
use super::{
    ApplyCtx, Chrome, End, alert, attempt_limit, attempts, bad_form, current, end, go, next_page,
    post_refusal, refusal, render,
};
use crate::AppState;
use crate::applicant::CardProof;

const CARD: &str = "/apply/two-card";
const CODE: &str = "/apply/code";

#[derive(Debug, Deserialize)]
pub(super) struct CardFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    card_number: Option<SecretString>,
    #[serde(default)]
    transaction_password: Option<SecretString>,
}

#[derive(Debug, Deserialize)]
pub(super) struct CodeFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: Option<SecretString>,
}

#[derive(Template, Debug)]
#[template(path = "apply_two_card.html")]
pub(super) struct CardView {
    pub(super) c: Chrome,
    pub(super) csrf: String,
    pub(super) alert: Option<Alert>,
    pub(super) attempts: String,
}

#[derive(Template, Debug)]
#[template(path = "apply_code.html")]
pub(super) struct CodeView {
    pub(super) c: Chrome,
    pub(super) csrf: String,
    pub(super) alert: Option<Alert>,
    pub(super) attempts: String,
    pub(super) valid_until: String,
    /// The phone on file the code went to, masked.
    pub(super) sent_to: String,
}

fn card_view(
    s: &AppState,
    ctx: &ApplyCtx,
    st: &ApplicationStatus,
    alert: Option<Alert>,
    status: StatusCode,
) -> Response {
    let view = CardView {
        c: Chrome::new(ctx, CARD, ApplyTexts::of(ctx.lang).two_card_title, Some(2)),
        csrf: ctx.csrf(s.processor.keys()),
        alert,
        attempts: attempts(s, ctx.lang, st),
    };
    render(ctx, status, &view)
}

fn code_view(
    s: &AppState,
    ctx: &ApplyCtx,
    st: &ApplicationStatus,
    alert: Option<Alert>,
    status: StatusCode,
) -> Response {
    let valid_until = match st.application.two_card {
        TwoCardStep::AwaitingCode {
            code_expires_at, ..
        } => ctx.lang.valid_until(code_expires_at),
        TwoCardStep::AwaitingCard => String::new(),
    };
    let view = CodeView {
        c: Chrome::new(ctx, CODE, ApplyTexts::of(ctx.lang).code_title, Some(2)),
        csrf: ctx.csrf(s.processor.keys()),
        alert,
        attempts: attempts(s, ctx.lang, st),
        valid_until,
        sent_to: st.code_sent_to.clone().unwrap_or_default(),
    };
    render(ctx, status, &view)
}

/// The application when its next step is on `here`; otherwise the way to
/// the page it is on.
async fn at(s: &AppState, ctx: &ApplyCtx, here: &str) -> Result<ApplicationStatus, Response> {
    let st = current(s, ctx, here).await?;
    match next_page(&st) {
        page if page == here => Ok(st),
        page => Err(go(ctx, page)),
    }
}

/// `GET /apply/two-card`: the existing card's number and password.
pub(super) async fn card_page(State(s): State<AppState>, ctx: ApplyCtx) -> Response {
    match at(&s, &ctx, CARD).await {
        Ok(st) => card_view(&s, &ctx, &st, None, StatusCode::OK),
        Err(response) => response,
    }
}

/// `POST /apply/two-card`: check them; a code goes to the phone on file.
pub(super) async fn card_submit(
    State(s): State<AppState>,
    ctx: ApplyCtx,
    form: Result<Form<CardFields>, FormRejection>,
) -> Response {
    let Form(fields) = match form {
        Ok(f) => f,
        Err(rejection) => return bad_form(&ctx, CARD, &rejection),
    };
    if let Some(response) = post_refusal(&s, &ctx, CARD, &fields.csrf).await {
        return response;
    }
    let Some(token) = ctx.session.clone() else {
        return end(&ctx, CARD, End::SessionEnded);
    };
    if let Some(response) = attempt_limit(&s, &ctx, CARD).await {
        return response;
    }
    let st = match at(&s, &ctx, CARD).await {
        Ok(st) => st,
        Err(response) => return response,
    };
    let t = ctx.lang.texts();
    let a = ApplyTexts::of(ctx.lang);
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let number = trimmed(fields.card_number);
    let password = fields
        .transaction_password
        .filter(|p| !p.expose_secret().is_empty());
    let (Some(number), Some(password)) = (number, password) else {
        return card_view(&s, &ctx, &st, alert(t.missing_detail), unprocessable);
    };
    // The format is said per field: it tells nothing about the card, and
    // it costs no attempt. The parsing is the JSON API's.
    let well_formed = CardNumber::parse(number.expose_secret()).is_ok();
    let proof = CardProof {
        card_number: number,
        transaction_password: password,
    };
    let (number, password) = match proof.parse() {
        Ok(parsed) => parsed,
        Err(_) => {
            let text = if well_formed {
                t.bad_password
            } else {
                a.bad_card_number
            };
            return card_view(&s, &ctx, &st, alert(text), unprocessable);
        }
    };
    match s
        .processor
        .prove_card(&token, &number, password, &ctx.origin)
        .await
    {
        Ok(_) => go(&ctx, CODE),
        Err(ProcessorError::VerificationFailed { remaining }) => {
            let st = current(&s, &ctx, CARD).await.unwrap_or(st);
            let text = ctx.lang.verification_failed(remaining);
            card_view(&s, &ctx, &st, alert(text), StatusCode::UNAUTHORIZED)
        }
        Err(e) => refusal(&ctx, CARD, e),
    }
}

/// `GET /apply/code`: the code texted to the phone on file.
pub(super) async fn code_page(State(s): State<AppState>, ctx: ApplyCtx) -> Response {
    match at(&s, &ctx, CODE).await {
        Ok(st) => code_view(&s, &ctx, &st, None, StatusCode::OK),
        Err(response) => response,
    }
}

/// `POST /apply/code`: a right code authenticates and issues the card.
pub(super) async fn code_submit(
    State(s): State<AppState>,
    ctx: ApplyCtx,
    form: Result<Form<CodeFields>, FormRejection>,
) -> Response {
    let Form(fields) = match form {
        Ok(f) => f,
        Err(rejection) => return bad_form(&ctx, CODE, &rejection),
    };
    if let Some(response) = post_refusal(&s, &ctx, CODE, &fields.csrf).await {
        return response;
    }
    let Some(token) = ctx.session.clone() else {
        return end(&ctx, CODE, End::SessionEnded);
    };
    if let Some(response) = attempt_limit(&s, &ctx, CODE).await {
        return response;
    }
    let st = match at(&s, &ctx, CODE).await {
        Ok(st) => st,
        Err(response) => return response,
    };
    let a = ApplyTexts::of(ctx.lang);
    let code: String = fields
        .code
        .as_ref()
        .map(|c| {
            c.expose_secret()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .unwrap_or_default();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return code_view(
            &s,
            &ctx,
            &st,
            alert(a.bad_code),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match s
        .processor
        .enter_application_code(&token, &code, &ctx.origin)
        .await
    {
        Ok(_) => go(&ctx, "/apply/status"),
        Err(ProcessorError::VerificationFailed { remaining }) => {
            let st = current(&s, &ctx, CODE).await.unwrap_or(st);
            let text = ctx.lang.verification_failed(remaining);
            code_view(&s, &ctx, &st, alert(text), StatusCode::UNAUTHORIZED)
        }
        // The code ran out: back to the card for a new one.
        Err(ProcessorError::Expired) => match current(&s, &ctx, CARD).await {
            Ok(st) => card_view(&s, &ctx, &st, alert(a.code_expired), StatusCode::GONE),
            Err(response) => response,
        },
        Err(e) => refusal(&ctx, CODE, e),
    }
}

/// Trims a field and drops it when empty.
fn trimmed(value: Option<SecretString>) -> Option<SecretString> {
    value
        .map(|v| v.expose_secret().trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}
