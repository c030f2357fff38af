//! The application form (patent step 1): `GET /apply` shows it, `POST
//! /apply` submits it to the transit service, which routes it.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{StatusCode, header};
use axum::response::Response;
use carddesk_domain::application::{AuthRoute, VIRTUAL_PRODUCTS};
use carddesk_processor::ProcessorError;
use carddesk_processor::applications::{CONSENT_VERSION, Refusal};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::super::i18n::Lang;
use super::super::views::Alert;
use super::texts::{self, ApplyTexts};
use super::{ApplyCtx, Chrome, alert, bad_form, go, next_page, post_refusal, refusal, render};
use crate::AppState;
use crate::applicant::{ApplyBody, DocumentKind as BodyDocument, FormProblem, Language, Product};

const HERE: &str = "/apply";

/// The longest name taken (the processor's own bound).
const MAX_NAME_CHARS: usize = 100;

/// What the form posts. Everything is optional here: what is missing is
/// said in the page, per field.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ApplyFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    document_kind: String,
    #[serde(default)]
    id_number: Option<SecretString>,
    #[serde(default)]
    passport_country: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    consent_terms: Option<String>,
    #[serde(default)]
    consent_recording: Option<String>,
}

#[derive(Debug)]
pub(super) struct Choice {
    pub(super) value: &'static str,
    pub(super) label: &'static str,
    pub(super) checked: bool,
}

#[derive(Template, Debug)]
#[template(path = "apply_form.html")]
pub(super) struct FormView {
    pub(super) c: Chrome,
    pub(super) csrf: String,
    pub(super) alert: Option<Alert>,
    /// An application of this browser's still open: where it goes on.
    pub(super) open_at: Option<&'static str>,
    pub(super) name: String,
    pub(super) passport: bool,
    pub(super) country: String,
    pub(super) phone: String,
    pub(super) products: Vec<Choice>,
    pub(super) languages: Vec<Choice>,
    pub(super) consent_version: String,
    pub(super) terms: bool,
    pub(super) recording: bool,
}

fn view(
    s: &AppState,
    ctx: &ApplyCtx,
    fields: &ApplyFields,
    alert: Option<Alert>,
    open_at: Option<&'static str>,
) -> FormView {
    let a = ApplyTexts::of(ctx.lang);
    let product = if fields.product.is_empty() {
        VIRTUAL_PRODUCTS[0].code
    } else {
        fields.product.as_str()
    };
    let language = Lang::from_tag(&fields.language).unwrap_or(ctx.lang);
    FormView {
        c: Chrome::new(ctx, HERE, a.apply_title, Some(1)),
        csrf: ctx.csrf(s.processor.keys()),
        alert,
        open_at,
        name: fields.name.clone(),
        passport: fields.document_kind == "passport",
        country: fields.passport_country.clone(),
        phone: fields.phone.clone(),
        products: VIRTUAL_PRODUCTS
            .iter()
            .map(|p| Choice {
                value: p.code,
                label: texts::product_name(ctx.lang, p),
                checked: p.code == product,
            })
            .collect(),
        languages: [Lang::Zh, Lang::En]
            .into_iter()
            .map(|l| Choice {
                value: l.tag(),
                label: l.texts().name,
                checked: l == language,
            })
            .collect(),
        consent_version: texts::consent_version(ctx.lang, CONSENT_VERSION),
        terms: fields.consent_terms.is_some(),
        recording: fields.consent_recording.is_some(),
    }
}

/// `GET /apply`: the form, and a way back to an application this
/// browser has open.
pub(super) async fn form_page(State(s): State<AppState>, ctx: ApplyCtx) -> Response {
    let open_at = match &ctx.session {
        Some(token) => match s.processor.application_status(token).await {
            Ok(st)
                if !st.application.state.is_final()
                    && !st.application.is_expired_at(s.processor.now()) =>
            {
                Some(next_page(&st))
            }
            _ => None,
        },
        None => None,
    };
    let v = view(&s, &ctx, &ApplyFields::default(), None, open_at);
    render(&ctx, StatusCode::OK, &v)
}

/// `POST /apply`: submit; the session goes into its cookie and the
/// applicant on to the route's page.
pub(super) async fn form_submit(
    State(s): State<AppState>,
    ctx: ApplyCtx,
    form: Result<Form<ApplyFields>, FormRejection>,
) -> Response {
    let Form(mut fields) = match form {
        Ok(f) => f,
        Err(rejection) => return bad_form(&ctx, HERE, &rejection),
    };
    if let Some(response) = post_refusal(&s, &ctx, HERE, &fields.csrf).await {
        return response;
    }
    // What is entered again after a refusal is never the ID number.
    let id_number = fields.id_number.take();
    let again = |text: &str, status: StatusCode, fields: &ApplyFields| {
        render(&ctx, status, &view(&s, &ctx, fields, alert(text), None))
    };
    let t = ctx.lang.texts();
    let a = ApplyTexts::of(ctx.lang);
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;

    let body = match body_of(&fields, id_number, ctx.lang) {
        Ok(body) => body,
        Err(Missing::Name) => return again(a.missing_name, unprocessable, &fields),
        Err(Missing::Consent) => return again(a.missing_consent, unprocessable, &fields),
        Err(Missing::Choice) => return again(a.check_form, unprocessable, &fields),
    };
    let passport = matches!(body.document_kind, BodyDocument::Passport);
    let application = match body.parse() {
        Ok(f) => f,
        Err(FormProblem::Document(_)) => {
            let text = if passport {
                t.bad_passport
            } else {
                t.bad_resident_id
            };
            return again(text, unprocessable, &fields);
        }
        Err(FormProblem::Phone(_)) => return again(a.bad_phone, unprocessable, &fields),
    };
    match s
        .processor
        .submit_application(application, &ctx.origin)
        .await
    {
        Ok(submitted) => {
            let to = match submitted.route {
                AuthRoute::TwoCard => "/apply/two-card",
                AuthRoute::VideoInterview => "/apply/interview",
            };
            let mut response = go(&ctx, to);
            if let Some(cookie) = ctx.session_cookie(&submitted.session) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(ProcessorError::Refused(refusal)) => {
            let (text, status) = match refusal {
                Refusal::OpenApplication => (a.open_application, StatusCode::CONFLICT),
                Refusal::CourtOrderFreeze => (a.court_order, StatusCode::FORBIDDEN),
                Refusal::TooManyForPerson | Refusal::TooManyFromAddress => {
                    (a.too_many, StatusCode::TOO_MANY_REQUESTS)
                }
            };
            again(text, status, &fields)
        }
        Err(ProcessorError::InvalidInput(_)) => again(a.check_form, unprocessable, &fields),
        Err(e) => refusal(&ctx, HERE, e),
    }
}

/// What the page checks itself, to say it in the applicant's language.
#[derive(Debug)]
enum Missing {
    Name,
    Consent,
    Choice,
}

/// The JSON API's body from the form's fields (texts in the page's
/// language unless another was chosen); its parsing is then the API's
/// own ([`ApplyBody::parse`]).
fn body_of(
    fields: &ApplyFields,
    id_number: Option<SecretString>,
    page: Lang,
) -> Result<ApplyBody, Missing> {
    let name = fields.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(Missing::Name);
    }
    if fields.consent_terms.is_none() || fields.consent_recording.is_none() {
        return Err(Missing::Consent);
    }
    let document_kind = match fields.document_kind.as_str() {
        "" | "resident_id" => BodyDocument::ResidentId,
        "passport" => BodyDocument::Passport,
        _ => return Err(Missing::Choice),
    };
    let passport_country = match document_kind {
        BodyDocument::ResidentId => None,
        BodyDocument::Passport => {
            Some(fields.passport_country.trim().to_owned()).filter(|c| !c.is_empty())
        }
    };
    let product = match fields.product.as_str() {
        "" | "virtual_debit" => Product::VirtualDebit,
        "virtual_credit" => Product::VirtualCredit,
        _ => return Err(Missing::Choice),
    };
    let language = if fields.language.is_empty() {
        Some(page)
    } else {
        Lang::from_tag(&fields.language)
    };
    let language = match language {
        Some(Lang::En) => Language::En,
        Some(Lang::Zh) => Language::ZhCn,
        None => return Err(Missing::Choice),
    };
    let id_number = id_number
        .map(|n| n.expose_secret().trim().to_owned())
        .unwrap_or_default();
    Ok(ApplyBody {
        name: name.to_owned(),
        document_kind,
        id_number: SecretString::from(id_number),
        passport_country,
        phone: fields.phone.trim().to_owned(),
        product,
        language,
        consent_terms: true,
        consent_recording: true,
    })
}
