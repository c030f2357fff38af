//! The video interview's uploads (a first card): the ID's two sides, a
//! selfie and a short video, posted as `multipart/form-data` from a plain
//! form (any of the four at a time), each checked by its content by the
//! processor. The video can be recorded in the page by
//! `/apply/static/record.js`; without it the file picker does the same.

use askama::Template;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use axum::response::Response;
use carddesk_domain::application::VerdictReason;
use carddesk_processor::ProcessorError;
use carddesk_processor::applications::{ApplicationStatus, reason_text};
use carddesk_store::MediaKind;

use super::super::views::Alert;
use super::texts::{self, ApplyTexts};
use super::{
    ApplyCtx, Chrome, End, RECORD_JS_SRC, alert, current, end, go, next_page, post_refusal,
    refusal, render,
};
use crate::AppState;

const HERE: &str = "/apply/interview";

/// One file input of the form.
#[derive(Debug)]
pub(super) struct Slot {
    /// The input's name and id: the kind's stored name.
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) hint: &'static str,
    pub(super) accept: &'static str,
    /// Which camera a phone opens for it.
    pub(super) capture: &'static str,
    pub(super) received: bool,
}

#[derive(Template, Debug)]
#[template(path = "apply_interview.html")]
pub(super) struct InterviewView {
    pub(super) c: Chrome,
    pub(super) csrf: String,
    pub(super) alert: Option<Alert>,
    /// The reviewer's reasons when they asked for new uploads.
    pub(super) retry: Vec<&'static str>,
    pub(super) slots: Vec<Slot>,
    pub(super) script: &'static str,
}

/// The reasons of the last verdict, in the page's language.
pub(super) fn reasons(ctx: &ApplyCtx, st: &ApplicationStatus) -> Vec<&'static str> {
    st.verdict_reasons
        .iter()
        .filter_map(|r| VerdictReason::parse(r))
        .map(|r| reason_text(ctx.lang.tag(), r))
        .collect()
}

fn page(
    s: &AppState,
    ctx: &ApplyCtx,
    st: &ApplicationStatus,
    alert: Option<Alert>,
    status: StatusCode,
) -> Response {
    let a = ApplyTexts::of(ctx.lang);
    let slots = MediaKind::ALL
        .into_iter()
        .map(|kind| {
            let video = kind == MediaKind::Video;
            Slot {
                name: kind.as_str(),
                label: texts::media_label(ctx.lang, kind),
                hint: if video { a.video_hint } else { a.photo_hint },
                accept: if video {
                    "video/*"
                } else {
                    "image/jpeg,image/png"
                },
                capture: match kind {
                    MediaKind::IdFront | MediaKind::IdBack => "environment",
                    MediaKind::Selfie | MediaKind::Video => "user",
                },
                received: !st.missing_uploads.contains(&kind),
            }
        })
        .collect();
    let view = InterviewView {
        c: Chrome::new(ctx, HERE, a.interview_title, Some(2)),
        csrf: ctx.csrf(s.processor.keys()),
        alert,
        retry: reasons(ctx, st),
        slots,
        script: RECORD_JS_SRC.as_str(),
    };
    render(ctx, status, &view)
}

/// The application when it waits for uploads; otherwise the way to the
/// page it is on.
async fn at(s: &AppState, ctx: &ApplyCtx) -> Result<ApplicationStatus, Response> {
    let st = current(s, ctx, HERE).await?;
    match next_page(&st) {
        HERE => Ok(st),
        other => Err(go(ctx, other)),
    }
}

/// `GET /apply/interview`: what to upload, and what is in already.
pub(super) async fn interview_page(State(s): State<AppState>, ctx: ApplyCtx) -> Response {
    match at(&s, &ctx).await {
        Ok(st) => page(&s, &ctx, &st, None, StatusCode::OK),
        Err(response) => response,
    }
}

fn unreadable(ctx: &ApplyCtx, e: &MultipartError) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        end(ctx, HERE, End::TooLarge)
    } else {
        end(ctx, HERE, End::BadRequest)
    }
}

/// `POST /apply/interview`: the form's files, each taken as it comes.
/// The CSRF token is the form's first field, checked before any file is
/// read; a file the checks refuse is named and nothing of it is stored
/// (those before it in the same form are).
pub(super) async fn upload(
    State(s): State<AppState>,
    ctx: ApplyCtx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(mut multipart) = multipart else {
        return end(&ctx, HERE, End::BadRequest);
    };
    let csrf = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf") => field.text().await.unwrap_or_default(),
        Ok(_) => String::new(),
        Err(e) => return unreadable(&ctx, &e),
    };
    if let Some(response) = post_refusal(&s, &ctx, HERE, &csrf).await {
        return response;
    }
    let Some(token) = ctx.session.clone() else {
        return end(&ctx, HERE, End::SessionEnded);
    };
    let st = match at(&s, &ctx).await {
        Ok(st) => st,
        Err(response) => return response,
    };
    let mut taken = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return unreadable(&ctx, &e),
        };
        let Some(kind) = field.name().and_then(MediaKind::parse) else {
            continue;
        };
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return unreadable(&ctx, &e),
        };
        // A file input left empty still sends its (empty) part.
        if bytes.is_empty() {
            continue;
        }
        match s
            .processor
            .upload_interview_media(&token, kind, &bytes, &ctx.origin)
            .await
        {
            Ok(missing) if missing.is_empty() => return go(&ctx, "/apply/status"),
            Ok(_) => taken += 1,
            Err(ProcessorError::InvalidUpload(e)) => {
                tracing::info!(kind = kind.as_str(), error = %e, "interview upload refused");
                let st = current(&s, &ctx, HERE).await.unwrap_or(st);
                let text = texts::bad_upload(ctx.lang, kind);
                return page(&s, &ctx, &st, alert(text), StatusCode::UNPROCESSABLE_ENTITY);
            }
            Err(e) => return refusal(&ctx, HERE, e),
        }
    }
    if taken == 0 {
        let text = ApplyTexts::of(ctx.lang).no_file;
        return page(&s, &ctx, &st, alert(text), StatusCode::UNPROCESSABLE_ENTITY);
    }
    go(&ctx, HERE)
}
