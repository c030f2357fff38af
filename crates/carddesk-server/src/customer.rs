//! The customer API, as JSON for a mobile app: open the code, see what is
//! asked, upload the credentials. A failure never says which credential was
//! wrong, and a session token opens its own case only.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use carddesk_domain::customer::IdDocument;
use carddesk_processor::{CredentialUpload, ProcessorError, VerifyOutcome};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{CustomerToken, JsonBody, Origin};

/// The customer API's routes, under `/api/customer`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/unfreeze-requests", post(request))
        .route("/challenge", get(challenge))
        .route("/verification", post(verify))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct OpenCode {
    code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Opened {
    session_token: String,
    card_last_four: String,
}

#[utoipa::path(post, path = "/api/customer/unfreeze-requests", request_body = OpenCode, responses((status = 200, description = "the code is spent; a session for the next steps", body = Opened), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn request(
    State(s): State<AppState>,
    Origin(origin): Origin,
    JsonBody(body): JsonBody<OpenCode>,
) -> ApiResult<Json<Opened>> {
    if body.code.len() > 32 {
        return Err(ApiError::invalid(
            "an unfreeze code has 10 letters and digits",
        ));
    }
    let session = s.processor.request_unfreeze(&body.code, &origin).await?;
    Ok(Json(Opened {
        session_token: session.token.expose_secret().to_owned(),
        card_last_four: session.card_last_four,
    }))
}

/// A session token that opens no case is a failed authentication (401),
/// like a missing one, not a missing resource.
fn session_error(e: ProcessorError) -> ApiError {
    match e {
        ProcessorError::NotFound("session") => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "open your unfreeze code first",
        ),
        other => other.into(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ChallengeDto {
    credentials: Vec<&'static str>,
    document_kind: &'static str,
    attempts_left: u32,
    expires_at: Option<DateTime<Utc>>,
    card_last_four: String,
}

#[utoipa::path(get, path = "/api/customer/challenge", security(("bearer" = [])), responses((status = 200, description = "what to provide", body = ChallengeDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn challenge(
    State(s): State<AppState>,
    Origin(origin): Origin,
    CustomerToken(token): CustomerToken,
) -> ApiResult<Json<ChallengeDto>> {
    let c = s
        .processor
        .challenge(&token, &origin)
        .await
        .map_err(session_error)?;
    Ok(Json(ChallengeDto {
        credentials: c.credentials.iter().map(|c| c.as_str()).collect(),
        document_kind: c.document_kind.as_str(),
        attempts_left: c.attempts_left,
        expires_at: c.expires_at,
        card_last_four: c.card_last_four,
    }))
}

/// What the customer uploads. For a passport, the issuing country too.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    /// The resident ID or passport number.
    #[schema(value_type = Option<String>)]
    pub id_number: Option<SecretString>,
    /// The passport's issuing country (ISO 3166 alpha-3), for passports.
    pub passport_country: Option<String>,
    /// The card's transaction password.
    #[schema(value_type = Option<String>)]
    pub transaction_password: Option<SecretString>,
}

impl Upload {
    /// Parses the document at the edge: a malformed number is refused here,
    /// before it counts as an attempt.
    pub fn into_credentials(self) -> ApiResult<CredentialUpload> {
        let id_document = match (self.id_number, self.passport_country) {
            (Some(number), None) => Some(
                IdDocument::resident_id(number.expose_secret())
                    .map_err(|e| ApiError::invalid(e.to_string()))?,
            ),
            (Some(number), Some(country)) => Some(
                IdDocument::passport(&country, number.expose_secret())
                    .map_err(|e| ApiError::invalid(e.to_string()))?,
            ),
            (None, _) => None,
        };
        // A password with control characters cannot be right: refused here,
        // like a malformed ID number, rather than counted as an attempt.
        if let Some(p) = &self.transaction_password
            && (p.expose_secret().is_empty()
                || p.expose_secret().len() > 64
                || p.expose_secret().chars().any(char::is_control))
        {
            return Err(ApiError::invalid(
                "a transaction password has 1 to 64 characters, without control characters",
            ));
        }
        Ok(CredentialUpload {
            id_document,
            transaction_password: self.transaction_password,
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Verified {
    outcome: &'static str,
}

#[utoipa::path(post, path = "/api/customer/verification", request_body = Upload, security(("bearer" = [])), responses((status = 200, description = "the credentials matched", body = Verified), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn verify(
    State(s): State<AppState>,
    Origin(origin): Origin,
    CustomerToken(token): CustomerToken,
    JsonBody(body): JsonBody<Upload>,
) -> ApiResult<Json<Verified>> {
    let outcome = s
        .processor
        .verify(&token, body.into_credentials()?, &origin)
        .await
        .map_err(session_error)?;
    Ok(Json(Verified {
        outcome: match outcome {
            VerifyOutcome::Unfrozen => "unfrozen",
            VerifyOutcome::AwaitingApproval => "awaiting_approval",
        },
    }))
}

/// The customer API's OpenAPI paths.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(paths(request, challenge, verify))]
pub struct CustomerApi;
