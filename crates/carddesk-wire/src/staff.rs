//! Staff sign-in and who is signed in.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

crate::mirror_enum! {
    /// What a member of staff may do.
    Role <=> carddesk_domain::Role { Agent, Supervisor, Admin }
}

/// A sign-in.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The sign-in name: 1 to 64 characters, no control characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub username: String,
    /// The password (never logged or echoed).
    #[schema(value_type = String, min_length = 1, max_length = 256, format = Password)]
    #[serde(serialize_with = "expose")]
    pub password: SecretString,
}

/// Who is signed in: what the console may show. Carries no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffProfile {
    /// The sign-in name.
    pub username: String,
    /// Name for display.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// A successful sign-in: the session token (once, to the transport that
/// keeps it) and the profile.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    /// The bearer token for the session.
    #[schema(value_type = String)]
    #[serde(serialize_with = "expose")]
    pub token: SecretString,
    /// Who signed in.
    #[serde(flatten)]
    pub profile: StaffProfile,
}

/// Serialises a secret for the one place it must travel: the request or
/// answer body that carries it.
fn expose<S: serde::Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secrecy::ExposeSecret::expose_secret(secret))
}
