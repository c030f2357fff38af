//! Unfreeze cases: what the agent sees and asks of them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::customer::{Credential, FreezeReason};

crate::mirror_enum! {
    /// Where a case stands.
    CaseState <=> carddesk_domain::CaseState {
        Marked, Packaged, Instructed, Requested, Challenged, Verified, Approved,
        Unfrozen, Locked, Expired, Cancelled, Rejected
    }
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseDto {
    /// Id.
    pub id: i64,
    /// The card it unfreezes.
    pub card_id: i64,
    /// The card's customer.
    pub customer_id: i64,
    /// The freeze it lifts.
    pub reason: FreezeReason,
    /// State.
    pub state: CaseState,
    /// Failed verifications so far.
    pub failed_attempts: u32,
    /// Verifications left before the case locks.
    pub attempts_left: u32,
    /// Whether a supervisor must approve.
    pub needs_approval: bool,
    /// What the customer is asked.
    pub credentials: Vec<Credential>,
    /// Who opened it (`agent:alice`).
    pub opened_by: String,
    /// Whose case it is now (the opener, or whom a supervisor reassigned
    /// it to).
    pub assigned_to: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When the code expires (once instructed).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Which channels carry the instructions. At least one must be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstructRequest {
    /// A text message.
    pub text: bool,
    /// A voice prompt.
    pub voice: bool,
}

/// Why a case is cancelled or rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// 1 to 500 characters, no control characters.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: String,
}

/// Whom a supervisor gives a case to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// The agent's sign-in name.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub username: String,
}

/// What the customer will receive, before it is sent: the text in the
/// customer's language with the code hidden, and what they will be asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InstructionPreview {
    /// The customer's language (`zh-CN`, `en`).
    pub language: String,
    /// The text message, the code shown as `•••••-•••••`.
    pub text: String,
    /// The voice prompt's words, the code hidden likewise.
    pub voice: String,
    /// What the customer will be asked for.
    pub credentials: Vec<Credential>,
    /// Minutes the code will live.
    pub lifetime_minutes: u32,
}

/// A page of the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Comma-separated states; empty or absent, every state.
    #[param(
        pattern = "^((marked|packaged|instructed|requested|challenged|verified|approved|unfrozen|locked|expired|cancelled|rejected)(,(marked|packaged|instructed|requested|challenged|verified|approved|unfrozen|locked|expired|cancelled|rejected))*)?$"
    )]
    pub state: Option<String>,
    /// Only cases opened by this actor (`agent:alice`).
    pub opened_by: Option<String>,
    /// Only cases opened more than this many minutes ago (against an SLA).
    #[param(maximum = 525600)]
    pub older_than_minutes: Option<u32>,
    /// Keyset pagination: the `next` of the previous page.
    pub before: Option<i64>,
    /// Page size, 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `before` (queue) or `after` (audit) for the next page;
    /// absent on the last one.
    pub next: Option<i64>,
}

/// The schema says what the type cannot: at least one channel is `true`
/// (an allOf of the object and an anyOf of `text: true`, `voice: true`),
/// so a generated client never sends both false.
impl utoipa::PartialSchema for InstructRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, AllOfBuilder, AnyOfBuilder, ObjectBuilder, Type,
        };
        let flag = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .description(Some(description))
        };
        let chosen = |name: &str| {
            ObjectBuilder::new()
                .property(
                    name,
                    ObjectBuilder::new()
                        .schema_type(Type::Boolean)
                        .enum_values(Some([true])),
                )
                .required(name)
        };
        AllOfBuilder::new()
            .description(Some(
                "Which channels carry the instructions: text, voice or both; at least one is true.",
            ))
            .item(
                ObjectBuilder::new()
                    .property("text", flag("A text message."))
                    .required("text")
                    .property("voice", flag("A voice prompt."))
                    .required("voice")
                    .additional_properties(Some(AdditionalProperties::FreeForm(false))),
            )
            .item(
                AnyOfBuilder::new()
                    .item(chosen("text"))
                    .item(chosen("voice")),
            )
            .into()
    }
}

impl utoipa::ToSchema for InstructRequest {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The queue's `state` pattern names every state, so a generated client
    /// can send each (and nothing else).
    #[test]
    fn the_state_pattern_names_every_state() {
        let params = <QueueQuery as utoipa::IntoParams>::into_params(|| None);
        let state = params
            .iter()
            .find(|p| p.name == "state")
            .expect("a state parameter");
        let schema = serde_json::to_value(&state.schema).expect("json");
        let pattern = schema["pattern"].as_str().expect("a pattern");
        for domain in carddesk_domain::CaseState::ALL {
            let name = serde_json::to_value(CaseState::from(domain)).expect("json");
            let name = name.as_str().expect("a name");
            assert!(
                pattern.contains(&format!("|{name}|"))
                    || pattern.contains(&format!("({name}|"))
                    || pattern.contains(&format!("|{name})")),
                "{name} missing from {pattern}"
            );
        }
    }
}
