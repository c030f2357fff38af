//! The desk API's wire: every request, answer, live event and error that
//! crosses between a console and the processor, whichever way it travels
//! (Tauri IPC in-process, HTTP to `carddesk-server`), and the [`Desk`]
//! trait both transports implement.
//!
//! One set of serde types keeps the JSON the same on both transports, and
//! the utoipa schemas make the OpenAPI document state the enums, lengths
//! and bounds a generated client must respect. Nothing here is secret in
//! clear except the sign-in password and the session token, which are
//! `SecretString` (redacted in `Debug`, never in an IPC payload: the
//! console's shell keeps the token).
#![deny(missing_docs)]

pub mod applications;
pub mod audit;
pub mod case;
pub mod customer;
mod desk;
pub mod error;
pub mod events;
pub mod interviews;
pub mod outbox;
pub mod routes;
pub mod search;
pub mod staff;

pub use applications::{ApplicationState, AuthRoute, ChecklistItem, InterviewStep, VerdictReason};
pub use audit::{AuditDto, AuditQuery, ChainDto, Outcome};
pub use case::{
    CaseDto, CaseState, InstructRequest, InstructionPreview, Page, QueueQuery, ReasonRequest,
    ReassignRequest,
};
pub use customer::{
    CardDto, CardStatus, Credential, CustomerDto, CustomerView, FreezeReason, RemoteUnfreezeDto,
    TransitionDto,
};
pub use desk::{Desk, DeskMode, EventStream, Token};
pub use error::{DeskError, DeskResult, ErrorBody, ErrorCode};
pub use events::{DeskEvent, EventFilter};
pub use interviews::{
    Container, DeclineRequest, InterviewDto, MediaQuery, UploadDto, UploadKind, VerdictAnswer,
    VerdictKind, VerdictRequest, VirtualCardDto,
};
pub use outbox::{LocalInstructionDto, OutboxChannel};
pub use search::{MatchKind, SearchHit, SearchRequest, SearchResults};
pub use staff::{Role, SignInRequest, SignedIn, StaffProfile};

/// Declares a wire enum mirroring a domain enum: snake_case on the wire,
/// the same names as the domain's `as_str`, and conversions both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $domain:path { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        #[allow(missing_docs)] // The variants are the domain's, documented there.
        pub enum $name { $($variant),+ }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                use $domain as D;
                match value { $(D::$variant => Self::$variant),+ }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                use $domain as D;
                match value { $($name::$variant => D::$variant),+ }
            }
        }
    };
}
pub(crate) use mirror_enum;
