//! The customer API, as JSON for a mobile app: open the code, see what is
//! asked, upload the credentials. A failure never says which credential was
//! wrong, and a session token opens its own case only.
//!
//! Like the customer pages, the API is rate-limited per client address
//! (every request) and per case (credential uploads), with the pages' token
//! buckets ([`crate::pages`]); a refusal is `429 rate_limited` in the common
//! shape with a `Retry-After` header.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use carddesk_domain::customer::IdDocument;
use carddesk_processor::{CredentialUpload, ProcessorError, Purpose, VerifyOutcome};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{CustomerToken, JsonBody, Origin};
use crate::limits::{Buckets, RateLimiter};

/// Limits on the customer API, per client address and per case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerLimits {
    /// Requests a client address may make in a burst.
    pub address_burst: u32,
    /// Requests per minute a client address gets back after a burst.
    pub address_per_minute: u32,
    /// Credential uploads a case may take in a burst (the processor's three
    /// attempts are counted apart; uploads refused at the edge as malformed
    /// are bounded by the address's limit, not this one).
    pub case_burst: u32,
    /// Credential uploads per minute a case gets back after a burst.
    pub case_per_minute: u32,
    /// Whether loopback clients skip the per-address limit (the per-case
    /// limit still holds): for a load generator or a test suite on this
    /// host. Off by default: behind a reverse proxy on the same host every
    /// customer would be loopback and nobody limited; name the proxy in
    /// `trusted_proxies` instead, and its customers' own addresses count.
    pub exempt_loopback: bool,
}

impl Default for CustomerLimits {
    /// An app makes three or four requests per flow: generous enough for
    /// customers behind one carrier NAT, tight enough to make guessing
    /// codes pointless (50-bit codes, 15 minutes).
    fn default() -> Self {
        Self {
            address_burst: 60,
            address_per_minute: 30,
            case_burst: 6,
            case_per_minute: 3,
            exempt_loopback: false,
        }
    }
}

/// One router's buckets.
#[derive(Debug)]
struct Limiters {
    address: RateLimiter,
    case: RateLimiter,
    exempt_loopback: bool,
}

impl Limiters {
    fn new(limits: CustomerLimits, buckets: &Buckets) -> Self {
        Self {
            address: RateLimiter::new(
                "customer:addr",
                limits.address_burst,
                limits.address_per_minute,
                buckets,
            ),
            case: RateLimiter::new(
                "customer:case",
                limits.case_burst,
                limits.case_per_minute,
                buckets,
            ),
            exempt_loopback: limits.exempt_loopback,
        }
    }

    fn exempt(&self, addr: &str) -> bool {
        self.exempt_loopback
            && addr
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.to_canonical().is_loopback())
    }
}

/// The customer API's routes, under `/api/customer`, with the given
/// limits, their buckets in `buckets`.
pub fn routes_with(limits: CustomerLimits, buckets: &Buckets) -> Router<AppState> {
    let limiters = Arc::new(Limiters::new(limits, buckets));
    Router::new()
        .route("/unfreeze-requests", post(request))
        .route("/challenge", post(challenge))
        .route("/verification", post(verify))
        .route_layer(middleware::from_fn_with_state(
            limiters.clone(),
            per_address,
        ))
        .layer(Extension(limiters))
}

/// Refuses a request once its client address has spent its bucket.
async fn per_address(State(limiters): State<Arc<Limiters>>, req: Request, next: Next) -> Response {
    let addr = crate::extract::client_addr(req.extensions());
    if !limiters.exempt(&addr)
        && let Err(wait) = limiters.address.take(&format!("addr:{addr}")).await
    {
        tracing::warn!(origin = %addr, "customer API request over the address's rate limit");
        return Refusal::RateLimited(wait).into_response();
    }
    next.run(req).await
}

/// A refusal: an error in the common shape, with `Retry-After` when it is
/// a rate limit.
#[derive(Debug)]
enum Refusal {
    Api(ApiError),
    RateLimited(Duration),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Api(e) => e.into_response(),
            Self::RateLimited(wait) => crate::limits::rate_limited(wait),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct OpenCode {
    /// The ten letters and digits of the code (Crockford base 32: `O`
    /// reads as 0, `I` and `L` as 1, any case), spaces and dashes ignored;
    /// at most 32 characters in all.
    #[schema(
        max_length = 32,
        pattern = "^[- ]*([0-9A-HJKMNP-TV-Za-hjkmnp-tv-zOoIiLl][- ]*){10}$"
    )]
    code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Opened {
    session_token: String,
    card_last_four: String,
}

#[utoipa::path(post, path = "/api/customer/unfreeze-requests", request_body = OpenCode, responses((status = 200, description = "the code is spent; a session for the next steps", body = Opened), (status = 429, description = "rate-limited per client address or per case: retry after `Retry-After` seconds", body = crate::error::ErrorBody, headers(("Retry-After" = u64, description = "seconds until a retry can succeed"))), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
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
            carddesk_wire::ErrorCode::Unauthenticated,
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

#[utoipa::path(post, path = "/api/customer/challenge", security(("bearer" = [])), responses((status = 200, description = "what to provide (asking moves the case to challenged: a POST, so that no GET writes)", body = ChallengeDto), (status = 429, description = "rate-limited per client address or per case: retry after `Retry-After` seconds", body = crate::error::ErrorBody, headers(("Retry-After" = u64, description = "seconds until a retry can succeed"))), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
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
    /// The card's transaction password: 1 to 64 characters, no control
    /// characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$", format = Password)]
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

#[utoipa::path(post, path = "/api/customer/verification", request_body = Upload, security(("bearer" = [])), responses((status = 200, description = "the credentials matched", body = Verified), (status = 429, description = "rate-limited per client address or per case: retry after `Retry-After` seconds", body = crate::error::ErrorBody, headers(("Retry-After" = u64, description = "seconds until a retry can succeed"))), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn verify(
    State(s): State<AppState>,
    Extension(limiters): Extension<Arc<Limiters>>,
    Origin(origin): Origin,
    CustomerToken(token): CustomerToken,
    JsonBody(body): JsonBody<Upload>,
) -> Result<Json<Verified>, Refusal> {
    let credentials = body.into_credentials()?;
    // One session opens one case (its code is spent once), so the
    // session's digest keys the case's bucket, as on the pages. Only
    // well-formed uploads count: they are what reaches Argon2id.
    let case_key = hex::encode(
        s.processor
            .keys()
            .digest(Purpose::Session, token.expose_secret().as_bytes()),
    );
    if let Err(wait) = limiters.case.take(&format!("case:{case_key}")).await {
        tracing::warn!(%origin, "customer API upload over the case's rate limit");
        return Err(Refusal::RateLimited(wait));
    }
    let outcome = s
        .processor
        .verify(&token, credentials, &origin)
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
