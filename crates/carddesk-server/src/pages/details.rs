//! The card to confirm, the details asked for and their upload, and the
//! result.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carddesk_domain::customer::{DocumentKind, IdDocument};
use carddesk_domain::{CaseState, Credential};
use carddesk_processor::{ProcessorError, Purpose};
use secrecy::{ExposeSecret, SecretString};

// The customer API limits with the same buckets.
use super::guard::Ctx;

use super::opening::{challenge, session_refusal};
use super::views::{
    Alert, CardView, Chrome, DetailsView, Outcome, outcome, refusal, render, with_cookies,
};
use super::{DetailsForm, bad_form, post_refusal, rate_limited};
use crate::AppState;
use crate::customer::Upload;

/// `GET /u/card`: is this your card? The challenge (asked by the POST
/// that opened the code; read back unchanged while the case is challenged)
/// tells the last four digits under the processor's rules: an expired or
/// closed case shows why instead.
pub(super) async fn card_page(State(s): State<AppState>, ctx: Ctx) -> Response {
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
pub(super) async fn not_mine_page(ctx: Ctx) -> Response {
    outcome(&ctx, "/u/not-mine", Outcome::NotMine, None)
}

/// `GET /u/details`: what is asked.
pub(super) async fn details_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    details(&s, &ctx, None, StatusCode::OK).await
}

pub(super) async fn details(
    s: &AppState,
    ctx: &Ctx,
    alert: Option<Alert>,
    status: StatusCode,
) -> Response {
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
pub(super) fn filled(value: Option<SecretString>) -> Option<SecretString> {
    value
        .map(|v| v.expose_secret().trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

/// `POST /u/details`: upload the credentials.
pub(super) async fn details_submit(
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
pub(super) async fn result_page(State(s): State<AppState>, ctx: Ctx) -> Response {
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
