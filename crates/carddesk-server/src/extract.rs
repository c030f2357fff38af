//! Extractors that turn what arrives into typed values or a `{code,
//! message}` error: JSON bodies, bearer tokens, the caller's address.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use carddesk_domain::{Role, StaffMember};
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// A JSON body; malformed, oversized or mistyped bodies get a 4xx in the
/// common shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "invalid_input",
                    "send the body as application/json",
                ),
                JsonRejection::BytesRejection(_) => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "the request body is too large",
                ),
                // The serde message names the field and the problem, never
                // echoes the value.
                other => ApiError::invalid(other.body_text()),
            }),
        }
    }
}

/// The bearer token of the `Authorization` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<SecretString> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty() && token.len() <= 128).then(|| SecretString::from(token.to_owned()))
}

/// A signed-in member of staff; requests without a live session get 401.
#[derive(Debug, Clone)]
pub struct Staff(pub StaffMember);

impl Staff {
    /// Refuses with 403 unless the member's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<&StaffMember, ApiError> {
        if self.0.role >= role {
            Ok(&self.0)
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this action",
            ))
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
        })?;
        Ok(Self(state.processor.authenticate(&token).await?))
    }
}

/// The customer's session token (from the `Authorization` header).
#[derive(Debug)]
pub struct CustomerToken(pub SecretString);

impl<S: Send + Sync> FromRequestParts<S> for CustomerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        bearer(&parts.headers).map(Self).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "open your unfreeze code first",
            )
        })
    }
}

/// Where a request came from, for the audit log.
#[derive(Debug, Clone)]
pub struct Origin(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_addr(&parts.extensions)))
    }
}

/// The client's IP address, as the listener saw it.
pub fn client_addr(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
