//! Opening the code: by hand (`/u`) or from the text message's link
//! (`/u/{code}`), and the challenge that follows.

use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use carddesk_processor::{Challenge, ProcessorError, instructions};
use secrecy::ExposeSecret;

// The customer API limits with the same buckets.
use super::guard::Ctx;

use super::views::{
    Alert, Chrome, OpenView, Outcome, StartView, outcome, refusal, render, with_cookies,
};
use super::{CodeForm, CsrfForm, bad_form, post_refusal};
use crate::AppState;

pub(super) fn start_view(s: &AppState, ctx: &Ctx, alert: Option<Alert>) -> StartView {
    StartView {
        c: Chrome::new(ctx, "/u", ctx.lang.texts().start_title, None),
        csrf: ctx.csrf(s.processor.keys()),
        alert,
    }
}

/// `GET /u`: enter the code.
pub(super) async fn start_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    render(&ctx, StatusCode::OK, &start_view(&s, &ctx, None))
}

/// `POST /u`: open the typed code.
pub(super) async fn start_submit(
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
pub(super) async fn link_page(
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
pub(super) async fn link_submit(
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
pub(super) async fn open_code(s: &AppState, ctx: &Ctx, code: &str, here: &str) -> Response {
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
pub(super) async fn challenge(s: &AppState, ctx: &Ctx, here: &str) -> Result<Challenge, Response> {
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
pub(super) fn session_refusal(ctx: &Ctx, here: &str, e: ProcessorError) -> Response {
    match e {
        ProcessorError::CaseClosed => with_cookies(ctx, Redirect::to("/u/result").into_response()),
        other => refusal(ctx, here, other),
    }
}
