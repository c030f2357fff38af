//! The video-interview queue as the desk shows it, and the reviewer's
//! verdict.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::applications::{
    ApplicationState, AuthRoute, ChecklistItem, InterviewStep, VerdictReason,
};

/// What an interview upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    /// The ID card's front (JPEG or PNG).
    IdFront,
    /// The ID card's back (JPEG or PNG).
    IdBack,
    /// A live selfie (JPEG or PNG).
    Selfie,
    /// The short video (WebM or MP4, 1 to 60 seconds).
    Video,
}

impl UploadKind {
    /// Every kind, in the order the reviewer sees them.
    pub const ALL: [UploadKind; 4] = [
        UploadKind::IdFront,
        UploadKind::IdBack,
        UploadKind::Selfie,
        UploadKind::Video,
    ];

    /// The name used in paths and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::IdFront => "id_front",
            UploadKind::IdBack => "id_back",
            UploadKind::Selfie => "selfie",
            UploadKind::Video => "video",
        }
    }

    /// Parses the name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The container found in an upload's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// A JPEG photo.
    Jpeg,
    /// A PNG photo.
    Png,
    /// A WebM video.
    Webm,
    /// An MP4 video.
    Mp4,
}

impl Container {
    /// Parses the stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "jpeg" => Container::Jpeg,
            "png" => Container::Png,
            "webm" => Container::Webm,
            "mp4" => Container::Mp4,
            _ => return None,
        })
    }

    /// Its MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Container::Jpeg => "image/jpeg",
            Container::Png => "image/png",
            Container::Webm => "video/webm",
            Container::Mp4 => "video/mp4",
        }
    }
}

/// What was checked of one upload (never its content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadDto {
    /// Which upload.
    pub kind: UploadKind,
    /// The container found in it.
    pub container: Container,
    /// Its size in bytes.
    pub bytes: i64,
    /// Pixels across (photos).
    pub width: Option<i32>,
    /// Pixels down (photos).
    pub height: Option<i32>,
    /// Its length in milliseconds (video).
    pub duration_ms: Option<i64>,
}

/// An interview in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InterviewDto {
    /// The application.
    pub application_id: i64,
    /// Where the interview stands.
    pub step: InterviewStep,
    /// When it entered the queue.
    pub queued_since: Option<DateTime<Utc>>,
    /// Whether it has waited past the SLA.
    pub late: bool,
    /// The reviewer, once claimed (`agent:li`).
    pub reviewer: Option<String>,
    /// The applicant's name.
    pub name: String,
    /// Their document, masked.
    pub document_masked: String,
    /// Their phone, masked.
    pub phone_masked: String,
    /// The product applied for.
    pub product: String,
    /// The uploads.
    pub uploads: Vec<UploadDto>,
    /// The checklist items the reviewer ticked, while a pass with some
    /// unticked waits for a supervisor (empty otherwise).
    #[schema(max_items = 5)]
    pub ticked: Vec<ChecklistItem>,
}

/// What the reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// Issue the card (with every item ticked; otherwise a supervisor
    /// approves the override).
    Pass,
    /// Refuse for good, with reasons.
    Fail,
    /// Ask for new uploads, with reasons.
    Retry,
}

/// The reviewer's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictRequest {
    /// The decision.
    pub verdict: VerdictKind,
    /// The checklist items confirmed (for a pass), at most 5.
    pub checklist: Vec<ChecklistItem>,
    /// Why (at least one for a fail or a retry), at most 7.
    pub reasons: Vec<VerdictReason>,
}

/// The schema says what the fields' types cannot: a pass carries no
/// reasons, a fail or a retry no checklist and at least one reason (an
/// allOf of the object and an anyOf of the two shapes), so a generated
/// client sends only verdicts the desk accepts.
impl utoipa::PartialSchema for VerdictRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, AllOfBuilder, AnyOfBuilder, ArrayBuilder, ObjectBuilder, Type,
        };
        use utoipa::openapi::{Ref, RefOr};
        let list = |item: &str, description: &str, max: usize| {
            ArrayBuilder::new()
                .items(Ref::from_schema_name(item))
                .max_items(Some(max))
                .description(Some(description))
        };
        let verdicts = |names: &[&str]| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(names.iter().map(|n| (*n).to_owned())))
        };
        let count = |min: usize, max: usize| {
            ArrayBuilder::new()
                .min_items(Some(min))
                .max_items(Some(max))
        };
        let shape = AnyOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .property("verdict", verdicts(&["pass"]))
                    .property("reasons", count(0, 0)),
            )
            .item(
                ObjectBuilder::new()
                    .property("verdict", verdicts(&["fail", "retry"]))
                    .property("checklist", count(0, 0))
                    .property("reasons", count(1, 7)),
            );
        RefOr::T(
            AllOfBuilder::new()
                .description(Some(
                    "The reviewer's verdict: a pass with the checklist items confirmed and no reasons, or a fail or a retry with at least one reason and no checklist.",
                ))
                .item(
                    ObjectBuilder::new()
                        .property("verdict", Ref::from_schema_name("VerdictKind"))
                        .required("verdict")
                        .property(
                            "checklist",
                            list("ChecklistItem", "The checklist items confirmed (for a pass).", 5),
                        )
                        .required("checklist")
                        .property(
                            "reasons",
                            list("VerdictReason", "Why (at least one for a fail or a retry).", 7),
                        )
                        .required("reasons")
                        .additional_properties(Some(AdditionalProperties::FreeForm(false))),
                )
                .item(shape)
                .into(),
        )
    }
}

impl utoipa::ToSchema for VerdictRequest {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push(("VerdictKind".to_owned(), VerdictKind::schema()));
        schemas.push(("ChecklistItem".to_owned(), ChecklistItem::schema()));
        schemas.push(("VerdictReason".to_owned(), VerdictReason::schema()));
    }
}

/// A card issued virtually, as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VirtualCardDto {
    /// The card.
    pub card_id: i64,
    /// The application it came from.
    pub application_id: i64,
    /// The route that authenticated the applicant.
    pub route: AuthRoute,
    /// Who decided (`system` for the two-card route).
    pub decided_by: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Expiry month.
    #[schema(minimum = 1, maximum = 12)]
    pub expiry_month: u32,
    /// Expiry year.
    pub expiry_year: i32,
}

/// What a verdict or an override did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerdictAnswer {
    /// The application's state now.
    pub state: ApplicationState,
    /// Its interview's step now.
    pub step: InterviewStep,
    /// The card, when one was issued.
    pub card: Option<VirtualCardDto>,
}

/// Which upload to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MediaQuery {
    /// The upload.
    pub kind: UploadKind,
}

/// Why a supervisor declines an override: what the applicant is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    /// At least one reason.
    #[schema(min_items = 1, max_items = 7)]
    pub reasons: Vec<VerdictReason>,
}
