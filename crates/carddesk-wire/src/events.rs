//! Live events: what changed, as a console hears it.

use serde::{Deserialize, Serialize};

use crate::case::CaseState;
use crate::customer::CardStatus;

/// Something that changed. Over HTTP each is a server-sent event whose
/// name is the `kind` and whose data is this JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeskEvent {
    /// A case moved to a new state.
    Case {
        /// The case.
        case_id: i64,
        /// Its new state.
        state: CaseState,
    },
    /// A failed verification was counted on a case.
    Attempt {
        /// The case.
        case_id: i64,
        /// Attempts left.
        remaining: u32,
    },
    /// A card's status changed.
    Card {
        /// The card.
        card_id: i64,
        /// Its new status.
        status: CardStatus,
    },
    /// An instruction was queued for delivery.
    Instruction {
        /// The case.
        case_id: i64,
        /// The outbox message.
        outbox_id: i64,
    },
    /// A virtual-card application changed (the interview queue moved).
    Application {
        /// The application.
        application_id: i64,
        /// Its state.
        state: crate::applications::ApplicationState,
        /// Its interview's step.
        step: crate::applications::InterviewStep,
    },
    /// The watcher may have missed events (it fell behind, or its
    /// connection was down): re-read what is on screen.
    Resync,
}

impl DeskEvent {
    /// The case the event is about, if any.
    pub fn case_id(&self) -> Option<i64> {
        match self {
            DeskEvent::Case { case_id, .. }
            | DeskEvent::Attempt { case_id, .. }
            | DeskEvent::Instruction { case_id, .. } => Some(*case_id),
            DeskEvent::Card { .. } | DeskEvent::Application { .. } | DeskEvent::Resync => None,
        }
    }

    /// The event's name (`"case"`), the SSE event field.
    pub fn kind(&self) -> &'static str {
        match self {
            DeskEvent::Case { .. } => "case",
            DeskEvent::Attempt { .. } => "attempt",
            DeskEvent::Card { .. } => "card",
            DeskEvent::Instruction { .. } => "instruction",
            DeskEvent::Application { .. } => "application",
            DeskEvent::Resync => "resync",
        }
    }
}

/// Which events to hear.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams,
)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventFilter {
    /// Only this case's events (card events always come).
    pub case: Option<i64>,
}

impl EventFilter {
    /// Whether the filter lets `event` through.
    pub fn admits(&self, event: &DeskEvent) -> bool {
        match (self.case, event.case_id()) {
            (Some(wanted), Some(case)) => wanted == case,
            _ => true,
        }
    }
}
